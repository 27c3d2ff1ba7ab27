"""The progress bar every stage shares (ingest units, analysed messages)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any


def _progress(units: Iterable[Any], total: int | None, description: str, show: bool,
              size: Any = lambda unit: len(unit.records or []), step: Any = lambda unit: 1) -> Iterator[Any]:
    """Yield units while a progress bar counts them (`step` each, against `total`) and the messages they hold
    (`size`)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .console import err_console

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.fields[msgs]} messages"), console=err_console, disable=not show) as prog:
        task = prog.add_task(description, total=total, msgs=0)
        n = 0
        for unit in units:
            yield unit
            n += size(unit)
            prog.update(task, advance=step(unit), msgs=n)
