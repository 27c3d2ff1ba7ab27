"""A local Microsoft Graph mail delta endpoint (served by pytest-httpserver) and a fake Entra ID for
msal's injectable http_client. The JSON shapes are Graph's: @odata.nextLink / @odata.deltaLink,
@removed rows with their reason, partial update rows, 410 SyncStateNotFound, 429 with Retry-After,
and the MIME content of a message (`/messages/{id}/$value`).

Where Graph gives less than its reference pages suggest, the fake gives less too:
- Copies in Sent Items carry no `internetMessageHeaders` at all: "internet headers just do not exist
  on the copy in Sent Items" (a Graph docs maintainer, microsoftgraph/microsoft-graph-docs issue 2716,
  repeated in 12726 and 18761); Message-ID, References and In-Reply-To of a sent message are only in
  its MIME content (OfficeDev/office-js issue 5413). `internetMessageId`, `conversationId` and
  `conversationIndex` are properties and are present everywhere.
- A move out of a folder is an `@removed` row with reason "changed"; a hard delete has reason
  "deleted" (learn.microsoft.com/graph/delta-query-overview, "Resource representation in the delta
  query response"). Ids are immutable (`Prefer: IdType="ImmutableId"`): a message keeps its id when
  it moves to another folder of the same mailbox (learn.microsoft.com/graph/outlook-immutable-id).
- A full round (no delta token, e.g. after 410 SyncStateNotFound) lists what the folder holds now and
  holds no `@removed` rows: what was deleted meanwhile is simply absent."""

from __future__ import annotations

import base64
import email.message
import email.utils
import hashlib
import json
import re
import time
from datetime import datetime
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from werkzeug import Request, Response

TENANT = "11111111-2222-3333-4444-555555555555"


SENT_ITEMS = "sentitems"


def conversation_index(depth: int, seed: str = "conv") -> str:
    """Exchange's PidTagConversationIndex, base64: a 22-byte header (reserved byte, FILETIME, GUID) for the
    message that starts a conversation, plus one 5-byte child block per reply level (MS-OXOMSG 2.2.1.3)."""
    header = b"\x01" + hashlib.sha1(seed.encode()).digest()[:5] + seed.encode().ljust(16, b"\0")[:16]
    return base64.b64encode(header + b"\x00\x00\x01\x02\x03" * depth).decode()


def message(i: int, sender: str, to: list[str], subject: str, body: str, unique: str | None = None,
            sent: str = "2026-03-02T09:00:00Z", headers: list[dict[str, str]] | None = None,
            conversation: str = "conv-1", mid: str | None = None) -> dict[str, Any]:
    """A message as Graph returns it from an Inbox. `headers` are its internet headers (a Sent Items copy
    loses them: FakeGraph serves them only in the MIME content there)."""
    refs = " ".join(h["value"] for h in headers or [] if h["name"].lower() in ("references", "in-reply-to"))
    depth = len(set(re.findall(r"<[^<>]+>", refs)))  # a reply sits one level below each message it follows
    return {
        "@odata.etag": f'W/"etag{i}"', "id": f"AAMkImmutable{i:04d}=", "internetMessageId": mid or f"<msg{i}@example.com>",
        "conversationId": conversation, "conversationIndex": conversation_index(depth, conversation),
        "subject": subject, "isDraft": False,
        "from": {"emailAddress": {"name": sender.split("@")[0].title(), "address": sender}},
        "sender": {"emailAddress": {"name": sender.split("@")[0].title(), "address": sender}},
        "toRecipients": [{"emailAddress": {"name": t.split("@")[0], "address": t}} for t in to],
        "ccRecipients": [], "sentDateTime": sent, "receivedDateTime": sent, "lastModifiedDateTime": sent,
        "body": {"contentType": "text", "content": body},
        "uniqueBody": {"contentType": "text", "content": unique if unique is not None else body},
        "internetMessageHeaders": headers or [{"name": "Message-ID", "value": mid or f"<msg{i}@example.com>"}],
    }


@dataclass
class FakeGraph:
    token: str = "fake-at-1"
    folders: dict[tuple[str, str], dict[str, dict[str, Any]]] = field(default_factory=dict)
    log: list[tuple[int, str, str, str, dict[str, Any]]] = field(default_factory=list)  # seq, box/folder, kind, id, row
    seq: int = 0
    rounds: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    expired: set[str] = field(default_factory=set)  # delta tokens that are gone
    forbidden: set[str] = field(default_factory=set)
    faults: list[tuple[int, dict[str, str], Any]] = field(default_factory=list)  # answered next, in order
    requests: list[str] = field(default_factory=list)
    base: str = ""
    purged_before_read: set[str] = field(default_factory=set)  # ids whose MIME content is gone when asked for

    # -- changes ---------------------------------------------------------------------------
    def add(self, box: str, folder: str, row: dict[str, Any]) -> None:
        self.folders.setdefault((box, folder), {})[row["id"]] = row
        self.seq += 1
        self.log.append((self.seq, f"{box}/{folder}", "upsert", row["id"], row))

    def remove(self, box: str, folder: str, gid: str) -> None:
        """A hard delete (or purge from Deleted Items): reason "deleted"."""
        self.folders[(box, folder)].pop(gid)
        self.seq += 1
        self.log.append((self.seq, f"{box}/{folder}", "removed", gid, {"reason": "deleted"}))

    def move(self, box: str, folder: str, to: str, gid: str) -> None:
        """A move to another folder of the mailbox (Deleted Items included: that is what Outlook's Delete does):
        reason "changed" in the folder it left, an upsert with the same immutable id in the one it entered."""
        row = self.folders[(box, folder)].pop(gid)
        self.seq += 1
        self.log.append((self.seq, f"{box}/{folder}", "removed", gid, {"reason": "changed"}))
        self.add(box, to, row)

    def purge_silently(self, box: str, folder: str, gid: str) -> None:
        """A deletion made while our delta token was expiring: only a full round can notice it."""
        self.folders[(box, folder)].pop(gid)

    def mark_read(self, box: str, folder: str, gid: str) -> None:
        self.seq += 1  # Graph sends a partial row for a read toggle
        self.log.append((self.seq, f"{box}/{folder}", "partial", gid, {}))

    # -- serving ---------------------------------------------------------------------------
    def handler(self, request: Request) -> Response:
        self.requests.append(request.full_path)
        if self.faults:
            status, headers, body = self.faults.pop(0)
            raw = json.dumps(body) if isinstance(body, dict) else (body or "")
            return Response(raw, status=status, headers=headers, content_type="application/json")
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return self._error(401, "InvalidAuthenticationToken", "Access token is empty.")
        mime = re.match(r"/v1\.0/users/([^/]+)/messages/([^/]+)/\$value$", request.path)
        if mime:
            return self._mime(unquote(mime.group(1)), unquote(mime.group(2)))
        m = re.match(r"/v1\.0/users/([^/]+)/mailFolders/([^/]+)/messages/delta", request.path)
        if not m:
            return self._error(404, "ResourceNotFound", "Resource not found")
        box, folder = unquote(m.group(1)), unquote(m.group(2))
        if box in self.forbidden:
            return self._error(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
        prefer = request.headers.get("Prefer", "")
        assert 'outlook.body-content-type="text"' in prefer and 'IdType="ImmutableId"' in prefer
        size = int(re.search(r"odata\.maxpagesize=(\d+)", prefer).group(1))  # type: ignore[union-attr]
        key = f"{box}/{folder}"
        if "$skiptoken" in request.args:
            rid, offset = request.args["$skiptoken"].split(":")
            rows = self.rounds[rid]
            start = int(offset)
        else:
            token = request.args.get("$deltatoken")
            if token is not None and token in self.expired:
                return self._error(410, "SyncStateNotFound", "The sync state generation is not found.")
            since = int(token.split("-")[1]) if token is not None else None
            rows = self._changes(box, folder, key, since)
            rid = str(len(self.rounds))
            self.rounds[rid] = rows
            self.rounds[rid + "_seq"] = self.seq  # type: ignore[assignment]
            start = 0
        chunk = [self._as_served(folder, row) for row in rows[start:start + size]]
        url = f"{self.base}/v1.0/users/{m.group(1)}/mailFolders/{m.group(2)}/messages/delta"
        body: dict[str, Any] = {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(message)",
                                "value": chunk}
        if start + size < len(rows):
            body["@odata.nextLink"] = f"{url}?$skiptoken={rid}:{start + size}"
        else:
            body["@odata.deltaLink"] = f"{url}?$deltatoken={rid}-{self.rounds[rid + '_seq']}"
        return Response(json.dumps(body), status=200, content_type="application/json")

    def _changes(self, box: str, folder: str, key: str, since: int | None) -> list[dict[str, Any]]:
        if since is None:
            return list(self.folders.get((box, folder), {}).values())
        out: dict[str, dict[str, Any]] = {}
        for seq, k, kind, gid, row in self.log:
            if k != key or seq <= since:
                continue
            if kind == "upsert":
                out[gid] = row
            elif kind == "removed":
                out[gid] = {"@odata.type": "#microsoft.graph.message", "id": gid, "@removed": {"reason": row["reason"]}}
            elif gid not in out:
                out[gid] = {"@odata.type": "#microsoft.graph.message", "@odata.etag": 'W/"x"', "id": gid,
                            "isRead": True, "parentFolderId": "AQMkSentItems"}
        return list(out.values())

    @staticmethod
    def _as_served(folder: str, row: dict[str, Any]) -> dict[str, Any]:
        if folder.lower() == SENT_ITEMS and "internetMessageHeaders" in row:  # issue 2716: not on Sent Items copies
            return {k: v for k, v in row.items() if k != "internetMessageHeaders"}
        return row

    def _mime(self, box: str, gid: str) -> Response:
        """GET /users/{id}/messages/{id}/$value: the message's MIME content, with all its internet headers."""
        row = next((r for (b, _), rows in self.folders.items() if b == box for i, r in rows.items() if i == gid), None)
        if row is None or gid in self.purged_before_read:
            return self._error(404, "ErrorItemNotFound", "The specified object was not found in the store.")
        msg = email.message.EmailMessage()
        msg["Message-ID"] = row["internetMessageId"]
        msg["From"] = row["from"]["emailAddress"]["address"]
        msg["To"] = ", ".join(r["emailAddress"]["address"] for r in row["toRecipients"])
        msg["Subject"] = row["subject"]
        msg["Date"] = email.utils.format_datetime(
            datetime.fromisoformat(row["sentDateTime"].replace("Z", "+00:00")))
        for h in row.get("internetMessageHeaders") or []:
            if h["name"].lower() not in ("message-id", "from", "to", "subject", "date"):
                msg[h["name"]] = h["value"]
        msg.set_content(row["body"]["content"])
        return Response(msg.as_bytes(), status=200, content_type="text/plain")

    @staticmethod
    def _error(status: int, code: str, message: str) -> Response:
        return Response(json.dumps({"error": {"code": code, "message": message}}), status=status,
                        content_type="application/json")


class _Resp:
    def __init__(self, status: int, payload: dict[str, Any]):
        self.status_code, self.text, self.headers = status, json.dumps(payload), {}

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise RuntimeError(self.status_code)


class FakeEntra:
    """msal's http_client: tenant discovery and the token endpoint (msal needs an https authority).

    With a `certificate` (the one uploaded to the app registration), the token endpoint checks the client
    assertion as Entra ID does (learn.microsoft.com/entra/identity-platform/certificate-credentials): a JWT
    signed with the certificate's key, naming it by "x5t#S256" (SHA-256 thumbprint, alg PS256, the current
    form) or "x5t" (SHA-1, alg RS256, the older form), with aud = the token endpoint and iss = sub = client id."""

    def __init__(self, token: str = "fake-at-1", device_pending: int = 1, certificate: Any = None):
        self.token, self.device_pending, self.certificate = token, device_pending, certificate
        self.posts: list[tuple[str, dict[str, Any]]] = []
        self.assertion_headers: list[dict[str, Any]] = []

    def get(self, url: str, params: Any = None, headers: Any = None, **kw: Any) -> _Resp:
        if "discovery/instance" in url:
            return _Resp(200, {"tenant_discovery_endpoint": url, "metadata": [
                {"preferred_network": "login.microsoftonline.com", "preferred_cache": "login.windows.net",
                 "aliases": ["login.microsoftonline.com", "login.windows.net", "login.microsoft.com"]}]})
        base = f"https://login.microsoftonline.com/{TENANT}"
        return _Resp(200, {"authorization_endpoint": base + "/oauth2/v2.0/authorize",
                           "token_endpoint": base + "/oauth2/v2.0/token",
                           "device_authorization_endpoint": base + "/oauth2/v2.0/devicecode",
                           "issuer": base + "/v2.0", "tenant_region_scope": "EU"})

    def post(self, url: str, params: Any = None, data: Any = None, headers: Any = None, **kw: Any) -> _Resp:
        self.posts.append((url, dict(data or {})))
        if url.endswith("/devicecode"):
            return _Resp(200, {"device_code": "dev-code", "user_code": "ABCD-EFGH", "interval": 0, "expires_in": 900,
                               "verification_uri": "https://microsoft.com/devicelogin",
                               "message": "To sign in, open https://microsoft.com/devicelogin and enter ABCD-EFGH"})
        if self.certificate is not None and url.endswith("/token"):
            refused = self._check_assertion(url, dict(data or {}))
            if refused:
                return _Resp(401, {"error": "invalid_client", "error_description": refused})
        if (data or {}).get("grant_type", "").endswith("device_code") and self.device_pending > 0:
            self.device_pending -= 1
            return _Resp(400, {"error": "authorization_pending", "error_description": "pending"})
        out = {"token_type": "Bearer", "expires_in": 3599, "access_token": self.token}
        if (data or {}).get("grant_type", "").endswith("device_code"):  # a user sign-in: who signed in
            now = int(time.time())
            claims = {"iss": f"https://login.microsoftonline.com/{TENANT}/v2.0", "sub": "s1",
                      "aud": (data or {}).get("client_id"), "exp": now + 3600, "iat": now, "tid": TENANT,
                      "oid": "uid1", "preferred_username": "ada@example.com"}
            out |= {"id_token": ".".join(_b64(x) for x in ({"alg": "none"}, claims, {})),
                    "client_info": _b64({"uid": "uid1", "utid": TENANT}), "refresh_token": "fake-rt",
                    "scope": "Mail.Read"}
        return _Resp(200, out)


    def _check_assertion(self, url: str, data: dict[str, Any]) -> str | None:
        import jwt  # PyJWT, which msal depends on
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.serialization import Encoding

        assertion = data.get("client_assertion")
        if not assertion or data.get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
            return "AADSTS7000218: The request body must contain client_assertion or client_secret."
        header = jwt.get_unverified_header(assertion)
        der = self.certificate.public_bytes(Encoding.DER)
        thumbs = {"x5t#S256": (hashes.SHA256(), "PS256"), "x5t": (hashes.SHA1(), "RS256")}  # noqa: S303
        named = next((k for k in thumbs if k in header), None)
        if named is None:
            return "AADSTS700027: Client assertion contains no certificate thumbprint."
        digest = hashes.Hash(thumbs[named][0])
        digest.update(der)
        given = str(header[named]).replace("-", "+").replace("_", "/")  # msal writes it padded, not url-safe
        try:
            named_cert = base64.b64decode(given + "=" * (-len(given) % 4))
        except ValueError:
            named_cert = b""
        if named_cert != digest.finalize() or header.get("alg") != thumbs[named][1]:
            return "AADSTS700027: Client assertion failed signature validation (unknown certificate)."
        try:
            claims = jwt.decode(assertion, self.certificate.public_key(), algorithms=[thumbs[named][1]], audience=url)
        except jwt.PyJWTError as exc:
            return f"AADSTS700027: Client assertion failed signature validation ({type(exc).__name__})."
        if claims.get("iss") != data.get("client_id") or claims.get("sub") != data.get("client_id"):
            return "AADSTS700023: Client assertion issuer or subject is not the client id."
        self.assertion_headers.append(header)
        return None


def _b64(obj: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")
