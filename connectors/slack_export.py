"""Slack workspace export (the ZIP Slack produces, or the unpacked folder) -> normalised records.

Layout: channels.json, groups.json, dms.json, mpims.json, users.json / org_users.json, and one
folder per conversation holding one JSON array per day (files read by slack_archive, JSON element by
element by json_stream).
"""

from __future__ import annotations

import hashlib
import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from slopradar.ingest import Unit
from slopradar.records import DELETED_VERSION, ConversationKind, ConversationRecord, MessageRecord, PersonRef

from .base import Checkpoints
from .json_stream import JsonStreamError, iter_array
from .slack_archive import ExportArchive, ExportError

__all__ = ["PARSER_VERSION", "SUBTYPE_POLICY", "ExportArchive", "ExportError", "SlackExport", "SlackNormaliser",
           "SlackUser", "is_slack_id", "open_export", "parse_user", "text_or_none"]
from .slack_users import SlackUser, is_slack_id, parse_user, text_or_none
from .slack_text import DecodedText, decode_mrkdwn, decode_rich_text, strip_url_secrets

PARSER_VERSION = "slack-export/1"
_DAY_FILE = re.compile(r"^(?P<folder>[^/]+)/(?P<day>\d{4}-\d{2}-\d{2})\.json$")
_META_FILES = ("users.json", "org_users.json", "channels.json", "groups.json", "dms.json", "mpims.json")
# A day file is committed in parts of at most this many messages or characters of JSON, so that memory
# stays bounded however large the file (a busy channel's day is a few thousand messages, a few MB).
PART_MESSAGES = 2000
PART_CHARS = 4_000_000
_DM_FOLDER = re.compile(r"D[A-Z0-9]{6,}")
_UPLOAD_TEXT = re.compile(r"^<@[A-Z0-9]+(\|[^>]*)?> (uploaded|shared|commented on) ")

# What each subtype becomes. "authored" messages are analysed; the rest is kept as metadata.
# Unknown subtypes are stored as "other" and counted by name in the ingest report.
SUBTYPE_POLICY: dict[str | None, str] = {
    None: "authored",
    "thread_broadcast": "authored",
    "file_share": "authored",
    "me_message": "authored",
    "bot_message": "bot",
    "bot_add": "system", "bot_remove": "system",
    "channel_join": "system", "channel_leave": "system", "group_join": "system", "group_leave": "system",
    "channel_topic": "system", "channel_purpose": "system", "channel_name": "system",
    "group_topic": "system", "group_purpose": "system", "group_name": "system",
    "channel_archive": "system", "channel_unarchive": "system", "group_archive": "system",
    "group_unarchive": "system", "channel_posting_permissions": "system", "channel_convert_to_private": "system",
    "channel_convert_to_public": "system", "pinned_item": "system", "unpinned_item": "system",
    "file_comment": "system", "file_mention": "system", "reminder_add": "system", "huddle_thread": "system",
    "channel_canvas_updated": "system", "sh_room_created": "system", "ekm_access_denied": "system",
    "message_replied": "system",
    # handled specially below
    "message_changed": "edit", "message_deleted": "delete", "tombstone": "delete",
}


@dataclass
class SlackNormaliser:
    """Turns Slack message objects (export day files and Web API pages share the shape) into records."""

    team_id: str
    users: dict[str, SlackUser]
    mention_label: Callable[[PersonRef], str] = lambda ref: ref.identities[0][1]

    @property
    def namespace(self) -> str:
        return f"slack:{self.team_id}"

    def person(self, uid: str) -> PersonRef:
        user = self.users.get(uid)
        if user is None:
            user = SlackUser(uid, None, None, None, None, uid == "USLACKBOT", False)
            self.users[uid] = user
        return user.ref(self.team_id)

    def parse_messages(self, items: list[Any], conv: ConversationRecord, unit: Unit) -> None:
        """Normalise a list of message objects into the unit's records, counting skips by reason."""
        for item in items:
            unit.add(lambda: self.normalise(item, conv))  # noqa: B023 (called at once)

    # -- one message ----------------------------------------------------------------------
    def _edited(self, m: dict[str, Any], conv: ConversationRecord, ts: str) -> MessageRecord | str:
        """A message_changed event: the new version of its message, stamped with the edit's time."""
        inner = m.get("message")
        if not isinstance(inner, dict):
            return "malformed message_changed"
        prev = m.get("previous_message") or {}
        if inner.get("text") == prev.get("text") and inner.get("blocks") == prev.get("blocks"):
            return "unfurl-only change"
        inner = dict(inner)
        inner.setdefault("ts", prev.get("ts"))
        rec = self.normalise(inner, conv)
        if isinstance(rec, MessageRecord):
            edited = (inner.get("edited") or {}).get("ts") or ts
            rec.version_ts = float(edited)
            rec.edited_at = _dt(edited)
        return rec

    def _deleted(self, m: dict[str, Any], conv: ConversationRecord, ts: str, subtype: str | None) -> MessageRecord | str:
        """A message_deleted event or a tombstone: the message, marked deleted, without its text."""
        target = m.get("deleted_ts") if subtype == "message_deleted" else ts
        prev = m.get("previous_message") or m
        if not isinstance(target, str):
            return "malformed message_deleted"
        rec = self._base(prev | {"ts": target}, conv, kind="authored", subtype=subtype)
        if subtype == "tombstone":  # Slackbot stands in for the deleted author
            rec.author = None
        rec.deleted = True
        rec.version_ts = DELETED_VERSION
        rec.text = None
        return rec

    def normalise(self, m: Any, conv: ConversationRecord) -> MessageRecord | str:
        """Return a record, or a skip reason."""
        if not isinstance(m, dict) or m.get("type", "message") != "message":
            return "not a message object"
        ts = m.get("ts")
        if not isinstance(ts, str) or not re.fullmatch(r"\d+(\.\d+)?", ts):
            return "malformed message (no valid ts)"
        subtype = m.get("subtype")
        policy = SUBTYPE_POLICY.get(subtype, "other")
        if policy == "edit":
            return self._edited(m, conv, ts)
        if policy == "delete":
            return self._deleted(m, conv, ts, subtype)
        kind = policy
        is_bot = bool(m.get("bot_id") or m.get("bot_profile") or subtype == "bot_message")
        uid = m.get("user")
        if isinstance(uid, str) and self.person(uid).is_bot:
            is_bot = True
        if kind == "authored" and is_bot:
            kind = "bot"
        rec = self._base(m, conv, kind=kind, subtype=subtype)
        rec.is_bot = is_bot
        decoded = self._decode(m)
        text = decoded.authored
        if subtype == "file_share" and _UPLOAD_TEXT.match(m.get("text") or ""):
            # old exports: the text is Slack's "X uploaded a file" line; the author's words are the comment
            comment = ((m.get("file") or {}).get("initial_comment") or {}).get("comment", "")
            text = decode_mrkdwn(comment, self._mention).authored
        rec.text = text if kind in ("authored", "bot") else (text or None)
        rec.quoted = [{"kind": "quote", "text": q} for q in decoded.quoted]
        for att in m.get("attachments") or []:
            if isinstance(att, dict) and (att.get("is_share") or att.get("is_msg_unfurl")):
                ref = {"channel": att.get("channel_id"), "ts": att.get("ts")}
                rec.quoted.append({"kind": "share", "text": decode_mrkdwn(att.get("text") or "", self._mention).authored,
                                   "ref": ref})
                rec.meta.setdefault("shares", []).append(ref)
        self._add_meta(rec, m, decoded)
        return rec

    def _add_meta(self, rec: MessageRecord, m: dict[str, Any], decoded: DecodedText) -> None:
        """What the message carries besides its words: code blocks, links, mentions, files, replies, reactions."""
        if decoded.code:
            rec.meta["code_blocks"] = len(decoded.code)
        if decoded.links:
            rec.meta["links"] = decoded.links[:20]
            if decoded.permalinks():
                rec.meta["permalinks"] = decoded.permalinks()
        if decoded.mentions:
            rec.meta["mentions"] = [self._mention(u) for u in decoded.mentions]
        files = list(m.get("files") or []) + ([m["file"]] if isinstance(m.get("file"), dict) else [])
        if files:
            rec.meta["files"] = [_file_meta(f) for f in files if isinstance(f, dict)]
        if m.get("reply_count"):
            rec.meta["reply_count"] = int(m["reply_count"])
        if m.get("reactions"):
            rec.meta["reactions"] = sum(int(r.get("count", 0)) for r in m["reactions"] if isinstance(r, dict))

    def _base(self, m: dict[str, Any], conv: ConversationRecord, kind: str, subtype: str | None) -> MessageRecord:
        ts = m["ts"]
        uid = m.get("user")
        author: PersonRef | None = None
        if isinstance(uid, str) and uid:
            author = self.person(uid)
        elif m.get("bot_id"):
            author = PersonRef(identities=[("slack-bot", f"{self.team_id}:{m['bot_id']}")],
                               display_name=(m.get("bot_profile") or {}).get("name") or m.get("username"),
                               is_bot=True)
        thread_ts = m.get("thread_ts")
        rec = MessageRecord(
            namespace=self.namespace, native_id=f"{conv.native_id}:{ts}", conversation=conv,
            sent_at=_dt(ts), kind=kind, author=author, subtype=subtype,
        )
        if isinstance(thread_ts, str):
            rec.thread_key = f"{conv.native_id}:{thread_ts}"
            if thread_ts != ts:
                rec.parent_native_id = rec.thread_key
        edited = m.get("edited")
        if isinstance(edited, dict) and edited.get("ts"):
            rec.edited_at = _dt(edited["ts"])
            rec.version_ts = float(edited["ts"])
        else:
            rec.version_ts = float(ts)
        return rec

    def _mention(self, uid: str) -> str:
        return self.mention_label(self.person(uid))

    def _decode(self, m: dict[str, Any]) -> DecodedText:
        rich = decode_rich_text(m.get("blocks") or [], self._mention)
        return rich if rich is not None else decode_mrkdwn(m.get("text") or "", self._mention)



@dataclass(kw_only=True)
class SlackExport(SlackNormaliser):
    """A parsed export: metadata plus an iterator of day-file units."""

    archive: ExportArchive
    conversations: dict[str, ConversationRecord]  # by folder name
    day_files: list[str]
    warnings: list[str] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)  # metadata entries and files left out, by reason

    source_kind: ClassVar[str] = "slack_export"

    @property
    def source_name(self) -> str:
        return f"{self.team_id}:{self.archive.path.resolve().name}"

    def pull(self, checkpoints: Checkpoints) -> Iterator[Unit]:
        """The Connector contract (connectors/base.py): day files not yet written."""
        return self.units(skip=checkpoints.is_done)

    def units(self, skip: Callable[[str, str], bool] = lambda k, d: False) -> Iterator[Unit]:
        """Units of day files, oldest first; `skip(key, digest)` lets the writer pass over committed ones cheaply.

        A day file is one unit, unless it holds more than PART_MESSAGES messages or PART_CHARS characters:
        then its first parts are units `<file>#1`, `<file>#2`..., and its last part is the unit `<file>`, whose
        checkpoint (the digest of the whole file) marks the file done. Memory stays bounded by one part.
        """
        for name in self.day_files:
            try:
                yield from self._day_units(name, skip)
            except (ExportError, OSError, KeyError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
                yield Unit(key=name, digest="", records=None, error=f"unreadable: {exc}")

    def _day_units(self, name: str, skip: Callable[[str, str], bool]) -> Iterator[Unit]:
        if self.archive.size(name) <= PART_CHARS:  # the usual case: read once
            raw = self.archive.read(name)
            digest = hashlib.sha256(PARSER_VERSION.encode() + raw).hexdigest()
            source: Callable[[], Iterable[bytes]] = lambda: (raw,)  # noqa: E731
        else:
            h = hashlib.sha256(PARSER_VERSION.encode())
            for chunk in self.archive.chunks(name):
                h.update(chunk)
            digest = h.hexdigest()
            source = lambda: self.archive.chunks(name)  # noqa: E731
        if skip(name, digest):
            yield Unit(key=name, digest=digest, records=[])
            return
        yield from self.parse_day_file(name, source, digest, skip)

    def parse_day_file(self, name: str, source: Callable[[], Iterable[bytes]], digest: str,
                       skip: Callable[[str, str], bool] = lambda k, d: False) -> Iterator[Unit]:
        """The units of one day file (see `units`); `source()` gives its bytes, as many times as needed."""
        conv = self._conversation(name.split("/", 1)[0])
        items: list[Any] = []
        dropped: Counter[str] = Counter()
        part_hash = hashlib.sha256(PARSER_VERSION.encode())
        chars, parts, validated = 0, 0, False
        try:
            for el in iter_array(source()):
                if len(items) + sum(dropped.values()) >= PART_MESSAGES or chars >= PART_CHARS:
                    if not validated:  # before committing a first part, make sure the file is whole
                        for _ in iter_array(source(), parse=False):
                            pass
                        validated = True
                    parts += 1
                    yield self._unit(f"{name}#{parts}", part_hash.hexdigest(), items, dropped, conv, skip)
                    items, dropped, chars = [], Counter(), 0
                    part_hash = hashlib.sha256(PARSER_VERSION.encode())
                part_hash.update(el.text.encode("utf-8", "surrogatepass") + b"\0")
                chars += len(el.text)
                if el.error is not None:
                    dropped[f"malformed message ({el.error})"] += 1
                else:
                    items.append(el.value)
        except JsonStreamError as exc:
            error = "not a JSON array of messages" if "not a JSON array" in str(exc) else f"malformed JSON ({exc})"
            yield Unit(key=name, digest=digest, records=None, error=error)
            return
        yield self._unit(name, digest, items, dropped, conv, lambda k, d: False)

    def _unit(self, key: str, digest: str, items: list[Any], dropped: Counter[str], conv: ConversationRecord,
              skip: Callable[[str, str], bool]) -> Unit:
        unit = Unit(key=key, digest=digest, records=[], skipped=dropped)
        if not skip(key, digest):
            self.parse_messages(items, conv, unit)
        return unit

    def _conversation(self, folder: str) -> ConversationRecord:
        conv = self.conversations.get(folder)
        if conv is None:  # a folder not listed in channels.json & co.: keep it, named by its folder
            # a DM or group DM missing from dms.json/mpims.json must not pass for a public channel
            kind = (ConversationKind.DM if _DM_FOLDER.fullmatch(folder) else ConversationKind.MPIM if folder.startswith("mpdm-")
                    else ConversationKind.CHANNEL)
            conv = ConversationRecord(self.namespace, folder, kind, folder)
            self.conversations[folder] = conv
        return conv


def _dt(ts: str | float) -> datetime:
    """A Slack ts as a UTC datetime; one past what a datetime holds comes back as the largest one, which
    the writer skips as out of range (with its reason) like any other impossible date."""
    try:
        return datetime.fromtimestamp(float(ts), UTC)
    except (OverflowError, OSError):
        return datetime.max.replace(tzinfo=UTC)


def _file_meta(f: dict[str, Any]) -> dict[str, Any]:
    meta = {k: f[k] for k in ("id", "name", "title", "mimetype", "filetype", "size")
            if isinstance(f.get(k), str | int | float) and not isinstance(f.get(k), bool)}
    if isinstance(f.get("url_private"), str):
        meta["url"] = strip_url_secrets(str(f["url_private"]))
    return meta


def _iter_json(archive: ExportArchive, name: str, warnings: list[str], skipped: Counter[str]) -> Iterator[Any]:
    """The entries of a metadata file, one at a time; entries too deep or too large are counted, a file
    that is not a JSON array is a warning (the entries read before the problem are kept)."""
    if name not in archive.members:
        return
    try:
        for el in iter_array(archive.chunks(name)):
            if el.error is not None:
                skipped[f"malformed {name} entry ({el.error})"] += 1
            else:
                yield el.value
    except JsonStreamError as exc:
        warnings.append(f"{name}: {exc}; continuing without the rest of it")
    except (ExportError, OSError, KeyError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        warnings.append(f"{name}: unreadable ({exc}); continuing without it")


def open_export(path: str | Path) -> SlackExport:
    """Open and validate an export, reading its metadata files."""
    archive = ExportArchive(Path(path))
    warnings = [f"rejected unsafe member name {n!r}" for n in archive.rejected]
    warnings += [f"skipped {n!r}: a symlink leading outside the export" for n in archive.outside]
    skipped: Counter[str] = Counter()
    if archive.outside:
        skipped["symlink leading outside the export"] = len(archive.outside)
    day_files = [n for n in archive.members if _DAY_FILE.match(n)]
    has_meta = any(n in archive.members for n in _META_FILES)
    if not day_files and not has_meta:
        archive.close()
        raise ExportError(
            f"{path} is not a Slack export: it has no channels.json/users.json and no <channel>/<YYYY-MM-DD>.json files"
        )
    users: dict[str, SlackUser] = {}
    for fname in ("users.json", "org_users.json"):
        for u in _iter_json(archive, fname, warnings, skipped):
            user, bad = parse_user(u)
            if user is None:
                skipped[f"malformed {fname} entry"] += 1
                continue
            if bad:
                skipped[f"malformed field in {fname} (ignored)"] += 1
            users[user.id] = user
    team_id = next((u.team_id for u in users.values() if u.team_id), None)
    if team_id is None:
        team_id = "export-" + hashlib.sha256(Path(path).name.encode()).hexdigest()[:10]
        warnings.append(f"no team id found in users.json; using {team_id} (exports and API pulls of this "
                        "workspace will not be deduplicated against each other)")
    export = SlackExport(archive=archive, team_id=team_id, users=users, conversations={}, day_files=day_files,
                         warnings=warnings, skipped=skipped)
    kinds = {"channels.json": ConversationKind.CHANNEL, "groups.json": ConversationKind.PRIVATE, "dms.json": ConversationKind.DM, "mpims.json": ConversationKind.MPIM}
    for fname, kind in kinds.items():
        for c in _iter_json(archive, fname, warnings, skipped):
            if not isinstance(c, dict) or not is_slack_id(c.get("id")):
                skipped[f"malformed {fname} entry"] += 1
                continue
            raw_members = c.get("members")
            member_ids = raw_members if isinstance(raw_members, list) else []
            if not isinstance(c.get("name"), str | None) or not isinstance(raw_members, list | None) or any(
                    not is_slack_id(u) for u in member_ids):
                skipped[f"malformed field in {fname} (ignored)"] += 1
            name = text_or_none(c.get("name")) or c["id"]
            folder = c["id"] if kind == ConversationKind.DM else name
            members = [export.person(u) for u in member_ids if is_slack_id(u)]
            export.conversations[folder] = ConversationRecord(export.namespace, c["id"], kind, name, members)
    export.day_files = sorted(day_files, key=lambda n: (n.split("/", 1)[1], n))  # oldest day first
    if not day_files:
        warnings.append("the export has metadata but no day files (no messages)")
    return export
