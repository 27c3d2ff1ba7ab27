"""A local Microsoft Graph mail delta endpoint (served by pytest-httpserver) and a fake Entra ID for
msal's injectable http_client. The JSON shapes are Graph's: @odata.nextLink / @odata.deltaLink,
@removed tombstones, partial update rows, 410 SyncStateNotFound, 429 with Retry-After."""

from __future__ import annotations

import base64
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from werkzeug import Request, Response

TENANT = "11111111-2222-3333-4444-555555555555"


def message(i: int, sender: str, to: list[str], subject: str, body: str, unique: str | None = None,
            sent: str = "2026-03-02T09:00:00Z", headers: list[dict[str, str]] | None = None,
            conversation: str = "conv-1", mid: str | None = None) -> dict[str, Any]:
    return {
        "@odata.etag": f'W/"etag{i}"', "id": f"AAMkImmutable{i:04d}=", "internetMessageId": mid or f"<msg{i}@example.com>",
        "conversationId": conversation, "subject": subject, "isDraft": False,
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

    # -- changes ---------------------------------------------------------------------------
    def add(self, box: str, folder: str, row: dict[str, Any]) -> None:
        self.folders.setdefault((box, folder), {})[row["id"]] = row
        self.seq += 1
        self.log.append((self.seq, f"{box}/{folder}", "upsert", row["id"], row))

    def remove(self, box: str, folder: str, gid: str) -> None:
        self.folders[(box, folder)].pop(gid)
        self.seq += 1
        self.log.append((self.seq, f"{box}/{folder}", "removed", gid, {}))

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
        chunk = rows[start:start + size]
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
                out[gid] = {"@odata.type": "#microsoft.graph.message", "id": gid, "@removed": {"reason": "deleted"}}
            elif gid not in out:
                out[gid] = {"@odata.type": "#microsoft.graph.message", "@odata.etag": 'W/"x"', "id": gid,
                            "isRead": True, "parentFolderId": "AQMkSentItems"}
        return list(out.values())

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
    """msal's http_client: tenant discovery and the token endpoint (msal needs an https authority)."""

    def __init__(self, token: str = "fake-at-1", device_pending: int = 1):
        self.token, self.device_pending = token, device_pending
        self.posts: list[tuple[str, dict[str, Any]]] = []

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


def _b64(obj: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")
