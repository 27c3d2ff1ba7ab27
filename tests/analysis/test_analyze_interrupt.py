"""Issue 18: Ctrl-C during analyze keeps what was done (batches of seconds), and the next run goes on from there."""

import pytest
from sqlmodel import Session, func, select

from slopradar import pipeline
from slopradar.schema import MessageScore
from tests.conftest import SAMPLES


def test_an_interrupted_analyze_keeps_its_committed_batches(settings, engine, monkeypatch):
    pipeline.ingest_mailbox(engine, settings, SAMPLES / "mailbox.mbox", progress=False)
    real = pipeline.score_batch
    calls = {"n": 0}

    def interrupted(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # Ctrl-C while the second batch is scored
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "score_batch", interrupted)
    with pytest.raises(KeyboardInterrupt):
        pipeline.analyze(engine, settings, progress=False)
    with Session(engine) as s:
        kept = s.exec(select(func.count()).select_from(MessageScore)).one()
    assert kept == 32  # the first batch was committed: seconds of work, not minutes
    monkeypatch.setattr(pipeline, "score_batch", real)
    again = pipeline.analyze(engine, settings, progress=False)
    assert again["pending"] == again["scored"] and again["pending"] > 0
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(MessageScore)).one() == kept + again["scored"]
