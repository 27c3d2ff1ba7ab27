"""Fact-loss records keep the verdict's confidence: the learned check's probability for a judgement."""

import sqlalchemy as sa
from sqlmodel import Session, select

from slopradar.store import open_store


def _ids(engine):
    from slopradar.schema import Message

    with Session(engine) as s:
        return {m.native_id: m.id for m in s.exec(select(Message))}


def test_the_story_distortion_is_stored_with_the_learned_confidence(analysed, ground_truth):
    from slopradar.schema import FactLoss

    engine, _, _ = analysed
    ids = _ids(engine)
    chain = next(c for c in ground_truth["chains"] if c["id"] == "feature-x-removed")
    fx3 = ids[chain["copies"][2]["id"]]
    with Session(engine) as s:
        rows = {(f.copy_id, f.kind, f.value): f for f in s.exec(select(FactLoss))}
    removal = rows[(fx3, "status", "removed")]
    assert removal.status == "distorted" and 0.5 < removal.confidence < 1.0  # a judgement, not a value read
    assert "scope has been refined" in removal.evidence
    assert all(f.confidence == 1.0 for f in rows.values() if f.status == "lost")


def test_a_store_from_before_the_column_gains_it(settings):
    engine = open_store(settings)
    with engine.begin() as c:  # as schema version 1 left it
        c.execute(sa.text("ALTER TABLE factloss DROP COLUMN confidence"))
        c.execute(sa.text("UPDATE meta SET value = '1' WHERE key = 'schema_version'"))
    engine.dispose()
    engine = open_store(settings)
    assert "confidence" in {c["name"] for c in sa.inspect(engine).get_columns("factloss")}
    with engine.connect() as c:
        assert c.execute(sa.text("SELECT value FROM meta WHERE key = 'schema_version'")).scalar() == "2"
