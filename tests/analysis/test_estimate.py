"""The team estimate: interval covers the truth, resamples people, uses the baseline."""

import numpy as np
import pytest

from analysis.estimate import ai_share


def test_interval_and_baseline_correction():
    rng = np.random.default_rng(1)
    authors = [f"p{i % 12}" for i in range(600)]
    truth = rng.random(600) < 0.3
    # a detector with a false-alarm floor: human messages score 0.1, AI ones 0.8 on average
    probs = np.where(truth, 0.8, 0.1) + rng.normal(0, 0.02, 600)
    plain = ai_share(list(probs), authors)
    assert plain.low <= plain.share <= plain.high and plain.share > 0.3  # inflated by the floor
    base = list(0.1 + rng.normal(0, 0.02, 300))
    corrected = ai_share(list(probs), authors, base, [f"p{i % 12}" for i in range(300)], mean_ai_probability=0.8)
    assert corrected.baseline == pytest.approx(0.1, abs=0.01)
    assert corrected.low <= 0.3 <= corrected.high
    assert "baseline" in corrected.method and corrected.n_authors == 12
    with pytest.raises(ValueError):
        ai_share([], [])
