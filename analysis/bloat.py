"""Bloat: how much of a message carries its meaning, and what the rest is made of.

Bloat is measured directly, not inferred from AI-likeness: a human can pad, an AI can be terse.
The 0-1 score is a documented weighted sum (not a calibrated probability); each part that
contributes becomes a reason in plain words.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from .features import filler_phrases
from .text import BULLET_LINE, EMOJI, MARKDOWN_HEADER, flesch_reading_ease, reading_seconds, words

CORE_SIMILARITY = 0.9  # the core must be at least this close (cosine) to the whole message
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


def structure_artefacts(text: str) -> list[str]:
    """Formatting that rarely occurs in chat written by hand."""
    out = []
    if n := len(MARKDOWN_HEADER.findall(text)):
        out.append(f"{n} markdown header{'s' * (n > 1)}")
    if n := len(_BOLD_LABEL.findall(text)):
        out.append(f"{n} bold label{'s' * (n > 1)}")
    if (n := len(BULLET_LINE.findall(text))) >= 3:
        out.append(f"{n} bullet points")
    if (n := len(EMOJI.findall(text))) >= 2:
        out.append(f"{n} emoji")
    return out


def measure(text: str, sents: list[str], sent_emb: np.ndarray, lang: str | None,
            conversation_median_words: float | None) -> Bloat:
    n = len(words(text))
    wts = np.array([max(len(words(s)), 1) for s in sents], dtype=np.float32)
    core = core_sentences(sent_emb, wts) if len(sents) else []
    core_words = int(sum(wts[i] for i in core)) if core else n
    filler = filler_phrases(text, lang)
    structure = structure_artefacts(text)
    ratio = n / conversation_median_words if conversation_median_words else None
    parts: list[tuple[float, str]] = []
    if n >= 25 and len(sents) >= 3:
        pad = (1 - core_words / max(n, 1)) * min(1.0, n / 80)
        if pad > 0:
            parts.append((W_PADDING * pad, f"this {n}-word message says what {len(core)} of its {len(sents)} "
                                           f"sentences say ({core_words} words)"))
    if filler:
        parts.append((W_FILLER * min(1.0, len(filler) / 3), "filler or boilerplate: " +
                      ", ".join(f"“{f}”" for f in filler[:3])))
    if structure:
        parts.append((W_STRUCTURE * min(1.0, len(structure) / 3), "formatting rare in chat: " + ", ".join(structure)))
    if ratio and ratio > 1.5 and n >= 40:
        parts.append((W_LENGTH * min(1.0, math.log2(ratio) / 3),
                      f"{ratio:.1f}× longer than this conversation's usual message"))
    score = min(1.0, sum(p for p, _ in parts))
    reasons = [r for p, r in sorted(parts, key=lambda t: -t[0]) if p >= 0.03]
    return Bloat(score=round(score, 4), words=n, core_sentences=core, core_words=core_words,
                 reading_seconds=reading_seconds(n, lang), flesch=flesch_reading_ease(text, lang),
                 filler=filler, structure=structure, length_ratio=ratio, reasons=reasons)
