"""Issue 19, item 4: the embedding model is versioned end to end. A model is known by its weights: switching to
another model re-analyses every message under the new model (its own width, its own thresholds, or MiniLM's
with a warning); the same weights under another directory name are the same model; a detector that reads
embeddings refuses a model or width it was not trained on, in one clear message."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from sqlmodel import Session, select

from analysis.chains import chains_version
from analysis.detector import AILikenessDetector, EmbeddingMismatch
from analysis.embedding_profile import MINILM, PROFILE_FILE
from analysis.embeddings import DEFAULT_MODEL, load_embedder, model_name, model_profile, resolve_model_path
from analysis.messages import MessageAnalyzer, analyzer_version
from slopradar.config import Settings
from slopradar.pipeline import analyze, ingest_mailbox
from slopradar.forwarded import CARRIED
from slopradar.schema import DerivationEdge, Embedding, MessageScore
from slopradar.store import open_store

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
TINY_DIM = 48


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    """A one-layer, 48-d sentence-transformers model with MiniLM's tokenizer, made on the spot (nothing
    downloaded): another model, as an organisation might plug in."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer import modules as models
    from transformers import BertConfig, BertModel

    tmp = tmp_path_factory.mktemp("tiny")
    src = resolve_model_path(DEFAULT_MODEL)
    torch.manual_seed(0)
    BertModel(BertConfig(hidden_size=TINY_DIM, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64)
              ).save_pretrained(tmp / "hf")
    for f in ("vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        shutil.copy(src / f, tmp / "hf" / f)
    model = SentenceTransformer(modules=[models.Transformer(str(tmp / "hf")), models.Pooling(TINY_DIM, "mean"),
                                         models.Normalize()], device="cpu")
    model.save(str(tmp / "tiny-48"))
    return tmp / "tiny-48"


@pytest.fixture(scope="module")
def renamed_minilm(tmp_path_factory) -> Path:
    """The bundled MiniLM's files under another directory name (links: same bytes)."""
    dst = tmp_path_factory.mktemp("models") / "our-approved-encoder"
    src = resolve_model_path(DEFAULT_MODEL)
    for f in src.rglob("*"):
        if f.is_file():
            (dst / f.relative_to(src)).parent.mkdir(parents=True, exist_ok=True)
            (dst / f.relative_to(src)).symlink_to(f)
    return dst


def test_a_model_is_known_by_its_weights_not_its_name(renamed_minilm, tiny_model):
    assert model_name(str(renamed_minilm)) == model_name(DEFAULT_MODEL)
    assert model_name(DEFAULT_MODEL).startswith("all-MiniLM-L6-v2@")
    assert model_profile(str(renamed_minilm)) == MINILM and MINILM.warning("x") is None
    assert analyzer_version(str(renamed_minilm)) == analyzer_version(DEFAULT_MODEL)
    other = model_name(str(tiny_model))
    assert other.startswith("tiny-48@") and other != model_name(DEFAULT_MODEL)
    assert analyzer_version(str(tiny_model)) != analyzer_version(DEFAULT_MODEL)
    profile = model_profile(str(tiny_model))
    assert not profile.tuned and "not measured on this model" in (profile.warning(other) or "")


def test_a_profile_beside_the_weights_sets_that_models_thresholds(tiny_model, tmp_path):
    own = tmp_path / "tiny-with-profile"
    shutil.copytree(tiny_model, own)
    (own / PROFILE_FILE).write_text(json.dumps({"candidate_cosine": 0.6, "relay_cosine": 0.7}), encoding="utf-8")
    profile = model_profile(str(own))
    assert profile.tuned and profile.candidate_cosine == 0.6 and profile.relay_cosine == 0.7
    # other thresholds: the chains are rebuilt (scores do not read them)
    assert chains_version(profile=profile) != chains_version(profile=model_profile(str(tiny_model)))
    (own / PROFILE_FILE).write_text(json.dumps({"candidate_cosin": 0.6}), encoding="utf-8")
    with pytest.raises(ValueError, match="unknown fields"):
        model_profile(str(own))


def test_a_detector_reading_embeddings_refuses_another_width_in_one_message(tiny_model):
    det = AILikenessDetector.from_json()
    det.use_embedding = True  # as if trained with MiniLM's 384 embedding features
    n = len(det.coef_)
    det.coef_ = np.concatenate([det.coef_[:len(det.dense_mean_)], np.zeros(384), det.coef_[len(det.dense_mean_):]])
    assert len(det.coef_) == n + 384
    det.provenance_ = {**det.provenance_, "embedding_model": model_name(DEFAULT_MODEL)}
    MessageAnalyzer(load_embedder(DEFAULT_MODEL), det)  # the model it was trained on: fine
    with pytest.raises(EmbeddingMismatch, match=r"384-d .* 48-d"):
        MessageAnalyzer(load_embedder(str(tiny_model)), det)
    # the shipped detector reads no embedding: any model is fine
    MessageAnalyzer(load_embedder(str(tiny_model)))


def _state(engine):
    with Session(engine) as s:
        # a forward's carried original's vector is the same model's (forwarded.CARRIED): dropped with it too
        return (sorted({m.removesuffix(CARRIED) for m in s.exec(select(Embedding.model))}),
                sorted(set(s.exec(select(Embedding.dim)))),
                sorted((e.child_id, e.parent_id) for e in s.exec(select(DerivationEdge))),
                s.exec(select(MessageScore).where(MessageScore.ai_not_scored.like("detector error%"))).all())  # type: ignore[union-attr]


def test_switching_models_re_analyses_everything_and_a_rename_nothing(tmp_path, tiny_model, renamed_minilm):
    settings = Settings(db=str(tmp_path / "s.db"), data_dir=str(tmp_path / "state"),
                        team_mapping=str(SAMPLES / "teams.yaml"))
    engine = open_store(settings)
    ingest_mailbox(engine, settings, SAMPLES / "mailbox.mbox", progress=False)
    first = analyze(engine, settings, progress=False)
    assert first["pending"] > 30 and first["embedding_model"] == model_name(DEFAULT_MODEL)
    models, dims, edges, errors = _state(engine)
    assert models == [model_name(DEFAULT_MODEL)] and dims == [384] and not errors

    renamed = analyze(engine, settings.model_copy(update={"embedding_model": str(renamed_minilm)}), progress=False)
    assert renamed["pending"] == 0 and renamed["warnings"] == []
    assert _state(engine)[2] == edges  # same weights, same thresholds: the same chains

    tiny = settings.model_copy(update={"embedding_model": str(tiny_model)})
    switched = analyze(engine, tiny, progress=False)
    assert switched["pending"] == first["pending"] and switched["scored"] == first["scored"]
    assert any("not measured on this model" in w for w in switched["warnings"])
    models, dims, _edges, errors = _state(engine)
    assert models == [model_name(str(tiny_model))] and dims == [TINY_DIM] and not errors  # old vectors dropped
    assert switched["chains"]["chunks_rebuilt"] == switched["chains"]["chunks"]
    # rebuilt chunks store their new fingerprints: the next run rebuilds nothing (it rebuilt every chunk on every
    # run once any chunk had changed, and missed switching back to fingerprints first stored)
    assert analyze(engine, tiny, progress=False)["chains"]["chunks_rebuilt"] == 0

    back = analyze(engine, settings, progress=False)
    assert back["pending"] == first["pending"]
    assert _state(engine)[:3] == ([model_name(DEFAULT_MODEL)], [384], edges)
