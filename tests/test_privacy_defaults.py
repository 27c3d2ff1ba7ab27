"""Privacy by default (issue 23): the defaults, what retention leaves behind, and the reason for each default
written down in docs/privacy.md."""

from __future__ import annotations

import sqlite3

import sqlalchemy as sa
from sqlmodel import Session, select

from slopradar.config import Settings
from slopradar.person import compact
from slopradar.pipeline import apply_retention
from slopradar.schema import Embedding, Message
from slopradar.store import open_store
from tests.conftest import ROOT


def test_defaults_minimise():
    s = Settings()
    assert (s.store_identities, s.min_group_size, s.retention_days, s.access_log_days) == (False, 5, None, 365)


def test_each_privacy_default_is_written_down_with_its_reason():
    doc = (ROOT / "docs" / "privacy.md").read_text(encoding="utf-8")
    section = doc.split("## Privacy by default")[1].split("\n## ")[0]
    for name in ("store_identities", "min_group_size", "retention_days", "after retention", "access_log_days",
                 "opt-out", "dashboard login"):
        row = next((line for line in section.splitlines() if line.startswith("|") and name in line.split("|")[1]), None)
        assert row and len(row.split("|")[3].strip()) > 40, name  # a reason, not a word


def test_retention_removes_what_repeats_the_text(analysed, tmp_path):
    """After retention no copy of the text is left: not the subject, not the embedding's sentences."""
    _, src, _ = analysed
    db = tmp_path / "r.db"
    with sqlite3.connect(src.db) as a, sqlite3.connect(db) as b:
        a.backup(b)
    settings = src.model_copy(update={"db": str(db), "retention_days": 1})
    engine = open_store(settings)
    with Session(engine) as s:
        text = s.exec(select(Message.text).where(Message.subject.is_not(None), Message.text.is_not(None))
                      .order_by(sa.func.length(Message.text).desc())).first()
        assert s.exec(select(sa.func.count()).select_from(Embedding)).one() > 0
    assert apply_retention(engine, settings) > 0
    with Session(engine) as s:
        assert s.exec(select(sa.func.count()).select_from(Message).where(
            sa.or_(Message.text.is_not(None), Message.subject.is_not(None)))).one() == 0
        assert all(not e for e in s.exec(select(Embedding.sentences)))
    compact(engine)
    engine.dispose()
    assert text.encode() not in db.read_bytes()
