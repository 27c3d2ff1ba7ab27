"""The only way manager views read the store. Privacy is enforced here, not in the UI
(docs/privacy.md):

- every figure is a sum of cells released under `min_group_size` (aggregates.release): each
  released unit has at least that many distinct authors, so neither a figure nor the difference
  of two figures (two periods a week apart, a team and its channels) can isolate fewer; on top of
  that, a group with fewer distinct authors is dropped, rows and totals alike;
- message text reaches a manager only where at least `min_group_size` people could read it and
  its author's team has that many authors (`_TextRule`); other chains are counts only;
- no function returns a person id, a per-person figure or a message of an opted-out person;
  `person_sums` (slopradar/audit_data.py, on this module's released cells and threshold) hands
  interval estimators unnamed per-person sums in a shuffled order, and nothing that reaches a page
  or a report is per person;
- pages read precomputed cells (slopradar/aggregates.py), never scan messages; every metric a group
  carries is computed from its sums by the registry (slopradar/metrics.py: `figures`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from . import aggregates, metrics
from .aggregates import ANY_LANGUAGE, week_start
from .metrics import READING_WPM as READING_WPM  # re-exported: figures read it here
from .schema import AggCell, AggTeamWeek, Conversation, Message, Person, Team


@dataclass(frozen=True)
class Filters:
    """A view's selection. Periods are whole weeks (cells start on Mondays): `start` and `end` snap
    to the Monday of their week; `end` is exclusive."""

    start: date | datetime | None = None
    end: date | datetime | None = None
    team_id: str | None = None
    channel: str | None = None
    language: str | None = None


_KEY_COLUMNS = ("min_group_size", "team_id", "week", "author_id")
_SUM_COLUMNS = tuple(n for n in AggTeamWeek.model_fields if n not in _KEY_COLUMNS)


def _released(engine: Engine, min_group_size: int) -> int:
    """The threshold views use, with its released cells built (on a threshold's first use). Never 0:
    cells under 0 are the raw ones."""
    k = max(1, int(min_group_size))
    aggregates.ensure_released(engine, k)
    return k


def _model(f: Filters, *need: str) -> Any:
    """The coarse team-week cells unless a channel or language is filtered on or grouped by."""
    fine = f.channel is not None or f.language is not None or bool({"channel", "language"} & set(need))
    return AggCell if fine else AggTeamWeek


def _select(m: Any, k: int, f: Filters, *columns: Any, by_channel: bool = False) -> Any:
    """SELECT columns FROM the cells released under k (+ team, + conversation when a channel is filtered
    on or grouped by) WHERE the filters hold."""
    q = select(*columns).select_from(m).join(Team, Team.id == m.team_id)
    if m is AggCell and (by_channel or f.channel is not None):
        # an inner join: cells pooled into "other channels" belong to no channel
        q = q.join(Conversation, Conversation.id == AggCell.conversation_id)
    cond: list[Any] = [m.min_group_size == k]
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
    k = _released(engine, min_group_size)
    m = _model(f, *group)
    cols = {"team_id": Team.id, "team": Team.name, "week": m.week, "channel": Conversation.name,
            "language": getattr(m, "language", None)}
    keys = [cols[g].label(g) for g in group]
    authors = sa.func.count(sa.distinct(m.author_id))
    q = _select(m, k, f, *keys, authors, *[sa.func.sum(getattr(m, c)) for c in _SUM_COLUMNS],
                by_channel="channel" in group)
    if "language" in group:  # a pool of several languages is no language
        q = q.where(AggCell.language != ANY_LANGUAGE)
    q = q.group_by(*keys).having(authors >= k).order_by(*keys)
    with Session(engine) as s:
        return [metrics.figures(dict(zip([*group, "authors", *_SUM_COLUMNS], row, strict=True))) for row in s.exec(q)]


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
    """Filter choices: only values under which some group reaches the threshold; channels are public
    channels released under their own name, never "other channels"."""
    out: dict[str, list[str]] = {"team": [r["team"] for r in team_summary(engine, min_group_size)]}
    k = _released(engine, min_group_size)
    with Session(engine) as s:
        for key in ("channel", "language"):
            out[key] = sorted({v for _team, v in s.exec(_option_values(k, key))})
        lo, hi = s.exec(select(sa.func.min(AggTeamWeek.week), sa.func.max(AggTeamWeek.week))
                        .where(AggTeamWeek.min_group_size == k)).one()
    out["weeks"] = [lo, hi] if lo else []
    return out


def _option_values(k: int, key: str) -> Any:
    """The values of `key` (channel or language) of the groups `_grouped(..., "team", key)` keeps over all weeks
    (the same groups, the same HAVING on distinct authors), without their sums: counted on the distinct (team,
    value, author) triples of the released cells, which an index on the cells reads without touching them
    (schema.AggCell). On 10^6 messages 0.2 s instead of 5 s."""
    value = AggCell.conversation_id if key == "channel" else AggCell.language
    triples = select(AggCell.team_id, value.label("value"), AggCell.author_id).where(AggCell.min_group_size == k)
    if key == "language":  # a pool of several languages is no language
        triples = triples.where(AggCell.language != ANY_LANGUAGE)
    d = triples.distinct().subquery()
    q = select(Team.name, Conversation.name if key == "channel" else d.c.value).select_from(d).join(
        Team, Team.id == d.c.team_id)
    if key == "channel":  # an inner join: cells pooled into "other channels" belong to no channel
        q = q.join(Conversation, Conversation.id == d.c.value)
    return q.group_by(*q.selected_columns).having(sa.func.count(sa.distinct(d.c.author_id)) >= k)


def store_version(engine: Engine) -> str:
    """Changes whenever the cells are rebuilt: a cache key for views."""
    from .aggregates import SIGNATURE_KEY
    from .schema import Meta

    with Session(engine) as s:
        row = s.get(Meta, SIGNATURE_KEY)
        return row.value if row else ""


def team_nudges(engine: Engine, min_group_size: int, f: Filters = Filters()) -> list[dict[str, Any]]:
    """Per team at or above the threshold (its authors in the period): nudges the bot sent, how many people
    marked "not helpful", and how many asked "why". Teams below the threshold are absent.

    Released like the cells: a team's week counts only when at least min_group_size of its people were
    nudged in it, so two periods a week apart never differ by the nudges of fewer people."""
    from .schema import Nudge

    k = _released(engine, min_group_size)
    shown = {r["team_id"]: r["team"] for r in team_summary(engine, k, Filters(f.start, f.end, f.team_id))}
    if not shown:
        return []
    cond: list[Any] = [Person.team_id.in_(list(shown)), Nudge.delivery != "failed"]  # type: ignore[union-attr]
    if f.start is not None:
        cond.append(Nudge.sent_at >= datetime.combine(week_start(f.start), datetime.min.time(), UTC))
    if f.end is not None:
        cond.append(Nudge.sent_at < datetime.combine(week_start(f.end), datetime.min.time(), UTC))
    q = select(Person.team_id, Nudge.person_id, Nudge.sent_at, Nudge.feedback).join(
        Person, Person.id == Nudge.person_id).where(*cond)
    weeks: dict[tuple[str, date], list[tuple[str, str | None]]] = {}
    with Session(engine) as s:
        for tid, person, sent_at, feedback in s.exec(q):
            weeks.setdefault((tid, week_start(sent_at)), []).append((person, feedback))
    totals = {tid: [0, 0, 0] for tid in shown}
    for (tid, _week), rows in weeks.items():
        if len({p for p, _ in rows}) < k:
            continue
        t = totals[tid]
        t[0] += len(rows)
        t[1] += sum(1 for _, fb in rows if fb == "not_helpful")
        t[2] += sum(1 for _, fb in rows if fb == "why")
    return [{"team": name, "nudges": totals[tid][0], "not_helpful": totals[tid][1], "asked_why": totals[tid][2]}
            for tid, name in sorted(shown.items(), key=lambda x: x[1])]


def teams(engine: Engine) -> list[dict[str, str]]:
    with Session(engine) as s:
        return [{"id": t.id, "name": t.name} for t in s.exec(select(Team).order_by(Team.name))]


# -- chains: every chain as counts, its text only where the text rule allows ------------------------
TEXT_NOT_SHOWN = "(text not shown: private or small audience)"
_PLACES = {"private": "private channel", "dm": "direct message", "mpim": "group DM", "mail_folder": "e-mail"}
# what `conversation` says for anything but a public channel (whose name it is)
PLACE_LABELS = frozenset({*_PLACES.values(), "private conversation", "unknown"})


@dataclass(frozen=True)
class _TextRule:
    """Whether a manager may read a message: at least k people could read it where it was posted (a public
    channel's members, a mail's recipients other than its author) and its author's team has at least k
    distinct authors. DMs, group DMs, private channels and an unknown audience never qualify."""

    k: int
    convs: dict[int, Conversation]
    team_of: dict[str, str | None]
    visible: dict[str, str]  # team id -> name, for teams with at least k distinct authors
    opted: set[str]

    @classmethod
    def load(cls, s: Session, k: int) -> _TextRule:
        return cls(k, {c.id: c for c in s.exec(select(Conversation))},  # type: ignore[misc]
                   dict(s.exec(select(Person.id, Person.team_id)).all()), _visible_teams(s, k),
                   set(s.exec(select(Person.id).where(Person.opted_out)).all()))

    def audience(self, m: Message) -> int | None:
        conv = self.convs.get(m.conversation_id)
        if conv is None:
            return None
        if conv.kind == "channel":
            return conv.member_count
        if conv.kind == "mail_folder":
            return len(set((m.meta or {}).get("recipients") or []) - {m.author_id})
        return None

    def shows(self, m: Message) -> bool:
        n = self.audience(m)
        return n is not None and n >= self.k and self.team_of.get(m.author_id) in self.visible  # type: ignore[arg-type,operator]

    def team(self, m: Message) -> str | None:
        return self.visible.get(self.team_of.get(m.author_id))  # type: ignore[arg-type]

    def place(self, m: Message) -> str:
        """A public channel's name; otherwise only the kind of place (mail folder names can hold names)."""
        conv = self.convs.get(m.conversation_id)
        if conv is None:
            return "unknown"
        return conv.name if conv.kind == "channel" else _PLACES.get(conv.kind, "private conversation")

    def when(self, m: Message, shown: bool) -> str:
        return m.sent_at.isoformat(timespec="minutes") if shown else m.sent_at.date().isoformat()


def _visible_teams(s: Session, k: int) -> dict[str, str]:
    """Team id -> name for teams with at least k distinct authors in the released cells: a smaller team's
    name next to a message would point at its author (people who never wrote do not count)."""
    authors = sa.func.count(sa.distinct(AggTeamWeek.author_id))
    q = (select(Team.id, Team.name).join(AggTeamWeek, AggTeamWeek.team_id == Team.id)
         .where(AggTeamWeek.min_group_size == k).group_by(Team.id, Team.name).having(authors >= k))
    return dict(s.exec(q).all())


def chains_overview(engine: Engine, min_group_size: int, f: Filters = Filters(),
                    with_facts: bool = False) -> list[dict[str, Any]]:
    """Announcements with copies: root, copies, deepest hop, summaries of summaries, critical facts lost.

    Every chain is listed with its counts; the root's excerpt, text and the wording of its facts only
    when the text rule allows it (`text_shown`), else TEXT_NOT_SHOWN and facts by kind. No author appears,
    only teams with enough authors. Filters: the root's week is in the period; with a team, only chains
    with a copy written in that team, and only those copies count.
    """
    from .schema import DerivationEdge, FactLoss

    k = _released(engine, min_group_size)
    with Session(engine) as s:
        rule = _TextRule.load(s, k)
        edges = s.exec(select(DerivationEdge)).all()
        ids = {e.child_id for e in edges} | {e.root_id for e in edges}
        msgs = {m.id: m for m in s.exec(select(Message).where(Message.id.in_(ids)))} if ids else {}  # type: ignore[union-attr]
        losses: dict[int, list[Any]] = {}
        for fl in s.exec(select(FactLoss).where(FactLoss.critical, FactLoss.status != "kept")):
            losses.setdefault(fl.copy_id, []).append(fl)
    by_root: dict[int, list[Any]] = {}
    for e in edges:
        child = msgs.get(e.child_id)
        if child is None or child.author_id in rule.opted:
            continue
        if f.team_id is not None and rule.team_of.get(child.author_id) != f.team_id:  # type: ignore[arg-type]
            continue
        by_root.setdefault(e.root_id, []).append(e)
    out = []
    for rid, copies in sorted(by_root.items()):
        root = msgs.get(rid)
        if root is None or root.author_id in rule.opted or not _in_period(root.sent_at, f):
            continue
        lost = [fl for e in copies for fl in losses.get(e.child_id, [])]
        row = _chain_row(root, copies, [msgs[e.child_id] for e in copies], lost, rule)
        if with_facts:
            row["root_text"] = (root.text or "") if row["text_shown"] else None
            row["facts_lost"] = _facts_lost(lost, row["text_shown"])
        out.append(row)
    return out


def _in_period(sent_at: datetime, f: Filters) -> bool:
    week = week_start(sent_at)
    before = f.start is not None and week < week_start(f.start)
    return not before and (f.end is None or week < week_start(f.end))


def _chain_row(root: Message, copies: list[Any], children: list[Message], lost: list[Any],
               rule: _TextRule) -> dict[str, Any]:
    shown = rule.shows(root)
    return {
        "root_id": root.id, "sent_at": rule.when(root, shown), "conversation": rule.place(root),
        "root_team": rule.team(root), "text_shown": shown,
        "excerpt": (root.text or "")[:90] if shown else TEXT_NOT_SHOWN,
        "copies": len(copies), "max_depth": max(e.depth for e in copies),
        "summary_of_summary": sum(e.summary_of_summary for e in copies),
        "critical_lost": sum(1 for fl in lost if fl.status == "lost"),
        "critical_distorted": sum(1 for fl in lost if fl.status == "distorted"),
        "teams_reached": sorted({t for m in children if (t := rule.team(m))}),
    }


def _facts_lost(lost: list[Any], shown: bool) -> list[tuple[str, str, str]]:
    """(kind, wording, status) of each root fact lost or distorted in some copy; without the root's text,
    one entry per fact with its kind only (its wording is the root's text)."""
    if shown:
        return sorted({(fl.kind, fl.text, fl.status) for fl in lost})
    return sorted((kind, TEXT_NOT_SHOWN, status) for _key, kind, status in {(fl.fact_key, fl.kind, fl.status)
                                                                           for fl in lost})


def chain_tree(engine: Engine, root_id: int, min_group_size: int) -> dict[str, object] | None:
    """One chain as a tree: each copy's team, place, time, depth, relation and facts lost or distorted.

    A node's text, and the evidence of its facts, only where the text rule allows it for that message
    (`text_shown`), else None and ""; a fact's wording only where it allows the root. Copies by people
    who opted out are left out, with everything below them. None when root_id starts no chain."""
    from .schema import DerivationEdge, FactLoss

    k = _released(engine, min_group_size)
    with Session(engine) as s:
        rule = _TextRule.load(s, k)
        edges = s.exec(select(DerivationEdge).where(DerivationEdge.root_id == root_id)).all()
        root = s.get(Message, root_id)
        if root is None or root.author_id in rule.opted or not edges:
            return None
        ids = [root_id, *(e.child_id for e in edges)]
        msgs = {m.id: m for m in s.exec(select(Message).where(Message.id.in_(ids)))}  # type: ignore[union-attr]
        facts: dict[int, list[Any]] = {}
        copies = FactLoss.copy_id.in_(ids[1:])  # type: ignore[attr-defined]
        q = select(FactLoss).where(copies, FactLoss.status != "kept")
        for fl in s.exec(q):
            facts.setdefault(fl.copy_id, []).append(fl)
    root_shown = rule.shows(root)
    nodes: dict[int, dict[str, Any]] = {root_id: _node(root, rule) | {"depth": 0, "relation": None, "facts": []}}
    for e in sorted(edges, key=lambda e: e.depth):
        m = msgs.get(e.child_id)
        if m is None or m.author_id in rule.opted:
            continue
        node = _node(m, rule)
        nodes[e.child_id] = node | {
            "depth": e.depth, "relation": e.relation, "confidence": e.confidence,
            "summary_of_summary": e.summary_of_summary,
            "facts": [{"kind": fl.kind, "status": fl.status, "critical": fl.critical,
                       "text": fl.text if root_shown else None, "evidence": fl.evidence if node["text_shown"] else ""}
                      for fl in sorted(facts.get(e.child_id, []), key=lambda fl: fl.fact_key)]}
    for e in sorted(edges, key=lambda e: (e.depth, e.child_id)):
        if e.parent_id in nodes and e.child_id in nodes:
            nodes[e.parent_id]["children"].append(nodes[e.child_id])
    return nodes[root_id]


def _node(m: Message, rule: _TextRule) -> dict[str, Any]:
    shown = rule.shows(m)
    return {"id": m.id, "team": rule.team(m), "conversation": rule.place(m), "sent_at": rule.when(m, shown),
            "text_shown": shown, "text": (m.text or "") if shown else None, "children": []}
