"""The derivation stage: chain-building nodes from the store, thread keys, and the incremental rebuild of
derivation edges and fact-loss records by 30-day chunks (analysis/chains.py decides the edges; this module reads
and writes the store)."""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from .config import Settings
from .forwarded import (
    CARRIED, Texts, carried_text, copy_time, drop_unused_forwarded_originals, opted_out_digest, store_forwarded_originals,
    stored_texts, withheld,
)
from .schema import Conversation, Message, Person
from .store import as_utc, times_sum, upsert


def chain_nodes(s: Session, settings: Settings, since: datetime | None = None,
                until: datetime | None = None) -> tuple[list[Any], dict[str, Any]]:
    """Chain-building nodes for the authored messages sent in [since, until): text, time,
    conversation, embedding, shares and forwarded blocks, and who could read each one."""
    from analysis.chain_forwards import carried_body, carried_key
    from analysis.chains import Node
    from analysis.embeddings import model_name

    model = model_name(settings.embedding_model)
    convs = {c.id: c for c in s.exec(select(Conversation))}
    cond = _chain_messages()
    if since is not None:
        cond.append(Message.sent_at >= since)
    if until is not None:
        cond.append(Message.sent_at < until)
    msgs = s.exec(select(Message).join(Person, Person.id == Message.author_id).where(*cond)).all()
    vecs = {mid: v for mid, (v, _key) in _vectors(s, [m.id for m in msgs], model).items()}
    forwarded_of = {m.id: carried_text(m) for m in msgs}
    # a forward's carried original's own vector (pipeline.score_batch), when it was made from the block as read
    # now (a header parser changed since: not used)
    carried = {mid: v for mid, (v, key) in _vectors(s, [i for i, t in forwarded_of.items() if t],
                                                    model + CARRIED).items()
               if (body := carried_body(forwarded_of[mid])) and key == carried_key(body)}
    key = {(m.namespace, m.native_id): m.id for m in msgs}
    thread = _threads(msgs)
    nodes, by_id = [], {}
    for m in msgs:
        conv = convs[m.conversation_id]
        refs = (m.meta.get("shares") or []) + (m.meta.get("permalinks") or [])
        shares = [str(key[(m.namespace, f"{r['channel']}:{r['ts']}")]) for r in refs
                  if (m.namespace, f"{r['channel']}:{r['ts']}") in key]
        forwarded = forwarded_of[m.id]
        # public channels are readable by the whole workspace; private ones, DMs and mail are not
        readers = set(conv.members or [])
        audience = readers if conv.kind in ("private", "dm", "mpim") else set()
        if m.meta.get("recipients"):
            audience = readers = set(m.meta["recipients"]) | {m.author_id}
        node = Node(str(m.id), m.sent_at, str(m.conversation_id), m.author_id, m.text or "", m.word_count,
                    vecs.get(m.id), shares, forwarded, audience, m.language, conv.name or "", readers,
                    thread.get(m.id), carried.get(m.id))
        nodes.append(node)
        by_id[node.id] = (m, node)
    return nodes, by_id


def _vectors(s: Session, ids: list[Any], model: str) -> dict[int, tuple[Any, str]]:
    """message id -> (vector, content hash) of the given messages' Embedding rows of one model name."""
    import numpy as np

    from .schema import Embedding

    out: dict[int, tuple[Any, str]] = {}
    for i in range(0, len(ids), 900):
        out.update({mid: (np.frombuffer(v, dtype=np.float32), key) for mid, v, key in s.exec(
            select(Embedding.message_id, Embedding.vector, Embedding.content_hash).where(
                Embedding.model == model, Embedding.message_id.in_(ids[i:i + 900])))})  # type: ignore[attr-defined]
    return out


# "Re:", "AW:", "SV:", "Réf :" and list tags ("[Numpy-discussion]") before a subject; a forward's "Fw:" stays
_REPLY_PREFIX = re.compile(r"^\s*(?:\[[^\]]{1,60}\]\s*|(?:re|aw|sv|antw|r[ée]f)\s*(?:\[\d+\]|\(\d+\))?\s*:\s*)", re.I)


def _subject_key(subject: str | None) -> tuple[str, bool]:
    """The subject without reply prefixes and list tags (lower case), and whether it had a reply prefix."""
    s, reply = subject or "", False
    while True:
        m = _REPLY_PREFIX.match(s)
        if not m:
            break
        reply = reply or not m.group(0).lstrip().startswith("[")
        s = s[m.end():]
    # without spaces and cut at 40 characters: list archives refold long subjects ("doing the\n same", "thesame")
    return "".join(s.lower().split())[:40], reply


def _threads(msgs: list[Any]) -> dict[int, str]:
    """Thread of each message: Slack thread_ts, mail References / In-Reply-To (joined transitively), and a
    mail reply ("Re: subject") that names no parent joins the latest earlier message with that subject.
    Messages of one mail folder or list with the same subject (reply prefixes and list tags aside) are one
    thread: list archives often drop In-Reply-To. A reply in its parent's thread answers it; it is not a copy
    (analysis/chains.py). A forward ("Fw: subject") starts a thread of its own."""
    root: dict[tuple[str, str], tuple[str, str]] = {}

    def find(k: tuple[str, str]) -> tuple[str, str]:
        path = []
        while root.get(k, k) != k:
            path.append(k)
            k = root[k]
        for q in path:
            root[q] = k
        return k

    def union(a: tuple[str, str], b: tuple[str, str]) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            root[ra] = rb

    last: dict[tuple[str, str], str] = {}
    first: dict[tuple[str, int, str], str] = {}
    for m in sorted(msgs, key=lambda m: m.sent_at):
        me = (m.namespace, m.native_id)
        for other in (m.thread_key, m.parent_native_id):
            if other:
                union(me, (m.namespace, other))
        subject, reply = _subject_key(m.subject)
        if subject and subject != "nosubject":
            here = (m.namespace, m.conversation_id, subject)
            if here in first:
                union(me, (m.namespace, first[here]))
            else:
                first[here] = m.native_id
            if reply and not m.parent_native_id and (m.namespace, subject) in last:
                union(me, (m.namespace, last[(m.namespace, subject)]))
            last[(m.namespace, subject)] = m.native_id
    return {m.id: "\x1f".join(find((m.namespace, m.native_id))) for m in msgs}


def _chain_messages() -> list[Any]:
    """The messages chains are built from (a query joined with Person): authored, not deleted, with text,
    by people who have not opted out."""
    return [Message.kind == "authored", Message.deleted == sa.false(), Message.text.is_not(None),  # type: ignore[union-attr]
            Person.opted_out == sa.false()]


CHAIN_CHUNK = timedelta(days=30)
CHAIN_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # chunks start at fixed times, so a chunk's inputs stay comparable


def _chunk_start(t: datetime) -> datetime:
    return CHAIN_EPOCH + CHAIN_CHUNK * ((as_utc(t) - CHAIN_EPOCH) // CHAIN_CHUNK)


def _chunk_key(start: datetime) -> str:
    return f"chains:{start.date().isoformat()}"


def _chain_fingerprints(s: Session, settings: Settings, version: str, starts: list[datetime]) -> dict[str, str]:
    """What each chunk's edges depend on: the chain code, the embedding model, and the messages of its window
    (ids, versions, embeddings present, quoted blocks; deleted, emptied and opted-out messages drop out), plus
    member lists."""
    from analysis.chains import WINDOW
    from analysis.embeddings import model_name

    from .schema import Embedding

    model = model_name(settings.embedding_model)
    carried = aliased(Embedding)
    convs = s.exec(select(sa.func.count(), sa.func.sum(Conversation.member_count))).one()
    opted = opted_out_digest(s)  # who opted out: a forward's block may name them as its original's sender
    out = {}
    for a in starts:
        row = s.exec(
            select(sa.func.count(), sa.func.sum(Message.id), times_sum(Message.version_ts),
                   sa.func.sum(Message.word_count), sa.func.count(Embedding.message_id),
                   sa.func.count(carried.message_id),  # a forward's carried original's vector (forwarded.CARRIED)
                   # quoted and forwarded blocks: `person forget` scrubs them in others' messages
                   sa.func.sum(sa.func.length(sa.cast(Message.quoted, sa.Text))))
            .join(Person, Person.id == Message.author_id)
            .outerjoin(Embedding, sa.and_(Embedding.message_id == Message.id, Embedding.model == model))
            .outerjoin(carried, sa.and_(carried.message_id == Message.id, carried.model == model + CARRIED))
            .where(*_chain_messages(), Message.sent_at >= a - WINDOW, Message.sent_at < a + CHAIN_CHUNK)
        ).one()
        # ... and what opted-out authors wrote before its end: a forward of it must not be rebuilt from its block
        held = s.exec(select(sa.func.count(), sa.func.sum(Message.id)).join(Person, Person.id == Message.author_id)
                          .where(Person.opted_out == sa.true(), Message.kind == "authored",
                                 Message.text.is_not(None),  # type: ignore[union-attr]
                                 Message.sent_at < a + CHAIN_CHUNK)).one()
        out[_chunk_key(a)] = "|".join(str(x) for x in (version, model, *row, *convs, *held, opted))
    return out


def build_chains(engine: Engine, settings: Settings, map_chunks: ChunkMapper | None = None) -> dict[str, Any]:
    """Derivation edges, chains and fact-loss records from the stored messages and embeddings (incremental).

    Messages are read 30 days at a time with the 21 days before them (the longest gap between a copy
    and its parent), so memory stays bounded however large the store. Each 30-day chunk's inputs are
    fingerprinted; from the first chunk whose inputs changed (new, edited, deleted or opted-out messages,
    new embeddings, other member lists, other chain code), edges are rebuilt and the fingerprints stored in
    the same transaction; earlier edges are kept (a parent is never later than its copy, so a kept edge's
    chain cannot change). A second run with nothing new does no work. `map_chunks` decides where each chunk's
    edges are found (default: here, one after the other); chains and fact records are then written here.
    """
    from analysis.chains import chains_version
    from analysis.embeddings import model_profile

    from .schema import DerivationEdge, FactLoss, Meta

    with Session(engine) as s:
        first, last = s.exec(select(sa.func.min(Message.sent_at), sa.func.max(Message.sent_at))
                             .join(Person, Person.id == Message.author_id).where(*_chain_messages())).one()
        starts = []
        if first is not None:
            a = _chunk_start(first)
            while a <= as_utc(last):
                starts.append(a)
                a += CHAIN_CHUNK
        fps = _chain_fingerprints(s, settings, chains_version(profile=model_profile(settings.embedding_model),
                                                      cross_language=settings.cross_language_embedding), starts)
        stored = {m.key: m.value for m in s.exec(select(Meta).where(Meta.key.like("chains:%")))}  # type: ignore[attr-defined]
    changed = [a for a in starts if stored.get(_chunk_key(a)) != fps[_chunk_key(a)]]
    stale = sorted(set(stored) - set(fps))  # chunks that no longer hold any message
    changed += [datetime.fromisoformat(k.removeprefix("chains:")).replace(tzinfo=UTC) for k in stale]
    summary: dict[str, Any] = {"chunks": len(starts), "chunks_rebuilt": 0}
    if changed:
        since = min(changed)
        summary["chunks_rebuilt"] = sum(1 for a in starts if a >= since)
        _rebuild_chains_since(engine, settings, since, [a for a in starts if a >= since], fps, stale, map_chunks)
    with Session(engine) as s:
        edges = s.exec(select(sa.func.count(), sa.func.count(sa.distinct(DerivationEdge.root_id)),
                              sa.func.sum(sa.cast(DerivationEdge.summary_of_summary, sa.Integer)))).one()
        losses = dict(s.exec(select(FactLoss.status, sa.func.count()).where(FactLoss.critical)
                             .group_by(FactLoss.status)).all())
    summary.update(edges=edges[0], chains=edges[1], summary_of_summary=int(edges[2] or 0),
                   critical_facts_lost=losses.get("lost", 0), critical_facts_distorted=losses.get("distorted", 0))
    return summary


@functools.lru_cache(maxsize=1)
def _fact_judge() -> Callable[[str, str], float] | None:
    """The learned consistency check (analysis/consistency.py), loaded once: it reads the bundled MiniLM's token
    vectors whatever embedding model the settings name, and is asked only about decisions the rules find lost."""
    from analysis.consistency import Judge
    from analysis.embeddings import load_embedder

    try:
        return Judge(load_embedder()).probability
    except (OSError, ValueError) as exc:  # no artifact or an older one: the rules still decide, at confidence 0.8
        warnings.warn(f"fact-loss judge unavailable ({exc}); run `slopradar train factloss`", stacklevel=1)
        return None


ChunkTexts = Texts  # message id -> (text, forwarded text, sent at)
# starts of 30-day chunks -> each chunk's (edges, texts of the messages in them), in any order
ChunkMapper = Callable[[list[datetime]], Iterable[tuple[list[Any], ChunkTexts]]]


def one_blas_thread() -> Any:
    """A context in which numpy's BLAS runs on one thread. Chains multiply each message's vector by the stacked
    vectors of its 21-day window (a few thousand rows): a second thread gains nothing at that size, and on a busy
    machine each product waits for a core to come free (issue 20: the 5,000 window products of the bench's messages
    took 24 s on two threads on a loaded 2-core VM, 0.3 s on one; the same edges). Set around each chunk's search,
    so every engine (local, each Ray task) and `person forget`'s rebuild run it so."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def chunk_edges(engine: Engine, settings: Settings, a: datetime) -> tuple[list[Any], ChunkTexts]:
    """The edges of the copies sent in the 30-day chunk starting at `a` (their candidates read from the 21 days
    before it too), and the texts of the messages they link. Reads the store, writes nothing: chunks are
    independent, so they may run anywhere (distributed.py runs one Ray task per chunk)."""
    from analysis.chain_forwards import forwarded_original, is_forwarded_original
    from analysis.chains import WINDOW, build_edges
    from analysis.embeddings import model_profile

    b = a + CHAIN_CHUNK
    with Session(engine) as s:
        nodes, by_id = chain_nodes(s, settings, since=a - WINDOW, until=b)
        held = withheld(s, nodes, until=b)
    edges, texts = [], {}
    with one_blas_thread():
        found = build_edges(nodes, profile=model_profile(settings.embedding_model),
                            cross_language=settings.cross_language_embedding, withheld=held)
    for e in found:
        child = by_id[e.child][1]
        if a <= as_utc(child.ts) < b:  # each child is decided in the chunk it belongs to
            edges.append(e)
            texts[e.child] = (child.text, child.forwarded_text, child.ts)
            if is_forwarded_original(e.parent):  # the node this forward's block gives (the earliest time wins)
                o = forwarded_original(child)
                if o is not None and (e.parent not in texts or o.ts < texts[e.parent][2]):
                    texts[e.parent] = (o.text, "", o.ts)
            else:
                p = by_id[e.parent][1]
                texts[e.parent] = (p.text, p.forwarded_text, p.ts)
    return edges, texts


def local_chunks(engine: Engine, settings: Settings) -> ChunkMapper:
    """The chunks one after the other, in this process."""
    return lambda starts: (chunk_edges(engine, settings, a) for a in starts)


def _rebuild_chains_since(engine: Engine, settings: Settings, since: datetime, starts: list[datetime],
                          fps: dict[str, str], stale: list[str], map_chunks: ChunkMapper | None = None) -> None:
    """Replace the edges (and their fact records) of every copy sent since `since`, in one transaction."""
    from analysis.chain_forwards import is_forwarded_original
    from analysis.chains import Edge, chain_positions
    from analysis.factloss import compare

    from .schema import DerivationEdge, FactLoss, Meta

    with Session(engine) as s:
        kept = [Edge(str(c), str(p), rel, 0.0, 0.0, 0.0, "")
                for c, p, rel in s.exec(select(DerivationEdge.child_id, DerivationEdge.parent_id, DerivationEdge.relation)
                                        .join(Message, Message.id == DerivationEdge.child_id)
                                        .where(Message.sent_at < since))]
    edges: list[Any] = []
    texts: dict[str, tuple[str, str, datetime]] = {}  # id -> (text, forwarded text, sent at), for messages in edges
    for part, part_texts in (map_chunks or local_chunks(engine, settings))(starts):
        edges += part
        for nid, t in part_texts.items():  # a forwarded original's time is the earliest its forwards give
            if nid not in texts or t[2] < texts[nid][2]:
                texts[nid] = t
    positions = chain_positions(kept + edges)
    missing = [int(positions[e.child].root) for e in edges if positions[e.child].root not in texts]
    if missing:  # a root older than the chunk that holds its copies
        with Session(engine) as s:
            texts.update(stored_texts(s, sorted(set(missing))))
    loss_rows: list[dict[str, Any]] = []
    for e in edges:
        pos = positions[e.child]
        root_text, _, root_at = texts[pos.root]
        child_text, forwarded, child_at = texts[e.child]
        # a forward of an original not stored holds it whole: its text, as the node was read from the block, too
        carried = texts[e.parent][0] if is_forwarded_original(e.parent) else ""
        copy_text = "\n".join(t for t in (child_text, forwarded, carried) if t)
        for fs in compare(root_text, copy_text, root_at, copy_time(e.relation, forwarded, root_at, child_at),
                          judge=_fact_judge()):
            f = fs.fact
            loss_rows.append(dict(copy_id=e.child, fact_key=f"{f.kind}:{f.value}:{f.polarity}",
                                  root_id=pos.root, kind=f.kind, value=f.value,
                                  text=(("not " if f.polarity == "-" else "") + f.text)[:200],
                                  critical=f.critical, status=fs.status, evidence=fs.evidence[:300],
                                  confidence=fs.confidence))
    dedup = {(r["copy_id"], r["fact_key"]): r for r in loss_rows}
    with Session(engine) as s:
        ids = store_forwarded_originals(s, edges, texts)
        edge_rows = []
        for e in edges:
            pos = positions[e.child]
            edge_rows.append(dict(child_id=ids(e.child), parent_id=ids(e.parent), relation=e.relation,
                                  confidence=e.confidence, similarity=e.similarity, compression=e.compression,
                                  method=e.method, root_id=ids(pos.root), depth=pos.depth,
                                  summary_of_summary=pos.summary_of_summary))
        for r in dedup.values():
            r.update(copy_id=ids(r["copy_id"]), root_id=ids(r["root_id"]))
        recent = select(Message.id).where(Message.sent_at >= since)
        s.exec(sa.delete(FactLoss).where(FactLoss.copy_id.in_(recent)))  # type: ignore[call-overload,attr-defined]
        s.exec(sa.delete(DerivationEdge).where(DerivationEdge.child_id.in_(recent)))  # type: ignore[call-overload,attr-defined]
        # plain executemany inserts: the rows were just deleted (and multi-row upserts compile slowly)
        if edge_rows:
            s.connection().execute(DerivationEdge.__table__.insert(), edge_rows)
        if dedup:
            s.connection().execute(FactLoss.__table__.insert(), list(dedup.values()))
        drop_unused_forwarded_originals(s)
        if stale:
            s.exec(sa.delete(Meta).where(Meta.key.in_(stale)))  # type: ignore[call-overload,attr-defined]
        upsert(s, Meta, [dict(key=_chunk_key(a), value=fps[_chunk_key(a)]) for a in starts], keys=["key"],
               update=["value"])  # a rebuilt chunk's new fingerprint (else it would rebuild every run)
        s.commit()
