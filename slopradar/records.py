"""The normalised record every connector produces, whatever the source."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

# A deletion always wins over any version of the message it deletes, whatever order they arrive in.
DELETED_VERSION = 1e15

# Reading speed, words per minute, silent reading of non-fiction: English 238 (Brysbaert 2019,
# meta-analysis of 190 studies); French 195 (Trauzettel-Klosinski et al. 2012, IReST, 17 languages).
READING_WPM = {"en": 238, "fr": 195}

_WORD = re.compile(r"\w+(?:['’-]\w+)*", re.UNICODE)


def count_words(text: str | None) -> int:
    return len(_WORD.findall(text)) if text else 0


@dataclass
class PersonRef:
    """Who wrote a message, as the source knows them. `identities` are (kind, native id) pairs;
    the first one is preferred for the pseudonym (e-mail before Slack id, so people match across sources)."""

    identities: list[tuple[str, str]]
    display_name: str | None = None
    email: str | None = None
    is_bot: bool = False


class ConversationKind(StrEnum):
    """Where a message was posted. The values are what the store holds (Conversation.kind)."""

    CHANNEL = "channel"  # a public Slack channel
    PRIVATE = "private"  # a private Slack channel
    DM = "dm"  # a Slack direct message between two people
    MPIM = "mpim"  # a Slack group direct message
    MAIL_FOLDER = "mail_folder"  # a mailbox folder (Inbox, Sent Items, ...)


@dataclass
class ConversationRecord:
    namespace: str
    native_id: str
    kind: str  # a ConversationKind value
    name: str
    members: list[PersonRef] = field(default_factory=list)

    def __post_init__(self) -> None:
        # a plain str: database drivers write an Enum member by its name (psycopg: "CHANNEL"), not its value
        self.kind = str(ConversationKind(self.kind))


@dataclass
class MessageRecord:
    namespace: str
    native_id: str
    conversation: ConversationRecord
    sent_at: datetime
    kind: str  # authored | system | bot | other
    author: PersonRef | None = None
    text: str | None = None
    subtype: str | None = None
    subject: str | None = None
    thread_key: str | None = None
    parent_native_id: str | None = None
    quoted: list[dict[str, Any]] = field(default_factory=list)
    is_bot: bool = False
    edited_at: datetime | None = None
    version_ts: float = 0.0
    deleted: bool = False
    truncated: bool = False
    recipients: list[PersonRef] = field(default_factory=list)  # e-mail To/Cc: who could have read it
    meta: dict[str, Any] = field(default_factory=dict)

    def truncate(self, max_chars: int) -> None:
        """Cut over-long authored text, and say so."""
        if self.text and len(self.text) > max_chars:
            self.text = self.text[:max_chars]
            self.truncated = True

    def content_hash(self, author_id: str | None) -> str:
        payload = json.dumps(
            [self.kind, author_id, self.subject, self.text, self.quoted, self.deleted,
             self.thread_key, self.parent_native_id, self.edited_at.isoformat() if self.edited_at else None],
            sort_keys=True, ensure_ascii=False, default=str,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()
