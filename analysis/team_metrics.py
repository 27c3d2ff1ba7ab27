"""Team-level AI share and footprint tokens, from what the query layer released (which enforces the minimum
group size). Pure: slopradar/audit_data.py reads the store (`ai_share_by_team`, `ai_tokens_by_team`) and passes
the per-person sums and token totals in."""

from __future__ import annotations

import functools
from datetime import date, datetime
from typing import Any

from .detector import AILikenessDetector
from .estimate import PUBLIC_LLM_DATE, DetectorRates, ai_share_from_sums, human_by_construction


@functools.lru_cache(maxsize=1)
def shipped_rates() -> DetectorRates:
    """The shipped detector's held-out error levels, read from its artifact once per process."""
    return DetectorRates.from_provenance(AILikenessDetector.from_json().provenance_)


def baseline_end(adoption_date: str | date | None) -> date:
    """The team's human baseline is everything before this day: the adoption date, and never earlier than the
    public release of chat LLMs (messages before it are human by construction)."""
    adopted = date.fromisoformat(adoption_date) if isinstance(adoption_date, str) else adoption_date
    return max(adopted, PUBLIC_LLM_DATE) if adopted else PUBLIC_LLM_DATE


def share_periods(start: date | datetime | None, end: date | datetime | None,
                  adoption_date: str | date | None) -> tuple[date | datetime, date]:
    """The current period's start (never before the human baseline's end) and the baseline's end."""
    base_end = baseline_end(adoption_date)
    if start is None or _day(start) < base_end:
        start = base_end
    return start, base_end


def shares_from_sums(sums: dict[str, dict[str, Any]], end: date | datetime | None,
                     base_end: date) -> list[dict[str, Any]]:
    """Estimated share of AI-written messages per team, with a 95 % interval, corrected for the detector's
    held-out error levels and by each team's human baseline (its messages before the adoption date and
    before 30 Nov 2022, when enough of its people wrote then). A period that ends before public chat LLMs
    is human by construction: share 0, no interval.

    `sums`: per-person sums of prob_sum and scored (queries' person_sums) for three periods: the selected one,
    its part after the baseline (`share_periods`), and the baseline; `end`: the selected period's end."""
    rates = shipped_rates()
    ended_before = end is not None and human_by_construction(_day(end))
    out = []
    for team, g in sorted(sums.items()):
        if not team or not g["enough_authors"][0]:
            continue
        cur = g["periods"][1]
        if ended_before or (cur["scored"].sum() == 0 and base_end <= PUBLIC_LLM_DATE):
            if g["periods"][0]["scored"].sum() == 0:
                continue
            out.append({"team": team, "ai_share": 0.0, "low": 0.0, "high": 0.0, "human_by_construction": True,
                        "mean_score": None,
                        "messages_scored": int(g["periods"][0]["scored"].sum()), "baseline": None,
                        "method": f"human by construction: written before {PUBLIC_LLM_DATE:%d %B %Y}",
                        "separable": True, "notes": []})
            continue
        if cur["scored"].sum() == 0 or not g["enough_authors"][1]:
            continue
        base = g["periods"][2] if g["enough_authors"][2] and g["periods"][2]["scored"].sum() else None
        est = ai_share_from_sums(cur["prob_sum"], cur["scored"], base["prob_sum"] if base else None,
                                 base["scored"] if base else None, rates=rates)
        out.append({"team": team, "ai_share": est.share, "low": est.low, "high": est.high,
                    "human_by_construction": False, "mean_score": float(cur["prob_sum"].sum() / cur["scored"].sum()),
                    "messages_scored": est.n_messages, "baseline": est.baseline,
                    "method": est.method, "separable": est.separable, "notes": est.notes})
    return out


def scale_tokens(tokens: dict[str, tuple[float, float]], shares: list[dict[str, Any]]) -> dict[str, tuple[float, float]]:
    """Per team: tokens generated and read by AI for the footprint (`tokens`: queries' ai_tokens), scaled from
    probability-weighted words to the corrected AI share (a floor of false alarms on human text costs no energy;
    a human-by-construction period none at all). Teams without a share estimate (`shares`) are absent."""
    by_team = {r["team"]: r for r in shares}
    out = {}
    for team, (o, i) in tokens.items():
        r = by_team.get(team)
        if r is None:
            continue
        k = r["ai_share"] / r["mean_score"] if r.get("mean_score") else 0.0
        out[team] = (o * k, i * k)
    return out


def share_words(r: dict[str, Any] | None) -> str:
    """A team's AI share as a manager reads it: never a bare floor of false alarms."""
    if r is None:
        return "not enough data"
    if r.get("human_by_construction"):
        return f"none: human (before {PUBLIC_LLM_DATE:%b %Y})"
    if not r.get("separable", True):
        return f"cannot tell ({r['low']:.0%}–{r['high']:.0%})"
    if r["ai_share"] == 0:
        return f"none detected (0–{r['high']:.0%})"
    return f"{r['ai_share']:.0%} ({r['low']:.0%}–{r['high']:.0%})"


def _day(d: date | datetime) -> date:
    return d.date() if isinstance(d, datetime) else d
