"""Slack export ingestion on the demo workspace, the real houstondatavis export and hand-made edge cases."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from sqlmodel import Session, select

from connectors.slack_export import ExportError, open_export
from slopradar.pipeline import ingest_slack_export, stats
from slopradar.schema import Message, Person
from tests.conftest import SAMPLES, dump_store, shared


def _msg(engine, native_id: str) -> Message:
    with Session(engine) as s:
        return s.exec(select(Message).where(Message.native_id == native_id)).one()


def test_demo_export_counts_match_ground_truth(engine, settings, ground_truth):
    report = ingest_slack_export(engine, settings, SAMPLES / "slack-export", progress=False)
    slack_truth = {k: v for k, v in ground_truth["messages"].items() if v["channel"]}
    assert report.new == len(slack_truth)
    assert report.units_failed == 0
    st = stats(engine)
    assert st["messages"] == len(slack_truth)
    assert st["deleted_messages"] == 1
    assert st["conversations"] == 10
    assert st["threads"] > 100
    assert report.kinds["bot"] == sum(1 for v in slack_truth.values() if v["origin"] == "bot")
    assert report.kinds["system"] == sum(1 for v in slack_truth.values() if v["origin"] == "system")


def test_reingest_adds_nothing(engine, settings):
    ingest_slack_export(engine, settings, SAMPLES / "slack-export", progress=False)
    before = dump_store(engine)
    again = ingest_slack_export(engine, settings, SAMPLES / "slack-export", progress=False)
    assert again.new == 0 and again.updated == 0 and again.units_done == 0
    assert dump_store(engine) == before


def test_people_are_pseudonymised(engine, settings):
    ingest_slack_export(engine, settings, SAMPLES / "slack-export", progress=False)
    raw = Path(settings.db).read_bytes()
    # no e-mail address or Slack user id anywhere (names inside message prose are content, not identities)
    assert b"@northwind.example" not in raw and b"U0NW" not in raw
    with Session(engine) as s:
        people = list(s.exec(select(Person)))
    assert all(p.id.startswith("p_") and p.email is None and p.display_name is None for p in people)
    # mentions in text are rewritten to pseudonyms, never Slack ids or names
    with Session(engine) as s:
        texts = [m.text or "" for m in s.exec(select(Message))]
    assert not any("<@U0NW" in t or "@U0NW" in t for t in texts)


def test_store_identities_keeps_names_when_enabled(engine, settings):
    settings.store_identities = True
    ingest_slack_export(engine, settings, SAMPLES / "slack-export", progress=False)
    with Session(engine) as s:
        names = {p.display_name for p in s.exec(select(Person))}
    assert "Julie Martin" in names


def test_share_edit_tombstone_broadcast(engine, settings, ground_truth):
    ingest_slack_export(engine, settings, SAMPLES / "slack-export", progress=False)
    chain = next(c for c in ground_truth["chains"] if c["id"] == "mdm-enrolment")
    share = _msg(engine, chain["copies"][0]["id"])
    assert share.text.startswith("FYI all")
    assert share.quoted[0]["kind"] == "share" and "MDM" in share.quoted[0]["text"]
    root_channel, root_ts = chain["root"].split(":")
    assert share.meta["shares"] == [{"channel": root_channel, "ts": root_ts}]
    with Session(engine) as s:
        edited = s.exec(select(Message).where(Message.edited_at.is_not(None))).all()  # type: ignore[union-attr]
        tomb = s.exec(select(Message).where(Message.deleted)).one()
        replies_to_tomb = s.exec(select(Message).where(Message.parent_native_id == tomb.native_id)).all()
        broadcast = s.exec(select(Message).where(Message.subtype == "thread_broadcast")).all()
    assert any("retro moved" in (m.text or "") for m in edited)
    assert tomb.text is None and tomb.author_id is None and tomb.thread_key == tomb.native_id
    assert len(replies_to_tomb) == 1  # the thread survives its deleted parent
    assert len(broadcast) == 1 and broadcast[0].parent_native_id is not None


def test_rich_text_bullets_become_prose(engine, settings, ground_truth):
    ingest_slack_export(engine, settings, SAMPLES / "slack-export", progress=False)
    fx1 = next(c for c in ground_truth["chains"] if c["id"] == "feature-x-removed")["copies"][0]
    text = _msg(engine, fx1["id"]).text
    assert "- Please wrap up and stop all work on Offline Sync by 12 March." in text
    assert "Key Decision:" in text


# -- the real 2016 export ----------------------------------------------------------------
@pytest.mark.parametrize("form", ["zip", "folder"])
def test_houstondatavis_export(engine, settings, form):
    path = shared("connectors/houstondatavis-slack-export" + (".zip" if form == "zip" else ""))
    report = ingest_slack_export(engine, settings, path, progress=False)
    assert report.units_done == 375 and report.units_failed == 0
    assert report.new == 1382
    st = stats(engine)
    assert st["messages"] == 1382 and st["people"] == 71 and st["conversations"] == 16
    assert report.subtypes["channel_join"] == 320 and report.subtypes["file_share"] == 61
    assert st["authored_messages"] == 964 + 61  # plain messages + file shares' text
    again = ingest_slack_export(engine, settings, path, progress=False)
    assert again.new == 0 and again.updated == 0
    assert stats(engine) == st


def test_zip_and_folder_of_the_same_export_are_one_workspace(engine, settings):
    zpath = shared("connectors/houstondatavis-slack-export.zip")
    ingest_slack_export(engine, settings, zpath, progress=False)
    second = ingest_slack_export(engine, settings, zpath.with_suffix(""), progress=False)
    assert second.new == 0
    assert stats(engine)["messages"] == 1382


def test_houstondatavis_file_urls_lose_their_tokens_and_uploads_keep_only_comments(engine, settings):
    ingest_slack_export(engine, settings, shared("connectors/houstondatavis-slack-export"), progress=False)
    with Session(engine) as s:
        shares = s.exec(select(Message).where(Message.subtype == "file_share")).all()
    assert shares
    assert not any("uploaded a file" in (m.text or "") for m in shares)
    for m in shares:
        for f in m.meta.get("files", []):
            assert "token=" not in f.get("url", "") and "?t=" not in f.get("url", "")


def test_zulip_threads_reply_older_than_parent_and_broadcast(engine, settings, tmp_path):
    fixtures = shared("connectors/zulip-fixtures")
    export = tmp_path / "export"
    (export / "general").mkdir(parents=True)
    (export / "channels.json").write_text(json.dumps([{"id": "C1", "name": "general", "members": []}]))
    for i, f in enumerate(sorted(fixtures.glob("*.json"))):
        shutil.copy(f, export / "general" / f"2015-06-1{i}.json")
    ingest_slack_export(engine, settings, export, progress=False)
    with Session(engine) as s:
        msgs = s.exec(select(Message)).all()
    by_ts = {m.native_id.split(":", 1)[1]: m for m in msgs}
    replies = [m for m in msgs if m.parent_native_id]
    assert replies, "thread replies were not linked"
    for r in replies:  # every reply points at a root that exists, even when it is older than its root
        assert r.parent_native_id.split(":", 1)[1] in by_ts
    assert any(r.sent_at < by_ts[r.parent_native_id.split(":", 1)[1]].sent_at for r in replies)
    assert sum(1 for m in msgs if m.subtype == "thread_broadcast") == 1


# -- bad input -----------------------------------------------------------------------------
def test_corrupt_zip_is_a_clear_error(tmp_path):
    bad = tmp_path / "export.zip"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(ExportError, match="not a readable ZIP"):
        open_export(bad)


def test_truncated_zip_is_a_clear_error(tmp_path):
    src = SAMPLES / "slack-export"
    z = tmp_path / "export.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in src.rglob("*.json"):
            zf.write(f, f.relative_to(src).as_posix())
    data = z.read_bytes()
    (tmp_path / "cut.zip").write_bytes(data[: len(data) // 2])
    with pytest.raises(ExportError):
        open_export(tmp_path / "cut.zip")


def test_non_export_folder_is_a_clear_error(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ExportError, match="not a Slack export"):
        open_export(tmp_path)


def test_malformed_day_file_and_messages_are_counted_not_fatal(engine, settings, tmp_path):
    export = tmp_path / "export"
    shutil.copytree(SAMPLES / "slack-export", export)
    day = sorted((export / "platform").glob("*.json"))[0]
    day.write_text(day.read_text()[:-40])  # cut JSON
    day2 = sorted((export / "mobile").glob("*.json"))[0]
    items = json.loads(day2.read_text())
    items += [{"type": "message", "text": "no ts"}, "not an object", {"type": "message", "ts": "1704100000.000300",
                                                                      "subtype": "brand_new_subtype", "text": "x"}]
    day2.write_text(json.dumps(items))
    # invalid UTF-8 in a day file
    day3 = sorted((export / "sales").glob("*.json"))[0]
    day3.write_bytes(day3.read_bytes().replace(b"call", b"c\xffall", 1))
    report = ingest_slack_export(engine, settings, export, progress=False)
    assert report.units_failed == 1
    assert any("malformed JSON" in e and day.name in e for e in report.errors)
    assert report.skipped["malformed message (no valid ts)"] == 1
    assert report.skipped["not a message object"] == 1
    assert report.subtypes["brand_new_subtype"] == 1 and report.kinds["other"] == 1
    # the failed file is retried on the next run and succeeds once fixed
    shutil.copy(SAMPLES / "slack-export" / "platform" / day.name, day)
    again = ingest_slack_export(engine, settings, export, progress=False)
    assert again.units_done == 1 and again.new > 0


def test_path_traversal_members_are_rejected(engine, settings, tmp_path):
    z = tmp_path / "evil.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("channels.json", json.dumps([{"id": "C1", "name": "general"}]))
        zf.writestr("general/2024-01-01.json", json.dumps([{"type": "message", "user": "U1", "text": "hi",
                                                            "ts": "1704100000.000100"}]))
        zf.writestr("../../etc/2024-01-02.json", "[]")
        zf.writestr("/abs/2024-01-03.json", "[]")
    export = open_export(z)
    assert sorted(export.archive.rejected) == ["../../etc/2024-01-02.json", "/abs/2024-01-03.json"]
    report = ingest_slack_export(engine, settings, z, progress=False)
    assert report.new == 1
    assert sum("unsafe member" in e for e in report.errors) == 2


def test_edit_events_and_deletions_win_whatever_the_order(engine, settings, tmp_path):
    export = tmp_path / "export"
    (export / "general").mkdir(parents=True)
    (export / "channels.json").write_text(json.dumps([{"id": "C1", "name": "general"}]))
    original = {"type": "message", "user": "U1", "text": "deadline is Friday", "ts": "1704100000.000100"}
    changed = {"type": "message", "subtype": "message_changed", "ts": "1704100500.000000", "hidden": True,
               "message": {"type": "message", "user": "U1", "text": "deadline is Monday", "ts": "1704100000.000100",
                           "edited": {"user": "U1", "ts": "1704100500.000000"}},
               "previous_message": original}
    unfurl = {"type": "message", "subtype": "message_changed", "ts": "1704100600.000000", "hidden": True,
              "message": dict(original, attachments=[{"title": "link preview"}]), "previous_message": original}
    gone = {"type": "message", "user": "U2", "text": "oops", "ts": "1704100001.000200"}
    deleted = {"type": "message", "subtype": "message_deleted", "hidden": True, "ts": "1704100900.000000",
               "deleted_ts": "1704100001.000200", "previous_message": gone}
    # the edit and the deletion come in an earlier file than the messages they change
    (export / "general" / "2024-01-01.json").write_text(json.dumps([changed, deleted, unfurl]))
    (export / "general" / "2024-01-02.json").write_text(json.dumps([original, gone]))
    report = ingest_slack_export(engine, settings, export, progress=False)
    assert report.skipped["unfurl-only change"] == 1
    assert _msg(engine, "C1:1704100000.000100").text == "deadline is Monday"
    g = _msg(engine, "C1:1704100001.000200")
    assert g.deleted and g.text is None


def test_killed_ingest_resumes_to_the_same_store(settings, tmp_path, monkeypatch):
    from slopradar.ingest import IngestWriter
    from slopradar.store import open_store

    reference = settings.model_copy(update={"db": str(tmp_path / "ref.db")})
    ref_engine = open_store(reference)
    ingest_slack_export(ref_engine, reference, SAMPLES / "slack-export", progress=False)

    crashed = settings.model_copy(update={"db": str(tmp_path / "crash.db")})
    engine = open_store(crashed)
    real = IngestWriter._write_records
    calls = {"n": 0}

    def dying(self, s, records):
        calls["n"] += 1
        if calls["n"] == 40:
            real(self, s, records)
            raise KeyboardInterrupt  # the process is killed mid-transaction
        return real(self, s, records)

    monkeypatch.setattr(IngestWriter, "_write_records", dying)
    with pytest.raises(KeyboardInterrupt):
        ingest_slack_export(engine, crashed, SAMPLES / "slack-export", progress=False)
    monkeypatch.setattr(IngestWriter, "_write_records", real)
    partial = stats(engine)["messages"]
    assert 0 < partial < stats(ref_engine)["messages"]
    resumed = ingest_slack_export(engine, crashed, SAMPLES / "slack-export", progress=False)
    assert resumed.units_unchanged == 39  # committed day files are not re-read
    assert dump_store(engine) == dump_store(ref_engine)
