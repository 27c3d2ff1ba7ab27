"""Dates a copy repeats: a week is a week, a day and month is the nearest such day, and a relative date written as
the parent writes it is no value changed (a rewrite posted days later keeps "tomorrow", "this week")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from analysis import chain_rules as rules
from analysis.chain_dates import REREAD_WITHIN, reread
from analysis.chains import Node, Pool
from analysis.embedding_profile import MINILM
from analysis.facts import extract

TUE = datetime(2025, 3, 18, 9, 0, tzinfo=UTC)


def dates(text: str, at: datetime) -> set[str]:
    return {f.value for f in extract(text, at) if f.kind in ("date", "deadline")}


def test_a_week_is_read_as_the_week():
    """"this week" said on Tuesday and on Sunday of one ISO week is that week; said the week after, the next."""
    assert dates("It will be filed this week.", TUE) == {"2025-W12"}
    assert dates("It will be filed this week.", TUE + timedelta(days=5)) == {"2025-W12"}
    assert dates("It will be filed this week.", TUE + timedelta(days=7)) == {"2025-W13"}
    assert dates("It is due next week.", TUE) == {"2025-W13"}
    assert dates("The demo is next Friday.", TUE) == {"2025-03-21"}  # a day stays a day
    assert dates("Shipping next week.", datetime(2025, 12, 24, tzinfo=UTC)) == {"2026-W01"}  # ISO year


def test_a_week_and_a_day_inside_it_agree_in_fact_loss():
    """factloss: "due this week" made "due on Friday 21 March" of that week states the same date; another week's
    Friday is a distortion."""
    from analysis.factloss import compare

    def status(copy: str) -> str:
        return compare("The FERC filing is due this week.", copy, TUE, TUE + timedelta(hours=5))[0].status

    assert status("FERC filing due on Friday 21 March.") == "kept"
    assert status("FERC filing due on Friday 28 March.") == "distorted"
    # not the other way: a Friday deadline become "this week" has lost its day
    assert compare("The FERC filing is due on Friday 21 March.", "FERC filing due this week.", TUE,
                   TUE + timedelta(hours=5))[0].status != "kept"


def test_a_day_and_month_is_the_nearest_such_day():
    """Without a year, "21 April" said on 21 April (or "20 April" the day after) is this year's; a day months
    ahead stays ahead; a written year is kept; 29 February is the nearest one."""
    at = datetime(2026, 4, 21, 10, 40, tzinfo=UTC)
    assert dates("Wrap up by 21 April.", at) == {"2026-04-21"}
    assert dates("It was decided on 20 April.", at) == {"2026-04-20"}
    assert dates("It ships on 13 May.", at) == {"2026-05-13"}
    assert dates("Kick-off on 5 January.", datetime(2026, 12, 20, tzinfo=UTC)) == {"2027-01-05"}
    assert dates("Released on 21 April 2025.", at) == {"2025-04-21"}
    assert dates("Due 29 February.", datetime(2028, 2, 29, tzinfo=UTC)) == {"2028-02-29"}
    assert dates("Due 29 February.", datetime(2028, 3, 5, tzinfo=UTC)) == {"2028-02-29"}
    assert dates("Due 5 January.", datetime(2025, 12, 29, tzinfo=UTC)) == {"2026-01-05"}
    assert dates("The offer ends 12/12/27.", at) == {"2027-12-12"}  # a two-digit year is a year written


def test_a_date_in_digits_is_read_by_hand():
    """An Enron mail's "starting 12/29/00 ... through 1/31/01" is 29 December 2000 and 31 January 2001 (dateparser,
    reading day first with future dates preferred, said 2100-12-29 and 2031-01-01), so its rewrite's "December 29,
    2000" agrees with it. Day first when both readings are days; a two-digit year as strptime's %y."""
    at = datetime(2025, 3, 9, 12, tzinfo=UTC)
    assert dates("Meetings start 12/29/00 and run through 1/31/01.", at) == {"2000-12-29", "2001-01-31"}
    assert dates("Meetings start December 29, 2000 and run through January 31, 2001.", at) == \
        {"2000-12-29", "2001-01-31"}
    assert dates("Due 29/12/2025.", at) == dates("Due 12/29/2025.", at) == {"2025-12-29"}
    assert dates("Due 3/4/25.", at) == {"2025-04-03"}  # both readings are days: day first
    assert dates("Filed 5/6/99.", at) == {"1999-06-05"}
    assert dates("Due 31/02/2025.", at) == set()  # no such day


def test_a_relative_date_in_the_parents_words_is_read_as_the_parents():
    """reread: "tomorrow" rewritten two days later is another date in the same words; the copy states its
    parent's."""
    src = extract("The vendor call is tomorrow at the usual time.", TUE)
    copy = extract("Reminder: the vendor call is tomorrow.", TUE + timedelta(days=2))
    other = extract("The vendor call is on 25 March.", TUE + timedelta(days=2))
    assert {f.value for f in copy} != {f.value for f in src}  # read against each message's own day: two dates
    assert [f.value for f in reread(copy, src) or []] == [f.value for f in src if f.kind == "date"]
    assert reread(other, src) is None and reread(src, src) is None
    # a copy that drops the year its source writes states the source's date (batch 10's "Tuesday, January 26" for
    # "January 26, 2016", read as this year's otherwise)
    dated = extract("The webinar is on Tuesday, January 26, 2016 at 09:00 PST.", TUE)
    short = extract("Webinar: Tuesday, January 26, 9 AM PST.", TUE)
    assert {f.value for f in short if f.kind == "date"} != {"2016-01-26"}
    assert {f.value for f in reread(short, dated) or [] if f.kind == "date"} == {"2016-01-26"}


E = np.eye(3, dtype=np.float32)
FERC = "Heads up: the FERC filing goes out this week, comments to Shelley by tomorrow please."


def pair(copy: str, days: int, author: str = "bob", parent: str = FERC) -> tuple[Pool, Node, Node]:
    a = Node("p", TUE, "C1", "ana", parent, len(parent.split()), E[0])
    c = Node("c", TUE + timedelta(days=days), "C2", author, copy, len(copy.split()), E[0] * 0.96 + E[1] * 0.28)
    return Pool([a, c]), a, c


def test_the_pair_features_read_a_repeated_relative_date_as_kept():
    def features(copy: str, days: int):
        pool, a, c = pair(copy, days)
        return pool.features(c, a, 0.96, 0.0)

    f = features("FYI the FERC filing goes out this week; comments to Shelley by tomorrow.", 6)
    assert f.values_changed == 0 and f.values_not_in_parent == 0
    f = features("FYI the FERC filing goes out on 2 April; comments to Shelley by 1 April.", 6)
    assert f.values_changed == 2


def test_a_repeated_relative_date_cancels_a_conflict_and_shares_nothing():
    """conflicts_against: two notices saying "tomorrow" four days apart no longer state two dates, and share none
    either (a helper's review: "closed tomorrow for the inspection" and "... for the cleaning" linked when the
    re-read date counted as a shared value); a candidate later than the copy is never re-read."""
    from analysis.chain_dates import conflicts_against
    from analysis.chain_text import key_sets

    src = "Reminder: the office is closed tomorrow for the electrical inspection, please work from home."
    copy = "Reminder: the office is closed tomorrow for the carpet cleaning, please work from home."
    pool, a, c = pair(copy, 4, parent=src)
    f = pool.features(c, a, 0.9, 0.0)
    assert f.values_changed == 0 and f.values_not_in_parent == 0
    assert not f.value_shared and not f.anchors_shared
    mine, theirs = extract(copy, TUE + timedelta(days=4)), extract(src, TUE)
    assert conflicts_against(key_sets(mine), mine, theirs, timedelta(days=-4)) == key_sets(mine)[2:]


def test_both_paths_read_a_repeated_relative_date_alike():
    """Pool.admissible and _RuleContext (the hand rules) read the dates the same way: one person's rewrite of
    their own post six days later keeps "this week" and "tomorrow"; the same post a week later is a new notice
    ("deploy freeze tomorrow" every Thursday: REREAD_WITHIN)."""
    from analysis.chain_relay_rules import _RuleContext

    copy = "FYI the FERC filing goes out this week; comments to Shelley by tomorrow."
    for days, ok in ((6, True), (8, False)):
        pool, a, c = pair(copy, days, author="ana")
        ctx = _RuleContext([a, c], [], MINILM)
        assert pool.admissible(c, a) is ok, days
        assert ctx.out_of_reach(c, a, 0.96, {}) is (not ok), days
        assert ctx.contradicts(c, a) is (not ok), days  # two other dates a week later
    assert REREAD_WITHIN == timedelta(days=7)


def test_a_concise_rewrite_of_ones_own_message_is_no_repost():
    """own_rewrite: "make this more concise" keeps cosine 0.96 to its source; the same notice filed twice is
    closer (OWN_REPOST_COSINE)."""
    assert rules.OWN_REPOST_COSINE > 0.97
    a = Node("p", TUE, "C1", "ana", "x", 1, None)
    c = Node("c", TUE + timedelta(days=1), "C2", "ana", "x", 1, None)
    assert rules.own_rewrite(c, a, 0.963, lambda: 0)
    assert not rules.own_rewrite(c, a, 0.99, lambda: 0)


def test_an_abbreviated_month_with_a_full_stop_is_a_date():
    """"Jan. 16" and "Sept. 5" were cut in two at the full stop (the sentence splitter read "Jan." as a sentence's
    end), so an assistant's "(Jan. 16-23)" stated no date while its source's "January 16" did. A range is both
    its dates (facts._date_texts)."""
    at = datetime(2025, 3, 9, 12, tzinfo=UTC)
    assert dates("A market top is expected (Jan. 16–23).", at) == dates("between January 16 and 23", at) == \
        {"2025-01-16", "2025-01-23"}
    assert dates("Due Sept. 5.", at) == {"2025-09-05"}
    assert dates("Filed on 5 Dec. 2025, reviewed Mar. 3, 2025.", at) == {"2025-12-05", "2025-03-03"}


def test_dates_in_digits_read_alike_in_a_copy_and_abbreviations_keep_their_numbers():
    """Two helpers' reviews: each date in digits is read on its own, so a copy that keeps one of its source's dates
    reads it as the source does; a weekday before it changes nothing; a date with dots or hyphens needs a year
    19xx or 20xx and no digits around it (a version "1.2.25", an order number "2-10-1234" are none); an abbreviated
    month keeps its day ("Jan. 16 in room 4") but not a quantity ("5 people", "20%", "12 dollars"); French
    "mar." (mardi) before a day and a month is no March."""
    at = datetime(2025, 3, 9, 12, tzinfo=UTC)
    assert dates("From 12/29/00 through 1/5/01.", at) == {"2000-12-29", "2001-05-01"}
    assert dates("It reopens 1/5/01.", at) == {"2001-05-01"}
    assert dates("Closed Friday 12/29/00.", at) == {"2000-12-29"}
    assert dates("Due 29.12.2025, or 12-29-2025 as the US form writes it.", at) == {"2025-12-29"}
    assert dates("Version 1.2.25 ships; order 2-10-1234; build 4.12.1006.", at) == set()
    assert dates("Réunion mar. 12 avril.", at) == {"2025-04-12"}
    assert dates("The review is on Jan. 16 in room 4.", at) == dates("Due Jan. 16 — thanks", at) == {"2025-01-16"}
    kinds = {(f.kind, f.value) for f in extract("We met in Dec. 5 people came. Budget closed in Dec. 20% is left.",
                                                 at)}
    assert kinds == {("number", "5 people"), ("percentage", "20%")}


def test_a_date_in_digits_is_its_rewrites_in_the_other_order_of_day_and_month():
    """An Enron mail's "Start Date: 2/5/02" is read day first (2 May 2002); its AI rewrite writes "February 5,
    2002". For the chain rules the rewrite states the mail's date (`either_order`, at any gap: one's own rewrite
    of it was an update stating another date, batch 25's `k13`); fact loss keeps it (it called it lost). A date
    whose reading is certain ("12/29/00"), one whose two numbers are equal, or one a weekday read has no other."""
    from analysis.chain_dates import conflicts_against, either_order
    from analysis.chain_text import key_sets
    from analysis.fact_dates import other_order, read_alike
    from analysis.factloss import compare

    at = datetime(2025, 3, 9, 12, tzinfo=UTC)
    assert other_order("2/5/02", "2002-05-02") == "2002-02-05"
    assert other_order("11/1/01", "2001-01-11") == "2001-11-01"
    assert other_order("12/29/00", "2000-12-29") is None
    assert other_order("5/5/02", "2002-05-05") is None
    assert other_order("Monday 4/10", "2000-04-10") is None
    assert other_order("February 5, 2002", "2002-02-05") is None
    assert read_alike("2/5/02", "2002-05-02", "February 5, 2002", "2002-02-05")
    assert not read_alike("2/5/02", "2002-05-02", "March 5, 2002", "2002-03-05")
    src = extract("Start Date: 2/5/02; HourAhead hour: 4; no ancillary schedules awarded.", at)
    copy = extract("Quick update on the Hour-Ahead run for February 5, 2002 (hour 4): no schedules awarded.", at)
    assert [f.value for f in either_order(copy, src) if f.kind == "date"] == ["2002-05-02"]
    for gap in (timedelta(hours=2), timedelta(days=20)):
        _, values = conflicts_against(key_sets(copy), copy, src, gap)
        assert values["date"] == key_sets(src)[3]["date"]  # no date stated otherwise
    other = extract("Quick update on the Hour-Ahead run for March 5, 2002 (hour 4): no schedules awarded.", at)
    assert either_order(other, src) is None
    status = {f.fact.value: f.status for f in compare("Phase I starts 11/1/01.", "Phase I starts November 1, 2001.")}
    assert status == {"2001-01-11": "kept"}
    assert compare("Launch on 2/5/02.", "Launch on March 5, 2002.")[0].status != "kept"


def test_only_a_us_form_in_digits_against_words_has_another_order():
    """A helper's review of the first version: a date with dots or dashes is a day-first form ("3.4.2025" is 3 April,
    its copy's "March 4, 2025" a distortion); a message whose other date can only be read day first ("15/04/2025")
    writes "03/04/2025" day first too; two dates both in digits are read as written ("Deadline 3/4/25" become
    "4/3/25" is a change, in the chain rules as in fact loss). A US message's "12/24/2025" settles nothing against."""
    from analysis.chain_dates import either_order
    from analysis.fact_dates import read_alike, writes_day_first
    from analysis.factloss import compare

    def kept(source: str, copy: str) -> list[str]:
        return [f.status for f in compare(source, copy) if f.fact.kind in ("date", "deadline")]

    assert kept("Submission deadline: 3.4.2025.", "Submission deadline: March 4, 2025.") == ["distorted"]
    assert kept("Livraison le 03/04/2025, inventaire le 15/04/2025.",
                "Livraison le 4 mars 2025, inventaire le 15 avril 2025.") == ["distorted", "kept"]
    assert "kept" not in kept("Deadline 3/4/25.", "Deadline 4/3/25.")
    assert kept("Kickoff 12/24/2025, review 1/2/2026.", "Kickoff December 24, 2025, review January 2, 2026.") == \
        ["kept", "kept"]
    assert not read_alike("3/4/25", "2025-04-03", "4/3/25", "2025-03-04")
    assert not read_alike("3/4/25", "2025-04-03", "March 4, 2025", "2025-03-04", (True, False))
    assert writes_day_first(["15/04/2025"]) and not writes_day_first(["12/24/2025", "03/04/2025"])
    at = datetime(2025, 3, 9, 12, tzinfo=UTC)
    ana = extract("Deadline: 3/4/2025 for the budget forms.", at)
    assert either_order(extract("Correction: the deadline is 4/3/2025 for the budget forms.", at), ana) is None
