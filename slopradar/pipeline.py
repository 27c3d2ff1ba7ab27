"""Wires connectors to the store (and, as they land, to analysis). Each function is one CLI stage."""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Callable, Iterable, Iterator
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


def chain_nodes(s: Session, settings: Settings, since: datetime | None = None,
                until: datetime | None = None) -> tuple[list[Any], dict[str, Any]]:
    """Chain-building nodes for the authored messages sent in [since, until): text, time,
    conversation, embedding, shares and forwarded blocks, and who could read each one."""
    import numpy as np

    from analysis.chains import Node
    from analysis.embeddings import model_name

    from .schema import Embedding

    model = model_name(settings.embedding_model)
    convs = {c.id: c for c in s.exec(select(Conversation))}
    cond = _chain_messages()
    if since is not None:
        cond.append(Message.sent_at >= since)
    if until is not None:
        cond.append(Message.sent_at < until)
    msgs = s.exec(select(Message).join(Person, Person.id == Message.author_id).where(*cond)).all()
    ids = [m.id for m in msgs]
    vecs: dict[int, Any] = {}
    for i in range(0, len(ids), 900):
        vecs.update({mid: np.frombuffer(v, dtype=np.float32) for mid, v in s.exec(
            select(Embedding.message_id, Embedding.vector).where(
                Embedding.model == model, Embedding.message_id.in_(ids[i:i + 900])))})  # type: ignore[attr-defined]
    key = {(m.namespace, m.native_id): m.id for m in msgs}
    thread = _threads(msgs)
    nodes, by_id = [], {}
    for m in msgs:
        conv = convs[m.conversation_id]
        refs = (m.meta.get("shares") or []) + (m.meta.get("permalinks") or [])
        shares = [str(key[(m.namespace, f"{r['channel']}:{r['ts']}")]) for r in refs
                  if (m.namespace, f"{r['channel']}:{r['ts']}") in key]
        forwarded = "\n".join(q.get("text", "") for q in m.quoted if q.get("kind") in ("forward", "share"))
        # public channels are readable by the whole workspace; private ones, DMs and mail are not
        readers = set(conv.members or [])
        audience = readers if conv.kind in ("private", "dm", "mpim") else set()
        if m.meta.get("recipients"):
            audience = readers = set(m.meta["recipients"]) | {m.author_id}
        node = Node(str(m.id), m.sent_at, str(m.conversation_id), m.author_id, m.text or "", m.word_count,
                    vecs.get(m.id), shares, forwarded, audience, m.language, conv.name or "", readers,
                    thread.get(m.id))
        nodes.append(node)
        by_id[node.id] = (m, node)
    return nodes, by_id


# "Re:", "AW:", "SV:", "Réf :" and list tags ("[Numpy-discussion]") before a subject; a forward's "Fw:" stays
_REPLY_PREFIX = re.compile(r"^\s*(?:\[[^\]]{1,60}\]\s*|(?:re|aw|sv|antw|r[ée]f)\s*(?:\[\d+\]|\(\d+\))?\s*:\s*)", re.I)


def _subject_key(subject: str | None) -> tuple[str, bool]:
    """The subject without reply prefixes and list tags (lower case), and whether it had a reply prefix."""
    s, reply = subject or "", False
    while True:
        m = _REPLY_PREFIX.match(s)
        if not m:
            break
        reply = reply or not m.group(0).lstrip().startswith("[")
        s = s[m.end():]
    # without spaces and cut at 40 characters: list archives refold long subjects ("doing the\n same", "thesame")
    return "".join(s.lower().split())[:40], reply


def _threads(msgs: list[Any]) -> dict[int, str]:
    """Thread of each message: Slack thread_ts, mail References / In-Reply-To (joined transitively), and a
    mail reply ("Re: subject") that names no parent joins the latest earlier message with that subject.
    Messages of one mail folder or list with the same subject (reply prefixes and list tags aside) are one
    thread: list archives often drop In-Reply-To. A reply in its parent's thread answers it; it is not a copy
    (analysis/chains.py). A forward ("Fw: subject") starts a thread of its own."""
    root: dict[tuple[str, str], tuple[str, str]] = {}

    def find(k: tuple[str, str]) -> tuple[str, str]:
        path = []
        while root.get(k, k) != k:
            path.append(k)
            k = root[k]
        for q in path:
            root[q] = k
        return k

    def union(a: tuple[str, str], b: tuple[str, str]) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            root[ra] = rb

    last: dict[tuple[str, str], str] = {}
    first: dict[tuple[str, int, str], str] = {}
    for m in sorted(msgs, key=lambda m: m.sent_at):
        me = (m.namespace, m.native_id)
        for other in (m.thread_key, m.parent_native_id):
            if other:
                union(me, (m.namespace, other))
        subject, reply = _subject_key(m.subject)
        if subject and subject != "nosubject":
            here = (m.namespace, m.conversation_id, subject)
            if here in first:
                union(me, (m.namespace, first[here]))
            else:
                first[here] = m.native_id
            if reply and not m.parent_native_id and (m.namespace, subject) in last:
                union(me, (m.namespace, last[(m.namespace, subject)]))
            last[(m.namespace, subject)] = m.native_id
    return {m.id: "\x1f".join(find((m.namespace, m.native_id))) for m in msgs}


def _chain_messages() -> list[Any]:
    """The messages chains are built from (a query joined with Person): authored, not deleted, with text,
    by people who have not opted out."""
    return [Message.kind == "authored", Message.deleted == sa.false(), Message.text.is_not(None),  # type: ignore[union-attr]
            Person.opted_out == sa.false()]


CHAIN_CHUNK = timedelta(days=30)
CHAIN_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # chunks start at fixed times, so a chunk's inputs stay comparable


def _utc(t: datetime) -> datetime:
    return t.astimezone(UTC) if t.tzinfo else t.replace(tzinfo=UTC)


def _chunk_start(t: datetime) -> datetime:
    return CHAIN_EPOCH + CHAIN_CHUNK * ((_utc(t) - CHAIN_EPOCH) // CHAIN_CHUNK)


def _chunk_key(start: datetime) -> str:
    return f"chains:{start.date().isoformat()}"


def _chain_fingerprints(s: Session, settings: Settings, version: str, starts: list[datetime]) -> dict[str, str]:
    """What each chunk's edges depend on: the chain code, the embedding model, and the messages of its window
    (ids, versions, embeddings present; deleted, emptied and opted-out messages drop out), plus member lists."""
    from analysis.chains import WINDOW
    from analysis.embeddings import model_name

    from .schema import Embedding

    model = model_name(settings.embedding_model)
    convs = s.exec(select(sa.func.count(), sa.func.sum(Conversation.member_count))).one()
    out = {}
    for a in starts:
        row = s.exec(
            select(sa.func.count(), sa.func.sum(Message.id), sa.func.sum(Message.version_ts),
                   sa.func.sum(Message.word_count), sa.func.count(Embedding.message_id))
            .join(Person, Person.id == Message.author_id)
            .outerjoin(Embedding, sa.and_(Embedding.message_id == Message.id, Embedding.model == model))
            .where(*_chain_messages(), Message.sent_at >= a - WINDOW, Message.sent_at < a + CHAIN_CHUNK)
        ).one()
        out[_chunk_key(a)] = "|".join(str(x) for x in (version, model, *row, *convs))
    return out


def build_chains(engine: Engine, settings: Settings) -> dict[str, Any]:
    """Derivation edges, chains and fact-loss records from the stored messages and embeddings (incremental).

    Messages are read 30 days at a time with the 21 days before them (the longest gap between a copy
    and its parent), so memory stays bounded however large the store. Each 30-day chunk's inputs are
    fingerprinted; from the first chunk whose inputs changed (new, edited, deleted or opted-out messages,
    new embeddings, other member lists, other chain code), edges are rebuilt and the fingerprints stored in
    the same transaction; earlier edges are kept (a parent is never later than its copy, so a kept edge's
    chain cannot change). A second run with nothing new does no work.
    """
    from analysis.chains import chains_version

    from .schema import DerivationEdge, FactLoss, Meta

    with Session(engine) as s:
        first, last = s.exec(select(sa.func.min(Message.sent_at), sa.func.max(Message.sent_at))
                             .join(Person, Person.id == Message.author_id).where(*_chain_messages())).one()
        starts = []
        if first is not None:
            a = _chunk_start(first)
            while a <= _utc(last):
                starts.append(a)
                a += CHAIN_CHUNK
        fps = _chain_fingerprints(s, settings, chains_version(), starts)
        stored = {m.key: m.value for m in s.exec(select(Meta).where(Meta.key.like("chains:%")))}  # type: ignore[attr-defined]
    changed = [a for a in starts if stored.get(_chunk_key(a)) != fps[_chunk_key(a)]]
    stale = sorted(set(stored) - set(fps))  # chunks that no longer hold any message
    changed += [datetime.fromisoformat(k.removeprefix("chains:")).replace(tzinfo=UTC) for k in stale]
    summary: dict[str, Any] = {"chunks": len(starts), "chunks_rebuilt": 0}
    if changed:
        since = min(changed)
        summary["chunks_rebuilt"] = sum(1 for a in starts if a >= since)
        _rebuild_chains_since(engine, settings, since, [a for a in starts if a >= since], fps, stale)
    with Session(engine) as s:
        edges = s.exec(select(sa.func.count(), sa.func.count(sa.distinct(DerivationEdge.root_id)),
                              sa.func.sum(sa.cast(DerivationEdge.summary_of_summary, sa.Integer)))).one()
        losses = dict(s.exec(select(FactLoss.status, sa.func.count()).where(FactLoss.critical)
                             .group_by(FactLoss.status)).all())
    summary.update(edges=edges[0], chains=edges[1], summary_of_summary=int(edges[2] or 0),
                   critical_facts_lost=losses.get("lost", 0), critical_facts_distorted=losses.get("distorted", 0))
    return summary


@functools.lru_cache(maxsize=1)
def _fact_judge() -> Callable[[str, str], float] | None:
    """The learned consistency check (analysis/consistency.py), loaded once: it reads the bundled MiniLM's token
    vectors whatever embedding model the settings name, and is asked only about decisions the rules find lost."""
    from analysis.consistency import Judge
    from analysis.embeddings import load_embedder

    try:
        return Judge(load_embedder()).probability
    except (OSError, ValueError) as exc:  # no artifact or an older one: the rules still decide, at confidence 0.8
        warnings.warn(f"fact-loss judge unavailable ({exc}); run `slopradar train factloss`", stacklevel=1)
        return None


def _rebuild_chains_since(engine: Engine, settings: Settings, since: datetime, starts: list[datetime],
                          fps: dict[str, str], stale: list[str]) -> None:
    """Replace the edges (and their fact records) of every copy sent since `since`, in one transaction."""
    from analysis.chains import WINDOW, Edge, build_edges, chain_positions
    from analysis.factloss import compare

    from .schema import DerivationEdge, FactLoss, Meta

    with Session(engine) as s:
        kept = [Edge(str(c), str(p), rel, 0.0, 0.0, 0.0, "")
                for c, p, rel in s.exec(select(DerivationEdge.child_id, DerivationEdge.parent_id, DerivationEdge.relation)
                                        .join(Message, Message.id == DerivationEdge.child_id)
                                        .where(Message.sent_at < since))]
    edges: list[Any] = []
    texts: dict[str, tuple[str, str, datetime]] = {}  # id -> (text, forwarded text, sent at), for messages in edges
    for a in starts:
        b = a + CHAIN_CHUNK
        with Session(engine) as s:
            nodes, by_id = chain_nodes(s, settings, since=a - WINDOW, until=b)
        for e in build_edges(nodes):
            child = by_id[e.child][1]
            if a <= _utc(child.ts) < b:  # each child is decided in the chunk it belongs to
                edges.append(e)
                for nid in (e.child, e.parent):
                    n = by_id[nid][1]
                    texts[nid] = (n.text, n.forwarded_text, n.ts)
    positions = chain_positions(kept + edges)
    missing = [int(positions[e.child].root) for e in edges if positions[e.child].root not in texts]
    if missing:  # a root older than the chunk that holds its copies
        with Session(engine) as s:
            for m in s.exec(select(Message).where(Message.id.in_(sorted(set(missing))))):  # type: ignore[union-attr]
                texts[str(m.id)] = (m.text or "", "", m.sent_at)
    edge_rows, loss_rows = [], []
    for e in edges:
        pos = positions[e.child]
        edge_rows.append(dict(child_id=int(e.child), parent_id=int(e.parent), relation=e.relation,
                              confidence=e.confidence, similarity=e.similarity, compression=e.compression,
                              method=e.method, root_id=int(pos.root), depth=pos.depth,
                              summary_of_summary=pos.summary_of_summary))
        root_text, _, root_at = texts[pos.root]
        child_text, forwarded, child_at = texts[e.child]
        copy_text = "\n".join(t for t in (child_text, forwarded) if t)
        for fs in compare(root_text, copy_text, root_at, child_at, judge=_fact_judge()):
            f = fs.fact
            loss_rows.append(dict(copy_id=int(e.child), fact_key=f"{f.kind}:{f.value}:{f.polarity}",
                                  root_id=int(pos.root), kind=f.kind, value=f.value,
                                  text=(("not " if f.polarity == "-" else "") + f.text)[:200],
                                  critical=f.critical, status=fs.status, evidence=fs.evidence[:300],
                                  confidence=fs.confidence))
    dedup = {(r["copy_id"], r["fact_key"]): r for r in loss_rows}
    with Session(engine) as s:
        recent = select(Message.id).where(Message.sent_at >= since)
        s.exec(sa.delete(FactLoss).where(FactLoss.copy_id.in_(recent)))  # type: ignore[call-overload,attr-defined]
        s.exec(sa.delete(DerivationEdge).where(DerivationEdge.child_id.in_(recent)))  # type: ignore[call-overload,attr-defined]
        # plain executemany inserts: the rows were just deleted (and multi-row upserts compile slowly)
        if edge_rows:
            s.connection().execute(DerivationEdge.__table__.insert(), edge_rows)
        if dedup:
            s.connection().execute(FactLoss.__table__.insert(), list(dedup.values()))
        if stale:
            s.exec(sa.delete(Meta).where(Meta.key.in_(stale)))  # type: ignore[call-overload,attr-defined]
        upsert(s, Meta, [dict(key=_chunk_key(a), value=fps[_chunk_key(a)]) for a in starts], keys=["key"])
        s.commit()
