"""Precomputed aggregate cells (schema.AggCell): the only thing manager views and audits read.

Cells are sums per (team, week, conversation, language, author). They are rebuilt from the store
after each ingest, team assignment or analysis, when the store's signature (counts, versions,
team assignment, opt-outs, public channels) changed; the rebuild is one transaction, so a reader
sees the old cells or the new ones, never half of each. Weeks start on Monday (UTC): periods in
views and audits are whole weeks.

Views never read the raw cells: they read the cells released under their threshold (`release`,
docs/privacy.md), built with the raw ones for every threshold used so far, or on a threshold's
first use (`ensure_released`).
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from .metrics import READING_WPM
from .schema import (
    AggCell, AggTeamWeek, Conversation, DerivationEdge, FactLoss, Message, MessageScore, Meta, Person,
)
from .store import times_sum, upsert

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
            sa.func.count(Message.id), sa.func.max(Message.id), times_sum(Message.version_ts),
            sa.func.sum(sa.case((Message.deleted, 1), else_=0)))).one())
        version = latest_analyzer_version(s)
        parts += [version, *s.exec(select(sa.func.count(), sa.func.max(MessageScore.analyzed_at))
                                   .where(MessageScore.analyzer_version == version)).one()]
        parts += list(s.exec(select(sa.func.count(), sa.func.sum(DerivationEdge.depth))).one())
        parts.append(s.exec(select(sa.func.count()).select_from(FactLoss)).one())
        parts += [tuple(r) for r in s.exec(select(Person.id, Person.team_id, Person.opted_out).order_by(Person.id))]
        parts.append(sorted(_channels(s)))  # which conversations may be released under their own name
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def refresh(engine: Engine, force: bool = False) -> dict[str, Any]:
    """Rebuild the cells if the store changed since the last build, with their release under every
    threshold used so far. Returns what was done."""
    sig = signature(engine)
    with Session(engine) as s:
        row = s.get(Meta, SIGNATURE_KEY)
        if row is not None and row.value == sig and not force:
            return {"rebuilt": False}
    cells = _compute(engine)
    with Session(engine) as s:
        thresholds = _thresholds_in_use(s)
        channels = _channels(s)
        s.exec(sa.delete(AggCell))  # type: ignore[call-overload]
        s.exec(sa.delete(AggTeamWeek))  # type: ignore[call-overload]
        _insert(s, AggCell, [dict(zip(_KEYS, k, strict=True)) | {"min_group_size": 0} | v for k, v in cells.items()])
        for k in thresholds:
            _write_released(s, k, release(cells, channels, k), sig)
        upsert(s, Meta, [{"key": SIGNATURE_KEY, "value": sig}], keys=["key"], update=["value"])
        s.commit()
    return {"rebuilt": True, "cells": len(cells)}


# -- the release rule (docs/privacy.md) -------------------------------------------------------------
OTHER_CHANNELS = 0  # the conversation id of a pooled cell: no conversation has id 0
ANY_LANGUAGE = "*"
RELEASED_KEY = "aggregates_released:"  # + threshold -> the signature of the cells it was built from

Cell = tuple[str, str, int, str, str]  # team, week, conversation, language, author
Atom = tuple[str, str, int, str]  # team, week, conversation, language


def release(cells: dict[Cell, dict[str, Any]], channels: set[int], k: int) -> dict[Cell, dict[str, Any]]:
    """The cells a manager view may add up under the threshold k, per author.

    The atom is a team's week in one conversation and language. It is released as itself only when
    it is a public channel with at least k distinct authors; otherwise it is pooled into the team's
    week in "other channels" for its language, then, if that pool is still small, for any language;
    a pool still under k is left out. Every released unit thus has k authors or more, and every view
    is a sum of whole units, so the difference of two views is a signed sum of units: it can never
    isolate fewer than k authors.
    """
    unit = _units(cells, channels, k)
    out: dict[Cell, dict[str, Any]] = {}
    for (team, week, conv, lang, author), v in cells.items():
        u = unit.get((team, week, conv, lang))
        if u is None:
            continue
        acc = out.get((*u, author))
        if acc is None:
            out[(*u, author)] = dict(v)
        else:
            for c in _SUMS:
                acc[c] += v[c]
    return out


def _units(cells: dict[Cell, Any], channels: set[int], k: int) -> dict[Atom, Atom]:
    """Atom -> the unit it is released in; atoms left out are absent."""
    authors: dict[Atom, set[str]] = defaultdict(set)
    for team, week, conv, lang, author in cells:
        authors[(team, week, conv, lang)].add(author)
    unit: dict[Atom, Atom] = {}
    by_language: dict[Atom, list[Atom]] = defaultdict(list)
    for atom, who in authors.items():
        if atom[2] in channels and len(who) >= k:
            unit[atom] = atom
        else:
            by_language[(atom[0], atom[1], OTHER_CHANNELS, atom[3])].append(atom)
    by_week: dict[Atom, list[Atom]] = defaultdict(list)
    for pool, atoms in by_language.items():
        if len(set().union(*(authors[a] for a in atoms))) >= k:
            unit.update(dict.fromkeys(atoms, pool))
        else:
            by_week[(pool[0], pool[1], OTHER_CHANNELS, ANY_LANGUAGE)] += atoms
    for pool, atoms in by_week.items():
        if len(set().union(*(authors[a] for a in atoms))) >= k:
            unit.update(dict.fromkeys(atoms, pool))
    return unit


def ensure_released(engine: Engine, k: int) -> None:
    """Make the released cells for threshold k match the current cells: built on first use of a
    threshold (a changed min_group_size), and after an upgrade that dropped the cells."""
    with Session(engine) as s:
        sig = s.get(Meta, SIGNATURE_KEY)
        done = s.get(Meta, f"{RELEASED_KEY}{k}")
        if sig is not None and done is not None and done.value == sig.value:
            return
    if sig is None:
        _remember_threshold(engine, k)
        refresh(engine, force=True)
        return
    with Session(engine) as s:
        raw = s.exec(select(*[getattr(AggCell, n) for n in (*_KEYS, *_SUMS)]).where(AggCell.min_group_size == 0))
        cells = {tuple(r[:len(_KEYS)]): dict(zip(_SUMS, r[len(_KEYS):], strict=True)) for r in raw}
        try:
            _write_released(s, k, release(cells, _channels(s), k), sig.value)  # type: ignore[arg-type]
            s.commit()
        except sa.exc.IntegrityError:  # another process released the same threshold at the same time
            s.rollback()


def release_summary(engine: Engine, k: int) -> dict[str, Any]:
    """Messages in cells released as themselves, pooled, and left out under threshold k (for docs and
    admins: how much the release rule hides)."""
    with Session(engine) as s:
        raw = list(s.exec(select(*[getattr(AggCell, n) for n in _KEYS], AggCell.messages)
                          .where(AggCell.min_group_size == 0)))
        channels = _channels(s)
    unit = _units({tuple(r[:5]): None for r in raw}, channels, k)  # type: ignore[misc]
    out = {"messages": 0, "own_channel": 0, "pooled_language": 0, "pooled_any_language": 0, "suppressed": 0}
    for *key, n in raw:
        u = unit.get(tuple(key[:4]))  # type: ignore[arg-type]
        part = ("suppressed" if u is None else "own_channel" if u[2] != OTHER_CHANNELS else
                "pooled_language" if u[3] != ANY_LANGUAGE else "pooled_any_language")
        out[part] += n
        out["messages"] += n
    return out


def _write_released(s: Session, k: int, cells: dict[Cell, dict[str, Any]], sig: str) -> None:
    s.exec(sa.delete(AggCell).where(AggCell.min_group_size == k))  # type: ignore[call-overload]
    s.exec(sa.delete(AggTeamWeek).where(AggTeamWeek.min_group_size == k))  # type: ignore[call-overload]
    coarse: dict[tuple[str, str, str], dict[str, Any]] = {}
    for (team, week, _conv, _lang, author), v in cells.items():
        c = coarse.setdefault((team, week, author), dict.fromkeys(_SUMS, 0))
        for n in _SUMS:
            c[n] += v[n]
    _insert(s, AggCell, [dict(zip(_KEYS, key, strict=True)) | {"min_group_size": k} | v for key, v in cells.items()])
    _insert(s, AggTeamWeek, [dict(zip(("team_id", "week", "author_id"), key, strict=True)) | {"min_group_size": k} | v
                             for key, v in coarse.items()])
    upsert(s, Meta, [{"key": f"{RELEASED_KEY}{k}", "value": sig}], keys=["key"], update=["value"])


def _insert(s: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    if rows:  # a plain executemany: the rows were just deleted, and it compiles once
        s.connection().execute(model.__table__.insert(), rows)


def _channels(s: Session) -> set[int]:
    """Conversations whose cells may be released under their own name: public channels. DMs, group
    DMs, private channels and mail folders are always pooled (their names and audiences are private)."""
    return set(s.exec(select(Conversation.id).where(Conversation.kind == "channel")).all())  # type: ignore[arg-type]


def _thresholds_in_use(s: Session) -> list[int]:
    """Every threshold released so far (a dashboard and an audit may use different ones), and the default."""
    from .config import Settings

    keys = s.exec(select(Meta.key).where(Meta.key.startswith(RELEASED_KEY)))  # type: ignore[attr-defined]
    used = {int(key[len(RELEASED_KEY):]) for key in keys}
    return sorted(used | {int(Settings.model_fields["min_group_size"].default)})


def _remember_threshold(engine: Engine, k: int) -> None:
    with Session(engine) as s:
        upsert(s, Meta, [{"key": f"{RELEASED_KEY}{k}", "value": ""}], keys=["key"])
        s.commit()


_KEYS = ("team_id", "week", "conversation_id", "language", "author_id")


def _compute(engine: Engine) -> dict[tuple[str, str, int, str, str], dict[str, Any]]:
    wpm = READING_WPM  # the registry's reading speed (metrics.py): reading time and padding hours agree
    with Session(engine) as s:
        version = latest_analyzer_version(s)
        authored = (Message.kind == "authored", Message.deleted == sa.false(), Person.opted_out == sa.false(),
                    Person.team_id.is_not(None))  # type: ignore[union-attr]
        thread_size: Counter[tuple[str, str | None]] = Counter({
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
        # sqlmodel types select() for up to 4 columns; this one reads 14
        q = (select(Message.id, Message.namespace, Message.native_id, Message.thread_key, Message.parent_native_id,  # type: ignore[misc]
                    Message.conversation_id, Message.language, Message.author_id, Message.sent_at,
                    Message.word_count, Person.team_id, MessageScore.ai_probability, MessageScore.bloat,
                    MessageScore.core_words, MessageScore.reading_seconds)
             .join(Person, Person.id == Message.author_id)
             .outerjoin(MessageScore, sa.and_(MessageScore.message_id == Message.id,
                                              MessageScore.analyzer_version == version))
             .where(*authored))
        cells: dict[tuple[str, str, int, str, str], dict[str, Any]] = {}
        for (mid, ns, _native, tkey, parent, conv, lang, author, sent_at, words, team, prob, bloat, core,
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


_SUMS = tuple(n for n in AggCell.model_fields if n not in (*_KEYS, "min_group_size"))
