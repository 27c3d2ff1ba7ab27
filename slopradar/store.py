"""Opening the store, creating or migrating its schema, and idempotent upserts.

Every write goes through INSERT ... ON CONFLICT (SQLite and PostgreSQL both have it), so
re-running an ingest changes nothing, and each unit of input is written in one transaction
together with its checkpoint, so a crash leaves either all of a unit or none of it.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from .config import Settings
from .schema import SCHEMA_VERSION, Checkpoint, Meta, Source


class StoreError(Exception):
    """The store cannot be opened or is from an incompatible version."""


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(t: datetime) -> datetime:
    """An aware time in UTC (SQLite hands back naive times: they are UTC)."""
    return t.astimezone(UTC) if t.tzinfo else t.replace(tzinfo=UTC)


def times_sum(column: Any) -> Any:
    """An order-free sum of a float time column for a fingerprint: whole milliseconds modulo a prime, summed as
    integers. A float sum depends on the order the rows reach it, and PostgreSQL's plans change that order between
    runs (new statistics after an analysis), so a fingerprint of unchanged rows read back different."""
    return sa.func.sum(sa.cast(sa.func.round(column * 1000), sa.BigInteger) % 1_000_000_007)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


# Ordered migrations: version -> list of SQL statements bringing the schema from version-1 to version.
# New tables are created by create_all; only changes to existing tables belong here.
MIGRATIONS: dict[int, list[str]] = {
    2: ["ALTER TABLE factloss ADD COLUMN confidence FLOAT NOT NULL DEFAULT 1.0"],  # issue 17: a verdict's confidence
}



def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite store URL; None for other databases and in-memory SQLite."""
    return Settings(db=url).store_file()


def _check_sqlite_file(path: Path, create: bool) -> None:
    """A missing store file is created 0600 (SQLite gives its -wal and -shm files the same mode) when
    `create`, else refused; an existing file must be a SQLite database."""
    if not path.exists():
        if not create:
            raise StoreError(f"no store at {path}: `slopradar ingest ...` creates one (check --db or SLOPRADAR_DB)")
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            pass  # created meanwhile by a concurrent first run
        except OSError as exc:
            raise StoreError(f"cannot create store {path}: {exc.strerror}") from None
        return
    if path.is_dir():
        raise StoreError(f"{path} is a folder, not a slopradar store")
    # Read through SQLite, never with open()/close() of our own: POSIX drops *all* of a process's locks on a file
    # when any descriptor of it is closed, so a plain read of the header would release the locks this process's
    # other connections hold on the store; another process closing its last connection then believes it is the
    # last, checkpoints and deletes the -wal and -shm files under them ("disk I/O error" at their next read).
    # SQLite's own file handles do not (it keeps descriptors per file and closes none while a lock is held).
    try:
        con = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
        try:
            con.execute("PRAGMA schema_version").fetchone()
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        if "not a database" in str(exc):  # an empty file is an empty SQLite database: no error
            raise StoreError(f"{path} is not a slopradar store (not a SQLite database)") from None
        raise StoreError(f"cannot read store {path}: {exc}") from None


def open_store(settings: Settings, create: bool = True) -> Engine:
    """Create the engine, then create or migrate the schema. With create=False a store that does not
    exist yet (a missing SQLite file, a database without slopradar's tables) is refused, not created."""
    url = settings.db_url()
    try:
        engine = sa.create_engine(url)
    except (sa.exc.ArgumentError, ImportError) as exc:
        raise StoreError(f"cannot use store URL {url!r}: {exc}") from exc
    path = sqlite_path(url)
    if path is not None:
        _check_sqlite_file(path, create)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    where = str(path) if path is not None else repr(engine.url.render_as_string(hide_password=True))
    try:
        if not create and not sa.inspect(engine).has_table("meta"):
            engine.dispose()
            raise StoreError(f"no slopradar store in {where}: `slopradar ingest ...` creates one")
        _init_schema(engine)
    except sa.exc.DBAPIError as exc:  # not a database, unreachable server, permissions...
        engine.dispose()
        reason = (str(exc.orig).strip().splitlines() or [type(exc.orig).__name__])[0]
        raise StoreError(f"cannot open store {where}: {reason}") from None
    return engine


# Tables derived from the others and rebuilt at will (slopradar/aggregates.py): when their columns
# change between versions they are dropped and rebuilt, never migrated.
DERIVED_TABLES = ("agg_cell", "agg_team_week")


def _drop_stale_derived(engine: Engine) -> None:
    inspector = sa.inspect(engine)
    stale = [name for name in DERIVED_TABLES if inspector.has_table(name) and
             {c["name"] for c in inspector.get_columns(name)} != set(SQLModel.metadata.tables[name].columns.keys())]
    if stale:
        with engine.begin() as conn:
            for name in stale:
                SQLModel.metadata.tables[name].drop(conn)
            if inspector.has_table("meta"):
                conn.execute(sa.text("DELETE FROM meta WHERE key = 'aggregates_signature'"))


def _init_schema(engine: Engine) -> None:
    from . import schema  # noqa: F401  (registers every table before create_all)

    _drop_stale_derived(engine)
    SQLModel.metadata.create_all(engine)
    with Session(engine) as s:
        row = s.get(Meta, "schema_version")
        current = int(row.value) if row else SCHEMA_VERSION
        if current > SCHEMA_VERSION:
            raise StoreError(
                f"store schema version {current} is newer than this slopradar ({SCHEMA_VERSION}); upgrade slopradar"
            )
        for version in range(current + 1, SCHEMA_VERSION + 1):
            for stmt in MIGRATIONS.get(version, []):
                s.exec(sa.text(stmt))  # type: ignore[call-overload]
        if row is None:
            s.add(Meta(key="schema_version", value=str(SCHEMA_VERSION)))
        else:
            row.value = str(SCHEMA_VERSION)
        s.commit()


def insert_for(session: Session, table: sa.Table) -> Any:
    """The dialect's INSERT that supports ON CONFLICT."""
    name = session.get_bind().dialect.name
    if name == "sqlite":
        return sqlite.insert(table)
    if name == "postgresql":
        return postgresql.insert(table)
    raise StoreError(f"unsupported database dialect {name!r}: use SQLite or PostgreSQL")


def upsert(
    session: Session,
    model: type[SQLModel],
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    update: Iterable[str] | None = None,
    where: Any = None,
) -> None:
    """Insert rows; on a key conflict update the `update` columns (or do nothing when None)."""
    if not rows:
        return
    table = model.__table__  # type: ignore[attr-defined]
    session.exec(_on_conflict(insert_for(session, table).values(list(rows)), keys, update, where))  # type: ignore[call-overload]


def _on_conflict(stmt: Any, keys: Sequence[str], update: Iterable[str] | None, where: Any = None) -> Any:
    """The insert, updating the `update` columns on a key conflict (or doing nothing when None)."""
    if update is None:
        return stmt.on_conflict_do_nothing(index_elements=list(keys))
    return stmt.on_conflict_do_update(index_elements=list(keys), set_={c: getattr(stmt.excluded, c) for c in update},
                                      where=where)


def upsert_many(session: Session, model: type[SQLModel], rows: Sequence[dict[str, Any]], keys: Sequence[str],
                update: Iterable[str]) -> None:
    """upsert for rows that all name the same columns: one single-row statement run for every row (executemany),
    compiled once and then cached, where upsert's multi-row VALUES is compiled anew for each batch (32 messages'
    scores: 21 columns, 672 parameters; a third of what storing an analysed batch took, issue 20)."""
    if not rows:
        return
    table = model.__table__  # type: ignore[attr-defined]
    session.connection().execute(_on_conflict(insert_for(session, table), keys, update), list(rows))


def get_or_create_source(session: Session, kind: str, name: str) -> Source:
    src = session.exec(select(Source).where(Source.kind == kind, Source.name == name)).first()
    if src is None:
        now = utcnow()
        upsert(session, Source, [dict(kind=kind, name=name, state={}, created_at=now, updated_at=now)],
               keys=["kind", "name"])
        session.commit()
        src = session.exec(select(Source).where(Source.kind == kind, Source.name == name)).one()
    return src


def done_checkpoints(session: Session, source_id: int) -> dict[str, str]:
    rows = session.exec(select(Checkpoint.key, Checkpoint.digest).where(Checkpoint.source_id == source_id))
    return {k: d for k, d in rows}


def mark_checkpoint(session: Session, source_id: int, key: str, digest: str) -> None:
    upsert(session, Checkpoint, [dict(source_id=source_id, key=key, digest=digest, done_at=utcnow())],
           keys=["source_id", "key"], update=["digest", "done_at"])
