"""Issue 20: the embedder takes the fastest path the CPU offers (flags faked here) and keeps it only when a probe
agrees with fp32: bf16 on bf16 instructions, int8 ONNX Runtime without them, fp32 when neither agrees."""

import numpy as np
import pytest
import torch

from analysis import embeddings, embeddings_onnx
from analysis.embeddings import SentenceTransformerEmbedder

needs_onnx = pytest.mark.skipif(not embeddings_onnx.available(),
                                reason="the int8 path needs the optional extra: pip install 'slopradar[onnx]'")
TEXTS = ["Offline Sync is removed from the spring release.", "Le déploiement du 12 mars est annulé.",
         "Can someone review the gateway PR before tonight's deploy?"]


@pytest.fixture(autouse=True)
def quantised_cache(tmp_path_factory, monkeypatch):
    """One int8 model for the module, never in the user's own cache."""
    monkeypatch.setenv("SLOPRADAR_CACHE", str(tmp_path_factory.getbasetemp() / "slopradar-cache"))


@pytest.mark.parametrize("flag", ["amx_bf16", "avx512_bf16"])
def test_bf16_is_chosen_on_either_bf16_instruction_set(monkeypatch, flag):
    monkeypatch.setattr(embeddings, "cpu_bf16_instructions", lambda: flag)
    e = SentenceTransformerEmbedder()
    assert e.precision == "bf16" and flag in e.precision_reason


def test_a_bf16_probe_that_disagrees_falls_back_to_fp32_without_onnxruntime(monkeypatch):
    monkeypatch.setattr(embeddings, "cpu_bf16_instructions", lambda: "avx512_bf16")
    monkeypatch.setattr(embeddings, "BF16_MIN_COSINE", 1.01)
    monkeypatch.setattr(embeddings_onnx, "available", lambda: False)
    e = SentenceTransformerEmbedder()
    assert e.precision == "fp32"
    assert "bf16 probe disagreed" in e.precision_reason and "slopradar[onnx]" in e.precision_reason
    assert e._model.dtype == torch.float32  # the model went back to fp32


@needs_onnx
def test_int8_is_chosen_without_bf16_instructions_when_its_probe_agrees(monkeypatch):
    monkeypatch.setattr(embeddings, "cpu_bf16_instructions", lambda: None)
    # MiniLM's int8 cosines move by up to ~0.03 (docs/detection.md), above the shipped 0.01: a looser tolerance
    # shows the path is taken when its probe agrees
    monkeypatch.setattr(embeddings, "INT8_MAX_SCORE_CHANGE", 0.1)
    e = SentenceTransformerEmbedder()
    assert e.precision == "int8" and "no bf16 instructions" in e.precision_reason
    ref = SentenceTransformerEmbedder(precision="fp32").encode(TEXTS)
    low = e.encode(TEXTS)
    assert np.allclose(np.linalg.norm(low, axis=1), 1.0, atol=1e-5)
    assert float(np.max(np.abs(ref @ ref.T - low @ low.T))) <= 0.1


@needs_onnx
def test_int8_is_rejected_when_its_probe_disagrees(monkeypatch):
    monkeypatch.setattr(embeddings, "cpu_bf16_instructions", lambda: None)
    monkeypatch.setattr(embeddings, "INT8_MAX_SCORE_CHANGE", -1.0)  # no int8 result can agree this well
    e = SentenceTransformerEmbedder()
    assert e.precision == "fp32" and e._int8 is None
    assert "int8 probe disagreed" in e.precision_reason


def test_without_bf16_instructions_or_onnxruntime_fp32_says_what_to_install(monkeypatch):
    monkeypatch.setattr(embeddings, "cpu_bf16_instructions", lambda: None)
    monkeypatch.setattr(embeddings_onnx, "available", lambda: False)
    e = SentenceTransformerEmbedder()
    assert e.precision == "fp32"
    assert "no bf16 instructions" in e.precision_reason and "slopradar[onnx]" in e.precision_reason


def test_an_unknown_precision_is_refused():
    with pytest.raises(ValueError, match="choose one of auto, fp32, bf16, int8"):
        SentenceTransformerEmbedder(precision="fp16")
