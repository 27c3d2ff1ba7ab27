"""The only way manager views read the store. Privacy is enforced here, not in the UI:

- every result is grouped by team (or team x channel, team x week); a group with fewer distinct
  authors than `min_group_size` is dropped entirely, rows and totals alike, so nothing can be
  recovered by subtraction;
- no function returns a person id, a per-person figure or a message of an opted-out person;
  `person_sums` hands interval estimators unnamed per-person sums in a shuffled order, and
  nothing that reaches a page or a report is per person;
- pages read precomputed cells (slopradar/aggregates.py), never scan messages.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from .aggregates import week_start
from .records import READING_WPM as _WPM
from .schema import AggCell, AggTeamWeek, Conversation, Message, Person, Team

# Team figures use English reading speed (records.READING_WPM has its source).
READING_WPM = _WPM["en"]


@dataclass(frozen=True)
class Filters:
    """A view's selection. Periods are whole weeks (cells start on Mondays): `start` and `end` snap
    to the Monday of their week; `end` is exclusive."""

    start: date | datetime | None = None
    end: date | datetime | None = None
    team_id: str | None = None
    channel: str | None = None
    language: str | None = None


_SUM_COLUMNS = tuple(n for n in AggTeamWeek.model_fields if n not in ("team_id", "week", "author_id"))


def _model(f: Filters, *need: str) -> Any:
    """The coarse team-week cells unless a channel or language is filtered on or grouped by."""
    fine = f.channel is not None or f.language is not None or bool({"channel", "language"} & set(need))
    return AggCell if fine else AggTeamWeek


def _select(m: Any, f: Filters, *columns: Any) -> Any:
    """SELECT columns FROM cells (+ team, + conversation for fine cells) WHERE the filters hold."""
    q = select(*columns).select_from(m).join(Team, Team.id == m.team_id)
    if m is AggCell:
        q = q.join(Conversation, Conversation.id == AggCell.conversation_id)
    cond: list[Any] = []
    if f.start is not None:
        cond.append(m.week >= week_start(f.start).isoformat())
    if f.end is not None:
        cond.append(m.week < week_start(f.end).isoformat())
    if f.team_id is not None:
        cond.append(m.team_id == f.team_id)
    if f.channel is not None:
        cond.append(Conversation.name == f.channel)
    if f.language is not None:
        cond.append(AggCell.language == f.language)
    return q.where(*cond)


def _grouped(engine: Engine, min_group_size: int, f: Filters, *group: str) -> list[dict[str, Any]]:
    """Sums over cells grouped by `group` (team_id, team, week, channel, language); groups with fewer
    distinct authors are dropped in SQL, before anything else sees them."""
    m = _model(f, *group)
    cols = {"team_id": Team.id, "team": Team.name, "week": m.week, "channel": Conversation.name,
            "language": getattr(m, "language", None)}
    keys = [cols[g].label(g) for g in group]
    authors = sa.func.count(sa.distinct(m.author_id))
    q = (_select(m, f, *keys, authors, *[sa.func.sum(getattr(m, c)) for c in _SUM_COLUMNS])
         .group_by(*keys).having(authors >= min_group_size).order_by(*keys))
    with Session(engine) as s:
        return [_metrics(dict(zip([*group, "authors", *_SUM_COLUMNS], row, strict=True))) for row in s.exec(q)]


def _metrics(r: dict[str, Any]) -> dict[str, Any]:
    """Derived figures from summed cells (ratios are None when their denominator is empty)."""
    def ratio(a: str, b: str) -> float | None:
        return float(r[a]) / r[b] if r[b] else None

    crit = r["crit_kept"] + r["crit_lost"] + r["crit_distorted"]
    return r | {
        "reading_hours": r["reading_seconds"] / 3600,
        "padding_hours": r["padding_words"] / READING_WPM / 60,
        "mean_bloat": ratio("bloat_sum", "bloat_n"),
        "ai_mean": ratio("prob_sum", "scored"),
        "survival": r["crit_kept"] / crit if crit else None,
        "critical_facts": crit,
        "thread_length": ratio("thread_messages", "threads"),
    }


def team_summary(engine: Engine, min_group_size: int, f: Filters = Filters()) -> list[dict[str, Any]]:
    """Per team at or above the threshold: volume, reading time, bloat, AI-likeness, chains, fact survival."""
    return _grouped(engine, min_group_size, f, "team_id", "team")


def team_weekly(engine: Engine, min_group_size: int, f: Filters = Filters()) -> list[dict[str, Any]]:
    """The same per team and week; a team-week with too few authors is dropped."""
    return _grouped(engine, min_group_size, f, "week", "team")


def team_channels(engine: Engine, min_group_size: int, f: Filters = Filters()) -> list[dict[str, Any]]:
    """Per team and channel (the team's own authors in it): a pair with too few authors is dropped."""
    return _grouped(engine, min_group_size, f, "team", "channel")


def options(engine: Engine, min_group_size: int) -> dict[str, list[str]]:
    """Filter choices: only values under which some group reaches the threshold."""
    out: dict[str, list[str]] = {"team": [r["team"] for r in team_summary(engine, min_group_size)]}
    for key in ("channel", "language"):
        out[key] = sorted({r[key] for r in _grouped(engine, min_group_size, Filters(), "team", key)})
    with Session(engine) as s:
        lo, hi = s.exec(select(sa.func.min(AggTeamWeek.week), sa.func.max(AggTeamWeek.week))).one()
    out["weeks"] = [lo, hi] if lo else []
    return out


def store_version(engine: Engine) -> str:
    """Changes whenever the cells are rebuilt: a cache key for views."""
    from .aggregates import SIGNATURE_KEY
    from .schema import Meta

    with Session(engine) as s:
        row = s.get(Meta, SIGNATURE_KEY)
        return row.value if row else ""


def person_sums(engine: Engine, min_group_size: int, periods: list[Filters],
                columns: tuple[str, ...] = _SUM_COLUMNS) -> dict[str, dict[str, Any]]:
    """For interval estimators only: per team, the sums of each person in each period, as arrays whose
    rows are the same (unnamed) people across periods, in an arbitrary order. No id leaves this function.

    A team is returned when it reaches the threshold in at least one period; `authors[i]` says whether
    period i has enough authors on its own (the caller must then show no figure, and no count).
    The "" key holds the organisation: every returned team together (never people of smaller teams,
    so a total minus the teams shown recovers nothing).
    """
    import numpy as np

    by_team: dict[str, dict[str, list[dict[str, float]]]] = {}
    with Session(engine) as s:
        for i, f in enumerate(periods):
            m = _model(f)
            q = (_select(m, f, Team.name, m.author_id, *[sa.func.sum(getattr(m, c)) for c in columns])
                 .group_by(Team.name, m.author_id))
            for team, author, *sums in s.exec(q):
                row = by_team.setdefault(team, {}).setdefault(author, [{} for _ in periods])
                row[i] = dict(zip(columns, sums, strict=True))
    out: dict[str, dict[str, Any]] = {}
    org: dict[str, list[dict[str, float]]] = {}
    for team in sorted(by_team):
        people = by_team[team]
        counts = [sum(1 for p in people.values() if p[i]) for i in range(len(periods))]
        ok = [n >= min_group_size for n in counts]
        if not any(ok):
            continue
        org.update({f"{team}/{a}": v for a, v in people.items()})
        out[team] = _arrays(people, columns, len(periods), ok, np)
    if org:
        counts = [sum(1 for p in org.values() if p[i]) for i in range(len(periods))]
        out[""] = _arrays(org, columns, len(periods), [n >= min_group_size for n in counts], np)
    return out


def _arrays(people: dict[str, list[dict[str, float]]], columns: tuple[str, ...], n: int, ok: list[bool],
            np: Any) -> dict[str, Any]:
    rows = [people[k] for k in sorted(people, key=lambda k: hashlib.sha256(k.encode()).hexdigest())]
    return {"enough_authors": ok,
            "periods": [{c: np.array([float(r[i].get(c) or 0.0) for r in rows]) for c in columns}
                        | {"active": np.array([1.0 if r[i] else 0.0 for r in rows])} for i in range(n)]}


def ai_tokens(engine: Engine, min_group_size: int, f: Filters, per_word_en: float,
              per_word_other: float) -> dict[str, tuple[float, float]]:
    """Per team at or above the threshold: expected tokens generated by AI (probability-weighted words of
    its messages) and expected input tokens of its AI summaries (their parents' words), for the footprint."""
    m = _model(f)
    authors = sa.func.count(sa.distinct(m.author_id))

    def tokens(total: Any, en: Any) -> Any:
        return sa.func.sum(en * per_word_en + (total - en) * per_word_other)

    q = (_select(m, f, Team.name, tokens(m.ai_words, m.ai_words_en),
                 tokens(m.summary_in_words, m.summary_in_words_en))
         .group_by(Team.name).having(authors >= min_group_size))
    with Session(engine) as s:
        return {t: (float(o or 0), float(i or 0)) for t, o, i in s.exec(q)}


def team_nudges(engine: Engine, min_group_size: int, f: Filters = Filters()) -> list[dict[str, Any]]:
    """Per team at or above the threshold (its authors in the period): nudges the bot sent, how many people
    marked "not helpful", and how many asked "why". Teams below the threshold are absent."""
    from .schema import Nudge

    shown = {r["team_id"]: r["team"] for r in team_summary(engine, min_group_size, Filters(f.start, f.end, f.team_id))}
    if not shown:
        return []
    cond: list[Any] = [Person.team_id.in_(list(shown)), Nudge.delivery != "failed"]  # type: ignore[union-attr]
    if f.start is not None:
        cond.append(Nudge.sent_at >= datetime.combine(week_start(f.start), datetime.min.time(), UTC))
    if f.end is not None:
        cond.append(Nudge.sent_at < datetime.combine(week_start(f.end), datetime.min.time(), UTC))
    q = (select(Person.team_id, sa.func.count(Nudge.id),
                sa.func.sum(sa.case((Nudge.feedback == "not_helpful", 1), else_=0)),
                sa.func.sum(sa.case((Nudge.feedback == "why", 1), else_=0)))
         .join(Person, Person.id == Nudge.person_id).where(*cond).group_by(Person.team_id))
    with Session(engine) as s:
        rows = {tid: (n, nh or 0, why or 0) for tid, n, nh, why in s.exec(q)}
    return [{"team": name, "nudges": rows.get(tid, (0, 0, 0))[0], "not_helpful": rows.get(tid, (0, 0, 0))[1],
             "asked_why": rows.get(tid, (0, 0, 0))[2]} for tid, name in sorted(shown.items(), key=lambda x: x[1])]


def teams(engine: Engine) -> list[dict[str, str]]:
    with Session(engine) as s:
        return [{"id": t.id, "name": t.name} for t in s.exec(select(Team).order_by(Team.name))]


def chains_overview(engine: Engine, min_group_size: int, f: Filters = Filters(),
                    with_facts: bool = False) -> list[dict[str, Any]]:
    """Announcements with copies: root, copies, deepest hop, summaries of summaries, critical facts lost.

    A chain is listed only if its root went to a group (its conversation's members, or the whole
    workspace) of at least min_group_size people, and only its copies sent to such groups count;
    no author appears, only teams. Filters: the root's week is in the period; with a team, only
    chains with a copy written in that team, and only those copies count.
    """
    from .schema import DerivationEdge, FactLoss

    with Session(engine) as s:
        convs = {c.id: c for c in s.exec(select(Conversation))}
        edges = s.exec(select(DerivationEdge)).all()
        ids = {e.child_id for e in edges} | {e.root_id for e in edges}
        msgs = {m.id: m for m in s.exec(select(Message).where(Message.id.in_(ids)))} if ids else {}  # type: ignore[union-attr]
        team_of = dict(s.exec(select(Person.id, Person.team_id)).all())
        team_names = _visible_teams(s, min_group_size)
        opted = set(s.exec(select(Person.id).where(Person.opted_out)).all())
        losses: dict[int, list[Any]] = {}
        for fl in s.exec(select(FactLoss).where(FactLoss.critical, FactLoss.status != "kept")):
            losses.setdefault(fl.copy_id, []).append(fl)
    by_root: dict[int, list[Any]] = {}
    for e in edges:
        child = msgs.get(e.child_id)
        if child is None or child.author_id in opted or _small(convs.get(child.conversation_id), min_group_size):
            continue
        if f.team_id is not None and team_of.get(child.author_id) != f.team_id:
            continue
        by_root.setdefault(e.root_id, []).append(e)
    out = []
    for rid, copies in sorted(by_root.items()):
        root = msgs.get(rid)
        conv = convs.get(root.conversation_id) if root else None
        if root is None or conv is None or root.author_id in opted or _small(conv, min_group_size):
            continue
        week = week_start(root.sent_at)
        if (f.start is not None and week < week_start(f.start)) or (f.end is not None and week >= week_start(f.end)):
            continue
        lost = [fl for e in copies for fl in losses.get(e.child_id, [])]
        row: dict[str, Any] = {
            "root_id": rid, "sent_at": root.sent_at.isoformat(timespec="minutes"), "conversation": conv.name,
            "root_team": team_names.get(team_of.get(root.author_id)),  # type: ignore[arg-type]
            "excerpt": (root.text or "")[:90], "copies": len(copies), "max_depth": max(e.depth for e in copies),
            "summary_of_summary": sum(e.summary_of_summary for e in copies),
            "critical_lost": sum(1 for fl in lost if fl.status == "lost"),
            "critical_distorted": sum(1 for fl in lost if fl.status == "distorted"),
            "teams_reached": sorted({team_names[t] for e in copies
                                     if (t := team_of.get(msgs[e.child_id].author_id)) in team_names}),
        }
        if with_facts:
            row["root_text"] = root.text or ""
            row["facts_lost"] = sorted({(fl.kind, fl.text, fl.status) for fl in lost})
        out.append(row)
    return out


def _visible_teams(s: Session, min_group_size: int) -> dict[str, str]:
    """Team id -> name for teams with at least min_group_size people: a smaller team's name next to a
    message would point at its author, so such messages are shown without a team."""
    q = (select(Team.id, Team.name).join(Person, Person.team_id == Team.id).where(Person.is_bot == sa.false())
         .group_by(Team.id, Team.name).having(sa.func.count(Person.id) >= min_group_size))
    return dict(s.exec(q).all())


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

        visible = _visible_teams(s, min_group_size)

        def describe(mid: int) -> dict[str, object]:
            m = s.get(Message, mid)
            conv = s.get(Conversation, m.conversation_id)
            person = s.get(Person, m.author_id) if m.author_id else None
            team = visible.get(person.team_id) if person and person.team_id else None
            return {"id": mid, "native_id": m.native_id, "team": team,
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
