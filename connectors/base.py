"""The contract every source implements, and the one error the CLI reports for all of them.

A connector reads one source (a Slack export, the Slack Web API, Microsoft Graph mail, mailbox files) and
yields `Unit`s: batches of normalised records, each with a key and a digest so an interrupted ingest
resumes where it stopped. What it may ask of the store while it reads comes in a `Checkpoints`.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol, runtime_checkable

from slopradar.ingest import Unit
from slopradar.records import ConversationKind

__all__ = ["Checkpoints", "Connector", "ConnectorError", "ConversationKind"]


class ConnectorError(Exception):
    """A source cannot be read or synced. The message is one line that says what to fix, and never holds a
    token, password or secret."""


class Checkpoints(Protocol):
    """What a connector may ask the store while it reads (given by the ingest driver)."""

    def is_done(self, key: str, digest: str) -> bool:
        """True when the unit `key` was written with this digest: skip it."""
        ...

    def state(self, key: str) -> dict[str, Any]:
        """The sync state saved with the unit `key` (cursors, high-water marks); {} the first time."""
        ...

    def stored(self, conv_native_id: str, thread_key: str | None, since: float) -> set[str]:
        """Native ids the store holds in a conversation (top level, or one thread's replies) since a time."""
        ...

    def known(self, external_id: str) -> bool:
        """True when the store holds a message under this source-side id (Graph ids)."""
        ...


@runtime_checkable
class Connector(Protocol):
    """One source. `source_kind` is the Source.kind stored ("slack_export", "slack_api", "outlook", "mailbox");
    `source_name` names this source among others of its kind; `pull` yields its units in order."""

    source_kind: str

    @property
    def source_name(self) -> str: ...

    def pull(self, checkpoints: Checkpoints) -> Iterator[Unit]: ...
