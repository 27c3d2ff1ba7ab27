"""The one ingest driver: any connector (connectors.base.Connector) into the store, resumable."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from .ingest import IngestReport, IngestWriter
from .schema import Conversation, ExternalId, Message

if TYPE_CHECKING:  # the core imports connectors only inside the stages that run them
    from connectors.base import Connector


def _stored_ids(engine: Engine, namespace: str) -> Any:
    """For API connectors: the native ids the store holds in a conversation (top-level messages, or one
    thread's replies) sent at or after a time, not already deleted."""
    def stored(conv_native_id: str, thread_key: str | None, since: float) -> set[str]:
        with Session(engine) as s:
            q = (select(Message.native_id).join(Conversation, Conversation.id == Message.conversation_id)
                 .where(Message.namespace == namespace, Conversation.native_id == conv_native_id,
                        Message.deleted == sa.false(), Message.sent_at >= datetime.fromtimestamp(since, UTC)))
            if thread_key is None:
                q = q.where(Message.parent_native_id.is_(None))  # type: ignore[union-attr]
            else:
                q = q.where(Message.thread_key == thread_key, Message.parent_native_id.is_not(None))  # type: ignore[union-attr]
            return set(s.exec(q).all())
    return stored


class _StoreCheckpoints:
    """What a connector may ask the store while it pulls (connectors.base.Checkpoints), for one source."""

    def __init__(self, engine: Engine, writer: IngestWriter, namespace: str | None):
        self.engine, self.writer, self.namespace = engine, writer, namespace
        self._state: dict[str, Any] | None = None

    def is_done(self, key: str, digest: str) -> bool:
        return self.writer.is_done(key, digest)

    def state(self, key: str) -> dict[str, Any]:
        if self._state is None:  # read once, before the first unit is written
            self._state = self.writer.source_state()
        return self._state.get(key, {})

    def stored(self, conv_native_id: str, thread_key: str | None, since: float) -> set[str]:
        if self.namespace is None:
            raise RuntimeError("stored() needs the source's message namespace")
        return _stored_ids(self.engine, self.namespace)(conv_native_id, thread_key, since)

    def known(self, external_id: str) -> bool:
        with Session(self.engine) as s:
            return s.get(ExternalId, (self.writer.source_id, external_id)) is not None


def pull_into_store(engine: Engine, writer: IngestWriter, connector: Connector, label: str, progress: bool,
                    total: int | None = None, namespace: str | None = None) -> IngestReport:
    """The one ingest driver: a connector's units, written to the store as they come, with progress."""
    from .pipeline import _progress  # the progress bar every stage shares

    units = connector.pull(_StoreCheckpoints(engine, writer, namespace))
    return writer.write_units(_progress(units, total, label, progress))
