"""Forwarded originals in the store (issue 16, item 2): a forward whose original no stored message matches points
at a row built for that original (kind "forwarded"). The row holds no text; it is read from a forward that
carries it, so retention, erasure and opt-out, which act on the forward, act on it too."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from .schema import Message
from .store import as_utc, upsert

if TYPE_CHECKING:
    from analysis.chain_forwards import Withheld


def carried_text(m: Message) -> str:
    """The text of the originals a message forwards or shares (its quoted blocks of those kinds)."""
    return carried_block(m.quoted)


def copy_time(relation: str, forwarded: str, root_at: datetime, copy_at: datetime) -> datetime:
    """The time a copy's relative dates are read at: a forward (or share) quotes its original word for word, so
    its "next week" is the original's; anywhere else, the copy's own time."""
    return root_at if relation == "forward" and forwarded else copy_at


CARRIED = "#carried"  # Embedding.model suffix of a forward's carried original's vector (pipeline.score_batch)
FORWARDED = "forwarded"  # Message.kind and namespace of a forwarded original no stored message matches (analysis/chain_forwards.py)
Texts = dict[str, tuple[str, str, datetime]]  # message id -> (text, forwarded text, sent at)


def store_forwarded_originals(s: Session, edges: list[Any], texts: Texts) -> Callable[[str], int]:
    """A message row for each forwarded original the edges name that no stored message matched, so an edge can
    point at it; returns the store id of any edge end. The row holds no text (only its time, place and a key made
    from its words): its text is read from the forward that carries it (`stored_texts`), so retention, erasure and
    opt-out, which act on the forward, act on it too, and a row no forward carries any more is dropped. Its kind
    and namespace are "forwarded": it is no one's authored message, no statistic counts it, and no connector's
    sync sees it. One row per original whichever chunk or source its forwards are in: its time is the earliest its
    forwards give (never after any of them), its place the earliest forward's of this rebuild."""
    from analysis.chain_forwards import FORWARDED_PREFIX, is_forwarded_original

    carrier = {e.parent: int(e.child) for e in reversed(edges) if is_forwarded_original(e.parent)}  # the earliest
    if not carrier:
        return int
    forwards = {m.id: m for m in s.exec(select(Message).where(col(Message.id).in_(sorted(set(carrier.values())))))}
    keys = sorted(carrier)
    stored = {m.native_id: m for m in s.exec(select(Message).where(
        Message.namespace == FORWARDED, col(Message.native_id).in_(keys)))}
    rows = []
    for key in keys:
        m, at = forwards[carrier[key]], texts[key][2]
        old = stored.get(key)
        if old is not None:
            old.sent_at = min(old.sent_at, at, key=as_utc)
            old.conversation_id, old.source_id = m.conversation_id, m.source_id
            s.add(old)
            continue
        rows.append(dict(namespace=FORWARDED, native_id=key, source_id=m.source_id, conversation_id=m.conversation_id,
                         sent_at=at, kind=FORWARDED, quoted=[], meta={}, word_count=0, is_bot=False, version_ts=0.0,
                         deleted=False, truncated=False, content_hash=key.removeprefix(FORWARDED_PREFIX)))
    upsert(s, Message, rows, keys=["namespace", "native_id"])
    s.flush()
    ids = {nid: int(mid) for mid, nid in s.exec(select(Message.id, Message.native_id).where(  # type: ignore[arg-type]
        Message.namespace == FORWARDED, col(Message.native_id).in_(keys)))}
    return lambda x: ids[x] if x in ids else int(x)


_LABEL = re.compile(r"p_[0-9a-f]{16}")  # a person's pseudonym in stored text (pseudonym.Pseudonymizer.person_id)


def withheld(s: Session, nodes: list[Any] | None, until: datetime | None) -> Withheld:
    """What chains may not read because its author opted out (analysis/chain_forwards.Withheld): the stored
    messages of any age (a forward of one must not rebuild it from the forwarded block), and whether a forwarded
    block's sender lines name an opted-out person, by the pseudonym of one of their identities (the name or the
    address a mail header gives) or, where the store keeps identities (store_identities), by their name or
    address, as `person forget` finds them: for an original the store does not hold. Read only when one of
    `nodes` carries a forward (None: always)."""
    from analysis.chain_forwards import Withheld, carries_a_forward

    from .schema import Person, PersonAlias

    if nodes is not None and not any(carries_a_forward(n) for n in nodes):
        return Withheld()
    people = s.exec(select(Person).where(Person.opted_out == sa.true())).all()
    if not people:
        return Withheld()
    q = select(Message.sent_at, Message.text).join(Person, col(Person.id) == col(Message.author_id)).where(
        Person.opted_out == sa.true(), Message.kind == "authored", col(Message.text).is_not(None))
    if until is not None:
        q = q.where(Message.sent_at < until)
    texts = [(as_utc(at), text or "") for at, text in s.exec(q)]
    aliases = s.exec(select(PersonAlias.alias).where(col(PersonAlias.person_id).in_([p.id for p in people]))).all()
    labels = {"p_" + a[:16] for a in aliases} | {p.id for p in people}
    names = sorted({x for p in people for x in (p.display_name, p.email) if x}, key=len, reverse=True)
    named = re.compile(r"(?<![\w.])(?:" + "|".join(map(re.escape, names)) + r")(?![\w])", re.I) if names else None

    def sender(lines: str) -> bool:
        return any(x in labels for x in _LABEL.findall(lines)) or (named is not None and bool(named.search(lines)))

    return Withheld(texts, sender)


def carried_to_embed(quoted: list[Any] | None, held: Callable[[], Withheld]) -> str:
    """The original a message forwards, as `analyze` embeds it (chain_forwards.carried_body): nothing when an
    opted-out person wrote it (`held`, read once a run when needed): their words are never embedded."""
    from analysis.chain_forwards import carried_body, holds_withheld

    block = carried_block(quoted)
    body = carried_body(block)
    return "" if not body or holds_withheld(block, held()) else body


_HELD: dict[tuple[Any, ...], Withheld] = {}


def withheld_now(s: Session) -> Withheld:
    """`withheld(s, None, None)`, read again only when who opted out or what they wrote changed: `analyze` asks
    once per group of messages."""
    from .schema import Person

    wrote = s.exec(select(sa.func.count(), sa.func.max(Message.id)).join(
        Person, col(Person.id) == col(Message.author_id)).where(Person.opted_out == sa.true())).one()
    key = (str(s.get_bind().engine.url), opted_out_digest(s), *wrote)
    if key not in _HELD:
        _HELD.clear()
        _HELD[key] = withheld(s, None, None)
    return _HELD[key]


def drop_vectors_of_deleted(s: Session, keys: list[tuple[str, str]]) -> None:
    """When a deletion is written (an ingest, a sync, the bot's event): the message's vectors and their sentences
    go with its text (`drop_stale_vectors` sweeps, once, what an older store kept)."""
    from .schema import Embedding

    by_ns: dict[str, list[str]] = {}
    for ns, nid in keys:
        by_ns.setdefault(ns, []).append(nid)
    for ns, nids in by_ns.items():
        for i in range(0, len(nids), 500):
            s.connection().execute(sa.delete(Embedding.__table__).where(  # type: ignore[attr-defined]
                col(Embedding.message_id).in_(select(Message.id).where(
                    Message.namespace == ns, col(Message.native_id).in_(nids[i:i + 500]),
                    Message.deleted == sa.true()))))


CARRIED_CHECKED = "carried_vectors_opt_out_digest"  # Meta key: who had opted out when carried vectors were checked


DELETED_SWEPT = "deleted_messages_vectors_swept"  # Meta key: an older store's deleted messages lost their vectors


def drop_stale_vectors(engine: Engine) -> int:
    """After each ingest and before each analysis. Once per store, the vectors of messages deleted before a
    deletion dropped them as it was written (`drop_vectors_of_deleted`). And, when who opted out changed since the
    last check, the carried vectors (CARRIED) of forwards that carry an opted-out person's words (embedded before
    they opted out) or no block any more. Returns the rows deleted."""
    from analysis.chain_forwards import carried_body, holds_withheld

    from .schema import Embedding, Meta

    with Session(engine) as s:
        conn, n = s.connection(), 0
        if s.get(Meta, DELETED_SWEPT) is None:
            n = conn.execute(sa.delete(Embedding.__table__).where(  # type: ignore[attr-defined]
                col(Embedding.message_id).in_(select(Message.id).where(Message.deleted == sa.true())))).rowcount or 0
            upsert(s, Meta, [dict(key=DELETED_SWEPT, value="1")], keys=["key"])
        digest = opted_out_digest(s)
        checked = s.get(Meta, CARRIED_CHECKED)
        if (checked.value if checked else "") != digest:
            rows = s.exec(select(Message.id, Message.quoted).join(Embedding, col(Embedding.message_id) == col(
                Message.id)).where(col(Embedding.model).like("%" + CARRIED))).all()
            held = withheld(s, None, None)
            stale = [mid for mid, quoted in rows if not carried_body(block := carried_block(quoted)) or
                     holds_withheld(block, held)]
            for i in range(0, len(stale), 900):
                n += conn.execute(sa.delete(Embedding.__table__).where(  # type: ignore[attr-defined]
                    col(Embedding.message_id).in_(stale[i:i + 900]),
                    col(Embedding.model).like("%" + CARRIED))).rowcount or 0
            upsert(s, Meta, [dict(key=CARRIED_CHECKED, value=digest)], keys=["key"])
        s.commit()
    return int(n)


def carried_block(quoted: Sequence[Any] | None) -> str:
    """The forwarded and shared blocks of a message's quoted column (carried_text, on a row's column)."""
    return "\n".join(str(q.get("text") or "") for q in quoted or []
                     if isinstance(q, dict) and q.get("kind") in ("forward", "share"))


def opted_out_digest(s: Session) -> str:
    """Who opted out, as a short hash: a chunk's forwards are read anew when it changes (`withheld`'s senders
    may name someone who wrote no stored message)."""
    from .schema import Person

    ids = sorted(s.exec(select(Person.id).where(Person.opted_out == sa.true())).all())
    return hashlib.sha1("|".join(ids).encode()).hexdigest()[:12] if ids else ""


def rehome_forwarded_originals(s: Session, conversations: list[int]) -> None:
    """Before mail folders are dropped: a forwarded original's row placed in one moves to the conversation of a
    forward that carries it, or goes when none does."""
    from .schema import DerivationEdge

    rows = s.exec(select(Message).where(Message.kind == FORWARDED, col(Message.conversation_id).in_(conversations)))
    for row in list(rows):
        home = s.exec(select(Message.conversation_id).join(
            DerivationEdge, col(DerivationEdge.child_id) == col(Message.id)).where(
            DerivationEdge.parent_id == row.id, col(Message.conversation_id).not_in(conversations))).first()
        if home is None:
            s.delete(row)
        else:
            row.conversation_id = home
            s.add(row)


def drop_unused_forwarded_originals(s: Session) -> None:
    """Forwarded-original rows no edge points at any more (their forward was deleted, erased, emptied by
    retention, or now matches a stored message)."""
    from .schema import DerivationEdge, FactLoss

    used = sa.union(select(DerivationEdge.parent_id), select(DerivationEdge.root_id), select(FactLoss.root_id))
    s.exec(sa.delete(Message).where(col(Message.kind) == FORWARDED, col(Message.id).not_in(used)))  # type: ignore[call-overload]


def stored_texts(s: Session, ids: list[int]) -> Texts:
    """(text, forwarded text, sent at) of stored messages; a forwarded original's text is read from a forward
    that carries it."""
    from analysis.chain_forwards import forwarded_original

    from .schema import DerivationEdge

    out: Texts = {}
    derived = []
    for m in s.exec(select(Message).where(Message.id.in_(ids))):  # type: ignore[union-attr]
        if m.kind == FORWARDED:
            derived.append(m)
        else:
            out[str(m.id)] = (m.text or "", "", m.sent_at)
    for d in derived:
        carriers = select(Message).join(DerivationEdge, col(DerivationEdge.child_id) == col(Message.id)).where(
            DerivationEdge.parent_id == d.id, DerivationEdge.method == "forward-block", col(Message.text).is_not(None))
        for fwd in s.exec(carriers):
            o = forwarded_original(_node_of(fwd))
            if o is not None and o.id == d.native_id:
                out[str(d.id)] = (o.text, "", d.sent_at)
                break
        else:
            out[str(d.id)] = ("", "", d.sent_at)
    return out


def _node_of(m: Message) -> Any:
    """A bare chain node for one stored message (its text and the originals it carries)."""
    from analysis.chains import Node

    return Node(str(m.id), as_utc(m.sent_at), str(m.conversation_id), m.author_id, m.text or "", m.word_count,
                forwarded_text=carried_text(m), lang=m.language)
