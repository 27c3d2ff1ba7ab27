"""Settings are declared once and every one is documented in the README."""

import os
import re
import stat

import pytest

from slopradar.config import ConfigError, Settings
from slopradar.pseudonym import Pseudonymizer, load_secret
from tests.conftest import ROOT


def test_readme_documents_every_setting():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", section, re.M))
    assert documented == set(Settings.model_fields), "README's Configuration table must list exactly the settings"


def test_precedence_defaults_file_env_overrides(tmp_path, monkeypatch):
    cfg = tmp_path / "slopradar.toml"
    cfg.write_text('db = "from-file.db"\nmin_group_size = 7\nstore_identities = true\n')
    monkeypatch.setenv("SLOPRADAR_MIN_GROUP_SIZE", "9")
    s = Settings.load(cfg)
    assert (s.db, s.min_group_size, s.store_identities) == ("from-file.db", 9, True)
    assert Settings.load(cfg, db="cli.db").db == "cli.db"
    assert Settings.load(cfg, db="postgresql+psycopg://u@h/db").db_url() == "postgresql+psycopg://u@h/db"
    assert Settings.load(cfg).db_url().startswith("sqlite:///")


def test_bad_config_is_a_clear_error(tmp_path, monkeypatch):
    cfg = tmp_path / "c.toml"
    cfg.write_text("min_group_size = = 3")
    with pytest.raises(ConfigError, match="not valid TOML"):
        Settings.load(cfg)
    cfg.write_text("no_such_setting = 1")
    with pytest.raises(ConfigError, match="no_such_setting"):
        Settings.load(cfg)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SLOPRADAR_MIN_GROUP_SIZE", "one")
    with pytest.raises(ConfigError, match="min_group_size"):
        Settings.load()
    with pytest.raises(ConfigError, match="not found"):
        Settings.load(tmp_path / "absent.toml")


def test_secret_is_generated_once_with_0600(tmp_path):
    s = Settings(data_dir=str(tmp_path / "state"))
    key = load_secret(s)
    path = tmp_path / "state" / "pseudonym.key"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_secret(s) == key
    pz = Pseudonymizer(key)
    assert pz.person_id("email", "A@X.org") == pz.person_id("email", "a@x.org")
    assert Pseudonymizer(b"other").person_id("email", "a@x.org") != pz.person_id("email", "a@x.org")
    assert load_secret(Settings(pseudonym_secret="from-env", data_dir=str(tmp_path))) == b"from-env"


def test_settings_pass_to_the_dashboard_process_through_the_environment(monkeypatch):
    from slopradar.cli import settings_env

    s = Settings(db="x.db", adoption_date="2026-02-02", graph_mailboxes=["a@x.com", "b@x.com"],
                 bot_dm_fallback=False, min_group_size=7)
    env = settings_env(s)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    again = Settings.load()
    assert again == s


def test_a_key_other_users_can_read_is_refused(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from slopradar.cli import app
    from tests.conftest import SAMPLES

    state = tmp_path / "state"
    state.mkdir()
    key = state / "pseudonym.key"
    key.write_text("ab" * 32 + "\n")
    key.chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_secret(Settings(data_dir=str(state)))
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(app, ["-q", "--db", str(tmp_path / "s.db"), "ingest", "mailbox",
                                   str(SAMPLES / "mailbox.mbox")], env={"SLOPRADAR_DATA_DIR": str(state)})
    assert res.exit_code == 2 and "can be read by other users" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.output
    key.chmod(0o600)
    assert load_secret(Settings(data_dir=str(state))) == b"ab" * 32


def test_key_folder_and_store_files_are_private_whatever_the_umask(tmp_path):
    from slopradar.pipeline import ingest_mailbox
    from slopradar.store import open_store
    from tests.conftest import SAMPLES

    old = os.umask(0o022)
    try:
        s = Settings(db=str(tmp_path / "s.db"), data_dir=str(tmp_path / "state"))
        engine = open_store(s)
        ingest_mailbox(engine, s, SAMPLES / "mailbox.mbox", progress=False)
        with engine.connect():  # the -wal and -shm files exist while a connection is open
            files = [tmp_path / n for n in ("s.db", "s.db-wal", "s.db-shm")]
            assert all(f.exists() for f in files)
            assert {f.name: stat.S_IMODE(os.stat(f).st_mode) for f in files} == {f.name: 0o600 for f in files}
        engine.dispose()
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "state").st_mode) == 0o700
    assert stat.S_IMODE(os.stat(tmp_path / "state" / "pseudonym.key").st_mode) == 0o600


def _cli(*args, env=None):
    import json

    from typer.testing import CliRunner

    from slopradar.cli import app

    res = CliRunner().invoke(app, ["-q", *args], env=env, catch_exceptions=False)
    return res, (json.loads(res.stdout.strip().splitlines()[-1]) if res.exit_code == 0 else None)


def test_the_key_follows_the_store_whatever_the_working_directory(tmp_path, monkeypatch):
    from tests.conftest import SAMPLES

    monkeypatch.delenv("SLOPRADAR_DATA_DIR", raising=False)
    store_dir, elsewhere = tmp_path / "var", tmp_path / "home"
    store_dir.mkdir()
    elsewhere.mkdir()
    db = str(store_dir / "s.db")
    monkeypatch.chdir(store_dir)
    res, first = _cli("--db", db, "ingest", "mailbox", str(SAMPLES / "mailbox.mbox"))
    assert res.exit_code == 0, res.output
    assert (store_dir / ".slopradar" / "pseudonym.key").is_file()
    _, people = _cli("--db", db, "stats")
    monkeypatch.chdir(elsewhere)  # the same store, from another folder: the same key, the same people
    res, again = _cli("--db", db, "ingest", "mailbox", str(SAMPLES / "mailbox.mbox"))
    assert res.exit_code == 0, res.output
    assert again["messages"]["new"] == 0 and not (elsewhere / ".slopradar").exists()
    assert _cli("--db", db, "stats")[1] == people


def test_a_second_key_for_a_store_is_refused(tmp_path, monkeypatch):
    from tests.conftest import SAMPLES

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SLOPRADAR_PSEUDONYM_SECRET", raising=False)
    db = str(tmp_path / "s.db")
    box = str(SAMPLES / "mailbox.mbox")
    assert _cli("--db", db, "ingest", "mailbox", box, env={"SLOPRADAR_DATA_DIR": str(tmp_path / "a")})[0].exit_code == 0
    # no key where this run looks: refused, and no new key made
    res, _ = _cli("--db", db, "ingest", "mailbox", box, env={"SLOPRADAR_DATA_DIR": str(tmp_path / "b")})
    assert res.exit_code == 2 and "no pseudonymisation key at" in res.stderr
    assert not (tmp_path / "b" / "pseudonym.key").exists()
    # another key: refused, whether a file or the pseudonym_secret setting
    load_secret(Settings(data_dir=str(tmp_path / "b")))
    res, _ = _cli("--db", db, "ingest", "mailbox", box, env={"SLOPRADAR_DATA_DIR": str(tmp_path / "b")})
    assert res.exit_code == 2 and "is not the one this store was built with" in res.stderr
    res, _ = _cli("--db", db, "teams", env={"SLOPRADAR_PSEUDONYM_SECRET": "another"})
    assert res.exit_code == 2 and "in pseudonym_secret is not the one" in res.stderr
    res, _ = _cli("--db", db, "ingest", "mailbox", box, env={"SLOPRADAR_DATA_DIR": str(tmp_path / "a")})
    assert res.exit_code == 0 and len(res.stderr.strip().splitlines()) <= 1


def test_a_store_from_before_fingerprints_records_its_key(tmp_path, monkeypatch):
    import sqlite3

    from tests.conftest import SAMPLES

    monkeypatch.chdir(tmp_path)
    env = {"SLOPRADAR_DATA_DIR": str(tmp_path / "a")}
    db = str(tmp_path / "s.db")
    assert _cli("--db", db, "ingest", "mailbox", str(SAMPLES / "mailbox.mbox"), env=env)[0].exit_code == 0
    with sqlite3.connect(db) as c:
        c.execute("DELETE FROM meta WHERE key = 'pseudonym_key_fingerprint'")
    assert _cli("--db", db, "teams", env=env)[0].exit_code == 0
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT value FROM meta WHERE key = 'pseudonym_key_fingerprint'").fetchone()


def test_an_explicit_data_dir_reaches_the_dashboard_process(monkeypatch):
    from pathlib import Path

    from slopradar.cli import settings_env

    for s, expected in ((Settings(db="/srv/x.db"), Path("/srv/.slopradar")),
                        (Settings(db="/srv/x.db", data_dir=".slopradar"), Path(".slopradar"))):
        monkeypatch.delenv("SLOPRADAR_DATA_DIR", raising=False)
        for k, v in settings_env(s).items():
            monkeypatch.setenv(k, v)
        assert Settings.load().data_path == s.data_path == expected
