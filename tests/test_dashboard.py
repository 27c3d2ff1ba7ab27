"""The dashboard renders from the store, and small teams never appear (headless AppTest)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from slopradar import queries
from slopradar.pipeline import ingest_mailbox, ingest_slack_export
from tests.conftest import ROOT, SAMPLES


@pytest.fixture
def demo_store(engine, settings, monkeypatch):
    settings.team_mapping = str(SAMPLES / "teams.yaml")
    ingest_slack_export(engine, settings, SAMPLES / "slack-export", progress=False)
    ingest_mailbox(engine, settings, SAMPLES / "mailbox.mbox", progress=False)
    monkeypatch.setenv("SLOPRADAR_DB", settings.db)
    monkeypatch.setenv("SLOPRADAR_DATA_DIR", settings.data_dir)
    return engine


def test_query_layer_drops_small_groups(demo_store):
    shown = {r["team"] for r in queries.team_volume(demo_store, 5)}
    assert "Legal" not in shown  # 3 people
    assert {"Platform", "Mobile", "Sales", "Lyon Ops"} <= shown
    assert all(r["authors"] >= 5 for r in queries.team_volume(demo_store, 5))
    weekly = queries.team_weekly(demo_store, 5)
    assert weekly and not any(r["team"] == "Legal" for r in weekly)
    assert "Legal" in {r["team"] for r in queries.team_volume(demo_store, 2)}


def test_bloat_by_team_after_analysis(analysed):
    engine, settings, _ = analysed
    rows = {r["team"]: r for r in queries.team_bloat(engine, settings.min_group_size)}
    assert "Legal" not in rows and {"Platform", "Mobile", "Sales"} <= set(rows)
    assert all(0 <= r["padding_hours"] <= r["reading_hours"] for r in rows.values())
    assert all(0 <= r["mean_bloat"] <= 1 for r in rows.values())


def test_overview_page_renders(demo_store):
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "Communication health"
    values = {m.label: m.value for m in at.metric}
    assert values["Teams shown"] == "4"
    table = at.dataframe[0].value
    assert "Legal" not in set(table["Team"]) and "Platform" in set(table["Team"])
    assert any("Run `slopradar analyze`" in i.value for i in at.info)  # before analysis: says what to do
