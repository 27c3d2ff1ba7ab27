"""Extension points (issue 19): what adding a source costs. A connector is one module implementing
connectors/base.py's Connector; the core ingests it unchanged (sync.pull_into_store), and a source read from a
path gets its CLI command from one registration call (cli_ingest.register_path_source)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session, select
from typer.testing import CliRunner

from connectors.base import Checkpoints, Connector
from slopradar.ingest import IngestWriter, Unit
from slopradar.records import ConversationKind, ConversationRecord, MessageRecord, PersonRef
from slopradar.schema import Conversation, Message, Person, Source
from slopradar.sources import pseudonymizer
from slopradar.sync import pull_into_store


class NotesFile:
    """A fake source: a JSON file of {"author", "channel", "ts", "text"} notes, one unit per channel. Everything
    a real connector module would hold, and nothing else."""

    source_kind = "notes"

    def __init__(self, path: Path):
        self.path = Path(path)

    @property
    def source_name(self) -> str:
        return self.path.name

    def pull(self, checkpoints: Checkpoints) -> Iterator[Unit]:
        notes = json.loads(self.path.read_text(encoding="utf-8"))
        for channel in sorted({n["channel"] for n in notes}):
            mine = [n for n in notes if n["channel"] == channel]
            digest = hashlib.sha256(json.dumps(mine, sort_keys=True).encode()).hexdigest()
            if checkpoints.is_done(channel, digest):
                continue
            unit = Unit(key=channel, digest=digest, records=[])
            conv = ConversationRecord("notes", channel, ConversationKind.CHANNEL, channel)
            for n in mine:
                unit.add(lambda n=n: MessageRecord(
                    "notes", f"{channel}:{n['ts']}", conv, datetime.fromtimestamp(n["ts"], UTC), "authored",
                    author=PersonRef([("email", n["author"])], email=n["author"]), text=n["text"],
                    version_ts=float(n["ts"])))
            yield unit


def _notes(tmp_path: Path) -> Path:
    path = tmp_path / "notes.json"
    path.write_text(json.dumps([
        {"author": "ada@example.org", "channel": "ops", "ts": 1_700_000_000,
         "text": "The release moves to Thursday 14:00, owner Ada."},
        {"author": "bob@example.org", "channel": "ops", "ts": 1_700_000_600, "text": "Noted, thanks."},
        {"author": "ada@example.org", "channel": "sales", "ts": 1_700_001_000, "text": "Budget is 12,000 EUR."},
    ]), encoding="utf-8")
    return path


def test_fake_connector_needs_no_core_edit(engine, settings, tmp_path):
    source = NotesFile(_notes(tmp_path))
    assert isinstance(source, Connector)  # the contract, checked at run time

    def ingest() -> dict:
        writer = IngestWriter(engine, settings, pseudonymizer(settings), source.source_kind, source.source_name)
        return pull_into_store(engine, writer, source, "Notes", progress=False).as_dict()

    first = ingest()
    assert first["messages"]["new"] == 3 and first["units"] == {"done": 2, "unchanged": 0, "failed": 0}
    with Session(engine) as s:
        assert [src.kind for src in s.exec(select(Source))] == ["notes"]
        texts = s.exec(select(Message.text).join(Conversation, Conversation.id == Message.conversation_id)
                       .where(Conversation.name == "ops").order_by(Message.sent_at)).all()
        assert texts == ["The release moves to Thursday 14:00, owner Ada.", "Noted, thanks."]
        people = s.exec(select(Person)).all()
        assert len(people) == 2 and all(p.email is None for p in people)  # pseudonymised like any source
    again = ingest()  # idempotent: the checkpoints say both units are done
    assert again["messages"]["new"] == 0 and again["units"]["done"] == 0


def test_a_path_source_gets_its_cli_command_from_one_registration(tmp_path, monkeypatch):
    from slopradar.cli import app
    from slopradar.cli_ingest import ingest_app, register_path_source

    monkeypatch.setenv("SLOPRADAR_DATA_DIR", str(tmp_path / "state"))
    before = list(ingest_app.registered_commands)
    register_path_source("notes", lambda settings, path: NotesFile(path), "Notes", "Load a notes file.")
    try:
        res = CliRunner().invoke(app, ["--db", str(tmp_path / "x.db"), "-q", "ingest", "notes",
                                       str(_notes(tmp_path))], catch_exceptions=False)
    finally:
        ingest_app.registered_commands[:] = before
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout.strip().splitlines()[-1])
    assert report["source"] == "notes:notes.json" and report["messages"]["new"] == 3
