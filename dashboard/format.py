"""Numbers as a manager reads them: durations in minutes below an hour and hours above, shares in
per cent, counts with their noun in the right number. Streamlit-free, so pytest checks it directly."""

from __future__ import annotations

from slopradar.queries import PLACE_LABELS

_PLURALS = {"copy": "copies", "summary of summaries": "summaries of summaries", "is": "are"}


def plural(n: int, word: str) -> str:
    """'1 copy', '2 copies', '0 authors'."""
    return f"{n:,} {word if n == 1 else _PLURALS.get(word, word + 's')}"


def duration(hours: float | None) -> str:
    """'42 min', '3.5 h', '12 h', '<1 min'; '—' for None. The unit is always written."""
    if hours is None:
        return "—"
    minutes = hours * 60
    if minutes < 0.5:
        return "0 min" if minutes == 0 else "<1 min"
    if minutes < 59.5:
        return f"{minutes:.0f} min"
    return f"{hours:.1f} h" if hours < 10 else f"{hours:,.0f} h"


def duration_delta(hours: float) -> str:
    """A signed change in the unit `duration` would choose for it: '+12 min', '−1.5 h'."""
    sign = "+" if hours >= 0 else "−"
    return sign + duration(abs(hours))


def time_unit(hours: list[float] | tuple[float, ...]) -> tuple[str, float]:
    """One unit for a whole axis or column: ('min', 60) when every value is under an hour, else ('h', 1)."""
    return ("min", 60.0) if max((abs(h) for h in hours), default=0) < 1 else ("h", 1.0)


def share(value: float | None) -> str:
    """0.153 -> '15 %', 0.004 -> '0.4 %'; '—' for None."""
    if value is None:
        return "—"
    pct = value * 100
    return f"{pct:.1f} %" if 0 < abs(pct) < 10 else f"{pct:.0f} %"


def where(place: str) -> str:
    """A public channel's name with its #, or the kind of place it was ('e-mail', 'direct message'): the query
    layer names no other place, and a mail folder's own name ('mailbox', 'folder 2b9e84') is never shown."""
    return place if place in PLACE_LABELS else f"#{place}"


def headline(words: str) -> tuple[str, str | None]:
    """A figure in words split for a metric tile: 'none: human (before Nov 2022)' -> ('none', 'human (before Nov
    2022)'), '8% (3%–22%)' -> ('8%', '95 % interval 3%–22%'), so that the tile never cuts it."""
    if ": " in words:
        head, note = words.split(": ", 1)
        return head, note
    if " (" in words and words.endswith(")"):
        head, rest = words.split(" (", 1)
        return head, ("95 % interval " if head[:1].isdigit() else "") + rest[:-1]
    return words, None
