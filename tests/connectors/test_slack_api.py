"""`ingest slack-api` against a local Slack Web API (tests/fakes/slack.py): no network."""

from __future__ import annotations

import time

import pytest
from sqlmodel import Session, select

from connectors.slack_api import SlackConnectorError, make_client
from slopradar.ingest import IngestWriter
from slopradar.pipeline import ingest_slack_api
from slopradar.schema import Conversation, Message, Source
from tests.fakes.slack import TIERS, Fault, FakeSlack, Workspace

NOW = time.time()


def ts(days_ago: float, i: int = 0) -> str:
    return f"{NOW - days_ago * 86400 + i:.6f}"


def workspace() -> Workspace:
    ws = Workspace()
    for uid, name in (("U1", "ada"), ("U2", "bob"), ("U3", "cy")):
        ws.add_user(uid, name, f"{name}@example.com")
    ws.add_user("UB", "deploybot", is_bot=True)
    ws.add_channel("C1", "general", members=["U1", "U2", "U3"])
    ws.add_channel("C2", "secret", private=True, members=["U1", "U2"])
    for i in range(12):  # a month ago: outside the re-read window
        ws.post("C1", ts(30, i), "U1" if i % 2 else "U2", f"old general message number {i} about the release")
    for i in range(6):
        ws.post("C1", ts(2, i), "U3", f"recent general message {i}")
    ws.post("C1", ts(1, 0), "U1", "The launch moves to Friday, please review the plan")
    ws.post("C1", ts(1, 5), "U2", "looks good to me", thread_ts=ts(1, 0))
    ws.post("C1", ts(1, 9), "U3", "agreed, Friday works", thread_ts=ts(1, 0), broadcast=True)
    for i in range(4):
        ws.post("C2", ts(3, i), "U1", f"private note {i}")
    return ws


def client(fake: FakeSlack, sleeps: list[float] | None = None, retries: int = 10):
    return make_client(fake.workspace.token, base_url=fake.url, retries=retries,
                       sleep=(sleeps.append if sleeps is not None else lambda s: None))


def texts(engine) -> dict[str, tuple[str | None, bool]]:
    with Session(engine) as s:
        return {m.native_id: (m.text, m.deleted) for m in s.exec(select(Message).where(Message.namespace == "slack:T0FAKE01"))}


def sync(engine, settings, fake, page_size=200, **kw):
    return ingest_slack_api(engine, settings, client(fake, **kw), progress=False, pace=False, page_size=page_size)


def test_first_sync_then_incremental(engine, settings):
    ws = workspace()
    with FakeSlack(ws) as fake:
        first = sync(engine, settings, fake).as_dict()
        stored = texts(engine)
        assert len(stored) == 12 + 6 + 1 + 2 + 4  # the broadcast reply is stored once
        assert first["messages"]["new"] == 25 and not first["errors"]
        assert first["api_calls"]["conversations.replies"] == 1
        with Session(engine) as s:
            secret = s.exec(select(Conversation).where(Conversation.native_id == "C2")).one()
            assert secret.kind == "private" and secret.member_count == 2
        calls_before = len(ws.calls)
        ws.post("C1", ts(0.1, 0), "U2", "one new message")
        second = sync(engine, settings, fake).as_dict()
        assert second["messages"]["new"] == 1 and second["messages"]["updated"] == 0
        # only the thread window (28 days) is re-read: the month-old messages are not fetched again
        history = [p for m, p in ws.calls[calls_before:] if m == "conversations.history"]
        assert all(float(p["oldest"]) > NOW - 29 * 86400 for p in history)
        assert second["api_calls"].get("conversations.replies", 0) == 0  # the thread did not change


def test_many_pages(engine, settings):
    ws = workspace()
    for i in range(450):
        ws.post("C1", ts(5, 100 + i), "U1", f"bulk message {i}")
    with FakeSlack(ws) as fake:
        pull_client = client(fake)
        report = ingest_slack_api(engine, settings, pull_client, progress=False, pace=False).as_dict()
    assert report["messages"]["new"] == 475
    assert ws.count("conversations.history") >= 4  # 200 per page, cursor-paginated


def test_429_with_retry_after_and_a_5xx_then_success(engine, settings):
    ws = workspace()
    ws.faults = [Fault("conversations.history", 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "2"}),
                 Fault("users.list", 500, "<html>upstream error</html>")]
    sleeps: list[float] = []
    with FakeSlack(ws) as fake:
        report = sync(engine, settings, fake, sleeps=sleeps).as_dict()
    assert report["messages"]["new"] == 25 and not report["errors"]
    assert any(s >= 2 for s in sleeps)  # waited as long as Retry-After said
    assert ws.count("users.list") == 2


def test_retry_budget_spent_gives_a_clear_error(engine, settings):
    ws = workspace()
    ws.faults = [Fault("conversations.history", 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"},
                       times=100)]
    with FakeSlack(ws) as fake, pytest.raises(SlackConnectorError, match="rate limited beyond the retry budget"):
        sync(engine, settings, fake, retries=3)


def test_invalid_token_and_missing_scope_name_the_problem(engine, settings):
    ws = workspace()
    with FakeSlack(ws) as fake:
        bad = make_client("xoxb-revoked-secret-value", base_url=fake.url, sleep=lambda s: None)
        with pytest.raises(SlackConnectorError) as exc:
            ingest_slack_api(engine, settings, bad, progress=False, pace=False)
        assert "invalid_auth" in str(exc.value) and "xoxb-revoked-secret-value" not in str(exc.value)
        ws.missing_scopes["conversations.history"] = "channels:history"
        with pytest.raises(SlackConnectorError, match="lacks the scope channels:history"):
            sync(engine, settings, fake)


def test_a_channel_the_bot_left_mid_sync(engine, settings):
    ws = workspace()
    ws.faults = [Fault("conversations.history", 200, {"ok": False, "error": "not_in_channel"}, after_calls=1)]
    with FakeSlack(ws) as fake:
        client_ = make_client(ws.token, base_url=fake.url, sleep=lambda s: None)
        from connectors.slack_api import SlackApiPull

        pull = SlackApiPull(client_, pace=False, page_size=5)
        norm = pull.connect()
        convs = {c.native_id: c for c in pull.conversations(norm)}
        units = list(pull.channel_units(norm, convs["C1"], {}, lambda *a: set()))
    assert len(units) == 2 and len(units[0].records) >= 5  # the first page (and its thread), then the refusal
    assert units[-1].skipped == {"conversation not readable (not_in_channel)": 1}
    assert units[0].state["channel:C1"]["round"]["cursor"]  # the cursor is kept: a later run resumes there


def test_replies_after_the_parent_an_edit_and_a_delete(engine, settings):
    ws = workspace()
    with FakeSlack(ws) as fake:
        sync(engine, settings, fake)
        ws.post("C1", ts(0.5, 0), "U1", "late reply on a synced thread", thread_ts=ts(1, 0))
        ws.edit("C1", ts(2, 3), "recent general message 3 (corrected)", edited_ts=ts(0.2, 0))
        ws.delete("C1", ts(2, 4))
        ws.delete("C1", ts(1, 5))  # a thread reply
        report = sync(engine, settings, fake).as_dict()
    stored = texts(engine)
    assert stored[f"C1:{ts(0.5, 0)}"][0] == "late reply on a synced thread"
    assert stored[f"C1:{ts(2, 3)}"][0] == "recent general message 3 (corrected)"
    assert stored[f"C1:{ts(2, 4)}"] == (None, True)
    assert stored[f"C1:{ts(1, 5)}"] == (None, True)
    assert report["messages"]["new"] == 1 and report["messages"]["deleted"] == 2


def test_a_crash_between_pages_resumes_without_loss_or_duplicates(engine, settings, monkeypatch):
    ws = workspace()
    for i in range(30):
        ws.post("C1", ts(4, 200 + i), "U2", f"page filler {i}")
    real = IngestWriter.write_unit
    calls = {"n": 0}

    def crash_on_third(self, unit):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # the process dies mid-sync
        return real(self, unit)

    with FakeSlack(ws) as fake:
        monkeypatch.setattr(IngestWriter, "write_unit", crash_on_third)
        with pytest.raises(KeyboardInterrupt):
            sync(engine, settings, fake, page_size=10)
        monkeypatch.setattr(IngestWriter, "write_unit", real)
        with Session(engine) as s:
            state = s.exec(select(Source).where(Source.kind == "slack_api")).one().state
        assert state["channel:C1"]["round"]["cursor"] == "20"  # two pages committed
        n_before = len(ws.calls)
        sync(engine, settings, fake, page_size=10)
        resumed = [p for m, p in ws.calls[n_before:] if m == "conversations.history" and p["channel"] == "C1"]
        assert resumed[0].get("cursor") == "20"
    stored = texts(engine)
    assert len(stored) == 25 + 30  # everything, once


def test_a_malformed_page_fails_that_unit_only(engine, settings):
    ws = workspace()
    ws.faults = [Fault("conversations.history", 200, "<html>not json</html>")]
    with FakeSlack(ws) as fake:
        report = sync(engine, settings, fake).as_dict()
        assert report["units"]["failed"] == 1 and "malformed" in report["errors"][0]
        again = sync(engine, settings, fake).as_dict()  # the next run picks it up
    assert not again["errors"] and len(texts(engine)) == 25


def test_the_token_never_reaches_the_store_or_the_report(engine, settings):
    ws = workspace()
    ws.token = "xoxb-very-secret-token-123"
    with FakeSlack(ws) as fake:
        report = ingest_slack_api(engine, settings, make_client(ws.token, base_url=fake.url, sleep=lambda s: None),
                                  progress=False, pace=False)
    assert "very-secret" not in str(report.as_dict())
    engine.dispose()
    from pathlib import Path

    for f in Path(settings.db).parent.glob("store.db*"):
        assert b"very-secret" not in f.read_bytes()


# -- threads as Slack gives them (tests/fakes/slack.py): replies only from conversations.replies --------
def old_thread(ws: Workspace) -> str:
    """A thread started 20 days ago (outside slack_refresh_days, inside the thread window) with two replies."""
    parent = ts(20, 0)
    ws.post("C1", parent, "U2", "Proposal: we freeze the API on the 1st")
    ws.post("C1", ts(20, 60), "U1", "fine by me", thread_ts=parent)
    ws.post("C1", ts(19, 0), "U3", "ok, but not before the audit", thread_ts=parent)
    return parent


def test_a_reply_to_an_old_thread_is_seen(engine, settings):
    ws = workspace()
    parent = old_thread(ws)
    with FakeSlack(ws) as fake:
        sync(engine, settings, fake)
        ws.post("C1", ts(0.1, 0), "U1", "reopening: the audit moved, freeze on the 8th", thread_ts=parent)
        report = sync(engine, settings, fake).as_dict()
    assert texts(engine)[f"C1:{ts(0.1, 0)}"][0] == "reopening: the audit moved, freeze on the 8th"
    assert report["messages"]["new"] == 1 and report["api_calls"]["conversations.replies"] == 1


def test_a_deleted_reply_is_seen_without_any_new_reply(engine, settings):
    ws = workspace()
    with FakeSlack(ws) as fake:
        sync(engine, settings, fake)
        ws.delete("C1", ts(1, 5))  # not the newest reply: the thread's latest_reply does not move
        report = sync(engine, settings, fake).as_dict()
    assert texts(engine)[f"C1:{ts(1, 5)}"] == (None, True)
    assert report["messages"]["deleted"] == 1


def test_a_reread_thread_is_read_in_full_edits_and_deletions_of_old_replies_included(engine, settings):
    ws = workspace()
    parent = old_thread(ws)
    with FakeSlack(ws) as fake:
        sync(engine, settings, fake)
        ws.edit("C1", ts(20, 60), "fine by me, if legal agrees", edited_ts=ts(0.2, 0))  # invisible on the parent
        ws.delete("C1", ts(19, 0))  # the parent now counts one reply fewer
        report = sync(engine, settings, fake).as_dict()
    stored = texts(engine)
    assert stored[f"C1:{ts(20, 60)}"][0] == "fine by me, if legal agrees"
    assert stored[f"C1:{ts(19, 0)}"] == (None, True)
    assert stored[f"C1:{parent}"][1] is False
    assert report["messages"]["deleted"] == 1 and report["messages"]["updated"] >= 1


def test_a_deleted_parent_leaves_a_tombstone_and_its_replies(engine, settings):
    ws = workspace()
    with FakeSlack(ws) as fake:
        sync(engine, settings, fake)
        ws.delete("C1", ts(1, 0))  # the parent of a thread with two replies
        sync(engine, settings, fake)
    stored = texts(engine)
    assert stored[f"C1:{ts(1, 0)}"] == (None, True)
    assert stored[f"C1:{ts(1, 9)}"] == ("agreed, Friday works", False)


def test_502_and_504_from_slacks_edge_are_retried(engine, settings):
    ws = workspace()
    ws.faults = [Fault("users.list", 502, "<html>502 Bad Gateway</html>"),
                 Fault("conversations.history", 504, "<html>504 Gateway Time-out</html>")]
    sleeps: list[float] = []
    with FakeSlack(ws) as fake:
        report = sync(engine, settings, fake, sleeps=sleeps).as_dict()
    assert report["messages"]["new"] == 25 and not report["errors"]
    assert ws.count("users.list") == 2 and len(sleeps) == 2  # each waited (backoff), through the injected sleep


def test_each_method_is_paced_to_its_documented_tier(engine, settings):
    from connectors.slack_api import SlackApiPull

    ws = workspace()
    for i in range(5):
        ws.add_channel(f"C9{i}", f"extra-{i}", members=["U1"])
    clock = [1000.0]
    slept: list[tuple[str, float]] = []

    class Recorded(SlackApiPull):
        def call(self, method, **params):
            self.current = method
            return super().call(method, **params)

    def sleep(seconds):
        slept.append((pull.current, seconds))
        clock[0] += seconds

    with FakeSlack(ws) as fake:
        pull = Recorded(client(fake), pace=True, page_size=2, clock=lambda: clock[0], sleep=sleep)
        pull.conversations(pull.connect())
    waits = [s for m, s in slept if m == "users.conversations"]
    assert ws.count("users.conversations") == 4 and len(waits) == 3
    assert all(abs(w - 60 / TIERS["users.conversations"]) < 1e-6 for w in waits)  # Tier 3: 50 a minute


def test_deleting_the_only_reply_of_a_thread_is_seen(engine, settings):
    ws = workspace()
    parent = ts(3, 30)
    ws.post("C1", parent, "U1", "Anyone up for the retro on Thursday?")
    ws.post("C1", ts(3, 90), "U2", "me", thread_ts=parent)
    with FakeSlack(ws) as fake:
        sync(engine, settings, fake)
        ws.delete("C1", ts(3, 90))  # the parent loses reply_count and latest_reply altogether
        report = sync(engine, settings, fake).as_dict()
    assert texts(engine)[f"C1:{ts(3, 90)}"] == (None, True) and report["messages"]["deleted"] == 1
