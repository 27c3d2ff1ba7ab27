"""Dates the fact reader reads by hand (analysis/facts.py): a date in digits, a day and month without a year, the
first date of a range across the new year. dateparser reads the rest."""

from __future__ import annotations

import re
from datetime import date, datetime

YEAR_WRITTEN = re.compile(r"\d{4}")  # "21 April 2025" (a date in digits, "12/12/27", is numeric_date's)


# at a span's end ("Friday 12/29/00"), never inside an ISO date ("2025-03-12" is not 25 March 2012)
NUMERIC_DATE = re.compile(r"(?<![\d/.-])(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})$")


def numeric_date(a: str, b: str, y: str) -> str | None:
    """A date written in digits ("12/29/00", "1/31/01", "29/12/2025", "29.12.2025", "3/4/25"), read by hand:
    dateparser reads a two-digit year as the next century's under PREFER_DATES_FROM "future" ("12/29/00" ->
    2100-12-29) and an invalid day-month reading as another order ("1/31/01" -> 2031-01-01), so a US date in an
    Enron mail and its rewrite's "December 29, 2000" never agreed. Day first, as DATE_ORDER "DMY" reads it, unless
    only the other reading is a day; each date on its own, so a copy that keeps one of its source's dates reads it as
    the source does (a message-wide order, tried, read "1/5/01" as 5 January beside "12/29/00" and as 1 May in a
    copy that kept it alone). A two-digit year as POSIX strptime's %y reads it (69-99: 19xx, 00-68: 20xx). None
    for no such day."""
    first, second = int(a), int(b)
    day, month = (second, first) if second > 12 >= first else (first, second)
    year = int(y) if len(y) == 4 else (1900 if int(y) >= 69 else 2000) + int(y)
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


_DAY_MONTH = re.compile(r"(?<![\d/.-])(\d{1,2})/(\d{1,2})(?![\d])")  # "2/5" of "2/5/02", "3/7"
WORDED = re.compile(r"[^\W\d_]")  # a date written with a word (its month, a weekday)
_DAY_FIRST = re.compile(r"(?<![\d/.-])(1[3-9]|2\d|3[01])[/.-](0?[1-9]|1[0-2])(?![\d])")  # "15/04/2025": day first


def other_order(text: str, value: str) -> str | None:
    """The other reading of a date written in digits with slashes whose first two numbers could each be the day
    ("2/5/02", "11/1/01"): numeric_date reads it day first, a US writer meant 5 February, and the AI rewrite of an
    Enron mail writes "February 5, 2002" (a chain hop seemed to change the date, fact loss called it distorted).
    None for a date whose reading is certain ("12/29/00", "5/5/02"), one a weekday read ("Monday 4/10"), one
    written with dots or dashes (the day-first forms: "3.4.2025") or in words."""
    m = None if WORDED.search(text) else _DAY_MONTH.search(text)
    year, month, day = (value.split("-") + ["", ""])[:3]
    if m is None or not (day.isdigit() and month.isdigit()):
        return None
    a, b = int(m.group(1)), int(m.group(2))
    if a == b or a > 12 or b > 12 or {a, b} != {int(month), int(day)}:
        return None
    return f"{year}-{day}-{month}"


def read_alike(text: str, value: str, other_text: str, other_value: str,
               day_first: tuple[bool, bool] = (False, False)) -> bool:
    """Two dates as written and read are the same day in some reading: equal, or one is written in digits and its
    `other_order` is the other, written with its month in words ("11/1/01" and "November 1, 2001"). Two dates both
    in digits are read as written: one writer keeps one order, so "3/4" become "4/3" is a change. Read by fact loss
    (factloss.compare) and the chain rules (chain_dates.either_order), each only for a message whose other dates do
    not settle the order day first (`writes_day_first`, per side: `day_first`)."""
    return value == other_value or \
        (not day_first[0] and bool(WORDED.search(other_text)) and other_order(text, value) == other_value) or \
        (not day_first[1] and bool(WORDED.search(text)) and other_order(other_text, other_value) == value)


def writes_day_first(texts: list[str]) -> bool:
    """Some date the message writes in digits can only be read day first ("15/04/2025"): its other dates in digits
    are day first too ("03/04/2025" is 3 April), and no `other_order` applies to them."""
    return any(_DAY_FIRST.search(t) for t in texts)


HALF_YEAR = 183  # days: a date without a year is of the year that puts it this near the message (`nearest`)

# a day and month in digits without a year, after a weekday, a deadline cue or a date preposition
# (_Rules.short_date): "on 11/22", "due Fri, 3/7"
SHORT_DATE = re.compile(r"(?:(?P<weekday>[^\W\d]+)(?:['’]s)?,?\s+)?(\d{1,2})/(\d{1,2})")


def short_date(a: str, b: str, base: datetime | None, weekday: int | None = None) -> str | None:
    """A day and month in digits without a year ("11/22"), in numeric_date's order, of the year that puts it
    nearest the message's time (now for a text without one). With its weekday (0 for Monday: "Monday 4/10"), the
    nearest day of either order that falls on it within half a year of the message (`nearest`'s reach): a US
    writer's 10 April 2000 was a Monday, 4 October was not; else the weekday decides nothing, as it decides
    nothing for "Monday, April 10". None for no such day."""
    first, second = int(a), int(b)
    day, month = (second, first) if second > 12 >= first else (first, second)
    base = (base or datetime.now()).replace(tzinfo=None)
    days, named = [], []
    for year in range(base.year - 4, base.year + 5):
        for d, m in ((day, month), (month, day)):
            try:
                x = datetime(year, m, d)
            except ValueError:  # no such day, or 29 February in a common year
                continue
            named += [x] if x.weekday() == weekday and abs((x - base).days) <= HALF_YEAR else []
            days += [x] if (d, m) == (day, month) else []
    pick = named or days
    return min(pick, key=lambda x: abs(x - base)).date().isoformat() if pick else None


def nearest(d: datetime, base: datetime) -> datetime:
    """A day and month without a year is the nearest such day: "21 April" said on 21 April, or "20 April" said
    the day after, is this year's, not next year's (dateparser's "future" reading); "5 January" said in
    December is next year's; 29 February is the nearest one."""
    if (d - base).days <= HALF_YEAR:
        return d
    days = []
    for year in range(base.year - 4, base.year + 5):
        try:
            days.append(d.replace(year=year))
        except ValueError:  # 29 February in a common year
            continue
    return min(days, key=lambda x: abs(x - base))


def year_before(iso: str, following: str) -> str:
    """A range's first date that took its second's year but falls after it ("December 24 to January 2, 2027")
    is of the year before."""
    if iso <= following or "-W" in iso or "-W" in following:
        return iso
    try:
        return date.fromisoformat(iso).replace(year=int(iso[:4]) - 1).isoformat()
    except ValueError:  # 29 February
        return iso


DAY = r"\d{1,2}(?:st|nd|rd|th|er)?"  # a day of the month as a date writes it ("3", "3rd", "1er")
_DAYS_BEFORE = re.compile(rf"(?:^|(?<=\s))((?:{DAY},\s*)+)$")  # "18, " before "19 and 25 March"
_MONTH_TAIL = re.compile(r"(?:\s+of)?\s+[^\W\d_]+\.?(?:,?\s+\d{4})?$")  # " March", " March 2025" ending a span
_MONTH_HEAD = re.compile(r"([^\W\d_]+\.?)\s+\d")  # "March" before a span's first day


def days_after(list_words: str) -> re.Pattern[str]:
    """The days listed after a month-first day: ", 19, and 25" after "March 18" (`list_words`: the languages' words
    before a list's last day, as one regex alternation)."""
    return re.compile(rf"((?:,\s*{DAY})*),?\s+(?:{list_words}|&)\s+({DAY})(?=\s*(?:[,.;:!?)]|$))")


def listed_days(sent: str, m: re.Match[str], text: str, after_days: re.Pattern[str]) -> list[str]:
    """The other days of a list whose last (day first) or first (month first) day the span reads: "18, 19 and 25
    March" (the span "19 and 25 March"), "March 18, 19, and 25" (the span "March 18"), each a date of the span's
    month and year: an announcement lists its session days so, and its rewrite moves the month (a batch 27 hop read
    as stating 18 March its parent lacked). Written by hand: dateparser reads one date a span. A list after a
    month-first day ends with "and"/"et" and a punctuation mark, never a figure ("March 18, 19 and 25 people")."""
    days: list[str] = []
    tail = _MONTH_TAIL.search(text)
    if tail and re.match(DAY, text) and (before := _DAYS_BEFORE.search(sent[:m.start()])):
        days = [f"{d}{tail.group(0)}" for d in re.findall(DAY, before.group(1))]
    head = _MONTH_HEAD.search(text)
    if head and (after := after_days.match(sent, m.end())) and not re.search(r"\d{4}$", text):
        days += [f"{head.group(1)} {d}" for d in re.findall(DAY, after.group(1)) + [after.group(2)]]
    return days
