"""Team-level figures computed from the query layer (which enforces the minimum group size)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.engine import Engine

from slopradar import queries

from .detector import AILikenessDetector
from .estimate import ai_share_from_sums


def ai_share_by_team(engine: Engine, min_group_size: int, f: queries.Filters = queries.Filters(),
                     adoption_date: str | None = None) -> list[dict[str, Any]]:
    """Estimated share of AI-written messages per team, with a 95 % interval; with an adoption date,
    corrected by each team's messages from before it (when enough of its people wrote then)."""
    mean_ai = float(AILikenessDetector.from_json().provenance_.get("mean_ai_probability_heldout", 1.0))
    periods = [f]
    if adoption_date:
        adopted = date.fromisoformat(adoption_date)
        start = max(queries.week_start(f.start), queries.week_start(adopted)) if f.start else adopted
        periods = [queries.Filters(start, f.end, f.team_id, f.channel, f.language),
                   queries.Filters(None, adopted, f.team_id, f.channel, f.language)]
    out = []
    for team, g in sorted(queries.person_sums(engine, min_group_size, periods, ("prob_sum", "scored")).items()):
        if not team or not g["enough_authors"][0]:
            continue
        cur = g["periods"][0]
        if cur["scored"].sum() == 0:
            continue
        base = g["periods"][1] if len(periods) > 1 and g["enough_authors"][1] else None
        est = ai_share_from_sums(cur["prob_sum"], cur["scored"], base["prob_sum"] if base else None,
                                 base["scored"] if base else None, mean_ai_probability=mean_ai)
        out.append({"team": team, "ai_share": est.share, "low": est.low, "high": est.high,
                    "messages_scored": est.n_messages, "baseline": est.baseline, "method": est.method})
    return out
