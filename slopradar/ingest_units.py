"""What a connector hands the ingest writer (`Unit`), what an ingest reports (`IngestReport`), and the rules a
record must pass before it is stored: dates in range, characters the store can hold, bounded nesting.
Importable from slopradar.ingest too."""

from __future__ import annotations

import dataclasses
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from .records import MessageRecord

# The dates the store accepts. No e-mail or Slack message worth analysing predates 1990, and a message
# more than a day after the ingest is a clock or parsing error; either would also break week and chain
# arithmetic later (a "Date: 31 Dec 9999" overflows as soon as a week is added to it).
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)
OUT_OF_RANGE = "date out of range (before 1990 or after the ingest)"
# What one input message may raise while it is normalised: it is skipped and counted, never the end of a run.
MESSAGE_ERRORS = (LookupError, TypeError, ValueError, AttributeError, ArithmeticError, RecursionError)
# Structures nested deeper than this in a record (meta, quotes) are not real messages.
MAX_NESTING = 32
# Lone surrogates cannot be encoded at all, NUL cannot be stored in PostgreSQL text.
_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")
INVALID_CHARS = "invalid characters replaced"


def in_date_range(t: datetime, latest: datetime) -> bool:
    """Whether a message date is one the store accepts (see EARLIEST); naive dates are read as UTC."""
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return EARLIEST <= t <= latest


class _TooDeep(Exception):
    pass


def _clean(value: Any, fixed: list[int], depth: int = 0) -> Any:
    """`value` with lone surrogates and NUL replaced by U+FFFD, non-finite floats dropped; counts
    replacements in `fixed[0]`. Raises _TooDeep past MAX_NESTING."""
    if isinstance(value, str):
        if _BAD_CHARS.search(value):
            fixed[0] += 1
            return _BAD_CHARS.sub("\ufffd", value)
        return value
    if isinstance(value, bool | int | None | datetime):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if depth >= MAX_NESTING:
        raise _TooDeep
    if isinstance(value, dict):
        return {_clean(k, fixed, depth + 1): _clean(v, fixed, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_clean(v, fixed, depth + 1) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            setattr(value, f.name, _clean(getattr(value, f.name), fixed, depth + 1))
        return value
    return str(value)  # anything else a connector let through is stored as text


@dataclass
class Unit:
    """One piece of input committed atomically. `records` is None when the unit could not be read."""

    key: str
    digest: str
    records: list[MessageRecord] | None
    error: str | None = None
    skipped: Counter[str] = field(default_factory=Counter)
    # API connectors: committed with the records, in the same transaction
    state: dict[str, Any] | None = None  # keys replaced in the source's state (cursors, high-water marks)
    deleted: list[tuple[str, str]] = field(default_factory=list)  # (namespace, native id) seen deleted
    external: list[tuple[str, str, str]] = field(default_factory=list)  # (external id, namespace, native id)
    removed_external: list[str] = field(default_factory=list)  # external ids the source reports removed
    # external ids the source reports moved out of a conversation (gid, conversation native id, its label): kept
    moved_external: list[tuple[str, str, str]] = field(default_factory=list)
    # at the end of a full round: (namespace, conversation native id, round id). What the store holds in that
    # conversation and the round did not write (meta "sync_round") is gone
    sweep: tuple[str, str, str] | None = None

    def add(self, make: Callable[[], MessageRecord | str]) -> MessageRecord | None:
        """Normalise one input message into this unit: a record is kept, a skip reason (or a malformed
        message that raised) is counted. Returns the record, if any."""
        try:
            rec = make()
        except MESSAGE_ERRORS as exc:
            self.skipped[f"malformed message ({type(exc).__name__})"] += 1
            return None
        if isinstance(rec, str):
            self.skipped[rec] += 1
            return None
        self.records.append(rec)  # type: ignore[union-attr]
        return rec


@dataclass
class IngestReport:
    source: str
    units_done: int = 0
    units_unchanged: int = 0
    units_failed: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    moved: int = 0  # mail moved out of a synced folder: kept, never counted as deleted
    truncated: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    subtypes: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    api_calls: dict[str, int] = field(default_factory=dict)  # live connectors: calls per API method

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "units": {"done": self.units_done, "unchanged": self.units_unchanged, "failed": self.units_failed},
            "messages": {"new": self.new, "updated": self.updated, "unchanged": self.unchanged,
                         "deleted": self.deleted, "moved": self.moved, "truncated": self.truncated},
            "kinds": dict(self.kinds),
            "subtypes": dict(self.subtypes),
            "skipped": dict(self.skipped),
            "errors": self.errors[:50],
        } | ({"api_calls": self.api_calls} if self.api_calls else {})


# What writing one unit can raise because of its content (a value the database refuses): the unit is
# reported as failed and retried on the next run; the run goes on.
_UNIT_WRITE_ERRORS = (sa.exc.StatementError, ValueError, TypeError, ArithmeticError, RecursionError, LookupError)


def _describe(exc: BaseException) -> str:
    """A short reason without the SQL statement or its parameters (they hold message text)."""
    orig = getattr(exc, "orig", None) or exc
    first = _BAD_CHARS.sub("\ufffd", (str(orig).splitlines() or [""])[0][:160])
    return f"{type(orig).__name__}: {first}" if first else type(orig).__name__
