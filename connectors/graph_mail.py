"""Incremental mail pull from Microsoft Graph with per-folder delta queries.

Per mailbox and folder (Sent Items by default): follow @odata.nextLink page by page, each page one
unit committed with the link to resume from; store @odata.deltaLink only when a round completes.
An @removed row with reason "deleted" is a deletion; any other reason ("changed": moved to another
folder, Deleted Items included) keeps the message. Partial update rows (a read flag) are merged,
never written over a message. 410 Gone or SyncStateNotFound restarts the folder with a full round
(upserts are keyed by internetMessageId, so nothing is duplicated); at the end of every full round,
what the store holds for that folder and the round did not list is gone. Bodies come as text
(Prefer header), ids are immutable, and uniqueBody (the part the author wrote) is used when
Exchange provides it.

Copies in Sent Items carry no internetMessageHeaders (microsoftgraph/microsoft-graph-docs issue
2716): a reply's In-Reply-To and References, needed for its thread, are read from the head of its
MIME content (`/messages/{id}/$value`), only for replies (conversationIndex longer than its 22-byte
header), never twice for a message the store already holds, and at most `header_fetches` per run; a
folder whose page needs more stops there and goes on at the next run.

Plain HTTP (requests) with msal tokens rather than msgraph-sdk: base URL and token provider are
injectable, which keeps the connector testable against a local server.
"""

from __future__ import annotations

import email.message
import email.parser
import email.policy
import re
import time
import uuid
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import quote

import requests

from slopradar.ingest import Unit
from slopradar.pseudonym import Pseudonymizer
from slopradar.records import ConversationKind, ConversationRecord, MessageRecord, PersonRef

from .base import Checkpoints, ConnectorError
from .graph_headers import header_text, internet_headers, reply_depth
from .json_stream import digest
from .mail_body import split_body
from .mail_identities import IdentityScrubber
from .mailbox_files import _ids, _person, is_auto_generated, thread_of

NAMESPACE = "mail"
GRAPH = "https://graph.microsoft.com"
SELECT = ("id,internetMessageId,conversationId,conversationIndex,subject,from,sender,toRecipients,ccRecipients,"
          "sentDateTime,receivedDateTime,lastModifiedDateTime,isDraft,body,uniqueBody,internetMessageHeaders")
PREFER = 'outlook.body-content-type="text", IdType="ImmutableId", odata.maxpagesize={n}'
RESYNC_CODES = {"SyncStateNotFound", "syncStateNotFound", "resyncRequired", "SyncStateInvalid"}
# Retried with Retry-After, else exponential backoff: throttling (429) and every transient server or gateway error
RETRY_STATUS = {429, 500, 502, 503, 504}
MAX_HEAD_BYTES = 256 * 1024  # the header block of a MIME message we read at most; the body is never downloaded
BUDGET_SPENT = "header fetch budget spent: continues next run"
UPGRADE_ROUND = "folder read once in full (state from an earlier version)"


class GraphError(ConnectorError):
    """The sync cannot go on (refused token, missing permission, retries spent). Never contains a secret."""


class _BudgetSpent(Exception):
    """No header fetch left in this run: the folder stops before the page that needs one."""


@dataclass
class GraphMailPull:
    token: Callable[[], str]
    base_url: str = GRAPH
    session: requests.Session = field(default_factory=requests.Session)
    page_size: int = 50
    retries: int = 8  # per request, for 429 and 5xx
    max_wait: float = 300.0
    skip_auto: bool = True
    sleep: Callable[[float], None] = time.sleep
    calls: Counter[str] = field(default_factory=Counter)
    # with one, names and addresses in subjects, texts and quotes, and folder ids, become pseudonyms
    pseudonymizer: Pseudonymizer | None = None
    header_fetches: int = 2000  # MIME header reads per run (one request each), for replies in Sent Items
    # (thread key, parent, references) of a message the store already holds, by internetMessageId
    stored_thread: Callable[[str], tuple[str, str | None, list[str]] | None] = lambda mid: None
    # what pull() syncs: every folder of every mailbox; source_name tells this sync from others
    mailboxes: list[str] = field(default_factory=list)
    folders: list[str] = field(default_factory=list)
    source_name: str = "graph"

    source_kind: ClassVar[str] = "outlook"

    def pull(self, checkpoints: Checkpoints) -> Iterator[Unit]:
        """The Connector contract (connectors/base.py): each folder of each mailbox, from its saved state."""
        for box in self.mailboxes:
            for folder in self.folders:
                yield from self.folder_units(box, folder, checkpoints.state(f"folder:{box}/{folder}"),
                                             checkpoints.known)

    def __post_init__(self) -> None:
        self.scrubber = IdentityScrubber(self.pseudonymizer) if self.pseudonymizer is not None else None
        self._heads: OrderedDict[str, email.message.EmailMessage] = OrderedDict()  # this run's MIME heads, by id

    def initial_url(self, mailbox: str, folder: str) -> str:
        return (f"{self.base_url}/v1.0/users/{quote(mailbox)}/mailFolders/{quote(folder)}/messages/delta"
                f"?$select={SELECT}")

    def _send(self, url: str, mailbox: str, kind: str, stream: bool = False) -> requests.Response:
        """One request, retried on throttling, 5xx and connection errors (Retry-After, else exponential backoff)."""
        for attempt in range(self.retries + 1):
            self.calls[kind] += 1
            try:
                r = self.session.get(url, timeout=120, stream=stream, headers={
                    "Authorization": f"Bearer {self.token()}", "Prefer": PREFER.format(n=self.page_size)})
            except requests.RequestException as exc:
                if attempt == self.retries:
                    raise GraphError(f"cannot reach Microsoft Graph for {mailbox}: {type(exc).__name__}") from None
                self.sleep(min(2.0 ** attempt, self.max_wait))
                continue
            if r.status_code not in RETRY_STATUS:
                return r
            r.close()
            if attempt == self.retries:
                raise GraphError(f"Graph kept throttling or failing for {mailbox} (HTTP {r.status_code}) beyond "
                                 f"{self.retries} retries; run again later (the sync resumes from its last page)")
            try:
                wait = float(r.headers.get("Retry-After", ""))
            except ValueError:
                wait = 2.0 ** attempt  # no Retry-After: exponential backoff
            self.calls["throttled"] += 1
            self.sleep(min(wait, self.max_wait))
        raise GraphError("unreachable")  # pragma: no cover

    def get(self, url: str, mailbox: str) -> dict[str, Any] | str:
        """One delta page; 'resync' when the delta state is gone."""
        r = self._send(url, mailbox, "delta")
        code = _error_code(r)
        if r.status_code == 410 or code in RESYNC_CODES:
            return "resync"
        _raise_for(r, mailbox, code)
        try:
            data = r.json()
        except (ValueError, RecursionError):
            raise ValueError("malformed page (not JSON, or nested too deep)") from None
        if not isinstance(data, dict) or not isinstance(data.get("value"), list):
            raise ValueError("malformed page (no 'value' list)")
        return data

    def mime_head(self, mailbox: str, gid: str) -> email.message.EmailMessage | None:
        """The internet headers of one message, from the head of its MIME content (the body is not read).
        None when the message is gone or its content unreadable."""
        if gid in self._heads:
            self._heads.move_to_end(gid)
            return self._heads[gid]
        if self.header_fetches <= 0:
            raise _BudgetSpent
        self.header_fetches -= 1
        url = f"{self.base_url}/v1.0/users/{quote(mailbox)}/messages/{quote(gid, safe='')}/$value"
        r = self._send(url, mailbox, "mime headers", stream=True)
        try:
            if r.status_code == 401:
                _raise_for(r, mailbox, None)
            if r.status_code >= 400:  # gone since the delta page, or its content refused: thread it without
                self.calls["mime headers unreadable"] += 1
                return None
            head = b""
            for chunk in r.iter_content(16384):
                head += chunk
                if re.search(rb"\r?\n\r?\n", head) or len(head) > MAX_HEAD_BYTES:
                    break
        except requests.RequestException:
            return None
        finally:
            r.close()
        end = re.search(rb"\r?\n\r?\n", head)
        parsed = email.parser.BytesHeaderParser(policy=email.policy.default).parsebytes(
            head[:end.end()] if end else head[:MAX_HEAD_BYTES])
        self._heads[gid] = parsed  # type: ignore[assignment]
        if len(self._heads) > 5000:
            self._heads.popitem(last=False)
        return parsed  # type: ignore[return-value]

    def folder_units(self, mailbox: str, folder: str, st: dict[str, Any],
                     known: Callable[[str], bool]) -> Iterator[Unit]:
        """Units for one folder from its saved state ({"next": url} mid-round, {"delta": url} between rounds;
        "round" names a full round in progress). `known(graph_id)` says whether a Graph id already maps to a
        stored message (for partial rows)."""
        key = f"folder:{mailbox}/{folder}"
        upgrade: Unit | None = None
        if st.get("delta") and not st.get("next") and "round" not in st:
            # a state from before full rounds had ids: read the folder once in full, which re-threads the replies
            # stored without their headers and finds what was deleted meanwhile
            st = {}
            upgrade = Unit(key=key, digest="", records=[], skipped=Counter({UPGRADE_ROUND: 1}))
        url = st.get("next") or st.get("delta") or self.initial_url(mailbox, folder)
        delta = st.get("delta")
        # a full round (no delta token): every message it writes carries its id, so that its end can tell what is gone
        rnd: str | None = None
        if delta is None:  # a round begun before rounds had ids (st has "next", no "round") is never swept
            rnd = st.get("round") if st.get("next") else uuid.uuid4().hex[:12]
        resynced = False
        if upgrade is not None:
            upgrade.state = {key: {"next": None, "delta": None, "round": rnd}}
            yield upgrade
        if self.scrubber is None:
            conv = ConversationRecord(NAMESPACE, f"graph:{mailbox}:{folder}", ConversationKind.MAIL_FOLDER, folder)
        else:
            fid, fname = self.scrubber.folder(f"graph:{mailbox}", folder)
            conv = ConversationRecord(NAMESPACE, fid, ConversationKind.MAIL_FOLDER, fname)
        while True:
            try:
                page = self.get(url, mailbox)
            except ValueError as exc:
                yield Unit(key=key, digest="", records=None, error=f"{mailbox}/{folder}: {exc}")
                return
            if page == "resync":
                if resynced:
                    raise GraphError(f"{mailbox}/{folder}: the delta state expired twice in a row")
                resynced, delta, rnd = True, None, uuid.uuid4().hex[:12]
                url = self.initial_url(mailbox, folder)
                yield Unit(key=key, digest="", records=[], skipped=Counter({"delta token expired: full resync": 1}),
                           state={key: {"next": None, "delta": None, "round": rnd}})
                continue
            assert isinstance(page, dict)
            links = [page.get("@odata.nextLink"), page.get("@odata.deltaLink")]
            if any(link is not None and not self._own_link(link) for link in links):
                # never send the token to a host a response names: only to the Graph endpoint we were given
                yield Unit(key=key, digest="", records=None, error=f"{mailbox}/{folder}: malformed page "
                           "(a next or delta link that is not a Graph URL)")
                return
            unit = Unit(key=key, digest=digest(page["value"]), records=[])
            try:
                for item in page["value"]:
                    self._item(item, mailbox, conv, unit, known, rnd)
            except _BudgetSpent:
                # what the page gave so far is kept (the next run finds those threads stored and fetches nothing
                # for them); the page itself is read again next run
                unit.skipped[BUDGET_SPENT] += 1
                unit.state = {key: {"next": url if url != delta else None, "delta": delta, "round": rnd}}
                yield unit
                return
            if page.get("@odata.nextLink"):
                url = page["@odata.nextLink"]
                unit.state = {key: {"next": url, "delta": delta, "round": rnd}}
                yield unit
                continue
            unit.state = {key: {"next": None, "delta": page.get("@odata.deltaLink") or delta, "round": None}}
            if rnd is not None:
                unit.sweep = (NAMESPACE, conv.native_id, rnd)
            yield unit
            return

    def _own_link(self, link: Any) -> bool:
        return isinstance(link, str) and link.startswith(self.base_url.rstrip("/") + "/")

    def _item(self, item: Any, mailbox: str, conv: ConversationRecord, unit: Unit, known: Callable[[str], bool],
              rnd: str | None) -> None:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            unit.skipped["malformed message (no id)"] += 1
            return
        gid = item["id"]
        if "@removed" in item:
            reason = (item["@removed"] or {}).get("reason") if isinstance(item["@removed"], dict) else None
            if reason == "deleted":
                unit.removed_external.append(gid)
            else:  # "changed": moved out of this folder (to Deleted Items too): kept
                unit.moved_external.append((gid, conv.native_id, conv.name or ""))
            return
        if not item.get("internetMessageId") or not item.get("sentDateTime"):
            # a partial update row (read flag, folder): nothing we store changed; never written over a message
            unit.skipped["partial update merged" if known(gid) else "partial row for an unknown message"] += 1
            return
        if item.get("isDraft"):
            unit.skipped["draft"] += 1
            return
        try:
            head = self._head(item, mailbox)
        except (ValueError, TypeError, AttributeError, LookupError):
            head = None
        rec = unit.add(lambda: self.record(item, conv, head))
        if rec is not None:
            unit.external.append((gid, NAMESPACE, rec.native_id))
            rec.meta["external_id"] = gid  # which of the message's ids (one per mailbox) this folder holds
            if rnd is not None:
                rec.meta["sync_round"] = rnd

    def _head(self, item: dict[str, Any], mailbox: str) -> email.message.EmailMessage | None:
        """MIME headers for a message Graph gives without internet headers (a Sent Items copy), when its thread
        needs them: it is a reply, and the store does not already know its thread. Raises _BudgetSpent."""
        if item.get("internetMessageHeaders"):
            return None
        depth = reply_depth(item.get("conversationIndex"))
        if depth == 0:
            return None  # it starts a conversation: no parent to find
        mids = _ids(str(item["internetMessageId"])) or [str(item["internetMessageId"]).strip("<>")]
        if self.stored_thread(mids[0]) is not None:
            return None
        return self.mime_head(mailbox, item["id"])

    def record(self, item: dict[str, Any], conv: ConversationRecord,
               mime: email.message.EmailMessage | None = None) -> MessageRecord | str:
        headers = internet_headers(item, mime)
        try:  # for the auto-reply rules only: a subject the email package refuses is still a subject
            headers["Subject"] = header_text(item.get("subject") or "")
        except (ValueError, TypeError):
            pass
        if self.skip_auto:
            why = is_auto_generated(headers)
            if why:
                return why
        mids = _ids(item["internetMessageId"]) or [item["internetMessageId"].strip("<>")]
        sent = datetime.fromisoformat(item["sentDateTime"].replace("Z", "+00:00"))
        try:
            sent = sent.astimezone(UTC)
        except OverflowError:  # 31 Dec 9999 -05:00: out of range, which the writer says
            sent = datetime.max.replace(tzinfo=UTC)
        refs = _ids(str(headers.get("References") or ""))
        in_reply = _ids(str(headers.get("In-Reply-To") or ""))
        stored = None
        if item.get("internetMessageHeaders") or mime is not None:
            thread_key, parent = thread_of(mids[0], refs, in_reply)
            thread_from = "headers"
        elif reply_depth(item.get("conversationIndex")) == 0:
            thread_key, parent, thread_from = mids[0], None, "headers"  # starts a conversation: as a file importer
        elif (stored := self.stored_thread(mids[0])) is not None:
            thread_key, parent, refs = stored[0], stored[1], list(stored[2])
            thread_from = "headers"
        else:  # a reply whose headers could not be read: Exchange's conversation, until they can
            thread_key, parent, thread_from = (item.get("conversationId") or mids[0]), None, "conversationId"
        author = _addr((item.get("from") or item.get("sender") or {}))
        recipients = [p for r in (item.get("toRecipients") or []) + (item.get("ccRecipients") or [])
                      if (p := _addr(r)) is not None]
        unique = ((item.get("uniqueBody") or {}).get("content") or "").strip()
        body = ((item.get("body") or {}).get("content") or "")
        split = split_body(body)
        text, method = (split_body(unique).authored, "uniqueBody") if unique else (split.authored, split.method)
        rec = MessageRecord(
            namespace=NAMESPACE, native_id=mids[0], conversation=conv, sent_at=sent,
            kind="bot" if author is not None and author.is_bot else "authored", author=author,
            subject=(item.get("subject") or "").strip() or None, text=text, quoted=split.quoted,
            thread_key=thread_key, parent_native_id=parent,
            recipients=recipients, version_ts=sent.timestamp(),
        )
        rec.is_bot = rec.kind == "bot"
        if self.scrubber is not None:
            pairs = [(p.display_name or "", p.email or "") for p in [author, *recipients] if p is not None]
            pairs += self.scrubber.address_pairs(str(headers.get(h) or "") for h in ("From", "To", "Cc", "Reply-To"))
            self.scrubber.scrub_record(rec, self.scrubber.people(pairs, [], [body[:200_000]]))
        rec.meta = {"split_method": method, "references": refs[-10:], "graph_conversation": item.get("conversationId"),
                    "thread_from": thread_from}
        return rec


def _raise_for(r: requests.Response, mailbox: str, code: str | None) -> None:
    """A clear GraphError for a refused request (never with a secret in it)."""
    if r.status_code == 401:
        raise GraphError("Microsoft Graph refused the access token (401): check the app registration's "
                         "client secret or certificate, and graph_tenant_id / graph_client_id")
    if r.status_code == 403:
        raise GraphError(f"Microsoft Graph refused access to {mailbox} (403 {code or 'Forbidden'}): grant the "
                         "application permission Mail.Read with admin consent, and include this mailbox in "
                         "the app's access policy (docs/connectors.md)")
    if r.status_code == 404:
        raise GraphError(f"mailbox or folder not found: {mailbox} ({code or 'NotFound'})")
    if r.status_code >= 400:
        raise GraphError(f"Microsoft Graph error for {mailbox}: HTTP {r.status_code} {code or ''}".strip())


def _addr(r: dict[str, Any]) -> PersonRef | None:
    e = (r or {}).get("emailAddress") or {}
    return _person(str(e.get("name") or ""), str(e.get("address") or "").lower())


def _error_code(r: requests.Response) -> str | None:
    try:
        err = r.json().get("error") or {}
    except (ValueError, AttributeError):
        return None
    return (err.get("code") if isinstance(err, dict) else None) or None
