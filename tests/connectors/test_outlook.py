"""`ingest outlook` against a local Graph delta endpoint and a fake Entra ID: no network."""

from __future__ import annotations

import os
import re
import stat

import pytest
from sqlmodel import Session, select

from connectors.graph_auth import token_provider
from connectors.graph_mail import GraphError
from slopradar.pipeline import ingest_outlook
from slopradar.schema import Message, Source
from tests.fakes.graph import FakeEntra, FakeGraph, message

ADA, BOB = "ada@example.com", "bob@example.com"


@pytest.fixture
def graph(httpserver):
    g = FakeGraph(base=httpserver.url_for("").rstrip("/"))
    httpserver.expect_request(re.compile(r"^/v1\.0/.*"), method="GET").respond_with_handler(g.handler)
    for i in range(7):
        g.add(ADA, "sentitems", message(i, ADA, [BOB], f"Update {i}", f"Body {i}\n\nOn Mon, Bob wrote:\n> old quote",
                                        unique=f"Body {i}", sent=f"2026-03-0{1 + i % 5}T09:00:00Z"))
    g.add(BOB, "sentitems", message(100, BOB, [ADA], "Re: Update 1", "Thanks, noted: the launch is on Friday.",
                                    headers=[{"name": "In-Reply-To", "value": "<msg1@example.com>"},
                                             {"name": "References", "value": "<msg1@example.com>"}]))
    return g


def sync(engine, settings, graph, boxes=(ADA, BOB), folders=("sentitems",), sleeps=None):
    return ingest_outlook(engine, settings, token=lambda: "fake-at-1", base_url=graph.base, mailboxes=list(boxes),
                          folders=list(folders), progress=False, page_size=3,
                          sleep=(sleeps.append if sleeps is not None else lambda s: None)).as_dict()


def mail(engine) -> dict[str, Message]:
    with Session(engine) as s:
        return {m.native_id: m for m in s.exec(select(Message).where(Message.namespace == "mail"))}


def test_first_round_then_nothing_new(engine, settings, graph):
    first = sync(engine, settings, graph)
    stored = mail(engine)
    assert first["messages"]["new"] == 8 and not first["errors"]
    assert stored["msg3@example.com"].text == "Body 3"  # uniqueBody: the part the author wrote
    reply = stored["msg100@example.com"]
    assert reply.parent_native_id == "msg1@example.com" and reply.thread_key == "msg1@example.com"
    with Session(engine) as s:
        state = s.exec(select(Source).where(Source.kind == "outlook")).one().state
    assert "$deltatoken=" in state[f"folder:{ADA}/sentitems"]["delta"]  # stored once the round completed
    assert state[f"folder:{ADA}/sentitems"]["next"] is None
    n = len(graph.requests)
    again = sync(engine, settings, graph)
    assert again["messages"]["new"] == 0 and len(graph.requests) - n == 2  # one delta page per folder


def test_removed_rows_partial_rows_and_a_message_in_two_mailboxes(engine, settings, graph):
    shared = message(200, ADA, [BOB], "Heads up", "The all-hands is NOT postponed.", mid="<shared@example.com>")
    graph.add(ADA, "sentitems", shared)
    graph.add(BOB, "inbox", shared | {"id": "AAMkBobCopy="})
    sync(engine, settings, graph, folders=("sentitems", "inbox"))
    assert len([k for k in mail(engine) if k == "shared@example.com"]) == 1  # deduplicated by internetMessageId
    graph.remove(ADA, "sentitems", "AAMkImmutable0002=")
    graph.mark_read(ADA, "sentitems", "AAMkImmutable0003=")
    graph.remove(ADA, "sentitems", shared["id"])  # gone from Ada's mailbox, still in Bob's
    report = sync(engine, settings, graph, folders=("sentitems", "inbox"))
    stored = mail(engine)
    assert stored["msg2@example.com"].deleted and stored["msg2@example.com"].text is None
    assert stored["msg3@example.com"].text == "Body 3" and not stored["msg3@example.com"].deleted  # merged, not wiped
    assert not stored["shared@example.com"].deleted
    assert report["messages"]["deleted"] == 1
    assert report["skipped"]["partial update merged"] == 1
    assert report["skipped"]["removed from one mailbox, still in another"] == 1


def test_an_expired_delta_token_means_a_full_resync_without_duplicates(engine, settings, graph):
    sync(engine, settings, graph)
    with Session(engine) as s:
        delta = s.exec(select(Source).where(Source.kind == "outlook")).one().state[f"folder:{ADA}/sentitems"]["delta"]
    graph.expired.add(delta.split("$deltatoken=")[1])
    graph.add(ADA, "sentitems", message(50, ADA, [BOB], "New", "A new message after the token expired."))
    report = sync(engine, settings, graph)
    assert report["skipped"]["delta token expired: full resync"] == 1
    assert report["messages"]["new"] == 1 and len(mail(engine)) == 9


def test_throttling_then_success(engine, settings, graph):
    graph.faults = [(429, {"Retry-After": "3"}, {"error": {"code": "TooManyRequests", "message": "Please retry"}}),
                    (503, {}, {"error": {"code": "ServiceUnavailable", "message": "busy"}}),
                    (502, {}, "<html>502 Bad Gateway</html>"),  # a gateway in front of Graph: not Graph JSON
                    (500, {}, {"error": {"code": "InternalServerError", "message": "transient"}})]
    sleeps: list[float] = []
    report = sync(engine, settings, graph, sleeps=sleeps)
    assert report["messages"]["new"] == 8 and not report["errors"]
    assert sleeps[0] == 3 and len(sleeps) == 4  # Retry-After, then backoff without one
    assert report["api_calls"]["throttled"] == 4


def test_a_malformed_page_is_reported_and_retried_next_run(engine, settings, graph):
    graph.faults = [(200, {}, "<html>gateway</html>")]
    report = sync(engine, settings, graph, boxes=(ADA,))
    assert report["units"]["failed"] == 1 and "malformed page" in report["errors"][0]
    assert sync(engine, settings, graph, boxes=(ADA,))["messages"]["new"] == 7


def test_missing_permission_names_it(engine, settings, graph):
    graph.forbidden.add(BOB)
    with pytest.raises(GraphError, match="Mail.Read"):
        sync(engine, settings, graph)


def test_drafts_and_auto_replies_are_skipped(engine, settings, graph):
    graph.add(ADA, "sentitems", message(300, ADA, [BOB], "draft", "not sent") | {"isDraft": True})
    graph.add(ADA, "sentitems", message(301, ADA, [BOB], "Automatic reply: away", "I am out of office",
                                        headers=[{"name": "Auto-Submitted", "value": "auto-replied"}]))
    # a rule's reply with an ordinary subject: only its MIME headers say it was sent by a machine
    graph.add(ADA, "sentitems", message(302, ADA, [BOB], "Re: Update 1", "Thank you, your request was received.",
                                        headers=[{"name": "In-Reply-To", "value": "<msg1@example.com>"},
                                                 {"name": "Auto-Submitted", "value": "auto-replied"}]))
    report = sync(engine, settings, graph, boxes=(ADA,))
    assert report["skipped"] == {"draft": 1, "auto-reply": 2}


# -- what Graph does not say on the message (tests/fakes/graph.py cites the sources) ----------
def test_sent_items_replies_are_threaded_from_their_mime_headers_fetched_once(engine, settings, graph):
    first = sync(engine, settings, graph)
    reply = mail(engine)["msg100@example.com"]
    assert reply.parent_native_id == "msg1@example.com" and reply.thread_key == "msg1@example.com"
    mime = [r for r in graph.requests if "/$value" in r]
    assert len(mime) == 1 and first["api_calls"]["mime headers"] == 1  # only the reply: a new message needs none
    graph.add(ADA, "sentitems", message(7, ADA, [BOB], "Update 7", "Body 7"))  # a change in the folder
    sync(engine, settings, graph)
    assert len([r for r in graph.requests if "/$value" in r]) == 1  # stored threads are not fetched again


def test_a_reply_whose_mime_content_is_gone_is_stored_on_its_conversation(engine, settings, graph):
    graph.purged_before_read.add("AAMkImmutable0100=")  # deleted between the delta page and the header read
    report = sync(engine, settings, graph, boxes=(BOB,))
    reply = mail(engine)["msg100@example.com"]
    assert reply.thread_key == "conv-1" and reply.meta["thread_from"] == "conversationId" and not report["errors"]
    assert report["api_calls"]["mime headers unreadable"] == 1


def test_a_store_synced_by_an_earlier_version_reads_each_folder_once_in_full(engine, settings, graph):
    sync(engine, settings, graph)
    with Session(engine) as s:  # as an earlier version left it: no round ids, a reply on Graph's conversation
        src = s.exec(select(Source).where(Source.kind == "outlook")).one()
        src.state = {k: {"next": v["next"], "delta": v["delta"]} for k, v in src.state.items()}
        s.add(src)
        reply = s.exec(select(Message).where(Message.native_id == "msg100@example.com")).one()
        reply.thread_key, reply.parent_native_id, reply.meta = "conv-1", None, {"graph_conversation": "conv-1"}
        s.add(reply)
        s.commit()
    report = sync(engine, settings, graph)
    assert report["skipped"]["folder read once in full (state from an earlier version)"] == 2
    reply = mail(engine)["msg100@example.com"]
    assert (reply.thread_key, reply.parent_native_id) == ("msg1@example.com", "msg1@example.com")
    n = len(graph.requests)
    assert sync(engine, settings, graph)["messages"]["updated"] == 0 and len(graph.requests) - n == 2  # deltas again


def test_the_header_budget_stops_a_folder_and_the_next_run_goes_on(engine, settings, graph):
    for i in range(101, 104):
        graph.add(BOB, "sentitems", message(i, BOB, [ADA], f"Re: Update {i - 100}", f"Reply {i}",
                                            headers=[{"name": "In-Reply-To", "value": f"<msg{i - 100}@example.com>"}]))
    tight = settings.model_copy(update={"graph_header_fetches": 2})
    first = sync(engine, tight, graph)
    assert first["skipped"]["header fetch budget spent: continues next run"] == 1 and not first["errors"]
    second = sync(engine, tight, graph)
    third = sync(engine, tight, graph)
    assert first["messages"]["new"] + second["messages"]["new"] + third["messages"]["new"] == 11
    stored = mail(engine)
    assert [stored[f"msg{i}@example.com"].parent_native_id for i in (100, 101, 102, 103)] == [
        "msg1@example.com", "msg1@example.com", "msg2@example.com", "msg3@example.com"]


def test_the_same_mail_gets_the_same_thread_whichever_connector_read_it(tmp_path, engine, settings, graph):
    import mailbox as stdlib_mailbox

    from slopradar.pipeline import ingest_mailbox
    from slopradar.store import open_store

    # Ada answers Bob's reply quoting only In-Reply-To (no References), as some clients do
    graph.add(ADA, "sentitems", message(101, ADA, [BOB], "Re: Re: Update 1", "Good, Friday it is.",
                                        headers=[{"name": "In-Reply-To", "value": "<msg100@example.com>"}],
                                        sent="2026-03-03T10:00:00Z"))
    sync(engine, settings, graph)
    box = stdlib_mailbox.mbox(tmp_path / "export.mbox")
    for gid in ("AAMkImmutable0001=", "AAMkImmutable0100=", "AAMkImmutable0101="):
        box.add(graph._mime(ADA if gid != "AAMkImmutable0100=" else BOB, gid).get_data())
    box.close()
    other = settings.model_copy(update={"db": str(tmp_path / "files.db")})
    files_engine = open_store(other)
    ingest_mailbox(files_engine, other, tmp_path / "export.mbox", progress=False)
    from_graph, from_files = mail(engine), mail(files_engine)
    files_engine.dispose()
    for mid in ("msg1@example.com", "msg100@example.com", "msg101@example.com"):
        assert (from_graph[mid].thread_key, from_graph[mid].parent_native_id) == (
            from_files[mid].thread_key, from_files[mid].parent_native_id), mid
    assert from_graph["msg101@example.com"].parent_native_id == "msg100@example.com"


def test_a_move_is_not_a_deletion(engine, settings, graph):
    sync(engine, settings, graph, folders=("sentitems", "archive"))
    graph.move(ADA, "sentitems", "deleteditems", "AAMkImmutable0002=")  # Outlook's Delete: not monitored
    graph.move(ADA, "sentitems", "archive", "AAMkImmutable0003=")  # into a monitored folder
    graph.remove(ADA, "sentitems", "AAMkImmutable0004=")  # a hard delete
    report = sync(engine, settings, graph, folders=("sentitems", "archive"))
    stored = mail(engine)
    moved = stored["msg2@example.com"]
    assert not moved.deleted and moved.text == "Body 2" and moved.meta["moved_out_of_scope"] == "sentitems"
    with Session(engine) as s:
        from slopradar.schema import Conversation

        home = s.get(Conversation, stored["msg3@example.com"].conversation_id)
    assert home.name == "archive" and not stored["msg3@example.com"].deleted  # re-homed
    assert "moved_out_of_scope" not in stored["msg3@example.com"].meta
    assert stored["msg4@example.com"].deleted and stored["msg4@example.com"].text is None
    assert report["messages"]["deleted"] == 1 and report["messages"]["moved"] == 2


def test_a_resync_finds_what_was_deleted_while_the_token_was_expired(engine, settings, graph):
    shared = message(200, ADA, [BOB], "Heads up", "The all-hands is NOT postponed.", mid="<shared@example.com>")
    graph.add(ADA, "sentitems", shared)
    graph.add(BOB, "inbox", shared | {"id": "AAMkBobCopy="})
    # Ada's folder last: the shared mail lives there (a message has one conversation: the last folder that wrote it)
    sync(engine, settings, graph, boxes=(BOB, ADA), folders=("inbox", "sentitems"))
    with Session(engine) as s:
        state = s.exec(select(Source).where(Source.kind == "outlook")).one().state
    graph.expired.add(state[f"folder:{ADA}/sentitems"]["delta"].split("$deltatoken=")[1])
    graph.purge_silently(ADA, "sentitems", "AAMkImmutable0005=")
    graph.purge_silently(ADA, "sentitems", shared["id"])  # gone from Ada's mailbox, still in Bob's
    report = sync(engine, settings, graph, boxes=(BOB, ADA), folders=("inbox", "sentitems"))
    stored = mail(engine)
    assert report["skipped"]["delta token expired: full resync"] == 1
    assert stored["msg5@example.com"].deleted and stored["msg5@example.com"].text is None
    assert not stored["shared@example.com"].deleted and not stored["msg6@example.com"].deleted
    assert report["messages"]["deleted"] == 1
    graph.remove(BOB, "inbox", "AAMkBobCopy=")  # now gone from the last mailbox that held it
    assert sync(engine, settings, graph, boxes=(BOB, ADA), folders=("inbox", "sentitems"))["messages"]["deleted"] == 1
    assert mail(engine)["shared@example.com"].deleted  # Ada's stale id went with the full round


# -- msal ------------------------------------------------------------------------------------
@pytest.fixture
def graph_settings(settings, monkeypatch):
    from tests.fakes.graph import TENANT

    monkeypatch.setenv("GRAPH_CLIENT_SECRET", "client-secret-value")
    return settings.model_copy(update={"graph_tenant_id": TENANT, "graph_client_id": "client-id-123"})


def test_client_credentials_token_is_cached_on_disk_0600(graph_settings):
    entra = FakeEntra()
    get = token_provider(graph_settings, http_client=entra)
    assert get() == "fake-at-1" and get() == "fake-at-1"
    token_posts = [d for url, d in entra.posts if url.endswith("/token")]
    assert len(token_posts) == 1 and token_posts[0]["grant_type"] == "client_credentials"  # the second came from cache
    cache = graph_settings.data_path / "msal_token_cache.json"
    assert stat.S_IMODE(os.stat(cache).st_mode) == 0o600
    assert "client-secret-value" not in cache.read_text()
    # a new process reads the persisted cache: no call to Entra ID at all
    entra2 = FakeEntra()
    assert token_provider(graph_settings, http_client=entra2)() == "fake-at-1"
    assert not [u for u, _ in entra2.posts if u.endswith("/token")]


def test_device_code_flow(graph_settings):
    entra = FakeEntra(device_pending=1)
    said: list[str] = []
    get = token_provider(graph_settings, device_code=True, http_client=entra, echo=said.append)
    assert get() == "fake-at-1"
    assert "ABCD-EFGH" in said[0]
    assert [u.rsplit("/", 1)[-1] for u, _ in entra.posts] == ["devicecode", "token", "token"]
    assert get() == "fake-at-1" and len(entra.posts) == 3  # cached


def test_missing_configuration_is_a_clear_error(settings):
    from slopradar.config import ConfigError

    with pytest.raises(ConfigError, match="graph_tenant_id"):
        token_provider(settings)


# -- certificate credentials ---------------------------------------------------------------------
def _certificate(tmp_path, password: bytes):
    """A self-signed certificate as an admin would upload it, with its key as .pfx (password) and as PEM."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "slopradar")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365)).sign(key, hashes.SHA256()))
    pfx = tmp_path / "graph.pfx"
    pfx.write_bytes(pkcs12.serialize_key_and_certificates(b"slopradar", key, cert, None,
                                                          serialization.BestAvailableEncryption(password)))
    pem = tmp_path / "graph.pem"
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    return cert, pfx, pem, cert.fingerprint(hashes.SHA1()).hex().upper()  # noqa: S303


def _secrets(settings, text: str) -> None:
    settings.data_path.mkdir(parents=True, exist_ok=True)
    path = settings.data_path / "secrets.toml"
    path.write_text(text)
    os.chmod(path, 0o600)


def test_a_pfx_certificate_with_its_password_in_the_secrets_file(tmp_path, settings, monkeypatch):
    from tests.fakes.graph import TENANT

    monkeypatch.delenv("GRAPH_CLIENT_SECRET", raising=False)
    cert, pfx, _, _ = _certificate(tmp_path, b"pfx-password-123")
    _secrets(settings, 'graph_certificate_password = "pfx-password-123"\n')
    s = settings.model_copy(update={"graph_tenant_id": TENANT, "graph_client_id": "client-id-123",
                                    "graph_certificate_path": str(pfx)})
    entra = FakeEntra(certificate=cert)
    assert token_provider(s, http_client=entra)() == "fake-at-1"
    assert entra.assertion_headers[0]["alg"] == "PS256" and "x5t#S256" in entra.assertion_headers[0]
    cache = (s.data_path / "msal_token_cache.json").read_text()
    assert "pfx-password-123" not in cache


def test_a_wrong_pfx_password_is_a_clear_error_without_the_password(tmp_path, settings, monkeypatch):
    from slopradar.config import ConfigError
    from tests.fakes.graph import TENANT

    monkeypatch.delenv("GRAPH_CLIENT_SECRET", raising=False)
    _, pfx, _, _ = _certificate(tmp_path, b"right-password")
    _secrets(settings, 'graph_certificate_password = "wrong-password"\n')
    s = settings.model_copy(update={"graph_tenant_id": TENANT, "graph_client_id": "client-id-123",
                                    "graph_certificate_path": str(pfx)})
    with pytest.raises(ConfigError, match="graph_certificate_password") as exc:
        token_provider(s, http_client=FakeEntra())
    assert "wrong-password" not in str(exc.value) and "right-password" not in str(exc.value)


def test_a_pem_key_with_its_sha1_thumbprint_still_works(tmp_path, settings, monkeypatch):
    from tests.fakes.graph import TENANT

    monkeypatch.delenv("GRAPH_CLIENT_SECRET", raising=False)
    cert, _, pem, sha1 = _certificate(tmp_path, b"unused")
    s = settings.model_copy(update={"graph_tenant_id": TENANT, "graph_client_id": "client-id-123",
                                    "graph_certificate_path": str(pem), "graph_certificate_thumbprint": sha1})
    entra = FakeEntra(certificate=cert)
    assert token_provider(s, http_client=entra)() == "fake-at-1"
    assert entra.assertion_headers[0]["alg"] == "RS256"
