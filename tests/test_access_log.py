"""The access log (issue 23): who opened which dashboard page, audit or export, with which filters; append-only
in the store itself, kept for access_log_days, readable by the admin with `slopradar access-log`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from slopradar import access_log
from slopradar.cli import app
from slopradar.config import ConfigError, Settings
from slopradar.schema import AccessLog
from slopradar.store import open_store
from tests.conftest import ROOT

runner = CliRunner()


@pytest.fixture
def app_env(analysed, monkeypatch):
    """The analysed demo store, as the dashboard finds it (tests/test_dashboard.py does the same)."""
    engine, settings, _ = analysed
    monkeypatch.setenv("SLOPRADAR_DB", settings.db)
    monkeypatch.setenv("SLOPRADAR_DATA_DIR", settings.data_dir)
    monkeypatch.setenv("SLOPRADAR_ADOPTION_DATE", settings.adoption_date)
    return engine, settings


def old_row(engine, days: int, actor: str = "os:alice") -> None:
    with Session(engine) as s:
        s.add(AccessLog(at=datetime.now(UTC) - timedelta(days=days), actor=actor, channel="cli", action="audit",
                        target="old.html", details={}))
        s.commit()


def test_rows_are_read_back_with_filters(engine):
    access_log.record(engine, "julie@northwind.example", "dashboard", "page", "Overview")
    access_log.record(engine, "julie@northwind.example", "dashboard", "filters", "Overview",
                      {"team": "Mobile", "channel": None})
    access_log.record(engine, "os:admin", "cli", "audit", "audit.html", {"format": "html"})
    rows = access_log.read(engine)
    assert [r["action"] for r in rows] == ["page", "filters", "audit"]
    assert rows[1]["details"] == {"team": "Mobile"}  # unset filters are not written
    assert [r["action"] for r in access_log.read(engine, actor="julie")] == ["page", "filters"]
    assert [r["target"] for r in access_log.read(engine, action="audit")] == ["audit.html"]
    assert access_log.read(engine, since=datetime.now(UTC) + timedelta(days=1)) == []


def test_the_store_refuses_to_change_a_row_or_delete_a_recent_one(engine):
    access_log.record(engine, "os:mallory", "cli", "person-export", "person:0123")
    for stmt in ("UPDATE access_log SET actor = 'os:someone-else'", "DELETE FROM access_log"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as conn:
            conn.exec_driver_sql(stmt)
    assert [r["actor"] for r in access_log.read(engine)] == ["os:mallory"]


def test_rows_older_than_the_retention_are_purged_and_younger_ones_kept(engine):
    old_row(engine, 400)
    old_row(engine, 200)
    access_log.record(engine, "os:bob", "cli", "chains", "list", keep_days=365)
    assert [r["actor"] for r in access_log.read(engine)] == ["os:alice", "os:bob"]  # the 400-day row is gone
    assert access_log.purge(engine, 180) == 1  # the 200-day row, with the shortest retention


def test_retention_setting_is_bounded_by_the_cnil_range():
    assert Settings().access_log_days == 365
    for bad in (30, 2000):
        with pytest.raises(ConfigError):
            Settings.load(access_log_days=bad)


def test_postgres_enforces_the_same_guard(postgres_url):
    # its own database: rows it cannot delete must not stay in the one other PostgreSQL tests wipe
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql("DROP DATABASE IF EXISTS accesslog")
        conn.exec_driver_sql("CREATE DATABASE accesslog")
    admin.dispose()
    engine = open_store(Settings(db=postgres_url.rsplit("/", 1)[0] + "/accesslog"))
    try:
        access_log.record(engine, "os:mallory", "cli", "audit", "a.html")
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as conn:
            conn.exec_driver_sql("UPDATE access_log SET actor = 'x'")
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM access_log")
    finally:
        engine.dispose()


def test_access_log_command_filters_and_logs_its_own_reading(settings, engine, tmp_path):
    access_log.record(engine, "julie@northwind.example", "dashboard", "page", "Team")
    access_log.record(engine, "os:admin", "cli", "person-export", "person:abcd", {"out": "x.json"})
    env = {"SLOPRADAR_DATA_DIR": settings.data_dir}
    res = runner.invoke(app, ["--db", settings.db, "access-log", "--action", "person-export"], env=env,
                        catch_exceptions=False)
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert [r["target"] for r in out["rows"]] == ["person:abcd"] and out["kept_days"] == 365
    assert "person-export" in res.stdout.splitlines()[0]
    res = runner.invoke(app, ["--db", settings.db, "access-log", "--actor", "julie", "--since",
                              datetime.now(UTC).date().isoformat()], env=env, catch_exceptions=False)
    assert [r["target"] for r in json.loads(res.stdout.strip().splitlines()[-1])["rows"]] == ["Team"]
    assert [r["action"] for r in access_log.read(engine, action="access-log")] == ["access-log", "access-log"]


def test_the_audit_command_is_logged(app_env, tmp_path):
    engine, settings = app_env
    out = tmp_path / "audit.json"
    env = {"SLOPRADAR_DATA_DIR": settings.data_dir}
    res = runner.invoke(app, ["--db", settings.db, "-q", "audit", "--adoption-date", "2026-02-02", "--out", str(out)],
                        env=env, catch_exceptions=False)
    assert res.exit_code == 0, res.output
    rows = access_log.read(engine, action="audit")
    assert rows[-1]["target"] == str(out) and rows[-1]["details"]["format"] == "json"
    assert rows[-1]["details"]["adoption_date"] == "2026-02-02"


def test_the_dashboard_logs_each_page_and_each_change_of_filters_once(app_env, monkeypatch):
    engine, _ = app_env
    before = len(access_log.read(engine))
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    new = access_log.read(engine)[before:]
    assert [(r["action"], r["target"]) for r in new] == [("page", "Overview"), ("filters", "Overview")]
    assert all(r["channel"] == "dashboard" and r["actor"].startswith("no login") for r in new)
    assert new[1]["details"]["team"] == "All"
    at.run()  # a rerun with nothing new
    assert len(access_log.read(engine)) == before + 2
    team = next(o for o in at.sidebar.selectbox(key="team").options if o != "All")
    at.sidebar.selectbox(key="team").select(team).run()
    last = access_log.read(engine)[-1]
    assert (last["action"], last["details"]["team"]) == ("filters", team)
    # AppTest runs a switched-to page's file on its own, without app.py's navigation (which logs the page in a
    # browser): the Audit page's own row says which audit was computed
    at.switch_page("pages/audit.py").run()
    last = access_log.read(engine)[-1]
    assert (last["action"], last["target"]) == ("audit", "Organisation") and last["details"]["adoption"]


def test_with_login_the_log_names_the_login_identity(monkeypatch):
    import streamlit as st

    from dashboard import data

    class User(dict):
        is_logged_in = True

    monkeypatch.setattr(st, "user", User(email="julie.martin@northwind.example", name="Julie"))
    assert data.viewer() == "julie.martin@northwind.example"
