"""Small stores written row by row, for privacy tests that need exact groups of people: who wrote
where, to how many readers, in which week. Cells are built by the same code as after an ingest."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from slopradar import aggregates
from slopradar.schema import (
    Conversation, DerivationEdge, FactLoss, Message, MessageScore, Nudge, Person, Source, Team,
)

MONDAY = date(2026, 1, 5)


def week(i: int, day: int = 1, hour: int = 10) -> datetime:
    """A time in the i-th week after 5 January 2026 (a Monday)."""
    return datetime.combine(MONDAY + timedelta(weeks=i, days=day), time(hour), UTC)


class SmallStore:
    """Builds a store: teams, people, conversations, messages (with optional scores), chains, nudges."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.s = Session(engine)
        now = datetime.now(UTC)
        self.s.add(Source(id=1, kind="test", name="small", state={}, created_at=now, updated_at=now))
        self.s.flush()
        self._n = 0

    def team(self, name: str, people: list[str]) -> str:
        tid = hashlib.sha1(name.encode()).hexdigest()[:10]
        self.s.add(Team(id=tid, name=name, origin="mapping"))
        self.s.flush()
        for p in people:
            self.s.add(Person(id=p, team_id=tid, first_seen=week(0)))
        self.s.flush()
        return tid

    def conversation(self, name: str, kind: str = "channel", members: list[str] | None = None) -> int:
        """A Slack conversation (channel, private, dm, mpim) or a mail folder (kind mail_folder)."""
        self._n += 1
        ns = "mail" if kind == "mail_folder" else "slack:T1"
        conv = Conversation(namespace=ns, native_id=f"C{self._n}", source_id=1, kind=kind, name=name,
                            member_count=len(members) if members else None, members=members or [])
        self.s.add(conv)
        self.s.flush()
        return conv.id  # type: ignore[return-value]

    def channel_where_all_write(self, name: str, members: list[str], weeks: range = range(1)) -> int:
        """A public channel whose members each write one plain message in each of `weeks`."""
        conv = self.conversation(name, members=members)
        for w in weeks:
            for p in members:
                self.message(conv, p, week(w))
        return conv

    def message(self, conv: int, author: str, sent_at: datetime, text: str = "A plain update about the work.",
                words: int | None = None, language: str = "en", recipients: list[str] | None = None,
                native_id: str | None = None, prob: float | None = None, bloat: float | None = None) -> int:
        self._n += 1
        m = Message(namespace="mail" if recipients is not None else "slack:T1", native_id=native_id or f"m{self._n}",
                    source_id=1, conversation_id=conv, author_id=author, sent_at=sent_at, kind="authored", text=text,
                    language=language, word_count=len(text.split()) if words is None else words,
                    content_hash=f"h{self._n}", meta={"recipients": recipients} if recipients is not None else {})
        self.s.add(m)
        self.s.flush()
        if prob is not None or bloat is not None:
            self.s.add(MessageScore(message_id=m.id, analyzer_version="test", content_hash=m.content_hash,
                                    ai_probability=prob, bloat=bloat, analyzed_at=week(0)))
        return m.id  # type: ignore[return-value]

    def copy(self, child: int, parent: int, root: int, depth: int = 1, relation: str = "forward",
             summary_of_summary: bool = False) -> None:
        self.s.add(DerivationEdge(child_id=child, parent_id=parent, relation=relation, confidence=0.9, similarity=0.8,
                                  compression=0.5, method="similarity", root_id=root, depth=depth,
                                  summary_of_summary=summary_of_summary))

    def fact(self, copy: int, root: int, kind: str, text: str, status: str, evidence: str = "") -> None:
        self.s.add(FactLoss(copy_id=copy, fact_key=f"{kind}:{text}:+", root_id=root, kind=kind, value=text, text=text,
                            critical=True, status=status, evidence=evidence))

    def nudge(self, person: str, message: int, sent_at: datetime, feedback: str | None = None) -> None:
        self.s.add(Nudge(person_id=person, message_id=message, kind="bloat", language="en", delivery="dm",
                         sent_at=sent_at, feedback=feedback))

    def done(self) -> Engine:
        self.s.commit()
        self.s.close()
        aggregates.refresh(self.engine)
        return self.engine
