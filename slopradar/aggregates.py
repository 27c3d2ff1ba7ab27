"""Precomputed aggregate cells (schema.AggCell): the only thing manager views and audits read.

Cells are sums per (team, week, conversation, language, author). They are rebuilt from the store
after each ingest, team assignment or analysis, when the store's signature (counts, versions,
team assignment, opt-outs) changed; the rebuild is one transaction, so a reader sees the old
cells or the new ones, never half of each. Weeks start on Monday (UTC): periods in views and
audits are whole weeks.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from .records import READING_WPM
from .schema import AggCell, AggTeamWeek, DerivationEdge, FactLoss, Message, MessageScore, Meta, Person
from .store import upsert

SIGNATURE_KEY = "aggregates_signature"
SUMMARY_RELATIONS = ("summary", "paraphrase")


def week_start(d: datetime | date) -> date:
    day = d.date() if isinstance(d, datetime) else d
    return day - timedelta(days=day.weekday())


def latest_analyzer_version(s: Session) -> str | None:
    """The analyzer version of the most recent scores: figures never mix versions."""
    return s.exec(select(MessageScore.analyzer_version)
                  .order_by(MessageScore.analyzed_at.desc()).limit(1)).first()  # type: ignore[union-attr]


def signature(engine: Engine) -> str:
    """A digest of everything the cells depend on, from a few aggregate queries (no message scan in Python)."""
    with Session(engine) as s:
        parts: list[Any] = list(s.exec(select(
            sa.func.count(Message.id), sa.func.max(Message.id), sa.func.sum(Message.version_ts),
            sa.func.sum(sa.case((Message.deleted, 1), else_=0)))).one())
        version = latest_analyzer_version(s)
        parts += [version, *s.exec(select(sa.func.count(), sa.func.max(MessageScore.analyzed_at))
                                   .where(MessageScore.analyzer_version == version)).one()]
        parts += list(s.exec(select(sa.func.count(), sa.func.sum(DerivationEdge.depth))).one())
        parts.append(s.exec(select(sa.func.count()).select_from(FactLoss)).one())
        parts += [tuple(r) for r in s.exec(select(Person.id, Person.team_id, Person.opted_out).order_by(Person.id))]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def refresh(engine: Engine, force: bool = False) -> dict[str, Any]:
    """Rebuild the cells if the store changed since the last build. Returns what was done."""
    sig = signature(engine)
    with Session(engine) as s:
        row = s.get(Meta, SIGNATURE_KEY)
        if row is not None and row.value == sig and not force:
            return {"rebuilt": False}
    cells = _compute(engine)
    with Session(engine) as s:
        coarse: dict[tuple[str, str, str], dict[str, Any]] = {}
        for (team, week, _conv, _lang, author), v in cells.items():
            c = coarse.setdefault((team, week, author), dict.fromkeys(_SUMS, 0))
            for k in _SUMS:
                c[k] += v[k]
        for model, keys, data in ((AggCell, _KEYS, cells), (AggTeamWeek, ("team_id", "week", "author_id"), coarse)):
            s.exec(sa.delete(model))  # type: ignore[call-overload]
            rows = [dict(zip(keys, k, strict=True)) | v for k, v in data.items()]
            if rows:  # a plain executemany: the table was just emptied, and it compiles once
                s.connection().execute(model.__table__.insert(), rows)  # type: ignore[attr-defined]
        upsert(s, Meta, [{"key": SIGNATURE_KEY, "value": sig}], keys=["key"], update=["value"])
        s.commit()
    return {"rebuilt": True, "cells": len(cells)}


_KEYS = ("team_id", "week", "conversation_id", "language", "author_id")


def _compute(engine: Engine) -> dict[tuple[str, str, int, str, str], dict[str, Any]]:
    wpm = READING_WPM["en"]
    with Session(engine) as s:
        version = latest_analyzer_version(s)
        authored = (Message.kind == "authored", Message.deleted == sa.false(), Person.opted_out == sa.false(),
                    Person.team_id.is_not(None))  # type: ignore[union-attr]
        thread_size: Counter[tuple[str, str]] = Counter({
            (ns, key): n for ns, key, n in s.exec(
                select(Message.namespace, Message.thread_key, sa.func.count()).join(
                    Person, Person.id == Message.author_id).where(*authored, Message.thread_key.is_not(None))  # type: ignore[union-attr]
                .group_by(Message.namespace, Message.thread_key))})
        edges = {e.child_id: e for e in s.exec(select(DerivationEdge))}
        parent_words = dict(s.exec(select(Message.id, Message.word_count).where(
            Message.id.in_({e.parent_id for e in edges.values()}))).all()) if edges else {}  # type: ignore[union-attr]
        losses: dict[int, Counter[str]] = defaultdict(Counter)
        for copy_id, status in s.exec(select(FactLoss.copy_id, FactLoss.status).where(FactLoss.critical)):
            losses[copy_id][status] += 1
        q = (select(Message.id, Message.namespace, Message.native_id, Message.thread_key, Message.parent_native_id,
                    Message.conversation_id, Message.language, Message.author_id, Message.sent_at,
                    Message.word_count, Person.team_id, MessageScore.ai_probability, MessageScore.bloat,
                    MessageScore.core_words, MessageScore.reading_seconds)
             .join(Person, Person.id == Message.author_id)
             .outerjoin(MessageScore, sa.and_(MessageScore.message_id == Message.id,
                                              MessageScore.analyzer_version == version))
             .where(*authored))
        cells: dict[tuple[str, str, int, str, str], dict[str, Any]] = {}
        for (mid, ns, native, tkey, parent, conv, lang, author, sent_at, words, team, prob, bloat, core,
             reading) in s.exec(q.execution_options(yield_per=5000)):
            key = (team, week_start(sent_at).isoformat(), conv, lang or "und", author)
            c = cells.get(key)
            if c is None:
                c = cells[key] = dict.fromkeys(_SUMS, 0)
            words = int(words or 0)
            c["messages"] += 1
            c["words"] += words
            c["reading_seconds"] += float(reading) if reading else words / wpm * 60
            if prob is not None:
                c["scored"] += 1
                c["prob_sum"] += prob
                c["ai_words"] += prob * words
                if lang == "en":
                    c["ai_words_en"] += prob * words
            if bloat is not None:
                c["bloat_n"] += 1
                c["bloat_sum"] += bloat
            if core is not None:
                c["padding_words"] += max(0, words - core)
            if parent is None:
                c["threads"] += 1
                c["thread_messages"] += thread_size.get((ns, tkey), 1) if tkey else 1
            e = edges.get(mid)
            if e is not None:
                c["copies"] += 1
                c["sos_copies"] += int(e.summary_of_summary)
                if e.relation in SUMMARY_RELATIONS and prob is not None:
                    c["summary_in_words"] += prob * parent_words.get(e.parent_id, 0)
                    if lang == "en":
                        c["summary_in_words_en"] += prob * parent_words.get(e.parent_id, 0)
                lc = losses.get(mid, Counter())
                c["crit_kept"] += lc["kept"]
                c["crit_lost"] += lc["lost"]
                c["crit_distorted"] += lc["distorted"]
                c["loss_copies"] += int(lc["lost"] + lc["distorted"] > 0)
    return cells


_SUMS = tuple(n for n in AggCell.model_fields if n not in _KEYS)
