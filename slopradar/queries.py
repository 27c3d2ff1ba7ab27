"""The only way manager views read the store. Privacy is enforced here, not in the UI:

- every result is grouped by team (or team x channel, team x week); a group with fewer distinct
  authors than `min_group_size` is dropped entirely, rows and totals alike, so nothing can be
  recovered by subtraction;
- no function returns a person id, a per-person figure or a message of an opted-out person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from .records import READING_WPM as _WPM
from .schema import Conversation, Message, Person, Team

# Team figures use English reading speed (records.READING_WPM has its source).
READING_WPM = _WPM["en"]


@dataclass(frozen=True)
class Filters:
    start: datetime | None = None
    end: datetime | None = None
    team_id: str | None = None
    channel: str | None = None


def _authored(f: Filters) -> list[sa.ColumnElement[bool]]:
    cond: list[sa.ColumnElement[bool]] = [
        Message.kind == "authored", Message.deleted == sa.false(), Person.opted_out == sa.false(),
    ]
    if f.start is not None:
        cond.append(Message.sent_at >= f.start)
    if f.end is not None:
        cond.append(Message.sent_at < f.end)
    if f.team_id is not None:
        cond.append(Person.team_id == f.team_id)
    if f.channel is not None:
        cond.append(Conversation.name == f.channel)
    return cond


def _latest_analyzer_version(s: Session) -> str | None:
    """The analyzer version of the most recent scores: manager figures never mix versions."""
    from .schema import MessageScore

    return s.exec(select(MessageScore.analyzer_version)
                  .order_by(MessageScore.analyzed_at.desc()).limit(1)).first()  # type: ignore[union-attr]


def teams(engine: Engine) -> list[dict[str, str]]:
    with Session(engine) as s:
        return [{"id": t.id, "name": t.name} for t in s.exec(select(Team).order_by(Team.name))]


def team_volume(engine: Engine, min_group_size: int, f: Filters = Filters()) -> list[dict[str, object]]:
    """Per team: messages, words, distinct authors and reading time, for groups at or above the threshold."""
    with Session(engine) as s:
        q = (
            select(Team.id, Team.name, sa.func.count(Message.id), sa.func.sum(Message.word_count),
                   sa.func.count(sa.distinct(Message.author_id)))
            .join(Person, Person.id == Message.author_id)
            .join(Team, Team.id == Person.team_id)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(*_authored(f))
            .group_by(Team.id, Team.name)
            .having(sa.func.count(sa.distinct(Message.author_id)) >= min_group_size)
            .order_by(Team.name)
        )
        return [
            {"team_id": tid, "team": name, "messages": n, "words": int(w or 0), "authors": a,
             "reading_hours": round((w or 0) / READING_WPM / 60, 2)}
            for tid, name, n, w, a in s.exec(q)
        ]


def team_weekly(engine: Engine, min_group_size: int, f: Filters = Filters()) -> list[dict[str, object]]:
    """Per team and ISO week: messages and words; a team-week with too few authors is dropped."""
    with Session(engine) as s:
        rows = s.exec(
            select(Team.name, Message.sent_at, Message.word_count, Message.author_id)
            .join(Person, Person.id == Message.author_id)
            .join(Team, Team.id == Person.team_id)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(*_authored(f))
        ).all()
    groups: dict[tuple[str, str], dict[str, object]] = {}
    for team, sent_at, words, author in rows:
        y, w, _ = sent_at.isocalendar()
        key = (team, f"{y}-W{w:02d}")
        g = groups.setdefault(key, {"team": team, "week": key[1], "messages": 0, "words": 0, "_authors": set()})
        g["messages"] = int(g["messages"]) + 1  # type: ignore[call-overload]
        g["words"] = int(g["words"]) + int(words or 0)  # type: ignore[call-overload]
        g["_authors"].add(author)  # type: ignore[union-attr]
    out = []
    for g in sorted(groups.values(), key=lambda g: (g["week"], g["team"])):
        if len(g.pop("_authors")) >= min_group_size:  # type: ignore[arg-type]
            out.append(g)
    return out


def team_scores(engine: Engine, min_group_size: int, f: Filters = Filters(),
                adoption_date: datetime | None = None) -> dict[str, dict[str, list]]:
    """Per team passing the threshold: AI probabilities with their author keys, split into messages
    from before the adoption date (the team's human baseline) and the rest. For estimators only:
    the author keys let them resample people; nothing here is shown per person."""
    from .schema import MessageScore

    with Session(engine) as s:
        latest = _latest_analyzer_version(s)
        if latest is None:
            return {}
        cond = _authored(Filters(f.start if adoption_date is None else None, f.end, f.team_id, f.channel))
        rows = s.exec(
            select(Team.name, Message.author_id, Message.sent_at, MessageScore.ai_probability)
            .join(MessageScore, MessageScore.message_id == Message.id)
            .join(Person, Person.id == Message.author_id)
            .join(Team, Team.id == Person.team_id)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(*cond, MessageScore.analyzer_version == latest, MessageScore.ai_probability.is_not(None))  # type: ignore[union-attr]
        ).all()
    out: dict[str, dict[str, list]] = {}
    for team, author, sent_at, p in rows:
        g = out.setdefault(team, {"probs": [], "authors": [], "baseline_probs": [], "baseline_authors": []})
        if adoption_date is not None and sent_at < adoption_date:
            g["baseline_probs"].append(p)
            g["baseline_authors"].append(author)
        elif f.start is None or sent_at >= f.start:
            g["probs"].append(p)
            g["authors"].append(author)
    return {t: g for t, g in out.items() if len(set(g["authors"])) >= min_group_size}


def chains_overview(engine: Engine, min_group_size: int) -> list[dict[str, object]]:
    """Announcements with copies: root, copies, deepest hop, summaries of summaries, critical facts lost.
    A chain is listed only if its root went to a group (its conversation's members, or the whole
    workspace) of at least min_group_size people; no author appears, only teams."""
    from .schema import DerivationEdge, FactLoss

    with Session(engine) as s:
        edges = s.exec(select(DerivationEdge)).all()
        roots = sorted({e.root_id for e in edges})
        out = []
        for rid in roots:
            root = s.get(Message, rid)
            conv = s.get(Conversation, root.conversation_id) if root else None
            if root is None or _small(conv, min_group_size):
                continue
            copies = [e for e in edges if e.root_id == rid]
            losses = s.exec(select(FactLoss).where(FactLoss.root_id == rid, FactLoss.critical)).all()
            out.append({
                "root_id": rid, "sent_at": root.sent_at.isoformat(timespec="minutes"), "conversation": conv.name,
                "excerpt": (root.text or "")[:90], "copies": len(copies), "max_depth": max(e.depth for e in copies),
                "summary_of_summary": sum(e.summary_of_summary for e in copies),
                "critical_lost": sum(1 for f in losses if f.status == "lost"),
                "critical_distorted": sum(1 for f in losses if f.status == "distorted"),
            })
        return out


def _small(conv: Conversation | None, min_group_size: int) -> bool:
    return conv is None or (conv.member_count is not None and conv.member_count < min_group_size
                            and conv.kind != "mail_folder")


def chain_tree(engine: Engine, root_id: int, min_group_size: int) -> dict[str, object] | None:
    """One chain as a tree: each copy's team, conversation, time, depth, relation and facts lost or distorted.
    A copy sent to a conversation smaller than min_group_size is left out, with everything below it."""
    from .schema import DerivationEdge, FactLoss

    with Session(engine) as s:
        root = s.get(Message, root_id)
        if root is None or _small(s.get(Conversation, root.conversation_id), min_group_size):
            return None
        edges = [e for e in s.exec(select(DerivationEdge).where(DerivationEdge.root_id == root_id))
                 if not _small(s.get(Conversation, s.get(Message, e.child_id).conversation_id), min_group_size)]

        def describe(mid: int) -> dict[str, object]:
            m = s.get(Message, mid)
            conv = s.get(Conversation, m.conversation_id)
            person = s.get(Person, m.author_id) if m.author_id else None
            team = s.get(Team, person.team_id) if person and person.team_id else None
            return {"id": mid, "native_id": m.native_id, "team": team.name if team else None,
                    "conversation": conv.name if conv else None, "sent_at": m.sent_at.isoformat(timespec="minutes"),
                    "text": m.text or ""}

        nodes = {root_id: describe(root_id) | {"depth": 0, "relation": None, "children": [], "facts": []}}
        for e in sorted(edges, key=lambda e: e.depth):
            facts = s.exec(select(FactLoss).where(FactLoss.copy_id == e.child_id)).all()
            nodes[e.child_id] = describe(e.child_id) | {
                "depth": e.depth, "relation": e.relation, "confidence": e.confidence, "children": [],
                "summary_of_summary": e.summary_of_summary,
                "facts": [{"kind": f.kind, "text": f.text, "status": f.status, "critical": f.critical,
                           "evidence": f.evidence} for f in facts if f.status != "kept"]}
        for e in sorted(edges, key=lambda e: (e.depth, e.child_id)):
            if e.parent_id in nodes and e.child_id in nodes:
                nodes[e.parent_id]["children"].append(nodes[e.child_id])  # type: ignore[union-attr]
        return nodes[root_id]


def team_bloat(engine: Engine, min_group_size: int, f: Filters = Filters()) -> list[dict[str, object]]:
    """Per team: mean bloat score, and reading time of its messages split into core and padding
    (the words outside each message's core sentences), for teams at or above the threshold."""
    from .schema import MessageScore

    with Session(engine) as s:
        latest = _latest_analyzer_version(s)
        if latest is None:
            return []
        q = (
            select(Team.name, sa.func.count(sa.distinct(Message.author_id)), sa.func.avg(MessageScore.bloat),
                   sa.func.sum(MessageScore.reading_seconds),
                   sa.func.sum(sa.case((MessageScore.core_words.is_not(None),  # type: ignore[union-attr]
                                        Message.word_count - MessageScore.core_words), else_=0)))
            .join(MessageScore, MessageScore.message_id == Message.id)
            .join(Person, Person.id == Message.author_id)
            .join(Team, Team.id == Person.team_id)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(*_authored(f), MessageScore.analyzer_version == latest)
            .group_by(Team.name)
            .having(sa.func.count(sa.distinct(Message.author_id)) >= min_group_size)
            .order_by(Team.name)
        )
        return [{"team": t, "mean_bloat": round(float(b or 0), 3), "reading_hours": round((secs or 0) / 3600, 2),
                 "padding_hours": round(max(0, pad or 0) / READING_WPM / 60, 2)}
                for t, _n, b, secs, pad in s.exec(q)]
