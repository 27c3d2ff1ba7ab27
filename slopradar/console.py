"""Output: the shared rich consoles (results to stdout, progress and diagnostics to stderr), and the
rules that keep user text inert in them and in the CSV files slopradar writes."""

from __future__ import annotations

import csv
import json
import os
import stat
import sys
from typing import Any

from rich.console import Console
from rich.markup import escape

# No emoji codes: ":fire:" in a message is text. Markup stays on for our own styling, so every piece of
# user text printed through these goes through plain(). Soft wrap on both: a line longer than the console is
# left to the terminal to wrap, so a long file path stays one piece to copy (Rich's own wrapping cut a path
# over 80 characters in the middle of a name, which broke test_output_safety under pytest-xdist's longer paths).
out_console = Console(highlight=False, soft_wrap=True, emoji=False)
err_console = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)

# OWASP "CSV Injection": a cell starting with one of these is a formula to a spreadsheet.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def plain(value: Any) -> str:
    """User text (message text, names, file names) for a console print: Rich markup in it stays literal."""
    return escape(str(value))


def emit_json(data: Any) -> None:
    """One JSON object on its own stdout line, never through Rich (no markup, no wrapping). ASCII with
    escapes, so that no stored text (a lone surrogate, a terminal's encoding) can fail the write."""
    sys.stdout.write(json.dumps(data, default=str) + "\n")
    sys.stdout.flush()


def write_private(path: str | os.PathLike[str], data: bytes) -> None:
    """Write a file only its owner can read (0600, whatever the umask; an existing file is narrowed too).
    Reports hold team figures and message excerpts."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        if stat.S_ISREG(os.fstat(fd).st_mode):  # not /dev/stdout or a pipe
            os.fchmod(fd, 0o600)
        fh.write(data)


def csv_cell(value: Any) -> Any:
    """A CSV cell that no spreadsheet runs: text starting with = + - @ tab or CR gets a leading quote
    (OWASP). Numbers are left as they are: a negative change is a number, not a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_row(row: dict[str, Any]) -> dict[str, Any]:
    return {k: csv_cell(v) for k, v in row.items()}


class SafeDictWriter(csv.DictWriter):  # type: ignore[type-arg]
    """csv.DictWriter whose every row goes through csv_cell(), with RFC 4180 line ends: the csv module
    quotes only cells holding a character of the line terminator, so with "\n" a bare CR in a cell
    would be written unquoted and split its row."""

    def __init__(self, f: Any, fieldnames: Any, **kwargs: Any) -> None:
        super().__init__(f, fieldnames, **(kwargs | {"lineterminator": "\r\n"}))

    def writerow(self, rowdict: Any) -> Any:
        return super().writerow(csv_row(rowdict))


def from_csv_cell(value: str) -> str:
    """The text a csv_cell() wrote (the quote it added removed), for files slopradar reads back."""
    return value[1:] if value.startswith("'") and value[1:].startswith(_FORMULA_START) else value
