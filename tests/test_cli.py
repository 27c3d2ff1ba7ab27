"""The command line as a user runs it: JSON on the last line, clear errors, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from slopradar.cli import app
from tests.conftest import SAMPLES

runner = CliRunner()


def run(*args: str, env: dict | None = None):
    return runner.invoke(app, list(args), env=env, catch_exceptions=False)


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SLOPRADAR_DATA_DIR", str(tmp_path / "state"))
    return tmp_path


def test_every_command_has_help():
    for cmd in (["ingest", "slack-export"], ["ingest", "mailbox"], ["stats"], ["analyze"], ["eval", "detect"],
                ["train", "detect"], ["dashboard"], ["audit"], ["bot"], ["demo"], ["teams"], ["retention"]):
        res = run(*cmd, "--help")
        assert res.exit_code == 0, cmd
        assert "Usage" in res.output


def test_ingest_then_stats_json_last_line(cli_env):
    db = str(cli_env / "x.db")
    res = run("--db", db, "-q", "ingest", "slack-export", str(SAMPLES / "slack-export"))
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout.strip().splitlines()[-1])
    assert report["messages"]["new"] > 800
    res = run("--db", db, "stats")
    stats = json.loads(res.stdout.strip().splitlines()[-1])
    assert {"messages", "people", "teams", "conversations", "threads", "sources"} <= set(stats)
    assert stats["sources"] == 1 and stats["conversations"] == 10


def test_db_from_environment(cli_env):
    db = cli_env / "env.db"
    res = run("-q", "ingest", "mailbox", str(SAMPLES / "mailbox.mbox"), env={"SLOPRADAR_DB": str(db)})
    assert res.exit_code == 0 and db.exists()


def test_input_errors_are_one_line_not_a_traceback(cli_env):
    (cli_env / "bad.zip").write_bytes(b"PK\x03\x04junk")
    res = run("--db", str(cli_env / "x.db"), "ingest", "slack-export", str(cli_env / "bad.zip"))
    assert res.exit_code == 2
    assert "error:" in res.stderr and "Traceback" not in res.output + res.stderr
    res = run("--db", str(cli_env / "x.db"), "ingest", "mailbox", str(cli_env / "nowhere"))
    assert res.exit_code == 2 and "does not exist" in res.stderr
    res = run("--db", "postgresql+nosuchdriver://x/y", "stats")
    assert res.exit_code == 2 and "error:" in res.stderr


def test_bot_without_tokens_says_what_is_missing(cli_env, monkeypatch):
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    res = run("--db", str(cli_env / "x.db"), "bot")
    assert res.exit_code == 2 and "SLACK_BOT_TOKEN" in res.stderr


def test_demo_without_serving(cli_env):
    db = str(cli_env / "demo.db")
    res = run("--db", db, "-q", "demo", "--no-serve", "--samples", str(SAMPLES))
    assert res.exit_code == 0, res.output
    stats = json.loads(res.stdout.strip().splitlines()[-1])
    assert stats["messages"] >= 800 and stats["people"] >= 40 and stats["teams"] == 6


def test_installed_entry_point_runs():
    out = subprocess.run([sys.executable, "-m", "slopradar.cli", "--help"], capture_output=True, text=True, check=True)
    assert "ingest" in out.stdout


@pytest.mark.parametrize("cmd", [["stats"], ["analyze"], ["chains", "--list"], ["audit", "--adoption-date", "2026-02-02"],
                                 ["dashboard"], ["teams"]])
def test_commands_that_read_refuse_a_store_that_does_not_exist(cli_env, cmd):
    res = run("--db", str(cli_env / "mistyped.db"), *cmd)
    assert res.exit_code == 2, res.output
    assert res.stderr.strip().count("\n") == 0 and "no store at" in res.stderr and "ingest" in res.stderr
    assert not (cli_env / "mistyped.db").exists()


def test_a_file_that_is_not_a_store_is_one_clear_line(cli_env):
    (cli_env / "README.md").write_text("# not a database\n" * 50)
    for cmd in (["stats"], ["-q", "ingest", "mailbox", str(SAMPLES / "mailbox.mbox")]):
        res = run("--db", str(cli_env / "README.md"), *cmd)
        assert res.exit_code == 2, res.output
        assert "is not a slopradar store" in res.stderr and res.stderr.strip().count("\n") == 0
    assert (cli_env / "README.md").read_text().startswith("# not a database")


def test_a_store_other_users_can_read_gets_a_warning(cli_env):
    import os

    db = cli_env / "x.db"
    assert run("--db", str(db), "-q", "ingest", "mailbox", str(SAMPLES / "mailbox.mbox")).exit_code == 0
    assert "can be read by other users" not in run("--db", str(db), "stats").stderr
    os.chmod(db, 0o644)
    res = run("--db", str(db), "stats")
    assert res.exit_code == 0 and "can be read by other users" in res.stderr and "chmod 600" in res.stderr


def test_help_shows_flags_as_flags_and_keeps_bracketed_defaults():
    top = " ".join(run("--help").output.split())
    assert "-q, --quiet No progress bars." in top and "<bool>" not in top
    assert "[default: $SLOPRADAR_DB, else ./slopradar.db]" in top
    audit = " ".join(run("audit", "--help").output.split())
    assert "weeks after [default: the adoption_date setting]." in audit and "after ." not in audit
    assert "html | pdf | json | csv [default: from --out's suffix, else html]." in audit
    for cmd in (["ingest", "slack-api"], ["ingest", "outlook"], ["demo"], ["bot"], ["chains"], ["teams"]):
        assert "<bool>" not in run(*cmd, "--help").output, cmd


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_dashboard_on_a_busy_port_is_one_clear_line(cli_env):
    import socket

    from slopradar.config import Settings
    from slopradar.store import open_store

    db = str(cli_env / "x.db")
    open_store(Settings(db=db, data_dir=str(cli_env / "state"))).dispose()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        res = run("--db", db, "dashboard", "--port", str(port))
    assert res.exit_code == 2
    assert f"cannot serve on 127.0.0.1:{port}" in res.stderr and "--port" in res.stderr
    assert "serving" not in res.stderr and res.stderr.strip().count("\n") == 0


def test_sigterm_stops_the_dashboard_server_too(cli_env):
    import os
    import signal
    import socket
    import time
    import urllib.request

    from slopradar.config import Settings
    from slopradar.store import open_store

    db = str(cli_env / "x.db")
    open_store(Settings(db=db, data_dir=str(cli_env / "state"))).dispose()
    port = _free_port()
    env = dict(os.environ, SLOPRADAR_DATA_DIR=str(cli_env / "state"))
    proc = subprocess.Popen([sys.executable, "-m", "slopradar.cli", "--db", db, "dashboard", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(120):  # a few seconds to start; a minute at most
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("the dashboard did not start")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        with socket.socket() as probe:  # the Streamlit child was stopped (and waited for) before the command ended
            assert probe.connect_ex(("127.0.0.1", port)) != 0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_analyze_shows_no_library_progress_bars(cli_env):
    db = str(cli_env / "x.db")
    assert run("--db", db, "-q", "ingest", "mailbox", str(SAMPLES / "mailbox.mbox")).exit_code == 0
    env = {k: v for k, v in os.environ.items() if k != "HF_HUB_DISABLE_PROGRESS_BARS"}
    out = subprocess.run([sys.executable, "-m", "slopradar.cli", "--db", db, "analyze"], capture_output=True,
                         text=True, env=env, timeout=600)
    assert out.returncode == 0, out.stderr
    assert "Loading weights" not in out.stderr and "Batches" not in out.stderr
    assert "Analysing messages" in out.stderr  # our own bar is still there
