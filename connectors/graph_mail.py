"""Incremental mail pull from Microsoft Graph with per-folder delta queries.

Per mailbox and folder (Sent Items by default): follow @odata.nextLink page by page, each page one
unit committed with the link to resume from; store @odata.deltaLink only when a round completes.
@removed rows are deletions; partial update rows (a read flag) are merged, never written over a
message; 410 Gone or SyncStateNotFound restarts the folder with a full round (upserts are keyed by
internetMessageId, so nothing is duplicated). Bodies come as text (Prefer header), ids are
immutable, and uniqueBody (the part the author wrote) is used when Exchange provides it.

Plain HTTP (requests) with msal tokens rather than msgraph-sdk: base URL and token provider are
injectable, which keeps the connector testable against a local server.
"""

from __future__ import annotations

import email.message
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import requests

from slopradar.ingest import Unit
from slopradar.pseudonym import Pseudonymizer
from slopradar.records import ConversationRecord, MessageRecord, PersonRef

from .json_stream import digest
from .mail_body import split_body
from .mail_identities import IdentityScrubber
from .mailbox_files import _ids, _person, is_auto_generated

NAMESPACE = "mail"
GRAPH = "https://graph.microsoft.com"
SELECT = ("id,internetMessageId,conversationId,subject,from,sender,toRecipients,ccRecipients,sentDateTime,"
          "receivedDateTime,lastModifiedDateTime,isDraft,body,uniqueBody,internetMessageHeaders")
PREFER = 'outlook.body-content-type="text", IdType="ImmutableId", odata.maxpagesize={n}'
RESYNC_CODES = {"SyncStateNotFound", "syncStateNotFound", "resyncRequired", "SyncStateInvalid"}


class GraphError(Exception):
    """The sync cannot go on (refused token, missing permission, retries spent). Never contains a secret."""


@dataclass
class GraphMailPull:
    token: Callable[[], str]
    base_url: str = GRAPH
    session: requests.Session = field(default_factory=requests.Session)
    page_size: int = 50
    retries: int = 8  # per request, for 429 / 503 / 504
    max_wait: float = 300.0
    skip_auto: bool = True
    sleep: Callable[[float], None] = time.sleep
    calls: Counter[str] = field(default_factory=Counter)
    # with one, names and addresses in subjects, texts and quotes, and folder ids, become pseudonyms
    pseudonymizer: Pseudonymizer | None = None

    def __post_init__(self) -> None:
        self.scrubber = IdentityScrubber(self.pseudonymizer) if self.pseudonymizer is not None else None

    def initial_url(self, mailbox: str, folder: str) -> str:
        return (f"{self.base_url}/v1.0/users/{quote(mailbox)}/mailFolders/{quote(folder)}/messages/delta"
                f"?$select={SELECT}")

    def get(self, url: str, mailbox: str) -> dict[str, Any] | str:
        """One page; 'resync' when the delta state is gone. Retries 429/503/504 after Retry-After."""
        for attempt in range(self.retries + 1):
            self.calls["delta"] += 1
            try:
                r = self.session.get(url, timeout=120, headers={
                    "Authorization": f"Bearer {self.token()}", "Prefer": PREFER.format(n=self.page_size)})
            except requests.RequestException as exc:
                if attempt == self.retries:
                    raise GraphError(f"cannot reach Microsoft Graph for {mailbox}: {type(exc).__name__}") from None
                self.sleep(min(2.0 ** attempt, self.max_wait))
                continue
            if r.status_code in (429, 503, 504):
                if attempt == self.retries:
                    raise GraphError(f"Graph kept throttling {mailbox} (HTTP {r.status_code}) beyond {self.retries} "
                                     "retries; run again later (the sync resumes from its last page)")
                try:
                    wait = float(r.headers.get("Retry-After", ""))
                except ValueError:
                    wait = 2.0 ** attempt  # no Retry-After: exponential backoff
                self.calls["throttled"] += 1
                self.sleep(min(wait, self.max_wait))
                continue
            code = _error_code(r)
            if r.status_code == 410 or code in RESYNC_CODES:
                return "resync"
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
            try:
                data = r.json()
            except (ValueError, RecursionError):
                raise ValueError("malformed page (not JSON, or nested too deep)") from None
            if not isinstance(data, dict) or not isinstance(data.get("value"), list):
                raise ValueError("malformed page (no 'value' list)")
            return data
        raise GraphError("unreachable")  # pragma: no cover

    def folder_units(self, mailbox: str, folder: str, st: dict[str, Any],
                     known: Callable[[str], bool]) -> Iterator[Unit]:
        """Units for one folder from its saved state ({"next": url} mid-round, {"delta": url} between rounds).
        `known(graph_id)` says whether a Graph id already maps to a stored message (for partial rows)."""
        key = f"folder:{mailbox}/{folder}"
        url = st.get("next") or st.get("delta") or self.initial_url(mailbox, folder)
        delta = st.get("delta")
        resynced = False
        if self.scrubber is None:
            conv = ConversationRecord(NAMESPACE, f"graph:{mailbox}:{folder}", "mail_folder", folder)
        else:
            fid, fname = self.scrubber.folder(f"graph:{mailbox}", folder)
            conv = ConversationRecord(NAMESPACE, fid, "mail_folder", fname)
        while True:
            try:
                page = self.get(url, mailbox)
            except ValueError as exc:
                yield Unit(key=key, digest="", records=None, error=f"{mailbox}/{folder}: {exc}")
                return
            if page == "resync":
                if resynced:
                    raise GraphError(f"{mailbox}/{folder}: the delta state expired twice in a row")
                resynced, delta = True, None
                url = self.initial_url(mailbox, folder)
                yield Unit(key=key, digest="", records=[], skipped=Counter({"delta token expired: full resync": 1}),
                           state={key: {"next": None, "delta": None}})
                continue
            assert isinstance(page, dict)
            links = [page.get("@odata.nextLink"), page.get("@odata.deltaLink")]
            if any(link is not None and not self._own_link(link) for link in links):
                # never send the token to a host a response names: only to the Graph endpoint we were given
                yield Unit(key=key, digest="", records=None, error=f"{mailbox}/{folder}: malformed page "
                           "(a next or delta link that is not a Graph URL)")
                return
            unit = Unit(key=key, digest=digest(page["value"]), records=[])
            for item in page["value"]:
                self._item(item, conv, unit, known)
            if page.get("@odata.nextLink"):
                url = page["@odata.nextLink"]
                unit.state = {key: {"next": url, "delta": delta}}
                yield unit
                continue
            unit.state = {key: {"next": None, "delta": page.get("@odata.deltaLink") or delta}}
            yield unit
            return

    def _own_link(self, link: Any) -> bool:
        return isinstance(link, str) and link.startswith(self.base_url.rstrip("/") + "/")

    def _item(self, item: Any, conv: ConversationRecord, unit: Unit, known: Callable[[str], bool]) -> None:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            unit.skipped["malformed message (no id)"] += 1
            return
        gid = item["id"]
        if "@removed" in item:
            unit.removed_external.append(gid)
            return
        if not item.get("internetMessageId") or not item.get("sentDateTime"):
            # a partial update row (read flag, folder): nothing we store changed; never written over a message
            unit.skipped["partial update merged" if known(gid) else "partial row for an unknown message"] += 1
            return
        if item.get("isDraft"):
            unit.skipped["draft"] += 1
            return
        rec = unit.add(lambda: self.record(item, conv))
        if rec is not None:
            unit.external.append((gid, NAMESPACE, rec.native_id))

    def record(self, item: dict[str, Any], conv: ConversationRecord) -> MessageRecord | str:
        headers = email.message.EmailMessage()
        for h in item.get("internetMessageHeaders") or []:
            if isinstance(h, dict) and h.get("name"):
                try:
                    headers[_header_text(h["name"])] = _header_text(h.get("value") or "")
                except (ValueError, TypeError, AttributeError, LookupError):
                    continue
        try:  # for the auto-reply rules only: a subject the email package refuses is still a subject
            headers["Subject"] = _header_text(item.get("subject") or "")
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
            thread_key=refs[0] if refs else (item.get("conversationId") or mids[0]),
            parent_native_id=in_reply[0] if in_reply else (refs[-1] if refs else None),
            recipients=recipients, version_ts=sent.timestamp(),
        )
        rec.is_bot = rec.kind == "bot"
        if self.scrubber is not None:
            pairs = [(p.display_name or "", p.email or "") for p in [author, *recipients] if p is not None]
            pairs += self.scrubber.address_pairs(str(headers.get(h) or "") for h in ("From", "To", "Cc", "Reply-To"))
            self.scrubber.scrub_record(rec, self.scrubber.people(pairs, [], [body[:200_000]]))
        rec.meta = {"split_method": method, "references": refs[-10:], "graph_conversation": item.get("conversationId")}
        return rec


def _header_text(value: Any) -> str:
    """A value the email package accepts as a header: it cannot take lone surrogates (the stored text keeps
    them for the writer, which replaces and counts them)."""
    return re.sub("[\ud800-\udfff]", "\ufffd", str(value))


def _addr(r: dict[str, Any]) -> PersonRef | None:
    e = (r or {}).get("emailAddress") or {}
    return _person(str(e.get("name") or ""), str(e.get("address") or "").lower())


def _error_code(r: requests.Response) -> str | None:
    try:
        err = r.json().get("error") or {}
    except (ValueError, AttributeError):
        return None
    return (err.get("code") if isinstance(err, dict) else None) or None
