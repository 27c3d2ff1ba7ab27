"""A person's access right (GDPR art. 15): everything the store holds on them, as JSON they can read.
Importable from slopradar.person."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from .person import PersonError, _chunks, _iso, _people, aliases_of
from .pseudonym import Pseudonymizer
from .schema import (
    AggCell, Conversation, DerivationEdge, Embedding, FactLoss, Message, MessageScore,
    Nudge, Person, PersonAlias, Team, Tombstone,
)


# -- access (art. 15) ----------------------------------------------------------------------------------------
_ByMessage = dict[int, list[dict[str, Any]]]


def _derived_of(s: Session, mids: list[int | None]) -> tuple[_ByMessage, _ByMessage, dict[int, dict[str, Any]],
                                                       _ByMessage, _ByMessage]:
    """What the analysis derived from these messages, by message id: scores, embeddings (without the vector),
    the edge to the message each derives from, the facts of its original in it, and its own facts in copies."""
    scores: dict[int, list[dict[str, Any]]] = {}
    embeddings: dict[int, list[dict[str, Any]]] = {}
    edges: dict[int, dict[str, Any]] = {}
    facts: dict[int, list[dict[str, Any]]] = {}
    root_facts: dict[int, list[dict[str, Any]]] = {}
    for part in _chunks(mids):
        for sc in s.exec(select(MessageScore).where(MessageScore.message_id.in_(part))):  # type: ignore[attr-defined]
            scores.setdefault(sc.message_id, []).append(sc.model_dump(exclude={"message_id", "content_hash"}))
        for e in s.exec(select(Embedding).where(Embedding.message_id.in_(part))):  # type: ignore[attr-defined]
            embeddings.setdefault(e.message_id, []).append(
                {"model": e.model, "dimensions": e.dim, "sentences": e.sentences,
                 "vector": "(a list of numbers computed from the text; not readable, left out)"})
        for d in s.exec(select(DerivationEdge).where(DerivationEdge.child_id.in_(part))):  # type: ignore[attr-defined]
            edges[d.child_id] = d.model_dump(exclude={"child_id"})
        for f in s.exec(select(FactLoss).where(FactLoss.copy_id.in_(part))):  # type: ignore[attr-defined]
            facts.setdefault(f.copy_id, []).append(f.model_dump(exclude={"copy_id", "root_id"}))
        # facts of this person's announcements as found in other people's copies: the status only, never
        # the copy's text (that is someone else's message)
        for f in s.exec(select(FactLoss).where(FactLoss.root_id.in_(part))):  # type: ignore[attr-defined]
            root_facts.setdefault(f.root_id, []).append(
                {"kind": f.kind, "value": f.value, "fact": f.text, "critical": f.critical, "status": f.status,
                 "copy_message_id": f.copy_id})
    return scores, embeddings, edges, facts, root_facts


def export(engine: Engine, pz: Pseudonymizer, ident: str) -> dict[str, Any]:
    """Everything the store holds on one person, as JSON a person can read: raises PersonError when the store
    holds nothing on them (and says whether they were forgotten)."""
    aliases = aliases_of(pz, ident)
    with Session(engine) as s:
        pids = _people(s, aliases)
        forgotten = s.exec(select(Tombstone.key).where(Tombstone.key.in_(aliases))).first() is not None  # type: ignore[attr-defined]
        if not pids:
            raise PersonError("the store holds nothing on this person" + (
                " (they were forgotten at their request: only a keyed hash of their identity is kept)"
                if forgotten else ""))
        people = [s.get(Person, p) for p in pids]
        teams = {t.id: t.name for t in s.exec(select(Team))}
        convs = {c.id: c for c in s.exec(select(Conversation))}
        msgs = list(s.exec(select(Message).where(Message.author_id.in_(pids)).order_by(Message.sent_at)))  # type: ignore[attr-defined]
        scores, embeddings, edges, facts, root_facts = _derived_of(s, [m.id for m in msgs])
        nudges = list(s.exec(select(Nudge).where(Nudge.person_id.in_(pids)).order_by(Nudge.sent_at)))  # type: ignore[attr-defined]
        cells = list(s.exec(select(AggCell).where(AggCell.author_id.in_(pids), AggCell.min_group_size == 0)))  # type: ignore[attr-defined]
        alias_count = s.exec(select(sa.func.count()).select_from(PersonAlias)
                             .where(PersonAlias.person_id.in_(pids))).one()  # type: ignore[attr-defined]
        member_of = [c for c in convs.values() if set(c.members or []) & set(pids)]
        received = _count_recipient(s, pids)

    def place(cid: int) -> dict[str, Any]:
        c = convs.get(cid)
        return {"kind": c.kind, "name": c.name} if c else {}

    return {
        "about": "Everything slopradar's store holds on one person, as of the date below (GDPR art. 15). Texts are "
                 "the messages as stored (quotes and forwarded parts kept apart); scores are what the analysis "
                 "found; 'aggregate_cells' are this person's share of the team-level sums managers see only once "
                 "at least min_group_size people are pooled. Names and addresses are stored only when the "
                 "deployment turned store_identities on.",
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "person": [{
            "pseudonym": p.id, "team": teams.get(p.team_id or ""), "team_assigned_by": p.team_origin,
            "objected_to_processing (opted out)": p.opted_out, "is_bot": p.is_bot, "email_domain": p.email_domain,
            "display_name": p.display_name, "email": p.email, "first_seen": _iso(p.first_seen),
            "identities_stored_as_keyed_hashes": alias_count,
        } for p in people if p is not None],
        "messages": [{
            "id": m.id, "sent_at": _iso(m.sent_at), "place": place(m.conversation_id), "kind": m.kind,
            "subject": m.subject, "text": m.text,
            "text_note": ("text removed by retention or deletion" if m.text is None else None),
            "quoted_or_forwarded": m.quoted, "language": m.language, "words": m.word_count, "deleted": m.deleted,
            "truncated": m.truncated, "edited_at": _iso(m.edited_at), "metadata": m.meta,
            "scores": scores.get(m.id, []), "embeddings": embeddings.get(m.id, []),  # type: ignore[arg-type]
            "derived_from": edges.get(m.id),  # type: ignore[arg-type]
            "facts_of_the_original_in_this_copy": facts.get(m.id, []),  # type: ignore[arg-type]
            "facts_of_this_announcement_in_copies": root_facts.get(m.id, []),  # type: ignore[arg-type]
        } for m in msgs],
        "nudges": [{"sent_at": _iso(n.sent_at), "kind": n.kind, "message_id": n.message_id, "language": n.language,
                    "delivery": n.delivery, "feedback": n.feedback, "details": n.details} for n in nudges],
        "conversations_member_of": sorted(({"kind": c.kind, "name": c.name} for c in member_of),
                                          key=lambda d: (d["kind"], d["name"])),
        "messages_received_as_mail_recipient": received,
        "aggregate_cells": [c.model_dump(exclude={"author_id", "min_group_size"}) |
                            {"team": teams.get(c.team_id, c.team_id), "place": place(c.conversation_id) or "pooled"}
                            for c in cells],
    }


def _count_recipient(s: Session, pids: list[str]) -> int:
    n = 0
    for meta in s.exec(select(Message.meta).where(
            sa.or_(*(sa.cast(Message.meta, sa.Text).like(f"%{p}%") for p in pids)))):  # type: ignore[call-overload]
        n += bool(set((meta or {}).get("recipients") or []) & set(pids))
    return n
