"""Team-level estimate of the share of AI-written messages, with a 95 % interval that knows its own error.

A mean of per-message probabilities is not a share: on human text it has a floor (the detector's
false-alarm level), and on AI text from a register the detector never saw it stays far below 1. So the
estimate corrects the observed mean score m of a period for both, in the manner of Rogan & Gladen's
prevalence correction (Am. J. Epidemiol. 1978) with soft scores:

    E[m] = s * t + (1 - s) * b    =>    s = (m - b) / (t - b), clipped to [0, 1]

b is how high human text scores: the team's own baseline (its messages before the adoption date, and
every message before 30 Nov 2022) when it has one, else the detector's mean on human text of sources it
was not trained on. t is how high AI text scores, measured the same way (leave one source out). Neither is
known exactly for a new register, so the interval carries both: each bootstrap replicate resamples the
team's authors (one person's messages are not independent) *and* draws t (and b, without a baseline)
from the per-source held-out values stored with the detector. Where t - b is small the detector cannot
separate the register and the interval widens toward [0, 1] instead of pretending.

A period before PUBLIC_LLM_DATE is human by construction (no team wrote with a public chat LLM before
ChatGPT's release): its share is 0, with no interval and no footprint (`human_by_construction`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np

from .stats import _weights

# ChatGPT's public release (OpenAI, 30 Nov 2022): before it no team wrote with a public chat LLM.
PUBLIC_LLM_DATE = date(2022, 11, 30)
MIN_SEPARATION = 0.05
# Point estimate 0 while >= 5 % of replicates find nothing above the baseline (the one-sided 95 % test of "no AI
# use"): chosen on leave-one-source-out mixtures (scripts/detect_loso.py): 0.025 / 0.05 / 0.1 / none gave share
# MAE 0.098 / 0.093 / 0.091 / 0.082 and all-human estimates 0.005 / 0.014 / 0.028 / 0.052.
ZERO_GATE = 0.05  # t - b below this: the detector does not tell this register's AI text from human text


@dataclass(frozen=True)
class DetectorRates:
    """How the detector scores text of sources it was not trained on (one value per source left out; see
    scripts/detect_loso.py): mean calibrated probability of AI and of human text, and, for sources with
    both, how far AI text sits above that source's human text on the logit scale. A register whose human
    text scores high has AI text that scores higher still: t follows the team's own baseline by that shift."""

    ai_means: tuple[float, ...]
    human_means: tuple[float, ...]
    shifts: tuple[float, ...] = ()

    @classmethod
    def from_provenance(cls, prov: dict) -> "DetectorRates":
        held = prov.get("heldout_rates") or {}
        ai = tuple(held.get("ai_means") or [prov.get("mean_ai_probability_heldout", 1.0)])
        human = tuple(held.get("human_means") or [prov.get("mean_human_probability_heldout", 0.0)])
        shifts = tuple(float(_logit(r["ai_mean"]) - _logit(r["human_mean"]))
                       for r in (held.get("by_source") or {}).values() if "ai_mean" in r and "human_mean" in r)
        return cls(ai, human, shifts)


def _logit(p: float | np.ndarray) -> float | np.ndarray:
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def _sigmoid(z: float | np.ndarray) -> float | np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


@dataclass(frozen=True)
class ShareEstimate:
    share: float
    low: float
    high: float
    n_messages: int
    n_authors: int
    baseline: float | None  # mean score on the team's human baseline
    method: str
    separable: bool = True  # False: the detector cannot tell this team's AI text from its human text
    notes: list[str] = field(default_factory=list)


def human_by_construction(end: date | datetime | None) -> bool:
    """True when a period ends on or before the public release of chat LLMs."""
    if end is None:
        return False
    d = end.date() if isinstance(end, datetime) else end
    return d <= PUBLIC_LLM_DATE


def _boot_means(sums: np.ndarray, counts: np.ndarray, n_boot: int, seed: int) -> np.ndarray:
    return np.concatenate([(w @ sums) / np.maximum(w @ counts, 1e-12) for w in _weights(len(sums), n_boot, seed)])


def _clean(sums: object, counts: object) -> tuple[np.ndarray, np.ndarray]:
    s, n = np.asarray(sums, float), np.asarray(counts, float)
    return s[n > 0], n[n > 0]


def ai_share_from_sums(prob_sums: list[float] | np.ndarray, counts: list[float] | np.ndarray,
                       base_sums: list[float] | np.ndarray | None = None,
                       base_counts: list[float] | np.ndarray | None = None,
                       rates: DetectorRates | None = None, n_boot: int = 1000, seed: int = 0) -> ShareEstimate:
    """The estimate from each author's sum of probabilities and number of scored messages in the period,
    and, when the team has one, the same for its human baseline."""
    rates = rates or DetectorRates((1.0,), (0.0,))
    s, n = _clean(prob_sums, counts)
    if n.sum() == 0:
        raise ValueError("no scored messages")
    rng = np.random.default_rng(seed + 7)
    m_boot = _boot_means(s, n, n_boot, seed)
    b: float | None = None
    if base_sums is not None and base_counts is not None:
        bs, bn = _clean(base_sums, base_counts)
        if bn.sum():
            b = float(bs.sum() / bn.sum())
            b_boot = _boot_means(bs, bn, n_boot, seed + 1)
    if b is None:
        b_point = float(np.median(rates.human_means))
        b_boot = rng.choice(np.asarray(rates.human_means, float), size=n_boot)
    else:
        b_point = b
    # AI text's level: at least where AI text of other registers sits, and above this team's human level by the
    # shift measured on registers that have both
    ai_means = np.asarray(rates.ai_means, float)
    t = float(np.median(ai_means))
    t_boot = rng.choice(ai_means, size=n_boot)
    if rates.shifts:
        shifts = np.asarray(rates.shifts, float)
        t = max(t, float(_sigmoid(_logit(b_point) + np.median(shifts))))
        t_boot = np.maximum(t_boot, _sigmoid(_logit(b_boot) + rng.choice(shifts, size=n_boot)))
    m = float(s.sum() / n.sum())
    sep = t - b_point
    point = float(np.clip((m - b_point) / max(sep, MIN_SEPARATION), 0.0, 1.0))
    gap = t_boot - b_boot
    boots = np.where(gap >= MIN_SEPARATION, (m_boot - b_boot) / np.maximum(gap, MIN_SEPARATION), np.nan)
    # a replicate where the detector cannot separate says nothing: it could be any share
    boots = np.where(np.isnan(boots), rng.uniform(0, 1, n_boot), np.clip(boots, 0.0, 1.0))
    lo, hi = np.quantile(boots, [0.025, 0.975])
    # "no AI use detected": while this share of replicates finds nothing above the baseline, the point estimate
    # is 0 (a clipped estimate of a zero share is positive half the time: a floor that managers would read)
    if float(np.mean(boots <= 0.0)) >= ZERO_GATE:
        point = 0.0
    notes = []
    if b is None:
        notes.append("no human baseline for this team: corrected with the detector's held-out human level")
    if sep < MIN_SEPARATION:
        notes.append("the detector does not separate this team's writing from AI text: any share is possible")
    method = ("mean calibrated probability corrected for the detector's held-out error levels (Rogan-Gladen), "
              "author-clustered bootstrap" + (", baseline: the team's own human messages" if b is not None else ""))
    return ShareEstimate(round(point, 4), round(float(lo), 4), round(float(hi), 4), int(n.sum()), int(len(s)),
                         None if b is None else round(b, 4), method, sep >= MIN_SEPARATION, notes)


def _author_sums(probs: list[float], authors: list[str]) -> tuple[np.ndarray, np.ndarray]:
    by: dict[str, list[float]] = {}
    for p, a in zip(probs, authors, strict=True):
        by.setdefault(a, []).append(p)
    return np.array([sum(v) for v in by.values()]), np.array([len(v) for v in by.values()], float)


def ai_share(probs: list[float], authors: list[str], baseline_probs: list[float] | None = None,
             baseline_authors: list[str] | None = None, rates: DetectorRates | None = None,
             n_boot: int = 1000, seed: int = 0) -> ShareEstimate:
    """The estimate from per-message probabilities and their authors."""
    if not probs:
        raise ValueError("no scored messages")
    s, n = _author_sums(probs, authors)
    bs = bn = None
    if baseline_probs:
        bs, bn = _author_sums(baseline_probs, baseline_authors or [str(i) for i in range(len(baseline_probs))])
    return ai_share_from_sums(s, n, bs, bn, rates, n_boot, seed)
