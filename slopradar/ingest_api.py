"""What API connectors send besides records, written in the unit's transaction: source-side ids (Graph),
removals and moves out of a synced folder, messages gone after a full round (sweeps), and the source's state
(cursors, high-water marks)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, select

from .forwarded import drop_vectors_of_deleted
from .ingest_units import IngestReport, Unit
from .records import DELETED_VERSION
from .schema import Conversation, ExternalId, Message, Source
from .store import upsert, utcnow


def write_api_extras(s: Session, source_id: int, report: IngestReport, unit: Unit) -> None:
    """External ids, removals, inferred deletions and the source's state, in the unit's transaction."""
    if unit.external:
        rows = {e: dict(source_id=source_id, external_id=e, namespace=ns, native_id=nid)
                for e, ns, nid in unit.external}
        upsert(s, ExternalId, list(rows.values()), keys=["source_id", "external_id"],
               update=["namespace", "native_id"])
    gone: list[tuple[str, str]] = list(unit.deleted)
    if unit.removed_external:
        ext = ExternalId.__table__  # type: ignore[attr-defined]
        hits = s.exec(select(ExternalId.namespace, ExternalId.native_id).where(
            ExternalId.source_id == source_id,
            ExternalId.external_id.in_(unit.removed_external))).all()  # type: ignore[attr-defined]
        s.exec(sa.delete(ext).where(ext.c.source_id == source_id,  # type: ignore[call-overload]
                                    ext.c.external_id.in_(unit.removed_external)))
        for ns, nid in hits:  # deleted only when no other mailbox still holds the message
            if s.exec(select(sa.func.count()).select_from(ExternalId).where(
                    ExternalId.namespace == ns, ExternalId.native_id == nid)).one() == 0:
                gone.append((ns, nid))
            else:
                report.skipped["removed from one mailbox, still in another"] += 1
    for gid, conv_native_id, label in unit.moved_external:
        _moved(s, source_id, report, gid, conv_native_id, label)
    if unit.sweep is not None:
        gone += _sweep(s, source_id, report, *unit.sweep)
    if gone:
        table = Message.__table__  # type: ignore[attr-defined]
        for ns, nid in gone:
            res = s.exec(sa.update(table).where(  # type: ignore[call-overload]
                table.c.namespace == ns, table.c.native_id == nid, table.c.deleted == sa.false())
                .values(deleted=True, text=None, quoted=[], word_count=0, version_ts=DELETED_VERSION))
            report.deleted += int(res.rowcount or 0)
        drop_vectors_of_deleted(s, gone)
    if unit.state:
        src = s.get(Source, source_id)
        if src is not None:
            src.state = {**(src.state or {}), **unit.state}
            src.updated_at = utcnow()
            s.add(src)


def _moved(s: Session, source_id: int, report: IngestReport, gid: str, conv_native_id: str, label: str) -> None:
    """A message moved out of a synced conversation (a mail folder) is kept. While no synced folder holds it,
    it stays in its old conversation marked "moved_out_of_scope"; a folder that holds it re-homes it on write."""
    hit = s.exec(select(ExternalId.namespace, ExternalId.native_id).where(
        ExternalId.source_id == source_id, ExternalId.external_id == gid)).first()
    if hit is None:  # never stored (a draft, an auto-reply)
        return
    report.moved += 1
    msg = s.exec(select(Message).join(Conversation, Conversation.id == Message.conversation_id).where(  # type: ignore[arg-type]
        Message.namespace == hit[0], Message.native_id == hit[1], Conversation.native_id == conv_native_id,
        Message.deleted == sa.false())).first()
    if msg is not None:
        msg.meta = {**(msg.meta or {}), "moved_out_of_scope": label}
        s.add(msg)


def _sweep(s: Session, source_id: int, report: IngestReport, namespace: str, conv_native_id: str,
           round_id: str) -> list[tuple[str, str]]:
    """After a full round of a conversation: the messages it holds that the round did not write are gone,
    unless another mailbox still holds them (their external ids say so)."""
    rows = s.exec(select(Message.native_id, Message.meta).join(
        Conversation, Conversation.id == Message.conversation_id).where(  # type: ignore[arg-type]
        Message.namespace == namespace, Conversation.native_id == conv_native_id,
        Message.deleted == sa.false())).all()
    gone = []
    ext = ExternalId.__table__  # type: ignore[attr-defined]
    for nid, meta in rows:
        meta = meta or {}
        if meta.get("sync_round") == round_id or meta.get("moved_out_of_scope"):
            continue
        mine = meta.get("external_id")  # the id this conversation wrote it under (it wrote it last)
        if isinstance(mine, str):
            s.exec(sa.delete(ext).where(ext.c.source_id == source_id,  # type: ignore[call-overload]
                                        ext.c.external_id == mine))
        copies = s.exec(select(sa.func.count()).select_from(ExternalId).where(
            ExternalId.source_id == source_id, ExternalId.namespace == namespace,
            ExternalId.native_id == nid)).one()
        if copies > (0 if isinstance(mine, str) else 1):
            report.skipped["missing after a full round, still in another mailbox"] += 1
            continue
        s.exec(sa.delete(ext).where(ext.c.source_id == source_id,  # type: ignore[call-overload]
                                    ext.c.namespace == namespace, ext.c.native_id == nid))
        gone.append((namespace, nid))
    return gone
