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


@dataclass(frozen=True)
class ShareEstimate:
    share: float
    low: float
    high: float
    n_messages: int
    n_authors: int
    baseline: float | None  # mean score on the team's pre-adoption (human) messages
    method: str


def _corrected(m: float, b: float | None, t: float) -> float:
    if b is None:
        return m
    return float(np.clip((m - b) / max(t - b, 1e-6), 0.0, 1.0))


def ai_share(probs: list[float], authors: list[str], baseline_probs: list[float] | None = None,
             baseline_authors: list[str] | None = None, mean_ai_probability: float = 1.0,
             n_boot: int = 1000, seed: int = 0) -> ShareEstimate:
    p = np.asarray(probs, dtype=float)
    if len(p) == 0:
        raise ValueError("no scored messages")
    base = np.asarray(baseline_probs, dtype=float) if baseline_probs else None
    b = float(base.mean()) if base is not None and len(base) else None
    point = _corrected(float(p.mean()), b, mean_ai_probability)
    rng = np.random.default_rng(seed)
    groups = _groups(authors)
    bgroups = _groups(baseline_authors or []) if base is not None and len(base) else []
    boots = np.empty(n_boot)
    for k in range(n_boot):
        idx = np.concatenate([groups[i] for i in rng.integers(0, len(groups), len(groups))])
        bb = None
        if bgroups:
            bidx = np.concatenate([bgroups[i] for i in rng.integers(0, len(bgroups), len(bgroups))])
            bb = float(base[bidx].mean())  # type: ignore[index]
        boots[k] = _corrected(float(p[idx].mean()), bb, mean_ai_probability)
    lo, hi = np.quantile(boots, [0.025, 0.975])
    method = "mean calibrated probability, author-clustered bootstrap" + (
        ", corrected by the team's pre-adoption baseline" if b is not None else "")
    return ShareEstimate(round(point, 4), round(float(lo), 4), round(float(hi), 4), len(p), len(groups),
                         None if b is None else round(b, 4), method)


def _groups(authors: list[str]) -> list[np.ndarray]:
    by: dict[str, list[int]] = {}
    for i, a in enumerate(authors):
        by.setdefault(a, []).append(i)
    return [np.asarray(v) for v in by.values()]
