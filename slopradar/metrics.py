"""The metric registry: every team metric declared once (issue 19).

A metric is a ratio of sums of aggregate-cell columns (schema.AggCell): `num` over `den`, where each is a
weighted sum of columns, or `den` is PER_WEEK (the period's weeks) or PER_PERSON_WEEK (active people times
weeks). Everything that shows a metric reads it from here:

- the query layer (slopradar/queries.py) adds each metric's `view` (num/den), `total` (num summed) and
  `den_total` columns to every released group it returns (`figures`), so a view never computes a ratio itself;
- the audit (analysis/audit.py) compares every metric with `audit=True` between two periods from per-person
  sums of the same columns (`num_of`, `den_of`), with its direction, margin and minimum data;
- the report (analysis/report.py) and the dashboard pages read labels, units, meanings and the sentence
  a figure reads as (`in_words`).

Adding a metric: append a Metric to METRICS (or `register` one), over existing cell columns; a new column
also needs its field in schema._CellSums and its sum in aggregates._compute. docs/architecture.md has the steps.
Core only: nothing here reads the store, and nothing here imports analysis or dashboard.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .records import READING_WPM as _WPM

# Team figures use English reading speed (records.READING_WPM has its source).
READING_WPM = _WPM["en"]

PER_WEEK = "per week"  # den: the period's weeks, spread over its people
PER_PERSON_WEEK = "per person-week"  # den: each active person times the period's weeks

Terms = tuple[tuple[str, float], ...]  # (cell column, divisor): sum of column / divisor


def cols(*names: str, divisor: float = 1) -> Terms:
    return tuple((n, divisor) for n in names)


@dataclass(frozen=True)
class Metric:
    key: str  # the audit's, the report's and the CSV's name
    label: str  # the audit's label (JSON, CSV)
    unit: str  # "share" | "score" | "hours" | "count" | "messages"
    num: Terms
    den: Terms | str  # Terms, PER_WEEK or PER_PERSON_WEEK
    higher_is: str  # "worse" | "better" | "neutral"
    margin: float  # the smallest change that matters
    relative_margin: bool
    min_den: float  # below this (summed over people) a period has too little data
    meaning: str  # what it is, for a reader (report definitions, dashboard "About these numbers")
    reads: str  # how a figure reads in words: a sentence with "{value}"
    short: str = ""  # the dashboard's name for it (tiles, table headers); the label when empty
    display_label: str = ""  # the report's label as a manager reads it; the label when empty
    proportion: bool = False  # a share of counts (Cohen's h) rather than a mean (Cohen's d)
    view: str | None = None  # the query layer's column for num/den (a column denominator only)
    total: str | None = None  # the query layer's column for num summed
    den_total: str | None = None  # the query layer's column for den summed
    estimator: str = "ratio"  # "ratio", or "ai_share": the corrected estimator (analysis/estimate.py)
    audit: bool = True  # compared by the audit

    @property
    def name(self) -> str:
        return self.short or self.label

    @property
    def report_label(self) -> str:
        return self.display_label or self.label

    @property
    def view_col(self) -> str:
        """`view`, for a metric that has one (a page naming a column it must have)."""
        if self.view is None:
            raise KeyError(f"metric {self.key!r} has no ratio column in the query layer")
        return self.view

    @property
    def total_col(self) -> str:
        if self.total is None:
            raise KeyError(f"metric {self.key!r} has no total column in the query layer")
        return self.total

    def columns(self) -> set[str]:
        """The cell columns it sums."""
        return {c for c, _ in self.num} | ({c for c, _ in self.den} if isinstance(self.den, tuple) else set())

    def num_of(self, sums: dict[str, Any]) -> Any:
        """The numerator of summed cells (scalars, or one array per column: one entry per person)."""
        return _sum(self.num, sums)

    def den_of(self, sums: dict[str, Any], weeks: int | None = None) -> Any:
        """The denominator; PER_WEEK and PER_PERSON_WEEK need the period's weeks and per-person arrays
        (`active` marks the people who wrote in it)."""
        if isinstance(self.den, tuple):
            return _sum(self.den, sums)
        if weeks is None:
            raise ValueError(f"{self.key} is {self.den}: give the period's weeks")
        if self.den == PER_PERSON_WEEK:
            return sums["active"] * weeks
        n = len(sums["messages"])
        import numpy as np

        return np.full(n, weeks / n) if n else np.zeros(0)

    def value(self, sums: dict[str, Any], weeks: int | None = None) -> float | None:
        """num / den of summed cells; None when the denominator is empty."""
        den = self.den_of(sums, weeks)
        total = float(den.sum()) if hasattr(den, "sum") else float(den)
        num = self.num_of(sums)
        return (float(num.sum()) if hasattr(num, "sum") else float(num)) / total if total else None

    def in_words(self, value: float | None) -> str:
        return "not enough data" if value is None else self.reads.format(value=fmt(value, self.unit))


def _sum(terms: Terms, sums: dict[str, Any]) -> Any:
    total: Any = 0
    for c, d in terms:
        total = total + (sums[c] if d == 1 else sums[c] / d)
    return total


FORMATS = {"share": lambda v: f"{v:.1%}", "score": lambda v: f"{v:.3f}", "hours": lambda v: f"{v:.2f} h",
           "minutes": lambda v: f"{v * 60:.1f} min", "count": lambda v: f"{v:.2f}", "messages": lambda v: f"{v:.2f}"}


def fmt(value: float, unit: str) -> str:
    return FORMATS[unit](value)


CRITICAL = cols("crit_kept", "crit_lost", "crit_distorted")

METRICS: list[Metric] = [
    Metric("ai_share", "Estimated AI-written share", "share", cols("prob_sum"), cols("scored"), "neutral", 0.02,
           False, 30,
           "Estimated share of messages (12+ words, English or French) written or heavily rewritten by an AI "
           "model: the mean detector score corrected for the detector's error levels measured on text it never "
           "saw and by the team's own human baseline (the 'before' period), with an interval that resamples "
           "people and the detector's error levels (docs/detection.md). 0 with 'no AI use detected' while the "
           "data cannot tell AI use from the baseline; a period before 30 Nov 2022 is human by construction.",
           "{value} of messages estimated AI-written", short="AI-written share", proportion=True, view="ai_mean",
           estimator="ai_share"),
    Metric("bloat", "Bloat (0–1)", "score", cols("bloat_sum"), cols("bloat_n"), "worse", 0.02, False, 30,
           "Mean bloat score: padding outside the core sentences, filler phrases, formatting rare in chat and "
           "length against the conversation's norm (docs/detection.md).",
           "mean bloat {value} on a 0–1 scale", short="Bloat score",
           display_label="Bloat score (0–1: padding, filler, formatting, length)", view="mean_bloat"),
    Metric("padding_share", "Share of words that are padding", "share", cols("padding_words"), cols("words"),
           "worse", 0.02, False, 300,
           "Words outside each message's core sentences (the fewest sentences that say what the message says), "
           "as a share of all words written.",
           "{value} of the words written are padding", short="Words that are padding", proportion=True,
           view="padding_share"),
    Metric("reading_hours_per_week", "Reading time per week (h, one reader)", "hours",
           cols("reading_seconds", divisor=3600), PER_WEEK, "worse", 0.10, True, 2,
           f"Hours one reader needs each week to read what the group wrote ({READING_WPM} words per minute, "
           "Brysbaert 2019).",
           "{value} of reading per week for one reader", short="Reading time per week",
           display_label="Reading time per week (one reader)", total="reading_hours"),
    Metric("padding_hours_per_week", "Reading padding per week (h, one reader)", "hours",
           cols("padding_words", divisor=READING_WPM * 60), PER_WEEK, "worse", 0.10, True, 2,
           "Hours one reader spends each week reading the padding words.",
           "{value} of reading padding per week", short="Reading padding per week", total="padding_hours",
           audit=False),
    Metric("sos_per_week", "Summaries of summaries per week", "count", cols("sos_copies"), PER_WEEK, "worse",
           0.10, True, 2,
           "Copies at two or more hops from an announcement with at least one summary hop, per week.",
           "{value} summaries of summaries per week", short="Summaries of summaries", total="sos_copies"),
    Metric("fact_survival", "Critical-fact survival", "share", cols("crit_kept"), CRITICAL, "better", 0.05, False,
           10,
           "Share of the critical facts of announcements (negations, deadlines, owners, money...) that the "
           "group's copies kept intact; lost and distorted facts count against it.",
           "{value} of critical facts kept", short="Critical facts kept", proportion=True, view="survival",
           den_total="critical_facts"),
    Metric("messages_per_person_week", "Messages per person per week", "messages", cols("messages"),
           PER_PERSON_WEEK, "neutral", 0.10, True, 2, "Authored messages per active person per week.",
           "{value} messages per person per week"),
    Metric("thread_length", "Messages per thread", "messages", cols("thread_messages"), cols("threads"), "neutral",
           0.10, True, 20, "Response structure: messages in each thread (a top-level message and its replies).",
           "{value} messages per thread", view="thread_length"),
]


def register(metric: Metric) -> Metric:
    """Add a metric (or replace the one with its key). Its columns must be aggregate-cell columns."""
    from .schema import AggCell

    unknown = metric.columns() - set(AggCell.model_fields)
    if unknown:
        raise ValueError(f"metric {metric.key!r} sums columns the cells do not have: {sorted(unknown)}")
    METRICS[:] = [m for m in METRICS if m.key != metric.key] + [metric]
    return metric


def get(key: str) -> Metric:
    return next(m for m in METRICS if m.key == key)


def audited() -> list[Metric]:
    return [m for m in METRICS if m.audit]


def figures(sums: dict[str, Any]) -> dict[str, Any]:
    """A released group's summed cells with every metric's view, total and den_total columns added (ratios
    are None when their denominator is empty)."""
    out = dict(sums)
    for m in METRICS:
        if m.total:
            out[m.total] = m.num_of(sums)
        if isinstance(m.den, tuple):
            if m.den_total:
                out[m.den_total] = m.den_of(sums)
            if m.view:
                out[m.view] = m.value(sums)
    return out
