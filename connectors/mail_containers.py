"""Mailbox containers -> raw messages: mbox, a single .eml, a folder of RFC 822 files, maildir, PST.

Reading is bounded: an mbox is split in pieces of at most 1 MB exactly as the standard library splits
it, a message over the size limit is counted and never held, files are checked by size before they are
read, and a symlink that leads out of a mailbox folder is counted and not followed.
"""

from __future__ import annotations

import email.utils
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

from .base import ConnectorError


class MailboxError(ConnectorError):
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


def iter_raw(path: Path, fmt: str, skipped: Counter[str], max_bytes: int = 25_000_000) -> Iterator[RawMail]:
    """Yield raw messages in a stable order. A message over `max_bytes` is counted ("too large") and never
    read whole; a symlink leading out of a mailbox folder is counted and not followed."""
    if fmt == "mbox":
        for i, data in _iter_mbox(path, max_bytes):
            if data is None:
                skipped["too large"] += 1
            else:
                yield RawMail(f"{i:07d}", path.stem, data)
    elif fmt == "eml":
        data = _read_capped(path, max_bytes, skipped)
        if data is not None:
            yield RawMail("0000000", path.parent.name or "mail", data)
    elif fmt == "maildir":
        yield from _iter_maildir(path, path.name or "INBOX", skipped, max_bytes, path.resolve())
    elif fmt == "folder":
        root = path.resolve()
        for f in sorted(p for p in path.rglob("*") if not p.name.startswith(".")):
            if not _inside(f, root, skipped) or not f.is_file():
                continue
            try:
                with f.open("rb") as fh:
                    head = fh.read(4096)
            except OSError:
                skipped["unreadable file"] += 1
                continue
            if not _looks_like_headers(head):
                skipped["not an e-mail file"] += 1
                continue
            data = _read_capped(f, max_bytes, skipped)
            if data is not None:
                yield RawMail(f.relative_to(path).as_posix(), f.parent.relative_to(path).as_posix() or path.name, data)
    elif fmt == "pst":
        yield from _iter_pst(path, skipped)


def _inside(p: Path, root: Path, skipped: Counter[str]) -> bool:
    """False (and counted) for a symlink that leads outside the mailbox folder."""
    if p.is_symlink() and not p.resolve().is_relative_to(root):
        skipped["symlink leading outside the mailbox"] += 1
        return False
    return True


def _read_capped(path: Path, max_bytes: int, skipped: Counter[str]) -> bytes | None:
    """A file's bytes, or None (counted) when it is over `max_bytes` or unreadable; never reads more."""
    try:
        if path.stat().st_size > max_bytes:
            skipped["too large"] += 1
            return None
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)  # a file that grew since
    except OSError:
        skipped["unreadable file"] += 1
        return None
    if len(data) > max_bytes:
        skipped["too large"] += 1
        return None
    return data


def _iter_mbox(path: Path, max_bytes: int, piece: int = 1 << 20) -> Iterator[tuple[int, bytes | None]]:
    """(index, bytes) of each message of an mbox, split exactly as the standard library's mailbox.mbox
    does (every line starting with "From " starts a message; the blank line before it is not part of the
    previous one), but read in pieces of at most `piece` bytes: a message over `max_bytes` comes back as
    None without being held, and a huge line is never read whole."""
    index = -1
    parts: list[bytes] | None = None
    size = 0
    in_message = in_from_line = last_was_empty = False
    at_line_start = True

    def finish() -> tuple[int, bytes | None]:
        if parts is None or size - (1 if last_was_empty else 0) > max_bytes:
            return index, None
        data = b"".join(parts)
        return index, data[:-1] if last_was_empty else data

    with path.open("rb") as fh:
        while True:
            chunk = fh.readline(piece)
            if not chunk:
                break
            line_start, at_line_start = at_line_start, chunk.endswith(b"\n")
            if line_start and chunk.startswith(b"From "):
                if in_message:
                    yield finish()
                index, parts, size = index + 1, [], 0
                in_message, in_from_line, last_was_empty = True, not at_line_start, False
                continue
            if in_from_line:  # the rest of an overlong From_ line
                in_from_line = not at_line_start
                continue
            if in_message and parts is not None:
                parts.append(chunk)
                size += len(chunk)
                if size > max_bytes + 1:
                    parts = None  # too large: keep counting lines, drop the bytes
            last_was_empty = line_start and chunk == b"\n"
    if in_message:
        yield finish()


def _iter_maildir(path: Path, folder: str, skipped: Counter[str], max_bytes: int, root: Path) -> Iterator[RawMail]:
    """A maildir's messages (new/ and cur/, keyed like mailbox.Maildir), then its .subfolders."""
    entries: dict[str, Path] = {}
    for box in ("new", "cur"):
        d = path / box
        if not _inside(d, root, skipped) or not d.is_dir():
            continue
        for entry in d.iterdir():
            if entry.name.startswith(".") or entry.is_dir() or not _inside(entry, root, skipped):
                continue
            entries[entry.name.split(":")[0]] = entry
    for key in sorted(entries):
        data = _read_capped(entries[key], max_bytes, skipped)
        if data is not None:
            yield RawMail(f"{folder}/{key}", folder, data)
    for sub in sorted(p for p in path.iterdir() if len(p.name) > 1 and p.name.startswith(".") and p.is_dir()):
        if _inside(sub, root, skipped):
            yield from _iter_maildir(sub, sub.name[1:], skipped, max_bytes, root)


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
