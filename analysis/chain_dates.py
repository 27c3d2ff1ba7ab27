"""A pair's dates read alike (the chain rules' reading of a copy against its candidate): a relative date in the
candidate's words is the candidate's (`reread`), a date in digits is the candidate's in the other order of day and
month (`either_order`). Moved from chain_text.py; tested in tests/analysis/test_chain_dates.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from .chain_text import Conflicts, KeySets, conflict_keys
from .fact_dates import YEAR_WRITTEN, read_alike, writes_day_first
from .facts import Fact

REREAD_WITHIN = timedelta(days=7)  # a copy this soon after its candidate reads its dates as the candidate's (reread)


def reread(mine: list[Fact], theirs: list[Fact]) -> list[Fact] | None:
    """My facts, each date I write as the candidate writes one of its dates ("tomorrow", "this week") read as the
    candidate's value; None when none is. Read against each message's own time, "the call is tomorrow" rewritten
    two days later, or "filed this week" the week after, is another date in the same words; a copy repeats its
    parent's words, so for the chain decision it states no other value; so does a date I write without the year the
    candidate writes with it ("January 26" for "January 26, 2016"). Only for a copy within REREAD_WITHIN: the
    same words a week or more later are a recurring announcement ("deploy freeze tomorrow" every Thursday):
    `conflicts_against` applies that window. Fact loss still reads a copy's "tomorrow" as its reader does."""
    said = {" ".join(g.text.lower().split()): g.value for g in theirs if g.kind in ("date", "deadline")}
    said |= {g.value[4:]: g.value for g in theirs if g.kind in ("date", "deadline") and YEAR_WRITTEN.search(g.text)}
    out = [replace(f, value=v) if f.kind in ("date", "deadline") and (v := said.get(" ".join(f.text.lower().split())) or
           (None if YEAR_WRITTEN.search(f.text) else said.get(f.value[4:]))) and v != f.value else f for f in mine]
    return out if any(a is not b for a, b in zip(out, mine, strict=True)) else None


def conflicts_against(mine: KeySets, my_facts: list[Fact], their_facts: list[Fact], gap: timedelta) -> Conflicts:
    """A copy's conflict values and values by kind (`conflict_keys`) for comparing with a candidate `gap`
    earlier: within REREAD_WITHIN, with its dates `reread` as the candidate's where it writes them as the
    candidate does; else `mine`'s. What it shares (anchors, values) stays as `key_sets` reads it against its own
    time: two notices saying "tomorrow" no longer conflict, and share nothing by it either ("closed tomorrow for
    the inspection" and "closed tomorrow for the cleaning"). For the learned path (Pool.read_against) and the hand
    rules (_RuleContext.read_against) alike."""
    alt = reread(my_facts, their_facts) if timedelta(0) <= gap < REREAD_WITHIN else None
    alt = either_order(alt or my_facts, their_facts) or alt
    return (mine[2], mine[3]) if alt is None else conflict_keys(alt)


def either_order(mine: list[Fact], theirs: list[Fact]) -> list[Fact] | None:
    """My facts, each date that is one of the candidate's in the other order of day and month (fact_dates.read_alike:
    the candidate's "11/1/01", my "November 1, 2001"; not where the side in digits writes another date only day
    first can read, fact_dates.writes_day_first) read as the candidate's value; None when none is. At any gap: the
    two readings are of one text, not of two times."""
    dates = [g for g in theirs if g.kind in ("date", "deadline")]
    my_dates = [f.text for f in mine if f.kind in ("date", "deadline")]
    if not dates or not my_dates or not any("/" in t for t in (*my_dates, *(g.text for g in dates))):
        return None  # no date in digits with slashes on either side: the common case, read once a pair
    settled = (writes_day_first(my_dates), writes_day_first([g.text for g in dates]))
    out = [next((replace(f, value=g.value) for g in dates if g.value != f.value and
                 read_alike(f.text, f.value, g.text, g.value, settled)), f) if f.kind in ("date", "deadline") else f
           for f in mine]
    return out if any(a is not b for a, b in zip(out, mine, strict=True)) else None
