"""The learned copy decision: a standardised, sign-bounded logistic regression over `PairFeatures` (analysis/chain_rules.py).

Trained by scripts/train_chain_model.py on candidate pairs from public rewrite and summary data (positives: a
rewrite and the text it was made from) and from real pre-2022 human exports (negatives: replies, same-topic posts,
other announcements), leave one source out; the threshold is chosen for precision >= 0.9 on the held-out
predictions. The artifact is a few numbers in analysis/data/chain_model.json (provenance in NOTICE).
"""

from __future__ import annotations

import functools
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .chain_rules import FEATURES

DEFAULT_MODEL = Path(__file__).parent / "data" / "chain_model.json"


@dataclass(frozen=True)
class ChainModel:
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float  # a candidate above it is a copy; the best candidate above it is the parent
    provenance: dict[str, Any] = field(default_factory=dict)

    def check(self) -> ChainModel:
        if tuple(self.features) != FEATURES:
            raise ValueError(f"chain model features {list(self.features)} differ from the code's {list(FEATURES)}: "
                             "retrain it (python scripts/train_chain_model.py)")
        return self

    def probability(self, x: np.ndarray) -> np.ndarray:
        """P(copy) for rows of features in FEATURES order."""
        z = ((np.atleast_2d(x) - np.asarray(self.mean)) / np.asarray(self.scale)) @ np.asarray(self.coef)
        return 1.0 / (1.0 + np.exp(-(z + self.intercept)))

    @property
    def version(self) -> str:
        return str(self.provenance.get("trained", "untrained"))

    def save(self, path: Path = DEFAULT_MODEL) -> None:
        path.write_text(json.dumps(asdict(self), indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path = DEFAULT_MODEL) -> ChainModel:
        d = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(**{**d, **{k: tuple(d[k]) for k in ("features", "mean", "scale", "coef")}}).check()


@functools.lru_cache(maxsize=1)
def shipped() -> ChainModel:
    return ChainModel.load(DEFAULT_MODEL)


# Evidence that can only make a copy more likely (or less): their weights are bounded to that sign, so no
# artifact of one training source (templates that repeat phrases, paraphrasers that change all of them) can
# turn a verbatim copy into a non-copy.
POSITIVE = {"cosine", "coverage_short", "coverage_long", "phrase_coverage", "cosine_margin", "value_shared",
            "name_shared", "anchors_shared", "relays", "mentioned"}
NEGATIVE = {"asks", "addresses", "parent_asks", "values_not_in_parent", "values_changed", "log_gap_days", "names_new"}


def fit(x: np.ndarray, y: np.ndarray, weight: np.ndarray | None = None, C: float = 1.0,
        threshold: float = 0.5, provenance: dict[str, Any] | None = None) -> ChainModel:
    """L2-regularised logistic regression on standardised features, with sign-bounded weights (POSITIVE,
    NEGATIVE). Written with scipy's L-BFGS-B because scikit-learn's LogisticRegression takes no bounds."""
    from scipy.optimize import minimize
    from scipy.special import expit

    mean = x.mean(axis=0)
    scale = np.where(x.std(axis=0) > 1e-9, x.std(axis=0), 1.0)
    z = (x - mean) / scale
    w8 = np.ones(len(y)) if weight is None else np.asarray(weight, float)
    n, d = z.shape

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:d], theta[d]
        p = expit(z @ w + b)
        eps = 1e-12
        ll = -np.sum(w8 * (y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps))) / n + (w @ w) / (2 * C * n)
        g = w8 * (p - y) / n
        return ll, np.concatenate([z.T @ g + w / (C * n), [g.sum()]])

    bounds = [(0, None) if f in POSITIVE else (None, 0) if f in NEGATIVE else (None, None) for f in FEATURES]
    res = minimize(loss, np.zeros(d + 1), jac=True, method="L-BFGS-B", bounds=bounds + [(None, None)])
    return ChainModel(FEATURES, tuple(map(float, mean)), tuple(map(float, scale)), tuple(map(float, res.x[:d])),
                      float(res.x[d]), threshold, provenance or {})
