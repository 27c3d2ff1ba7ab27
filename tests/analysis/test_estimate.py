"""The team estimate: corrects for the detector's error levels, reads 0 on human text, knows when it cannot tell."""

from datetime import date

import numpy as np
import pytest

from analysis.estimate import DetectorRates, PUBLIC_LLM_DATE, ai_share, human_by_construction

RATES = DetectorRates(ai_means=(0.75, 0.8, 0.85), human_means=(0.08, 0.1, 0.12))


def _team(rng, n, share, human=0.1, ai=0.8):
    truth = rng.random(n) < share
    return list(np.clip(np.where(truth, ai, human) + rng.normal(0, 0.03, n), 0, 1)), [f"p{i % 12}" for i in range(n)]


def test_interval_covers_the_truth_and_resamples_people():
    rng = np.random.default_rng(1)
    probs, authors = _team(rng, 600, 0.3)
    base, base_authors = _team(rng, 300, 0.0)
    est = ai_share(probs, authors, base, base_authors, rates=RATES)
    assert est.baseline == pytest.approx(0.1, abs=0.01)
    assert est.low <= 0.3 <= est.high and abs(est.share - 0.3) < 0.05
    assert "baseline" in est.method and est.n_authors == 12
    with pytest.raises(ValueError):
        ai_share([], [])


def test_an_all_human_team_reads_zero_and_its_interval_includes_zero():
    rng = np.random.default_rng(2)
    base, ba = _team(rng, 300, 0.0)
    covered = 0
    for seed in range(10):
        probs, authors = _team(np.random.default_rng(10 + seed), 200, 0.0)
        est = ai_share(probs, authors, base, ba, rates=RATES)
        assert est.share <= 0.02
        covered += est.low == 0.0
    assert covered >= 8  # a 95 % interval


def test_the_mean_probability_floor_is_not_a_share():
    """Without a baseline the detector's held-out human level absorbs the floor (the old estimate read 10 %)."""
    rng = np.random.default_rng(3)
    probs, authors = _team(rng, 400, 0.0)
    est = ai_share(probs, authors, rates=RATES)
    assert est.share < 0.03 and est.low == 0.0 and est.notes


def test_an_unseparable_register_gives_a_wide_interval_not_a_number():
    rng = np.random.default_rng(4)
    probs, authors = _team(rng, 400, 0.5, human=0.3, ai=0.32)
    est = ai_share(probs, authors, *_team(rng, 200, 0.0, human=0.3), rates=DetectorRates((0.31,), (0.3,)))
    assert not est.separable and est.high - est.low > 0.8


def test_periods_before_public_chat_llms_are_human_by_construction():
    assert human_by_construction(date(2001, 5, 1)) and human_by_construction(PUBLIC_LLM_DATE)
    assert not human_by_construction(date(2023, 1, 2)) and not human_by_construction(None)
