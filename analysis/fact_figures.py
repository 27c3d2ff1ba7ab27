"""Figures as a message writes them: a number in either decimal mark, and the place of its last written digit, so
that a rounded amount is no other amount ("$1.5 billion" for "$1,505,907,788": `rounds`). Read by facts.py and
factloss.compare. Written by hand: no library reads the precision a figure is written to."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .facts import Fact

ROUNDED_DIGITS = 2  # significant digits a rounded figure keeps: "$2 million" for "$2.4 million" says another amount
ROUNDED_SOURCE_DIGITS = 4  # ... of an amount this precise: a price of "$0.134" or "$4.99" is meant to the digit
ROUNDED_KINDS = ("money", "percentage")


_THOUSANDS = re.compile(r"[1-9]\d{0,2}(?:[.,]\d{3})+")  # 42,000 / 42.000; a figure opening with 0 has none


def _parse(s: str) -> tuple[float, int] | None:
    """A figure as written, in either decimal mark, and how many decimals it writes."""
    s = re.sub(r"[\s\u202f\u00a0]", "", s)
    if "," in s and "." in s:  # both marks: the last is the decimal one ("1,234.56", "1.234,56")
        mark = max(s.rfind(","), s.rfind("."))
        s = re.sub(r"[.,]", "", s[:mark]) + "." + s[mark + 1:]
    elif _THOUSANDS.fullmatch(s):  # thousands separators ("0.134" is a figure with decimals)
        s = re.sub(r"[.,]", "", s)
    s = s.replace(",", ".")
    try:
        return float(s), len(s) - s.index(".") - 1 if "." in s else 0
    except ValueError:
        return None


def number(s: str) -> float | None:
    """A figure as written, in either decimal mark: "1,234.56", "1.234,56", "42,000", "1,5", "0.134"."""
    parsed = _parse(s)
    return parsed[0] if parsed else None


def fmt(x: float) -> str:
    return str(int(x)) if x == int(x) else f"{x:.12g}"  # "1234567.89", not six digits ("1.23457e+06")


_FIGURE = re.compile(r"\d(?:[\d.,\u202f\u00a0 ]*\d)?")


def written(text: str) -> tuple[float, float, int] | None:
    """The first figure a span writes: its number, the place of its last significant digit and how many significant
    digits it has. "1.5" (1.5, 0.1, 2); "1,500,000" (1500000, 100000, 2): trailing zeros of a whole number are
    rounding; "12" (12, 1, 2); "1 234,5" (1234.5, 0.1, 5)."""
    m = _FIGURE.search(text)
    parsed = _parse(m.group(0)) if m else None
    if m is None or parsed is None:
        return None
    value, decimals = parsed
    digits = re.sub(r"\D", "", m.group(0)).lstrip("0")
    if decimals:
        return value, 10.0 ** -decimals, len(digits)
    zeros = len(digits) - len(digits.rstrip("0"))
    return value, 10.0 ** zeros, len(digits) - zeros


def _amount(value: str) -> tuple[str, float] | None:
    """A money or percentage fact's value: its currency ("" for a percentage) and its amount."""
    head, _, tail = value.rpartition(" ")
    try:
        return head, float(tail.rstrip("%"))
    except ValueError:
        return None


def rounds(copy: Fact, source: Fact) -> bool:
    """The copy writes the source's amount or percentage rounded: in the same currency, less precisely than the
    source, with ROUNDED_DIGITS significant digits or more, less than half a unit of its last digit away. An amount
    rounds only a source amount of ROUNDED_SOURCE_DIGITS significant digits or more: "$1.5 billion" and
    "$1,500,000,000" for "$1,505,907,788", "12%" for "12.4%"; not "$0.13" for a price of "$0.134", "$2 million" for
    "$2.4 million", "10%" or "13%" for "12.4%", "$2.5" for "$2.45" (half a unit), or "$1,505,000,000" (1,505
    million, where the source says 1,506)."""
    if copy.kind != source.kind or copy.kind not in ROUNDED_KINDS:
        return False
    mine, theirs = _amount(copy.value), _amount(source.value)
    as_written, source_written = written(copy.text), written(source.text)
    if mine is None or theirs is None or as_written is None or source_written is None or mine[0] != theirs[0] or \
            not as_written[0] or not source_written[0] or \
            (copy.kind == "money" and source_written[2] < ROUNDED_SOURCE_DIGITS):
        return False
    unit = as_written[1] * mine[1] / as_written[0]  # in the value's units: "1.5" of "$1.5 billion" is 1e8
    source_unit = source_written[1] * theirs[1] / source_written[0]
    return as_written[2] >= ROUNDED_DIGITS and unit > source_unit * (1 + 1e-9) and \
        abs(mine[1] - theirs[1]) < unit / 2 * (1 - 1e-9)


def rounded_source(copy: Fact, sources: Sequence[Fact]) -> Fact | None:
    """The one source figure the copy rounds (`rounds`): none when it states one of them as written or rounds
    several ("12%" of "Revenue grew 12.4% and margin reached 11.6%": which one it kept is unknown)."""
    if copy.kind not in ROUNDED_KINDS or any(s.kind == copy.kind and s.value == copy.value for s in sources):
        return None
    hits = [s for s in sources if rounds(copy, s)]
    return hits[0] if len(hits) == 1 else None
