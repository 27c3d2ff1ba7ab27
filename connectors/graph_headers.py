"""What a Graph message's headers say: its internet headers as the email package reads them, and its reply
depth from conversationIndex."""

from __future__ import annotations

import base64
import binascii
import email.message
import re
from typing import Any

CONVERSATION_INDEX_HEADER = 22  # bytes; each reply level adds a 5-byte block (MS-OXOMSG 2.2.1.3)


def reply_depth(index: Any) -> int | None:
    """Reply levels below the conversation's first message, from Graph's conversationIndex; None if unknown."""
    if not isinstance(index, str) or not index:
        return None
    try:
        raw = base64.b64decode(index, validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) < CONVERSATION_INDEX_HEADER:
        return None
    return (len(raw) - CONVERSATION_INDEX_HEADER) // 5


def header_text(value: Any) -> str:
    """A value the email package accepts as a header: it cannot take lone surrogates (the stored text keeps
    them for the writer, which replaces and counts them)."""
    return re.sub("[\ud800-\udfff]", "\ufffd", str(value))


def internet_headers(item: dict[str, Any], mime: email.message.EmailMessage | None) -> email.message.EmailMessage:
    """A Graph message's internet headers (a Sent Items copy: from its MIME content), those the email
    package refuses left out."""
    headers = email.message.EmailMessage()
    for h in item.get("internetMessageHeaders") or []:
        if isinstance(h, dict) and h.get("name"):
            try:
                headers[header_text(h["name"])] = header_text(h.get("value") or "")
            except (ValueError, TypeError, AttributeError, LookupError):
                continue
    if mime is not None:  # a Sent Items copy: its headers from its MIME content
        for name, value in mime.items():
            if name.lower() in ("subject", "from", "to", "cc", "date"):
                continue  # the properties say these
            try:
                headers[header_text(name)] = header_text(str(value))
            except (ValueError, TypeError, AttributeError, LookupError):
                continue
    return headers
