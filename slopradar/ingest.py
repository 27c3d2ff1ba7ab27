"""Writes normalised records to the store: pseudonymised people, conversations, messages.

Connectors yield units (a day file, a batch of e-mails, an API page), each with a key and a
digest; the writer commits one unit and its checkpoint in one transaction and skips units
whose checkpoint already has the same digest. That makes every ingest idempotent and lets a
killed run resume where it stopped.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from .config import Settings
from .forwarded import drop_vectors_of_deleted
from .ingest_api import write_api_extras
from .ingest_units import (  # noqa: F401  (the names connectors and tests import from here)
    _BAD_CHARS, _UNIT_WRITE_ERRORS, EARLIEST, FUTURE_SLACK, INVALID_CHARS, MAX_NESTING, MESSAGE_ERRORS, OUT_OF_RANGE,
    IngestReport, Unit, _clean, _describe, _TooDeep, in_date_range,
)
from .pseudonym import Pseudonymizer
from .records import DELETED_VERSION, ConversationRecord, MessageRecord, PersonRef, count_words
from .schema import Conversation, Message, Person, PersonAlias, Source
from .store import done_checkpoints, get_or_create_source, mark_checkpoint, upsert, utcnow


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
            write_api_extras(s, self.source_id, self.report, unit)
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
        drop_vectors_of_deleted(s, [(r["namespace"], r["native_id"]) for r in rows if r["deleted"]])
