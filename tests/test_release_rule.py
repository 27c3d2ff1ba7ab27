"""The release rule (docs/privacy.md): no released figure, and no difference between two released
figures, isolates fewer than min_group_size distinct authors (issue 14, finding 2)."""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select

from slopradar import audit_data
from slopradar import aggregates, queries
from slopradar.queries import Filters
from slopradar.schema import AggCell, Conversation, Message, Team
from slopradar.store import open_store
from tests.small_store import MONDAY, SmallStore, week


def monday(i: int) -> date:
    return MONDAY + timedelta(weeks=i)


# -- the two examples ------------------------------------------------------------------------
def test_two_periods_a_week_apart_do_not_isolate_the_one_author_of_the_last_week(engine):
    """5 Jan-12 Apr minus 5 Jan-5 Apr gave one author's three messages, words, AI and bloat sums."""
    b = SmallStore(engine)
    people = [f"ops{i}" for i in range(6)]
    ops = b.team("Ops", people)
    chan = b.conversation("ops", members=people + [f"x{i}" for i in range(10)])
    for w in range(13):  # 5 January to 5 April: everyone writes every week
        for p in people:
            b.message(chan, p, week(w), prob=0.2, bloat=0.1)
    for h in range(3):  # 6-12 April: one author alone
        b.message(chan, "ops0", week(13, hour=9 + h), text="Long polished update " * 20, prob=0.95, bloat=0.8)
    b.done()
    longer = queries.team_summary(engine, 5, Filters(monday(0), date(2026, 4, 13), ops))
    shorter = queries.team_summary(engine, 5, Filters(monday(0), date(2026, 4, 6), ops))
    assert len(longer) == len(shorter) == 1
    for col in ("messages", "words", "prob_sum", "bloat_sum", "reading_seconds"):
        assert longer[0][col] == pytest.approx(shorter[0][col]), col
    assert date(2026, 4, 6).isoformat() not in {r["week"] for r in queries.team_weekly(engine, 5, Filters(team_id=ops))}


def test_a_team_total_minus_its_channels_does_not_isolate_a_three_author_channel(engine):
    b = SmallStore(engine)
    people = [f"s{i}" for i in range(5)]
    sales = b.team("Sales", people)
    main = b.conversation("sales", members=people + ["x1", "x2"])
    deals = b.conversation("deals", members=people)
    for w in range(4):
        for p in people:
            b.message(main, p, week(w))
        for p in people[:3]:  # three of them also write in #deals
            b.message(deals, p, week(w, hour=15), text="Deal review numbers " * 5, prob=0.9)
    b.done()
    total = queries.team_summary(engine, 5, Filters(team_id=sales))[0]
    channels = queries.team_channels(engine, 5, Filters(team_id=sales))
    assert {r["channel"] for r in channels} == {"sales"}
    for col in ("messages", "words", "prob_sum"):
        assert total[col] == pytest.approx(sum(r[col] for r in channels)), col
    assert "deals" not in queries.options(engine, 5)["channel"]
    assert not queries.team_summary(engine, 5, Filters(channel="deals"))


# -- the adversarial test: every pair of views one week, one channel or one filter value apart --------
def _hostile_store(engine, k: int, seed: int) -> dict[int, tuple[str, str, int, str, str]]:
    """Teams around the threshold writing in channels of every kind, each raw cell (team, week, conversation,
    language, author) holding one message whose word count is a distinct power of two (below 2**52): the words of any
    released figure then say exactly which cells it adds up. Returns bit -> cell."""
    rng = random.Random(seed)
    b = SmallStore(engine)
    sizes = {"Big": k + 2, "Edge": k, "Small": k - 1}
    teams = {name: (b.team(name, [f"{name}{i}" for i in range(n)]), [f"{name}{i}" for i in range(n)])
             for name, n in sizes.items()}
    everyone = [p for _tid, people in teams.values() for p in people]
    convs = {"all": b.conversation("all", members=everyone), "side": b.conversation("side", members=everyone[:6]),
             "secret": b.conversation("secret", kind="private", members=everyone[:4]),
             "dm": b.conversation("dm-pair", kind="dm", members=everyone[:2]),
             "mail": b.conversation("Inbox", kind="mail_folder")}
    weeks = 3
    cells: set[tuple[str, int, str, str, str]] = set()
    plan = []
    for w in range(weeks):
        for tid, people in teams.values():
            for p in people:
                if rng.random() < 0.8:
                    plan.append((tid, w, "all", rng.choice(["en", "en", "fr"]), p))
                if rng.random() < 0.4:
                    side = rng.choice(["side", "secret", "dm", "mail", "side"])
                    plan.append((tid, w, side, rng.choice(["en", "fr"]), p))
    rng.shuffle(plan)
    for cell in plan:
        if len(cells) < 52:  # sums stay exact in float64 (person_sums hands out numpy float arrays)
            cells.add(cell)
    bits = {}
    for i, (tid, w, conv, lang, p) in enumerate(sorted(cells)):
        b.message(convs[conv], p, week(w), words=2 ** i, language=lang, recipients=[] if conv == "mail" else None)
        bits[i] = (tid, monday(w).isoformat(), convs[conv], lang, p)
    b.done()
    return bits


def _decode(words: int, bits: dict[int, tuple]) -> frozenset[int]:
    return frozenset(i for i in bits if words >> i & 1)


def _views(engine, k: int, bits: dict[int, tuple]) -> dict[tuple, dict[tuple, frozenset[int]]]:
    """Every released figure under every filter combination: filters -> figure -> the cells it adds up."""
    with Session(engine) as s:
        team_ids = [t.id for t in s.exec(select(Team))]
        names = sorted(set(s.exec(select(Conversation.name))))
    n_weeks = len({c[1] for c in bits.values()})
    periods = [(None, None)] + [(monday(i), monday(j)) for i in range(n_weeks) for j in range(i + 1, n_weeks + 1)]
    out: dict[tuple, dict[tuple, frozenset[int]]] = {}
    for (start, end), team, channel, lang in itertools.product(periods, [None, *team_ids], [None, *names],
                                                               [None, "en", "fr", aggregates.ANY_LANGUAGE]):
        f = Filters(start, end, team, channel, lang)
        figures: dict[tuple, int] = defaultdict(int)
        views = (("summary", queries.team_summary), ("weekly", queries.team_weekly), ("channels", queries.team_channels))
        for view, rows in ((name, fn(engine, k, f)) for name, fn in views):
            for r in rows:
                key = tuple(r[c] for c in ("team", "week", "channel") if c in r)
                figures[(view, *key)] += r["words"]
                figures[(view, "team total", r["team"])] += r["words"]  # what a page sums: a team's rows
                figures[(view, "total")] += r["words"]  # and every row, as the overview's metrics do
        for team_name, arrays in audit_data.person_sums(engine, k, [f], ("words",)).items():
            figures[("person_sums", team_name)] = int(arrays["periods"][0]["words"].sum())
        out[(start, end, team, channel, lang)] = {key: _decode(v, bits) for key, v in figures.items()}
    return out


def _neighbours(views: dict[tuple, Any]) -> list[tuple[tuple, tuple]]:
    """Pairs of filter combinations one week, one team, one channel or one language apart."""
    keys = set(views)
    pairs = []
    for a in keys:
        start, end, team, channel, lang = a
        if start is not None:
            for b in [(start, end + timedelta(weeks=1)), (start + timedelta(weeks=1), end),
                      (start + timedelta(weeks=1), end + timedelta(weeks=1))]:
                pairs.append((a, (*b, team, channel, lang)))
        for i, value in ((2, team), (3, channel), (4, lang)):
            for other in {k[i] for k in keys}:
                if other != value:
                    pairs.append((a, tuple(other if j == i else x for j, x in enumerate(a))))
    return [(a, b) for a, b in pairs if b in keys]


@pytest.mark.parametrize("k,seed", [(3, 2), (3, 3), (5, 3)])
def test_no_two_released_views_one_step_apart_isolate_a_small_group(engine, k, seed):
    bits = _hostile_store(engine, k, seed)
    outcome = aggregates.release_summary(engine, k)
    # the store exercises every branch of the rule: own channel, pooled by language, pooled, left out
    assert all(outcome[part] for part in ("own_channel", "pooled_language", "pooled_any_language", "suppressed"))
    views = _views(engine, k, bits)
    authors = {i: cell[4] for i, cell in bits.items()}

    def small(cells: frozenset[int]) -> bool:
        return bool(cells) and len({authors[i] for i in cells}) < k

    for f, figures in views.items():  # every figure alone
        for key, cells in figures.items():
            assert not small(cells), (f, key, sorted(bits[i] for i in cells))
    checked = 0
    for a, b in _neighbours(views):  # the same figure in two neighbouring views
        for key in set(views[a]) | set(views[b]):
            sa_, sb = views[a].get(key, frozenset()), views[b].get(key, frozenset())
            for diff in (sa_ - sb, sb - sa_):
                assert not small(diff), (a, b, key, sorted(bits[i] for i in diff))
                checked += bool(diff)
    for f, figures in views.items():  # different figures of one view: a team's total and its channels or weeks
        by_team = defaultdict(list)
        for key, cells in figures.items():
            if key[1:2] == ("team total",) or key[0] == "person_sums":
                by_team[key[-1]].append(cells)
            elif key[1:] == ("total",):
                by_team[""].append(cells)  # the organisation: every team shown
        for team_figures in by_team.values():
            for x, y in itertools.combinations(team_figures, 2):
                for diff in (x - y, y - x):
                    assert not small(diff), (f, sorted(bits[i] for i in diff))
    assert checked > 100  # the pairs did differ: the test compared something


def test_nudges_of_fewer_people_than_the_threshold_in_a_week_are_not_counted(engine):
    b = SmallStore(engine)
    people = [f"n{i}" for i in range(5)]
    tid = b.team("Nudged", people)
    chan = b.conversation("nudged", members=people)
    for w in range(2):
        for p in people:
            mid = b.message(chan, p, week(w))
            if w == 0:
                b.nudge(p, mid, week(w, hour=11), feedback="why" if p == "n0" else None)
            elif p == "n0":  # week 2: only one person nudged, who marks it not helpful
                b.nudge(p, mid, week(w, hour=11), feedback="not_helpful")
    b.done()
    one = queries.team_nudges(engine, 5, Filters(monday(0), monday(1), tid))
    two = queries.team_nudges(engine, 5, Filters(monday(0), monday(2), tid))
    assert one == two == [{"team": "Nudged", "nudges": 5, "not_helpful": 0, "asked_why": 1}]


# -- thresholds change, stores from older versions --------------------------------------------------
def test_a_new_threshold_is_released_on_first_use_and_kept_fresh(engine):
    b = SmallStore(engine)
    people = [f"t{i}" for i in range(4)]
    tid = b.team("Four", people)
    chan = b.conversation("four", members=people)
    for p in people:
        b.message(chan, p, week(0))
    b.done()
    assert not queries.team_summary(engine, 5)
    assert queries.team_summary(engine, 4)[0]["messages"] == 4  # released for 4 on first use
    with Session(engine) as s:
        s.add(Message(namespace="slack:T1", native_id="late", source_id=1, conversation_id=chan, author_id="t1",
                      sent_at=week(0, hour=16), kind="authored", text="one more", word_count=2, content_hash="late",
                      language="en"))
        s.commit()
    assert aggregates.refresh(engine)["rebuilt"]
    assert queries.team_summary(engine, 4, Filters(team_id=tid))[0]["messages"] == 5  # 4 rebuilt with the cells


def test_a_store_with_cells_of_the_previous_layout_still_works(engine, settings):
    b = SmallStore(engine)
    people = [f"o{i}" for i in range(5)]
    b.team("Old", people)
    b.channel_where_all_write("old", people)
    b.done()
    expected = queries.team_summary(engine, 5)
    with engine.begin() as conn:  # the cell tables as the previous version made them (no threshold column)
        for name in aggregates_tables():
            table = SQLModel.metadata.tables[name]
            conn.execute(sa.text(f"DROP TABLE {name}"))
            old = sa.Table(name, sa.MetaData(), *[sa.Column(c.name, c.type, primary_key=c.primary_key)
                                                  for c in table.columns if c.name != "min_group_size"])
            old.create(conn)
    engine.dispose()
    reopened = open_store(settings)
    assert queries.team_summary(reopened, 5) == expected
    with Session(reopened) as s:
        assert s.exec(select(sa.func.count()).select_from(AggCell).where(AggCell.min_group_size == 0)).one() == 5


def aggregates_tables() -> tuple[str, ...]:
    return ("agg_cell", "agg_team_week")
