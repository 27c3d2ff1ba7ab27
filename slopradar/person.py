"""A person's rights as commands: access (GDPR art. 15), erasure (art. 17) and objection (art. 21).

The admin who receives a request names the person by e-mail address or Slack user id; the store holds
neither, so the identifier is hashed with the store's key exactly as at ingestion (pseudonym.py) and looked
up among the keyed aliases. `export` gathers everything the store holds on that person as readable JSON;
`forget` erases it, rebuilds what was derived from it (scores that used it, chains, facts, aggregate cells)
and leaves a tombstone of keyed hashes so that later ingests skip the person (`Forgotten`, called from
ingest.py); `object_to_processing` is the existing opt-out. docs/privacy.md, "A person's rights".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from . import aggregates
from .config import Settings
from .pseudonym import Pseudonymizer
from .records import MessageRecord, PersonRef
from .schema import (
    AggCell, AggTeamWeek, Conversation, DerivationEdge, Embedding, ExternalId, FactLoss, Message, MessageScore,
    Nudge, Person, PersonAlias, Team, Tombstone,
)
from .store import upsert

ERASED_MENTION = "@someone"  # what a mention of a forgotten person becomes in other people's messages
PERSON, MESSAGE = "person", "message"
_ADDRESS = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_SLACK_ID = re.compile(r"^(?:(?P<team>T[A-Z0-9]{6,}):)?(?P<user>[UW][A-Z0-9]{6,})$")


class PersonError(Exception):
    """The identifier given does not name a person the way slopradar can look one up."""


def aliases_of(pz: Pseudonymizer, ident: str) -> list[str]:
    """The keyed hashes an identifier is stored under: an e-mail address, a Slack user id (U..., or T...:U...)."""
    ident = ident.strip()
    if "@" in ident and not ident.startswith("@") and " " not in ident:
        return [pz.alias("email", ident)]
    m = _SLACK_ID.match(ident)
    if m:
        out = [pz.alias("slack-uid", m["user"])]
        if m["team"]:
            out.append(pz.alias("slack", f"{m['team']}:{m['user']}"))
        return out
    raise PersonError(f"{ident!r} is neither an e-mail address nor a Slack user id (U0123ABCD or T0123ABCD:U0123ABCD)")


def message_key(pz: Pseudonymizer, namespace: str, native_id: str) -> str:
    """The keyed hash a forgotten message is remembered by (so that a later share of it is dropped too)."""
    return pz.alias(MESSAGE, f"{namespace} {native_id}")


def _people(s: Session, aliases: list[str]) -> list[str]:
    return sorted(set(s.exec(select(PersonAlias.person_id).where(PersonAlias.alias.in_(aliases))).all()))  # type: ignore[attr-defined]


def _chunks(ids: list[Any], n: int = 500) -> Iterable[list[Any]]:
    for i in range(0, len(ids), n):
        yield ids[i:i + n]


def _iso(t: datetime | None) -> str | None:
    if t is None:
        return None
    return (t if t.tzinfo else t.replace(tzinfo=UTC)).isoformat()


# -- access (art. 15) ----------------------------------------------------------------------------------------
_ByMessage = dict[int, list[dict[str, Any]]]


def _derived_of(s: Session, mids: list[int | None]) -> tuple[_ByMessage, _ByMessage, dict[int, dict[str, Any]],
                                                       _ByMessage, _ByMessage]:
    """What the analysis derived from these messages, by message id: scores, embeddings (without the vector),
    the edge to the message each derives from, the facts of its original in it, and its own facts in copies."""
    scores: dict[int, list[dict[str, Any]]] = {}
    embeddings: dict[int, list[dict[str, Any]]] = {}
    edges: dict[int, dict[str, Any]] = {}
    facts: dict[int, list[dict[str, Any]]] = {}
    root_facts: dict[int, list[dict[str, Any]]] = {}
    for part in _chunks(mids):
        for sc in s.exec(select(MessageScore).where(MessageScore.message_id.in_(part))):  # type: ignore[attr-defined]
            scores.setdefault(sc.message_id, []).append(sc.model_dump(exclude={"message_id", "content_hash"}))
        for e in s.exec(select(Embedding).where(Embedding.message_id.in_(part))):  # type: ignore[attr-defined]
            embeddings.setdefault(e.message_id, []).append(
                {"model": e.model, "dimensions": e.dim, "sentences": e.sentences,
                 "vector": "(a list of numbers computed from the text; not readable, left out)"})
        for d in s.exec(select(DerivationEdge).where(DerivationEdge.child_id.in_(part))):  # type: ignore[attr-defined]
            edges[d.child_id] = d.model_dump(exclude={"child_id"})
        for f in s.exec(select(FactLoss).where(FactLoss.copy_id.in_(part))):  # type: ignore[attr-defined]
            facts.setdefault(f.copy_id, []).append(f.model_dump(exclude={"copy_id", "root_id"}))
        # facts of this person's announcements as found in other people's copies: the status only, never
        # the copy's text (that is someone else's message)
        for f in s.exec(select(FactLoss).where(FactLoss.root_id.in_(part))):  # type: ignore[attr-defined]
            root_facts.setdefault(f.root_id, []).append(
                {"kind": f.kind, "value": f.value, "fact": f.text, "critical": f.critical, "status": f.status,
                 "copy_message_id": f.copy_id})
    return scores, embeddings, edges, facts, root_facts


def export(engine: Engine, pz: Pseudonymizer, ident: str) -> dict[str, Any]:
    """Everything the store holds on one person, as JSON a person can read: raises PersonError when the store
    holds nothing on them (and says whether they were forgotten)."""
    aliases = aliases_of(pz, ident)
    with Session(engine) as s:
        pids = _people(s, aliases)
        forgotten = s.exec(select(Tombstone.key).where(Tombstone.key.in_(aliases))).first() is not None  # type: ignore[attr-defined]
        if not pids:
            raise PersonError("the store holds nothing on this person" + (
                " (they were forgotten at their request: only a keyed hash of their identity is kept)"
                if forgotten else ""))
        people = [s.get(Person, p) for p in pids]
        teams = {t.id: t.name for t in s.exec(select(Team))}
        convs = {c.id: c for c in s.exec(select(Conversation))}
        msgs = list(s.exec(select(Message).where(Message.author_id.in_(pids)).order_by(Message.sent_at)))  # type: ignore[attr-defined]
        scores, embeddings, edges, facts, root_facts = _derived_of(s, [m.id for m in msgs])
        nudges = list(s.exec(select(Nudge).where(Nudge.person_id.in_(pids)).order_by(Nudge.sent_at)))  # type: ignore[attr-defined]
        cells = list(s.exec(select(AggCell).where(AggCell.author_id.in_(pids), AggCell.min_group_size == 0)))  # type: ignore[attr-defined]
        alias_count = s.exec(select(sa.func.count()).select_from(PersonAlias)
                             .where(PersonAlias.person_id.in_(pids))).one()  # type: ignore[attr-defined]
        member_of = [c for c in convs.values() if set(c.members or []) & set(pids)]
        received = _count_recipient(s, pids)

    def place(cid: int) -> dict[str, Any]:
        c = convs.get(cid)
        return {"kind": c.kind, "name": c.name} if c else {}

    return {
        "about": "Everything slopradar's store holds on one person, as of the date below (GDPR art. 15). Texts are "
                 "the messages as stored (quotes and forwarded parts kept apart); scores are what the analysis "
                 "found; 'aggregate_cells' are this person's share of the team-level sums managers see only once "
                 "at least min_group_size people are pooled. Names and addresses are stored only when the "
                 "deployment turned store_identities on.",
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "person": [{
            "pseudonym": p.id, "team": teams.get(p.team_id or ""), "team_assigned_by": p.team_origin,
            "objected_to_processing (opted out)": p.opted_out, "is_bot": p.is_bot, "email_domain": p.email_domain,
            "display_name": p.display_name, "email": p.email, "first_seen": _iso(p.first_seen),
            "identities_stored_as_keyed_hashes": alias_count,
        } for p in people if p is not None],
        "messages": [{
            "id": m.id, "sent_at": _iso(m.sent_at), "place": place(m.conversation_id), "kind": m.kind,
            "subject": m.subject, "text": m.text,
            "text_note": ("text removed by retention or deletion" if m.text is None else None),
            "quoted_or_forwarded": m.quoted, "language": m.language, "words": m.word_count, "deleted": m.deleted,
            "truncated": m.truncated, "edited_at": _iso(m.edited_at), "metadata": m.meta,
            "scores": scores.get(m.id, []), "embeddings": embeddings.get(m.id, []),  # type: ignore[arg-type]
            "derived_from": edges.get(m.id),  # type: ignore[arg-type]
            "facts_of_the_original_in_this_copy": facts.get(m.id, []),  # type: ignore[arg-type]
            "facts_of_this_announcement_in_copies": root_facts.get(m.id, []),  # type: ignore[arg-type]
        } for m in msgs],
        "nudges": [{"sent_at": _iso(n.sent_at), "kind": n.kind, "message_id": n.message_id, "language": n.language,
                    "delivery": n.delivery, "feedback": n.feedback, "details": n.details} for n in nudges],
        "conversations_member_of": sorted(({"kind": c.kind, "name": c.name} for c in member_of),
                                          key=lambda d: (d["kind"], d["name"])),
        "messages_received_as_mail_recipient": received,
        "aggregate_cells": [c.model_dump(exclude={"author_id", "min_group_size"}) |
                            {"team": teams.get(c.team_id, c.team_id), "place": place(c.conversation_id) or "pooled"}
                            for c in cells],
    }


def _count_recipient(s: Session, pids: list[str]) -> int:
    n = 0
    for meta in s.exec(select(Message.meta).where(
            sa.or_(*(sa.cast(Message.meta, sa.Text).like(f"%{p}%") for p in pids)))):  # type: ignore[call-overload]
        n += bool(set((meta or {}).get("recipients") or []) & set(pids))
    return n


# -- the tombstone, applied at ingestion ----------------------------------------------------------------------
class Forgotten:
    """What ingestion must keep out: forgotten people (by the keyed hashes of their identities) and their
    erased messages (by keyed hashes of their native ids). `admit` drops a record they wrote and scrubs them
    from any other record (recipients, members, mentions, quotes of their messages), so that a store that
    re-reads an old export stays as if it never held them."""

    def __init__(self, pz: Pseudonymizer, people: Iterable[str], messages: Iterable[str],
                 labels: Iterable[str] = ()):
        self.pz = pz
        self.people = set(people)
        self.messages = set(messages)
        # the pseudonyms (person ids, mention labels, reply headers) derive from one of the person's aliases
        self.pseudonyms = {"p_" + a[:16] for a in self.people}
        self.labels = sorted(self.pseudonyms | {x for x in labels if x}, key=len, reverse=True)
        self._label = re.compile("|".join(re.escape(x) for x in self.labels)) if self.labels else None
        self._mention = re.compile("@(?:" + "|".join(re.escape(x) for x in self.labels) + r")(?![\w.-])") \
            if self.labels else None

    @classmethod
    def load(cls, engine: Engine, pz: Pseudonymizer) -> "Forgotten | None":
        """The store's tombstones; None when nobody was ever forgotten (ingestion then does nothing more)."""
        with Session(engine) as s:
            rows = s.exec(select(Tombstone.key, Tombstone.kind)).all()
        if not rows:
            return None
        return cls(pz, [k for k, kind in rows if kind == PERSON], [k for k, kind in rows if kind == MESSAGE])

    def is_forgotten(self, ref: PersonRef) -> bool:
        return any(self.pz.alias(k, v) in self.people for k, v in ref.identities)

    def admit(self, r: MessageRecord) -> bool:
        """False for a record a forgotten person wrote (or a forgotten message); else scrub them out of it."""
        if (r.author is not None and self.is_forgotten(r.author)) or \
                message_key(self.pz, r.namespace, r.native_id) in self.messages:
            return False
        r.recipients = [p for p in r.recipients if not self.is_forgotten(p)]
        r.conversation.members = [p for p in r.conversation.members if not self.is_forgotten(p)]
        r.text, r.quoted, r.meta = self.scrub(r.namespace, r.text, r.quoted, r.meta)
        return True

    def scrub(self, namespace: str, text: str | None, quoted: list[dict[str, Any]],
              meta: dict[str, Any]) -> tuple[str | None, list[dict[str, Any]], dict[str, Any]]:
        """Another person's message without the forgotten: mentions become ERASED_MENTION; quotes of their
        messages (a Slack share, a mail reply's quoted part whose header names them) are dropped."""
        def clean(t: Any) -> Any:
            return self._mention.sub(ERASED_MENTION, t) if isinstance(t, str) and self._mention else t

        kept = []
        for q in quoted or []:
            ref = q.get("ref") if isinstance(q, dict) else None
            if isinstance(ref, dict) and ref.get("channel") and ref.get("ts") and message_key(
                    self.pz, namespace, f"{ref['channel']}:{ref['ts']}") in self.messages:
                continue
            header = q.get("header") if isinstance(q, dict) else None
            if isinstance(header, str) and ((self._label and self._label.search(header)) or any(
                    self.pz.alias("email", a) in self.people for a in _ADDRESS.findall(header))):
                continue  # "On <date>, <name> <address> wrote:" above a forgotten person's words
            kept.append({k: clean(v) for k, v in q.items()} if isinstance(q, dict) else q)
        meta = dict(meta or {})
        for key in ("recipients", "mentions"):
            if isinstance(meta.get(key), list):
                meta[key] = [x for x in meta[key] if x not in self.pseudonyms and x not in self.labels]
        if isinstance(meta.get("shares"), list):
            meta["shares"] = [sh for sh in meta["shares"] if not (
                isinstance(sh, dict) and message_key(self.pz, namespace, f"{sh.get('channel')}:{sh.get('ts')}")
                in self.messages)]
        return clean(text), kept, meta


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
        changed = _scrub_others(s, forgotten, pids)
        out["other_messages_scrubbed"] = len(changed)
        for c in s.exec(select(Conversation)):
            if set(c.members or []) & set(pids):
                members = [x for x in c.members if x not in pids]
                conn.execute(sa.update(Conversation.__table__).where(  # type: ignore[attr-defined]
                    Conversation.id == c.id).values(members=members, member_count=len(members) or None))
        if version and rescore:
            for part in _chunks(neighbours):
                conn.execute(sa.delete(MessageScore.__table__).where(  # type: ignore[attr-defined]
                    MessageScore.message_id.in_(part), MessageScore.analyzer_version == version))  # type: ignore[attr-defined]
        has_embeddings = s.exec(select(Embedding.message_id).limit(1)).first() is not None
        s.commit()
    out["tombstones"] = len(keys)
    _rebuild(engine, settings, pz, version if rescore else None, sorted(set(neighbours) | changed), has_embeddings, out)
    out["store_compacted"] = compact(engine)
    return out


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
    return changed


def _rebuild(engine: Engine, settings: Settings, pz: Pseudonymizer, version: str | None, ids: list[int],
             has_embeddings: bool, out: dict[str, Any]) -> None:
    """Re-score the messages whose inputs changed, rebuild chains and facts, teams and aggregate cells: the
    existing pipeline functions, so the result is what an ingest and analysis without the person give."""
    from .pipeline import build_chains, pending_messages, score_batch
    from .teams import assign_teams

    if version and ids:
        from analysis.messages import analyzer_version

        if analyzer_version() == version:  # else the next `analyze` re-scores everything anyway
            pending, medians = pending_messages(engine, version, ids)
            if pending:
                from analysis.embeddings import load_embedder
                from analysis.messages import MessageAnalyzer

                analyzer = MessageAnalyzer(load_embedder(settings.embedding_model))
                for batch in _chunks(pending, 32):
                    score_batch(engine, analyzer, version, batch, medians)
                out["rescored"] = len(pending)
    if has_embeddings:
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


# -- objection (art. 21) ------------------------------------------------------------------------------------
def object_to_processing(engine: Engine, pz: Pseudonymizer, ident: str, withdraw: bool = False) -> dict[str, Any]:
    """Record (or withdraw) a person's objection: the opt-out the Slack bot also sets. Their messages are no
    longer scored, chained, counted in any figure or nudged; the messages themselves stay (use forget)."""
    aliases = aliases_of(pz, ident)
    with Session(engine) as s:
        pids = _people(s, aliases)
        if not pids:
            raise PersonError("the store holds nothing on this person")
        s.exec(sa.update(Person).where(Person.id.in_(pids)).values(opted_out=not withdraw))  # type: ignore[call-overload,attr-defined]
        s.commit()
    aggregates.refresh(engine)
    return {"people": len(pids), "opted_out": not withdraw}


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n"
