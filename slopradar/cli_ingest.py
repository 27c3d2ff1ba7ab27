"""`slopradar ingest ...` (one command per source) and the store's own commands: teams, retention, stats.
Registered on the main app by slopradar/cli.py."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from .cli import _engine, _print_report, _run, app, fail, state
from .config import Settings
from .console import emit_json, err_console, plain

ingest_app = typer.Typer(rich_markup_mode=None, help="Load messages into the store.", no_args_is_help=True)
app.add_typer(ingest_app, name="ingest")


@ingest_app.command("slack-export")
def ingest_slack_export(path: Annotated[Path, typer.Argument(help="Export ZIP or unpacked export folder.")]) -> None:
    """Load a Slack workspace export (the ZIP Slack produces, or its unpacked folder)."""
    from .pipeline import ingest_slack_export as run

    engine = _engine(create=True, key=True)
    _print_report(_run(run, engine, state.settings, path, not state.quiet))


@ingest_app.command("slack-api")
def ingest_slack_api(
    no_pace: Annotated[bool, typer.Option("--no-pace", help="Do not pace calls by Slack's rate-limit tiers "
                                          "(429s are still honoured).")] = False,
) -> None:
    """Pull the conversations the Slack app was added to, incrementally (token: SLACK_BOT_TOKEN)."""
    from .pipeline import ingest_slack_api as run

    engine = _engine(create=True, key=True)
    _print_report(_run(run, engine, state.settings, None, not state.quiet, not no_pace))


@ingest_app.command("outlook")
def ingest_outlook(
    mailbox: Annotated[list[str] | None, typer.Option("--mailbox", help="Mailbox (user principal name) to sync; "
                                                       "repeat for several [default: graph_mailboxes].")] = None,
    folder: Annotated[list[str] | None, typer.Option("--folder", help="Folder: sentitems, inbox or an id; repeat "
                                                      "[default: graph_folders, i.e. sentitems].")] = None,
    device_code: Annotated[bool, typer.Option("--device-code", help="Sign in as yourself (device code) and read "
                                              "your own mailbox, instead of the organisation's app.")] = False,
) -> None:
    """Pull mail through Microsoft Graph delta queries, incrementally (msal; docs/connectors.md)."""
    from .pipeline import ingest_outlook as run

    engine = _engine(create=True, key=True)
    _print_report(_run(run, engine, state.settings, None, None, None, mailbox or None, folder or None,
                       device_code, not state.quiet))


@ingest_app.command("mailbox")
def ingest_mailbox(path: Annotated[Path, typer.Argument(help="mbox file, .eml file or folder, maildir, or .pst.")]) -> None:
    """Load a mailbox file or folder: mbox, .eml, maildir, or PST (with the 'pst' extra)."""
    from .pipeline import ingest_mailbox as run

    engine = _engine(create=True, key=True)
    _print_report(_run(run, engine, state.settings, path, not state.quiet))


def register_path_source(name: str, build: Callable[[Settings, Path], Any], label: str, summary: str) -> None:
    """`slopradar ingest <name> PATH` for a source read from a file or folder, in one call: `build(settings,
    path)` makes its connector (connectors.base.Connector) and sources.ingest_connector runs it, with the
    report the other ingest commands print. Sources that take more than a path keep their own command above."""
    def command(path: Annotated[Path, typer.Argument(help="File or folder to read.")]) -> None:
        from .sources import ingest_connector

        engine = _engine(create=True, key=True)
        _print_report(_run(lambda: ingest_connector(engine, state.settings, build(state.settings, path), label,
                                                    not state.quiet)))

    ingest_app.command(name, help=summary)(command)


@app.command()
def teams(
    mapping: Annotated[Path | None, typer.Option(help="Team mapping file (YAML or CSV), remembered by the store for "
                                                 "later ingests [default: the team_mapping setting, else the "
                                                 "mapping last given].")] = None,
    derived: Annotated[bool, typer.Option("--derived", help="Forget the remembered mapping: teams come from where "
                                          "people write.")] = False,
    suggest: Annotated[Path | None, typer.Option("--suggest", help="Also write the teams as they now are to this "
                                                 "new file, as a mapping (YAML) keyed by #channels and mail domains, "
                                                 "to edit and apply with --mapping.")] = None,
) -> None:
    """Recompute team membership (after editing the mapping file) and say how people were assigned."""
    from .pipeline import apply_teams
    from .teams import RULES, forget_mapping, remembered_mapping, suggest_mapping

    if mapping is not None and derived:
        fail("give --mapping FILE or --derived, not both")
    if suggest is not None and suggest.exists():
        fail(f"{suggest} exists: give --suggest a new file (a suggestion never overwrites a mapping)")
    if mapping is not None:
        state.settings.team_mapping = str(mapping)
    engine = _engine(key=True)
    if derived:
        state.settings.team_mapping = None
        forget_mapping(engine)
    result = _run(apply_teams, engine, state.settings)
    if not state.quiet:
        err_console.print(f"{result['teams']} teams. Authors assigned by " + ", ".join(
            f"{label}: {result['assigned'].get(rule, 0)}" for rule, label in RULES.items()), soft_wrap=True)
    if suggest is not None:
        from .console import write_private

        try:
            write_private(suggest, suggest_mapping(engine, state.settings.min_group_size).encode("utf-8"))
        except OSError as exc:
            fail(f"cannot write {suggest}: {exc.strerror or exc}")
        if not state.quiet:
            err_console.print(f"suggested mapping written to {plain(suggest)}: edit it, then "
                              f"`slopradar teams --mapping {plain(suggest)}`", soft_wrap=True)
    emit_json(result | {"mapping": remembered_mapping(engine)} | ({"suggested": str(suggest)} if suggest else {}))


@app.command()
def retention() -> None:
    """Drop message text older than the retention_days setting (scores and facts are kept)."""
    from .pipeline import apply_retention

    if state.settings.retention_days is None:
        fail("retention_days is not set: nothing to do")
    engine = _engine()
    emit_json({"texts_removed": _run(apply_retention, engine, state.settings)})


@app.command()
def stats() -> None:
    """Print counts of what the store holds; the last line is one JSON object."""
    from .pipeline import stats as run

    engine = _engine()
    emit_json(_run(run, engine))
