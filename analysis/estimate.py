"""Team-level estimate of the share of AI-written messages, with a 95 % interval.

Method (docs/detection.md explains the choice): the mean of calibrated probabilities estimates
the expected share of AI-written messages; its interval comes from a bootstrap that resamples
authors, not messages, because one person's messages are not independent. When the team has
messages from before the adoption date, they are its human baseline: the detector's mean score
on them (b) is its false-alarm floor on this team's own writing, and with t the mean score on
AI-written text (measured on held-out data at training time) the share is s = (m - b) / (t - b),
clipped to [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .stats import _weights


@dataclass(frozen=True)
class ShareEstimate:
    share: float
    low: float
    high: float
    n_messages: int
    n_authors: int
    baseline: float | None  # mean score on the team's pre-adoption (human) messages
    method: str


def _corrected(m: np.ndarray | float, b: np.ndarray | float | None, t: float) -> np.ndarray | float:
    if b is None:
        return m
    return np.clip((m - b) / np.maximum(t - b, 1e-6), 0.0, 1.0)


def _boot_means(sums: np.ndarray, counts: np.ndarray, n_boot: int, seed: int) -> np.ndarray:
    return np.concatenate([(w @ sums) / np.maximum(w @ counts, 1e-12) for w in _weights(len(sums), n_boot, seed)])


def ai_share_from_sums(prob_sums: list[float] | np.ndarray, counts: list[float] | np.ndarray,
                       base_sums: list[float] | np.ndarray | None = None,
                       base_counts: list[float] | np.ndarray | None = None, mean_ai_probability: float = 1.0,
                       n_boot: int = 1000, seed: int = 0) -> ShareEstimate:
    """The estimate from each author's sum of probabilities and number of scored messages."""
    s, n = np.asarray(prob_sums, float), np.asarray(counts, float)
    keep = n > 0
    s, n = s[keep], n[keep]
    if n.sum() == 0:
        raise ValueError("no scored messages")
    b = None
    bs = bn = None
    if base_sums is not None and base_counts is not None:
        bs, bn = np.asarray(base_sums, float), np.asarray(base_counts, float)
        bs, bn = bs[bn > 0], bn[bn > 0]
        b = float(bs.sum() / bn.sum()) if bn.sum() else None
    point = float(_corrected(float(s.sum() / n.sum()), b, mean_ai_probability))
    boots = _boot_means(s, n, n_boot, seed)
    if b is not None and bs is not None and bn is not None:
        boots = _corrected(boots, _boot_means(bs, bn, n_boot, seed + 1), mean_ai_probability)
    lo, hi = np.quantile(boots, [0.025, 0.975])
    method = "mean calibrated probability, author-clustered bootstrap" + (
        ", corrected by the team's pre-adoption baseline" if b is not None else "")
    return ShareEstimate(round(point, 4), round(float(lo), 4), round(float(hi), 4), int(n.sum()), int(keep.sum()),
                         None if b is None else round(b, 4), method)


def _author_sums(probs: list[float], authors: list[str]) -> tuple[np.ndarray, np.ndarray]:
    by: dict[str, list[float]] = {}
    for p, a in zip(probs, authors, strict=True):
        by.setdefault(a, []).append(p)
    return np.array([sum(v) for v in by.values()]), np.array([len(v) for v in by.values()], float)


def ai_share(probs: list[float], authors: list[str], baseline_probs: list[float] | None = None,
             baseline_authors: list[str] | None = None, mean_ai_probability: float = 1.0,
             n_boot: int = 1000, seed: int = 0) -> ShareEstimate:
    """The estimate from per-message probabilities and their authors."""
    if not probs:
        raise ValueError("no scored messages")
    s, n = _author_sums(probs, authors)
    bs = bn = None
    if baseline_probs:
        bs, bn = _author_sums(baseline_probs, baseline_authors or ["?"] * len(baseline_probs))
    return ai_share_from_sums(s, n, bs, bn, mean_ai_probability, n_boot, seed)
