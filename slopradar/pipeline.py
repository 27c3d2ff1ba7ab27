"""Wires connectors to the store (and, as they land, to analysis). Each function is one CLI stage."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from .config import Settings
from .ingest import IngestReport, IngestWriter, Unit
from .pseudonym import Pseudonymizer, load_secret
from .records import PersonRef
from .schema import Conversation, Message, Person, Source, Team
from .teams import assign_teams


def pseudonymizer(settings: Settings) -> Pseudonymizer:
    return Pseudonymizer(load_secret(settings))


def _progress(units: Iterable[Unit], total: int | None, description: str, show: bool) -> Iterator[Unit]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .console import err_console

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.fields[msgs]} messages"), console=err_console, disable=not show) as prog:
        task = prog.add_task(description, total=total, msgs=0)
        n = 0
        for unit in units:
            yield unit
            n += len(unit.records or [])
            prog.update(task, advance=1, msgs=n)


def ingest_slack_export(engine: Engine, settings: Settings, path: str | Path, progress: bool = True) -> IngestReport:
    from connectors.slack_export import open_export

    pz = pseudonymizer(settings)
    export = open_export(path)
    try:
        export.mention_label = lambda ref: person_label(settings, pz, ref)
        writer = IngestWriter(engine, settings, pz, "slack_export", f"{export.team_id}:{Path(path).resolve().name}")
        writer.report.errors.extend(export.warnings)
        units = export.units(skip=writer.is_done)
        report = writer.write_units(_progress(units, len(export.day_files), "Slack export", progress))
        # people listed in users.json who never wrote are still members of channels (audience)
        _register_members(writer, export.conversations.values())
    finally:
        export.archive.close()
    assign_teams(engine, pz, settings.team_mapping)
    apply_retention(engine, settings)
    return report


def _register_members(writer: IngestWriter, conversations: Iterable[Any]) -> None:
    with Session(writer.engine) as s:
        for conv in conversations:
            writer.conversation_id(s, conv)
        s.commit()


def ingest_mailbox(engine: Engine, settings: Settings, path: str | Path, progress: bool = True) -> IngestReport:
    from connectors.mailbox_files import MailboxImport

    pz = pseudonymizer(settings)
    box = MailboxImport(path, max_bytes=settings.max_mail_bytes, skip_auto=settings.skip_auto_replies)
    writer = IngestWriter(engine, settings, pz, "mailbox", box.name)
    report = writer.write_units(_progress(box.units(skip=writer.is_done), None, f"Mailbox ({box.format})", progress))
    assign_teams(engine, pz, settings.team_mapping)
    apply_retention(engine, settings)
    return report


def apply_retention(engine: Engine, settings: Settings) -> int:
    """Drop the text of messages older than retention_days; returns how many lost their text."""
    if settings.retention_days is None:
        return 0
    cutoff = datetime.now(UTC) - timedelta(days=settings.retention_days)
    table = Message.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        res = conn.execute(
            sa.update(table).where(table.c.sent_at < cutoff, table.c.text.is_not(None))
            .values(text=None, quoted=[], meta=table.c.meta)  # meta kept: references, shares, recipients
        )
    return int(res.rowcount or 0)


def apply_teams(engine: Engine, settings: Settings) -> dict[str, int]:
    return assign_teams(engine, pseudonymizer(settings), settings.team_mapping)


def stats(engine: Engine) -> dict[str, Any]:
    """Counts of what the store holds."""
    with Session(engine) as s:
        def count(q: Any) -> int:
            return int(s.exec(q).one())

        by_kind = {k: n for k, n in s.exec(select(Message.kind, sa.func.count()).group_by(Message.kind))}
        threads = count(select(sa.func.count(sa.distinct(sa.func.coalesce(Message.namespace, "") + "|" +
                                                         sa.func.coalesce(Message.thread_key, ""))))
                        .where(Message.parent_native_id.is_not(None)))  # type: ignore[union-attr]
        return {
            "sources": count(select(sa.func.count()).select_from(Source)),
            "messages": sum(by_kind.values()),
            "authored_messages": by_kind.get("authored", 0),
            "messages_by_kind": by_kind,
            "deleted_messages": count(select(sa.func.count()).select_from(Message).where(Message.deleted)),
            "people": count(select(sa.func.count()).select_from(Person)),
            "authors": count(select(sa.func.count(sa.distinct(Message.author_id))).where(Message.kind == "authored")),
            "teams": count(select(sa.func.count()).select_from(Team)),
            "conversations": count(select(sa.func.count()).select_from(Conversation)),
            "threads": threads,
        }


def person_label(settings: Settings, pz: Pseudonymizer, ref: PersonRef) -> str:
    if settings.store_identities and ref.display_name:
        return ref.display_name
    return pz.person_id(*ref.identities[0])
