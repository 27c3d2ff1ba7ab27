"""Compare the facts of a copy with those of its original: kept, lost or distorted.

Embedding similarity never decides a fact (it cannot tell "postponed" from "not postponed"):
sentences are aligned by content-word overlap, then normalised values and polarity are compared.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from . import languages
from .fact_dates import read_alike, writes_day_first
from .fact_figures import rounded_source
from .facts import Fact, extract
from .languages import LanguageTable, either, words as literal
from .text import sentences, words


@functools.cache  # once per registry state
def _stop_words(tables: tuple[LanguageTable, ...]) -> frozenset[str]:
    return frozenset(w for tb in tables for w in tb.alignment_stop_words)


_STOP = set(_stop_words(languages.tables()))  # the built-in languages' (chains.py reads it)
# kinds whose values can be compared one to one
_VALUE_KINDS = {"date", "deadline", "time", "money", "percentage", "number", "owner", "status"}
_SAME_FAMILY = {"date": "when", "deadline": "when", "time": "time", "money": "money", "percentage": "percentage",
                "number": "number", "owner": "owner", "status": "status", "name": "name"}


# Words that state a decision without stating it: what a removal or a cancellation becomes after a few
# AI hops (DESIGN.md section 1): every language table's `softeners`.
@functools.cache  # once per registry state
def _softening(tables: tuple[LanguageTable, ...]) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{either(tb.softeners for tb in tables)})\b", re.I)


def softening() -> re.Pattern[str]:
    """Softening words of every registered language."""
    return _softening(languages.tables())


SOFTENING = softening()  # the built-in languages'
_DECISIONS = {"removed", "cancelled", "stopped", "deprecated"}


@dataclass(frozen=True)
class FactStatus:
    fact: Fact
    status: str  # kept | lost | distorted
    evidence: str = ""  # what the copy says instead, for distortions
    confidence: float = 1.0  # rule verdicts are certain of what they read; a softened decision is a judgement


def _content(s: str) -> set[str]:
    stop = _stop_words(languages.tables())
    return {w.lower() for w in words(s) if w.lower() not in stop and len(w) > 2}


def align(source_sents: list[str], copy_sents: list[str]) -> dict[int, int]:
    """For each source sentence, the copy sentence sharing most content words (if any share two)."""
    out = {}
    cs = [_content(s) for s in copy_sents]
    for i, s in enumerate(source_sents):
        sc = _content(s)
        best, best_n = -1, 1
        for j, c in enumerate(cs):
            n = len(sc & c)
            if n > best_n:
                best, best_n = j, n
        if best >= 0:
            out[i] = best
    return out


def _names_in(text: str) -> str:
    return " " + " ".join(w.lower() for w in words(text)) + " "


def compare(source: str, copy: str, source_time: datetime | None = None, copy_time: datetime | None = None,
            source_facts: list[Fact] | None = None,
            judge: Callable[[str, str], float] | None = None) -> list[FactStatus]:
    """Each fact of the source: kept in the copy, lost, or distorted (aligned but different value or polarity, or a
    decision the aligned copy sentence softens: "removed" -> "scope refined").

    `judge(source sentence, copy sentence)`: the learned check's probability that the copy sentence contradicts
    the source sentence (consistency.Judge.probability). When given, it is the confidence of a softened decision
    (else 0.8), and a decision the rules find lost is "distorted" where the copy sentence aligned to it restates it
    in other words the judge finds unsupported (p >= 0.5): "Offline Sync ships after all"."""
    sf = source_facts if source_facts is not None else extract(source, source_time)
    cf = extract(copy, copy_time or source_time)
    copy_words = _names_in(copy)
    src_sents, copy_sents = sentences(source), sentences(copy)
    alignment = align(src_sents, copy_sents)
    settled = (writes_day_first([g.text for g in cf if _SAME_FAMILY[g.kind] == "when"]),
               writes_day_first([f.text for f in sf if _SAME_FAMILY[f.kind] == "when"]))  # dates read day first
    rounded = [r for g in cf if (r := rounded_source(g, sf)) is not None]  # the source figures the copy rounds
    out = []
    for f in sf:
        fam = _SAME_FAMILY[f.kind]
        same = [g for g in cf if _SAME_FAMILY[g.kind] == fam]
        if f.kind == "status":
            match = [g for g in same if g.value == f.value]
            if any(g.polarity == f.polarity for g in match):
                out.append(FactStatus(f, "kept"))
            elif match:
                out.append(FactStatus(f, "distorted", f"copy says {'not ' if match[0].polarity == '-' else ''}"
                                                      f"{match[0].value}: “{match[0].text}”"))
            else:
                out.append(_softened(f, alignment, src_sents, copy_sents, judge)
                           or _contradicted(f, alignment, src_sents, copy_sents, judge) or FactStatus(f, "lost"))
            continue
        if any(_agree(g.value, f.value) or (fam == "when" and read_alike(g.text, g.value, f.text, f.value, settled))
               for g in same) or any(r is f for r in rounded) or \
                (f.kind in ("owner", "name") and f" {f.value} " in copy_words):
            out.append(FactStatus(f, "kept"))
            continue
        j = alignment.get(f.sentence)
        # without an aligned sentence, a different value elsewhere is no evidence of distortion
        rivals = [g for g in same if g.sentence == j] if j is not None else []
        if rivals and f.kind in _VALUE_KINDS:
            out.append(FactStatus(f, "distorted", f"copy says “{rivals[0].text}”"))
        else:
            out.append(FactStatus(f, "lost"))
    return out


def _agree(copy_value: str, source_value: str) -> bool:
    """A copy's value agrees with its source's: equal, or the source says a week ("this week": ISO week 2025-W12,
    facts.py) and the copy a day inside it ("due on Friday 21 March": the same, more precisely). Not the other way:
    a Friday deadline become "this week" has lost its day."""
    if copy_value == source_value:
        return True
    if "-W" not in source_value or "-W" in copy_value:
        return False
    try:
        year, week, _ = date.fromisoformat(copy_value).isocalendar()
    except ValueError:
        return False
    return source_value == f"{year}-W{week:02d}"


def _softened(f: Fact, alignment: dict[int, int], src_sents: list[str], copy_sents: list[str],
              judge: Callable[[str, str], float] | None) -> FactStatus | None:
    """A decision whose aligned copy sentence restates it in words that decide nothing ("scope refined")."""
    j = alignment.get(f.sentence)
    if f.polarity != "+" or f.value not in _DECISIONS or j is None:
        return None
    m = softening().search(copy_sents[j])
    if m is None:
        return None
    conf = judge(src_sents[f.sentence], copy_sents[j]) if judge is not None else 0.8
    return FactStatus(f, "distorted", f"copy softens it to “{m.group(0)}”: “{copy_sents[j]}”", round(conf, 3))


def _contradicted(f: Fact, alignment: dict[int, int], src_sents: list[str], copy_sents: list[str],
                  judge: Callable[[str, str], float] | None) -> FactStatus | None:
    """A decision whose aligned copy sentence says something else about it, by the learned check's verdict."""
    j = alignment.get(f.sentence)
    if judge is None or j is None or f.value not in _DECISIONS:
        return None
    p = judge(src_sents[f.sentence], copy_sents[j])
    if p < 0.5:
        return None
    return FactStatus(f, "distorted", f"copy restates it unsupported (learned check): “{copy_sents[j]}”", round(p, 3))


@dataclass(frozen=True)
class Consistency:
    score: float  # higher = more likely inconsistent with the source
    problems: list[str]


def check_summary(source: str, summary: str) -> Consistency:
    """Is everything the summary states supported by the source? (SummEdits-style consistency.)

    The rules of the research baseline (docs/research chains-and-facts §3.5, BAcc 0.656 on SummEdits'
    workplace domains): a number, money amount, percentage, month or proper name in the summary that the
    source does not contain; a summary sentence whose negation or cancellation cue differs from its
    best-matching source sentence (rapidfuzz token-set ratio). Plus our status facts: "X is removed" in
    the summary where the aligned source sentence says X is not. Hand-written rules: no NLI model ships
    its weights on PyPI (research/models.md), and these cues are what such a model would otherwise learn.
    """
    problems: list[str] = []
    src_numbers = _numbers(source)
    for n in sorted(_numbers(summary) - src_numbers):
        problems.append(f"number not in the source: {n}")
    rx = _summary_rules(languages.tables())
    src_months = _months(source, rx)
    for m in sorted(_months(summary, rx) - src_months):
        problems.append(f"month not in the source: {m}")
    src_words = _names_in(source)
    for w in sorted(_proper_names(summary)):
        if f" {w} " not in src_words:
            problems.append(f"name not in the source: {w}")
    src_sents, sum_sents = _split(source), _split(summary)
    back = _best_match(sum_sents, src_sents)
    for i, s in enumerate(sum_sents):
        j = back.get(i)
        if j is not None and bool(rx.negation.search(s)) != bool(rx.negation.search(src_sents[j])):
            problems.append(f"negation differs from the source: “{s[:80]}”")
    sf, cf = extract(source), extract(summary)
    src_status = {(f.value, f.polarity) for f in sf if f.kind == "status"}
    for g in (x for x in cf if x.kind == "status"):
        if any(v == g.value for v, _ in src_status) and (g.value, g.polarity) not in src_status:
            problems.append(f"polarity differs: “{g.text}”")
    return Consistency(score=float(len(problems)), problems=problems)


# The research baseline's sentence split: it keeps list items and short lines apart, as the summaries do.
_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")
_NUMBER = re.compile(r"(?<![\w.])[$£€]?\d[\d,]*(?:\.\d+)?(?:st|nd|rd|th)?%?")


@dataclass(frozen=True, eq=False)
class _SummaryRules:
    """check_summary's language-dependent rules, from every registered language table."""
    months: re.Pattern[str]  # group 1: a month that is also a word (needs a capital), group 2: any other month
    negation: re.Pattern[str]
    spelled: dict[str, str]


@functools.cache  # once per registry state
def _summary_rules(tables: tuple[LanguageTable, ...]) -> _SummaryRules:
    # a language whose month names are words ("may", "march") counts any 3-letter month stem with a month ending,
    # capitalised; the others their full month names
    wordy = [s for tb in tables if tb.month_names_are_words for m in tb.months for s in m]
    stems = list(dict.fromkeys(s[:3] for s in wordy))
    endings = list(dict.fromkeys(s[3:] for s in wordy if len(s) > 3))
    full = [m[0] for tb in tables if not tb.month_names_are_words for m in tb.months]
    months = re.compile(rf"\b({literal(stems)})(?:{literal(endings)})?\b|\b({literal(full)})\b", re.I)
    suffixes = "".join(f"|{re.escape(s)}" for tb in tables for s in tb.negation_suffixes)
    negation = re.compile(rf"\b(?:{literal(w for tb in tables for w in tb.negation_cues)})\b{suffixes}", re.I)
    spelled = {w: str(i) for tb in tables for i, w in enumerate(tb.number_words)}
    return _SummaryRules(months, negation, spelled)


def _split(text: str) -> list[str]:
    return [s for s in _SPLIT.split(text or "") if s.strip()]


def _numbers(text: str) -> set[str]:
    spelled = _summary_rules(languages.tables()).spelled
    out = {_norm_number(re.sub(r"(st|nd|rd|th)$", "", m.lower().lstrip("$£€").rstrip("%")))
           for m in _NUMBER.findall(text)}
    out |= {spelled[w] for w in re.findall(r"[a-z]+", text.lower()) if w in spelled}
    return out


def _months(text: str, rx: _SummaryRules) -> set[str]:
    """Month names; an English one only when capitalised ("may", "march" and "sept" are words too)."""
    return {(m.group(1) or m.group(2)).lower()[:3] for m in rx.months.finditer(text)
            if m.group(2) or m.group(0)[0].isupper()}


def _proper_names(text: str) -> set[str]:
    """Capitalised words that do not open a sentence: a crude proper-noun proxy (the research baseline's)."""
    out = set()
    for s in _split(text):
        for w in s.split()[1:]:
            w = w.strip(".,;:!?()[]\"'“”‘’")
            if len(w) > 1 and w[0].isupper() and w[1].islower():
                out.add(w.lower())
    return out


def _best_match(sum_sents: list[str], src_sents: list[str]) -> dict[int, int]:
    """Each summary sentence's best-matching source sentence by rapidfuzz's token-set ratio."""
    from rapidfuzz import fuzz, process

    if not src_sents:
        return {}
    out = {}
    for i, s in enumerate(sum_sents):
        best = process.extractOne(s, src_sents, scorer=fuzz.token_set_ratio)
        if best is not None:
            out[i] = best[2]
    return out


def _norm_number(s: str) -> str:
    s = s.replace(",", "")
    try:
        f = float(s)
    except ValueError:
        return s
    return str(int(f)) if f == int(f) else str(f)
