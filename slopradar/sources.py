"""The ingest stage: one entry per source, each building its connector, an IngestWriter, and running it
through sync.pull_into_store; then what every ingest ends with (teams, retention, the dashboard's cells).

A new source needs no entry here: `ingest_connector` takes any connectors.base.Connector."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from . import aggregates
from .config import Settings
from .ingest import IngestReport, IngestWriter
from .pseudonym import Pseudonymizer, load_secret
from .records import PersonRef
from .schema import Conversation, Message
from .sync import pull_into_store
from .teams import assign_teams
from .upkeep import apply_retention, set_aside_out_of_range_dates

if TYPE_CHECKING:  # the core imports connectors only inside the stages that run them
    from connectors.base import Connector


def pseudonymizer(settings: Settings) -> Pseudonymizer:
    return Pseudonymizer(load_secret(settings))


def person_label(settings: Settings, pz: Pseudonymizer, ref: PersonRef) -> str:
    if settings.store_identities and ref.display_name:
        return ref.display_name
    return pz.person_id(*ref.identities[0])



def ingest_connector(engine: Engine, settings: Settings, connector: Connector, label: str, progress: bool = True,
                     total: int | None = None, namespace: str | None = None) -> IngestReport:
    """Any connector into the store, then what every ingest ends with: the entry of a source that needs
    nothing more (no members to register, no folders to tidy)."""
    pz = pseudonymizer(settings)
    writer = IngestWriter(engine, settings, pz, connector.source_kind, connector.source_name)
    report = pull_into_store(engine, writer, connector, label, progress, total=total, namespace=namespace)
    _after_ingest(engine, settings, pz)
    return report


def ingest_slack_export(engine: Engine, settings: Settings, path: str | Path, progress: bool = True) -> IngestReport:
    from connectors.slack_export import open_export

    pz = pseudonymizer(settings)
    export = open_export(path)
    try:
        export.mention_label = lambda ref: person_label(settings, pz, ref)
        writer = IngestWriter(engine, settings, pz, export.source_kind, export.source_name)
        writer.report.errors.extend(export.warnings)
        writer.report.skipped.update(export.skipped)
        report = pull_into_store(engine, writer, export, "Slack export", progress,  # type: ignore[arg-type]
                                 total=len(export.day_files))
        # people listed in users.json who never wrote are still members of channels (audience)
        _register_members(writer, export.conversations.values())
    finally:
        export.archive.close()
    _after_ingest(engine, settings, pz)
    return report


def _after_ingest(engine: Engine, settings: Settings, pz: Pseudonymizer) -> None:
    """What every ingest ends with: teams for new people, retention, stale vectors, the dashboard's cells."""
    from .forwarded import drop_stale_vectors

    set_aside_out_of_range_dates(engine)
    assign_teams(engine, pz, settings.team_mapping)
    apply_retention(engine, settings)
    drop_stale_vectors(engine)  # vectors an opt-out or an older store's deletions left
    aggregates.refresh(engine)


def _register_members(writer: IngestWriter, conversations: Iterable[Any]) -> None:
    writer.register_conversations(conversations)


def ingest_mailbox(engine: Engine, settings: Settings, path: str | Path, progress: bool = True) -> IngestReport:
    from connectors.mailbox_files import MailboxImport

    pz = pseudonymizer(settings)
    box = MailboxImport(path, max_bytes=settings.max_mail_bytes, skip_auto=settings.skip_auto_replies,
                        pseudonymizer=None if settings.store_identities else pz, max_chars=settings.max_text_chars)
    writer = IngestWriter(engine, settings, pz, box.source_kind, box.source_name)
    report = pull_into_store(engine, writer, box, f"Mailbox ({box.format})", progress)  # type: ignore[arg-type]
    _drop_empty_mail_folders(engine, writer.source_id)
    _after_ingest(engine, settings, pz)
    return report


def _drop_empty_mail_folders(engine: Engine, source_id: int) -> None:
    """Mail folders of a source that no message is in any more (a re-ingest that pseudonymised folder
    names moved the messages to new folder rows): their names must not stay behind."""
    from .forwarded import FORWARDED, rehome_forwarded_originals

    table = Conversation.__table__  # type: ignore[attr-defined]
    used = sa.select(Message.conversation_id).where(  # type: ignore[call-overload]
        Message.conversation_id == table.c.id, Message.kind != FORWARDED)  # a forwarded original is placed by its forward
    empty = sa.select(table.c.id).where(table.c.source_id == source_id, table.c.kind == "mail_folder", ~sa.exists(used))
    with Session(engine) as s:
        drop = list(s.connection().execute(empty).scalars())
        if drop:
            rehome_forwarded_originals(s, drop)
            s.flush()
            s.connection().execute(sa.delete(table).where(table.c.id.in_(drop)))
        s.commit()


def ingest_slack_api(engine: Engine, settings: Settings, client: Any = None, progress: bool = True,
                     pace: bool = True, page_size: int = 200) -> IngestReport:
    """Pull every conversation the Slack app was added to, incrementally (connectors/slack_api.py)."""
    from connectors.slack_api import SlackApiPull, make_client

    from .secrets import require_secret

    if client is None:
        client = make_client(require_secret(settings, "slack_bot_token"))
    pz = pseudonymizer(settings)
    pull = SlackApiPull(client, refresh_days=settings.slack_refresh_days, thread_days=settings.slack_thread_days,
                        pace=pace, page_size=page_size)
    norm = pull.connect(lambda ref: person_label(settings, pz, ref))
    writer = IngestWriter(engine, settings, pz, pull.source_kind, pull.source_name)
    convs = pull.conversations(norm)
    report = pull_into_store(engine, writer, pull, "Slack API", progress,  # type: ignore[arg-type]
                             namespace=norm.namespace)
    _register_members(writer, convs)
    report.api_calls = dict(pull.calls)
    _after_ingest(engine, settings, pz)
    return report


def ingest_outlook(engine: Engine, settings: Settings, token: Any = None, base_url: str | None = None,
                   session: Any = None, mailboxes: list[str] | None = None, folders: list[str] | None = None,
                   device_code: bool = False, progress: bool = True, sleep: Any = None,
                   page_size: int = 50) -> IngestReport:
    """Pull mail through Microsoft Graph delta queries, per mailbox and folder (connectors/graph_mail.py)."""
    from connectors.graph_mail import GRAPH, GraphMailPull

    from .config import ConfigError

    boxes = mailboxes if mailboxes is not None else list(settings.graph_mailboxes)
    if device_code and not boxes:
        boxes = ["me"]
    if not boxes:
        raise ConfigError("no mailbox to sync: pass --mailbox or set graph_mailboxes (or use --device-code for "
                          "your own mailbox)")
    if token is None:
        from connectors.graph_auth import token_provider

        token = token_provider(settings, device_code=device_code)
    kw: dict[str, Any] = {"sleep": sleep} if sleep is not None else {}
    if session is not None:
        kw["session"] = session
    pz = pseudonymizer(settings)

    def stored_thread(mid: str) -> tuple[str, str | None, list[str]] | None:
        """The thread of a mail already stored with its headers read: no need to fetch them again."""
        with Session(engine) as s:
            row = s.exec(select(Message.thread_key, Message.parent_native_id, Message.meta).where(
                Message.namespace == "mail", Message.native_id == mid)).first()
        if row is None or not row[0] or (row[2] or {}).get("thread_from") != "headers":
            return None
        return row[0], row[1], list((row[2] or {}).get("references") or [])

    pull = GraphMailPull(token, base_url=base_url or GRAPH, skip_auto=settings.skip_auto_replies, page_size=page_size,
                         pseudonymizer=None if settings.store_identities else pz,
                         header_fetches=settings.graph_header_fetches, stored_thread=stored_thread,
                         mailboxes=boxes, folders=list(folders or settings.graph_folders),
                         source_name=f"{settings.graph_tenant_id or 'tenant'}:{','.join(sorted(boxes))}", **kw)
    writer = IngestWriter(engine, settings, pz, pull.source_kind, pull.source_name)
    report = pull_into_store(engine, writer, pull, "Outlook (Graph)", progress)  # type: ignore[arg-type]
    _drop_empty_mail_folders(engine, writer.source_id)
    report.api_calls = dict(pull.calls)
    _after_ingest(engine, settings, pz)
    return report
