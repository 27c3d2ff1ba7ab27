"""Store upkeep, run after every ingest and on its own from the CLI: dates out of range set aside, retention,
teams (after a mapping change), and the counts `stats` prints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from . import aggregates
from .config import Settings
from .ingest import EARLIEST, FUTURE_SLACK
from .schema import Conversation, Message, Person, Source, Team
from .teams import assign_teams

OUT_OF_RANGE_SUBTYPE = "date out of range"


def set_aside_out_of_range_dates(engine: Engine) -> int:
    """Set aside the messages a store holds with a date ingestion now refuses (before 1990, or more than a
    day ahead: ingest.EARLIEST). Stores written before that rule may hold one, and a single "31 Dec 9999"
    overflowed every week and chain computation. Such a message becomes kind "other" (never analysed,
    chained or counted), its date is clipped to 1990-01-01 and the original kept in meta. Edit dates out
    of range are dropped. Returns how many messages were set aside."""
    latest = datetime.now(UTC) + FUTURE_SLACK
    table = Message.__table__  # type: ignore[attr-defined]
    with Session(engine) as s:
        bad = s.exec(select(Message.id, Message.sent_at, Message.meta).where(
            sa.or_(Message.sent_at < EARLIEST, Message.sent_at > latest))).all()  # type: ignore[arg-type]
        for mid, sent_at, meta in bad:
            s.connection().execute(sa.update(table).where(table.c.id == mid).values(
                kind="other", subtype=OUT_OF_RANGE_SUBTYPE, sent_at=EARLIEST, edited_at=None,
                meta={**(meta or {}), "sent_at_out_of_range": str(sent_at)}))
        s.connection().execute(sa.update(table).where(
            sa.or_(table.c.edited_at < EARLIEST, table.c.edited_at > latest)).values(edited_at=None))
        s.commit()
    return len(bad)


def apply_retention(engine: Engine, settings: Settings) -> int:
    """Drop the text of messages older than retention_days; returns how many lost their text."""
    if settings.retention_days is None:
        return 0
    cutoff = datetime.now(UTC) - timedelta(days=settings.retention_days)
    table = Message.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        res = conn.execute(
            sa.update(table).where(table.c.sent_at < cutoff, table.c.text.is_not(None))
            .values(text=None, quoted=[])  # meta is kept: references, shares, recipients
        )
        # what repeats the text goes with it (issue 23): a mail's subject, the embedding's sentences
        conn.execute(sa.update(table).where(table.c.sent_at < cutoff, table.c.subject.is_not(None)).values(subject=None))
        from .forwarded import CARRIED
        from .schema import Embedding

        emb = Embedding.__table__  # type: ignore[attr-defined]
        conn.execute(sa.update(emb).where(emb.c.message_id.in_(sa.select(table.c.id).where(table.c.sent_at < cutoff)),
                                          sa.cast(emb.c.sentences, sa.Text) != "[]").values(sentences=[]))
        # ... and the vector of a forwarded block, now gone with the quoted blocks (forwarded.CARRIED)
        conn.execute(sa.delete(emb).where(emb.c.message_id.in_(sa.select(table.c.id).where(table.c.sent_at < cutoff)),
                                          emb.c.model.like("%" + CARRIED)))
    return int(res.rowcount or 0)


def apply_teams(engine: Engine, settings: Settings) -> dict[str, int]:
    from .sources import pseudonymizer

    out = assign_teams(engine, pseudonymizer(settings), settings.team_mapping)
    aggregates.refresh(engine)
    return out


def stats(engine: Engine) -> dict[str, Any]:
    """Counts of what the store holds."""
    with Session(engine) as s:
        def count(q: Any) -> int:
            return int(s.exec(q).one())

        by_kind = {k: n for k, n in s.exec(select(Message.kind, sa.func.count()).group_by(Message.kind))}
        threads = count(select(sa.func.count(sa.distinct(sa.func.coalesce(Message.namespace, "") + "|" +
                                                         sa.func.coalesce(Message.thread_key, ""))))
                        .where(Message.parent_native_id.is_not(None)))  # type: ignore[union-attr]
        return {
            "sources": count(select(sa.func.count()).select_from(Source)),
            "messages": sum(by_kind.values()),
            "authored_messages": by_kind.get("authored", 0),
            "messages_by_kind": by_kind,
            "deleted_messages": count(select(sa.func.count()).select_from(Message).where(Message.deleted)),
            "people": count(select(sa.func.count()).select_from(Person)),
            "authors": count(select(sa.func.count(sa.distinct(Message.author_id)))  # type: ignore[arg-type]
                             .where(Message.kind == "authored")),
            "teams": count(select(sa.func.count()).select_from(Team)),
            "conversations": count(select(sa.func.count()).select_from(Conversation)),
            "threads": threads,
        }
