"""A local Slack Web API speaking the real JSON: cursor pagination, history newest first with
`oldest`, thread replies (parent first), `ok: false` errors, 429 with Retry-After, 5xx, malformed
bodies. Faults are scripted per method. Used by the connector tests and bench/connectors.py.

As Slack behaves, not more:
- `conversations.history` returns parent messages only (and "also send to channel" broadcasts);
  replies come only from `conversations.replies` ("Returns an entire thread ..., while
  conversations.history method returns only parent messages", the method's reference page).
- A deleted message is simply absent afterwards: no event, no marker, unless it was a parent with
  replies, which stays as a `tombstone` ("This message was deleted.", rusq/slackdump fixtures; our
  research notes §1.1). Deleting a reply lowers its parent's `reply_count` (and `latest_reply` when
  it was the newest); editing a reply changes nothing on the parent.
- Methods are rate-limited by tier (docs.slack.dev/apis/web-api/rate-limits): TIERS below.
- Errors from Slack's edge (502 / 504 with an HTML body) happen and are not Slack JSON.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


# Requests per minute each method allows an internal app, from the method reference pages
# (docs.slack.dev/reference/methods/<method>, "Rate Limits"): Tier 2 20+, Tier 3 50+, Tier 4 100+.
TIERS = {"users.list": 20, "users.conversations": 50, "conversations.members": 100,
         "conversations.history": 50, "conversations.replies": 50, "auth.test": 100}


@dataclass
class Fault:
    method: str
    status: int = 200
    body: Any = None  # a dict (JSON), a str (raw body), or None
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1
    after_calls: int = 0  # let this many calls of the method through first


@dataclass
class Workspace:
    team_id: str = "T0FAKE01"
    token: str = "xoxb-test-token"
    users: list[dict[str, Any]] = field(default_factory=list)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> conversation object
    members: dict[str, list[str]] = field(default_factory=dict)
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # id -> top-level messages (+ broadcasts)
    replies: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)  # (channel, thread_ts) -> replies
    left: set[str] = field(default_factory=set)  # channels the bot was removed from
    missing_scopes: dict[str, str] = field(default_factory=dict)  # method -> scope it needs
    faults: list[Fault] = field(default_factory=list)
    calls: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    # -- building the workspace ----------------------------------------------------------
    def add_user(self, uid: str, name: str, email: str | None = None, is_bot: bool = False) -> None:
        self.users.append({"id": uid, "team_id": self.team_id, "name": name, "real_name": name.title(),
                           "is_bot": is_bot, "deleted": False, "profile": {"email": email, "real_name": name.title()}})

    def add_channel(self, cid: str, name: str, private: bool = False, members: list[str] | None = None) -> None:
        self.channels[cid] = {"id": cid, "name": name, "is_channel": True, "is_private": private, "is_im": False,
                              "is_mpim": False, "is_archived": False, "num_members": len(members or [])}
        self.members[cid] = list(members or [])
        self.history.setdefault(cid, [])

    def post(self, cid: str, ts: str, user: str, text: str, thread_ts: str | None = None,
             broadcast: bool = False) -> dict[str, Any]:
        m: dict[str, Any] = {"type": "message", "ts": ts, "user": user, "text": text}
        if thread_ts is None:
            self.history[cid].append(m)
            return m
        m["thread_ts"] = thread_ts
        m["parent_user_id"] = next(p["user"] for p in self.history[cid] if p["ts"] == thread_ts)
        self.replies.setdefault((cid, thread_ts), []).append(m)
        parent = next(p for p in self.history[cid] if p["ts"] == thread_ts)
        parent["thread_ts"] = thread_ts
        parent["reply_count"] = len(self.replies[(cid, thread_ts)])
        parent["latest_reply"] = max(r["ts"] for r in self.replies[(cid, thread_ts)])
        parent["reply_users"] = sorted({r["user"] for r in self.replies[(cid, thread_ts)]})
        if broadcast:
            self.history[cid].append(m | {"subtype": "thread_broadcast"})
        return m

    def edit(self, cid: str, ts: str, text: str, edited_ts: str) -> None:
        for m in self.history[cid] + [r for (c, _), rs in self.replies.items() if c == cid for r in rs]:
            if m["ts"] == ts:
                m["text"] = text
                m["edited"] = {"user": m["user"], "ts": edited_ts}

    def delete(self, cid: str, ts: str) -> None:
        """What Slack does on a deletion: the message is gone; a parent with replies becomes a tombstone;
        a reply's parent counts one reply fewer."""
        replies = self.replies.get((cid, ts))
        if replies:
            for m in self.history[cid]:
                if m["ts"] == ts:
                    m.clear()
                    m.update({"type": "message", "subtype": "tombstone", "hidden": True, "user": "USLACKBOT",
                              "text": "This message was deleted.", "ts": ts, "thread_ts": ts,
                              "reply_count": len(replies), "latest_reply": max(r["ts"] for r in replies),
                              "reply_users": sorted({r["user"] for r in replies})})
            return
        self.history[cid] = [m for m in self.history[cid] if m["ts"] != ts or m.get("thread_ts") not in (None, ts)]
        for key, rs in self.replies.items():
            if key[0] == cid and any(r["ts"] == ts for r in rs):
                self.replies[key] = rest = [r for r in rs if r["ts"] != ts]
                self.history[cid] = [m for m in self.history[cid] if m["ts"] != ts]  # its broadcast too
                parent = next(p for p in self.history[cid] if p["ts"] == key[1])
                if rest:
                    parent.update(reply_count=len(rest), latest_reply=max(r["ts"] for r in rest),
                                  reply_users=sorted({r["user"] for r in rest}))
                else:
                    for k in ("reply_count", "latest_reply", "reply_users"):
                        parent.pop(k, None)

    def count(self, method: str) -> int:
        return sum(1 for m, _ in self.calls if m == method)

    # -- answering --------------------------------------------------------------------------
    def answer(self, method: str, params: dict[str, str], token: str | None) -> tuple[int, dict[str, str], Any]:
        with self.lock:
            self.calls.append((method, params))
            n = self.count(method)
            for f in self.faults:
                if f.method == method and f.times > 0 and n > f.after_calls:
                    f.times -= 1
                    return f.status, f.headers, f.body
        if token != self.token:
            return 200, {}, {"ok": False, "error": "invalid_auth"}
        if method in self.missing_scopes:
            return 200, {}, {"ok": False, "error": "missing_scope", "needed": self.missing_scopes[method],
                             "provided": "channels:read"}
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return 200, {}, {"ok": False, "error": "unknown_method"}
        return 200, {}, handler(params)

    @staticmethod
    def _page(items: list[Any], params: dict[str, str], key: str, default_limit: int = 100) -> dict[str, Any]:
        start = int(params.get("cursor") or 0)
        limit = min(int(params.get("limit") or default_limit), 999)
        chunk = items[start:start + limit]
        nxt = str(start + limit) if start + limit < len(items) else ""
        return {"ok": True, key: chunk, "has_more": bool(nxt), "response_metadata": {"next_cursor": nxt}}

    def _auth_test(self, params: dict[str, str]) -> dict[str, Any]:
        return {"ok": True, "team_id": self.team_id, "user_id": "UBOT", "bot_id": "BBOT", "team": "Fake"}

    def _users_list(self, params: dict[str, str]) -> dict[str, Any]:
        return self._page(self.users, params, "members")

    def _users_conversations(self, params: dict[str, str]) -> dict[str, Any]:
        chans = [c for cid, c in sorted(self.channels.items()) if cid not in self.left]
        return self._page(chans, params, "channels")

    def _conversations_members(self, params: dict[str, str]) -> dict[str, Any]:
        cid = params.get("channel", "")
        if cid not in self.channels or cid in self.left:
            return {"ok": False, "error": "channel_not_found"}
        return self._page(self.members[cid], params, "members")

    # -- what the nudge bot calls -------------------------------------------------------------
    def _users_info(self, params: dict[str, str]) -> dict[str, Any]:
        u = next((u for u in self.users if u["id"] == params.get("user")), None)
        return {"ok": True, "user": u} if u else {"ok": False, "error": "user_not_found"}

    def _conversations_info(self, params: dict[str, str]) -> dict[str, Any]:
        c = self.channels.get(params.get("channel", ""))
        return {"ok": True, "channel": c | {"num_members": len(self.members[c["id"]])}} if c else \
            {"ok": False, "error": "channel_not_found"}

    def _chat_postEphemeral(self, params: dict[str, str]) -> dict[str, Any]:
        if params.get("user") not in self.members.get(params.get("channel", ""), []):
            return {"ok": False, "error": "user_not_in_channel"}
        return {"ok": True, "message_ts": "1.000001"}

    def _chat_postMessage(self, params: dict[str, str]) -> dict[str, Any]:
        return {"ok": True, "channel": params.get("channel"), "ts": "2.000001"}

    def _conversations_open(self, params: dict[str, str]) -> dict[str, Any]:
        return {"ok": True, "channel": {"id": "D" + params.get("users", "X")}}

    def _views_publish(self, params: dict[str, str]) -> dict[str, Any]:
        return {"ok": True, "view": {"id": "V1"}}

    def _response_url(self, params: dict[str, str]) -> dict[str, Any]:
        return {"ok": True}

    def sent(self, method: str) -> list[dict[str, Any]]:
        """The parameters of every call of a method, JSON fields decoded."""
        out = []
        for m, p in list(self.calls):
            if m == method:
                out.append({k: (json.loads(v) if k in ("blocks", "view") and isinstance(v, str) else v)
                            for k, v in p.items()})
        return out

    def _conversations_history(self, params: dict[str, str]) -> dict[str, Any]:
        cid = params.get("channel", "")
        if cid in self.left:
            return {"ok": False, "error": "not_in_channel"}
        if cid not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        oldest = float(params.get("oldest") or 0)
        msgs = sorted((m for m in self.history[cid] if float(m["ts"]) > oldest), key=lambda m: float(m["ts"]),
                      reverse=True)
        return self._page(msgs, params, "messages")

    def _conversations_replies(self, params: dict[str, str]) -> dict[str, Any]:
        cid, ts = params.get("channel", ""), params.get("ts", "")
        if cid in self.left:
            return {"ok": False, "error": "not_in_channel"}
        parent = next((m for m in self.history.get(cid, []) if m["ts"] == ts), None)
        if parent is None:
            return {"ok": False, "error": "thread_not_found"}
        return self._page([parent] + sorted(self.replies.get((cid, ts), []), key=lambda m: float(m["ts"])),
                          params, "messages")


class _Handler(BaseHTTPRequestHandler):
    workspace: Workspace

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _serve(self) -> None:
        url = urlparse(self.path)
        params = {k: v[-1] for k, v in parse_qs(url.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            raw_body = self.rfile.read(length).decode()
            if "json" in (self.headers.get("Content-Type") or ""):
                body = json.loads(raw_body or "{}")
                params |= {k: (json.dumps(v) if isinstance(v, (list, dict)) else v) for k, v in body.items()}
            else:
                params |= {k: v[-1] for k, v in parse_qs(raw_body).items()}
        auth = self.headers.get("Authorization") or ""
        token = auth[7:] if auth.startswith("Bearer ") else params.get("token")
        method = url.path.strip("/").split("/")[-1]
        if url.path.startswith("/response/"):  # a response_url of a button or command
            method, token = "response_url", self.workspace.token
        status, headers, body = self.workspace.answer(method, params, token)
        raw = json.dumps(body).encode() if isinstance(body, dict) else (body or "").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8" if isinstance(body, dict)
                         else "text/html")
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    do_GET = _serve
    do_POST = _serve


class FakeSlack:
    """Serve a workspace on 127.0.0.1 (port 0) in a thread; `url` is the WebClient base_url."""

    def __init__(self, workspace: Workspace):
        self.workspace = workspace
        handler = type("Handler", (_Handler,), {"workspace": workspace})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/"

    def __enter__(self) -> FakeSlack:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
