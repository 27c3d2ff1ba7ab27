"""Mailbox files -> normalised records: mbox, a single .eml, a folder of RFC 822 files, maildir, PST.

Parsing uses the standard library (`mailbox`, `email` with the default policy, which decodes
RFC 2047 headers and quoted-printable bodies). Every message is parsed on its own, so one
malformed message is a counted skip, never the end of the import.
"""

from __future__ import annotations

import email
import email.header
import email.utils
import hashlib
import mailbox
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from dateutil import parser as dateutil_parser

from slopradar.ingest import Unit
from slopradar.records import ConversationRecord, MessageRecord, PersonRef

from .mail_body import html_to_text, split_body

PARSER_VERSION = "mailbox/1"
NAMESPACE = "mail"
BATCH = 200
_OBFUSCATED = re.compile(r"^([\w.+-]+) at ([\w-]+(?:\.[\w-]+)+)$")
_AUTO_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto(?:matic)?[- ]?reply|out of (the )?office|réponse automatique|absence|"
    r"undeliverable|delivery status notification|mail delivery failed|non remis)\b", re.I)
_NOREPLY = re.compile(r"^(no-?reply|do-?not-?reply|mailer-daemon|postmaster|notifications?)@", re.I)


class MailboxError(Exception):
    """The path is not a readable mailbox."""


@dataclass
class RawMail:
    key: str  # stable position of the message in its container
    folder: str
    data: bytes


def detect_format(path: Path) -> str:
    if path.is_dir():
        if all((path / d).is_dir() for d in ("cur", "new", "tmp")):
            return "maildir"
        return "folder"
    if not path.is_file():
        raise MailboxError(f"{path} does not exist")
    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"!BDN"):
        return "pst"
    if head.lstrip(b"\r\n").startswith(b"From "):
        return "mbox"
    if _looks_like_headers(head):
        return "eml"
    raise MailboxError(f"{path} is not an mbox, .eml, maildir or PST file (unrecognised content)")


def _looks_like_headers(head: bytes) -> bool:
    """An RFC 822 header block that names at least two of the headers every e-mail has."""
    block = head.lstrip(b"\r\n").split(b"\n\n", 1)[0]
    if not re.match(rb"^[A-Za-z][A-Za-z0-9-]*:[ \t]", block):
        return False
    found = {m.lower() for m in re.findall(rb"(?m)^(From|Date|Message-ID|Subject|To|Received):", block, re.I)}
    return len(found) >= 2


def iter_raw(path: Path, fmt: str, skipped: Counter[str]) -> Iterator[RawMail]:
    """Yield raw messages in a stable order."""
    if fmt == "mbox":
        box = mailbox.mbox(str(path), create=False)
        for i, key in enumerate(box.iterkeys()):
            try:
                yield RawMail(f"{i:07d}", path.stem, box.get_bytes(key))
            except (OSError, KeyError, ValueError):
                skipped["unreadable message"] += 1
    elif fmt == "eml":
        yield RawMail("0000000", path.parent.name or "mail", path.read_bytes())
    elif fmt == "maildir":
        yield from _iter_maildir(path, path.name or "INBOX", skipped)
    elif fmt == "folder":
        for f in sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")):
            try:
                data = f.read_bytes()
            except OSError:
                skipped["unreadable file"] += 1
                continue
            if not _looks_like_headers(data[:4096]):
                skipped["not an e-mail file"] += 1
                continue
            yield RawMail(f.relative_to(path).as_posix(), f.parent.relative_to(path).as_posix() or path.name, data)
    elif fmt == "pst":
        yield from _iter_pst(path, skipped)


def _iter_maildir(path: Path, folder: str, skipped: Counter[str]) -> Iterator[RawMail]:
    box = mailbox.Maildir(str(path), factory=None, create=False)
    for key in sorted(box.iterkeys()):
        try:
            yield RawMail(f"{folder}/{key}", folder, box.get_bytes(key))
        except (OSError, KeyError):
            skipped["unreadable message"] += 1
    for sub in sorted(box.list_folders()):
        yield from _iter_maildir(path / ("." + sub), sub, skipped)


def _iter_pst(path: Path, skipped: Counter[str]) -> Iterator[RawMail]:
    try:
        import pypff  # type: ignore[import-not-found]  # from libpff-python (LGPL), an optional extra
    except ImportError as exc:
        raise MailboxError(
            "reading .pst files needs the optional PST support: pip install 'slopradar[pst]' "
            "(installs libpff-python), or convert with `readpst -r -o out file.pst` and import the mbox files"
        ) from exc
    pst = pypff.file()
    try:
        pst.open(str(path))
    except OSError as exc:
        raise MailboxError(f"{path} is not a readable PST file: {exc}") from exc

    def walk(folder: Any, trail: str) -> Iterator[RawMail]:
        name = folder.name or ""
        here = f"{trail}/{name}" if name else trail
        for i in range(folder.number_of_sub_messages):
            try:
                m = folder.get_sub_message(i)
                headers = (m.transport_headers or "").strip()
                body = m.plain_text_body or b""
                if not body and m.html_body:
                    body = m.html_body
                    headers = re.sub(r"(?im)^content-type:.*(\n[ \t].*)*\n?", "", headers)
                    headers += "\nContent-Type: text/html; charset=utf-8"
                if not headers:
                    headers = f"Subject: {m.subject or ''}\nFrom: {m.sender_name or ''}"
                    if m.delivery_time:
                        headers += "\nDate: " + email.utils.format_datetime(m.delivery_time.replace(tzinfo=UTC))
                headers = re.sub(r"(?im)^content-transfer-encoding:.*\n?", "", headers)
                if isinstance(body, str):
                    body = body.encode("utf-8")
                yield RawMail(f"{here}/{i:06d}", here.strip("/") or "pst", headers.encode("utf-8") + b"\n\n" + body)
            except (OSError, AttributeError, ValueError):
                skipped["unreadable PST item"] += 1
        for j in range(folder.number_of_sub_folders):
            yield from walk(folder.get_sub_folder(j), here)

    try:
        yield from walk(pst.get_root_folder(), "")
    finally:
        pst.close()


def _header(msg: EmailMessage, name: str) -> str:
    """A decoded header; malformed ones fall back to a lenient decode instead of raising."""
    try:
        value = msg.get(name)
        return str(value) if value is not None else ""
    except (ValueError, TypeError, IndexError, AttributeError, LookupError):
        raw = msg.get_all(name, failobj=[""])
        try:
            parts = email.header.decode_header(str(raw[0]))
            return "".join(p.decode(c or "utf-8", "replace") if isinstance(p, bytes) else p for p, c in parts)
        except (ValueError, LookupError):
            return str(raw[0])


def _address(value: str) -> tuple[str, str]:
    name, addr = email.utils.parseaddr(value)
    if "@" not in addr:
        m = _OBFUSCATED.match(value.split("(")[0].strip())
        if m:
            addr = f"{m.group(1)}@{m.group(2)}"
            name = name or value.partition("(")[2].rstrip(")")
    return name.strip(), addr.strip().lower()


def _person(name: str, addr: str) -> PersonRef | None:
    if addr:
        return PersonRef(identities=[("email", addr)], display_name=name or None, email=addr,
                         is_bot=bool(_NOREPLY.match(addr)))
    if name:
        return PersonRef(identities=[("mail-name", name)], display_name=name)
    return None


def _date(msg: EmailMessage) -> datetime | None:
    raw = _header(msg, "Date")
    if not raw:
        return None
    try:
        dt = email.utils.parsedate_to_datetime(raw)
    except (ValueError, TypeError, IndexError):
        try:  # pipermail archives write "Thu Nov  1 11:19:12 2001"
            dt = dateutil_parser.parse(raw, fuzzy=True)
        except (ValueError, OverflowError):
            return None
    # a date without a zone is read as UTC
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _body(msg: EmailMessage, notes: Counter[str]) -> str:
    try:
        part = msg.get_body(preferencelist=("plain", "html"))
    except (KeyError, ValueError, TypeError, AttributeError):
        part = None
    if part is None:
        if msg.is_multipart():
            return ""
        part = msg
    ctype = part.get_content_type()
    try:
        text = part.get_content()
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
    except (LookupError, ValueError, KeyError, AttributeError, AssertionError):
        payload = part.get_payload(decode=True) or b""
        charset = part.get_content_charset() or "utf-8"
        try:
            text = payload.decode(charset, "replace")
        except LookupError:
            text = payload.decode("utf-8", "replace")
    if "\ufffd" in text:
        notes["invalid characters replaced"] += 1
    if ctype == "text/html":
        text = html_to_text(text)
    return text


def is_auto_generated(msg: EmailMessage) -> str | None:
    """Why a message is machine-sent (auto-reply, bounce, bulk), or None."""
    auto = _header(msg, "Auto-Submitted").strip().lower()
    if auto and auto != "no":
        return "auto-reply"
    if msg.get("X-Autoreply") or msg.get("X-Autorespond") or msg.get("X-Auto-Response-Suppress", "").lower() in (
            "oof", "all", "autoreply"):
        return "auto-reply"
    if _header(msg, "Precedence").strip().lower() in ("bulk", "junk", "auto_reply"):
        return "bulk mail"
    if msg.get_content_type() == "multipart/report":
        return "delivery report"
    if _AUTO_SUBJECT.match(_header(msg, "Subject")):
        return "auto-reply"
    return None


def _ids(value: str) -> list[str]:
    return re.findall(r"<([^<>\s]+)>", value or "")


class MailboxImport:
    """One mailbox path, read as units of up to BATCH messages."""

    def __init__(self, path: str | Path, max_bytes: int, skip_auto: bool = True):
        self.path = Path(path)
        self.format = detect_format(self.path)
        self.max_bytes = max_bytes
        self.skip_auto = skip_auto
        self.name = self.path.resolve().as_posix()

    def units(self, skip: Callable[[str, str], bool] = lambda k, d: False) -> Iterator[Unit]:
        """Units of up to BATCH messages; `skip(key, digest)` passes over committed ones without parsing."""
        batch: list[RawMail] = []
        pre_skipped: Counter[str] = Counter()
        for raw in iter_raw(self.path, self.format, pre_skipped):
            batch.append(raw)
            if len(batch) >= BATCH:
                yield self._unit(batch, pre_skipped, skip)
                batch, pre_skipped = [], Counter()
        if batch or pre_skipped:
            yield self._unit(batch, pre_skipped, skip)

    def _unit(self, batch: list[RawMail], skipped: Counter[str], skip: Callable[[str, str], bool]) -> Unit:
        h = hashlib.sha256(PARSER_VERSION.encode())
        for raw in batch:
            h.update(raw.key.encode() + b"\0" + hashlib.sha256(raw.data).digest())
        key = f"{batch[0].key}..{batch[-1].key}" if batch else "empty"
        unit = Unit(key=key, digest=h.hexdigest(), records=[], skipped=Counter(skipped))
        if skip(key, unit.digest):
            return unit
        for raw in batch:
            unit.add(lambda: self.parse(raw, unit.skipped))  # noqa: B023 (called at once)
        return unit

    def parse(self, raw: RawMail, notes: Counter[str]) -> MessageRecord | str:
        if len(raw.data) > self.max_bytes:
            return "too large"
        try:
            msg = email.message_from_bytes(raw.data, policy=policy.default)
        except Exception:  # the email package can raise almost anything on garbage; it is one bad message
            return "malformed message (unparseable)"
        try:
            return self._record(msg, raw, notes)
        except (ValueError, TypeError, LookupError, AttributeError, AssertionError) as exc:
            return f"malformed message ({type(exc).__name__})"

    def _record(self, msg: EmailMessage, raw: RawMail, notes: Counter[str]) -> MessageRecord | str:
        if self.skip_auto:
            why = is_auto_generated(msg)
            if why:
                return why
        sent_at = _date(msg)
        if sent_at is None:
            return "malformed message (no valid Date)"
        mid_list = _ids(_header(msg, "Message-ID"))
        native_id = mid_list[0] if mid_list else "sha256:" + hashlib.sha256(raw.data).hexdigest()[:32]
        refs = _ids(_header(msg, "References"))
        in_reply = _ids(_header(msg, "In-Reply-To"))
        parent = in_reply[0] if in_reply else (refs[-1] if refs else None)
        thread_key = refs[0] if refs else (parent or native_id)
        author = _person(*_address(_header(msg, "From")))
        recipients = []
        for hname in ("To", "Cc"):
            for name, addr in email.utils.getaddresses([_header(msg, hname)]):
                p = _person(name, addr.lower())
                if p is not None:
                    recipients.append(p)
        folder = _header(msg, "X-Folder").replace("\\", "/").strip("/") or raw.folder
        conv = ConversationRecord(NAMESPACE, f"{self.name}:{folder}", "mail_folder", folder.rsplit("/", 1)[-1] or folder)
        body = _body(msg, notes)
        split = split_body(body)
        rec = MessageRecord(
            namespace=NAMESPACE, native_id=native_id, conversation=conv, sent_at=sent_at,
            kind="bot" if author is not None and author.is_bot else "authored", author=author,
            subject=_header(msg, "Subject").strip() or None, text=split.authored, quoted=split.quoted,
            thread_key=thread_key, parent_native_id=parent, recipients=recipients,
            version_ts=sent_at.timestamp(),
        )
        rec.is_bot = rec.kind == "bot"
        rec.meta = {"split_method": split.method, "has_signature": bool(split.signature),
                    "references": refs[-10:], "list": bool(msg.get("List-Id"))}
        attachments = [p.get_filename() for p in msg.iter_attachments()] if msg.is_multipart() else []
        if attachments:
            rec.meta["attachments"] = [a for a in attachments if a][:20]
        return rec
