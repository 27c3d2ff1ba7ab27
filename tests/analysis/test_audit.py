"""`slopradar audit` end to end on the analysed demo workspace: formats, bad input, privacy, reproducibility."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from typer.testing import CliRunner

from analysis import report
from slopradar import audit_data
from slopradar import queries
from slopradar.cli import app


def cli(settings, *args):
    res = CliRunner().invoke(app, ["--quiet", "--db", settings.db, *args], env={"SLOPRADAR_DATA_DIR": settings.data_dir})
    return res


@pytest.fixture(scope="module")
def result(analysed):
    engine, settings, _ = analysed
    return audit_data.run(engine, settings, adoption=date(2026, 2, 2))


def test_the_audit_compares_each_team_at_or_above_the_threshold(result):
    assert result["periods"]["before"] == {"label": "before", "start": "2026-01-05", "end_inclusive": "2026-02-01",
                                           "weeks": 4}
    assert result["periods"]["after"]["start"] == "2026-02-02" and not result["transition_week_left_out"]
    names = [g["name"] for g in result["groups"]]
    assert names[0].startswith("Organisation") and {"Platform", "Mobile", "Sales", "Lyon Ops"} <= set(names)
    assert "Legal" not in json.dumps(result)
    keys = {m["key"] for m in result["groups"][0]["metrics"]}
    assert keys == {"ai_share", "bloat", "padding_share", "reading_hours_per_week", "sos_per_week", "fact_survival",
                    "messages_per_person_week", "thread_length"}
    org = {m["key"]: m for m in result["groups"][0]["metrics"]}
    # the demo workspace adopted AI on 2 February: AI-polished padding and summaries of summaries rise after it
    assert org["padding_share"]["verdict"] in ("clearly worse", "worse (small change)")
    assert org["sos_per_week"]["after"]["value"] > org["sos_per_week"]["before"]["value"]
    for m in org.values():
        if "before" in m:
            assert m["before"]["low"] <= m["before"]["value"] <= m["before"]["high"]
            assert m["difference"]["low"] <= m["difference"]["value"] <= m["difference"]["high"]
        else:
            assert m["verdict"] == "not enough data" and "why" in m
    worst = result["worst_chains"][0]
    assert worst["conversation"] == "announcements" and worst["summary_of_summary"] >= 1
    assert {"deadline", "owner", "status"} <= {f["kind"] for f in worst["facts_lost"]}
    # its author's team (Leadership) has too few authors: counts and kinds only, never words (docs/privacy.md)
    assert "Offline Sync" not in json.dumps(result["worst_chains"]) and worst["root_team"] is None
    budget = next(c for c in result["worst_chains"] if c["root_team"] == "Sales")
    assert {"EUR 42,000", "Marc Dubois"} <= {f["fact"] for f in budget["facts_lost"]}


def test_cost_and_footprint(result, analysed):
    _engine, settings, _ = analysed
    org = result["groups"][0]
    after = org["cost"]["after"]
    assert after["fact_loss_hours_per_week"] == pytest.approx(after["fact_loss_incidents_per_week"]
                                                              * settings.incident_hours)
    fp = org["footprint"]["after"]
    assert 0 < fp["energy_wh"][0] < fp["energy_wh"][1]
    assert fp["assumptions"]["grid_g_per_kwh"] == 384 and fp["assumptions"]["ecologits_version"] == "0.11.3"
    assert fp["output_tokens"] > 0 and fp["input_tokens"] > 0


def test_every_format_from_the_cli(analysed, tmp_path):
    _engine, settings, _ = analysed
    for fmt in ("html", "pdf", "json", "csv"):
        out = tmp_path / f"report.{fmt}"
        res = cli(settings, "audit", "--adoption-date", "2026-02-02", "--out", str(out))
        assert res.exit_code == 0, res.output
    html = (tmp_path / "report.html").read_text()
    assert "data:image/png;base64," in html and "<script" not in html and 'src="http' not in html  # self-contained
    assert "Worst fact-loss chains" in html and "Methods" in html and "Known error rates" in html
    assert "19.3 Wh" in html and "Stanford" in html
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["slopradar_version"] and len(data["config_hash"]) == 12
    rows = list(csv.DictReader(io.StringIO((tmp_path / "report.csv").read_text())))
    assert {r["metric"] for r in rows} >= {"ai_share", "fact_survival", "cost.total_hours_per_week",
                                            "footprint.energy_wh"}


def test_the_report_is_reproducible(analysed, result):
    engine, settings, _ = analysed
    again = audit_data.run(engine, settings, adoption=date(2026, 2, 2))
    assert report.to_json(again) == report.to_json(result)


def test_explicit_periods_and_a_team(analysed, tmp_path):
    _engine, settings, _ = analysed
    out = tmp_path / "mobile.json"
    res = cli(settings, "audit", "--before", "2026-01-05", "2026-01-31", "--after", "2026-03-02", "2026-04-03",
              "--team", "Mobile", "--out", str(out))
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    assert [g["name"] for g in data["groups"]] == ["Mobile"]
    assert data["periods"]["after"] == {"label": "after", "start": "2026-03-02", "end_inclusive": "2026-04-05",
                                        "weeks": 5}


@pytest.mark.parametrize("args, message", [
    (["--adoption-date", "2025-09-01"], "no 'before' period"),
    (["--adoption-date", "2027-01-01"], "no 'after' period"),
    (["--adoption-date", "2026-02-31"], "is not a date"),
    (["--before", "2026-01-05", "2026-01-31"], "give both --before"),
    (["--adoption-date", "2026-02-02", "--format", "docx"], "unknown format"),
    (["--adoption-date", "2026-02-02", "--team", "Legal"], "no team 'Legal' with at least 5 authors"),
    (["--adoption-date", "2026-02-02", "--team", "Nobody"], "no team 'Nobody' with at least 5 authors"),
])
def test_bad_input_gets_a_clear_error(analysed, tmp_path, args, message):
    _engine, settings, _ = analysed
    res = cli(settings, "audit", "--out", str(tmp_path / "r.html"), *args)
    assert res.exit_code == 2, res.output
    assert message in " ".join(res.stderr.split())
    assert not (tmp_path / "r.html").exists()


def test_a_period_with_too_few_messages_shows_no_figure(analysed):
    engine, settings, _ = analysed
    r = audit_data.run(engine, settings, before=(date(2026, 1, 5), date(2026, 1, 11)),
                  after=(date(2026, 3, 30), date(2026, 4, 3)))
    org = {m["key"]: m for m in r["groups"][0]["metrics"]}
    assert org["fact_survival"]["verdict"] == "not enough data" and "before" not in org["fact_survival"]
    assert org["sos_per_week"]["verdict"] == "not enough data"  # one week: a per-week rate needs two


@pytest.fixture(scope="module")
def thin_period(analysed):
    """Threshold 7, one week each side: Lyon Ops has 6 authors before and 8 after; Sales 6 and 5 (never shown)."""
    engine, settings, _ = analysed
    strict = settings.model_copy(update={"min_group_size": 7})
    return audit_data.run(engine, strict, before=(date(2026, 1, 19), date(2026, 1, 25)),
                     after=(date(2026, 3, 30), date(2026, 4, 5)))


def test_a_period_with_too_few_authors_shows_no_figure_in_any_format(thin_period, tmp_path):
    groups = {g["name"]: g for g in thin_period["groups"]}
    assert "Sales" not in groups and "Lyon Ops" in groups
    lyon = groups["Lyon Ops"]
    assert lyon["enough_authors"] == {"before": False, "after": True}
    assert set(lyon["cost"]) == {"after"} and set(lyon["footprint"]) <= {"after"}
    assert all(m["verdict"] == "not enough data" and "before" not in m and "difference" not in m
               for m in lyon["metrics"])
    data = json.loads(report.to_json(thin_period))
    assert "before" not in next(g for g in data["groups"] if g["name"] == "Lyon Ops")["cost"]
    rows = [r for r in csv.DictReader(io.StringIO(report.to_csv(thin_period))) if r["group"] == "Lyon Ops"]
    assert rows and all(r["before"] == r["before_low"] == r["before_high"] == "" for r in rows)
    assert any(r["metric"] == "cost.total_hours_per_week" and r["after"] for r in rows)
    html = report.to_html(thin_period, figures={})
    lyon_html = html.split("<h2>Lyon Ops</h2>", 1)[1].split("<h2>", 1)[0]
    assert "before: not shown (fewer than 7 authors)" in lyon_html and "after: " in lyon_html
    report.write(thin_period, tmp_path / "thin.pdf", "pdf")  # renders without the missing period
    assert (tmp_path / "thin.pdf").read_bytes().startswith(b"%PDF")


def test_the_organisation_adds_up_only_the_team_periods_shown(thin_period):
    """Organisation minus the teams shown must recover nothing of a period a team was not shown for."""
    org, teams = thin_period["groups"][0], thin_period["groups"][1:]
    for period in ("before", "after"):
        shown = [g["cost"][period] for g in teams if g["enough_authors"][period]]
        assert org["cost"][period]["padding_reading_hours_per_week"] == pytest.approx(
            sum(c["padding_reading_hours_per_week"] for c in shown))
        assert org["cost"][period]["fact_loss_incidents_per_week"] == pytest.approx(
            sum(c["fact_loss_incidents_per_week"] for c in shown))


def _store_copy(settings, tmp_path):
    """A private copy of the analysed demo store (SQLite backup API: the WAL is included)."""
    import sqlite3

    dst = tmp_path / "copy.db"
    with sqlite3.connect(settings.db) as src, sqlite3.connect(dst) as out:
        src.backup(out)
    return settings.model_copy(update={"db": str(dst)})


def test_a_team_name_with_mathtext_renders_as_plain_text(analysed, tmp_path):
    import sqlite3

    _engine, settings, _ = analysed
    copy = _store_copy(settings, tmp_path)
    with sqlite3.connect(copy.db) as c:
        c.execute("UPDATE team SET name = ? WHERE name = 'Platform'", (r"$\badcmd$ Platform",))
    for fmt in ("html", "pdf"):
        out = tmp_path / f"report.{fmt}"
        res = cli(copy, "audit", "--adoption-date", "2026-02-02", "--out", str(out))
        assert res.exit_code == 0, res.output
    assert r"$\badcmd$ Platform" in (tmp_path / "report.html").read_text()
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("name", ["=HYPERLINK(\"http://x\",\"y\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
                                  "\t=1", "\r=1"])
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(result, name):
    import copy

    r = copy.deepcopy(result)
    r["groups"][1]["name"] = name
    rows = list(csv.DictReader(io.StringIO(report.to_csv(r), newline="")))
    cells = {row["group"] for row in rows}
    assert "'" + name in cells and name not in cells
    # numbers stay numbers: a negative change is not a formula
    assert any(row["difference"].startswith("-") for row in rows)


def test_reports_are_written_for_their_owner_only(result, tmp_path):
    import os
    import stat

    (tmp_path / "old.html").write_text("an earlier report")
    (tmp_path / "old.html").chmod(0o644)
    old = os.umask(0o022)
    try:
        for name, fmt in (("r.html", "html"), ("r.csv", "csv"), ("r.json", "json"), ("r.pdf", "pdf"),
                          ("old.html", "html")):
            report.write(result, tmp_path / name, fmt)
            assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == 0o600, name
    finally:
        os.umask(old)


def test_counts_in_the_report_read_as_english(result):
    import copy

    r = copy.deepcopy(result)
    r["worst_chains"][0] |= {"copies": 1, "max_depth": 1, "summary_of_summary": 1}
    r["periods"]["after"]["weeks"] = 1
    html = report.to_html(r, figures={})
    assert "1 copy, 1 hop deep, 1 summary of summaries" in html and "1 copies" not in html
    assert "(1 week)" in html and f"({r['periods']['before']['weeks']} weeks)" in html
    assert report.count(2, "copy") == "2 copies" and report.count(0, "hop") == "0 hops"


def test_the_forest_plot_is_linear_and_every_team_keeps_its_colour(result, monkeypatch):
    """A linear % axis (+50 % half as far as +100 %; was symlog), and each team drawn in its dashboard colour."""
    drawn = {}

    def keep(fig, _plt):
        ax = fig.axes[0]
        drawn[len(drawn)] = (ax.get_xscale(), {line.get_label(): line.get_color() for line in ax.get_lines()},
                             [c.get_facecolor() for c in ax.collections], ax.get_xlim())
        return ""

    monkeypatch.setattr(report, "_png", keep)
    report.plots(result)
    (trend_scale, trend_lines, _, _), (scale, _, _, (lo, hi)) = drawn[0], drawn[1]
    assert scale == "linear" and lo >= -106 and hi <= 316
    for team, colour in trend_lines.items():
        if not team.startswith("_"):
            assert colour == result["team_colours"][team]


def test_the_default_adoption_date_has_data_on_both_sides(analysed):
    engine, settings, _ = analysed
    day = audit_data.default_adoption_date(engine, settings.min_group_size)
    before, after, _ = audit_data.periods_from_adoption(engine, day, settings.min_group_size)
    weeks = {r["week"] for r in queries.team_weekly(engine, settings.min_group_size)}
    assert any(before.start.isoformat() <= w < before.end.isoformat() for w in weeks)
    assert any(after.start.isoformat() <= w < after.end.isoformat() for w in weeks)
