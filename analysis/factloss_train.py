"""Training of the learned fact-loss check (`slopradar train factloss`): the word-level fact-checker that names
the evidence word, and the calibrated logistic regression over the rule signals and MiniLM features that decides.

Word labels come from the edit itself: a SummEdits edit (`<doc>_<k>`) or a generated corruption changes some
words of a consistent seed summary (`<doc>_og`, or the row's `seed_summary`). A word of an inconsistent copy that
its seed does not have is "not supported"; every other word, the words a faithful paraphrase changed included,
is "supported".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .consistency import DEFAULT_MODEL, ConsistencyModel, encode_sentences, pair_features
from .factcheck import DEFAULT_WEIGHTS, N_SCALARS, WordChecker
from .factloss import _split
from .text import words

NEGATIVES_PER_POSITIVE = 4  # "supported" words kept per "not supported" one (the rest say little)
MIN_EDITED_WORDS = 20


def attach_seeds(rows: list[dict[str, Any]]) -> None:
    """Give each SummEdits variant the consistent summary it was made from (same id stem, suffix `_og`)."""
    seeds = {str(r["id"]).rsplit("_", 1)[0]: r["summary"] for r in rows if str(r.get("id", "")).endswith("_og")}
    for r in rows:
        if not r.get("seed_summary") and r.get("id") and not str(r["id"]).endswith("_og"):
            r["seed_summary"] = seeds.get(str(r["id"]).rsplit("_", 1)[0])


def word_examples(rows: list[dict[str, Any]], embedder: Any, cache: dict[str, Any],
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Word-checker rows and labels (1 = not supported) from labelled (source, summary) rows."""
    pos, neg, neg_changed = [], [], []
    for r in rows:
        seed = {w.lower() for w in words(r.get("seed_summary") or "")}
        inconsistent = int(r["label"]) == 0
        if inconsistent and not seed:
            continue  # which word was edited is unknown
        _, signals = pair_features(str(r["source"]), str(r["summary"]), embedder, cache)
        for g in signals:
            for w, x in zip(g.words, g.word_rows if g.word_rows is not None else [], strict=True):
                if inconsistent and w not in seed:
                    pos.append(x)
                elif seed and w not in seed:
                    neg_changed.append(x)  # a faithful paraphrase's own words: the hard "supported" cases
                else:
                    neg.append(x)
    take = max(0, NEGATIVES_PER_POSITIVE * len(pos) - len(neg_changed))
    neg = [neg[i] for i in rng.permutation(len(neg))[:take]]
    X = np.array(pos + neg_changed + neg, dtype=np.float32).reshape(-1, 4 * embedder.dim + N_SCALARS)
    return X, np.array([1] * len(pos) + [0] * (len(neg_changed) + len(neg)))


def train(rows: list[dict[str, Any]], embedder: Any, out: Path | None = None, C: float = 0.1,
          weight_of: Callable[[dict[str, Any]], float] = lambda r: 1.0,
          progress: Callable[[str], None] = lambda s: None) -> dict[str, Any]:
    """Fit the word checker and the regression; write both artifacts (the word checker next to the JSON)."""
    t0 = time.time()
    target = out or DEFAULT_MODEL
    weights_path = DEFAULT_WEIGHTS if target == DEFAULT_MODEL else target.with_name(target.stem + "_wordcheck.npz")
    attach_seeds(rows)
    pairs = [(str(r["source"]), str(r["summary"])) for r in rows]
    cache: dict[str, Any] = {}
    encode_sentences(embedder, [s for src, c in pairs for s in (_split(src) or [src]) + (_split(c) or [c])], cache)
    progress(f"{len(rows)} pairs, {len(cache)} distinct sentences encoded with {embedder.name} ({time.time() - t0:.0f} s)")
    X, y = word_examples(rows, embedder, cache, np.random.default_rng(0))
    # without known edited words (no seed summaries) there is nothing to teach it: the check goes without
    checker = WordChecker().fit(X, y) if min(y.sum(), (y == 0).sum()) >= MIN_EDITED_WORDS else None
    t_checker = time.time() - t0
    progress(f"word checker on {len(y)} words ({int(y.sum())} edited): "
             f"{'fitted' if checker else 'skipped, too few edited words'} ({t_checker:.0f} s)")
    F = np.array([pair_features(src, c, embedder, cache)[0] for src, c in pairs])
    ys = np.array([0 if int(r["label"]) == 1 else 1 for r in rows])
    groups = np.array([str(r.get("domain") or r["_file"]) for r in rows])
    w = np.array([weight_of(r) for r in rows])
    files = sorted({r["_file"] for r in rows})
    cm = ConsistencyModel(C=C, checker=weights_path.name if checker else "").fit(F, ys, groups, sample_weight=w, provenance={
        "data": files, "embedding_model": getattr(embedder, "model", embedder.name), "embedding_key": embedder.name,
        "word_checker": weights_path.name if checker else None,
        "word_checker_words": {"edited": int(y.sum()), "other": int(len(y) - y.sum())},
        "seconds_word_checker": round(t_checker),
        "n_by_label": {"inconsistent": int(ys.sum()), "consistent": int(len(ys) - ys.sum())}})
    target.parent.mkdir(parents=True, exist_ok=True)
    if checker is not None:
        checker.save(weights_path)
    cm.to_json(target)
    return {"artifact": str(target), "word_checker": str(weights_path) if checker else None,
            "seconds": round(time.time() - t0, 1), **cm.provenance_}
