"""The analysis stage: score new or changed messages (incremental, batch by batch), then rebuild chains and
the dashboard's cells. Each function here and in the modules below is one CLI stage.

The other stages live in their own modules and stay importable from here: ingest entries in sources.py,
store upkeep (dates, retention, teams, stats) in upkeep.py, derivation (chains, facts) in derivation.py,
the shared progress bar in progress.py.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from . import aggregates
from .config import Settings
from .derivation import CHAIN_CHUNK, _chunk_start, _threads, build_chains, chain_nodes  # noqa: F401
from .forwarded import CARRIED, carried_to_embed, drop_stale_vectors, withheld_now
from .progress import _progress
from .schema import Message, Person
from .sources import (  # noqa: F401
    ingest_connector, ingest_mailbox, ingest_outlook, ingest_slack_api, ingest_slack_export, person_label,
    pseudonymizer,
)
from .store import upsert_many
from .upkeep import (  # noqa: F401
    OUT_OF_RANGE_SUBTYPE, apply_retention, apply_teams, set_aside_out_of_range_dates, stats,
)


def scoring_version(settings: Settings) -> str:
    """The analyzer version scores are stored under, for these settings: the one place it is computed for
    scoring (analyze, the bot, a person's erasure). It names the embedding model by its weights: another model
    makes every message pending."""
    from analysis.messages import analyzer_version

    return analyzer_version(settings.embedding_model)


def model_summary(settings: Settings) -> dict[str, Any]:
    """The embedding model's stored key and what to warn about (thresholds not tuned for it); no model loaded."""
    from analysis.embeddings import model_name, model_profile

    key = model_name(settings.embedding_model)
    warning = model_profile(settings.embedding_model).warning(key)
    return {"embedding_model": key, "warnings": [warning] if warning else []}


def pending_messages(engine: Engine, version: str, ids: list[int] | None = None) -> tuple[list[Any], dict[int, float]]:
    """Authored messages not yet scored by this analyzer version (or changed since), opted-out people's
    excluded, with each conversation's median message length."""
    import numpy as np

    from .schema import MessageScore

    with Session(engine) as s:
        done = sa.select(MessageScore.message_id).where(
            MessageScore.message_id == Message.id, MessageScore.analyzer_version == version,
            MessageScore.content_hash == Message.content_hash)
        q = (select(Message.id, Message.conversation_id, Message.content_hash)
             .join(Person, Person.id == Message.author_id)
             .where(Message.kind == "authored", Message.deleted == sa.false(), Message.text.is_not(None),  # type: ignore[union-attr]
                    Person.opted_out == sa.false(), ~sa.exists(done))
             .order_by(Message.id))
        if ids is not None:
            q = q.where(Message.id.in_(ids))  # type: ignore[union-attr]
        pending = s.exec(q).all()
        counts: dict[int, list[int]] = {}
        if pending:
            for cid, n in s.exec(select(Message.conversation_id, Message.word_count).where(
                    Message.conversation_id.in_({c for _, c, _ in pending}),  # type: ignore[attr-defined]
                    Message.kind == "authored", Message.word_count > 0)):
                counts.setdefault(cid, []).append(n)
    return list(pending), {cid: float(np.median(v)) for cid, v in counts.items()}


def _items(engine: Engine, batch: list[Any], medians: dict[int, float]) -> list[Any]:
    """What the analyzer reads of (message id, conversation id, content hash) rows, in order."""
    from analysis.messages import Item

    with Session(engine) as s:
        cols = select(Message.id, Message.text, Message.word_count, Message.meta, Message.quoted)
        rows = {r[0]: r for r in s.exec(cols.where(Message.id.in_([m for m, _, _ in batch])))}  # type: ignore[union-attr]
        held = functools.cache(lambda: withheld_now(s))  # only when a forward is here
        return [Item(rows[mid][1] or "", medians.get(cid), embed=_chains_read_embedding(*rows[mid][2:]),
                     carried=carried_to_embed(rows[mid][4], held))
                if mid in rows else Item("", medians.get(cid)) for mid, cid, _ in batch]


def score_group(engine: Engine, analyzer: Any, version: str, group: list[Any], medians: dict[int, float],
                batch_size: int = 32) -> Iterator[list[Any]]:
    """Analyse a group of messages at once (their sentences batched by length: bigger groups, fuller batches),
    then store the results `batch_size` messages per transaction; yields each stored batch's results."""
    results = analyzer.analyze(_items(engine, group, medians))
    for i in range(0, len(group), batch_size):
        yield score_batch(engine, analyzer, version, group[i:i + batch_size], medians, results[i:i + batch_size])


def score_batch(engine: Engine, analyzer: Any, version: str, batch: list[Any], medians: dict[int, float],
                results: list[Any] | None = None) -> list[Any]:
    """Score (message id, conversation id, content hash) rows (unless their `results` are given) and store
    embeddings and scores in one transaction. Returns the analyzer's results in order."""
    import numpy as np

    from .schema import Embedding, MessageScore

    model = analyzer.embedder.name
    if results is None:
        results = analyzer.analyze(_items(engine, batch, medians))
    with Session(engine) as s:
        now = datetime.now(UTC)
        emb_rows, score_rows = [], []
        for (mid, _cid, chash), res in zip(batch, results, strict=True):
            if res.embedding is not None:
                emb_rows.append(dict(message_id=mid, model=model, content_hash=chash, dim=len(res.embedding),
                                     vector=np.asarray(res.embedding, dtype=np.float32).tobytes(),
                                     sentences=res.sentences))
            if res.carried_embedding is not None:  # no sentences kept: the forward's quoted block holds them
                emb_rows.append(dict(message_id=mid, model=model + CARRIED, content_hash=res.carried_key,
                                     dim=len(res.carried_embedding), sentences=[],
                                     vector=np.asarray(res.carried_embedding, dtype=np.float32).tobytes()))
            b = res.bloat
            score_rows.append(dict(
                message_id=mid, analyzer_version=version, content_hash=chash,
                language=res.language.code, language_confidence=res.language.confidence,
                ai_probability=res.ai.probability, ai_flagged=res.ai.flagged, ai_reasons=res.ai.reasons,
                ai_not_scored=res.ai.not_scored, bloat=b.score if b else None,
                bloat_reasons=b.reasons if b else [], core_sentences=b.core_sentences if b else [],
                core_words=b.core_words if b else None, reading_seconds=b.reading_seconds if b else 0.0,
                flesch=b.flesch if b else None, notes=res.notes, analyzed_at=now))
        # a message re-analysed keeps no score of another analyzer version and no vector of another model:
        # nothing reads them, and switching back re-analyses it whole
        ids = [b[0] for b in batch]
        s.exec(sa.delete(Embedding).where(Embedding.message_id.in_(ids),  # type: ignore[attr-defined]
                                          Embedding.model != model))  # type: ignore[arg-type]
        # (a forward's carried vector included: one is written again below when the message still carries one)
        s.exec(sa.delete(MessageScore).where(MessageScore.message_id.in_(ids),  # type: ignore[attr-defined]
                                             MessageScore.analyzer_version != version))  # type: ignore[arg-type]
        upsert_many(s, Embedding, emb_rows, keys=["message_id", "model"],
                    update=["content_hash", "dim", "vector", "sentences"])
        upsert_many(s, MessageScore, score_rows, keys=["message_id", "analyzer_version"],
                    update=[k for k in score_rows[0] if k not in ("message_id", "analyzer_version")])
        # language is a property of the message itself: one statement for the batch
        table = Message.__table__  # type: ignore[attr-defined]
        s.connection().execute(
            sa.update(table).where(table.c.id == sa.bindparam("mid")).values(language=sa.bindparam("lang")),
            [{"mid": r["message_id"], "lang": r["language"]} for r in score_rows])
        s.commit()
    return results


def _chains_read_embedding(word_count: int | None, meta: dict[str, Any] | None, quoted: list[Any] | None) -> bool:
    """Whether chain building may read this message's embedding: a message shorter than the chains' minimum is
    never a copy nor a parent (analysis/chain_rules.py), unless it shares or forwards another message, whose
    length it then takes. The embedding of any other message is read by no stage: not computed (issue 20). One
    case reads differently: a long message sharing a short one is compared by its own vector, not the short
    original's (chains.Pool.vector falls back to it); the demo workspace's edges are the same either way."""
    from analysis import chain_rules

    if (word_count or 0) >= chain_rules.MIN_WORDS:  # the learned path's and the hand rules' minimum
        return True
    meta = meta or {}
    return bool(meta.get("shares") or meta.get("permalinks") or
                any(q.get("kind") in ("forward", "share") for q in quoted or [] if isinstance(q, dict)))


GROUP_BATCHES = 8  # batches analysed together: 256 messages, ~1,500 sentences to sort by length; an interrupted
# run loses at most the group's uncommitted batches


def analysis_groups(pending: list[Any], batch_size: int = 32) -> list[list[Any]]:
    """The pending rows cut into groups of GROUP_BATCHES batches (the local and Ray engines cut alike)."""
    size = batch_size * GROUP_BATCHES
    return [pending[i:i + size] for i in range(0, len(pending), size)]


def begin_analysis(engine: Engine, settings: Settings) -> tuple[str, list[Any], dict[int, float], dict[str, Any]]:
    """What every engine does first: the scoring version, messages with impossible dates set aside, the pending
    messages (with their conversations' median lengths) and the summary's opening counts."""
    version = scoring_version(settings)
    out_of_range = set_aside_out_of_range_dates(engine)
    drop_stale_vectors(engine)  # forwarded blocks now withheld (and an older store's deleted messages')
    pending, medians = pending_messages(engine, version)
    summary: dict[str, Any] = {"analyzer_version": version, "pending": len(pending), "scored": 0,
                               "ai_not_scored": 0, "flagged": 0, "set_aside_out_of_range_dates": out_of_range,
                               "precision": None, "precision_reason": "no message to embed", "embedded": 0,
                               **model_summary(settings)}
    return version, pending, medians, summary


def analyze(engine: Engine, settings: Settings, progress: bool = True, batch_size: int = 32,
            precision: str = "auto") -> dict[str, Any]:
    """Score every authored message that is new or changed since the last run (incremental).

    Opted-out people's messages are never scored. Work is committed batch by batch — 32 messages, a few
    seconds even for long mail on a slow CPU — so an interrupted run keeps what it did and resumes there.
    """
    from analysis.embeddings import load_embedder
    from analysis.messages import MessageAnalyzer

    version, pending, medians, summary = begin_analysis(engine, settings)
    if not pending:
        summary["chains"] = build_chains(engine, settings)  # deletions, opt-outs, edits: nothing if none
        summary["aggregates"] = aggregates.refresh(engine)
        return summary
    embedder = load_embedder(settings.embedding_model, precision)
    summary.update(precision=embedder.precision, precision_reason=embedder.precision_reason)
    analyzer = MessageAnalyzer(embedder)

    def run() -> Iterator[Any]:
        for group in analysis_groups(pending, batch_size):
            for batch in score_group(engine, analyzer, version, group, medians, batch_size):
                for res in batch:
                    summary["scored"] += 1
                    summary["ai_not_scored"] += int(res.ai.probability is None)
                    summary["flagged"] += int(res.ai.flagged)
                    summary["embedded"] += int(res.embedding is not None)
                yield batch

    for _ in _progress(run(), len(pending), "Analysing messages", progress, size=len, step=len):
        pass
    summary["chains"] = build_chains(engine, settings)
    summary["aggregates"] = aggregates.refresh(engine)
    return summary

