"""User text never acts on the output it appears in: Rich markup and emoji codes in messages, file names
and ZIP member names print literally in the terminal, JSON lines are plain, CSV cells never run."""

from __future__ import annotations

import json
import shutil
import sqlite3
import zipfile

import pytest
from typer.testing import CliRunner

from slopradar.cli import app
from slopradar.console import csv_cell, from_csv_cell
from tests.conftest import SAMPLES

runner = CliRunner()
HOSTILE = r"Launch [/nope] moved [click] :fire: [bold]not bold[/bold] end\ "


def run(*args: str, env: dict | None = None):
    return runner.invoke(app, list(args), env=env, catch_exceptions=False)


def last_json(res) -> dict:
    return json.loads(res.stdout.strip().splitlines()[-1])


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SLOPRADAR_DATA_DIR", str(tmp_path / "state"))
    return tmp_path


def test_a_zip_member_name_with_markup_is_reported_literally(cli_env):
    export = cli_env / "export.zip"
    with zipfile.ZipFile(export, "w") as z:
        for f in (SAMPLES / "slack-export").rglob("*"):
            if f.is_file():
                z.write(f, f.relative_to(SAMPLES / "slack-export").as_posix())
        z.writestr("../[/evil].json", "[]")
    res = run("--db", str(cli_env / "x.db"), "ingest", "slack-export", str(export))
    assert res.exit_code == 0, res.output
    assert "[/evil].json" in flat(res.stderr)
    report = last_json(res)
    assert report["messages"]["new"] > 800 and any("[/evil].json" in e for e in report["errors"])


def test_a_file_name_with_markup_is_printed_literally_and_json_is_plain(cli_env):
    box = cli_env / "[click] :fire: box.mbox"
    shutil.copy(SAMPLES / "mailbox.mbox", box)
    res = run("--db", str(cli_env / "x.db"), "ingest", "mailbox", str(box))
    assert res.exit_code == 0, res.output
    assert "[click] :fire: box.mbox" in flat(res.stderr)
    assert "[click] :fire: box.mbox" in last_json(res)["source"]


def test_error_lines_print_user_text_literally(cli_env):
    res = run("--config", "[/nope] [click].toml", "stats")
    assert res.exit_code == 2
    assert "[/nope] [click].toml" in flat(res.stderr) and "Traceback" not in res.output


@pytest.fixture
def hostile_chain(analysed, tmp_path):
    """A copy of the analysed demo store whose first listed announcement (and its copies) say HOSTILE."""
    _engine, settings, _ = analysed
    db = tmp_path / "copy.db"
    with sqlite3.connect(settings.db) as src, sqlite3.connect(db) as dst:
        src.backup(dst)
    env = {"SLOPRADAR_DATA_DIR": settings.data_dir, "SLOPRADAR_TEAM_MAPPING": settings.team_mapping}
    listed = last_json(run("--db", str(db), "chains", "--list", env=env))["chains"]
    root = next(c for c in listed if c.get("text_shown", True))["root_id"]
    with sqlite3.connect(db) as c:
        c.execute("UPDATE message SET text = ? WHERE id = ?", (HOSTILE, root))
    return str(db), root, env


def test_chains_print_message_text_literally(hostile_chain):
    db, root, env = hostile_chain
    res = run("--db", db, "chains", "--root", str(root), env=env)
    assert res.exit_code == 0, res.output
    shown = res.stdout.strip().splitlines()
    assert any(HOSTILE.strip() in line for line in shown[:-1])  # the tree, as written
    assert json.loads(shown[-1])["text"] == HOSTILE  # and the JSON line, unchanged


def test_csv_cells_are_neutralised_and_read_back():
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"):
        assert csv_cell(text) == "'" + text and from_csv_cell(csv_cell(text)) == text
    assert csv_cell("Platform") == "Platform" and csv_cell(-0.25) == -0.25 and csv_cell(None) is None
    assert from_csv_cell("'quoted") == "'quoted"
