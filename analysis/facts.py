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

from .text import sentences

# Severity by kind: critical facts are the ones whose loss changes what a reader does.
CRITICAL_KINDS = {"status", "deadline", "owner", "money", "date", "percentage", "number"}

_MONTHS_EN = r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
_MONTHS_FR = r"janv(?:ier)?\.?|févr(?:ier)?\.?|fevrier|mars|avr(?:il)?\.?|mai|juin|juil(?:let)?\.?|août|aout|sept(?:embre)?\.?|oct(?:obre)?\.?|nov(?:embre)?\.?|déc(?:embre)?\.?|decembre"
_DAYS = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
_MONTH = rf"(?:{_MONTHS_EN}|{_MONTHS_FR})"
_DATE = re.compile(
    rf"\b(?:(?:{_DAYS}),?\s+)?(?:"
    rf"\d{{1,2}}(?:st|nd|rd|th|er)?\s+(?:of\s+)?{_MONTH}(?:\s+\d{{4}})?"  # 12 March (2026), 1er avril
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"  # March 12(th)(, 2026)
    rf"|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}/\d{{1,2}}/\d{{2,4}}"
    rf")\b"
    rf"|\b(?:next|this|coming)\s+(?:{_DAYS}|week)\b|\b(?:{_DAYS})\s+prochain\b|\b(?:tomorrow|demain)\b",
    re.I)
_DEADLINE_CUE = re.compile(r"\b(?:by|before|until|no later than|deadline|due|d'ici|avant(?: le)?|au plus tard|jusqu'au|"
                           r"date limite)\s*:?\s*(?:the\s+|le\s+)?$", re.I)
_TIME = re.compile(r"\b(\d{1,2})(?::(\d{2})|h(\d{2})?)\s*(am|pm)?(?!\w)|\b(\d{1,2})\s*(am|pm)\b", re.I)
_MONEY = re.compile(r"(?:(?P<cur1>EUR|USD|GBP|€|\$|£)\s?(?P<a1>\d[\d,. ]*\d|\d)\s?(?P<s1>k|m|bn|million|billion)?"
                    r"|(?P<a2>\d[\d,. ]*\d|\d)\s?(?P<s2>k|m|bn|million|billion)?\s?(?P<cur2>euros?|EUR|€|dollars?|USD|\$|£|k€))"
                    r"(?![\w])", re.I)
_PERCENT = re.compile(r"(\d+(?:[.,]\d+)?)\s?(?:%|per\s?cent\b|pour\s?cent\b)", re.I)
_UNITS = (r"people|persons?|users?|units?|licen[cs]es?|seats?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|"
          r"servers?|trips?|engineers?|employees?|customers?|warehouses?|tickets?|personnes?|jours?|heures?|semaines?|"
          r"mois|ans|serveurs?|utilisateurs?")
_NUMBER_UNIT = re.compile(rf"\b(\d+(?:[.,]\d+)?)\s+({_UNITS})\b", re.I)
# the cue is case-insensitive, the name is not: "Owner: Julie Martin", never "owner of this"
_OWNER = re.compile(r"\b(?i:owner|owned by|responsable|point of contact|contact|approval from|approvals? (?:go|goes) to|"
                    r"validation (?:par|de))\s*:?\s*(?i:is\s+)?(@[\w.-]+|[A-ZÀ-Ö][\w'-]+(?:\s+[A-ZÀ-Ö][\w'-]+)?)")
_OWNER_IS = re.compile(r"(@[\w.-]+|\b[A-ZÀ-Ö][\w'-]+\s+[A-ZÀ-Ö][\w'-]+)\s+(?i:is|will be|est)\s+(?i:the\s+|le\s+|la\s+)?"
                       r"(?i:owner|responsable|point of contact|in charge)")
_OWNER_WILL = re.compile(r"(@[\w.-]+|\b[A-ZÀ-Ö][\w'-]+\s+[A-ZÀ-Ö][\w'-]+)\s+(?:will|is going to|to)\s+(?:own|lead|handle|drive|take)")
_NAME = re.compile(r"\b[A-ZÀ-Ö][\w'’-]+(?:\s+(?:[A-ZÀ-Ö][\w'’-]+|de|du|van|von|d'))*\s+[A-ZÀ-Ö][\w'’-]+\b")
# Status words: what happened to a plan. Grouped so that "cancelled" and "annulé" compare equal.
STATUS_CUES = {
    "removed": r"removed|remove|dropped|drop|cut from|taken out|supprimée?s?|retirée?s?",
    "cancelled": r"cancel+ed|cancel+ing|cancel|called off|annulée?s?|annuler",
    "postponed": r"postponed|postpone|delayed|rescheduled|moved to|pushed (?:back|to)|reportée?s?|reporter|décalée?s?",
    "stopped": r"stop(?:ped)?|halt(?:ed)?|frozen|freeze|suspended|arrêtée?s?|arrêter|gel(?:ée)?",
    "deprecated": r"deprecated|discontinued|retired|sunset|obsolète",
    "lose": r"lose|loses|lost|revoked|blocked|perdent|perd|bloquée?s?",
    "approved": r"approved|confirmed|validée?s?|confirmée?s?",
}
_STATUS = {k: re.compile(rf"\b(?:{v})\b", re.I) for k, v in STATUS_CUES.items()}
_NEGATION = re.compile(r"\b(?:not|no|never|isn't|aren't|won't|wasn't|don't|doesn't|didn't|no longer|"
                       r"ne|n'|pas|plus|jamais|aucune?|sans)\b|n't\b", re.I)
_NOT_NAMES = re.compile(rf"^(?:{_DAYS}|{_MONTH}|the|this|our|please|hi|hello|thanks|key|next|fyi|update|"
                        r"quick|summary|heads|important|security|decision|questions?|rumours?)$", re.I)


@dataclass(frozen=True)
class Fact:
    kind: str  # date | deadline | time | money | percentage | number | owner | name | status
    value: str  # normalised: ISO date, HH:MM, "EUR 42000", "30%", "2 people", lower-cased name, status group
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


def _num(s: str) -> float | None:
    s = s.replace(" ", "").replace("\u202f", "")
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", s):  # thousands separators: 42,000 / 42.000
        s = re.sub(r"[.,]", "", s)
    s = s.replace(",", ".")
    try:
        return float(s)
    except ValueError:
        return None


def _fmt(x: float) -> str:
    return str(int(x)) if x == int(x) else f"{x:g}"


_SCALE = {"k": 1e3, "m": 1e6, "million": 1e6, "bn": 1e9, "billion": 1e9}
_CURRENCY = {"€": "EUR", "euro": "EUR", "euros": "EUR", "eur": "EUR", "k€": "EUR", "$": "USD", "usd": "USD",
             "dollar": "USD", "dollars": "USD", "£": "GBP", "gbp": "GBP"}


def _parse_date(span: str, base: datetime | None) -> str | None:
    # dateparser takes milliseconds a call and the same spans ("12 March", "Friday") recur: cache per day
    return _parse_date_on(span, base.replace(hour=12, minute=0, second=0, microsecond=0) if base else None)


@functools.lru_cache(maxsize=65536)
def _parse_date_on(span: str, base: datetime | None) -> str | None:
    import dateparser

    settings = {"PREFER_DATES_FROM": "future", "DATE_ORDER": "DMY", "RETURN_AS_TIMEZONE_AWARE": False}
    if base is not None:
        settings["RELATIVE_BASE"] = base.replace(tzinfo=None)
    clean = re.sub(r"(\d)(st|nd|rd|th|er)\b", r"\1", span)
    if re.search(r"next|this|coming|prochain", clean, re.I):
        # dateparser reads "next Friday" only without REQUIRE_PARTS
        d = dateparser.parse(clean, languages=["en", "fr"], settings=settings)
    else:
        d = dateparser.parse(clean, languages=["en", "fr"], settings={**settings, "REQUIRE_PARTS": ["day"]})
    return d.date().isoformat() if d else None


def extract(text: str, sent_at: datetime | None = None) -> list[Fact]:
    """Every fact in the text, in order (a new list; the facts are immutable and cached)."""
    return list(_extract(text, sent_at))


@functools.lru_cache(maxsize=8192)  # a root is compared with each of its copies: extract it once
def _extract(text: str, sent_at: datetime | None) -> tuple[Fact, ...]:
    facts: list[Fact] = []
    for si, sent in enumerate(sentences(text)):
        facts += _figures(sent, si, sent_at)
        facts += _people(sent, si)
        facts += _statuses(sent, si)
    return tuple(facts)


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
    if not (m.group(2) or m.group(3) is not None or ampm or "h" in m.group(0).lower()):
        return None
    hour = hour + 12 if ampm == "pm" and hour < 12 else hour
    if hour < 24 and minute < 60:
        return Fact("time", f"{hour:02d}:{minute:02d}", m.group(0).strip(), si)
    return None


def _figures(sent: str, si: int, sent_at: datetime | None) -> list[Fact]:
    """Dates and deadlines, money, percentages, times and numbers with a unit; a span read as one kind is
    not read again as a later one (a date's day is not a number)."""
    facts: list[Fact] = []
    taken: list[tuple[int, int]] = []
    for m in _DATE.finditer(sent):
        iso = _parse_date(m.group(0), sent_at)
        if iso:
            kind = "deadline" if _DEADLINE_CUE.search(sent[:m.start()]) else "date"
            facts.append(Fact(kind, iso, m.group(0), si))
            taken.append(m.span())
    readers: tuple[tuple[re.Pattern[str], Callable[[re.Match[str], int], Fact | None]], ...] = (
        (_MONEY, _money),
        (_PERCENT, lambda m, si: Fact("percentage", _fmt(_num(m.group(1)) or 0) + "%", m.group(0), si)),
        (_TIME, _time),
        (_NUMBER_UNIT, lambda m, si: Fact("number", f"{_fmt(_num(m.group(1)) or 0)} {m.group(2).lower().rstrip('s')}",
                                          m.group(0), si)),
    )
    for rx, read in readers:
        for m in rx.finditer(sent):
            fact = read(m, si) if _free(taken, m.span()) else None
            if fact is not None:
                facts.append(fact)
                taken.append(m.span())
    return facts


def _people(sent: str, si: int) -> list[Fact]:
    """Owners ("Owner: Julie", "Julie will ...") and other names (an owner is not also a name)."""
    facts: list[Fact] = []
    owners = set()
    for rx in (_OWNER, _OWNER_IS, _OWNER_WILL):
        for m in rx.finditer(sent):
            name = m.group(1).lstrip("@").strip().lower()
            owners.add(name)
            facts.append(Fact("owner", name, m.group(1), si))
    for m in _NAME.finditer(sent):
        words_ = m.group(0).split()
        while words_ and _NOT_NAMES.match(words_[0]):
            words_ = words_[1:]
        if len(words_) >= 2 and " ".join(words_).lower() not in owners:
            facts.append(Fact("name", " ".join(words_).lower(), " ".join(words_), si))
    return facts


def _statuses(sent: str, si: int) -> list[Fact]:
    """The first cue of each status group (cancelled, postponed, ...), with its polarity."""
    facts: list[Fact] = []
    for group, rx in _STATUS.items():
        for m in rx.finditer(sent):
            # negation scope: the three words before the cue ("is NOT postponed", "n'est plus"),
            # or "pas" right after it (French "ne ... pas")
            before = " ".join(sent[:m.start()].split(",")[-1].split()[-3:])
            after = sent[m.end():m.end() + 12]
            negated = bool(_NEGATION.search(before)) or bool(re.match(r"\s*pas\b", after))
            facts.append(Fact("status", group, m.group(0), si, "-" if negated else "+"))
            break
    return facts
