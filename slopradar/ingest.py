"""Writes normalised records to the store: pseudonymised people, conversations, messages.

Connectors yield units (a day file, a batch of e-mails, an API page), each with a key and a
digest; the writer commits one unit and its checkpoint in one transaction and skips units
whose checkpoint already has the same digest. That makes every ingest idempotent and lets a
killed run resume where it stopped.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from .config import Settings
from .pseudonym import Pseudonymizer
from .records import DELETED_VERSION, ConversationRecord, MessageRecord, PersonRef, count_words
from .schema import Conversation, ExternalId, Message, Person, PersonAlias, Source
from .store import done_checkpoints, get_or_create_source, mark_checkpoint, upsert, utcnow

# The dates the store accepts. No e-mail or Slack message worth analysing predates 1990, and a message
# more than a day after the ingest is a clock or parsing error; either would also break week and chain
# arithmetic later (a "Date: 31 Dec 9999" overflows as soon as a week is added to it).
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)
OUT_OF_RANGE = "date out of range (before 1990 or after the ingest)"
# What one input message may raise while it is normalised: it is skipped and counted, never the end of a run.
MESSAGE_ERRORS = (LookupError, TypeError, ValueError, AttributeError, ArithmeticError, RecursionError)
# Structures nested deeper than this in a record (meta, quotes) are not real messages.
MAX_NESTING = 32
# Lone surrogates cannot be encoded at all, NUL cannot be stored in PostgreSQL text.
_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")
INVALID_CHARS = "invalid characters replaced"


def in_date_range(t: datetime, latest: datetime) -> bool:
    """Whether a message date is one the store accepts (see EARLIEST); naive dates are read as UTC."""
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return EARLIEST <= t <= latest


class _TooDeep(Exception):
    pass


def _clean(value: Any, fixed: list[int], depth: int = 0) -> Any:
    """`value` with lone surrogates and NUL replaced by U+FFFD, non-finite floats dropped; counts
    replacements in `fixed[0]`. Raises _TooDeep past MAX_NESTING."""
    if isinstance(value, str):
        if _BAD_CHARS.search(value):
            fixed[0] += 1
            return _BAD_CHARS.sub("\ufffd", value)
        return value
    if isinstance(value, bool | int | None | datetime):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if depth >= MAX_NESTING:
        raise _TooDeep
    if isinstance(value, dict):
        return {_clean(k, fixed, depth + 1): _clean(v, fixed, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_clean(v, fixed, depth + 1) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            setattr(value, f.name, _clean(getattr(value, f.name), fixed, depth + 1))
        return value
    return str(value)  # anything else a connector let through is stored as text

@dataclass
class Unit:
    """One piece of input committed atomically. `records` is None when the unit could not be read."""

    key: str
    digest: str
    records: list[MessageRecord] | None
    error: str | None = None
    skipped: Counter[str] = field(default_factory=Counter)
    # API connectors: committed with the records, in the same transaction
    state: dict[str, Any] | None = None  # keys replaced in the source's state (cursors, high-water marks)
    deleted: list[tuple[str, str]] = field(default_factory=list)  # (namespace, native id) seen deleted
    external: list[tuple[str, str, str]] = field(default_factory=list)  # (external id, namespace, native id)
    removed_external: list[str] = field(default_factory=list)  # external ids the source reports removed
    # external ids the source reports moved out of a conversation (gid, conversation native id, its label): kept
    moved_external: list[tuple[str, str, str]] = field(default_factory=list)
    # at the end of a full round: (namespace, conversation native id, round id). What the store holds in that
    # conversation and the round did not write (meta "sync_round") is gone
    sweep: tuple[str, str, str] | None = None

    def add(self, make: Callable[[], MessageRecord | str]) -> MessageRecord | None:
        """Normalise one input message into this unit: a record is kept, a skip reason (or a malformed
        message that raised) is counted. Returns the record, if any."""
        try:
            rec = make()
        except MESSAGE_ERRORS as exc:
            self.skipped[f"malformed message ({type(exc).__name__})"] += 1
            return None
        if isinstance(rec, str):
            self.skipped[rec] += 1
            return None
        self.records.append(rec)  # type: ignore[union-attr]
        return rec


@dataclass
class IngestReport:
    source: str
    units_done: int = 0
    units_unchanged: int = 0
    units_failed: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    moved: int = 0  # mail moved out of a synced folder: kept, never counted as deleted
    truncated: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    subtypes: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    api_calls: dict[str, int] = field(default_factory=dict)  # live connectors: calls per API method

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "units": {"done": self.units_done, "unchanged": self.units_unchanged, "failed": self.units_failed},
            "messages": {"new": self.new, "updated": self.updated, "unchanged": self.unchanged,
                         "deleted": self.deleted, "moved": self.moved, "truncated": self.truncated},
            "kinds": dict(self.kinds),
            "subtypes": dict(self.subtypes),
            "skipped": dict(self.skipped),
            "errors": self.errors[:50],
        } | ({"api_calls": self.api_calls} if self.api_calls else {})


# What writing one unit can raise because of its content (a value the database refuses): the unit is
# reported as failed and retried on the next run; the run goes on.
_UNIT_WRITE_ERRORS = (sa.exc.StatementError, ValueError, TypeError, ArithmeticError, RecursionError, LookupError)


def _describe(exc: BaseException) -> str:
    """A short reason without the SQL statement or its parameters (they hold message text)."""
    orig = getattr(exc, "orig", None) or exc
    first = _BAD_CHARS.sub("\ufffd", (str(orig).splitlines() or [""])[0][:160])
    return f"{type(orig).__name__}: {first}" if first else type(orig).__name__


class IngestWriter:
    def __init__(self, engine: Engine, settings: Settings, pseudonymizer: Pseudonymizer,
                 source_kind: str, source_name: str):
        self.engine = engine
        self.settings = settings
        self.pz = pseudonymizer
        with Session(engine) as s:
            src = get_or_create_source(s, source_kind, source_name)
            self.source_id: int = src.id  # type: ignore[assignment]
            self._done = done_checkpoints(s, self.source_id)
        self.report = IngestReport(source=f"{source_kind}:{source_name}")
        # settings that change what a unit produces are part of its checkpoint digest
        self._fingerprint = json.dumps([settings.max_text_chars, settings.max_mail_bytes, settings.skip_auto_replies,
                                        settings.store_identities]).encode()
        self._people: dict[tuple[str, str], str] = {}
        self._conversations: dict[tuple[str, str], int] = {}
        self._latest = utcnow() + FUTURE_SLACK
        from .person import Forgotten  # people forgotten at their request (GDPR art. 17) are never stored again

        self._forgotten = Forgotten.load(engine, pseudonymizer)

    def source_state(self) -> dict[str, Any]:
        """The source's saved state (API cursors, high-water marks), as last committed."""
        with Session(self.engine) as s:
            src = s.get(Source, self.source_id)
            return dict(src.state or {}) if src else {}

    def _digest(self, digest: str) -> str:
        return hashlib.sha256(digest.encode() + self._fingerprint).hexdigest()

    def is_done(self, key: str, digest: str) -> bool:
        return self._done.get(key) == self._digest(digest)

    def write_units(self, units: Iterable[Unit], progress: Any = None) -> IngestReport:
        for unit in units:
            self.write_unit(unit)
            if progress is not None:
                progress()
        return self.report

    def write_unit(self, unit: Unit) -> None:
        rep = self.report
        rep.skipped.update(unit.skipped)
        if unit.records is None:
            rep.units_failed += 1
            rep.errors.append(f"{unit.key}: {unit.error}")
            return
        # a cursor, a deletion or a move always lands
        api = bool(unit.state or unit.deleted or unit.removed_external or unit.moved_external or unit.sweep)
        if not api and self.is_done(unit.key, unit.digest):
            rep.units_unchanged += 1
            return
        records = [r for r in unit.records if self._admit(r)]
        before = (rep.new, rep.updated, rep.unchanged, rep.deleted, rep.moved, rep.truncated, Counter(rep.kinds),
                  Counter(rep.subtypes), Counter(rep.skipped))

        def work(s: Session) -> None:
            self._write_records(s, records)
            self._write_api_extras(s, unit)
            mark_checkpoint(s, self.source_id, unit.key, self._digest(unit.digest))

        refused = self._transaction(work)
        if refused is not None:
            (rep.new, rep.updated, rep.unchanged, rep.deleted, rep.moved, rep.truncated, rep.kinds, rep.subtypes,
             rep.skipped) = before
            rep.units_failed += 1
            rep.errors.append(f"{unit.key}: not stored ({_describe(refused)}); retried on the next run")
            return
        self._done[unit.key] = self._digest(unit.digest)
        rep.units_done += 1

    def _transaction(self, work: Callable[[Session], None]) -> Exception | None:
        """Run `work` in one transaction. If the store refuses what it writes, roll back, forget the ids cached
        meanwhile (they would point at rows that do not exist) and return why; a store that cannot be used at
        all (locked, full, gone) raises, since every unit would fail."""
        people, conversations = dict(self._people), dict(self._conversations)
        with Session(self.engine) as s:
            try:
                work(s)
                s.commit()
                return None
            except (_TooDeep, *_UNIT_WRITE_ERRORS) as exc:
                s.rollback()
                if isinstance(exc, sa.exc.OperationalError | sa.exc.InterfaceError):
                    raise
                self._people, self._conversations = people, conversations
                return exc
            except BaseException:
                s.rollback()
                raise

    def _admit(self, r: MessageRecord) -> bool:
        """Make one record safe to store (characters, nesting, dates, sizes), or count why it is skipped."""
        rep = self.report
        if self._forgotten is not None and not self._forgotten.admit(r):
            rep.skipped["written by a person forgotten at their request"] += 1
            return False
        if not in_date_range(r.sent_at, self._latest):
            rep.skipped[OUT_OF_RANGE] += 1
            return False
        if r.sent_at.tzinfo is None:
            r.sent_at = r.sent_at.replace(tzinfo=UTC)
        if r.edited_at is not None and not in_date_range(r.edited_at, self._latest):
            r.edited_at = None
            if not r.deleted:
                r.version_ts = r.sent_at.timestamp()
        if not (isinstance(r.version_ts, int | float) and math.isfinite(r.version_ts)) or (
                not r.deleted and r.version_ts >= DELETED_VERSION):
            r.version_ts = r.sent_at.timestamp()
        fixed = [0]
        try:
            _clean(r, fixed)
        except (_TooDeep, RecursionError):
            rep.skipped["malformed message (nested too deep)"] += 1
            return False
        if fixed[0]:
            rep.skipped[INVALID_CHARS] += 1
        limit = self.settings.max_text_chars
        if r.subject and len(r.subject) > limit:
            r.subject = r.subject[:limit]
        for q in r.quoted[:100]:
            if isinstance(q.get("text"), str) and len(q["text"]) > limit:
                q["text"] = q["text"][:limit]
        del r.quoted[100:]
        return True

    def _write_api_extras(self, s: Session, unit: Unit) -> None:
        """External ids, removals, inferred deletions and the source's state, in the unit's transaction."""
        if unit.external:
            rows = {e: dict(source_id=self.source_id, external_id=e, namespace=ns, native_id=nid)
                    for e, ns, nid in unit.external}
            upsert(s, ExternalId, list(rows.values()), keys=["source_id", "external_id"],
                   update=["namespace", "native_id"])
        gone: list[tuple[str, str]] = list(unit.deleted)
        if unit.removed_external:
            ext = ExternalId.__table__  # type: ignore[attr-defined]
            hits = s.exec(select(ExternalId.namespace, ExternalId.native_id).where(
                ExternalId.source_id == self.source_id,
                ExternalId.external_id.in_(unit.removed_external))).all()  # type: ignore[attr-defined]
            s.exec(sa.delete(ext).where(ext.c.source_id == self.source_id,  # type: ignore[call-overload]
                                        ext.c.external_id.in_(unit.removed_external)))
            for ns, nid in hits:  # deleted only when no other mailbox still holds the message
                if s.exec(select(sa.func.count()).select_from(ExternalId).where(
                        ExternalId.namespace == ns, ExternalId.native_id == nid)).one() == 0:
                    gone.append((ns, nid))
                else:
                    self.report.skipped["removed from one mailbox, still in another"] += 1
        for gid, conv_native_id, label in unit.moved_external:
            self._moved(s, gid, conv_native_id, label)
        if unit.sweep is not None:
            gone += self._sweep(s, *unit.sweep)
        if gone:
            table = Message.__table__  # type: ignore[attr-defined]
            for ns, nid in gone:
                res = s.exec(sa.update(table).where(  # type: ignore[call-overload]
                    table.c.namespace == ns, table.c.native_id == nid, table.c.deleted == sa.false())
                    .values(deleted=True, text=None, quoted=[], word_count=0, version_ts=DELETED_VERSION))
                self.report.deleted += int(res.rowcount or 0)
        if unit.state:
            src = s.get(Source, self.source_id)
            if src is not None:
                src.state = {**(src.state or {}), **unit.state}
                src.updated_at = utcnow()
                s.add(src)

    def _moved(self, s: Session, gid: str, conv_native_id: str, label: str) -> None:
        """A message moved out of a synced conversation (a mail folder) is kept. While no synced folder holds it,
        it stays in its old conversation marked "moved_out_of_scope"; a folder that holds it re-homes it on write."""
        hit = s.exec(select(ExternalId.namespace, ExternalId.native_id).where(
            ExternalId.source_id == self.source_id, ExternalId.external_id == gid)).first()
        if hit is None:  # never stored (a draft, an auto-reply)
            return
        self.report.moved += 1
        msg = s.exec(select(Message).join(Conversation, Conversation.id == Message.conversation_id).where(
            Message.namespace == hit[0], Message.native_id == hit[1], Conversation.native_id == conv_native_id,
            Message.deleted == sa.false())).first()
        if msg is not None:
            msg.meta = {**(msg.meta or {}), "moved_out_of_scope": label}
            s.add(msg)

    def _sweep(self, s: Session, namespace: str, conv_native_id: str, round_id: str) -> list[tuple[str, str]]:
        """After a full round of a conversation: the messages it holds that the round did not write are gone,
        unless another mailbox still holds them (their external ids say so)."""
        rows = s.exec(select(Message.native_id, Message.meta).join(
            Conversation, Conversation.id == Message.conversation_id).where(
            Message.namespace == namespace, Conversation.native_id == conv_native_id,
            Message.deleted == sa.false())).all()
        gone = []
        ext = ExternalId.__table__  # type: ignore[attr-defined]
        for nid, meta in rows:
            meta = meta or {}
            if meta.get("sync_round") == round_id or meta.get("moved_out_of_scope"):
                continue
            mine = meta.get("external_id")  # the id this conversation wrote it under (it wrote it last)
            if isinstance(mine, str):
                s.exec(sa.delete(ext).where(ext.c.source_id == self.source_id,  # type: ignore[call-overload]
                                            ext.c.external_id == mine))
            copies = s.exec(select(sa.func.count()).select_from(ExternalId).where(
                ExternalId.source_id == self.source_id, ExternalId.namespace == namespace,
                ExternalId.native_id == nid)).one()
            if copies > (0 if isinstance(mine, str) else 1):
                self.report.skipped["missing after a full round, still in another mailbox"] += 1
                continue
            s.exec(sa.delete(ext).where(ext.c.source_id == self.source_id,  # type: ignore[call-overload]
                                        ext.c.namespace == namespace, ext.c.native_id == nid))
            gone.append((namespace, nid))
        return gone

    # -- people ---------------------------------------------------------------------------
    def person_id(self, s: Session, ref: PersonRef) -> str:
        self.resolve_people(s, [ref])
        return self._people[ref.identities[0]]

    def resolve_people(self, s: Session, refs: Iterable[PersonRef]) -> None:
        """Give every ref a person id: an existing one found through any of its aliases, else a new one.
        One query and two bulk upserts per call, however many people."""
        todo: dict[tuple[str, str], PersonRef] = {}
        for ref in refs:
            if ref.identities[0] not in self._people:
                todo.setdefault(ref.identities[0], ref)
        if not todo:
            return
        aliases = {key: [self.pz.alias(k, v) for k, v in ref.identities] for key, ref in todo.items()}
        flat = [a for al in aliases.values() for a in al]
        known: dict[str, str] = {}
        for i in range(0, len(flat), 500):
            q = select(PersonAlias.alias, PersonAlias.person_id).where(PersonAlias.alias.in_(flat[i:i + 500]))  # type: ignore[attr-defined]
            known.update(dict(s.exec(q).all()))
        people: dict[str, dict[str, Any]] = {}
        alias_rows: dict[str, str] = {}
        for key, ref in todo.items():
            pid = next((known[a] for a in aliases[key] if a in known), None) or self.pz.person_id(*key)
            if self._forgotten is not None and self._forgotten.is_forgotten(ref):
                self._people.update({ident: pid for ident in ref.identities})  # an id, never a row again
                continue
            domain = ref.email.rsplit("@", 1)[-1].lower() if ref.email and "@" in ref.email else None
            row = people.setdefault(pid, dict(id=pid, is_bot=ref.is_bot, first_seen=utcnow(), opted_out=False,
                                              display_name=None, email=None, team_id=None, team_origin=None,
                                              email_domain=domain))
            if self.settings.store_identities:
                row.update(display_name=ref.display_name, email=ref.email)
            for a in aliases[key]:
                alias_rows.setdefault(a, pid)
            for ident in ref.identities:
                self._people[ident] = pid
        identity = ["display_name", "email"] if self.settings.store_identities else []
        for with_domain in (True, False):  # a ref without an e-mail must not erase a known domain
            rows = [r for r in people.values() if bool(r["email_domain"]) == with_domain]
            update = ["is_bot"] + (["email_domain"] if with_domain else []) + identity
            for i in range(0, len(rows), 500):
                upsert(s, Person, rows[i:i + 500], keys=["id"], update=update)
        arows = [dict(alias=a, person_id=p) for a, p in alias_rows.items()]
        for i in range(0, len(arows), 500):
            upsert(s, PersonAlias, arows[i:i + 500], keys=["alias"])

    # -- conversations --------------------------------------------------------------------
    def register_conversations(self, conversations: Iterable[ConversationRecord]) -> None:
        """Store conversations and their members (people who never wrote are still an audience), each in
        its own transaction if need be: one the store refuses is counted, the others are kept."""
        conversations = list(conversations)

        def register(convs: list[ConversationRecord]) -> Callable[[Session], None]:
            def work(s: Session) -> None:
                for conv in convs:
                    _clean(conv, [0])
                    self.conversation_id(s, conv)
            return work

        if self._transaction(register(conversations)) is None:  # the usual case: all at once
            return
        for conv in conversations:
            if self._transaction(register([conv])) is not None:
                self.report.skipped["conversation not stored (malformed)"] += 1

    def conversation_id(self, s: Session, conv: ConversationRecord) -> int:
        key = (conv.namespace, conv.native_id)
        cid = self._conversations.get(key)
        if cid is not None:
            return cid
        members = sorted({self.person_id(s, m) for m in conv.members
                          if self._forgotten is None or not self._forgotten.is_forgotten(m)})
        upsert(
            s, Conversation,
            [dict(namespace=conv.namespace, native_id=conv.native_id, source_id=self.source_id, kind=conv.kind,
                  name=conv.name, member_count=len(members) or None, members=members, team_id=None)],
            keys=["namespace", "native_id"],
            update=["kind", "name", "member_count", "members"] if members else ["kind", "name"],
        )
        cid = s.exec(select(Conversation.id).where(Conversation.namespace == conv.namespace,
                                                   Conversation.native_id == conv.native_id)).one()
        self._conversations[key] = cid  # type: ignore[assignment]
        return cid  # type: ignore[return-value]

    # -- messages -------------------------------------------------------------------------
    def _write_records(self, s: Session, records: list[MessageRecord]) -> None:
        rep = self.report
        # The same native id can occur twice in one unit (an edit event after the message): the newest wins.
        latest: dict[tuple[str, str], MessageRecord] = {}
        for r in records:
            k = (r.namespace, r.native_id)
            if k in latest:
                rep.skipped["duplicate or superseded version in input"] += 1
            if k not in latest or r.version_ts >= latest[k].version_ts:
                latest[k] = r
        refs = [p for r in latest.values() for p in ([r.author] if r.author else []) + r.recipients]
        refs += [m for r in latest.values() for m in r.conversation.members]
        self.resolve_people(s, refs)
        rows: list[dict[str, Any]] = []
        for r in latest.values():
            r.truncate(self.settings.max_text_chars)
            author_id = self.person_id(s, r.author) if r.author else None
            if r.recipients:
                r.meta["recipients"] = sorted({self.person_id(s, p) for p in r.recipients})
            conv_id = self.conversation_id(s, r.conversation)
            rows.append(dict(
                namespace=r.namespace, native_id=r.native_id, source_id=self.source_id, conversation_id=conv_id,
                thread_key=r.thread_key, parent_native_id=r.parent_native_id, author_id=author_id,
                sent_at=r.sent_at, kind=r.kind, subtype=r.subtype, subject=r.subject,
                text=None if r.deleted else r.text, quoted=[] if r.deleted else r.quoted, language=None,
                word_count=0 if r.deleted else count_words(r.text), is_bot=r.is_bot, edited_at=r.edited_at,
                version_ts=r.version_ts, deleted=r.deleted, truncated=r.truncated,
                content_hash=r.content_hash(author_id), meta=r.meta,
            ))
            rep.kinds[r.kind] += 1
            rep.subtypes[r.subtype or "(none)"] += 1
            rep.truncated += int(r.truncated)
        by_ns: dict[str, list[str]] = {}
        for row in rows:
            by_ns.setdefault(row["namespace"], []).append(row["native_id"])
        existing: dict[tuple[str, str], tuple[str, float]] = {}
        for ns, ids in by_ns.items():
            for i in range(0, len(ids), 500):
                q = select(Message.native_id, Message.content_hash, Message.version_ts).where(
                    Message.namespace == ns, Message.native_id.in_(ids[i:i + 500]))  # type: ignore[attr-defined]
                for nid, h, v in s.exec(q):
                    existing[(ns, nid)] = (h, v)
        for row in rows:
            old = existing.get((row["namespace"], row["native_id"]))
            if old is None:
                rep.new += 1
                rep.deleted += int(row["deleted"])
            elif old[0] == row["content_hash"] or row["version_ts"] < old[1]:
                rep.unchanged += 1
            else:
                rep.updated += 1
                rep.deleted += int(row["deleted"])
        table = Message.__table__  # type: ignore[attr-defined]
        update_cols = [c for c in rows[0] if c not in ("namespace", "native_id")] if rows else []
        for i in range(0, len(rows), 500):
            upsert(s, Message, rows[i:i + 500], keys=["namespace", "native_id"], update=update_cols,
                   where=sa.literal_column("excluded.version_ts") >= table.c.version_ts)
