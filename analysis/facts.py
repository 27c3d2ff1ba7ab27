"""Critical facts of a message, in English and French: dates and deadlines, times, money, percentages,
numbers with units, names, owners, and status statements with their polarity.

Spans are found with the rules below and parsed with libraries where they are good: dateparser
turns a date span into an ISO date relative to the message's own time ("next Friday" means
something). Rules are hand-written because no maintained library extracts workplace facts
offline in both languages (spaCy's English model is not on PyPI; quantulum3 is English-only and
misreads "(12,500 euros)" as negative), and dateparser's own search splits "31st August 2022" into
three wrong dates (research/chains-and-facts.md §4.1), so it only ever sees one span at a time.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from . import languages
from .fact_figures import fmt as _fmt, number as _num
from .fact_dates import (DAY, NUMERIC_DATE, SHORT_DATE, YEAR_WRITTEN, days_after, listed_days, nearest,
                         numeric_date, short_date, year_before)
from .languages import LanguageTable, alternation, either, words
from .text import sentences

CRITICAL_KINDS = {"status", "deadline", "owner", "money", "date", "percentage", "number"}  # lost, a reader acts otherwise

# "3pm", "3:00 p.m.", "15h30": "a.m." and "p.m." as AP style writes them (read as "am" alone, "3:00 p.m." was 03:00)
_TIME = re.compile(r"\b(\d{1,2})(?::(\d{2})|h(\d{2})?)\s*(?:([ap])(?:\.m\.|\.?m\b))?(?!\w)|\b(\d{1,2})\s*([ap])(?:\.m\.|\.?m\b)", re.I)
# an amount: digits grouped by threes ("1,276,000", "1.234,56", "1 000"), else digits with one decimal mark. A
# separator is followed by three digits or ends the amount, so a list ("ETS ($146,466, 12.92%)") is two figures
_AMOUNT = r"\d{1,3}(?:[,. \u202f\u00a0]\d{3})+(?:[.,]\d+)?(?!\d)|\d+(?:[.,]\d+)?"
_SCALES = r"k|mm|bn|million|billion|(?<=\d)[mb](?![/&])|[mb](?![/&-])"  # "$123 MM", "$5 M.", "$120M-"; not "$20 b/c"
_MONEY = re.compile(rf"(?:(?P<cur1>EUR|USD|GBP|€|\$|£)\s?(?P<a1>{_AMOUNT})\s?(?P<s1>{_SCALES})?"
                    rf"|(?P<a2>{_AMOUNT})\s?(?P<s2>{_SCALES})?\s?(?P<cur2>euros?|EUR|€|dollars?|USD|\$|£|k€))"
                    r"(?![\w])", re.I)
_NAME = re.compile(r"\b[A-ZÀ-Ö][\w'’-]+(?:\s+(?:[A-ZÀ-Ö][\w'’-]+|de|du|van|von|d'))*\s+[A-ZÀ-Ö][\w'’-]+\b")
_PERSON = r"(@[\w.-]+|\b[A-ZÀ-Ö][\w'-]+\s+[A-ZÀ-Ö][\w'-]+)"


@dataclass(frozen=True, eq=False)  # hashed by identity: a cache key
class _Rules:
    """The language-dependent rules, built from every registered language table (analysis/languages)."""
    date: re.Pattern[str]
    short_date: re.Pattern[str]  # "on 11/22", "due Fri 3/7": a day and month in digits, read after a cue only
    weekdays: dict[str, int]  # a weekday's spelling -> 0 for Monday (short_date's reading)
    date_ranges: tuple[re.Pattern[str], ...]  # a range's span, month first and day first: its two dates
    range_joint: re.Pattern[str]  # what joins two dates into a range ("to", "-"): the first takes the second's year
    days_after: re.Pattern[str]  # the days a list writes after a month-first day (fact_dates.listed_days)
    deadline_cue: re.Pattern[str]
    percent: re.Pattern[str]
    number_unit: re.Pattern[str]
    owners: tuple[re.Pattern[str], ...]
    status: dict[str, re.Pattern[str]]
    negation: re.Pattern[str]
    negation_after: re.Pattern[str]
    not_names: re.Pattern[str]
    relative: re.Pattern[str]
    date_languages: tuple[str, ...]


def status_cues(tables: tuple[LanguageTable, ...] | None = None) -> dict[str, str]:
    """Status words by group, every language's: grouped so that "cancelled" and "annulé" compare equal."""
    groups: dict[str, list[str]] = {}
    for tb in tables if tables is not None else languages.tables():
        for group, rx in tb.status_words.items():
            groups.setdefault(group, []).append(rx)
    return {group: "|".join(rxs) for group, rxs in groups.items()}


def _rules() -> _Rules:
    return _compile(languages.tables())


@functools.cache  # once per registry state: a test may register a language
def _compile(tables: tuple[LanguageTable, ...]) -> _Rules:
    days = "(?:" + "|".join(alternation(s for d in tb.weekdays for s in d) for tb in tables) + ")"
    month = "(?:" + "|".join(alternation(s for m in tb.months for s in m) for tb in tables) + ")"
    relative = "|".join(rf"\b(?:{tb.relative_dates.replace('{days}', days)})\b" for tb in tables)
    # a range is one span read as two dates, before the single dates: "June 1–19, 2001", "between January 16 and
    # 23", "1-3 March", "du 2 au 4 mars" (a dash or a range word joins the days). Its second day is no figure
    # ("March 3 and 20% off", "June 3 to 4.5%", "June 3-5pm", "March 3 to 5 engineers") nor the day of another
    # month ("March 3 - 5 April"); a range word joins month-first days only before a year or a punctuation mark
    # ("between January 16 and 23.", not "June 3 and 12 participants")
    range_words = words(w for tb in tables for w in tb.range_words)
    day = DAY
    units = either(tb.units for tb in tables)
    percent = either(tb.percent_words for tb in tables)
    no_figure = rf"(?![.,:]\d|\s*(?:%|[€$£]|(?:{percent}|{units}|EUR|USD|GBP|euros?|dollars?|[ap]\.?m|h|{month})\b))"
    before_year_or_stop = r"(?=,?\s+\d{4}\b|\s*(?:[,.;:!?)\]]|$))"
    dash, joint = r"\s*[–—-]\s*", rf"\s+(?:{range_words})\s+"
    first_ends = rf"(?:(?P<d1>{day}){dash}(?P<d2>{day})\b{no_figure}" \
                 rf"|(?P<w1>{day}){joint}(?P<w2>{day})\b{before_year_or_stop}{no_figure})"
    first_range = rf"(?P<month>{month}\.?\s+){first_ends}(?P<post>(?:,?\s+\d{{4}})?)"
    day_range = rf"(?P<d1>{day})(?:{dash}|{joint})(?P<d2>{day})(?P<post>\s+(?:of\s+)?{month}\.?(?:\s+\d{{4}})?)"
    # the date regex runs at every word of every sentence: a range and its single date share one prefix there
    # (the month or the day is tried once), and `date_ranges` reads a span that holds a range
    range_tail = rf"{dash}{day}\b{no_figure}|{joint}{day}\b{before_year_or_stop}{no_figure}"  # first_ends' second day
    date = re.compile(
        rf"\b(?:(?:{days}),?\s+)?(?:"
        rf"{day}(?:(?:{dash}|{joint}){day})?\s+(?:of\s+)?{month}\.?(?:\s+\d{{4}})?"  # 12 March (2026), 1er avril, 1-3 March
        rf"|{month}\.?\s+{day}(?:{range_tail}|(?!\s+{month}\b))(?:,?\s+\d{{4}})?"  # March 12(th)(, 2026), Jan. 16-23
        rf"|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}/\d{{1,2}}/\d{{2,4}}|(?<![\d.-])\d{{1,2}}([.-])\d{{1,2}}\1(?:19|20)\d\d(?![.-]?\d)"  # 29.12.2025
        rf")\b|{relative}",
        re.I)
    # "1/2" or "24/7" alone is a fraction or a ratio: a day and month in digits is read without a year only after a
    # weekday, a deadline cue or a date preposition, and never before "of" / "des" ("on 3/5 of the servers"), a
    # unit ("on 3/5 servers"), a percentage, another figure or a dash ("on 11/27-30": a range, read as none); never
    # "24/7"; after "by" or "from" never as a common fraction ("cut by 1/2", "from 1/3 to half": _spans)
    cue = "|".join([either(tb.deadline_cues for tb in tables), words(w for tb in tables for w in tb.date_prepositions)])
    articles = words(a for tb in tables for a in tb.date_articles)
    short_date = re.compile(rf"(?:\b(?P<weekday>(?:{days}))(?:['’]s)?,?\s+|\b(?P<cue>{cue})\s*(?::\s*)?"
                            rf"(?:(?:{articles})\s+)?)(?P<d>(?!24/7\b)\d{{1,2}}/\d{{1,2}})"
                            rf"(?![/\d]|[.,]\d|\s*%|\s*[–—-]\s*\d|\s+(?:of|des?|du|{units})\b)", re.I)
    # the cue is case-insensitive, the name is not: "Owner: Julie Martin", never "owner of this"
    owner = re.compile(rf"\b(?i:{either(tb.owner_cues for tb in tables)})\s*:?\s*(?i:is\s+)?"
                       r"(@[\w.-]+|[A-ZÀ-Ö][\w'-]+(?:\s+[A-ZÀ-Ö][\w'-]+)?)")
    owner_is = re.compile(rf"{_PERSON}\s+(?i:{either(tb.owner_copulas for tb in tables)})\s+"
                          rf"(?i:(?:{words(a for tb in tables for a in tb.owner_articles)})\s+)?"
                          rf"(?i:{either(tb.owner_roles for tb in tables)})")
    owner_will = re.compile(rf"{_PERSON}\s+(?:{either(tb.owner_will for tb in tables)})")
    suffixes = "".join(f"|{re.escape(s)}\\b" for tb in tables for s in tb.negation_suffixes)
    return _Rules(
        date=date,
        short_date=short_date,
        weekdays={s: i for tb in tables for i, day in enumerate(tb.weekdays) for s in day},
        date_ranges=(re.compile(rf"(?P<pre>.*?){first_range}", re.I), re.compile(rf"(?P<pre>(?:.*?\s)?){day_range}", re.I)),
        range_joint=re.compile(rf"\s*(?:[–—-]|{range_words})\s*", re.I),
        days_after=days_after(words(w for tb in tables for w in tb.list_words)),
        deadline_cue=re.compile(rf"\b(?:{either(tb.deadline_cues for tb in tables)})\s*:?\s*"
                                rf"(?:(?:{words(a for tb in tables for a in tb.date_articles)})\s+)?$",
                                re.I),
        percent=re.compile(rf"(\d+(?:[.,]\d+)?)\s?(?:%|(?:{percent})\b)", re.I),
        number_unit=re.compile(rf"\b(\d+(?:[.,]\d+)?)\s+({units})\b", re.I),
        owners=(owner, owner_is, owner_will),
        status={k: re.compile(rf"(?<!-)\b(?:{v})\b(?!-)", re.I) for k, v in status_cues(tables).items()},
        negation=re.compile(rf"\b(?:{words(w for tb in tables for w in tb.status_negations)})\b(?![/-]){suffixes}", re.I),
        negation_after=re.compile(rf"\s*(?:{words(w for tb in tables for w in tb.negation_after)})\b"),
        not_names=re.compile(rf"^(?:{days}|{month}|{words(w for tb in tables for w in tb.not_names)})$", re.I),
        relative=re.compile(words(w for tb in tables for w in tb.relative_words), re.I),
        date_languages=tuple(tb.code for tb in tables),
    )


STATUS_CUES = status_cues()  # the built-in languages' (status_cues() reads the registry as it is now)


@dataclass(frozen=True)
class Fact:
    kind: str  # date | deadline | time | money | percentage | number | owner | name | status
    # normalised: ISO date (ISO week "2025-W12" for "this week", "next week"), HH:MM,
    # "EUR 42000", "30%", "2 people", lower-cased name, status group
    value: str
    text: str  # the span as written
    sentence: int  # index of the sentence it is in
    polarity: str = "+"  # "-" when negated (status facts)

    @property
    def critical(self) -> bool:
        return self.kind in CRITICAL_KINDS

    def describe(self) -> str:
        if self.kind == "status":
            return f"{'not ' if self.polarity == '-' else ''}{self.value}: “{self.text}”"
        return f"{self.kind} {self.text}"


_SCALE = {"k": 1e3, "m": 1e6, "mm": 1e6, "million": 1e6, "b": 1e9, "bn": 1e9, "billion": 1e9}  # "MM": finance's million
_CURRENCY = {"€": "EUR", "euro": "EUR", "euros": "EUR", "eur": "EUR", "k€": "EUR", "$": "USD", "usd": "USD",
             "dollar": "USD", "dollars": "USD", "£": "GBP", "gbp": "GBP"}


def _parse_date(span: str, base: datetime | None, rules: _Rules) -> str | None:
    # dateparser takes milliseconds a call and the same spans ("12 March", "Friday") recur: cache per day
    return _parse_date_on(span, base.replace(hour=12, minute=0, second=0, microsecond=0) if base else None, rules)


@functools.lru_cache(maxsize=65536)
def _parse_date_on(span: str, base: datetime | None, rules: _Rules) -> str | None:
    import dateparser
    from dateparser.date import DateDataParser

    settings = {"PREFER_DATES_FROM": "future", "DATE_ORDER": "DMY", "RETURN_AS_TIMEZONE_AWARE": False}
    if base is not None:
        settings["RELATIVE_BASE"] = base.replace(tzinfo=None)
    clean = re.sub(r"(\d)(st|nd|rd|th|er)\b", r"\1", span)
    langs = list(rules.date_languages)
    if rules.relative.search(clean):
        # dateparser reads "next Friday" only without REQUIRE_PARTS. A week is kept as one ("this week" is ISO
        # week 2025-W12, not the day it was said: a copy posted on Saturday of the week an announcement said "this
        # week" on Tuesday states the same week; a copy posted the week after does not)
        data = DateDataParser(languages=langs, settings=settings).get_date_data(clean)
        d, period = data.date_obj, data.period
    else:
        d, period = dateparser.parse(clean, languages=langs, settings={**settings, "REQUIRE_PARTS": ["day"]}), "day"
        if d is not None and base is not None and not YEAR_WRITTEN.search(clean):
            d = nearest(d, base.replace(tzinfo=None))
    if d is None:
        return None
    if period == "week":
        year, week, _ = d.isocalendar()
        return f"{year}-W{week:02d}"
    return d.date().isoformat()


def extract(text: str, sent_at: datetime | None = None) -> list[Fact]:
    """Every fact in the text, in order (a new list; the facts are immutable and cached)."""
    return list(_extract(text, sent_at, _rules()))


@functools.lru_cache(maxsize=8192)  # a root is compared with each of its copies: extract it once
def _extract(text: str, sent_at: datetime | None, rules: _Rules) -> tuple[Fact, ...]:
    facts: list[Fact] = []
    for si, sent in enumerate(sentences(text)):
        facts += _sentence_facts(sent, si, sent_at, rules)
    return tuple(facts)


# A sentence's spans, what they read as, and everything else that does not depend on when it was sent: found once
# per sentence (issue 20: a message is extracted for its core with no date, then for the chains with its own;
# sentences recur across messages). Only the dates are read again, relative to the message's time.
_Spans = tuple[tuple[tuple[str, tuple[int, int], str, bool], ...],  # date spans: (text, span, "date" | "deadline",
               # took the next date's year: _date_texts)
               tuple[tuple[tuple[int, int], Fact | None], ...],  # money, percentage, time, number: (span, fact)
               tuple[Fact, ...]]  # owners, names and statuses (of sentence 0)


def _sentence_facts(sent: str, si: int, sent_at: datetime | None, rules: _Rules) -> list[Fact]:
    """The facts of one sentence: dates and deadlines, money, percentages, times and numbers with a unit (a span
    read as one kind is not read again as a later one: a date's day is not a number), then owners and names, then
    statuses."""
    dates, figures, rest = _spans(sent, rules)
    facts: list[Fact] = []
    taken: list[tuple[int, int]] = []
    read = []
    for span_text, span, kind, carried in dates:
        if digits := NUMERIC_DATE.search(span_text):
            iso = numeric_date(digits[1], digits[2], digits[3])
        elif short := SHORT_DATE.fullmatch(span_text):
            iso = short_date(short[2], short[3], sent_at, rules.weekdays.get((short["weekday"] or "").lower()))
        else:
            iso = _parse_date(span_text, sent_at, rules)
        if iso:
            read.append((span_text, span, kind, carried, iso))
    for k, (span_text, span, kind, carried, iso) in enumerate(read):
        if carried and k + 1 < len(read):
            iso = year_before(iso, read[k + 1][4])
        facts.append(Fact(kind, iso, span_text, si))
        taken.append(span)
    for span, fact in figures:  # a span read as one kind is not read again as a later one
        if fact is not None and _free(taken, span):
            facts.append(_in_sentence(fact, si))
            taken.append(span)
    return facts + [_in_sentence(f, si) for f in rest]


def _in_sentence(f: Fact, si: int) -> Fact:
    return f if f.sentence == si else Fact(f.kind, f.value, f.text, si, f.polarity)


@functools.lru_cache(maxsize=65536)
def _spans(sent: str, rules: _Rules) -> _Spans:
    found = list(rules.date.finditer(sent))
    dates = [(text, m.span(), "deadline" if rules.deadline_cue.search(sent[:m.start()]) else "date", carried)
             for i, m in enumerate(found) for text, carried in _date_texts(sent, found, i, rules)]
    spans = [m.span() for m in found]
    dates += [(sent[a:m.end()], (a, m.end()), "deadline" if rules.deadline_cue.search(sent[:a]) else "date", False)
              for m in (rules.short_date.finditer(sent) if "/" in sent else ())  # most sentences hold none
              for a in [m.start("weekday") if m["weekday"] else m.start("d")]
              if _free(spans, (a, m.end())) and not (_QUANTITY_CUE.fullmatch(m["cue"] or "") and _fraction(m["d"]))]
    figures = tuple((m.span(), read(m, 0)) for rx, read in _readers(rules) for m in rx.finditer(sent))
    return tuple(sorted(dates, key=lambda d: d[1])), figures, tuple(_people(sent, 0, rules) + _statuses(sent, 0, rules))


_QUANTITY_CUE = re.compile(r"by|from", re.I)  # "cut by 1/2", "from 1/3 to half": a share may follow


def _fraction(digits: str) -> bool:
    """A common fraction ("1/2", "2/3", "3/4") before it is a day and month."""
    a, b = (int(x) for x in digits.split("/"))
    return a < b <= 4


_YEAR_AT_END = re.compile(r",?\s+(\d{4})$")


def _date_texts(sent: str, found: list[re.Match[str]], i: int, rules: _Rules) -> list[tuple[str, bool]]:
    """What date span `i` of a sentence reads as, each text with whether it took the next date's year: a range
    ("June 1–19, 2001", "1-3 March") as its two dates, each with the range's year; a written date without a year
    that a range word joins to a dated one ("June 1 to June 19, 2001", "du 2 au 4 mars 2026") with that one's
    year, as the writer meant (a copy restating the range then states the same dates). A date in digits keeps its
    own reading ("From 12/29/00 to January 5, 2001")."""
    text = found[i].group(0)
    listed = [(d, False) for d in listed_days(sent, found[i], text, rules.days_after)]
    for rx in rules.date_ranges:
        r = rx.fullmatch(text)
        if r:
            g = r.groupdict()
            month, first, second = g.get("month") or "", g.get("d1") or g["w1"], g.get("d2") or g["w2"]
            return [(f"{r['pre']}{month}{first}{r['post']}", False), (f"{month}{second}{r['post']}", False), *listed]
    if listed:
        return [(text, False), *listed]
    if i + 1 < len(found) and not YEAR_WRITTEN.search(text) and not re.search(r"\d[/.-]\d", text) and \
            rules.range_joint.fullmatch(sent[found[i].end():found[i + 1].start()]):
        year = _YEAR_AT_END.search(found[i + 1].group(0))
        if year:
            return [(f"{text} {year[1]}", True)]
    return [(text, False)]


def _free(taken: list[tuple[int, int]], span: tuple[int, int]) -> bool:
    a, b = span
    return all(b <= x or a >= y for x, y in taken)


def _money(m: re.Match[str], si: int) -> Fact | None:
    amount = _num(m.group("a1") or m.group("a2"))
    if amount is None:
        return None
    scale = (m.group("s1") or m.group("s2") or "").lower()
    cur = _CURRENCY.get((m.group("cur1") or m.group("cur2") or "").lower(), (m.group("cur1") or m.group("cur2")).upper())
    if (m.group("cur2") or "").lower() == "k€":
        scale = "k"
    return Fact("money", f"{cur} {_fmt(amount * _SCALE.get(scale, 1))}", m.group(0).strip(), si)


def _time(m: re.Match[str], si: int) -> Fact | None:
    hour = int(m.group(1) or m.group(5))
    minute = int(m.group(2) or m.group(3) or 0)
    ampm = (m.group(4) or m.group(6) or "").lower()
    minutes = m.group(2) or m.group(3) is not None
    if not (minutes or ampm or "h" in m.group(0).lower()) or (ampm and not minutes and not 1 <= hour <= 12):
        return None  # "13 pm" is no time; "13:00 pm" is 13:00, as the clock says
    if 1 <= hour <= 12:
        hour = hour + 12 if ampm == "p" and hour < 12 else 0 if ampm == "a" and hour == 12 else hour  # 12 a.m.: midnight
    if hour < 24 and minute < 60:
        return Fact("time", f"{hour:02d}:{minute:02d}", m.group(0).strip(), si)
    return None


def _readers(rules: _Rules) -> tuple[tuple[re.Pattern[str], Callable[[re.Match[str], int], Fact | None]], ...]:
    """The figures read after dates, in order: money, percentages, times, numbers with a unit."""
    return (
        (_MONEY, _money),
        (rules.percent, lambda m, si: Fact("percentage", _fmt(_num(m.group(1)) or 0) + "%", m.group(0), si)),
        (_TIME, _time),
        (rules.number_unit, lambda m, si: Fact("number", f"{_fmt(_num(m.group(1)) or 0)} {m.group(2).lower().rstrip('s')}",
                                          m.group(0), si)),
    )


def _people(sent: str, si: int, rules: _Rules) -> list[Fact]:
    """Owners ("Owner: Julie", "Julie will ...") and other names (an owner is not also a name)."""
    facts: list[Fact] = []
    owners = set()
    for rx in rules.owners:
        for m in rx.finditer(sent):
            name = m.group(1).lstrip("@").strip().lower()
            owners.add(name)
            facts.append(Fact("owner", name, m.group(1), si))
    for m in _NAME.finditer(sent):
        words_ = m.group(0).split()
        while words_ and rules.not_names.match(words_[0]):
            words_ = words_[1:]
        if len(words_) >= 2 and " ".join(words_).lower() not in owners:
            facts.append(Fact("name", " ".join(words_).lower(), " ".join(words_), si))
    return facts


def _statuses(sent: str, si: int, rules: _Rules) -> list[Fact]:
    """The first cue of each status group (cancelled, postponed, ...), with its polarity."""
    facts: list[Fact] = []
    for group, rx in rules.status.items():
        for m in rx.finditer(sent):
            # negation scope: the three words before the cue ("is NOT postponed", "n'est plus"),
            # or "pas" right after it (French "ne ... pas")
            before = " ".join(sent[:m.start()].split(",")[-1].split()[-3:])
            after = sent[m.end():m.end() + 12]
            negated = bool(rules.negation.search(before)) or bool(rules.negation_after.match(after))
            facts.append(Fact("status", group, m.group(0), si, "-" if negated else "+"))
            break
    return facts
