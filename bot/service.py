"""The nudge bot's logic, independent of how events arrive (Socket Mode, HTTP, tests).

A message event is stored like an ingested message (same pseudonymisation, retention), scored with
the same analyzer, checked against recent announcements for lost critical facts, and, when it
deserves it and the limits allow, its author alone gets one ephemeral nudge. Opted-out people's
messages are stored but never scored (checked before scoring) and never nudged.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from connectors.slack_api import slack_kind
from connectors.slack_export import SlackNormaliser
from connectors.slack_users import SlackUser
from slopradar import aggregates
from slopradar.config import Settings
from slopradar.ingest import IngestWriter, Unit
from slopradar.pipeline import pending_messages, person_label, pseudonymizer, score_batch, scoring_version
from slopradar.records import ConversationKind, ConversationRecord, MessageRecord
from slopradar.schema import (
    BotEvent, Conversation, FactLoss, Message, MessageScore, Nudge, Person,
)
from slopradar.store import upsert

from . import messages as msg
from .lost_facts import CHAIN_WINDOW, lost_facts  # noqa: F401  (CHAIN_WINDOW: importable from here as before)

NUDGED_SUBTYPES = {None, "thread_broadcast", "file_share", "me_message"}
UNDELIVERABLE = {"user_not_in_channel", "channel_not_found", "not_in_channel", "is_archived"}
_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>|\"user_id\": \"([UW][A-Z0-9]+)\"")


@dataclass
class Decision:
    outcome: str  # nudged | no nudge | skipped: <reason>
    kind: str | None = None
    nudge_id: int | None = None
    delivery: str | None = None


class NudgeBot:
    def __init__(self, engine: Engine, settings: Settings, client: WebClient, analyzer: Any = None,
                 clock: Callable[[], float] = time.time):
        self.engine, self.settings, self.client, self.clock = engine, settings, client, clock
        self._analyzer = analyzer
        self._lock = threading.RLock()  # one message at a time through the store and the model
        auth = client.auth_test()
        self.team_id, self.bot_user = auth["team_id"], auth.get("user_id")
        self.workspace_url = (auth.get("url") or "https://slack.com/").rstrip("/")
        self.pz = pseudonymizer(settings)
        self.norm = SlackNormaliser(team_id=self.team_id, users={},
                                    mention_label=lambda ref: person_label(settings, self.pz, ref))
        self.writer = IngestWriter(engine, settings, self.pz, "slack_bot", self.team_id)
        self._convs: dict[str, tuple[ConversationRecord, int]] = {}
        self._tz: dict[str, str] = {}
        self._people: set[str] = set()
        self._retention_at = 0.0
        self.version = scoring_version(settings)  # hashes the detector file: once, not per message

    # -- lazy parts --------------------------------------------------------------------------
    @property
    def analyzer(self) -> Any:
        if self._analyzer is None:
            from analysis.embeddings import load_embedder
            from analysis.messages import MessageAnalyzer

            self._analyzer = MessageAnalyzer(load_embedder(self.settings.embedding_model))
        return self._analyzer

    def user(self, uid: str) -> SlackUser:
        if uid not in self.norm.users:
            try:
                u = self.client.users_info(user=uid)["user"]
                prof = u.get("profile") or {}
                self.norm.users[uid] = SlackUser(uid, u.get("team_id"), u.get("name"), u.get("real_name"),
                                                 prof.get("email") or None,
                                                 bool(u.get("is_bot") or u.get("is_app_user")), bool(u.get("deleted")))
                self._tz[uid] = u.get("tz") or "UTC"
            except SlackApiError:
                self.norm.person(uid)  # unknown: a bare Slack id
        return self.norm.users[uid]

    def conversation(self, cid: str) -> tuple[ConversationRecord, int]:
        if cid not in self._convs:
            try:
                c = self.client.conversations_info(channel=cid, include_num_members=True)["channel"]
                self._convs[cid] = (ConversationRecord(self.norm.namespace, cid, slack_kind(c), c.get("name") or cid),
                                    int(c.get("num_members") or 0))
            except SlackApiError:
                self._convs[cid] = (ConversationRecord(self.norm.namespace, cid, ConversationKind.CHANNEL, cid), 0)
        return self._convs[cid]

    def person_id(self, uid: str) -> str:
        self.user(uid)
        with Session(self.engine) as s:
            pid = self.writer.person_id(s, self.norm.person(uid))
            s.commit()
        if pid not in self._people:  # someone new: give them a team as an ingest would
            self._people.add(pid)
            from slopradar.teams import assign_teams

            assign_teams(self.engine, self.pz, self.settings.team_mapping)
        return pid

    # -- opt-out -----------------------------------------------------------------------------
    def opted_out(self, uid: str) -> bool:
        with Session(self.engine) as s:
            p = s.get(Person, self.person_id(uid))
            return bool(p and p.opted_out)

    def set_opt_out(self, uid: str, value: bool) -> None:
        pid = self.person_id(uid)
        with Session(self.engine) as s:
            s.exec(sa.update(Person).where(Person.id == pid).values(opted_out=value))  # type: ignore[call-overload]
            s.commit()
        aggregates.refresh(self.engine)  # the person's messages leave (or rejoin) every team figure

    # -- events ------------------------------------------------------------------------------
    def seen(self, event_id: str | None) -> bool:
        """True if this event id was handled before (Slack retries events it thinks were lost)."""
        if not event_id:
            return False
        with Session(self.engine) as s:
            if s.get(BotEvent, event_id) is not None:
                return True
            upsert(s, BotEvent, [dict(event_id=event_id, received_at=datetime.now(UTC))], keys=["event_id"])
            s.commit()
        return False

    def handle_message(self, event: dict[str, Any], event_id: str | None = None) -> Decision:
        with self._lock:
            return self._handle(event, event_id)

    def _handle(self, event: dict[str, Any], event_id: str | None) -> Decision:
        if self.seen(event_id):
            return Decision("skipped: duplicate event")
        cid, subtype = event.get("channel"), event.get("subtype")
        if not isinstance(cid, str):
            return Decision("skipped: no channel")
        conv, members = self.conversation(cid)
        if subtype in ("message_changed", "message_deleted"):  # keep the store in step, never nudge on edits
            self._store(event, conv)
            return Decision("skipped: edit or deletion")
        if subtype not in NUDGED_SUBTYPES:
            return Decision(f"skipped: subtype {subtype}")
        uid = event.get("user")
        if event.get("bot_id") or not isinstance(uid, str) or uid == self.bot_user or self.user(uid).is_bot:
            return Decision("skipped: bot")
        rec = self._store(event, conv)
        if rec is None:
            return Decision("skipped: not a message")
        if cid in self.settings.bot_excluded_channels or conv.name in self.settings.bot_excluded_channels:
            return Decision("skipped: excluded channel")
        is_reply = bool(event.get("thread_ts")) and event.get("thread_ts") != event.get("ts")
        if is_reply and self.settings.bot_exclude_threads:
            return Decision("skipped: thread reply")
        if self.opted_out(uid):
            return Decision("skipped: opted out")  # checked before scoring: nothing is analysed
        mid, text, sent_at, lang, res = self._score(rec)
        if res is None:
            return Decision("no nudge")
        facts, link, method = lost_facts(self.engine, self.settings, self.workspace_url, mid, sent_at)
        b = res.bloat
        words = b.words if b is not None else 0  # the one word count a nudge shows
        # Bloat alone nudges: an AI-written message that is tight and factual needs no note, and the wording is
        # never about the tool used to write (docs/bot.md).
        bloated = (b is not None and b.score >= self.settings.bot_bloat_threshold
                   and words >= self.settings.bot_min_words and 0 < len(b.core_sentences) < len(res.sentences))
        if not facts and not bloated:
            return Decision("no nudge")
        kind = "factloss" if facts else "bloat"
        why = self._limit(uid)
        if why:
            return Decision(f"skipped: {why}", kind)
        details: dict[str, Any] = {"kind": kind, "words": words, "facts": facts, "link": link, "method": method}
        core: list[str] = []
        if bloated and b is not None:
            as_seen = self._as_author_sees(event)
            core = [as_seen(res.sentences[i]) for i in b.core_sentences if i < len(res.sentences)]
            roles = [b.roles[i] for i in b.core_sentences if i < len(b.roles)]
            details |= {"bloat": b.score, "reason_parts": b.reason_parts, "sentences": len(res.sentences),
                        "core_words": b.core_words, "dropped": len(res.sentences) - len(core),
                        "dropped_words": max(b.words - b.core_words, 0),
                        "framing_only": not any(r.critical or r.added for r in roles),
                        "core": [{"text": c, "facts": [as_seen(f) for f in r.facts], "links": r.links, "ask": r.ask,
                                  "decision": r.decision, "added": r.added} for c, r in zip(core, roles, strict=False)]}
        return self._deliver(uid, cid, conv.name, event, mid, kind, lang, core, max(members - 1, 1), details)

    def _as_author_sees(self, event: dict[str, Any]) -> Callable[[str], str]:
        """Store text -> Slack text as the author wrote it: escaped, and each colleague's pseudonym back to
        Slack's own <@U…> mention, which Slack shows as the name the reader knows (never the store's hash)."""
        raw = json.dumps([event.get("text") or "", event.get("blocks") or []])
        uids = dict.fromkeys(a or b for a, b in _USER_MENTION.findall(raw))
        labels = {}
        for uid in uids:
            label = person_label(self.settings, self.pz, self.norm.person(uid))
            labels[msg.escape("@" + label)] = f"<@{uid}>"
        ordered = sorted(labels, key=len, reverse=True)

        def convert(sentence: str) -> str:
            out = msg.escape(sentence)
            for label in ordered:
                out = out.replace(label, labels[label])
            return out
        return convert

    # -- steps -------------------------------------------------------------------------------
    def _store(self, event: dict[str, Any], conv: ConversationRecord) -> MessageRecord | None:
        if self.clock() - self._retention_at > 3600:  # the same retention as ingests, applied hourly
            from slopradar.pipeline import apply_retention

            apply_retention(self.engine, self.settings)
            self._retention_at = self.clock()
        rec = self.norm.normalise(event, conv)
        if isinstance(rec, str):
            return None
        raw = f"{rec.native_id}|{rec.version_ts}|{rec.text}|{rec.deleted}"
        self.writer.write_unit(Unit(key=f"bot:{conv.native_id}", digest=hashlib.sha256(raw.encode()).hexdigest(),
                                    records=[rec]))
        return rec

    def _score(self, rec: MessageRecord) -> tuple[int, str | None, datetime, str, Any]:
        with Session(self.engine) as s:
            m = s.exec(select(Message).where(Message.namespace == rec.namespace,
                                             Message.native_id == rec.native_id)).one()
        pending, medians = pending_messages(self.engine, self.version, ids=[m.id])  # type: ignore[list-item]
        if not pending:
            return m.id, m.text, m.sent_at, m.language or "en", None  # type: ignore[return-value]
        res = score_batch(self.engine, self.analyzer, self.version, pending, medians)[0]
        return m.id, m.text, m.sent_at, res.language.code or "en", res  # type: ignore[return-value]

    def _limit(self, uid: str) -> str | None:
        tz_name = self._tz.get(uid) or "UTC"
        try:
            tz = ZoneInfo(tz_name)
        except (ZoneInfoNotFoundError, ValueError):
            tz = ZoneInfo("UTC")
        now = datetime.fromtimestamp(self.clock(), tz)
        if self.settings.bot_quiet_hours:
            start, end = (int(x) for x in self.settings.bot_quiet_hours.split("-"))
            quiet = (start <= now.hour or now.hour < end) if start > end else (start <= now.hour < end)
            if quiet:
                return "quiet hours"
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
        with Session(self.engine) as s:
            today = s.exec(select(sa.func.count()).select_from(Nudge).where(
                Nudge.person_id == self.person_id(uid), Nudge.sent_at >= midnight,
                Nudge.delivery != "failed")).one()
        if today >= self.settings.bot_daily_cap:
            return "daily cap reached"
        return None

    def _deliver(self, uid: str, cid: str, channel: str, event: dict[str, Any], mid: int, kind: str, lang: str,
                 core: list[str], readers: int, details: dict[str, Any]) -> Decision:
        with Session(self.engine) as s:
            nudge = Nudge(person_id=self.person_id(uid), message_id=mid, kind=kind, language=lang,
                          delivery="pending", sent_at=datetime.fromtimestamp(self.clock(), UTC), details=details)
            s.add(nudge)
            s.commit()
            nid = nudge.id
        blocks = msg.nudge_blocks(lang, nid, f"#{channel}", details["words"], core, readers,  # type: ignore[arg-type]
                                  details.get("reason_parts", []), details["facts"], details["link"],
                                  details.get("sentences", 0), details.get("core_words", 0),
                                  details.get("framing_only", False))
        text = msg.fallback_text(lang, f"#{channel}")
        thread = event.get("thread_ts") if event.get("thread_ts") != event.get("ts") else None
        delivery = "ephemeral"
        try:
            self.client.chat_postEphemeral(channel=cid, user=uid, text=text, blocks=blocks, thread_ts=thread)
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else "unknown"
            delivery = "failed"
            if error in UNDELIVERABLE and self.settings.bot_dm_fallback:
                try:
                    dm = self.client.conversations_open(users=uid)["channel"]["id"]
                    self.client.chat_postMessage(channel=dm, text=text, blocks=blocks)
                    delivery = "dm"
                except SlackApiError:
                    delivery = "failed"
        with Session(self.engine) as s:
            s.exec(sa.update(Nudge).where(Nudge.id == nid).values(delivery=delivery))  # type: ignore[call-overload]
            s.commit()
        if delivery == "failed":
            return Decision("skipped: nudge could not be delivered", kind, nid, delivery)
        return Decision("nudged", kind, nid, delivery)

    # -- buttons, command, home --------------------------------------------------------------
    def feedback(self, uid: str, nudge_id: int, what: str) -> tuple[str, list[dict[str, Any]] | None]:
        """A button on a nudge: 'why' explains, 'not_helpful' is recorded, 'stop' opts out."""
        with Session(self.engine) as s:
            nudge = s.get(Nudge, nudge_id)
            if nudge is None or nudge.person_id != self.person_id(uid):
                return "—", None  # only the author's own nudges
            lang = nudge.language
            if what != "why" or nudge.feedback is None:
                nudge.feedback = what
                s.add(nudge)
                s.commit()
            details = dict(nudge.details)
        if what == "why":
            return msg.t(lang, "why_title"), msg.why_blocks(lang, details)
        if what == "stop":
            self.set_opt_out(uid, True)
            return msg.t(lang, "stopped"), None
        return msg.t(lang, "thanks"), None

    def command(self, uid: str, text: str) -> str:
        arg = (text or "").strip().lower()
        lang = self.language(uid)
        if arg in ("opt-out", "optout", "stop"):
            self.set_opt_out(uid, True)
            return msg.t(lang, "stopped")
        if arg in ("opt-in", "optin", "start"):
            self.set_opt_out(uid, False)
            return msg.t(lang, "started")
        if arg == "status":
            if self.opted_out(uid):
                return msg.t(lang, "status_off")
            with Session(self.engine) as s:
                since = datetime.fromtimestamp(self.clock(), UTC) - timedelta(days=1)
                n = s.exec(select(sa.func.count()).select_from(Nudge).where(
                    Nudge.person_id == self.person_id(uid), Nudge.sent_at >= since)).one()
            return msg.t(lang, "status_on", n=n, cap=self.settings.bot_daily_cap)
        return msg.t(lang, "help")

    def language(self, uid: str) -> str:
        with Session(self.engine) as s:
            lang = s.exec(select(Message.language).where(Message.author_id == self.person_id(uid),
                                                         Message.language.is_not(None))  # type: ignore[union-attr]
                          .order_by(Message.sent_at.desc()).limit(1)).first()  # type: ignore[attr-defined]
        return "fr" if lang == "fr" else "en"

    def home(self, uid: str) -> dict[str, Any]:
        """The person's own recent signals and opt-out state: nobody else's."""
        pid = self.person_id(uid)
        rows = []
        with Session(self.engine) as s:
            q = (select(Message, MessageScore, Conversation.name).join(MessageScore, MessageScore.message_id == Message.id)
                 .join(Conversation, Conversation.id == Message.conversation_id)
                 .where(Message.author_id == pid, Message.deleted == sa.false())
                 .order_by(Message.sent_at.desc()).limit(20))
            for m, sc, name in s.exec(q):
                lost = s.exec(select(sa.func.count()).select_from(FactLoss).where(
                    FactLoss.copy_id == m.id, FactLoss.critical, FactLoss.status != "kept")).one()
                rows.append({"when": m.sent_at.strftime("%Y-%m-%d %H:%M"), "channel": f"#{name}",
                             "words": m.word_count, "bloat": sc.bloat, "facts_lost": lost})
        return msg.home_view(self.language(uid), self.opted_out(uid), rows)
