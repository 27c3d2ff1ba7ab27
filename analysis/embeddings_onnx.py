"""An int8 ONNX Runtime copy of a sentence-transformers model, for CPUs without bf16 instructions.

Only the transformer runs in ONNX Runtime; tokenising, mean pooling and normalising stay here. The weights of
MatMul nodes are quantised to int8 per output channel (`quantize_dynamic(per_channel=True,
op_types_to_quantize=["MatMul"])`): measured 1.8x fp32 at cosine 0.99 to fp32 on all-MiniLM-L6-v2
(../shared/docs/research/models.md). The default per-tensor quantisation of every op drifts to cosine 0.92-0.94
and is never used. The quantised model is built once and cached on disk (about 60 MB for MiniLM).

Needs the optional extra `slopradar[onnx]` (onnxruntime and onnx); `available()` says whether it is installed.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

FORMAT = "int8-matmul-per-channel-1"  # part of the cache key: change it when the export or quantisation changes


def available() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("onnxruntime", "onnx"))


def cache_dir() -> Path:
    """Where quantised models are kept: $SLOPRADAR_CACHE, else ~/.cache/slopradar."""
    env = os.environ.get("SLOPRADAR_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "slopradar"


def supported(model: Any) -> str | None:
    """Why this sentence-transformers model cannot run here (None when it can): a transformer, mean pooling
    and (optionally) normalisation is the layout this module reproduces."""
    names = [type(m).__name__ for m in model]
    if names[:2] != ["Transformer", "Pooling"] or any(n != "Normalize" for n in names[2:]):
        return f"module layout {'+'.join(names)} (needs Transformer+Pooling[+Normalize])"
    mode = model[1].get_config_dict().get("pooling_mode", "mean")
    if mode != "mean":
        return f"{mode} pooling (needs mean)"
    return None


def _weights_digest(model_dir: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(model_dir.rglob("*")):
        if f.is_file() and f.suffix in (".safetensors", ".bin", ".json", ".txt"):
            h.update(f.relative_to(model_dir).as_posix().encode())
            h.update(str(f.stat().st_size).encode())
            with f.open("rb") as fh:  # the first MB: enough to tell weight files apart, cheap on every start
                h.update(fh.read(1 << 20))
    return h.hexdigest()[:16]


def _export(model: Any, path: Path) -> None:
    """The transformer's last hidden state as ONNX (TorchScript exporter), dynamic batch and sequence axes."""
    import torch

    hf = model[0].auto_model
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids")
             if n in model.tokenizer("x", return_tensors="pt")]

    class Hidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.m = hf

        def forward(self, *args: Any) -> Any:
            return self.m(**dict(zip(names, args, strict=True))).last_hidden_state

    enc = model.tokenizer(["a short one", "and a slightly longer sentence"], padding=True, return_tensors="pt")
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation and tracer warnings
        torch.onnx.export(Hidden().eval(), tuple(enc[n] for n in names), str(path), input_names=names,
                          output_names=["hidden"], opset_version=17, dynamo=False,
                          dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "hidden"]})


def quantised_model(model: Any, model_dir: Path) -> Path:
    """The cached int8 ONNX file for this model, built on first use (export + quantise: ~5 s for MiniLM)."""
    import onnxruntime
    import torch

    key = f"{_weights_digest(model_dir)}-{FORMAT}-ort{onnxruntime.__version__}-torch{torch.__version__.split('+')[0]}"
    target = cache_dir() / "onnx" / f"{model_dir.name}-{key}.onnx"
    if target.is_file():
        return target
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        fp32, int8 = Path(tmp) / "fp32.onnx", Path(tmp) / "int8.onnx"
        _export(model, fp32)
        root = logging.getLogger()
        level, root.level = root.level, logging.ERROR  # quantize_dynamic's advice to pre-process, on the root logger
        try:
            quantize_dynamic(str(fp32), str(int8), per_channel=True, op_types_to_quantize=["MatMul"],
                             weight_type=QuantType.QInt8)
        finally:
            root.setLevel(level)
        os.replace(int8, target)  # atomic: a concurrent start sees the whole file or none
    return target


class Int8OnnxEncoder:
    """Unit-length sentence embeddings from the int8 ONNX copy of `model` (a loaded SentenceTransformer)."""

    def __init__(self, model: Any, model_dir: Path, threads: int | None = None):
        import onnxruntime as ort

        self.tokenizer = model.tokenizer
        self.max_tokens = int(model.max_seq_length)
        self.normalize = len(model) > 2
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads or 0  # 0: ONNX Runtime's default, one per core
        opts.log_severity_level = 3
        self.session = ort.InferenceSession(str(quantised_model(model, model_dir)), opts,
                                            providers=["CPUExecutionProvider"])
        self.inputs = [i.name for i in self.session.get_inputs()]

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        ids = self.tokenizer(texts, truncation=True, max_length=self.max_tokens)["input_ids"]
        order = np.argsort([len(x) for x in ids], kind="stable")  # batches of like length: little padding
        out = np.zeros((len(texts), 0), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            rows = order[start:start + batch_size]
            width = max(len(ids[i]) for i in rows)
            input_ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for r, i in enumerate(rows):
                input_ids[r, :len(ids[i])] = ids[i]
                mask[r, :len(ids[i])] = 1
            feed = {"input_ids": input_ids, "attention_mask": mask, "token_type_ids": np.zeros_like(input_ids)}
            hidden = self.session.run(None, {k: feed[k] for k in self.inputs})[0]
            m = mask[:, :, None].astype(np.float32)
            vecs = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
            if out.shape[1] == 0:
                out = np.zeros((len(texts), vecs.shape[1]), dtype=np.float32)
            out[rows] = vecs
        if self.normalize:
            out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out
