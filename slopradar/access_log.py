"""Accountability (GDPR art. 5(2)): who opened which dashboard page, audit or export, with which filters.

Rows are appended by the dashboard (each page opened, each change of filters, each download), by the commands
that show or write data about people (`audit`, `chains`, `person export|forget|object`, `compliance`) and by
reading the log itself. The store refuses to change a row or to delete one younger than 180 days (triggers in
schema.py); rows older than `access_log_days` are purged whenever the log is written or read. The log holds who
looked, never what they saw: filters and file names, no figures and no message text.
"""

from __future__ import annotations

import getpass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from .schema import AccessLog


def cli_actor() -> str:
    """Who runs a command: the operating-system account (the CLI has no login of its own)."""
    try:
        return f"os:{getpass.getuser()}"
    except (KeyError, OSError):  # no passwd entry (some containers)
        return "os:unknown"


def record(engine: Engine, actor: str, channel: str, action: str, target: str = "",
           details: dict[str, Any] | None = None, keep_days: int | None = None) -> None:
    """Append one row (and purge rows older than keep_days, when given)."""
    clean = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in (details or {}).items() if v is not None}
    with Session(engine) as s:
        s.add(AccessLog(at=datetime.now(UTC), actor=actor, channel=channel, action=action, target=target,
                        details=clean))
        s.commit()
    if keep_days is not None:
        purge(engine, keep_days)


def purge(engine: Engine, keep_days: int) -> int:
    """Delete rows older than keep_days (never fewer than the 180 the store enforces); returns how many."""
    cutoff = datetime.now(UTC) - timedelta(days=max(keep_days, 180) + 1)
    table = AccessLog.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        return int(conn.execute(sa.delete(table).where(table.c.at < cutoff)).rowcount or 0)


def read(engine: Engine, since: datetime | None = None, until: datetime | None = None, actor: str | None = None,
         action: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    """Rows oldest first, filtered by time, actor (a substring) and action."""
    q = select(AccessLog).order_by(AccessLog.at, AccessLog.id)  # type: ignore[arg-type]
    if since is not None:
        q = q.where(AccessLog.at >= since)
    if until is not None:
        q = q.where(AccessLog.at < until)
    if actor:
        q = q.where(AccessLog.actor.contains(actor))  # type: ignore[attr-defined]
    if action:
        q = q.where(AccessLog.action == action)
    with Session(engine) as s:
        rows = list(s.exec(q))
    if limit is not None:
        rows = rows[-limit:]
    return [{"at": (r.at if r.at.tzinfo else r.at.replace(tzinfo=UTC)).isoformat(timespec="seconds"),
             "actor": r.actor, "channel": r.channel, "action": r.action, "target": r.target, "details": r.details}
            for r in rows]
