"""NUL bytes and lone surrogates in input text are stored on PostgreSQL too (issue 14): PostgreSQL text
refuses NUL, and no database can encode a lone surrogate; both are replaced and counted at ingestion,
in every field that reaches the store (text, quotes, subjects, names of channels, file metadata)."""

from __future__ import annotations

import json

from sqlmodel import Session, select

from slopradar.pipeline import ingest_mailbox, ingest_slack_export, stats
from slopradar.schema import Conversation, Message
from slopradar.store import open_store


def test_nul_and_surrogates_are_stored_on_postgres(pg_settings, tmp_path):
    engine = open_store(pg_settings)
    export = tmp_path / "export"
    (export / "general").mkdir(parents=True)
    # raw JSON escapes, as Slack would write them: \u0000 and a lone \ud83d
    (export / "channels.json").write_text('[{"id": "C1", "name": "general", "members": ["U1"]},'
                                          ' {"id": "C2", "name": "ran\\u0000dom \\ud83d", "members": ["U1"]}]')
    (export / "users.json").write_text('[{"id": "U1", "team_id": "T1", "name": "a\\u0000da"}]')
    (export / "general" / "2024-01-01.json").write_text(
        '[{"type": "message", "user": "U1", "ts": "1704100000.000100", "text": "NUL \\u0000 here and \\ud83d half"},'
        ' {"type": "message", "user": "U1", "ts": "1704100001.000100", "text": "> quoted \\u0000\\nmine",'
        '  "files": [{"id": "F1", "name": "re\\u0000port\\udfff.pdf"}]},'
        ' {"type": "message", "user": "U1", "ts": "1704100002.000100", "text": "plain"}]')
    report = ingest_slack_export(engine, pg_settings, export, progress=False)
    assert report.units_failed == 0 and report.new == 3
    assert report.skipped["invalid characters replaced"] == 3  # every message: its author's handle has a NUL

    box = tmp_path / "m.mbox"
    box.write_bytes(b"From x@y Mon Jan  5 10:00:00 2015\nFrom: Ada <ada@example.com>\nSubject: nul \x00 subject\n"
                    b"Date: Mon, 5 Jan 2015 10:00:00 +0000\nMessage-ID: <nul@example.com>\n"
                    b"Content-Type: text/plain; charset=utf-8\n\nA body with a NUL \x00 byte and \xff bad UTF-8.\n\n")
    mail = ingest_mailbox(engine, pg_settings, box, progress=False)
    assert mail.units_failed == 0 and mail.new == 1

    with Session(engine) as s:
        msgs = {m.native_id: m for m in s.exec(select(Message))}
        conv = s.exec(select(Conversation).where(Conversation.native_id == "C2")).one()
    assert msgs["C1:1704100000.000100"].text == "NUL \ufffd here and \ufffd half"
    assert msgs["C1:1704100001.000100"].quoted[0]["text"] == "quoted \ufffd"
    assert msgs["C1:1704100001.000100"].meta["files"][0]["name"] == "re\ufffdport\ufffd.pdf"
    assert conv.name == "ran\ufffddom \ufffd"
    assert "\x00" not in json.dumps([m.text for m in msgs.values()] + [m.subject for m in msgs.values()])
    assert "\ufffd" in msgs["nul@example.com"].text and msgs["nul@example.com"].subject == "nul \ufffd subject"
    again = ingest_slack_export(engine, pg_settings, export, progress=False)
    assert again.new == 0 and again.units_failed == 0 and stats(engine)["messages"] == 4
    engine.dispose()
