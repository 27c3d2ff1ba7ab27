"""Shared fixtures. Tests that read ../shared/data skip with a clear reason when it is absent."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from slopradar.config import Settings
from slopradar.store import open_store

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SHARED = ROOT.parent / "shared" / "data"

# The tests never read the settings of the shell that runs them: a SLOPRADAR_DATA_DIR exported there made
# Settings.load() differ from the settings a test wrote into the environment (test_config). Each test that needs a
# setting passes it; the subprocesses the tests start inherit this cleaned environment.
for _key in [k for k in os.environ if k.startswith("SLOPRADAR_")]:
    del os.environ[_key]


def shared(rel: str) -> Path:
    """Path to a file under ../shared/data, or skip the test saying what is missing."""
    p = SHARED / rel
    if not p.exists():
        pytest.skip(f"../shared/data/{rel} is not present (the team's shared data is only on development machines and CI)")
    return p


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(db=str(tmp_path / "store.db"), data_dir=str(tmp_path / "state"))


@pytest.fixture
def engine(settings: Settings):
    eng = open_store(settings)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def ground_truth() -> dict:
    return json.loads((SAMPLES / "ground_truth.json").read_text(encoding="utf-8"))


def dump_store(engine) -> dict:
    """Everything a user could observe in the store, minus wall-clock bookkeeping."""
    from slopradar.schema import Conversation, Message, Person, PersonAlias, Team

    out: dict = {}
    with Session(engine) as s:
        out["messages"] = sorted(
            (m.namespace, m.native_id, m.text, m.kind, m.deleted, m.author_id, m.thread_key, m.content_hash)
            for m in s.exec(select(Message)))
        out["people"] = sorted((p.id, p.team_id, p.is_bot) for p in s.exec(select(Person)))
        out["aliases"] = sorted((a.alias, a.person_id) for a in s.exec(select(PersonAlias)))
        out["conversations"] = sorted((c.namespace, c.native_id, c.name, c.team_id) for c in s.exec(select(Conversation)))
        out["teams"] = sorted((t.id, t.name) for t in s.exec(select(Team)))
    return out


# -- a real PostgreSQL server, started for the test session -------------------------------
def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for cand in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(cand)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Tests that take 10 s or more on 2 cores beside the slow, browser and postgres ones (`--durations`, 2026-12-02)
LONG = ("test_analyze_shows_no_library_progress_bars", "test_demo_without_serving", "test_slack_metadata",
        "test_no_two_released_views_one_step_apart", "test_zip_and_folder_of_the_same_export_are_one_workspace",
        "test_a_huge_thread", "test_slack_day_file", "test_every_format_from_the_cli",
        "test_eval_chains_on_pooled_interleaved_chains")


def pytest_collection_modifyitems(config, items):
    """Every test that starts PostgreSQL (through the postgres_url fixture) is marked `postgres`. The long tests
    run first: pytest-xdist hands out tests in this order, and a long test left to the end keeps one worker busy
    while the other idles (longest first: the suite's wall time is then close to half its total)."""
    for item in items:
        if "postgres_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)

    def long(item: pytest.Item) -> bool:
        return any(item.get_closest_marker(m) for m in ("slow", "browser", "postgres")) or \
            item.name.split("[")[0] in LONG

    items.sort(key=lambda item: not long(item))  # stable: collection order within each part


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL cluster on a loopback port (initdb + pg_ctl); .ci/run installs the server."""
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql")
    # not under pytest's tmp dir: that is private to root, and the server runs as another user
    base = Path(tempfile.mkdtemp(prefix="slopradar-pg-"))
    data = base / "data"
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root: use the postgres system account
        # runuser lives in /usr/sbin, which a minimal PATH (env -i, some CI runners) leaves out
        runuser = shutil.which("runuser") or shutil.which("runuser", path="/usr/sbin:/sbin")
        if runuser is None:
            pytest.fail("running as root, PostgreSQL needs runuser (util-linux) to start as the postgres account")
        run_as = [runuser, "-u", "postgres", "--"]
        shutil.chown(base, "postgres")
        base.chmod(0o777)
    port = _free_port()
    subprocess.run(run_as + [initdb, "-D", str(data), "-U", "slopradar", "--auth=trust", "-E", "UTF8"],
                   check=True, capture_output=True)
    subprocess.run(run_as + [pg_ctl, "-D", str(data), "-l", str(base / "log"), "-w", "-o",
                             f"-p {port} -k {base} -c listen_addresses=127.0.0.1", "start"],
                   check=True, capture_output=True)
    url = f"postgresql+psycopg://slopradar@127.0.0.1:{port}/postgres"
    try:
        yield url
    finally:
        subprocess.run(run_as + [pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def pg_settings(postgres_url, settings):
    """A database of its own on the session's server (other tests compare whole stores)."""
    name = f"text_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f"CREATE DATABASE {name}"))
    yield settings.model_copy(update={"db": postgres_url.rsplit("/", 1)[0] + "/" + name})
    with admin.connect() as c:
        c.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


# -- the demo workspace, ingested and analysed once per test session -----------------------
@pytest.fixture(scope="session")
def analysed(tmp_path_factory):
    """The demo workspace analysed. Built once per test session: under pytest-xdist the first worker that needs it
    builds it and leaves a copy, as it was before any test ran, in the session's folder, where the other workers
    take it (a file lock between them). Without workers it is simply built."""
    import pickle
    import sqlite3
    from contextlib import closing

    from filelock import FileLock

    from slopradar.pipeline import analyze, ingest_mailbox, ingest_slack_export

    tmp = tmp_path_factory.mktemp("analyse")
    settings = Settings(db=str(tmp / "s.db"), data_dir=str(tmp / "state"), team_mapping=str(SAMPLES / "teams.yaml"),
                        adoption_date="2026-02-02")

    def build():
        engine = open_store(settings)
        ingest_slack_export(engine, settings, SAMPLES / "slack-export", progress=False)
        ingest_mailbox(engine, settings, SAMPLES / "mailbox.mbox", progress=False)
        return engine, settings, analyze(engine, settings, progress=False)

    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")  # set by pytest-xdist, one per session
    if run is None:
        return build()
    # a worker's base folder is in the session's own folder (no other session or checkout reads it)
    kept = tmp_path_factory.getbasetemp().parent / f"analysed-demo-{run}"
    with FileLock(f"{kept}.lock"):
        if (kept / "summary.pickle").exists():  # written last: the copy is whole
            shutil.copytree(kept / "state", settings.data_dir)
            shutil.copy(kept / "s.db", settings.db)
            return open_store(settings), settings, pickle.loads((kept / "summary.pickle").read_bytes())
        engine, _, summary = build()
        shutil.rmtree(kept, ignore_errors=True)  # what a worker that failed half-way left
        kept.mkdir()
        shutil.copytree(settings.data_dir, kept / "state")
        with closing(sqlite3.connect(settings.db)) as src, closing(sqlite3.connect(kept / "s.db")) as dst:
            src.backup(dst)  # a consistent copy, write-ahead log included
        (kept / "summary.pickle").write_bytes(pickle.dumps(summary))
    return engine, settings, summary


ARTIFACTS = ROOT / "build" / "test-artifacts"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where tests leave screenshots and reports for people to look at (git-ignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


ENRON = "connectors/enron-maildir-sample/enron_small"


@pytest.fixture(scope="session")
def enron_ingested(tmp_path_factory):
    """The Enron maildir sample (801 files) ingested once into a store of its own: engine, settings and the ingest
    report. Tests that only read it share it; mark them `xdist_group("enron")` so one worker ingests it."""
    from slopradar.pipeline import ingest_mailbox

    folder = shared(ENRON)
    tmp = tmp_path_factory.mktemp("enron")
    settings = Settings(db=str(tmp / "store.db"), data_dir=str(tmp / "state"))
    engine = open_store(settings)
    report = ingest_mailbox(engine, settings, folder, progress=False)
    yield engine, settings, report
    engine.dispose()


# -- the real pre-2022 exports in ../shared (human by construction), ingested and analysed once ------------
@pytest.fixture(scope="session")
def real_exports(tmp_path_factory):
    """The 2016 Slack export and the Numpy (2001) and 3GPP (2021) list archives, ingested and analysed: real
    people's writing from before chat LLMs. Enron is left out here: its 800 mails add minutes of chain work. Mark
    each test that reads it `xdist_group("real")`: one worker builds it (`--dist loadgroup`, Makefile)."""
    from slopradar.pipeline import analyze, ingest_mailbox, ingest_slack_export

    conn = shared("connectors")
    tmp = tmp_path_factory.mktemp("real")
    settings = Settings(db=str(tmp / "real.db"), data_dir=str(tmp / "state"))
    engine = open_store(settings)
    ingest_slack_export(engine, settings, conn / "houstondatavis-slack-export.zip", progress=False)
    for name in ("2001-November.txt", "3GPP_TSG_SA_WG4_EVS.mbox"):
        ingest_mailbox(engine, settings, conn / "bigbang-mbox" / name, progress=False)
    summary = analyze(engine, settings, progress=False)
    return engine, settings, summary
