"""The embedder picks the fastest exact-enough precision the CPU offers, and says why."""

import numpy as np
import pytest

from analysis import embeddings, embeddings_onnx
from analysis.embeddings import SentenceTransformerEmbedder, cpu_bf16_instructions


@pytest.mark.parametrize("flags,expected", [
    ("fpu sse2 avx2 avx512f avx512_bf16 avx512_vnni", "avx512_bf16"),  # AMD Zen 4, Intel Cooper Lake
    ("fpu avx512f avx512_bf16 amx_bf16 amx_tile amx_int8", "amx_bf16"),  # Intel Sapphire Rapids
    ("fpu sse2 avx2 fma", None),
    ("", None),
])
def test_bf16_instructions_are_read_from_the_cpu_flags(flags, expected):
    assert cpu_bf16_instructions("flags\t\t: " + flags) == expected


def test_bf16_is_chosen_on_a_bf16_cpu_and_agrees_with_fp32(monkeypatch):
    monkeypatch.setattr(embeddings, "cpu_bf16_instructions", lambda: "avx512_bf16")
    fast = SentenceTransformerEmbedder(precision="auto")
    ref = SentenceTransformerEmbedder(precision="fp32")
    assert fast.precision == "bf16" and "avx512_bf16" in fast.precision_reason
    assert ref.precision == "fp32"
    texts = ["Offline Sync is removed from the spring release.", "Le déploiement du 12 mars est annulé."]
    a, b = ref.encode(texts), fast.encode(texts)
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)  # normalised again in fp32
    assert float(np.min(np.sum(a * b, axis=1))) >= embeddings.BF16_MIN_COSINE


def test_bf16_is_rejected_when_its_probe_disagrees_and_absent_without_the_instructions(monkeypatch):
    monkeypatch.setattr(embeddings, "cpu_bf16_instructions", lambda: "avx512_bf16")
    monkeypatch.setattr(embeddings, "BF16_MIN_COSINE", 1.01)  # no bf16 result can agree this well
    monkeypatch.setattr(embeddings_onnx, "available", lambda: False)
    e = SentenceTransformerEmbedder(precision="auto")
    assert e.precision == "fp32" and "disagreed" in e.precision_reason
    monkeypatch.setattr(embeddings, "cpu_bf16_instructions", lambda: None)
    monkeypatch.setattr(embeddings_onnx, "available", lambda: False)  # the int8 path: test_precision_paths.py
    e = SentenceTransformerEmbedder(precision="auto")
    assert e.precision == "fp32" and "no bf16 instructions" in e.precision_reason
