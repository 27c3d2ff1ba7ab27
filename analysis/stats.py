"""Intervals and before/after comparisons for team metrics, resampling people rather than messages.

Every metric here is a ratio of sums over people, num / den (AI probability sum / messages scored,
kept facts / critical facts, hours / weeks, ...). One person's messages are not independent, so
the interval comes from a cluster bootstrap: people are drawn with replacement, with all their
messages. Before/after comparisons are paired: the same draw of people weights both periods, so
a person present in both counts once and the dependence between periods is kept.

Written here rather than taken from scipy.stats.bootstrap: that function resamples observations
of one or more independent samples; it has no paired ratio-of-sums over clusters.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

N_BOOT = 2000
_CHUNK = 250


def _weights(k: int, n_boot: int, seed: int) -> Any:
    """Yield chunks of bootstrap weights: how many times each of k people is drawn, per replicate."""
    rng = np.random.default_rng(seed)
    p = np.full(k, 1.0 / k)
    for start in range(0, n_boot, _CHUNK):
        yield rng.multinomial(k, p, size=min(_CHUNK, n_boot - start)).astype(np.float64)


def _ratio(num: Any, den: Any) -> Any:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


@dataclass(frozen=True)
class Interval:
    value: float
    low: float
    high: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def ratio_interval(num: Any, den: Any, n_boot: int = N_BOOT, seed: int = 0) -> Interval | None:
    """Point estimate sum(num)/sum(den) and its 95 % percentile interval from resampling people."""
    num, den = np.asarray(num, float), np.asarray(den, float)
    if len(num) == 0 or den.sum() <= 0:
        return None
    boots = np.concatenate([_ratio(w @ num, w @ den) for w in _weights(len(num), n_boot, seed)])
    lo, hi = np.nanquantile(boots, [0.025, 0.975])
    return Interval(float(num.sum() / den.sum()), float(lo), float(hi))


@dataclass(frozen=True)
class Comparison:
    before: Interval
    after: Interval
    difference: Interval  # after - before
    relative: Interval | None  # after / before - 1 (None when before is 0)
    effect_size: float  # Cohen's h for proportions, Cohen's d on people's own ratios otherwise
    effect_kind: str


def compare(before_num: Any, before_den: Any, after_num: Any, after_den: Any, proportion: bool,
            n_boot: int = N_BOOT, seed: int = 0) -> Comparison | None:
    """Paired cluster bootstrap of after - before. Arrays are aligned: row i is the same person."""
    bn, bd, an, ad = (np.asarray(a, float) for a in (before_num, before_den, after_num, after_den))
    if bd.sum() <= 0 or ad.sum() <= 0:
        return None
    diffs, rels, bs, as_ = [], [], [], []
    for w in _weights(len(bn), n_boot, seed):
        b, a = _ratio(w @ bn, w @ bd), _ratio(w @ an, w @ ad)
        bs.append(b)
        as_.append(a)
        diffs.append(a - b)
        rels.append(_ratio(a, b) - 1)
    b0, a0 = float(bn.sum() / bd.sum()), float(an.sum() / ad.sum())

    def interval(point: float, boots: list[Any]) -> Interval:
        lo, hi = np.nanquantile(np.concatenate(boots), [0.025, 0.975])
        return Interval(point, float(lo), float(hi))

    if proportion:
        effect = 2 * math.asin(math.sqrt(min(max(a0, 0), 1))) - 2 * math.asin(math.sqrt(min(max(b0, 0), 1)))
        kind = "Cohen's h"
    else:
        xb, xa = bn[bd > 0] / bd[bd > 0], an[ad > 0] / ad[ad > 0]
        pooled = math.sqrt((xb.var(ddof=1) * (len(xb) - 1) + xa.var(ddof=1) * (len(xa) - 1))
                           / max(len(xb) + len(xa) - 2, 1)) if len(xb) > 1 and len(xa) > 1 else 0.0
        effect = (xa.mean() - xb.mean()) / pooled if pooled > 0 else 0.0
        kind = "Cohen's d (people's own values)"
    return Comparison(interval(b0, bs), interval(a0, as_), interval(a0 - b0, diffs),
                      interval(a0 / b0 - 1, rels) if b0 > 0 else None, float(effect), kind)


def verdict(c: Comparison, higher_is: str, margin: float, relative_margin: bool) -> str:
    """Plain words that never say more than the interval supports.

    `higher_is` is "worse", "better" or "neutral"; `margin` is the smallest change that matters
    (absolute, or relative when `relative_margin`). A change is "clear" only when the whole 95 %
    interval lies beyond the margin; an interval that includes zero is "no detectable change",
    with a warning when it is too wide to rule out a change larger than the margin.
    """
    iv = c.relative if relative_margin and c.relative is not None else c.difference
    lo, hi = iv.low, iv.high
    if lo <= 0 <= hi:
        if lo >= -margin and hi <= margin:
            return "no detectable change"
        return "no detectable change (the interval is wide: a change cannot be ruled out)"
    up = lo > 0
    word = {"worse": ("worse", "better"), "better": ("better", "worse"),
            "neutral": ("higher", "lower")}[higher_is][0 if up else 1]
    nearest = lo if up else -hi
    return f"clearly {word}" if nearest >= margin else f"{word} (small change)"
