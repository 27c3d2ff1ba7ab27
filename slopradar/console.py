"""Shared rich consoles: results go to stdout, progress and diagnostics to stderr."""

from rich.console import Console

out_console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False)
