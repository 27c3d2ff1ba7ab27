"""Bloat: how much of a message carries its meaning, and what the rest is made of.

Bloat is measured directly, not inferred from AI-likeness: a human can pad, an AI can be terse.
The 0-1 score is a documented weighted sum (not a calibrated probability); each part that
contributes becomes a reason in plain words.

The core is a faithful short version of the message: every sentence that holds a critical fact
(a date, deadline, time, number, amount, owner, status or decision), a link or an ask; then the
sentences that add most content words the core does not have yet; generic framing only when the
message has nothing else. The nearest-in-meaning selection it replaces kept the generic sentences
(they are close to any message's mean embedding) and dropped the facts (issue 22).
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field

import numpy as np

from . import languages
from .facts import extract
from .features import filler_phrases, lexicon
from .languages import LanguageTable, either
from .text import BULLET_LINE, EMOJI, MARKDOWN_HEADER, flesch_reading_ease, reading_seconds, words

CORE_SIMILARITY = 0.9  # the fallback core (no content words anywhere) must be this close (cosine) to the whole
MIN_GAIN = 2  # a sentence joins the core when it adds this many content words the core lacks
# Fact kinds whose sentence always stays in the core (facts.CRITICAL_KINDS, plus clock times).
CORE_FACT_KINDS = {"status", "deadline", "owner", "money", "date", "percentage", "number", "time"}
_LINK = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|io|fr|dev|app|co|ly)/\S*", re.I)
_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>|(?<![\w@])@[\w.-]+")
_STANDALONE_NUMBER = re.compile(r"(?<![\w.,:/-])\d+(?:[.,:/]\d+)*(?![\w])")
# Requests, decisions, clitics, generic closers and generic framing words come from every registered language
# table (analysis/languages). Written by hand (no library tags workplace asks); the generic closers ("let me know
# if you have any questions") are not asks: they ask nothing specific. The generic framing words were written from
# the demo's and the real exports' padded posts; the detector lexicon's style and skill lists are added below (its
# other lists hold fiction names, which are content here).


@dataclass(frozen=True, eq=False)
class _Cues:
    ask: re.Pattern[str]
    decision: re.Pattern[str]
    clitic: re.Pattern[str]
    generic_ask: re.Pattern[str]


@functools.cache  # once per registry state
def _compile(tables: tuple[LanguageTable, ...]) -> _Cues:
    return _Cues(ask=re.compile(rf"\b(?:{either(tb.ask_cues for tb in tables)})\b", re.I),
                 decision=re.compile(rf"\b(?:{either(tb.decision_cues for tb in tables)})", re.I),
                 clitic=re.compile(either(tb.clitics for tb in tables)),
                 generic_ask=re.compile(rf"\b(?:{either(tb.generic_asks for tb in tables)})\b", re.I))


def _cues() -> _Cues:
    return _compile(languages.tables())


# Weights of the parts of the score; they sum to 1.
W_PADDING, W_FILLER, W_STRUCTURE, W_LENGTH = 0.45, 0.2, 0.15, 0.2
_BOLD_LABEL = re.compile(r"(?m)^\s*\*{1,2}[^*\n]{2,40}\*{1,2}\s*:?|^\s*\*{1,2}[^*\n]{2,40}:\*{1,2}")


@dataclass
class Bloat:
    score: float
    words: int
    core_sentences: list[int]  # indices into the message's sentences
    core_words: int
    reading_seconds: float
    flesch: float | None
    filler: list[str] = field(default_factory=list)
    structure: list[str] = field(default_factory=list)
    length_ratio: float | None = None
    reasons: list[str] = field(default_factory=list)
    reason_parts: list[dict] = field(default_factory=list)  # the reasons as data, for wording in any language
    roles: list["SentenceRole"] = field(default_factory=list)  # per sentence: why it is in the core or not


def core_sentences(sent_emb: np.ndarray, weights: np.ndarray, threshold: float = CORE_SIMILARITY) -> list[int]:
    """The fewest sentences whose mean embedding stays within `threshold` cosine of the whole message.

    The whole message's embedding is the length-weighted mean of its sentences' embeddings. Greedy:
    add the sentence that brings the selection closest to the whole, until close enough.
    """
    k = len(sent_emb)
    if k <= 1:
        return list(range(k))
    whole = (sent_emb * weights[:, None]).sum(axis=0)
    whole /= np.linalg.norm(whole) or 1.0
    chosen: list[int] = []
    acc = np.zeros_like(whole)
    while len(chosen) < k:
        best, best_sim = -1, -2.0
        for i in range(k):
            if i in chosen:
                continue
            v = acc + sent_emb[i] * weights[i]
            sim = float(v @ whole / (np.linalg.norm(v) or 1.0))
            if sim > best_sim:
                best, best_sim = i, sim
        chosen.append(best)
        acc = acc + sent_emb[best] * weights[best]
        if best_sim >= threshold:
            break
    return sorted(chosen)


@functools.cache  # once per registry state
def _skip_words(tables: tuple[LanguageTable, ...]) -> frozenset[str]:
    data = lexicon()
    style = {t.split(":", 1)[1] for t in data.entries
             if t.startswith(("kobak_style:", "skill_en:", "skill_fr:")) and " " not in t}
    return frozenset({w for tb in tables for w in (*tb.stop_words, *tb.generic_words)} | style)


def _stop_and_generic() -> frozenset[str]:
    return _skip_words(languages.tables())


def content_words(sentence: str) -> set[str]:
    """Words of a sentence that carry content: not stop words, not generic framing, not links or mentions."""
    plain = _MENTION.sub(" ", _LINK.sub(" ", sentence))
    skip = _stop_and_generic()
    clitic = _cues().clitic
    out = set()
    for w in words(plain):
        low = w.lower().replace("’", "'")
        low = clitic.sub("", low)  # l'équipe -> équipe, morning's -> morning, we've -> we
        if len(low) > 2 and low not in skip and not low.isdigit():
            out.add(low)
    return out


@dataclass
class SentenceRole:
    """Why a sentence is (or is not) in the core: its critical facts, links, ask or decision, new words."""
    facts: list[str] = field(default_factory=list)  # "kind: span as written"
    links: list[str] = field(default_factory=list)
    ask: bool = False
    decision: bool = False
    content: set[str] = field(default_factory=set)
    added: list[str] = field(default_factory=list)  # content words it brought to the core
    filler: bool = False  # holds a filler phrase: it must bring more to join the core

    @property
    def critical(self) -> bool:
        return bool(self.facts or self.links or self.ask or self.decision)


def sentence_roles(text: str, sents: list[str], lang: str | None = None) -> list[SentenceRole]:
    """What each sentence holds that a faithful short version must keep."""
    roles = [SentenceRole(content=content_words(s), filler=bool(filler_phrases(s, lang or "en") or
                                                                filler_phrases(s, "fr" if lang != "fr" else "en")))
             for s in sents]
    try:
        facts = extract(text)
    except Exception:  # noqa: BLE001 - a date library error must not lose the rest of the core
        facts = []
    for f in facts:
        if f.kind in CORE_FACT_KINDS and f.sentence < len(sents) and f.text in sents[f.sentence]:
            roles[f.sentence].facts.append(f"{f.kind}: {f.text}")
    cues = _cues()
    for s, r in zip(sents, roles, strict=True):
        r.links = [m.group(0).rstrip(".,;:!?)>»”") for m in _LINK.finditer(s)]
        rest = _MENTION.sub(" ", _LINK.sub(" ", s))
        if not r.facts and (m := _STANDALONE_NUMBER.search(rest)):
            r.facts.append(f"number: {m.group(0)}")
        generic = bool(cues.generic_ask.search(s))
        r.ask = not generic and (bool(cues.ask.search(rest)) or (rest.rstrip().endswith("?") and len(r.content) >= 1))
        r.decision = bool(cues.decision.search(rest)) and len(r.content) >= 1
    return roles


def core_of(text: str, sents: list[str], sent_emb: np.ndarray, weights: np.ndarray,
            roles: list[SentenceRole] | None = None) -> list[int]:
    """The sentences of a faithful short version of the message (indices, in order).

    1. every sentence holding a critical fact, a link, an ask or a decision;
    2. then, greedily, the sentence adding most content words the core lacks, while it adds MIN_GAIN
       (one more for a sentence holding a filler phrase);
    3. a message with neither gets the one sentence nearest in meaning to the whole (generic framing last).
    """
    roles = roles if roles is not None else sentence_roles(text, sents)
    chosen = [i for i, r in enumerate(roles) if r.critical]
    covered: set[str] = set()
    for i in chosen:
        roles[i].added = sorted(roles[i].content - covered)
        covered |= roles[i].content
    while True:
        gains = [(len(r.content - covered) - int(r.filler), -i) for i, r in enumerate(roles) if i not in chosen]
        if not gains or max(gains)[0] < MIN_GAIN:
            break
        i = -max(gains)[1]
        roles[i].added = sorted(roles[i].content - covered)
        chosen.append(i)
        covered |= roles[i].content
    if not chosen and len(sents):  # nothing but framing: the plainest sentence nearest in meaning to the whole
        plain = [i for i, r in enumerate(roles) if not r.filler] or list(range(len(sents)))
        if len(sent_emb) == len(sents):
            whole = (sent_emb * weights[:, None]).sum(axis=0)
            chosen = [max(plain, key=lambda i: float(sent_emb[i] @ whole) / (float(np.linalg.norm(sent_emb[i])) or 1.0))]
        else:
            chosen = plain[:1]
    return sorted(chosen)


def structure_counts(text: str) -> dict[str, int]:
    """Counts of formatting that rarely occurs in chat written by hand (only those that count)."""
    out = {}
    if n := len(MARKDOWN_HEADER.findall(text)):
        out["header"] = n
    if n := len(_BOLD_LABEL.findall(text)):
        out["bold"] = n
    if (n := len(BULLET_LINE.findall(text))) >= 3:
        out["bullet"] = n
    if (n := len(EMOJI.findall(text))) >= 2:
        out["emoji"] = n
    return out


_STRUCTURE_EN = {"header": "markdown header", "bold": "bold label", "bullet": "bullet point", "emoji": "emoji"}


def structure_artefacts(text: str) -> list[str]:
    """Formatting that rarely occurs in chat written by hand, in words."""
    return [f"{n} {_STRUCTURE_EN[k]}{'s' * (n > 1 and k != 'emoji')}" for k, n in structure_counts(text).items()]


def measure(text: str, sents: list[str], sent_emb: np.ndarray, lang: str | None,
            conversation_median_words: float | None) -> Bloat:
    n = len(words(text))
    wts = np.array([max(len(words(s)), 1) for s in sents], dtype=np.float32)
    roles = sentence_roles(text, sents, lang) if len(sents) else []
    core = core_of(text, sents, sent_emb, wts, roles) if len(sents) else []
    core_words = min(n, int(sum(wts[i] for i in core))) if core else n
    filler = filler_phrases(text, lang)
    structure = structure_artefacts(text)
    ratio = n / conversation_median_words if conversation_median_words else None
    parts: list[tuple[float, str, dict]] = []
    if n >= 25 and len(sents) >= 3:
        pad = (1 - core_words / max(n, 1)) * min(1.0, n / 80)
        if pad > 0:
            parts.append((W_PADDING * pad, f"{n - core_words} of its {n} words are outside the {len(core)} of its "
                                           f"{len(sents)} sentences that carry its content",
                          {"kind": "padding", "words": n, "core_words": core_words, "core": len(core),
                           "sentences": len(sents)}))
    if filler:
        parts.append((W_FILLER * min(1.0, len(filler) / 3), "filler or boilerplate: " +
                      ", ".join(f"“{f}”" for f in filler[:3]), {"kind": "filler", "phrases": filler[:3]}))
    if structure:
        parts.append((W_STRUCTURE * min(1.0, len(structure) / 3), "formatting rare in chat: " + ", ".join(structure),
                      {"kind": "structure", "items": structure_counts(text)}))
    if ratio and ratio > 1.5 and n >= 40:
        parts.append((W_LENGTH * min(1.0, math.log2(ratio) / 3),
                      f"{ratio:.1f}× longer than this conversation's usual message",
                      {"kind": "length", "ratio": round(ratio, 1)}))
    score = min(1.0, sum(p for p, _, _ in parts))
    ranked = [(r, d) for p, r, d in sorted(parts, key=lambda t: -t[0]) if p >= 0.03]
    return Bloat(score=round(score, 4), words=n, core_sentences=core, core_words=core_words,
                 reading_seconds=reading_seconds(n, lang), flesch=flesch_reading_ease(text, lang),
                 filler=filler, structure=structure, length_ratio=ratio, reasons=[r for r, _ in ranked],
                 reason_parts=[d for _, d in ranked], roles=roles)
