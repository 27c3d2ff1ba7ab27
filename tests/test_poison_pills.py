"""One bad input never stops a run (issue 14, findings 3, 4, 5, 13 and 15): a bad message is skipped and
counted, a bad file is reported as failed and retried on the next run, and nothing a connector once
stored can break a later stage."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from connectors import slack_archive, slack_export
from connectors.mail_containers import _iter_mbox
from connectors.mailbox_files import MailboxImport
from slopradar.ingest import OUT_OF_RANGE, IngestWriter
from slopradar.pipeline import ingest_mailbox, ingest_outlook, ingest_slack_export, stats
from slopradar.schema import Checkpoint, Conversation, Message
from tests.conftest import dump_store, shared

HOUSTON = "connectors/houstondatavis-slack-export"
SURROGATE = '{"type": "message", "user": "U061A1R2R", "text": "half an emoji \\ud800 here", "ts": "1433558319.000099"}'
DEEP = ('{"type": "message", "user": "U061A1R2R", "text": "x", "ts": "1433558319.000098", "blocks": '
        + "[" * 100_000 + "]" * 100_000 + "}")
HUGE_TS = '{"type": "message", "user": "U061A1R2R", "text": "x", "ts": "' + "9" * 400 + '.1"}'
PILLS = {"surrogate": SURROGATE, "deep nesting": DEEP, "huge ts": HUGE_TS}


def _messages(engine) -> list[Message]:
    with Session(engine) as s:
        return list(s.exec(select(Message)))


def _inject(day_file: Path, element: str) -> None:
    """Put one raw JSON element first in a day file's array, as a hostile export would."""
    raw = day_file.read_text(encoding="utf-8")
    i = raw.index("[") + 1
    day_file.write_text(raw[:i] + element + "," + raw[i:], encoding="utf-8")


def _export(root: Path, days: dict[str, list[dict]], channels: list | None = None, users: list | None = None) -> Path:
    """A small synthetic export: day file name -> messages."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "channels.json").write_text(json.dumps(channels if channels is not None else
                                                   [{"id": "C1", "name": "general", "members": ["U1", "U2"]}]))
    (root / "users.json").write_text(json.dumps(users if users is not None else [
        {"id": "U1", "team_id": "T1", "name": "ada", "profile": {"email": "ada@example.com"}},
        {"id": "U2", "team_id": "T1", "name": "bob", "profile": {"email": "bob@example.com"}}]))
    for name, msgs in days.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(json.dumps(msgs))
    return root


def _msg(i: int, text: str = "the release moves to Friday", day: int = 0) -> dict:
    return {"type": "message", "user": "U1" if i % 2 else "U2", "text": f"{text} ({i})",
            "ts": f"{1704100000 + day * 86400 + i}.{i:06d}"}


# -- finding 4: three poison pills in one day file ------------------------------------------------
@pytest.mark.parametrize("pill", list(PILLS))
def test_poison_pill_in_the_real_export_is_one_skipped_message(engine, settings, tmp_path, pill):
    export = tmp_path / "export"
    shutil.copytree(shared(HOUSTON), export)
    first = sorted((export / "general").glob("*.json"))[0]  # the first day file of a fresh store
    _inject(first, PILLS[pill])
    report = ingest_slack_export(engine, settings, export, progress=False)
    assert report.units_failed == 0 and report.units_done == 375
    expected = {"surrogate": ("invalid characters replaced", 1383), "deep nesting":
                ("malformed message (nested too deep)", 1382), "huge ts": (OUT_OF_RANGE, 1382)}
    reason, stored = expected[pill]
    assert report.skipped[reason] == 1
    assert stats(engine)["messages"] == stored  # all 1,382 real messages, whatever the pill
    again = ingest_slack_export(engine, settings, export, progress=False)
    assert again.units_failed == 0 and again.new == 0


def test_poison_pills_in_a_synthetic_export(engine, settings, tmp_path):
    export = _export(tmp_path / "export", {"general/2024-01-01.json": [_msg(i) for i in range(5)],
                                           "general/2024-01-02.json": [_msg(i, day=1) for i in range(5, 9)]})
    for pill in PILLS.values():
        _inject(export / "general" / "2024-01-01.json", pill)
    nul = _msg(20, text="a NUL \x00 byte")
    items = json.loads((export / "general" / "2024-01-02.json").read_text())
    (export / "general" / "2024-01-02.json").write_text(json.dumps(items + [nul]))
    report = ingest_slack_export(engine, settings, export, progress=False)
    assert report.units_failed == 0 and report.new == 5 + 4 + 2
    assert report.skipped["invalid characters replaced"] == 2
    assert report.skipped["malformed message (nested too deep)"] == 1
    assert report.skipped[OUT_OF_RANGE] == 1
    texts = {m.text for m in _messages(engine)}
    assert "half an emoji \ufffd here" in texts and "a NUL \ufffd byte (20)" in texts


def test_a_unit_the_store_refuses_fails_alone_and_is_retried(engine, settings, tmp_path, monkeypatch):
    """A unit whose write fails is reported; the ones after it (same people, same channel) are stored;
    the next run retries it."""
    days = {f"general/2024-01-0{d}.json": [_msg(i + 10 * d, day=d) for i in range(3)] for d in range(1, 4)}
    export = _export(tmp_path / "export", days)
    real = IngestWriter._write_records
    calls = {"n": 0}

    def refusing(self, s, records):
        calls["n"] += 1
        real(self, s, records)  # the people and the channel are created first, in this transaction
        if calls["n"] == 1:
            raise sa.exc.DataError("INSERT ...", {"text": "secret"}, ValueError("value refused"))

    monkeypatch.setattr(IngestWriter, "_write_records", refusing)
    report = ingest_slack_export(engine, settings, export, progress=False)
    assert report.units_failed == 1 and report.units_done == 2 and report.new == 6
    assert any("2024-01-01.json: not stored (ValueError: value refused)" in e for e in report.errors)
    assert not any("secret" in e or "INSERT" in e for e in report.errors)  # no statement, no message text
    monkeypatch.setattr(IngestWriter, "_write_records", real)
    again = ingest_slack_export(engine, settings, export, progress=False)
    assert again.units_done == 1 and again.units_unchanged == 2 and again.new == 3
    assert stats(engine)["messages"] == 9


def test_a_malformed_file_is_reported_and_retried_and_the_run_goes_on(engine, settings, tmp_path):
    days = {f"general/2024-01-0{d}.json": [_msg(i + 10 * d, day=d) for i in range(3)] for d in range(1, 4)}
    export = _export(tmp_path / "export", days)
    bad = export / "general" / "2024-01-02.json"
    bad.write_text(bad.read_text()[:-5])
    first = ingest_slack_export(engine, settings, export, progress=False)
    assert first.units_failed == 1 and first.units_done == 2
    second = ingest_slack_export(engine, settings, export, progress=False)
    assert second.units_failed == 1 and second.units_unchanged == 2  # retried, and the run did not stop there


# -- finding 3: dates outside 1990 .. a day after the ingest -------------------------------------------
def _mbox(path: Path, *mails: tuple[str, str]) -> Path:
    path.write_text("".join(
        f"From x@y Mon Jan  5 10:00:00 2015\nFrom: Ada <ada@example.com>\nTo: Bob <bob@example.com>\n"
        f"Subject: s\nDate: {date}\nMessage-ID: <{mid}@example.com>\n\nThe plan for {mid} is ready for review today.\n\n"
        for mid, date in mails))
    return path


def test_mail_dated_9999_is_skipped_and_analyze_runs(engine, settings, tmp_path):
    box = _mbox(tmp_path / "dates.mbox", ("far", "Fri, 31 Dec 9999 23:59:59 +0000"),
                ("overflow", "Fri, 31 Dec 9999 23:00:00 -0500"), ("old", "Mon, 1 Jan 1971 10:00:00 +0000"),
                ("ok", "Mon, 5 Jan 2015 10:00:00 +0000"))
    report = ingest_mailbox(engine, settings, box, progress=False)
    assert report.new == 1 and report.skipped[OUT_OF_RANGE] == 3
    from slopradar.pipeline import analyze

    summary = analyze(engine, settings, progress=False)
    assert summary["scored"] == 1 and summary["set_aside_out_of_range_dates"] == 0


def test_an_older_store_holding_year_9999_is_set_aside_not_fatal(engine, settings, tmp_path):
    from slopradar.pipeline import analyze, build_chains

    ingest_mailbox(engine, settings, _mbox(tmp_path / "a.mbox", ("ok", "Mon, 5 Jan 2015 10:00:00 +0000"),
                                           ("later", "Tue, 6 Jan 2015 10:00:00 +0000")), progress=False)
    with engine.begin() as c:  # what an ingest before the date rule could leave behind
        c.execute(sa.text("UPDATE message SET sent_at = '9999-12-31 23:59:59.000000' WHERE native_id = 'later@example.com'"))
    with pytest.raises(OverflowError):
        build_chains(engine, settings)  # what every analyze, dashboard page and audit ran into
    summary = analyze(engine, settings, progress=False)
    assert summary["set_aside_out_of_range_dates"] == 1
    with Session(engine) as s:
        m = s.exec(select(Message).where(Message.native_id == "later@example.com")).one()
    assert m.kind == "other" and m.subtype == "date out of range" and m.sent_at.year == 1990
    assert m.meta["sent_at_out_of_range"].startswith("9999-12-31")
    assert analyze(engine, settings, progress=False)["set_aside_out_of_range_dates"] == 0


def test_slack_and_api_dates_out_of_range_are_counted(engine, settings, tmp_path):
    far = {"type": "message", "user": "U1", "text": "from 2100", "ts": "4102444800.000100"}
    old = {"type": "message", "user": "U1", "text": "from 1980", "ts": "315532800.000100"}
    export = _export(tmp_path / "export", {"general/2024-01-01.json": [far, old, _msg(1)]})
    report = ingest_slack_export(engine, settings, export, progress=False)
    assert report.new == 1 and report.skipped[OUT_OF_RANGE] == 2


def test_graph_message_dated_9999_is_counted(engine, settings, httpserver):
    import re

    from tests.fakes.graph import FakeGraph, message

    g = FakeGraph(base=httpserver.url_for("").rstrip("/"))
    httpserver.expect_request(re.compile(r"^/v1\.0/.*"), method="GET").respond_with_handler(g.handler)
    g.add("ada@example.com", "sentitems", message(1, "ada@example.com", ["bob@example.com"], "far", "x",
                                                  sent="9999-12-31T23:59:59-05:00"))
    g.add("ada@example.com", "sentitems", message(2, "ada@example.com", ["bob@example.com"], "far", "x",
                                                  sent="9999-12-31T12:00:00Z"))
    g.add("ada@example.com", "sentitems", message(3, "ada@example.com", ["bob@example.com"], "ok", "fine"))
    report = ingest_outlook(engine, settings, token=lambda: "fake-at-1", base_url=g.base, mailboxes=["ada@example.com"],
                            folders=["sentitems"], progress=False, sleep=lambda s: None)
    assert report.new == 1 and report.skipped[OUT_OF_RANGE] == 2


# -- finding 5: memory bounded by a part, not by a file --------------------------------------------
def test_a_large_day_file_is_committed_in_parts_and_resumes(engine, settings, tmp_path, monkeypatch):
    monkeypatch.setattr(slack_export, "PART_MESSAGES", 50)
    export = _export(tmp_path / "export", {"general/2024-01-01.json": [_msg(i) for i in range(230)]})
    seen: list[tuple[str, int]] = []
    real = IngestWriter.write_unit

    def spy(self, unit):
        seen.append((unit.key, len(unit.records or [])))
        return real(self, unit)

    monkeypatch.setattr(IngestWriter, "write_unit", spy)
    report = ingest_slack_export(engine, settings, export, progress=False)
    assert report.new == 230 and report.units_done == 5
    assert [k for k, _ in seen] == [f"general/2024-01-01.json#{i}" for i in range(1, 5)] + ["general/2024-01-01.json"]
    assert max(n for _, n in seen) == 50
    seen.clear()
    again = ingest_slack_export(engine, settings, export, progress=False)
    assert again.units_unchanged == 1 and again.new == 0  # the whole file's checkpoint: not even parsed
    with Session(engine) as s:
        s.exec(sa.delete(Checkpoint).where(Checkpoint.key == "general/2024-01-01.json"))  # killed before the last part
        s.commit()
    resumed = ingest_slack_export(engine, settings, export, progress=False)
    assert resumed.units_unchanged == 4 and resumed.units_done == 1 and resumed.unchanged == 30


def test_a_large_truncated_day_file_commits_nothing(engine, settings, tmp_path, monkeypatch):
    monkeypatch.setattr(slack_export, "PART_MESSAGES", 50)
    export = _export(tmp_path / "export", {"general/2024-01-01.json": [_msg(i) for i in range(230)]})
    day = export / "general" / "2024-01-01.json"
    day.write_text(day.read_text()[:-30])
    report = ingest_slack_export(engine, settings, export, progress=False)
    assert report.units_failed == 1 and report.new == 0 and stats(engine)["messages"] == 0
    assert "cut short" in report.errors[-1]


def test_a_message_too_large_to_be_a_message_is_skipped(engine, settings, tmp_path, monkeypatch):
    import connectors.json_stream as js

    monkeypatch.setattr(js, "MAX_ELEMENT_CHARS", 10_000)
    export = _export(tmp_path / "export", {"general/2024-01-01.json": [_msg(1, text="x" * 20_000), _msg(2)]})
    report = ingest_slack_export(engine, settings, export, progress=False)
    assert report.new == 1 and report.skipped["malformed message (too large)"] == 1


def test_zip_members_are_streamed_and_checked_by_size(engine, settings, tmp_path, monkeypatch):
    import zipfile

    z = tmp_path / "export.zip"
    with zipfile.ZipFile(z, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("channels.json", json.dumps([{"id": "C1", "name": "general"}]))
        zf.writestr("general/2024-01-01.json", json.dumps([_msg(1)]))
        zf.writestr("general/2024-01-02.json", json.dumps([_msg(i, day=1) for i in range(2000)]))
    monkeypatch.setattr(slack_archive, "_MAX_MEMBER_BYTES", 10_000)
    report = ingest_slack_export(engine, settings, z, progress=False)
    assert report.new == 1 and report.units_failed == 1
    assert "over the 10000 limit" in report.errors[-1]


def test_mbox_messages_over_the_limit_are_never_held_and_batches_are_bounded_by_bytes(engine, settings, tmp_path,
                                                                                      monkeypatch):
    import connectors.mailbox_files as mf

    settings.max_mail_bytes = 200_000
    big = "From x@y Mon Jan  5 10:00:00 2015\nFrom: a@example.com\nSubject: big\nDate: Mon, 5 Jan 2015 10:00:00 +0000\n" \
          "Message-ID: <big@example.com>\n\n" + ("a long line of logs " * 50 + "\n") * 400 + "\n"
    one_line = "From x@y Mon Jan  5 10:00:00 2015\nFrom: a@example.com\nSubject: line\n" \
               "Date: Mon, 5 Jan 2015 10:00:00 +0000\nMessage-ID: <line@example.com>\n\n" + "x" * 3_000_000 + "\n\n"
    box = tmp_path / "m.mbox"
    box.write_text(big + one_line + "".join(
        f"From x@y Mon Jan  5 10:00:00 2015\nFrom: a@example.com\nSubject: {i}\n"
        f"Date: Mon, 5 Jan 2015 10:{i:02d}:00 +0000\nMessage-ID: <m{i}@example.com>\n\n" + "word " * 8000 + "\n\n"
        for i in range(10)))
    held = [len(d or b"") for _, d in _iter_mbox(box, settings.max_mail_bytes, piece=1 << 16)]
    assert held[:2] == [0, 0] and len(held) == 12  # the two large ones are never returned
    monkeypatch.setattr(mf, "BATCH_BYTES", 100_000)
    sizes = [len(u.records or []) for u in MailboxImport(box, settings.max_mail_bytes).units()]
    assert sizes == [3, 3, 3, 1]  # 40 KB mails: a batch closes once it passes 100 KB
    report = ingest_mailbox(engine, settings, box, progress=False)
    assert report.new == 10 and report.skipped["too large"] == 2


def test_an_eml_over_the_limit_is_not_read(engine, settings, tmp_path):
    import tracemalloc

    eml = tmp_path / "huge.eml"
    with eml.open("wb") as fh:
        fh.write(b"From: a@example.com\nSubject: huge\nDate: Mon, 5 Jan 2015 10:00:00 +0000\n\n")
        fh.truncate(512 * 1024 ** 2)  # 512 MB, sparse: no disk, but reading it costs 512 MB of memory
    settings.max_mail_bytes = 1_000_000
    tracemalloc.start()
    try:
        report = ingest_mailbox(engine, settings, eml, progress=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert report.skipped["too large"] == 1 and report.new == 0
    assert peak < 64 * 1024 ** 2


# -- finding 13: symlinks out of an export or a mail folder ------------------------------------------
def test_symlinks_leading_outside_are_not_followed(engine, settings, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "2024-01-05.json").write_text(json.dumps([_msg(99, text="a file from outside the export")]))
    (outside / "secret.eml").write_bytes(b"From: x@example.com\nSubject: secret\nDate: Mon, 5 Jan 2015 10:00:00 +0000\n"
                                         b"Message-ID: <secret@example.com>\n\nnot part of this mailbox\n")
    export = _export(tmp_path / "export", {"general/2024-01-01.json": [_msg(1)]})
    os.symlink(outside / "2024-01-05.json", export / "general" / "2024-01-05.json")
    os.symlink(export / "general" / "2024-01-01.json", export / "general" / "2024-01-02.json")  # inside: fine
    report = ingest_slack_export(engine, settings, export, progress=False)
    assert report.skipped["symlink leading outside the export"] == 1
    assert not any("outside the export" in (m.text or "") for m in _messages(engine))

    mails = tmp_path / "mails"
    mails.mkdir()
    (mails / "1.eml").write_bytes((outside / "secret.eml").read_bytes().replace(b"secret@", b"mine@"))
    os.symlink(outside / "secret.eml", mails / "2.eml")
    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    os.symlink(outside / "secret.eml", maildir / "cur" / "1.host:2,S")
    os.symlink(outside, maildir / ".Linked")
    for path in (mails, maildir):
        report = ingest_mailbox(engine, settings, path, progress=False)
        assert report.skipped["symlink leading outside the mailbox"] >= 1
    assert "secret@example.com" not in {m.native_id for m in _messages(engine)}


# -- finding 15: metadata of the wrong shape ----------------------------------------------------------
def test_metadata_of_the_wrong_shape_is_skipped_and_counted(engine, settings, tmp_path):
    channels = [{"id": "C1", "name": "general", "members": "UABCDEF"},  # a string, not a list: 7 fake people
                {"id": "C2", "name": {"not": "a name"}, "members": ["U1", 42, None]},
                {"id": "C3", "name": "deep", "members": ["U1"], "purpose": json.loads("[" * 200 + "]" * 200)},
                "not an object", {"name": "no id"}]
    users = [{"id": "U1", "team_id": "T1", "name": "ada", "profile": "not a dict"},
             {"id": "U2", "team_id": "T1", "name": ["bob"], "profile": {"email": {"x": 1}}},
             {"id": ["U3"]}, 7]
    export = _export(tmp_path / "export", {"general/2024-01-01.json": [_msg(1), _msg(2)]}, channels, users)
    deep = export / "groups.json"
    deep.write_text("[" + "[" * 100_000 + "]" * 100_000 + "]")
    report = ingest_slack_export(engine, settings, export, progress=False)
    assert report.new == 2 and report.units_failed == 0
    assert report.skipped["malformed channels.json entry"] == 2
    assert report.skipped["malformed channels.json entry (nested too deep)"] == 1
    assert report.skipped["malformed field in channels.json (ignored)"] == 2
    assert report.skipped["malformed users.json entry"] == 2
    assert report.skipped["malformed field in users.json (ignored)"] == 2
    assert report.skipped["malformed groups.json entry (nested too deep)"] == 1
    st = stats(engine)
    assert st["people"] == 2  # U1 and U2, not the seven letters of "UABCDEF"
    with Session(engine) as s:
        names = {c.native_id: c.name for c in s.exec(select(Conversation))}
    assert names == {"C1": "general", "C2": "C2"}


def test_an_unlisted_dm_folder_is_not_a_public_channel(engine, settings, tmp_path):
    export = _export(tmp_path / "export", {"D0123ABCD/2024-01-01.json": [_msg(1)],
                                           "mpdm-ada--bob-1/2024-01-01.json": [_msg(2)]}, channels=[])
    ingest_slack_export(engine, settings, export, progress=False)
    with Session(engine) as s:
        kinds = {c.native_id: c.kind for c in s.exec(select(Conversation))}
    assert kinds == {"D0123ABCD": "dm", "mpdm-ada--bob-1": "mpim"}


def test_reingest_after_poison_is_idempotent(engine, settings, tmp_path):
    export = _export(tmp_path / "export", {"general/2024-01-01.json": [_msg(i) for i in range(4)]})
    _inject(export / "general" / "2024-01-01.json", SURROGATE)
    ingest_slack_export(engine, settings, export, progress=False)
    before = dump_store(engine)
    again = ingest_slack_export(engine, settings, export, progress=False)
    assert again.new == 0 and dump_store(engine) == before


def test_graph_links_to_another_host_are_not_followed(engine, settings, httpserver):
    """A next or delta link must point at the Graph endpoint: the bearer token is never sent elsewhere."""
    import re

    from tests.fakes.graph import FakeGraph, message

    g = FakeGraph(base=httpserver.url_for("").rstrip("/"))
    httpserver.expect_request(re.compile(r"^/v1\.0/.*"), method="GET").respond_with_handler(g.handler)
    g.faults.append((200, {}, {"value": [message(1, "ada@example.com", ["bob@example.com"], "s", "x")],
                               "@odata.nextLink": "http://collector.example/steal?token"}))
    report = ingest_outlook(engine, settings, token=lambda: "fake-at-1", base_url=g.base, mailboxes=["ada@example.com"],
                            folders=["sentitems"], progress=False, sleep=lambda s: None)
    assert report.units_failed == 1 and report.new == 0
    assert "not a Graph URL" in report.errors[0]
    assert len(g.requests) == 1
