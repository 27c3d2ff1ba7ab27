"""Pre/post AI-adoption audit: every team metric of the registry (slopradar/metrics.py) in two periods, with
intervals, effect sizes and verdicts, the cost in hours, the footprint and the worst fact-loss chains.

Pure: `compute` takes what slopradar/audit_data.py read through the query layer (so the privacy threshold holds
here as on the dashboard) and returns the audit. docs/audit.md is the methods text.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

from slopradar import __version__, metrics
from slopradar.aggregates import week_start
from slopradar.config import Settings
from slopradar.metrics import Metric

from . import footprint, stats
from .estimate import PUBLIC_LLM_DATE

class AuditError(Exception):
    """The requested audit cannot be computed (periods outside the data, unknown team...)."""


@dataclass(frozen=True)
class Period:
    label: str
    start: date  # a Monday
    end: date  # exclusive, a Monday

    @property
    def weeks(self) -> int:
        return (self.end - self.start).days // 7

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "start": self.start.isoformat(),
                "end_inclusive": (self.end - timedelta(days=1)).isoformat(), "weeks": self.weeks}


METRICS = metrics.METRICS  # the registry's list (a compatible name: the audit compares metrics.audited())


@dataclass(frozen=True)
class AuditData:
    """What the audit reads from the store, gathered by slopradar/audit_data.py through the query layer."""

    before: Period
    after: Period
    sums: dict[str, dict[str, Any]]  # queries' person_sums for both periods: team -> per-person arrays
    tokens: dict[str, dict[str, tuple[float, float]]]  # period label -> team -> AI tokens (out, in)
    weekly: list[dict[str, Any]]  # queries.team_weekly over both periods
    chains: list[dict[str, Any]]  # queries.chains_overview(with_facts=True) over both periods
    team_names: list[str] = field(default_factory=list)  # every team shown anywhere (colours)
    store_signature: str = ""
    adoption: date | None = None
    transition: bool = False
    team: str | None = None  # the scope asked for (None: the organisation)


def periods_around(weeks: list[str], adoption: date) -> tuple[Period, Period, bool]:
    """Before = whole weeks before the adoption date's week, after = from it (or from the next
    week when the date is not a Monday: that transition week is left out). `weeks`: the first and last
    week with released data (queries.options(...)["weeks"]). Returns the flag."""
    if not weeks:
        raise AuditError("the store has no analysed team data yet: run `slopradar ingest ...` and `slopradar analyze`")
    first, last = date.fromisoformat(weeks[0]), date.fromisoformat(weeks[1]) + timedelta(days=7)
    cut = week_start(adoption)
    transition = cut != adoption
    after_start = cut + timedelta(days=7) if transition else cut
    if cut <= first:
        raise AuditError(f"adoption date {adoption} is not after the first week of data ({first}): "
                         "there is no 'before' period")
    if after_start >= last:
        raise AuditError(f"adoption date {adoption} is not before the last week of data "
                         f"({last - timedelta(days=7)}): there is no 'after' period")
    return Period("before", first, cut), Period("after", after_start, last), transition


def median_week(weeks: list[str]) -> date | None:
    """A date to offer when none is configured: the Monday of the median week that has released data, so that
    both sides have data even when the store spans a long gap (a 2001 archive and a 2016 export: the middle
    of the span fell in 2009, with no data on either side for years). None without data or with one week."""
    ordered = sorted(set(weeks))
    if len(ordered) < 2:
        return None
    return date.fromisoformat(ordered[len(ordered) // 2])


def explicit_period(label: str, start: date, end_inclusive: date) -> Period:
    if end_inclusive < start:
        raise AuditError(f"{label} period ends ({end_inclusive}) before it starts ({start})")
    return Period(label, week_start(start), week_start(end_inclusive) + timedelta(days=7))


def config_hash(settings: Settings) -> str:
    relevant = settings.model_dump(exclude={"db", "data_dir", "pseudonym_secret"})
    return hashlib.sha256(json.dumps(relevant, sort_keys=True, default=str).encode()).hexdigest()[:12]


def _ai_share_row(m: Metric, arrays: dict[str, Any], before: Period, after: Period, baseline_is_before: bool,
                  seed: int) -> dict[str, Any]:
    """The AI share of both periods from the corrected estimator (analysis/estimate.py), not from a mean of
    probabilities: a period before public chat LLMs is 0 by construction, the 'before' period is the team's
    human baseline when it is the pre-adoption period or human by construction."""
    from .estimate import ai_share_from_sums, human_by_construction
    from .team_metrics import shipped_rates

    row: dict[str, Any] = {"key": m.key, "label": m.label, "unit": m.unit, "higher_is": m.higher_is,
                           "relative": None, "effect_kind": "Cohen's h"}
    pb, pa = arrays["periods"]
    ok_b, ok_a = arrays["enough_authors"]
    if not (ok_b and ok_a):
        return row | {"verdict": "not enough data", "why": "a period has fewer people than the minimum group size"}
    rates = shipped_rates()
    human_b, human_a = human_by_construction(before.end - timedelta(days=1)), human_by_construction(
        after.end - timedelta(days=1))
    zero = {"value": 0.0, "low": 0.0, "high": 0.0}
    if human_b and human_a:
        return row | {"before": zero, "after": zero, "difference": zero, "effect_size": 0.0, "share_after": 0.0,
                      "human_by_construction": True,
                      "verdict": f"human by construction (both periods before {PUBLIC_LLM_DATE:%d %b %Y})"}
    base = baseline_is_before or human_b
    if pb["scored"].sum() < m.min_den and not human_b or pa["scored"].sum() < m.min_den:
        return row | {"verdict": "not enough data", "why": "a period has too few scored messages"}
    if base:
        b = zero
    else:
        e = ai_share_from_sums(pb["prob_sum"], pb["scored"], rates=rates, n_boot=stats.N_BOOT, seed=seed)
        b = {"value": e.share, "low": e.low, "high": e.high}
    ea = ai_share_from_sums(pa["prob_sum"], pa["scored"], pb["prob_sum"] if base else None,
                            pb["scored"] if base else None, rates=rates, n_boot=stats.N_BOOT, seed=seed + 1)
    a = {"value": ea.share, "low": ea.low, "high": ea.high}
    diff = {"value": a["value"] - b["value"], "low": a["low"] - b["high"], "high": a["high"] - b["low"]}
    h = 2 * np.arcsin(np.sqrt(a["value"])) - 2 * np.arcsin(np.sqrt(b["value"]))
    if not ea.separable:
        verdict = "cannot be measured (the detector does not separate this group's writing from AI text)"
    elif a["value"] == 0 and a["low"] == 0 and (base or b["value"] == 0):
        verdict = "no AI use detected"
    elif diff["low"] > 0:
        verdict = "clearly higher" if diff["low"] >= m.margin else "higher (small change)"
    else:
        verdict = "no detectable change (the interval is wide: a change cannot be ruled out)"
    return row | {"before": b, "after": a, "difference": diff, "effect_size": round(float(h), 3),
                  "share_after": ea.share, "baseline": "the 'before' period" if base else None,
                  "notes": ea.notes, "verdict": verdict}


def _compare_group(arrays: dict[str, Any], before: Period, after: Period, seed: int,
                   baseline_is_before: bool = True) -> list[dict[str, Any]]:
    pb, pa = arrays["periods"]
    ok_b, ok_a = arrays["enough_authors"]
    out = []
    for m in metrics.audited():
        if m.estimator == "ai_share":
            out.append(_ai_share_row(m, arrays, before, after, baseline_is_before, seed))
            continue
        row: dict[str, Any] = {"key": m.key, "label": m.label, "unit": m.unit, "higher_is": m.higher_is}
        bn, bd = m.num_of(pb), m.den_of(pb, before.weeks)
        an, ad = m.num_of(pa), m.den_of(pa, after.weeks)
        enough = ok_b and ok_a and bd.sum() >= m.min_den and ad.sum() >= m.min_den
        if not enough:
            row["verdict"] = "not enough data"
            row["why"] = ("a period has fewer people than the minimum group size" if not (ok_b and ok_a)
                          else "a period has too few messages or facts for this metric")
            out.append(row)
            continue
        c = stats.compare(bn, bd, an, ad, m.proportion, seed=seed)
        if c is None:
            out.append(row | {"verdict": "not enough data", "why": "nothing to measure"})
            continue
        row |= {"before": c.before.as_dict(), "after": c.after.as_dict(), "difference": c.difference.as_dict(),
                "relative": c.relative.as_dict() if c.relative else None, "effect_size": round(c.effect_size, 3),
                "effect_kind": c.effect_kind, "verdict": stats.verdict(c, m.higher_is, m.margin, m.relative_margin)}
        out.append(row)
    return out


COST_KEYS = ("padding_reading_hours_per_week", "fact_loss_incidents_per_week", "fact_loss_hours_per_week",
             "total_hours_per_week")


def _cost(arrays: dict[str, Any], periods: tuple[Period, Period], settings: Settings) -> dict[str, Any]:
    """Hours per week lost to padding and fact loss, for each period that has enough authors (a period
    without them is absent: none of its figures, nor anything computed from them, may be shown)."""
    out = {}
    for p, per, ok in zip(arrays["periods"], periods, arrays["enough_authors"], strict=True):
        if not ok:
            continue
        padding_h = float(metrics.get("padding_hours_per_week").num_of(p).sum())
        incidents = float(p["loss_copies"].sum())
        out[per.label] = {
            "padding_reading_hours_per_week": padding_h / per.weeks,
            "fact_loss_incidents_per_week": incidents / per.weeks,
            "fact_loss_hours_per_week": incidents * settings.incident_hours / per.weeks,
            "total_hours_per_week": (padding_h + incidents * settings.incident_hours) / per.weeks,
        }
    return out


def _organisation(teams: dict[str, dict[str, Any]], min_group_size: int) -> dict[str, Any]:
    """The organisation's per-person arrays: the teams shown, period by period. A team's period without
    enough authors adds nothing to the organisation's (else the organisation minus the teams shown would
    give that period's figures); its people stay as empty rows so that rows still pair across periods."""
    parts = [teams[k] for k in sorted(teams)]
    periods = []
    for i in range(len(parts[0]["periods"])):
        periods.append({c: np.concatenate([t["periods"][i][c] if t["enough_authors"][i]
                                           else np.zeros_like(t["periods"][i][c]) for t in parts])
                        for c in parts[0]["periods"][i]})
    return {"enough_authors": [int(p["active"].sum()) >= min_group_size for p in periods], "periods": periods}


def footprint_of(tokens: tuple[float, float], settings: Settings) -> dict[str, Any]:
    fp = footprint.estimate(tokens[0], tokens[1], settings.footprint_model_class, settings.footprint_pue,
                            settings.footprint_wue_onsite, settings.footprint_wue_offsite,
                            settings.footprint_grid_intensity, settings.footprint_local_grid_intensity)
    return fp.as_dict()


def _group_footprint(name: str, arrays: dict[str, Any], share: dict[str, Any], periods: tuple[Any, Any],
                     tokens: dict[str, Any], teams_shown: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """A group's AI footprint per period (the organisation: `name` ""), from its AI tokens scaled to its
    corrected AI share; none for a period without enough authors or without an AI share."""
    fp = {}
    for i, p in enumerate(periods):
        if not arrays["enough_authors"][i]:
            continue  # a period without enough authors shows no figure
        t = {k: v for k, v in tokens[p.label].items() if k in teams_shown and teams_shown[k]["enough_authors"][i]}
        tok = t.get(name) if name else (sum(v[0] for v in t.values()), sum(v[1] for v in t.values()))
        if tok is not None:
            # the tokens are probability-weighted words: scaled to the corrected share, so a floor of
            # false alarms on human text costs no energy (and a period before chat LLMs none at all)
            period = share.get(p.label)
            if period is None:
                continue  # no AI share for this period: no footprint either
            raw = float(arrays["periods"][i]["prob_sum"].sum()) / max(float(arrays["periods"][i]["scored"].sum()), 1)
            k = period["value"] / raw if raw > 0 else 0.0
            fp[p.label] = footprint_of((tok[0] * k, tok[1] * k), settings) | {
                "weeks": p.weeks, "ai_share": period["value"],
                "human_by_construction": bool(share.get("human_by_construction"))}
    return fp


def compute(data: AuditData, settings: Settings, seed: int = 0) -> dict[str, Any]:
    """The audit of what slopradar/audit_data.py gathered (slopradar.audit_data.run reads and calls this)."""
    min_n = settings.min_group_size
    pb, pa = data.before, data.after
    sums = dict(data.sums)
    if not any(k for k in sums):
        raise AuditError(f"no team reaches {min_n} authors in these periods: nothing can be shown")
    teams_shown = {k: v for k, v in sums.items() if k}
    if data.team is None:
        sums[""] = _organisation(teams_shown, min_n)
    groups = []
    names = [""] + sorted(teams_shown) if data.team is None else sorted(teams_shown)
    for name in names:
        arrays = sums[name]
        rows = _compare_group(arrays, pb, pa, seed, baseline_is_before=data.adoption is not None)
        share = next(m for m in rows if m["key"] == "ai_share")
        fp = _group_footprint(name, arrays, share, (pb, pa), data.tokens, teams_shown, settings)
        groups.append({
            "name": name or "Organisation (teams shown below)",
            "enough_authors": {"before": arrays["enough_authors"][0], "after": arrays["enough_authors"][1]},
            "metrics": rows,
            "cost": _cost(arrays, (pb, pa), settings),
            "footprint": fp,
        })
    chains = sorted(data.chains, key=lambda c: (-(c["critical_lost"] + c["critical_distorted"]), c["sent_at"]))
    worst = [c for c in chains if c["critical_lost"] + c["critical_distorted"] > 0][:5]
    return {
        "slopradar_version": __version__, "config_hash": config_hash(settings),
        "store_signature": data.store_signature,
        "scope": data.team or "organisation", "min_group_size": min_n,
        "adoption_date": data.adoption.isoformat() if data.adoption else None,
        "transition_week_left_out": data.transition,
        "periods": {"before": pb.as_dict(), "after": pa.as_dict()},
        "groups": groups,
        "weekly": [{k: r[k] for k in ("week", "team", "messages", "reading_hours", "sos_copies")}
                   | {m.view: r[m.view] for m in metrics.METRICS if m.view} for r in data.weekly],
        "team_colours": report_colours(data.team_names),
        "worst_chains": [{k: c[k] for k in ("sent_at", "conversation", "root_team", "excerpt", "copies", "max_depth",
                                            "summary_of_summary", "critical_lost", "critical_distorted",
                                            "teams_reached")}
                         | {"facts_lost": [{"kind": k, "fact": t, "status": s} for k, t, s in c["facts_lost"]]}
                         for c in worst],
        "assumptions": {"incident_hours": settings.incident_hours, "reading_wpm": metrics.READING_WPM,
                        "tokens_per_word_en": settings.tokens_per_word_en,
                        "tokens_per_word_other": settings.tokens_per_word_other, "bootstrap_replicates": stats.N_BOOT,
                        "seed": seed},
        "metric_definitions": [{"key": m.key, "label": m.label, "meaning": m.meaning, "higher_is": m.higher_is,
                                "smallest_change_that_matters": (f"{m.margin:.0%} relative" if m.relative_margin
                                                                 else f"{m.margin:g} absolute"),
                                "minimum_data": m.min_den, "reads_as": m.reads} for m in metrics.audited()],
    }


def report_colours(teams: list[str]) -> dict[str, str]:
    from .report import team_colours

    return team_colours(teams)
