"""Incremental pull from the Slack Web API with slack-sdk's WebClient.

Per channel the bot is a member of, a high-water mark (the newest `ts`, kept as a string) plus a
re-read window: edits, deletions and new replies do not move a channel's newest `ts`, so each run
re-reads the parents of the last `thread_days` (default 28; history pages only, 200 parents a call)
and at least `refresh_days`. `conversations.history` returns parents only: a thread is read with
`conversations.replies`, in full, whenever its parent's `latest_reply` or `reply_count` differs from
what was seen (a new reply, a deleted one), which also picks up edits of its older replies. A message
that was in the store inside the fully re-read window, or in a thread read in full, and is no longer
returned was deleted.

Each history page, with the threads it announces, is one unit committed together with the
channel's cursor, so a crash between pages resumes from the last committed page. 429s are retried
after Retry-After from a retry budget shared by the whole sync; calls are paced per method tier
(internal apps keep Tier 3 on conversations.history/replies: docs/connectors.md).
"""

from __future__ import annotations

import random
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeGuard

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler, RateLimitErrorRetryHandler, ServerErrorRetryHandler,
)

from slopradar.ingest import Unit
from slopradar.records import ConversationKind, ConversationRecord, PersonRef

from .base import Checkpoints, ConnectorError
from .json_stream import digest
from .slack_export import SlackNormaliser
from .slack_users import SlackUser, is_slack_id, parse_user, text_or_none

# Minimum seconds between calls of a method: Slack's tiers (Tier 2 20+/min, Tier 3 50+/min, Tier 4 100+/min),
# from each method's reference page (docs.slack.dev/reference/methods/<method>); users.conversations is Tier 3.
TIER_INTERVAL = {"users.list": 3.0, "users.conversations": 1.2, "conversations.members": 0.6,
                 "conversations.history": 1.2, "conversations.replies": 1.2, "auth.test": 0.0}
CONVERSATION_TYPES = "public_channel,private_channel,mpim,im"
FATAL_AUTH = {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive",
              "no_permission", "org_login_required", "ekm_access_denied"}
LEFT_CHANNEL = {"not_in_channel", "channel_not_found", "is_archived", "access_denied"}


class SlackConnectorError(ConnectorError):
    """The sync cannot go on (bad token, missing scope, retry budget spent). Never contains a token."""


class RetryBudget:
    """Retries left for the whole sync: a rate-limited workspace fails clearly instead of looping."""

    def __init__(self, total: int):
        self.total = total
        self.left = total

    def take(self) -> bool:
        if self.left <= 0:
            return False
        self.left -= 1
        return True


class BudgetedRateLimitHandler(RateLimitErrorRetryHandler):
    """slack-sdk's 429 handler (Retry-After + jitter), drawing on a shared budget, with an injectable sleep."""

    def __init__(self, budget: RetryBudget, sleep: Callable[[float], None] = time.sleep, max_wait: float = 300):
        super().__init__(max_retry_count=budget.total)
        self.budget, self.sleep, self.max_wait = budget, sleep, max_wait
        self.waited = 0.0

    def _can_retry(self, *, state: Any, request: Any, response: Any = None, error: Any = None) -> bool:
        return response is not None and response.status_code == 429 and self.budget.take()

    def prepare_for_next_attempt(self, *, state: Any, request: Any, response: Any = None, error: Any = None) -> None:
        state.next_attempt_requested = True
        value = next((v for k, v in (response.headers or {}).items() if k.lower() == "retry-after"), None)
        try:
            wait = float(value[0] if isinstance(value, list) else value) if value is not None else 1.0
        except ValueError:
            wait = 1.0
        wait = min(wait, self.max_wait) + random.random() * 0.1
        self.waited += wait
        self.sleep(wait)
        state.increment_current_attempt()


class AnyServerErrorRetryHandler(ServerErrorRetryHandler):
    """slack-sdk's server-error handler retries 500 and 503 only (slack_sdk/http_retry/builtin_handlers.py);
    Slack's edge also answers 502 and 504 (with an HTML body), which are as transient. Every 5xx is retried,
    with slack-sdk's backoff, through an injectable sleep."""

    def __init__(self, max_retry_count: int = 3, sleep: Callable[[float], None] = time.sleep):
        super().__init__(max_retry_count=max_retry_count)
        self.sleep = sleep

    def _can_retry(self, *, state: Any, request: Any, response: Any = None, error: Any = None) -> bool:
        return response is not None and 500 <= response.status_code < 600

    def prepare_for_next_attempt(self, *, state: Any, request: Any, response: Any = None, error: Any = None) -> None:
        state.next_attempt_requested = True
        self.sleep(self.interval_calculator.calculate_sleep_duration(state.current_attempt))
        state.increment_current_attempt()


def make_client(token: str, base_url: str | None = None, retries: int = 30,
                sleep: Callable[[float], None] = time.sleep) -> WebClient:
    budget = RetryBudget(retries)
    client = (WebClient(token=token, timeout=60, base_url=base_url) if base_url
              else WebClient(token=token, timeout=60))
    client.retry_handlers = [ConnectionErrorRetryHandler(max_retry_count=3), BudgetedRateLimitHandler(budget, sleep),
                             AnyServerErrorRetryHandler(max_retry_count=3, sleep=sleep)]
    return client


@dataclass
class SlackApiPull:
    client: WebClient
    refresh_days: float = 7
    thread_days: float = 28  # parents re-read for thread activity (a reply, a deleted reply)
    page_size: int = 200
    pace: bool = True
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    calls: Counter[str] = field(default_factory=Counter)
    _last: dict[str, float] = field(default_factory=dict)
    # what connect() and conversations() found, for pull()
    _norm: SlackNormaliser | None = None
    _conversations: list[ConversationRecord] = field(default_factory=list)

    source_kind: ClassVar[str] = "slack_api"

    @property
    def source_name(self) -> str:
        if self._norm is None:
            raise RuntimeError("connect() first")
        return self._norm.team_id

    def pull(self, checkpoints: Checkpoints) -> Iterator[Unit]:
        """The Connector contract (connectors/base.py): each conversation found by conversations(), from
        its saved state; connect() and conversations() first."""
        if self._norm is None:
            raise RuntimeError("connect() first")
        for conv in self._conversations:
            yield from self.channel_units(self._norm, conv, checkpoints.state(f"channel:{conv.native_id}"),
                                          checkpoints.stored)

    # -- calls -----------------------------------------------------------------------------
    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """One Web API call: paced by tier, counted, errors turned into clear messages."""
        if self.pace:
            gap = TIER_INTERVAL.get(method, 1.2) - (self.clock() - self._last.get(method, 0.0))
            if gap > 0:
                self.sleep(gap)
            self._last[method] = self.clock()
        self.calls[method] += 1
        try:
            resp = self.client.api_call(method, http_verb="GET", params={k: v for k, v in params.items()
                                                                         if v is not None})
            data: Any = resp.data
        except RecursionError:  # slack-sdk parses the body with json.loads
            raise ValueError(f"{method}: malformed response (nested too deep)") from None
        except SlackApiError as exc:
            resp = exc.response
            if getattr(resp, "status_code", None) == 429:
                raise SlackConnectorError(f"{method}: rate limited beyond the retry budget; run again later "
                                          "(the sync resumes from its last committed page)") from None
            data = getattr(resp, "data", None)  # a body that is not JSON leaves a plain dict here
            if not isinstance(data, dict) or "ok" not in data:
                raise ValueError(f"{method}: malformed response (not a Slack JSON object)") from None
        if not isinstance(data, dict):
            raise ValueError(f"{method}: malformed response (not a JSON object)")
        if data.get("ok"):
            return data
        error = str(data.get("error") or "unknown_error")
        if error.startswith("Received a response in a non-JSON format"):  # how slack-sdk reports a garbled body
            raise ValueError(f"{method}: malformed response (not JSON)")
        if error in FATAL_AUTH:
            raise SlackConnectorError(f"Slack rejected the bot token ({error}): create or reinstall the app and set "
                                      "SLACK_BOT_TOKEN (or slack_bot_token in the secrets file)")
        if error == "missing_scope":
            raise SlackConnectorError(f"{method}: the Slack app lacks the scope {data.get('needed', '?')}: add it "
                                      "under OAuth & Permissions (or in the manifest, docs/slack-app-manifest.yaml) "
                                      "and reinstall the app to the workspace")
        raise ChannelError(method, error)

    # -- workspace -------------------------------------------------------------------------
    def connect(self, mention_label: Callable[[PersonRef], str] | None = None) -> SlackNormaliser:
        team_id = self.call("auth.test").get("team_id")
        users: dict[str, SlackUser] = {}
        for page in self._pages("users.list", "members"):
            for u in page:
                user, _ = parse_user(u)  # the same shape checks as an export's users.json
                if user is not None:
                    users[user.id] = user
        if not is_slack_id(team_id):
            raise SlackConnectorError("auth.test returned no usable team_id")
        norm = SlackNormaliser(team_id=team_id, users=users)
        if mention_label is not None:
            norm.mention_label = mention_label
        self._norm = norm
        return norm

    def conversations(self, norm: SlackNormaliser) -> list[ConversationRecord]:
        """The conversations the app was added to, with members for the ones not open to the workspace."""
        out = []
        for page in self._pages("users.conversations", "channels", types=CONVERSATION_TYPES, exclude_archived=True):
            for c in page:
                if not isinstance(c, dict) or not is_slack_id(c.get("id")):
                    continue
                kind = slack_kind(c)
                name = text_or_none(c.get("name")) or (f"dm-{c.get('user')}" if c.get("is_im") else c["id"])
                conv = ConversationRecord(norm.namespace, c["id"], kind, name)
                if kind != ConversationKind.CHANNEL:
                    try:
                        conv.members = [norm.person(u) for page2 in self._pages("conversations.members", "members",
                                                                                  channel=c["id"]) for u in page2
                                        if is_slack_id(u)]
                    except (ChannelError, ValueError):
                        pass
                out.append(conv)
        self._conversations = out
        return out

    def _pages(self, method: str, key: str, **params: Any) -> Iterator[list[Any]]:
        cursor = None
        while True:
            data = self.call(method, limit=self.page_size, cursor=cursor, **params)
            items = data.get(key)
            if not isinstance(items, list):
                raise ValueError(f"{method}: malformed page (no '{key}' list)")
            yield items
            meta = data.get("response_metadata")
            cursor = (meta.get("next_cursor") if isinstance(meta, dict) else None) or None
            if not cursor:
                return
            if not isinstance(cursor, str):
                raise ValueError(f"{method}: malformed page (next_cursor)")

    # -- one channel -----------------------------------------------------------------------
    def channel_units(self, norm: SlackNormaliser, conv: ConversationRecord, st: dict[str, Any],
                      stored: Callable[[str, str | None, float], set[str]]) -> Iterator[Unit]:
        """Units for one channel, from its saved state. `stored(conv_id, thread_key, since)` returns the
        native ids the store holds (top-level, or one thread's replies) sent at or after `since`."""
        key = f"channel:{conv.native_id}"
        now = self.clock()
        window_start = now - max(self.refresh_days, self.thread_days) * 86400
        threads: dict[str, Any] = dict(st.get("threads") or {})
        rnd = st.get("round")
        if not rnd:
            hwm = st.get("hwm")
            oldest = "0" if hwm is None else min(hwm, f"{window_start:.6f}", key=float)
            rnd = {"oldest": oldest, "cursor": None, "max_ts": hwm or "0", "seen": []}
        while True:
            unit = Unit(key=key, digest="", records=[])
            try:
                data = self.call("conversations.history", channel=conv.native_id, oldest=rnd["oldest"],
                                 limit=self.page_size, cursor=rnd["cursor"])
                messages = data.get("messages")
                if not isinstance(messages, list):
                    raise ValueError("malformed page (no 'messages' list)")
            except ChannelError as exc:
                if exc.error == "invalid_cursor" and rnd["cursor"]:
                    rnd = {**rnd, "cursor": None, "seen": []}
                    continue
                unit.skipped[f"conversation not readable ({exc.error})"] += 1
                yield unit
                return
            except ValueError as exc:
                yield Unit(key=key, digest="", records=None, error=f"#{conv.name}: {exc}")
                return
            unit.digest = digest(messages)
            norm.parse_messages(messages, conv, unit)
            seen = set(rnd["seen"])
            max_ts = rnd["max_ts"]
            for m in messages:
                ts = m.get("ts") if isinstance(m, dict) else None
                if not _valid_ts(ts):
                    continue
                seen.add(ts)
                max_ts = max(max_ts, ts, key=float)
                latest, count = m.get("latest_reply"), m.get("reply_count")
                # seen as [latest_reply, reply_count]; a plain string is the latest_reply of older versions
                if isinstance(count, int) and count > 0 and _valid_ts(latest):
                    if threads.get(ts) != [latest, count] and self._thread(norm, conv, ts, unit, stored):
                        threads[ts] = [latest, count]
                elif ts in threads and self._thread(norm, conv, ts, unit, stored):  # its last reply was deleted
                    del threads[ts]
            meta = data.get("response_metadata")
            cursor = (meta.get("next_cursor") if isinstance(meta, dict) else None) or None
            if cursor is not None and not isinstance(cursor, str):
                yield Unit(key=key, digest="", records=None, error=f"#{conv.name}: malformed page (next_cursor)")
                return
            if cursor:
                rnd = {"oldest": rnd["oldest"], "cursor": cursor, "max_ts": max_ts, "seen": sorted(seen)}
                unit.state = {key: {"hwm": st.get("hwm"), "round": rnd, "threads": threads}}
                yield unit
                continue
            # the round is complete: what the store holds in the re-read span but Slack no longer returns was deleted
            # only inside the re-read window: older history can be hidden by the plan, not deleted
            since = max(float(rnd["oldest"]), window_start)
            missing = {nid for nid in stored(conv.native_id, None, since) if nid.split(":", 1)[1] not in seen}
            unit.deleted += [(norm.namespace, nid) for nid in sorted(missing)]
            keep = {ts: v for ts, v in threads.items() if float(ts) >= window_start}
            unit.state = {key: {"hwm": max_ts if max_ts != "0" else st.get("hwm"), "round": None, "threads": keep}}
            yield unit
            return

    def _thread(self, norm: SlackNormaliser, conv: ConversationRecord, ts: str, unit: Unit,
                stored: Callable[[str, str | None, float], set[str]]) -> bool:
        """Add a thread's messages to the unit; replies stored but gone are deletions. False if unreadable."""
        seen: set[str] = set()
        try:
            for page in self._pages("conversations.replies", "messages", channel=conv.native_id, ts=ts):
                norm.parse_messages(page, conv, unit)
                seen |= {m["ts"] for m in page if isinstance(m, dict) and _valid_ts(m.get("ts"))}
        except ChannelError as exc:
            unit.skipped[f"thread not readable ({exc.error})"] += 1
            return False
        except ValueError:
            unit.skipped["thread page malformed"] += 1
            return False
        thread_key = f"{conv.native_id}:{ts}"
        # the thread was read in full: a reply of any age it no longer holds was deleted
        gone = {nid for nid in stored(conv.native_id, thread_key, 0.0) if nid.split(":", 1)[1] not in seen}
        unit.deleted += [(norm.namespace, nid) for nid in sorted(gone)]
        return True


_TS = re.compile(r"\d{1,12}(\.\d{1,9})?")


def slack_kind(info: dict[str, Any]) -> ConversationKind:
    """The kind of a conversation from its Slack conversation object (conversations.info, users.conversations)."""
    return (ConversationKind.DM if info.get("is_im") else ConversationKind.MPIM if info.get("is_mpim") else
            ConversationKind.PRIVATE if info.get("is_private") else ConversationKind.CHANNEL)


def _valid_ts(ts: Any) -> TypeGuard[str]:
    """A Slack timestamp ("1433558319.000002"); anything else is never compared or kept as a cursor."""
    return isinstance(ts, str) and _TS.fullmatch(ts) is not None


class ChannelError(Exception):
    """A Slack error that concerns one call or conversation (not_in_channel, ...): skip it, go on."""

    def __init__(self, method: str, error: str):
        super().__init__(f"{method}: {error}")
        self.method, self.error = method, error
