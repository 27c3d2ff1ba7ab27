"""The store on SQLite and on a real PostgreSQL server gives the same results."""

from __future__ import annotations

import math

import pytest
import sqlalchemy as sa

from slopradar import audit_data
from slopradar.config import Settings
from slopradar.pipeline import ingest_mailbox, ingest_slack_export, stats
from slopradar.schema import SCHEMA_VERSION
from slopradar.store import StoreError, open_store
from tests.conftest import SAMPLES, dump_store


def _load(settings: Settings):
    engine = open_store(settings)
    settings.team_mapping = str(SAMPLES / "teams.yaml")
    ingest_slack_export(engine, settings, SAMPLES / "slack-export", progress=False)
    ingest_mailbox(engine, settings, SAMPLES / "mailbox.mbox", progress=False)
    return engine


def test_postgres_matches_sqlite(postgres_url, settings, tmp_path):
    sqlite_engine = _load(settings)
    pg_settings = settings.model_copy(update={"db": postgres_url})
    pg_engine = _load(pg_settings)
    assert stats(pg_engine) == stats(sqlite_engine)
    assert dump_store(pg_engine) == dump_store(sqlite_engine)
    from sqlmodel import Session, select

    from slopradar.schema import Message
    from slopradar.store import times_sum

    with Session(pg_engine) as a, Session(sqlite_engine) as b:  # the fingerprints' sum, in both dialects' SQL
        q = select(times_sum(Message.version_ts))
        assert a.exec(q).one() == b.exec(q).one() > 0
    again = ingest_slack_export(pg_engine, pg_settings, SAMPLES / "slack-export", progress=False)
    assert again.new == 0 and stats(pg_engine) == stats(sqlite_engine)
    pg_engine.dispose()


def test_newer_schema_is_refused(settings):
    engine = open_store(settings)
    with engine.begin() as c:
        c.execute(sa.text("UPDATE meta SET value = :v WHERE key = 'schema_version'"), {"v": str(SCHEMA_VERSION + 1)})
    with pytest.raises(StoreError, match="newer"):
        open_store(settings)


def test_unwritable_store_is_a_clear_error(tmp_path):
    with pytest.raises(StoreError):
        open_store(Settings(db=str(tmp_path / "no" / "such" / "dir" / "x.db"), data_dir=str(tmp_path)))


def test_retention_drops_old_text_but_keeps_messages(engine, settings):
    from sqlmodel import Session, select

    from slopradar.pipeline import apply_retention
    from slopradar.schema import Message

    settings.retention_days = 365 * 5  # the demo workspace is from 2026: nothing is that old yet
    ingest_mailbox(engine, settings, SAMPLES / "mailbox.mbox", progress=False)
    assert apply_retention(engine, settings) == 0
    settings.retention_days = 1
    removed = apply_retention(engine, settings)
    with Session(engine) as s:
        msgs = s.exec(select(Message)).all()
    assert removed == len(msgs) == 36
    assert all(m.text is None and m.quoted == [] and m.word_count > 0 for m in msgs)
    # a re-ingest of the same mailbox does not bring the text back
    ingest_mailbox(engine, settings, SAMPLES / "mailbox.mbox", progress=False)
    with Session(engine) as s:
        assert all(m.text is None for m in s.exec(select(Message)))


def test_analysis_dashboard_and_audit_on_postgres_match_sqlite(postgres_url, analysed):
    """The whole path on a real PostgreSQL server: analysis, chains, cells, query layer, audit."""
    from datetime import date

    from slopradar import queries
    from slopradar.pipeline import analyze

    sqlite_engine, sqlite_settings, _ = analysed
    from sqlmodel import SQLModel

    pg_settings = sqlite_settings.model_copy(update={"db": postgres_url})
    with open_store(pg_settings).begin() as c:  # a clean database: the other PostgreSQL test shares the server
        for table in reversed(SQLModel.metadata.sorted_tables):
            c.execute(table.delete())
    pg_engine = _load(pg_settings)
    summary = analyze(pg_engine, pg_settings, progress=False)
    assert summary["scored"] > 0 and summary["chains"]["edges"] > 0
    from slopradar.pipeline import build_chains

    assert build_chains(pg_engine, pg_settings)["chunks_rebuilt"] == 0  # fingerprints read back the same

    def rounded(rows):
        return [{k: round(v, 6) if isinstance(v, float) else v for k, v in r.items()} for r in rows]

    for fn in (queries.team_summary, queries.team_weekly, queries.team_channels):
        pg, lite = rounded(fn(pg_engine, 5)), rounded(fn(sqlite_engine, 5))
        # floats summed in another order differ in the last digits (0.164737 vs 0.164738): equal within 1e-5
        diff = [(i, k, a.get(k), b.get(k)) for i, (a, b) in enumerate(zip(pg, lite)) for k in a
                if a.get(k) != b.get(k) and not (isinstance(a.get(k), float) and isinstance(b.get(k), float)
                                                 and math.isclose(a[k], b[k], rel_tol=1e-5, abs_tol=1e-6))]
        assert len(pg) == len(lite) and not diff, (fn.__name__, diff[:6])
    assert queries.options(pg_engine, 5) == queries.options(sqlite_engine, 5)
    assert [c["excerpt"] for c in queries.chains_overview(pg_engine, 5)] == \
        [c["excerpt"] for c in queries.chains_overview(sqlite_engine, 5)]
    a = audit_data.run(pg_engine, pg_settings, adoption=date(2026, 2, 2))
    b = audit_data.run(sqlite_engine, sqlite_settings, adoption=date(2026, 2, 2))
    assert [m["verdict"] for g in a["groups"] for m in g["metrics"]] == \
        [m["verdict"] for g in b["groups"] for m in g["metrics"]]
    pg_engine.dispose()


def test_times_sum_does_not_depend_on_row_order():
    """Fingerprints sum edit times; a float sum changes with the order rows arrive (PostgreSQL's plans change it)."""
    from slopradar.store import times_sum

    times = [1_600_000_000.1, 0.2, 1_600_000_000.3, 0.7]
    assert sum(times) != sum(reversed(times))  # the float sum is order-dependent ...
    engine = sa.create_engine("sqlite://")
    table = sa.Table("t", sa.MetaData(), sa.Column("ts", sa.Float))
    table.metadata.create_all(engine)
    sums = []
    with engine.begin() as c:
        for order in (times, times[::-1]):
            c.execute(table.delete())
            c.execute(table.insert(), [{"ts": t} for t in order])
            sums.append(c.execute(sa.select(times_sum(table.c.ts))).scalar())
    assert sums[0] == sums[1] == sum(round(t * 1000) % 1_000_000_007 for t in times)  # ... this one is not
