"""A person's erasure (GDPR art. 17): erase them and what was derived from them, rebuild what depended on it,
tombstone them, and compact the store so the erased rows cannot be read back. Importable from slopradar.person."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from . import aggregates
from .config import Settings
from .forwarded import CARRIED
from .person import MESSAGE, PERSON, Forgotten, _chunks, _people, aliases_of, message_key
from .pseudonym import Pseudonymizer
from .records import MessageRecord
from .schema import (
    AggCell, AggTeamWeek, Conversation, DerivationEdge, Embedding, ExternalId, FactLoss, Message, MessageScore,
    Meta, Nudge, Person, PersonAlias, Tombstone,
)
from .store import upsert


# -- erasure (art. 17) --------------------------------------------------------------------------------------
def forget(engine: Engine, settings: Settings, pz: Pseudonymizer, ident: str, rescore: bool = True) -> dict[str, Any]:
    """Erase one person and everything derived from them, rebuild what depended on it, and tombstone them.
    Idempotent: a second run finds nothing more to erase (and still tombstones, so a person never ingested
    can be forgotten in advance)."""
    given = aliases_of(pz, ident)
    out: dict[str, Any] = {"people": 0, "messages": 0, "scores": 0, "embeddings": 0, "nudges": 0, "aliases": 0,
                           "other_messages_scrubbed": 0, "rescored": 0}
    with Session(engine) as s:
        pids = _people(s, given)
        out["people"] = len(pids)
        aliases = sorted(set(given) | set(s.exec(select(PersonAlias.alias).where(
            PersonAlias.person_id.in_(pids))).all()))  # type: ignore[attr-defined]
        labels: set[str] = set(pids)
        for p in pids:
            row = s.get(Person, p)
            if row is not None:  # with store_identities, mentions and reply headers carry the name
                labels |= {x for x in (row.display_name, row.email) if x}
        msgs = s.exec(select(Message.id, Message.namespace, Message.native_id, Message.conversation_id)
                      .where(Message.author_id.in_(pids))).all() if pids else []  # type: ignore[attr-defined]
        mids = [m[0] for m in msgs]
        out["messages"] = len(mids)
        keys = [dict(key=a, kind=PERSON) for a in aliases] + \
            [dict(key=message_key(pz, ns, nid), kind=MESSAGE) for _, ns, nid, _ in msgs]
        for part in _chunks(keys):
            upsert(s, Tombstone, part, keys=["key"])
        version = aggregates.latest_analyzer_version(s)
        # others' messages in the same conversations were scored against a length norm that included this
        # person's messages: they are re-scored, as in a store that never held them
        convs = sorted({m[3] for m in msgs})
        neighbours = [i for part in _chunks(convs) for i in s.exec(select(Message.id).where(
            Message.conversation_id.in_(part), Message.author_id.not_in(pids)))]  # type: ignore[attr-defined]
        conn = s.connection()
        for part in _chunks(mids):
            conn.execute(sa.delete(FactLoss.__table__).where(  # type: ignore[attr-defined]
                sa.or_(FactLoss.copy_id.in_(part), FactLoss.root_id.in_(part))))  # type: ignore[attr-defined]
            conn.execute(sa.delete(DerivationEdge.__table__).where(sa.or_(  # type: ignore[attr-defined]
                DerivationEdge.child_id.in_(part), DerivationEdge.parent_id.in_(part),  # type: ignore[attr-defined]
                DerivationEdge.root_id.in_(part))))  # type: ignore[attr-defined]
            out["embeddings"] += conn.execute(sa.delete(Embedding.__table__).where(  # type: ignore[attr-defined]
                Embedding.message_id.in_(part))).rowcount or 0  # type: ignore[attr-defined]
            out["scores"] += conn.execute(sa.delete(MessageScore.__table__).where(  # type: ignore[attr-defined]
                MessageScore.message_id.in_(part))).rowcount or 0  # type: ignore[attr-defined]
            out["nudges"] += conn.execute(sa.delete(Nudge.__table__).where(  # type: ignore[attr-defined]
                Nudge.message_id.in_(part))).rowcount or 0  # type: ignore[attr-defined]
        if pids:
            out["nudges"] += conn.execute(sa.delete(Nudge.__table__).where(  # type: ignore[attr-defined]
                Nudge.person_id.in_(pids))).rowcount or 0  # type: ignore[attr-defined]
            for t in (AggCell, AggTeamWeek):
                conn.execute(sa.delete(t.__table__).where(t.author_id.in_(pids)))  # type: ignore[attr-defined]
        for _, ns, nid, _ in msgs:
            conn.execute(sa.delete(ExternalId.__table__).where(  # type: ignore[attr-defined]
                ExternalId.namespace == ns, ExternalId.native_id == nid))
        for part in _chunks(mids):
            conn.execute(sa.delete(Message.__table__).where(Message.id.in_(part)))  # type: ignore[attr-defined]
        if pids:
            out["aliases"] = conn.execute(sa.delete(PersonAlias.__table__).where(  # type: ignore[attr-defined]
                PersonAlias.person_id.in_(pids))).rowcount or 0  # type: ignore[attr-defined]
            conn.execute(sa.delete(Person.__table__).where(Person.id.in_(pids)))  # type: ignore[attr-defined]
        forgotten = Forgotten(pz, [k["key"] for k in keys if k["kind"] == PERSON],
                              [k["key"] for k in keys if k["kind"] == MESSAGE], labels)
        # chains were built (`analyze` ran, or chains alone): rebuild them (asked before any is marked for it)
        chains_built = s.exec(select(Embedding.message_id).limit(1)).first() is not None or \
            s.exec(select(Meta.key).where(col(Meta.key).like("chains:%")).limit(1)).first() is not None
        changed = _scrub_others(s, forgotten, pids)
        out["other_messages_scrubbed"] = len(changed)
        _rechain_from(s, changed)
        for c in s.exec(select(Conversation)):
            if set(c.members or []) & set(pids):
                members = [x for x in c.members if x not in pids]
                conn.execute(sa.update(Conversation.__table__).where(  # type: ignore[attr-defined]
                    Conversation.id == c.id).values(members=members, member_count=len(members) or None))
        if version and rescore:
            for part in _chunks(neighbours):
                conn.execute(sa.delete(MessageScore.__table__).where(  # type: ignore[attr-defined]
                    MessageScore.message_id.in_(part), MessageScore.analyzer_version == version))  # type: ignore[attr-defined]
        s.commit()
    out["tombstones"] = len(keys)
    _rebuild(engine, settings, pz, version if rescore else None, sorted(set(neighbours) | changed), chains_built, out)
    out["store_compacted"] = compact(engine)
    return out


def _rechain_from(s: Session, changed: set[int]) -> None:
    """Chains are rebuilt from the first 30-day chunk holding a scrubbed message: a quote or forwarded block gone
    changes what chains read, whatever the chunk fingerprint sums (derivation.py)."""
    from .derivation import _chunk_key, _chunk_start

    if not changed:
        return
    first = s.exec(select(sa.func.min(Message.sent_at)).where(col(Message.id).in_(sorted(changed)))).one()
    if first is not None:
        s.connection().execute(sa.delete(Meta.__table__).where(  # type: ignore[attr-defined]
            col(Meta.key).like("chains:%"), col(Meta.key) >= _chunk_key(_chunk_start(first))))


def _scrub_others(s: Session, forgotten: Forgotten, pids: list[str]) -> set[int]:
    """Apply Forgotten.scrub to every stored message that may mention or quote the forgotten person; returns the
    ids whose text or quotes changed (their content hash is recomputed, as an ingest would)."""
    if not forgotten.labels and not forgotten.messages:
        return set()
    text_like = [sa.cast(c, sa.Text).like(f"%{x}%") for x in forgotten.labels
                 for c in (Message.text, Message.meta, Message.quoted)]
    candidates = select(Message).where(sa.or_(sa.cast(Message.quoted, sa.Text) != "[]", *text_like))
    changed: set[int] = set()
    table = Message.__table__  # type: ignore[attr-defined]
    for m in list(s.exec(candidates)):
        text, quoted, meta = forgotten.scrub(m.namespace, m.text, m.quoted or [], m.meta or {})
        if (text, quoted, meta) == (m.text, m.quoted or [], m.meta or {}):
            continue
        values: dict[str, Any] = dict(text=text, quoted=quoted, meta=meta)
        if (text, quoted) != (m.text, m.quoted or []):
            rec = MessageRecord(m.namespace, m.native_id, None, m.sent_at, m.kind, text=text,  # type: ignore[arg-type]
                                subject=m.subject, thread_key=m.thread_key, parent_native_id=m.parent_native_id,
                                quoted=quoted, edited_at=m.edited_at, deleted=m.deleted)
            values["content_hash"] = rec.content_hash(m.author_id)
            changed.add(m.id)  # type: ignore[arg-type]
        s.connection().execute(sa.update(table).where(table.c.id == m.id).values(**values))
    for part in _chunks(sorted(changed)):  # a forwarded block's vector may be of the person's words: it goes too
        s.connection().execute(sa.delete(Embedding.__table__).where(  # type: ignore[attr-defined]
            col(Embedding.message_id).in_(part), col(Embedding.model).like("%" + CARRIED)))
    return changed


def _rebuild(engine: Engine, settings: Settings, pz: Pseudonymizer, version: str | None, ids: list[int],
             chains_built: bool, out: dict[str, Any]) -> None:
    """Re-score the messages whose inputs changed, rebuild chains and facts, teams and aggregate cells: the
    existing pipeline functions, so the result is what an ingest and analysis without the person give."""
    from .pipeline import build_chains, pending_messages, score_batch, scoring_version
    from .teams import assign_teams

    if version and ids:
        if scoring_version(settings) == version:  # else the next `analyze` re-scores everything anyway
            pending, medians = pending_messages(engine, version, ids)
            if pending:
                from analysis.embeddings import load_embedder
                from analysis.messages import MessageAnalyzer

                analyzer = MessageAnalyzer(load_embedder(settings.embedding_model))
                for batch in _chunks(pending, 32):
                    score_batch(engine, analyzer, version, batch, medians)
                out["rescored"] = len(pending)
    if chains_built:
        out["chains"] = build_chains(engine, settings)
    assign_teams(engine, pz, settings.team_mapping)
    aggregates.refresh(engine, force=True)


def compact(engine: Engine) -> bool:
    """Make erased rows unrecoverable from the store's files: SQLite keeps deleted rows in free pages and in its
    write-ahead log until VACUUM and a truncating checkpoint. PostgreSQL rewrites the touched tables with
    VACUUM FULL (its WAL archive and backups are the organisation's to expire)."""
    engine.dispose()  # this process's idle connections would keep the old pages alive
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if engine.dialect.name == "sqlite":
                conn.exec_driver_sql("VACUUM")
                busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
                return not (busy and busy[0])  # another process (a dashboard) still reads the old pages
            if engine.dialect.name == "postgresql":
                for t in ("message", "person", "personalias", "embedding", "messagescore", "factloss",
                          "derivationedge", "nudge", "agg_cell", "agg_team_week", "conversation", "externalid"):
                    conn.exec_driver_sql(f"VACUUM FULL {t}")
                return True
    except sa.exc.OperationalError:  # locked by another process for longer than the busy timeout
        return False
    return False
