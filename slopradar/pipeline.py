"""Wires connectors to the store (and, as they land, to analysis). Each function is one CLI stage."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from . import aggregates
from .config import Settings
from .ingest import EARLIEST, FUTURE_SLACK, IngestReport, IngestWriter
from .pseudonym import Pseudonymizer, load_secret
from .records import PersonRef
from .schema import Conversation, Message, Person, Source, Team
from .store import upsert
from .sync import pull_into_store
from .teams import assign_teams


def pseudonymizer(settings: Settings) -> Pseudonymizer:
    return Pseudonymizer(load_secret(settings))


def _progress(units: Iterable[Any], total: int | None, description: str, show: bool,
              size: Any = lambda unit: len(unit.records or []), step: Any = lambda unit: 1) -> Iterator[Any]:
    """Yield units while a progress bar counts them (`step` each, against `total`) and the messages they hold
    (`size`)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .console import err_console

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.fields[msgs]} messages"), console=err_console, disable=not show) as prog:
        task = prog.add_task(description, total=total, msgs=0)
        n = 0
        for unit in units:
            yield unit
            n += size(unit)
            prog.update(task, advance=step(unit), msgs=n)


def ingest_slack_export(engine: Engine, settings: Settings, path: str | Path, progress: bool = True) -> IngestReport:
    from connectors.slack_export import open_export

    pz = pseudonymizer(settings)
    export = open_export(path)
    try:
        export.mention_label = lambda ref: person_label(settings, pz, ref)
        writer = IngestWriter(engine, settings, pz, export.source_kind, export.source_name)
        writer.report.errors.extend(export.warnings)
        writer.report.skipped.update(export.skipped)
        report = pull_into_store(engine, writer, export, "Slack export", progress, total=len(export.day_files))
        # people listed in users.json who never wrote are still members of channels (audience)
        _register_members(writer, export.conversations.values())
    finally:
        export.archive.close()
    _after_ingest(engine, settings, pz)
    return report


def _after_ingest(engine: Engine, settings: Settings, pz: Pseudonymizer) -> None:
    """What every ingest ends with: teams for new people, retention, the dashboard's cells."""
    set_aside_out_of_range_dates(engine)
    assign_teams(engine, pz, settings.team_mapping)
    apply_retention(engine, settings)
    aggregates.refresh(engine)


def _register_members(writer: IngestWriter, conversations: Iterable[Any]) -> None:
    writer.register_conversations(conversations)


def ingest_mailbox(engine: Engine, settings: Settings, path: str | Path, progress: bool = True) -> IngestReport:
    from connectors.mailbox_files import MailboxImport

    pz = pseudonymizer(settings)
    box = MailboxImport(path, max_bytes=settings.max_mail_bytes, skip_auto=settings.skip_auto_replies,
                        pseudonymizer=None if settings.store_identities else pz, max_chars=settings.max_text_chars)
    writer = IngestWriter(engine, settings, pz, box.source_kind, box.source_name)
    report = pull_into_store(engine, writer, box, f"Mailbox ({box.format})", progress)
    _drop_empty_mail_folders(engine, writer.source_id)
    _after_ingest(engine, settings, pz)
    return report


def _drop_empty_mail_folders(engine: Engine, source_id: int) -> None:
    """Mail folders of a source that no message is in any more (a re-ingest that pseudonymised folder
    names moved the messages to new folder rows): their names must not stay behind."""
    table = Conversation.__table__  # type: ignore[attr-defined]
    used = sa.select(Message.conversation_id).where(Message.conversation_id == table.c.id)
    with engine.begin() as conn:
        conn.execute(sa.delete(table).where(table.c.source_id == source_id, table.c.kind == "mail_folder",
                                            ~sa.exists(used)))


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
    report = pull_into_store(engine, writer, pull, "Slack API", progress, namespace=norm.namespace)
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
    report = pull_into_store(engine, writer, pull, "Outlook (Graph)", progress)
    _drop_empty_mail_folders(engine, writer.source_id)
    report.api_calls = dict(pull.calls)
    _after_ingest(engine, settings, pz)
    return report


OUT_OF_RANGE_SUBTYPE = "date out of range"


def set_aside_out_of_range_dates(engine: Engine) -> int:
    """Set aside the messages a store holds with a date ingestion now refuses (before 1990, or more than a
    day ahead: ingest.EARLIEST). Stores written before that rule may hold one, and a single "31 Dec 9999"
    overflowed every week and chain computation. Such a message becomes kind "other" (never analysed,
    chained or counted), its date is clipped to 1990-01-01 and the original kept in meta. Edit dates out
    of range are dropped. Returns how many messages were set aside."""
    latest = datetime.now(UTC) + FUTURE_SLACK
    table = Message.__table__  # type: ignore[attr-defined]
    with Session(engine) as s:
        bad = s.exec(select(Message.id, Message.sent_at, Message.meta).where(
            sa.or_(Message.sent_at < EARLIEST, Message.sent_at > latest))).all()
        for mid, sent_at, meta in bad:
            s.connection().execute(sa.update(table).where(table.c.id == mid).values(
                kind="other", subtype=OUT_OF_RANGE_SUBTYPE, sent_at=EARLIEST, edited_at=None,
                meta={**(meta or {}), "sent_at_out_of_range": str(sent_at)}))
        s.connection().execute(sa.update(table).where(
            sa.or_(table.c.edited_at < EARLIEST, table.c.edited_at > latest)).values(edited_at=None))
        s.commit()
    return len(bad)


def apply_retention(engine: Engine, settings: Settings) -> int:
    """Drop the text of messages older than retention_days; returns how many lost their text."""
    if settings.retention_days is None:
        return 0
    cutoff = datetime.now(UTC) - timedelta(days=settings.retention_days)
    table = Message.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        res = conn.execute(
            sa.update(table).where(table.c.sent_at < cutoff, table.c.text.is_not(None))
            .values(text=None, quoted=[])  # meta is kept: references, shares, recipients
        )
        # what repeats the text goes with it (issue 23): a mail's subject, the embedding's sentences
        conn.execute(sa.update(table).where(table.c.sent_at < cutoff, table.c.subject.is_not(None)).values(subject=None))
        from .schema import Embedding

        emb = Embedding.__table__  # type: ignore[attr-defined]
        conn.execute(sa.update(emb).where(emb.c.message_id.in_(sa.select(table.c.id).where(table.c.sent_at < cutoff)),
                                          sa.cast(emb.c.sentences, sa.Text) != "[]").values(sentences=[]))
    return int(res.rowcount or 0)


def apply_teams(engine: Engine, settings: Settings) -> dict[str, int]:
    out = assign_teams(engine, pseudonymizer(settings), settings.team_mapping)
    aggregates.refresh(engine)
    return out


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


def pending_messages(engine: Engine, version: str, ids: list[int] | None = None) -> tuple[list[Any], dict[int, float]]:
    """Authored messages not yet scored by this analyzer version (or changed since), opted-out people's
    excluded, with each conversation's median message length."""
    import numpy as np

    from .schema import MessageScore

    with Session(engine) as s:
        done = sa.select(MessageScore.message_id).where(
            MessageScore.message_id == Message.id, MessageScore.analyzer_version == version,
            MessageScore.content_hash == Message.content_hash)
        q = (select(Message.id, Message.conversation_id, Message.content_hash)
             .join(Person, Person.id == Message.author_id)
             .where(Message.kind == "authored", Message.deleted == sa.false(), Message.text.is_not(None),  # type: ignore[union-attr]
                    Person.opted_out == sa.false(), ~sa.exists(done))
             .order_by(Message.id))
        if ids is not None:
            q = q.where(Message.id.in_(ids))  # type: ignore[union-attr]
        pending = s.exec(q).all()
        counts: dict[int, list[int]] = {}
        if pending:
            for cid, n in s.exec(select(Message.conversation_id, Message.word_count).where(
                    Message.conversation_id.in_({c for _, c, _ in pending}),  # type: ignore[attr-defined]
                    Message.kind == "authored", Message.word_count > 0)):
                counts.setdefault(cid, []).append(n)
    return list(pending), {cid: float(np.median(v)) for cid, v in counts.items()}


def _items(engine: Engine, batch: list[Any], medians: dict[int, float]) -> list[Any]:
    """What the analyzer reads of (message id, conversation id, content hash) rows, in order."""
    from analysis.messages import Item

    with Session(engine) as s:
        cols = select(Message.id, Message.text, Message.word_count, Message.meta, Message.quoted)
        rows = {r[0]: r for r in s.exec(cols.where(Message.id.in_([m for m, _, _ in batch])))}  # type: ignore[union-attr]
    return [Item(rows[mid][1] or "", medians.get(cid), embed=_chains_read_embedding(*rows[mid][2:]))
            if mid in rows else Item("", medians.get(cid)) for mid, cid, _ in batch]


def score_group(engine: Engine, analyzer: Any, version: str, group: list[Any], medians: dict[int, float],
                batch_size: int = 32) -> Iterator[list[Any]]:
    """Analyse a group of messages at once (their sentences batched by length: bigger groups, fuller batches),
    then store the results `batch_size` messages per transaction; yields each stored batch's results."""
    results = analyzer.analyze(_items(engine, group, medians))
    for i in range(0, len(group), batch_size):
        yield score_batch(engine, analyzer, version, group[i:i + batch_size], medians, results[i:i + batch_size])


def score_batch(engine: Engine, analyzer: Any, version: str, batch: list[Any], medians: dict[int, float],
                results: list[Any] | None = None) -> list[Any]:
    """Score (message id, conversation id, content hash) rows (unless their `results` are given) and store
    embeddings and scores in one transaction. Returns the analyzer's results in order."""
    import numpy as np

    from .schema import Embedding, MessageScore

    model = analyzer.embedder.name
    if results is None:
        results = analyzer.analyze(_items(engine, batch, medians))
    with Session(engine) as s:
        now = datetime.now(UTC)
        emb_rows, score_rows = [], []
        for (mid, _cid, chash), res in zip(batch, results, strict=True):
            if res.embedding is not None:
                emb_rows.append(dict(message_id=mid, model=model, content_hash=chash, dim=len(res.embedding),
                                     vector=np.asarray(res.embedding, dtype=np.float32).tobytes(),
                                     sentences=res.sentences))
            b = res.bloat
            score_rows.append(dict(
                message_id=mid, analyzer_version=version, content_hash=chash,
                language=res.language.code, language_confidence=res.language.confidence,
                ai_probability=res.ai.probability, ai_flagged=res.ai.flagged, ai_reasons=res.ai.reasons,
                ai_not_scored=res.ai.not_scored, bloat=b.score if b else None,
                bloat_reasons=b.reasons if b else [], core_sentences=b.core_sentences if b else [],
                core_words=b.core_words if b else None, reading_seconds=b.reading_seconds if b else 0.0,
                flesch=b.flesch if b else None, notes=res.notes, analyzed_at=now))
        upsert(s, Embedding, emb_rows, keys=["message_id", "model"],
               update=["content_hash", "dim", "vector", "sentences"])
        upsert(s, MessageScore, score_rows, keys=["message_id", "analyzer_version"],
               update=[k for k in score_rows[0] if k not in ("message_id", "analyzer_version")])
        # language is a property of the message itself: one statement for the batch
        table = Message.__table__  # type: ignore[attr-defined]
        s.connection().execute(
            sa.update(table).where(table.c.id == sa.bindparam("mid")).values(language=sa.bindparam("lang")),
            [{"mid": r["message_id"], "lang": r["language"]} for r in score_rows])
        s.commit()
    return results


def _chains_read_embedding(word_count: int | None, meta: dict[str, Any] | None, quoted: list[Any] | None) -> bool:
    """Whether chain building may read this message's embedding: a message shorter than the chains' minimum is
    never a copy nor a parent (analysis/chain_rules.py), unless it shares or forwards another message, whose
    length it then takes. The embedding of any other message is read by no stage: not computed (issue 20). One
    case reads differently: a long message sharing a short one is compared by its own vector, not the short
    original's (chains.Pool.vector falls back to it); the demo workspace's edges are the same either way."""
    from analysis import chain_relay_rules, chain_rules

    if (word_count or 0) >= min(chain_rules.MIN_WORDS, chain_relay_rules.MIN_WORDS):
        return True
    meta = meta or {}
    return bool(meta.get("shares") or meta.get("permalinks") or
                any(q.get("kind") in ("forward", "share") for q in quoted or [] if isinstance(q, dict)))


GROUP_BATCHES = 8  # batches analysed together: 256 messages, ~1,500 sentences to sort by length; an interrupted
# run loses at most the group's uncommitted batches


def analysis_groups(pending: list[Any], batch_size: int = 32) -> list[list[Any]]:
    """The pending rows cut into groups of GROUP_BATCHES batches (the local and Ray engines cut alike)."""
    size = batch_size * GROUP_BATCHES
    return [pending[i:i + size] for i in range(0, len(pending), size)]


def analyze(engine: Engine, settings: Settings, progress: bool = True, batch_size: int = 32,
            precision: str = "auto") -> dict[str, Any]:
    """Score every authored message that is new or changed since the last run (incremental).

    Opted-out people's messages are never scored. Work is committed batch by batch — 32 messages, a few
    seconds even for long mail on a slow CPU — so an interrupted run keeps what it did and resumes there.
    """
    from analysis.embeddings import load_embedder
    from analysis.messages import MessageAnalyzer, analyzer_version

    version = analyzer_version()
    out_of_range = set_aside_out_of_range_dates(engine)
    pending, medians = pending_messages(engine, version)
    summary: dict[str, Any] = {"analyzer_version": version, "pending": len(pending), "scored": 0,
                               "ai_not_scored": 0, "flagged": 0, "set_aside_out_of_range_dates": out_of_range,
                               "precision": None, "precision_reason": "no message to embed", "embedded": 0}
    if not pending:
        summary["chains"] = build_chains(engine, settings)  # deletions, opt-outs, edits: nothing if none
        summary["aggregates"] = aggregates.refresh(engine)
        return summary
    embedder = load_embedder(settings.embedding_model, precision)
    summary.update(precision=embedder.precision, precision_reason=embedder.precision_reason)
    analyzer = MessageAnalyzer(embedder)

    def run() -> Iterator[Any]:
        for group in analysis_groups(pending, batch_size):
            for batch in score_group(engine, analyzer, version, group, medians, batch_size):
                for res in batch:
                    summary["scored"] += 1
                    summary["ai_not_scored"] += int(res.ai.probability is None)
                    summary["flagged"] += int(res.ai.flagged)
                    summary["embedded"] += int(res.embedding is not None)
                yield batch

    for _ in _progress(run(), len(pending), "Analysing messages", progress, size=len, step=len):
        pass
    summary["chains"] = build_chains(engine, settings)
    summary["aggregates"] = aggregates.refresh(engine)
    return summary


# The derivation stage lives in slopradar/derivation.py; these names stay importable from here.
from .derivation import CHAIN_CHUNK, _chunk_start, _threads, build_chains, chain_nodes  # noqa: E402, F401
