"""A word-level fact-checker: is each word of a copy supported by its source?

For every content word piece of a copy sentence (and every negation: "not" changes what a sentence says) it reads
MiniLM's contextual vector of that piece, the vector of the source piece closest to it, their product and
difference, and whether the word itself is in the source or in the sentences the copy sentence aligns to. A small
network, trained on the words an edit changed (SummEdits edits and our FactCC-style corruptions, against the
words a faithful paraphrase changed), says how likely the word states something the source does not: "increased"
where the source says "decreased", "salted" butter, "scope refined" for "removed". The pair's verdict reads its
least supported words; a reader is shown which word, and the source word it was closest to.

Why words and not a cross-encoder: fine-tuning MiniLM's top two layers as a cross-encoder on 4,000 sentence pairs
took 17 minutes on the shared 2-core machine and reached AUROC 0.52 on the workplace dev file (docs/factloss.md);
the word checker trains in seconds on vectors the chains already compute, and ships as a few hundred kB.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from . import languages
from .languages import LanguageTable

DEFAULT_WEIGHTS = Path(__file__).parent / "data" / "factloss_wordcheck.npz"


@functools.cache  # once per registry state
def _negations(tables: tuple[LanguageTable, ...]) -> frozenset[str]:
    return frozenset(w for tb in tables for w in tb.negations)


def negations() -> frozenset[str]:
    """Every registered language's single-word negations: a word the checker always reads."""
    return _negations(languages.tables())


NEGATIONS = negations()  # the built-in languages'
N_SCALARS = 6


def word_features(c_vecs: np.ndarray, c_words: list[str], src_vecs: np.ndarray, src_words: set[str],
                  aligned_words: set[str]) -> tuple[np.ndarray, np.ndarray]:
    """One row per copy piece, and for each the index of the closest source piece."""
    n, d = c_vecs.shape
    if n == 0 or len(src_vecs) == 0:
        return np.zeros((n, 4 * d + N_SCALARS), dtype=np.float32), np.zeros(n, dtype=int)
    sims = c_vecs @ src_vecs.T
    best = sims.argmax(axis=1)
    top = -np.sort(-sims, axis=1)
    s1 = top[:, 0]
    s2 = top[:, 1] if sims.shape[1] > 1 else s1
    sb = src_vecs[best]
    neg = negations()
    scal = np.array([[a, b, float(w in src_words), float(w in aligned_words), float(w in neg), a - b]
                     for a, b, w in zip(s1, s2, c_words, strict=True)], dtype=np.float32)
    return np.hstack([c_vecs, sb, c_vecs * sb, np.abs(c_vecs - sb), scal]).astype(np.float32), best


class WordChecker:
    """A one-hidden-layer network over `word_features` rows: P(the word is not supported by the source)."""

    def __init__(self, hidden: int = 64, alpha: float = 1e-3):
        self.hidden = hidden
        self.alpha = alpha

    def fit(self, X: np.ndarray, y: np.ndarray, seed: int = 0) -> WordChecker:
        from sklearn.neural_network import MLPClassifier

        # balanced by oversampling the rarer class: MLPClassifier takes no class weights
        rng = np.random.default_rng(seed)
        pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
        small, big = (pos, neg) if len(pos) < len(neg) else (neg, pos)
        idx = np.concatenate([big, rng.choice(small, len(big), replace=True)]) if len(small) else big
        mlp = MLPClassifier(hidden_layer_sizes=(self.hidden,), alpha=self.alpha, max_iter=40, early_stopping=True,
                            n_iter_no_change=4, random_state=seed)
        mlp.fit(X[idx], y[idx])
        self.W1_, self.b1_ = mlp.coefs_[0], mlp.intercepts_[0]
        self.W2_, self.b2_ = mlp.coefs_[1][:, 0], float(mlp.intercepts_[1][0])
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        if len(X) == 0:
            return np.zeros(0)
        h = np.maximum(X @ self.W1_ + self.b1_, 0.0)
        return 1.0 / (1.0 + np.exp(-(h @ self.W2_ + self.b2_)))

    def save(self, path: Path) -> None:
        np.savez_compressed(path, W1=self.W1_.astype(np.float16), b1=self.b1_.astype(np.float32),
                            W2=self.W2_.astype(np.float32), b2=np.array([self.b2_], dtype=np.float32))

    @classmethod
    def load(cls, path: Path = DEFAULT_WEIGHTS) -> WordChecker:
        with np.load(path) as z:
            m = cls(hidden=int(z["W1"].shape[1]))
            m.W1_, m.b1_ = z["W1"].astype(np.float32), z["b1"].astype(np.float32)
            m.W2_, m.b2_ = z["W2"].astype(np.float32), float(z["b2"][0])
        return m
