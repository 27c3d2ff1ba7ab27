"""Mailbox files -> normalised records: mbox, a single .eml, a folder of RFC 822 files, maildir, PST
(read by mail_containers).

Parsing uses the standard library (`mailbox`, `email` with the default policy, which decodes
RFC 2047 headers and quoted-printable bodies). Every message is parsed on its own, so one
malformed message is a counted skip, never the end of the import.
"""

from __future__ import annotations

import email
import email.header
import email.parser
import email.utils
import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, ClassVar

from dateutil import parser as dateutil_parser

from slopradar.ingest import MESSAGE_ERRORS, Unit
from slopradar.pseudonym import Pseudonymizer
from slopradar.records import ConversationKind, ConversationRecord, MessageRecord, PersonRef

from .base import Checkpoints
from .mail_body import html_to_text, split_body
from .mail_containers import MailboxError, RawMail, detect_format, iter_raw

__all__ = ["NAMESPACE", "PARSER_VERSION", "MailboxError", "MailboxImport", "RawMail", "detect_format",
           "is_auto_generated", "iter_raw"]
from .mail_identities import IdentityScrubber

PARSER_VERSION = "mailbox/6"  # 2: names and addresses in text and folder names pseudonymised; 3: a signature
# under a rule line is cut (mail_signature.ruled_signature); 4: a quote's attribution line goes with it ("X writes:");
# 5: a Python session's prompt lines are the author's (mail_body._prompts); 6: answers written into a ">" quote under
# a bare "-----Original Message-----" line are the author's
NAMESPACE = "mail"
# A unit is at most BATCH messages or BATCH_BYTES of raw mail (the last message may pass it), so a
# mailbox of large messages is never held in memory 200 at a time.
BATCH = 200
BATCH_BYTES = 16 * 1024 * 1024
_OBFUSCATED = re.compile(r"^([\w.+-]+) at ([\w-]+(?:\.[\w-]+)+)$")
_AUTO_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto(?:matic)?[- ]?reply|out of (the )?office|réponse automatique|absence|"
    r"undeliverable|delivery status notification|mail delivery failed|non remis)\b", re.I)
_ADDRESS_HEADERS = ("From", "To", "Cc", "Bcc", "Reply-To", "Sender", "Resent-From", "Resent-To")
_NOTES_HEADERS = ("X-From", "X-To", "X-cc", "X-bcc")  # Lotus Notes / Exchange exports (the Enron corpus)
_NOREPLY = re.compile(r"^(no-?reply|do-?not-?reply|mailer-daemon|postmaster|notifications?)@", re.I)


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
    # a date without a zone is read as UTC; 31 Dec 9999 -0500 is past the largest datetime in UTC
    try:
        return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
    except (OverflowError, ValueError):
        return datetime.max.replace(tzinfo=UTC)  # out of range: the writer skips it and says so


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
        payload: bytes = part.get_payload(decode=True) or b""  # type: ignore[assignment]  # decode=True: bytes
        charset = part.get_content_charset() or "utf-8"
        try:
            text = payload.decode(charset, "replace")
        except LookupError:
            text = payload.decode("utf-8", "replace")
    if "\ufffd" in text:
        notes["invalid characters replaced"] += 1
    if ctype == "text/html" or holds_html_page(text):
        text = html_to_text(text)
    return text


def holds_html_page(text: str) -> bool:
    """A part that holds a web page's source whatever its type says: a real Enron mail sent as text/plain opens
    "<html> <head> <title>Untitled Document</title>" (1 of the maildir sample's 804), and was stored as markup."""
    return text.lstrip()[:15].lower().startswith(("<html", "<!doctype html"))


def _raw_headers(msg: Any, names: tuple[str, ...]) -> list[str]:
    """The raw values of some headers, RFC 2047 decoded and unfolded (cheap: no header objects, and
    pipermail's "perry at stsci.edu (Perry Greenfield)" comment, where the name is, is kept)."""
    wanted = {h.lower() for h in names}
    out = []
    for name, value in msg.raw_items():
        if name.lower() not in wanted:
            continue
        try:
            text = str(email.header.make_header(email.header.decode_header(str(value))))
        except (ValueError, LookupError, TypeError, UnicodeError):
            text = str(value)
        out.append(" ".join(text.split()))
    return out


def _header_people(msg: Any) -> list[tuple[str, str]]:
    """(name, address) of everyone in the address headers."""
    pairs: list[tuple[str, str]] = []
    for text in _raw_headers(msg, _ADDRESS_HEADERS):
        pairs += email.utils.getaddresses([text])
        pairs.append(_address(text))
    return [(n, a if "@" in a else "") for n, a in pairs]


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


def thread_of(native_id: str, references: list[str], in_reply_to: list[str]) -> tuple[str, str | None]:
    """(thread key, parent id) of a mail from its References and In-Reply-To ids: the thread is the first
    reference, else the message replied to, else the message itself. Every mail connector uses this, so the
    same mail gets the same thread whichever connector read it."""
    parent = in_reply_to[0] if in_reply_to else (references[-1] if references else None)
    return (references[0] if references else (parent or native_id)), parent


# Names quoted in a body are looked for in its first characters only (the text kept is shorter still).
_SCAN_CHARS = 200_000
_HEAD_BYTES = 256 * 1024  # where a message's headers are


class MailboxImport:
    """One mailbox path, read as units of up to BATCH messages. With a pseudonymizer, the names and
    addresses inside subjects, texts and quotes, and folder names, become pseudonyms (mail_identities)."""

    source_kind: ClassVar[str] = "mailbox"

    def __init__(self, path: str | Path, max_bytes: int, skip_auto: bool = True,
                 pseudonymizer: Pseudonymizer | None = None, max_chars: int | None = None):
        self.path = Path(path)
        self.format = detect_format(self.path)
        self.max_bytes = max_bytes
        self.skip_auto = skip_auto
        self.max_chars = max_chars
        self.scrubber = IdentityScrubber(pseudonymizer) if pseudonymizer is not None else None
        self._names: str | None = None  # digest of the names learnt from the headers, once learnt
        self.name = self.path.resolve().as_posix()

    @property
    def source_name(self) -> str:
        return self.name

    def pull(self, checkpoints: Checkpoints) -> Iterator[Unit]:
        """The Connector contract (connectors/base.py): batches not yet written."""
        return self.units(skip=checkpoints.is_done)

    def units(self, skip: Callable[[str, str], bool] = lambda k, d: False) -> Iterator[Unit]:
        """Units of up to BATCH messages; `skip(key, digest)` passes over committed ones without parsing."""
        if self.scrubber is not None and self._names is None:
            self._learn_names()
        batch: list[RawMail] = []
        size = 0
        pre_skipped: Counter[str] = Counter()
        for raw in iter_raw(self.path, self.format, pre_skipped, self.max_bytes):
            batch.append(raw)
            size += len(raw.data)
            if len(batch) >= BATCH or size >= BATCH_BYTES:
                yield self._unit(batch, pre_skipped, skip)
                batch, size, pre_skipped = [], 0, Counter()
        if batch or pre_skipped:
            yield self._unit(batch, pre_skipped, skip)

    def _learn_names(self) -> None:
        """A first pass over the headers only: the names of everyone the mailbox's messages come from or
        go to, so that each is replaced wherever it is written (see mail_identities)."""
        assert self.scrubber is not None
        parser = email.parser.BytesHeaderParser(policy=policy.compat32)  # raw values only: fast
        for raw in iter_raw(self.path, self.format, Counter(), self.max_bytes):
            try:
                msg = parser.parsebytes(raw.data[:_HEAD_BYTES])
                self.scrubber.learn(_header_people(msg), _raw_headers(msg, _NOTES_HEADERS))
            except Exception:  # noqa: BLE001 (the email package raises anything on garbage; the parse pass counts it)
                continue
        self._names = self.scrubber.known_digest()

    def _unit(self, batch: list[RawMail], skipped: Counter[str], skip: Callable[[str, str], bool]) -> Unit:
        h = hashlib.sha256(PARSER_VERSION.encode() + (self._names or "").encode())
        for raw in batch:
            h.update(raw.key.encode() + b"\0" + hashlib.sha256(raw.data).digest())
        key = f"{batch[0].key}..{batch[-1].key}" if batch else "empty"
        unit = Unit(key=key, digest=h.hexdigest(), records=[], skipped=Counter(skipped))
        if skip(key, unit.digest):
            return unit
        for raw in batch:
            unit.add(lambda: self.parse(raw, unit.skipped))  # noqa: B023 (called at once)
            raw.data = b""  # parsed: the bytes are no longer needed
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
        except (*MESSAGE_ERRORS, AssertionError) as exc:
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
        thread_key, parent = thread_of(native_id, refs, in_reply)
        author = _person(*_address(_header(msg, "From")))
        recipients = []
        for hname in ("To", "Cc"):
            for name, addr in email.utils.getaddresses([_header(msg, hname)]):
                p = _person(name, addr.lower())
                if p is not None:
                    recipients.append(p)
        folder = _header(msg, "X-Folder").replace("\\", "/").strip("/") or raw.folder
        if self.scrubber is None:
            conv = ConversationRecord(NAMESPACE, f"{self.name}:{folder}", ConversationKind.MAIL_FOLDER,
                                      folder.rsplit("/", 1)[-1] or folder)
        else:
            fid, fname = self.scrubber.folder(self.name, folder)
            conv = ConversationRecord(NAMESPACE, fid, ConversationKind.MAIL_FOLDER, fname)
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
        if self.max_chars is not None:
            rec.truncate(self.max_chars)
        if self.scrubber is not None:
            pairs = _header_people(msg)
            pairs += [(p.display_name or "", p.email or "") for p in [author, *recipients] if p is not None]
            people = self.scrubber.people(pairs, _raw_headers(msg, _NOTES_HEADERS), [body[:_SCAN_CHARS]])
            self.scrubber.scrub_record(rec, people)
        rec.meta = {"split_method": split.method, "has_signature": bool(split.signature),
                    "references": refs[-10:], "list": bool(msg.get("List-Id"))}
        attachments = [p.get_filename() for p in msg.iter_attachments()] if msg.is_multipart() else []
        if attachments:
            rec.meta["attachments"] = [a for a in attachments if a][:20]
        return rec
