"""The store on SQLite and on a real PostgreSQL server gives the same results."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from slopradar.config import Settings
from slopradar.pipeline import ingest_mailbox, ingest_slack_export, stats
from slopradar.schema import SCHEMA_VERSION
from slopradar.store import StoreError, open_store
from tests.conftest import SAMPLES, dump_store


def _load(settings: Settings):
    engine = open_store(settings)
    settings.team_mapping = str(SAMPLES / "teams.yaml")
    ingest_slack_export(engine, settings, SAMPLES / "slack-export", progress=False)
    ingest_mailbox(engine, settings, SAMPLES / "mailbox.mbox", progress=False)
    return engine


def test_postgres_matches_sqlite(postgres_url, settings, tmp_path):
    sqlite_engine = _load(settings)
    pg_settings = settings.model_copy(update={"db": postgres_url})
    pg_engine = _load(pg_settings)
    assert stats(pg_engine) == stats(sqlite_engine)
    assert dump_store(pg_engine) == dump_store(sqlite_engine)
    again = ingest_slack_export(pg_engine, pg_settings, SAMPLES / "slack-export", progress=False)
    assert again.new == 0 and stats(pg_engine) == stats(sqlite_engine)
    pg_engine.dispose()


def test_newer_schema_is_refused(settings):
    engine = open_store(settings)
    with engine.begin() as c:
        c.execute(sa.text("UPDATE meta SET value = :v WHERE key = 'schema_version'"), {"v": str(SCHEMA_VERSION + 1)})
    with pytest.raises(StoreError, match="newer"):
        open_store(settings)


def test_unwritable_store_is_a_clear_error(tmp_path):
    with pytest.raises(StoreError):
        open_store(Settings(db=str(tmp_path / "no" / "such" / "dir" / "x.db"), data_dir=str(tmp_path)))


def test_retention_drops_old_text_but_keeps_messages(engine, settings):
    from sqlmodel import Session, select

    from slopradar.pipeline import apply_retention
    from slopradar.schema import Message

    settings.retention_days = 365 * 5  # the demo workspace is from 2026: nothing is that old yet
    ingest_mailbox(engine, settings, SAMPLES / "mailbox.mbox", progress=False)
    assert apply_retention(engine, settings) == 0
    settings.retention_days = 1
    removed = apply_retention(engine, settings)
    with Session(engine) as s:
        msgs = s.exec(select(Message)).all()
    assert removed == len(msgs) == 36
    assert all(m.text is None and m.quoted == [] and m.word_count > 0 for m in msgs)
    # a re-ingest of the same mailbox does not bring the text back
    ingest_mailbox(engine, settings, SAMPLES / "mailbox.mbox", progress=False)
    with Session(engine) as s:
        assert all(m.text is None for m in s.exec(select(Message)))
