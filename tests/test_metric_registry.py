"""The metric registry (slopradar/metrics.py, issue 19): a metric is declared once, and the query layer's team
views, the audit and the report pick it up from there. A new metric over existing cell columns is one entry
in the registry: nothing else changes (a new column adds its field in schema._CellSums and its sum in
aggregates._compute: three files at most)."""

from __future__ import annotations

import ast
import csv
import io
import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from analysis import audit, report
from slopradar import audit_data, metrics, queries
from slopradar.config import Settings
from slopradar.metrics import Metric, cols

ROOT = Path(__file__).resolve().parent.parent

# A metric no file of the product knows: the share of messages that copy an announcement, over two columns the
# cells already have.
FAKE = Metric("copy_share", "Share of messages that are copies", "share", cols("copies"), cols("messages"),
              "worse", 0.02, False, 10, "Messages that derive from an earlier announcement, as a share of all "
              "messages.", "{value} of messages copy an announcement", short="Copies", proportion=True,
              view="copy_share", total="copies_total")


@pytest.fixture
def fake_metric(monkeypatch):
    """FAKE registered for this test only (the registry's list is restored afterwards)."""
    monkeypatch.setattr(metrics, "METRICS", list(metrics.METRICS))
    metrics.register(FAKE)
    yield FAKE


def test_a_new_metric_shows_in_the_team_views_above_the_threshold_only(analysed, fake_metric):
    engine, settings, _ = analysed
    k = settings.min_group_size
    rows = queries.team_summary(engine, k)
    assert rows and "Legal" not in {r["team"] for r in rows}  # 4 authors: below the threshold, no row
    for r in rows:
        assert r["authors"] >= k
        assert r["copies_total"] == r["copies"]
        assert r["copy_share"] == pytest.approx(r["copies"] / r["messages"])
    assert any(r["copy_share"] > 0 for r in rows)
    weekly = queries.team_weekly(engine, k)
    assert weekly and all("copy_share" in r for r in weekly)
    # a threshold no team reaches: no row, so no figure of the new metric either
    assert queries.team_summary(engine, 10_000) == []


def test_a_new_metric_is_in_the_audit_and_the_reports(analysed, fake_metric):
    engine, settings, _ = analysed
    r = audit_data.run(engine, settings, adoption=date(2026, 2, 2))
    for g in r["groups"]:
        m = next(m for m in g["metrics"] if m["key"] == "copy_share")
        assert m["label"] == FAKE.label and m["unit"] == "share" and m["higher_is"] == "worse"
        assert "before" in m or m["verdict"] == "not enough data"
    org = next(m for m in r["groups"][0]["metrics"] if m["key"] == "copy_share")
    assert org["after"]["low"] <= org["after"]["value"] <= org["after"]["high"]
    assert "Legal" not in json.dumps(r)

    data = json.loads(report.to_json(r))
    definition = next(d for d in data["metric_definitions"] if d["key"] == "copy_share")
    assert definition["meaning"] == FAKE.meaning and definition["reads_as"] == FAKE.reads
    assert all("copy_share" in w for w in data["weekly"])
    rows = [row for row in csv.DictReader(io.StringIO(report.to_csv(r))) if row["metric"] == "copy_share"]
    assert {row["group"] for row in rows} == {g["name"] for g in r["groups"]}
    assert float(rows[0]["after"]) == pytest.approx(org["after"]["value"])
    assert "Share of messages that are copies" in report.to_html(r, figures={})


def test_a_metric_over_a_column_the_cells_lack_is_refused(monkeypatch):
    monkeypatch.setattr(metrics, "METRICS", list(metrics.METRICS))
    with pytest.raises(ValueError, match="no_such_column"):
        metrics.register(Metric("x", "X", "share", cols("no_such_column"), cols("messages"), "worse", 0.1, False,
                                1, "", "{value}"))


def test_each_metric_reads_in_words():
    for m in metrics.METRICS:
        assert m.columns() and "{value}" in m.reads and m.meaning
        assert m.in_words(None) == "not enough data"
    assert metrics.get("padding_share").in_words(0.153) == "15.3% of the words written are padding"


def _people(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    messages = rng.integers(5, 20, n).astype(float)
    words = messages * 40
    return {c: np.zeros(n) for c in queries._SUM_COLUMNS} | {
        "messages": messages, "words": words, "padding_words": words * rng.uniform(0.1, 0.3, n),
        "scored": messages, "prob_sum": messages * 0.1, "copies": messages * 0.2, "active": np.ones(n)}


def test_the_audit_is_pure_records_in_results_out(fake_metric):
    """analysis.audit.compute works on per-person arrays alone (no store), and the new metric is in it."""
    rng = np.random.default_rng(0)
    sums = {t: {"enough_authors": [True, True], "periods": [_people(6, rng), _people(6, rng)]}
            for t in ("Alpha", "Beta")}
    before, after = audit.Period("before", date(2026, 1, 5), date(2026, 2, 2)), audit.Period(
        "after", date(2026, 2, 2), date(2026, 3, 2))
    data = audit.AuditData(before, after, sums, tokens={"before": {}, "after": {}}, weekly=[], chains=[],
                           adoption=date(2026, 2, 2))
    r = audit.compute(data, Settings(), seed=0)
    assert [g["name"] for g in r["groups"]] == ["Organisation (teams shown below)", "Alpha", "Beta"]
    org = {m["key"]: m for m in r["groups"][0]["metrics"]}
    expected = sum(float(sums[t]["periods"][1]["copies"].sum()) for t in sums) / sum(
        float(sums[t]["periods"][1]["messages"].sum()) for t in sums)
    assert org["copy_share"]["after"]["value"] == pytest.approx(expected)


@pytest.mark.parametrize("path", ["analysis/audit.py", "analysis/team_metrics.py"])
def test_analysis_reads_no_store(path):
    """DESIGN.md: analysis takes records and arrays and returns results; the store reads are in the core
    (slopradar/audit_data.py). Only the compatibility names import it, lazily."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    names = {a.name for n in top for a in n.names} | {n.module or "" for n in top if isinstance(n, ast.ImportFrom)}
    assert not names & {"sqlalchemy", "sqlmodel", "sqlalchemy.engine", "queries", "audit_data", "slopradar.queries",
                        "slopradar.store", "Engine", "Session"}
    args = {a.arg for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) for a in f.args.args}
    assert "engine" not in args
