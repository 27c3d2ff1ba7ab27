"""The audit's statistics (coverage in simulation, honest verdicts) and the footprint formulas against
worked examples computed by hand from EcoLogits' published coefficients."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis import footprint, stats


def _people(rng, k, base_rate, shift, messages=20):
    """k people, each with their own rate (clustered data) before, and that rate + shift after."""
    rates = rng.beta(2, 8, k) * base_rate / 0.2
    n_b, n_a = rng.poisson(messages, k) + 1, rng.poisson(messages, k) + 1
    return (rng.binomial(n_b, rates).astype(float), n_b.astype(float),
            rng.binomial(n_a, np.clip(rates + shift, 0, 1)).astype(float), n_a.astype(float))


def test_intervals_cover_a_known_effect_at_the_stated_rate():
    rng = np.random.default_rng(42)
    sims, covered = 200, 0
    for i in range(sims):
        bn, bd, an, ad = _people(rng, 40, 0.2, 0.10)
        c = stats.compare(bn, bd, an, ad, proportion=True, n_boot=400, seed=i)
        covered += c.difference.low <= 0.10 <= c.difference.high
    coverage = covered / sims
    # 95 % nominal; 200 simulations give a binomial standard error of about 1.5 points
    assert 0.90 <= coverage <= 0.99, coverage


def test_ratio_interval_covers_the_population_share():
    rng = np.random.default_rng(7)
    hits = 0
    for i in range(150):
        bn, bd, _, _ = _people(rng, 30, 0.2, 0.0)
        iv = stats.ratio_interval(bn, bd, n_boot=400, seed=i)
        hits += iv.low <= 0.2 <= iv.high
    assert 0.88 <= hits / 150 <= 0.99


def test_no_effect_gives_no_detectable_change():
    rng = np.random.default_rng(3)
    bn, bd, an, ad = _people(rng, 400, 0.2, 0.0, messages=60)
    c = stats.compare(bn, bd, an, ad, proportion=True, seed=1)
    assert stats.verdict(c, "worse", margin=0.02, relative_margin=False) == "no detectable change"
    # the same share in both periods (11 of 30), with little data: wide, and it says so
    den = np.full(6, 5.0)
    c = stats.compare(np.array([1.0, 3, 0, 2, 4, 1]), den, np.array([2.0, 1, 1, 3, 2, 2]), den, proportion=True)
    assert stats.verdict(c, "worse", 0.02, False).startswith("no detectable change (the interval is wide")


def test_verdicts_never_overstate():
    rng = np.random.default_rng(5)
    bn, bd, an, ad = _people(rng, 200, 0.2, 0.15, messages=40)
    c = stats.compare(bn, bd, an, ad, proportion=True, seed=2)
    assert stats.verdict(c, "worse", 0.02, False) == "clearly worse"
    assert stats.verdict(c, "better", 0.02, False) == "clearly better"  # polarity decides the word
    assert stats.verdict(c, "neutral", 0.02, False) == "clearly higher"
    # a real but small shift: the interval excludes zero, not the margin
    bn, bd, an, ad = _people(rng, 2000, 0.2, 0.012, messages=60)
    c = stats.compare(bn, bd, an, ad, proportion=True, seed=2)
    assert c.difference.low > 0
    assert stats.verdict(c, "worse", 0.02, False) == "worse (small change)"


def test_paired_resampling_keeps_people_together():
    # the same people, the same values: the change is exactly zero in every replicate
    x, n = np.array([1.0, 5, 2, 8]), np.array([10.0, 10, 10, 10])
    c = stats.compare(x, n, x, n, proportion=True, n_boot=200)
    assert c.difference.low == c.difference.high == 0.0


# -- footprint ------------------------------------------------------------------------------
def test_energy_per_token_matches_the_published_table():
    # EcoLogits f_E at B = 64, in mWh per output token per GPU (methodology page)
    for p, expected in ((8, 0.0451), (24, 0.0542), (70, 0.0804), (132, 0.1157)):
        assert footprint.gpu_energy_per_token(p) * 1000 == pytest.approx(expected, abs=5e-5)
    assert footprint.gpu_count(440) == 16  # 1.2 x 440 x 2 = 1,056 GB -> 14 -> 16 GPUs
    assert footprint.gpu_count(8) == 1 and footprint.gpu_count(70) == 4


def test_a_300_token_answer_worked_by_hand():
    # GPT-4o class, P_active = 44B of 440B, B = 64, OpenAI data centre (PUE 1.2, WUE 0.569), USA mix.
    f_e = 1.1665273170451914e-06 * math.exp(-0.011205921025579175 * 64) * 44 + 4.052928146734005e-05
    f_l = 6.785088094353663e-04 * 44 + 3.119310311688259e-04 * 64 + 1.9473717579473387e-02
    dt = 300 * f_l  # 20.79 s
    server = dt / 3600 * 1200 * 16 / 8 / 64  # Wh
    it = server + 16 * 300 * f_e  # 0.5313 Wh
    by_hand_energy = 1.2 * it  # 0.6376 Wh
    by_hand_water = it / 1000 * (0.569 + 1.2 * 3.1321)  # 2.30 mL
    by_hand_embodied = dt / (64 * 3 * 365 * 24 * 3600) * (16 / 8 * 5700 + 16 * 273) * 1000  # g
    got = footprint.request_impacts(300, 44, 440, pue=1.2, wue_onsite=0.569, wue_offsite=3.1321,
                                    grid_g_per_kwh=384.4)
    assert got.energy_wh == pytest.approx(by_hand_energy) == pytest.approx(0.638, abs=1e-3)
    assert got.water_l == pytest.approx(by_hand_water) == pytest.approx(0.00230, abs=1e-5)
    assert got.gwp_usage_g == pytest.approx(0.245, abs=1e-3)
    assert got.gwp_embodied_g == pytest.approx(by_hand_embodied)
    assert got.gwp_g == pytest.approx(0.299, abs=1e-3)
    # the upper end of the class (132B active): EcoLogits 0.11.3 gives 1.15 Wh, 0.543 g, 4.15 mL
    hi = footprint.request_impacts(300, 132, 440, 1.2, 0.569, 3.1321, 384.4)
    assert (hi.energy_wh, hi.gwp_g, hi.water_l * 1000) == pytest.approx((1.150, 0.543, 4.15), abs=3e-3)


def test_on_premises_8b_worked_example():
    # 8B dense, France (PUE 1.5, no on-site water, 3.6737 L/kWh off-site): 0.033 Wh and 0.12 mL
    got = footprint.request_impacts(300, 8, 8, 1.5, 0.0, 3.6737, 44.18)
    assert got.energy_wh == pytest.approx(0.033, abs=5e-4)
    assert got.water_l * 1000 == pytest.approx(0.12, abs=5e-3)


def test_estimate_is_a_range_and_input_tokens_raise_only_the_upper_end():
    low_only = footprint.estimate(300_000, 0)
    with_input = footprint.estimate(300_000, 1_000_000)
    assert low_only.energy_wh[0] < low_only.energy_wh[1]
    assert with_input.energy_wh[0] == low_only.energy_wh[0]
    assert with_input.energy_wh[1] > low_only.energy_wh[1]
    # 1M input tokens at 0.25 mWh each (Epoch AI, a GPT-4o-class model taken as 88B active) add 250 Wh,
    # scaled to the upper end of the class (132B active) by its energy per output token
    scale = (footprint.request_impacts(1, 132, 440, 1, 0, 0, 0).it_energy_wh
             / footprint.request_impacts(1, 88, 440, 1, 0, 0, 0).it_energy_wh)
    assert with_input.energy_wh[1] - low_only.energy_wh[1] == pytest.approx(250 * scale, rel=1e-6)
    assert low_only.gwp_local_g[1] < low_only.gwp_g[1]  # France's grid against the US one
    assert all(e.low <= e.high and e.source for e in low_only.equivalences)
    energy = low_only.equivalences[0]  # the energy's equivalence, in the unit that reads best
    per_unit = {label: amount for label, amount, _ in footprint.ENERGY_EQUIVALENCES}[energy.label]
    assert energy.high == pytest.approx(low_only.energy_wh[1] / 1000 / per_unit)
    mini = footprint.estimate(300_000, 0, "mini")
    assert mini.energy_wh[1] < low_only.energy_wh[0]  # a small model is far cheaper than a frontier one


@pytest.mark.parametrize("tokens", [3e3, 1e5, 1e7, 1e9])
def test_equivalences_are_readable_numbers(tokens):
    """Each equivalence is given in the unit that puts it between 0.1 and 1000 ('2–7 smartphone charges',
    never '0.0046–0.017 days of drinking water')."""
    fp = footprint.estimate(tokens, tokens)
    assert len(fp.equivalences) == 2  # one for energy, one for water
    for e in fp.equivalences:
        assert 0.1 <= e.low <= e.high <= 1000, (tokens, e)
