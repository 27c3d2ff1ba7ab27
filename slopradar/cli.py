"""The `slopradar` command line: the app, its common options (--db, --config, --quiet, --debug) and what every
command shares (the store, one-line errors). The commands live by group, each module registering on `app`:
cli_ingest (ingest, teams, retention, stats), cli_analysis (analyze, eval, train), cli_report (chains, audit),
cli_serve (bot, dashboard, demo) and cli_rights (person, access-log, compliance)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from .config import ConfigError, Settings
from .console import emit_json, err_console, plain

app: typer.Typer = typer.Typer(rich_markup_mode=None, help="slopradar: on-premises monitor of communication quality (AI bloat, summary chains, "
                  "lost facts).", no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)

EXIT_INPUT = 2
# Help is plain text (rich_markup_mode=None on every Typer): with Rich markup, "[default: ...]" in a help
# string was read as a tag and dropped ("after .") and every flag was shown as taking a "<bool>".


class State:
    settings: Settings
    debug: bool = False
    quiet: bool = False


state = State()


def fail(message: str, code: int = EXIT_INPUT) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {plain(message)}", soft_wrap=True)
    raise typer.Exit(code)


@app.callback()
def main(
    db: Annotated[str | None, typer.Option("--db", help="Store: SQLite file path or SQLAlchemy URL "
                                           "[default: $SLOPRADAR_DB, else ./slopradar.db]")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="TOML config file "
                                                "[default: $SLOPRADAR_CONFIG, else ./slopradar.toml]")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on unexpected errors.")] = False,
) -> None:
    try:
        state.settings = Settings.load(config, db=db)
    except ConfigError as exc:
        fail(str(exc))
    state.debug, state.quiet = debug, quiet
    _quiet_libraries()


def _quiet_libraries() -> None:
    """Libraries' own progress bars ("Loading weights" from transformers) are noise in our output: the
    commands show their own. The variable also reaches the dashboard's process."""
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    if "transformers" in sys.modules:  # imported already: the variable is read at import only
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()


def _engine(create: bool = False, key: bool = False) -> Any:
    """The store; only commands that load data (`create`) may create it, the others refuse a missing one.
    Commands that pseudonymise (`key`) first check that the key is the store's own."""
    import stat

    from .pseudonym import check_key
    from .store import StoreError, open_store, sqlite_path

    try:
        engine = open_store(state.settings, create=create)
        if key:
            check_key(engine, state.settings)
    except (StoreError, ConfigError) as exc:
        fail(str(exc))
    path = sqlite_path(state.settings.db_url())
    if path is not None and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        err_console.print(f"[yellow]warning:[/] the store {plain(path)} can be read by other users: run "
                          f"`chmod 600 {plain(path)}*`", soft_wrap=True)
    return engine


def _run(fn: Any, *args: Any) -> Any:
    """Run a stage; known input errors become one clear line, never a traceback."""
    from analysis.audit import AuditError
    from connectors.base import ConnectorError

    from .store import StoreError
    from .teams import MappingError

    try:
        return fn(*args)
    except (ConnectorError, MappingError, StoreError, ConfigError, AuditError) as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        fail("interrupted; committed work is kept and a re-run resumes from the last checkpoint", 130)
    except Exception as exc:  # last resort: a short message, the traceback only on --debug
        if state.debug:
            raise
        fail(f"unexpected {type(exc).__name__}: {exc} (re-run with --debug for details)", 1)


def _print_report(report: Any) -> None:
    data = report.as_dict()
    if not state.quiet:
        m = data["messages"]
        err_console.print(
            f"[bold]{plain(data['source'])}[/]: {m['new']} new, {m['updated']} updated, {m['unchanged']} unchanged, "
            f"{m['deleted']} deleted, {m['truncated']} truncated; units done {data['units']['done']}, "
            f"unchanged {data['units']['unchanged']}, failed {data['units']['failed']}")
        if data["skipped"]:
            err_console.print("skipped: " + plain(", ".join(f"{k}: {v}" for k, v in sorted(data["skipped"].items()))))
        for e in data["errors"][:10]:
            err_console.print(f"[yellow]warning:[/] {plain(e)}")
    emit_json(data)


def settings_env(settings: Settings) -> dict[str, str]:
    """The settings that differ from their defaults, as SLOPRADAR_<KEY> variables for a child process."""
    from .config import ENV_PREFIX

    out = {}
    for name, field in Settings.model_fields.items():
        value = getattr(settings, name)
        # data_dir set to its default value still differs from leaving it unset (beside the store)
        explicit = name == "data_dir" and name in settings.model_fields_set
        if value is not None and (value != field.default or explicit):
            out[ENV_PREFIX + name.upper()] = (str(value).lower() if isinstance(value, bool) else
                                              ",".join(value) if isinstance(value, list) else str(value))
    out[ENV_PREFIX + "DB"] = settings.db
    return out


if __name__ == "__main__":  # pragma: no cover  (python -m slopradar.cli: run the imported module's app)
    from slopradar.cli import app as imported

    imported()
else:  # the command groups register on `app` as they are imported, in this order (the order `--help` lists them)
    from . import cli_ingest, cli_analysis, cli_report, cli_serve, cli_rights  # noqa: F401
