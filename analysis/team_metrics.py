"""Team-level figures computed from the query layer (which enforces the minimum group size)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from slopradar import queries

from .detector import AILikenessDetector
from .estimate import ai_share


def ai_share_by_team(engine: Engine, min_group_size: int, f: queries.Filters = queries.Filters(),
                     adoption_date: str | None = None) -> list[dict[str, object]]:
    """Estimated share of AI-written messages per team, with a 95 % interval."""
    adopted = datetime.fromisoformat(adoption_date).replace(tzinfo=UTC) if adoption_date else None
    mean_ai = float(AILikenessDetector.from_json().provenance_.get("mean_ai_probability_heldout", 1.0))
    out = []
    for team, g in sorted(queries.team_scores(engine, min_group_size, f, adopted).items()):
        if not g["probs"]:
            continue
        base_ok = len(set(g["baseline_authors"])) >= min_group_size
        est = ai_share(g["probs"], g["authors"], g["baseline_probs"] if base_ok else None,
                       g["baseline_authors"] if base_ok else None, mean_ai_probability=mean_ai)
        out.append({"team": team, "ai_share": est.share, "low": est.low, "high": est.high,
                    "messages_scored": est.n_messages, "baseline": est.baseline, "method": est.method})
    return out
