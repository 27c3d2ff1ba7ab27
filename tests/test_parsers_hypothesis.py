"""Property-based tests for every parser (issue 14): random and mutated Slack day files and metadata,
mbox files, .eml files, Microsoft Graph delta pages and Slack Web API pages never raise out of a unit,
and never leave a half-written store (every message the store gained was reported as new, by a unit
that was committed whole).

A few hundred examples per parser by default; `SLOPRADAR_FUZZ=1 pytest -m fuzz` (or `-m fuzz` alone)
runs many more, randomised.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import sys
from collections.abc import Iterable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from connectors.graph_mail import GraphError, GraphMailPull
from connectors.mailbox_files import MailboxError, MailboxImport
from connectors.slack_api import SlackApiPull, SlackConnectorError
from connectors.slack_export import SUBTYPE_POLICY, ExportError, open_export
from slopradar.config import Settings
from slopradar.ingest import IngestWriter, Unit
from slopradar.pseudonym import Pseudonymizer
from slopradar.records import ConversationRecord
from slopradar.schema import Message
from slopradar.store import open_store
from tests.fakes.graph import message as fake_graph_message

pytestmark = pytest.mark.fuzz

_COMMON = dict(deadline=None, database=None, print_blob=True,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                      HealthCheck.function_scoped_fixture])
settings.register_profile("slopradar", max_examples=200, derandomize=True, **_COMMON)
settings.register_profile("slopradar-fuzz", max_examples=3000, **_COMMON)


def _fuzzing() -> bool:
    """SLOPRADAR_FUZZ=1, or a `-m` expression naming the fuzz marker."""
    argv = sys.argv
    marked = any(a == "-m" and i + 1 < len(argv) and "fuzz" in argv[i + 1] and "not fuzz" not in argv[i + 1]
                 for i, a in enumerate(argv)) or any(a.startswith("-mfuzz") for a in argv)
    return bool(os.environ.get("SLOPRADAR_FUZZ")) or marked


PROFILE = settings(parent=settings.get_profile("slopradar-fuzz" if _fuzzing() else "slopradar"))


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuzz")
    cfg = Settings(db=str(tmp / "fuzz.db"), data_dir=str(tmp / "state"), max_text_chars=5_000, max_mail_bytes=200_000)
    engine = open_store(cfg)
    yield engine, cfg, tmp
    engine.dispose()


_counter = itertools.count()
PZ = Pseudonymizer(b"fuzz-key")


def _message_count(engine) -> int:
    with Session(engine) as s:
        return len(s.exec(select(Message.id)).all())


def _write(engine, cfg, units: Iterable[Unit], kind: str) -> Any:
    """Write units the way every ingest does, and check the store gained exactly what was reported."""
    writer = IngestWriter(engine, cfg, PZ, kind, f"example-{next(_counter)}")
    before = _message_count(engine)
    n = 0
    for unit in units:
        writer.write_unit(unit)
        n += 1
    report = writer.report
    assert report.units_done + report.units_unchanged + report.units_failed == n
    assert _message_count(engine) - before == report.new  # nothing from a failed unit, nothing half-written
    json.dumps(report.as_dict(), ensure_ascii=False).encode("utf-8")  # the summary can always be printed
    return report


# -- strategies -------------------------------------------------------------------------------------
_NASTY = ["\ud800", "\udfff", "\x00", "<@U1>", "<@U1|ada>", "```code```", "&gt; a quote", "\u202e", "é", "😀",
          "<https://x.slack.com/archives/C1/p1704100000000100|link>", "<!here>", "[/nope]", "$\\badcmd$"]
texts = st.one_of(st.text(max_size=40), st.sampled_from(_NASTY),
                  st.lists(st.sampled_from(_NASTY) | st.text(max_size=8), max_size=4).map("".join))
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), texts,
                    st.sampled_from([10 ** 400, -1, 2 ** 63]))
json_values = st.recursive(scalars, lambda c: st.lists(c, max_size=3) | st.dictionaries(texts, c, max_size=3),
                           max_leaves=8)
timestamps = st.one_of(st.sampled_from(["1704100000.000100", "9" * 400 + ".1", "1.1", "", "abc", "4102444800.1",
                                        "1704100000", "-1.5", "nan", "1e308"]),
                       st.from_regex(r"1[67]\d{8}\.\d{6}", fullmatch=True), st.floats(), st.integers())
_SLACK_FIELDS = {
    "ts": timestamps, "user": st.sampled_from(["U1", "U2", "USLACKBOT", "", "\ud800"]) | json_values,
    "text": texts | json_values, "subtype": st.sampled_from(sorted(k for k in SUBTYPE_POLICY if k)) | json_values,
    "thread_ts": timestamps, "edited": st.fixed_dictionaries({}, optional={"ts": timestamps}) | json_values,
    "blocks": json_values, "attachments": json_values, "files": json_values, "file": json_values,
    "reply_count": json_values, "latest_reply": timestamps, "reactions": json_values, "message": json_values,
    "previous_message": json_values, "deleted_ts": timestamps, "bot_id": json_values, "bot_profile": json_values,
    "type": st.just("message") | json_values,
}
# a real-looking message with a few fields replaced or added: most examples reach deep into the normaliser
slack_message = st.builds(
    lambda i, extra: {"type": "message", "user": "U1", "text": f"message {i} about the release",
                      "ts": f"{1704100000 + i}.000100"} | extra,
    st.integers(0, 10 ** 6), st.fixed_dictionaries({}, optional=_SLACK_FIELDS))
slack_items = st.lists(st.one_of(slack_message, slack_message, json_values), max_size=6)


@st.composite
def mutated(draw, data: bytes) -> bytes:
    """`data` with a few random edits: cut, flip, insert (deep nesting, stray quotes, bytes)."""
    out = bytearray(data)
    for _ in range(draw(st.integers(0, 3))):
        op = draw(st.sampled_from(["cut", "flip", "insert", "deep"]))
        pos = draw(st.integers(0, len(out)))
        if op == "cut":
            del out[pos:]
        elif op == "flip" and out:
            out[min(pos, len(out) - 1)] = draw(st.integers(0, 255))
        elif op == "insert":
            out[pos:pos] = draw(st.binary(max_size=8) | st.sampled_from([b'"', b"[", b"]", b",", b"\\", b"\n\n"]))
        else:
            n = draw(st.sampled_from([70, 1200, 60_000]))
            out[pos:pos] = b"[" * n + b"]" * n
    return bytes(out)


# -- Slack export ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def export(store):
    _, _, tmp = store
    root = tmp / "export"
    (root / "general").mkdir(parents=True)
    (root / "channels.json").write_text(json.dumps([{"id": "C1", "name": "general", "members": ["U1", "U2"]}]))
    (root / "users.json").write_text(json.dumps([{"id": "U1", "team_id": "T1", "name": "ada"}]))
    (root / "general" / "2024-01-01.json").write_text("[]")
    return open_export(root)


@PROFILE
@given(data=st.data(), items=slack_items)
def test_slack_day_file(store, export, data, items):
    engine, cfg, _ = store
    raw = json.dumps(items).encode()
    if data.draw(st.booleans()):
        raw = data.draw(mutated(raw))
    export.team_id = f"T{next(_counter)}"  # its own namespace: the example's messages are its own
    digest = hashlib.sha256(raw).hexdigest()
    units = export.parse_day_file("general/2024-01-01.json", lambda: (raw,), digest)
    report = _write(engine, cfg, units, "slack_export")
    if raw == json.dumps(items).encode():  # a well-formed file: bad messages are skipped, the file is stored
        assert report.units_failed == 0, report.errors


users_json = st.lists(st.one_of(json_values, st.fixed_dictionaries(
    {"id": st.sampled_from(["U1", "U2", "U3"]) | json_values},
    optional={"team_id": st.just("T1") | json_values, "name": texts | json_values, "real_name": json_values,
              "profile": json_values | st.fixed_dictionaries({}, optional={"email": texts | json_values,
                                                                              "real_name": json_values}),
              "is_bot": json_values, "deleted": json_values})), max_size=5)
channels_json = st.lists(st.one_of(json_values, st.fixed_dictionaries(
    {"id": st.sampled_from(["C1", "C2", "D0123ABCD", "\ud800"]) | json_values},
    optional={"name": st.sampled_from(["general", "random"]) | json_values,
              "members": st.lists(st.sampled_from(["U1", "U2"]) | json_values, max_size=4) | json_values})),
    max_size=5)


@PROFILE
@given(data=st.data(), users=users_json, channels=channels_json, groups=channels_json)
def test_slack_metadata(store, data, users, channels, groups):
    engine, cfg, tmp = store
    root = tmp / f"meta-{next(_counter)}"
    (root / "general").mkdir(parents=True)
    for name, value in (("users.json", users), ("channels.json", channels), ("groups.json", groups)):
        raw = json.dumps(value).encode()
        if data.draw(st.booleans()):
            raw = data.draw(mutated(raw))
        (root / name).write_bytes(raw)
    (root / "general" / "2024-01-01.json").write_text(json.dumps(
        [{"type": "message", "user": "U1", "text": "hello", "ts": "1704100000.000100"}]))
    try:
        exp = open_export(root)
    except ExportError:
        return  # not an export at all: one clear error
    report = _write(engine, cfg, exp.units(), "slack_export")
    writer = IngestWriter(engine, cfg, PZ, "slack_export", f"members-{next(_counter)}")
    writer.register_conversations(exp.conversations.values())  # never raises
    assert report.units_failed == 0, report.errors
    assert writer.report.skipped["conversation not stored (malformed)"] == 0


# -- mailboxes ---------------------------------------------------------------------------------------
header_values = st.one_of(texts, st.sampled_from([
    "Ada <ada@example.com>", "=?utf-8?q?Ren=C3=A9e?= <e@x.org>", "=?bogus?B?SGVsbG8=?=", "perry at stsci.edu (Perry)",
    "Fri, 31 Dec 9999 23:59:59 -0500", "Mon, 5 Jan 2015 10:00:00 +0000", "not a date", "<id@x>", "multipart/mixed",
    'multipart/mixed; boundary="b"', "text/html; charset=utf-8", "base64", "quoted-printable", "bulk",
    "Thu Nov  1 11:19:12 2001", "Tana Jones@ECT 04/02/2001 04:59 PM"]))
headers = st.dictionaries(st.sampled_from(["From", "To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To",
                                           "References", "Content-Type", "Content-Transfer-Encoding", "X-Folder",
                                           "X-From", "X-To", "Precedence", "Auto-Submitted"]),
                          header_values, max_size=9)
bodies = st.one_of(texts, st.sampled_from([
    "Hello\n\n-----Original Message-----\nFrom: Olivia Bennett <o@x.com>\nSent: Mon\n\nold",
    "ok\n\nTana Jones@ECT 04/02/2001 04:59 PM\nTo: Mark Taylor/HOU/ECT@ECT\n\nq", "--b\nContent-Type: text/plain\n\nx\n--b--",
    "<html><body><p>hi</p></body></html>", "=E9t=E9", "SGVsbG8=", "> quoted\nreply", "From the start of a line"]))


def _mail(h: dict[str, str], body: str) -> bytes:
    head = "".join(f"{k}: {v}\n" for k, v in h.items())
    return (head + "\n" + body + "\n").encode("utf-8", "surrogatepass")


@PROFILE
@given(data=st.data(), mails=st.lists(st.tuples(headers, bodies), min_size=1, max_size=5))
def test_mbox(store, data, mails):
    engine, cfg, tmp = store
    raw = b"".join(b"From x@y Mon Jan  5 10:00:00 2015\n" + _mail(h, b) + b"\n" for h, b in mails)
    if data.draw(st.booleans()):
        raw = b"From x@y Mon Jan  5 10:00:00 2015\n" + data.draw(mutated(raw))
    path = tmp / f"box-{next(_counter)}.mbox"
    path.write_bytes(raw)
    box = MailboxImport(path, max_bytes=cfg.max_mail_bytes, pseudonymizer=PZ if data.draw(st.booleans()) else None,
                        max_chars=cfg.max_text_chars)
    report = _write(engine, cfg, box.units(), "mailbox")
    assert report.units_failed == 0, report.errors  # a bad mail is a skipped message, never a failed batch


@PROFILE
@given(data=st.data(), h=headers, body=bodies)
def test_eml(store, data, h, body):
    engine, cfg, tmp = store
    raw = _mail({"From": "a@example.com", "Date": "Mon, 5 Jan 2015 10:00:00 +0000", **h}, body)
    if data.draw(st.booleans()):
        raw = data.draw(mutated(raw))
    path = tmp / f"mail-{next(_counter)}.eml"
    path.write_bytes(raw)
    try:
        box = MailboxImport(path, max_bytes=cfg.max_mail_bytes, pseudonymizer=PZ, max_chars=cfg.max_text_chars)
    except MailboxError:
        return  # not recognisable as a mail: one clear error
    report = _write(engine, cfg, box.units(), "mailbox")
    assert report.units_failed == 0, report.errors


# -- live connectors' pages ------------------------------------------------------------------------------
_GRAPH_FIELDS = {
    "id": st.sampled_from(["AAMk1=", "AAMk2="]) | json_values,
    "internetMessageId": st.sampled_from(["<m1@x.com>", "m2@x.com", ""]) | json_values,
    "sentDateTime": st.sampled_from(["2026-03-02T09:00:00Z", "9999-12-31T23:59:59-05:00", "9999-12-31T12:00:00Z",
                                     "2026-03-02", "not a date", "1970-01-01T00:00:00Z"]) | json_values,
    "subject": texts | json_values, "isDraft": json_values, "@removed": json_values,
    "from": st.fixed_dictionaries({"emailAddress": st.fixed_dictionaries(
        {}, optional={"name": texts | json_values, "address": texts | json_values})}) | json_values,
    "toRecipients": st.lists(json_values, max_size=2) | json_values,
    "body": st.fixed_dictionaries({}, optional={"content": bodies | json_values}) | json_values,
    "uniqueBody": st.fixed_dictionaries({}, optional={"content": bodies | json_values}) | json_values,
    "internetMessageHeaders": st.lists(st.fixed_dictionaries(
        {"name": header_values | json_values, "value": header_values | json_values}), max_size=3) | json_values,
}
graph_item = st.one_of(json_values, st.builds(
    lambda i, extra: fake_graph_message(i, "ada@example.com", ["bob@example.com"], "Plan", "The plan is ready.")
    | extra, st.integers(0, 10 ** 6), st.fixed_dictionaries({}, optional=_GRAPH_FIELDS)))
BASE = "http://graph.test"
graph_page = st.one_of(json_values, st.fixed_dictionaries(
    {"value": st.lists(graph_item, max_size=4) | json_values},
    optional={"@odata.nextLink": st.just(BASE + "/v1.0/next") | json_values,
              "@odata.deltaLink": st.just(BASE + "/v1.0/delta") | json_values}))


class _Response:
    def __init__(self, body: Any, status: int = 200):
        self.status_code, self._body, self.headers = status, body, {}

    def json(self) -> Any:
        if isinstance(self._body, bytes):
            return json.loads(self._body)
        return self._body


class _Session:
    """Answers Graph requests with the pages of an example, then an empty last page."""

    def __init__(self, pages: list[Any]):
        self.pages = list(pages)

    def get(self, url: str, **kw: Any) -> _Response:
        if self.pages:
            return _Response(self.pages.pop(0))
        return _Response({"value": [], "@odata.deltaLink": BASE + "/v1.0/delta?end"})


@PROFILE
@given(data=st.data(), pages=st.lists(graph_page, min_size=1, max_size=3))
def test_graph_page(store, data, pages):
    engine, cfg, _ = store
    if data.draw(st.booleans()):
        pages = pages + [data.draw(mutated(json.dumps(pages[0]).encode()))]
    pull = GraphMailPull(lambda: "token", base_url=BASE, session=_Session(pages), sleep=lambda s: None, retries=0,
                         pseudonymizer=PZ if data.draw(st.booleans()) else None)
    try:
        report = _write(engine, cfg, pull.folder_units(f"box{next(_counter)}@x.com", "sentitems", {},
                                                       lambda gid: False), "outlook")
    except GraphError:
        return  # a sync that cannot go on says so in one clear line (the delta state expired twice, ...)
    if all(_graph_page_ok(p) for p in pages):
        assert report.units_failed == 0, report.errors  # bad messages in a good page are skipped messages


def _graph_page_ok(page: Any) -> bool:
    links = [page.get(k) for k in ("@odata.nextLink", "@odata.deltaLink")] if isinstance(page, dict) else []
    return (isinstance(page, dict) and isinstance(page.get("value"), list)
            and all(link is None or (isinstance(link, str) and link.startswith(BASE + "/")) for link in links))


def _slack_page_ok(page: Any) -> bool:
    meta = page.get("response_metadata") if isinstance(page, dict) else None
    return (isinstance(page, dict) and page.get("ok") is True and isinstance(page.get("messages"), list)
            and (meta is None or isinstance(meta, dict) and isinstance(meta.get("next_cursor"), str | None)))


class _SlackClient:
    """slack-sdk's WebClient as SlackApiPull uses it: api_call returning an object with .data."""

    def __init__(self, history: list[Any], replies: list[Any]):
        self.history, self.replies = list(history), list(replies)

    def api_call(self, method: str, http_verb: str = "GET", params: Any = None) -> Any:
        source = self.history if method == "conversations.history" else self.replies
        data = source.pop(0) if source else {"ok": True, "messages": []}
        return type("Response", (), {"data": data})()


slack_page = st.one_of(json_values, st.fixed_dictionaries(
    {"ok": st.just(True) | json_values, "messages": st.lists(slack_message, max_size=4) | json_values},
    optional={"response_metadata": st.fixed_dictionaries({}, optional={"next_cursor": texts | json_values})
              | json_values, "error": st.sampled_from(["not_in_channel", "invalid_cursor", "ratelimited"])}))


@PROFILE
@given(history=st.lists(slack_page, min_size=1, max_size=3), replies=st.lists(slack_page, max_size=2))
def test_slack_api_page(store, history, replies):
    from connectors.slack_export import SlackNormaliser

    engine, cfg, _ = store
    pull = SlackApiPull(_SlackClient(history, replies), pace=False)
    norm = SlackNormaliser(team_id=f"T{next(_counter)}", users={})
    conv = ConversationRecord(norm.namespace, "C1", "channel", "general")
    try:
        report = _write(engine, cfg, itertools.islice(pull.channel_units(norm, conv, {}, lambda *a: set()), 20),
                        "slack_api")
    except SlackConnectorError:
        return  # a fatal answer (a revoked token...) is one clear error, by design
    if all(_slack_page_ok(p) for p in history + replies):
        assert report.units_failed == 0, report.errors


def test_fuzzing_runs_many_more_examples():
    assert settings.get_profile("slopradar").max_examples >= 100
    assert settings.get_profile("slopradar-fuzz").max_examples >= 10 * settings.get_profile("slopradar").max_examples
    assert PROFILE.deadline is None and PROFILE.database is None


# -- any text at all in a well-formed message is stored (replaced characters counted), never dropped ----------
@PROFILE
@given(text=texts, name=texts)
def test_any_slack_text_is_stored(store, export, text, name):
    engine, cfg, _ = store
    export.team_id = f"T{next(_counter)}"
    export.conversations["general"].name = name or "general"
    items = [{"type": "message", "user": "U1", "text": text, "ts": "1704100000.000100",
              "files": [{"id": "F1", "name": name}]}]
    raw = json.dumps(items).encode()
    report = _write(engine, cfg, export.parse_day_file("general/2024-01-01.json", lambda: (raw,), "d"), "slack_export")
    assert report.new == 1, report.as_dict()
    export.conversations["general"].name = "general"


@PROFILE
@given(subject=texts, body=texts, name=texts)
def test_any_graph_subject_and_body_are_stored(store, subject, body, name):
    engine, cfg, _ = store
    item = fake_graph_message(1, "ada@example.com", ["bob@example.com"], subject, body)
    item["from"]["emailAddress"]["name"] = name
    page = {"value": [item], "@odata.deltaLink": BASE + "/v1.0/delta"}
    pull = GraphMailPull(lambda: "token", base_url=BASE, session=_Session([page]), sleep=lambda s: None, retries=0,
                         pseudonymizer=PZ, skip_auto=False)
    report = _write(engine, cfg, pull.folder_units(f"box{next(_counter)}@x.com", "sentitems", {}, lambda g: False),
                    "outlook")
    assert report.new + report.unchanged + report.updated == 1, report.as_dict()


@PROFILE
@given(subject=texts, body=texts)
def test_any_mail_subject_and_body_are_stored(store, subject, body):
    engine, cfg, tmp = store
    n = next(_counter)
    raw = _mail({"From": "Ada <ada@example.com>", "Date": "Mon, 5 Jan 2015 10:00:00 +0000",
                 "Message-ID": f"<any{n}@example.com>", "Subject": " ".join(subject.split())}, body)
    path = tmp / f"any-{n}.mbox"
    path.write_bytes(b"From x@y Mon Jan  5 10:00:00 2015\n" + raw.replace(b"\nFrom ", b"\n>From ") + b"\n")
    box = MailboxImport(path, max_bytes=cfg.max_mail_bytes, pseudonymizer=PZ, max_chars=cfg.max_text_chars,
                        skip_auto=False)
    report = _write(engine, cfg, box.units(), "mailbox")
    assert report.new == 1, report.as_dict()
