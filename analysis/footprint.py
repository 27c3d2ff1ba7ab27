"""Energy, greenhouse gases and water of the AI generation and summarisation we detect.

The formulas and coefficients are EcoLogits' LLM-inference model (GenAI Impact; Rincé & Banse,
JOSS 10(111):7471, 2025, doi:10.21105/joss.07471; methodology https://ecologits.ai, code
genai-impact/ecologits v0.11.3, MPL-2.0), re-implemented here so that nothing calls the network
and the ranges we need (model size, batch size, input tokens) are explicit. docs/audit.md
explains every assumption. Results are ranges, never a single figure.

Per request of T output tokens on a model with P_active / P_total billion parameters, batch B:
    f_E(P, B) = a_E exp(b_E B) P + c_E            Wh per output token per GPU
    f_L(P, B) = a_L P + b_L B + c_L               s per output token
    n_GPU     = 2^ceil(log2(ceil(1.2 P_total 16/8 / 80)))
    dT        = T f_L
    E_server  = dT/3600 * 1200 W * n_GPU/8 / B + n_GPU T f_E     (IT energy, Wh)
    E_request = PUE * E_server
    GWP_usage = E_request * F_em ;  water = E_server * (WUE_onsite + PUE * WUE_offsite)
    GWP_embodied = dT / (B * 3 years) * (n_GPU/8 * 5700 kg + n_GPU * 273 kg)
Everything is linear in T, so the footprint of many messages is that of their total tokens.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

ECOLOGITS_VERSION = "0.11.3"
# f_E: GPU energy per output token (Wh), fitted on the ML.ENERGY leaderboard (H100, vLLM)
ALPHA_E, BETA_E, GAMMA_E = 1.1665273170451914e-06, -0.011205921025579175, 4.052928146734005e-05
# f_L: generation latency per output token (s)
ALPHA_L, BETA_L, GAMMA_L = 6.785088094353663e-04, 3.119310311688259e-04, 1.9473717579473387e-02
SERVER_POWER_W = 1200.0  # server without GPUs, AWS p5.48xlarge (BoaviztAPI)
SERVER_GPUS = 8
GPU_MEMORY_GB = 80.0  # NVIDIA H100 80GB
QUANTIZATION_BITS = 16
MEMORY_OVERHEAD = 1.2  # EleutherAI "Transformer Math 101"
SERVER_EMBODIED_KG = 5700.0  # p5.48xlarge without GPUs (BoaviztAPI)
GPU_EMBODIED_KG = 273.0  # H100 80GB, EcoLogits 0.11.3 constant
LIFETIME_S = 3 * 365 * 24 * 3600
BATCH_SIZES = (32, 64, 128)  # EcoLogits fixes 64; we show the sensitivity
# Prefill (input tokens), which EcoLogits leaves out: Epoch AI (2025) puts a 10k-token input to a
# GPT-4o-class model at about 2.5 Wh, i.e. 0.25 mWh per input token; scaled to other classes in
# proportion to their energy per output token. Added to the upper bound only.
PREFILL_WH_PER_TOKEN_FRONTIER = 2.5 / 10_000


@dataclass(frozen=True)
class ModelClass:
    label: str
    active_b: tuple[float, float]  # billions of active parameters (min, max)
    total_b: tuple[float, float]


# Parameter counts from EcoLogits' models.json (estimates for closed models).
MODEL_CLASSES: dict[str, ModelClass] = {
    "frontier": ModelClass("frontier mixture-of-experts (GPT-4o / Claude Sonnet class)", (44, 132), (440, 440)),
    "mini": ModelClass("small hosted model (GPT-4o-mini class)", (8, 28), (8, 28)),
    "large-dense": ModelClass("large dense model (Mistral Large class, 123B)", (123, 123), (123, 123)),
    "small-dense": ModelClass("small dense model run on premises (8B)", (8, 8), (8, 8)),
}


def gpu_energy_per_token(p_active: float, batch: int = 64) -> float:
    """Wh per output token per GPU (EcoLogits f_E)."""
    return ALPHA_E * math.exp(BETA_E * batch) * p_active + GAMMA_E


def latency_per_token(p_active: float, batch: int = 64) -> float:
    """Seconds per output token (EcoLogits f_L)."""
    return ALPHA_L * p_active + BETA_L * batch + GAMMA_L


def gpu_count(p_total: float) -> int:
    """GPUs needed to hold the model, rounded up to a power of two."""
    memory = MEMORY_OVERHEAD * p_total * QUANTIZATION_BITS / 8
    return int(2 ** math.ceil(math.log2(max(1, math.ceil(memory / GPU_MEMORY_GB)))))


@dataclass(frozen=True)
class Impacts:
    it_energy_wh: float  # servers and GPUs, before data-centre overhead
    energy_wh: float  # with PUE
    gwp_usage_g: float
    gwp_embodied_g: float
    water_l: float

    @property
    def gwp_g(self) -> float:
        return self.gwp_usage_g + self.gwp_embodied_g


def request_impacts(output_tokens: float, p_active: float, p_total: float, pue: float, wue_onsite: float,
                    wue_offsite: float, grid_g_per_kwh: float, batch: int = 64) -> Impacts:
    """Impacts of generating `output_tokens` (EcoLogits usage + embodied model; water is usage only)."""
    n_gpu = gpu_count(p_total)
    dt = output_tokens * latency_per_token(p_active, batch)
    server = dt / 3600 * SERVER_POWER_W * n_gpu / SERVER_GPUS / batch
    it = server + n_gpu * output_tokens * gpu_energy_per_token(p_active, batch)
    energy = pue * it
    embodied_kg = dt / (batch * LIFETIME_S) * (n_gpu / SERVER_GPUS * SERVER_EMBODIED_KG + n_gpu * GPU_EMBODIED_KG)
    return Impacts(it, energy, energy / 1000 * grid_g_per_kwh, embodied_kg * 1000,
                   it / 1000 * (wue_onsite + pue * wue_offsite))


@dataclass(frozen=True)
class Equivalence:
    label: str
    low: float
    high: float
    source: str


# Equivalences, with their sources (docs/audit.md).
EV_KWH_PER_KM = 0.21  # Weiss et al., Sustainability 16(17):7529 (2024): real-world mean of 342 EVs, 21 kWh/100 km
PHONE_KWH_PER_CHARGE = 0.019  # US EPA Greenhouse Gas Equivalencies Calculator, smartphone charged
DRINKING_L_PER_DAY = 2.0  # EFSA (2010) adequate total water intake, adult women


# (label, amount of the quantity per unit, source): kWh for energy, litres for water. `readable` picks one.
ENERGY_EQUIVALENCES = [
    ("minutes of a 10 W LED bulb", 10 / 60 / 1000, "a 10 W LED bulb (the light of a 60 W incandescent one) for a minute"),
    ("smartphone charges", PHONE_KWH_PER_CHARGE, "0.019 kWh per charge (US EPA Greenhouse Gas Equivalencies Calculator)"),
    ("km driven by an electric car", EV_KWH_PER_KM,
     "21 kWh/100 km, real-world mean of 342 EVs (Weiss et al., Sustainability 16(17):7529, 2024)"),
    ("thousand km driven by an electric car", EV_KWH_PER_KM * 1000,
     "21 kWh/100 km, real-world mean of 342 EVs (Weiss et al., Sustainability 16(17):7529, 2024)"),
]
WATER_EQUIVALENCES = [
    ("teaspoons of water", 0.005, "5 mL a teaspoon"),
    ("glasses of water", 0.25, "25 cL a glass"),
    ("days of one person's drinking water", DRINKING_L_PER_DAY, "2 L a day (EFSA 2010, adequate total water intake)"),
    ("years of one person's drinking water", DRINKING_L_PER_DAY * 365,
     "2 L a day (EFSA 2010, adequate total water intake)"),
]
READABLE = (0.1, 1000.0)


def readable(candidates: list[tuple[str, float, str]], low: float, high: float) -> Equivalence:
    """The first equivalence (in the list's order) whose whole range lands within 0.1–1000 units, else the one
    closest to that band (in orders of magnitude): '2–7 smartphone charges', never '0.0046–0.017 days of drinking water'."""
    import math

    def miss(per_unit: float) -> float:  # how many orders of magnitude the range falls outside the band
        lo, hi = low / per_unit, high / per_unit
        if hi <= 0:
            return 0.0 if per_unit == min(c[1] for c in candidates) else math.inf
        return max(0.0, math.log10(READABLE[0] / max(lo, 1e-300))) + max(0.0, math.log10(hi / READABLE[1]))

    label, per_unit, source = min(candidates, key=lambda c: (miss(c[1]) > 0, miss(c[1])))
    return Equivalence(label, low / per_unit, high / per_unit, source)


@dataclass(frozen=True)
class Footprint:
    output_tokens: float
    input_tokens: float
    energy_wh: tuple[float, float]
    gwp_g: tuple[float, float]  # usage + embodied, at the configured grid
    water_l: tuple[float, float]
    gwp_local_g: tuple[float, float]  # the same energy on the local comparison grid
    equivalences: list[Equivalence] = field(default_factory=list)
    assumptions: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def estimate(output_tokens: float, input_tokens: float, model_class: str = "frontier", pue: float = 1.2,
             wue_onsite: float = 0.569, wue_offsite: float = 3.1321, grid_g_per_kwh: float = 384.0,
             local_grid_g_per_kwh: float = 44.0) -> Footprint:
    """A min-max range over the class's parameter range and batch sizes 32-128. The low end is
    EcoLogits as published (output tokens only); the high end adds the prefill of input tokens."""
    mc = MODEL_CLASSES[model_class]
    lows, highs = [], []
    for b in BATCH_SIZES:
        lows.append(request_impacts(output_tokens, mc.active_b[0], mc.total_b[0], pue, wue_onsite, wue_offsite,
                                    grid_g_per_kwh, b))
        highs.append(request_impacts(output_tokens, mc.active_b[1], mc.total_b[1], pue, wue_onsite, wue_offsite,
                                     grid_g_per_kwh, b))
    lo = min(lows, key=lambda i: i.energy_wh)
    hi = max(highs, key=lambda i: i.energy_wh)
    # prefill energy for the high end, scaled from the frontier figure by energy per output token
    ref = request_impacts(1, 88, 440, 1.0, 0, 0, 0).it_energy_wh
    per_out = request_impacts(1, mc.active_b[1], mc.total_b[1], 1.0, 0, 0, 0).it_energy_wh
    prefill_it = input_tokens * PREFILL_WH_PER_TOKEN_FRONTIER / pue * per_out / ref
    hi_it = hi.it_energy_wh + prefill_it
    hi_energy = pue * hi_it
    energy = (lo.energy_wh, hi_energy)
    emb_hi = hi.gwp_embodied_g
    gwp = (lo.gwp_g, hi_energy / 1000 * grid_g_per_kwh + emb_hi)
    local = (lo.energy_wh / 1000 * local_grid_g_per_kwh + lo.gwp_embodied_g,
             hi_energy / 1000 * local_grid_g_per_kwh + emb_hi)
    water = (lo.water_l, hi_it / 1000 * (wue_onsite + pue * wue_offsite))
    eq = [readable(candidates, low, high) for candidates, low, high in (
        (ENERGY_EQUIVALENCES, energy[0] / 1000, energy[1] / 1000), (WATER_EQUIVALENCES, water[0], water[1]))]
    assumptions = {
        "model_class": model_class, "model": mc.label, "active_parameters_b": list(mc.active_b),
        "total_parameters_b": list(mc.total_b), "gpus": [gpu_count(mc.total_b[0]), gpu_count(mc.total_b[1])],
        "batch_sizes": list(BATCH_SIZES), "pue": pue, "wue_onsite_l_per_kwh": wue_onsite,
        "wue_offsite_l_per_kwh": wue_offsite, "grid_g_per_kwh": grid_g_per_kwh,
        "local_grid_g_per_kwh": local_grid_g_per_kwh, "ecologits_version": ECOLOGITS_VERSION,
        "prefill_wh_per_input_token_frontier": PREFILL_WH_PER_TOKEN_FRONTIER,
    }
    return Footprint(output_tokens, input_tokens, energy, gwp, water, local, eq, assumptions)
