"""Compare the facts of a copy with those of its original: kept, lost or distorted.

Embedding similarity never decides a fact (it cannot tell "postponed" from "not postponed"):
sentences are aligned by content-word overlap, then normalised values and polarity are compared.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from .facts import Fact, extract
from .text import sentences, words

_STOP = set("the a an and or of to in on for with by at is are be was were this that it as from our we you "
            "le la les un une des et ou de du à au aux en pour par sur est sont ce cette nous vous".split())
# kinds whose values can be compared one to one
_VALUE_KINDS = {"date", "deadline", "time", "money", "percentage", "number", "owner", "status"}
_SAME_FAMILY = {"date": "when", "deadline": "when", "time": "time", "money": "money", "percentage": "percentage",
                "number": "number", "owner": "owner", "status": "status", "name": "name"}


@dataclass(frozen=True)
class FactStatus:
    fact: Fact
    status: str  # kept | lost | distorted
    evidence: str = ""  # what the copy says instead, for distortions


def _content(s: str) -> set[str]:
    return {w.lower() for w in words(s) if w.lower() not in _STOP and len(w) > 2}


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
            source_facts: list[Fact] | None = None) -> list[FactStatus]:
    """Each fact of the source: kept in the copy, lost, or distorted (aligned but different value or polarity)."""
    sf = source_facts if source_facts is not None else extract(source, source_time)
    cf = extract(copy, copy_time or source_time)
    copy_words = _names_in(copy)
    alignment = align(sentences(source), sentences(copy))
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
                out.append(FactStatus(f, "lost"))
            continue
        if any(g.value == f.value for g in same) or (f.kind in ("owner", "name") and f" {f.value} " in copy_words):
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


@dataclass(frozen=True)
class Consistency:
    score: float  # higher = more likely inconsistent with the source
    problems: list[str]


def check_summary(source: str, summary: str) -> Consistency:
    """Is everything the summary states supported by the source? (SummEdits-style consistency.)

    Problems: a value in the summary that the source does not contain (number, money, date, percentage,
    name), and a status whose polarity differs from the best-aligned source sentence's.
    """
    sf = extract(source)
    cf = extract(summary)
    src_words = _names_in(source)
    src_values = {(_SAME_FAMILY[f.kind], f.value) for f in sf}
    problems: list[str] = []
    for g in cf:
        fam = _SAME_FAMILY[g.kind]
        if g.kind == "status":
            continue
        if g.kind in ("owner", "name"):
            if f" {g.value} " not in src_words:
                problems.append(f"{g.kind} not in the source: {g.text}")
        elif (fam, g.value) not in src_values:
            problems.append(f"{g.kind} not in the source: {g.text}")
    src_sents, sum_sents = sentences(source), sentences(summary)
    back = align(sum_sents, src_sents)  # summary sentence -> best source sentence
    for g in (x for x in cf if x.kind == "status"):
        j = back.get(g.sentence)
        if j is None:
            continue
        aligned = [f for f in sf if f.kind == "status" and f.sentence == j]
        if aligned and all(f.polarity != g.polarity for f in aligned if f.value == g.value) and \
                any(f.value == g.value for f in aligned):
            problems.append(f"polarity differs: “{g.text}”")
    problems += _negation_mismatch(sum_sents, src_sents, back)
    src_numbers = {_norm_number(n) for n in _BARE_NUMBER.findall(source)}
    for n in _BARE_NUMBER.findall(summary):
        if _norm_number(n) not in src_numbers and not any(n in p for p in problems):
            problems.append(f"number not in the source: {n}")
    for s in sum_sents:
        for w in _CAPITALISED.findall(s)[1:] if s.split() else []:  # the first word of a sentence is capitalised anyway
            if w.lower() not in src_words and w.lower() not in _STOP:
                problems.append(f"name not in the source: {w}")
    return Consistency(score=float(len(problems)), problems=problems)


_BARE_NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?")
_CAPITALISED = re.compile(r"\b[A-ZÀ-Ö][a-zà-öø-ÿ'’-]{2,}\b")


def _norm_number(s: str) -> str:
    s = s.replace(",", "")
    try:
        f = float(s)
    except ValueError:
        return s
    return str(int(f)) if f == int(f) else str(f)


_NEG = re.compile(r"\b(?:not|no|never|n't|none|neither|nor|without|ne|pas|jamais|aucun|sans)\b|n't", re.I)


def _negation_mismatch(sum_sents: list[str], src_sents: list[str], back: dict[int, int]) -> list[str]:
    """A negation cue present in a summary sentence and absent from its best-aligned source sentence, or the
    reverse (the research baseline: it catches most negation edits)."""
    out = []
    for i, s in enumerate(sum_sents):
        j = back.get(i)
        if j is None:
            continue
        if len(_NEG.findall(s)) != len(_NEG.findall(src_sents[j])):
            out.append(f"negation differs from the source: “{s[:80]}”")
    return out
