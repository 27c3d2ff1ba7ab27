"""Commands for a DPO and an admin: a person's rights (`person export|forget|object`), the access log
(`access-log`) and the compliance documents (`compliance`). Registered on the main app by slopradar/cli.py."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, UTC
from pathlib import Path
from typing import Annotated, Any

import typer

from .cli import _engine, _run, app, fail, state
from .console import emit_json, err_console, out_console, plain, write_private

person_app = typer.Typer(rich_markup_mode=None, no_args_is_help=True,
                         help="A person's rights (GDPR art. 15, 17, 21), by e-mail address or Slack user id.")
app.add_typer(person_app, name="person")

IDENT_HELP = "The person's e-mail address or Slack user id (U0123ABCD, or T0123ABCD:U0123ABCD)."


def log(engine: Any, action: str, target: str = "", **details: Any) -> None:
    from .access_log import cli_actor, record

    record(engine, cli_actor(), "cli", action, target, details, keep_days=state.settings.access_log_days)


def _pz(engine: Any) -> Any:
    from .pseudonym import Pseudonymizer, check_key

    return Pseudonymizer(check_key(engine, state.settings))


def _target(pz: Any, ident: str) -> str:
    """How the access log names a person: the keyed hash, never the address or id itself."""
    from .person import PersonError, aliases_of

    try:
        return "person:" + aliases_of(pz, ident)[0][:16]
    except PersonError as exc:
        fail(str(exc))


@person_app.command("export")
def person_export(
    ident: Annotated[str, typer.Argument(help=IDENT_HELP)],
    out: Annotated[Path, typer.Option("--out", help="JSON file to write (0600).")],
) -> None:
    """Everything the store holds on one person (messages, scores, facts, nudges and feedback, team, opt-out)."""
    from .person import PersonError, dumps, export

    engine = _engine(key=True)
    pz = _pz(engine)
    target = _target(pz, ident)
    try:
        data = _run(export, engine, pz, ident)
    except PersonError as exc:
        fail(str(exc))
    try:
        write_private(out, dumps(data).encode("utf-8"))
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror or exc}")
    log(engine, "person-export", target, out=str(out))
    if not state.quiet:
        err_console.print(f"wrote {plain(out)}: {len(data['messages'])} messages, {len(data['nudges'])} nudges, "
                          f"{len(data['aggregate_cells'])} aggregate cells", soft_wrap=True)
    emit_json({"out": str(out), "messages": len(data["messages"]), "nudges": len(data["nudges"]),
               "aggregate_cells": len(data["aggregate_cells"])})


@person_app.command("forget")
def person_forget(
    ident: Annotated[str, typer.Argument(help=IDENT_HELP)],
    rescore: Annotated[bool, typer.Option("--rescore/--no-rescore", help="Re-score the other messages of the "
                                          "person's conversations now (their length norm changed); with "
                                          "--no-rescore they keep their scores until the next analyzer version.")] = True,
) -> None:
    """Erase a person: messages, embeddings, scores, nudges, aliases; rebuild chains, facts and aggregate cells;
    keep only a keyed hash so that later ingests skip them. Idempotent."""
    from .person import forget

    engine = _engine(key=True)
    pz = _pz(engine)
    target = _target(pz, ident)
    result = _run(forget, engine, state.settings, pz, ident, rescore)
    log(engine, "person-forget", target)
    if not result["store_compacted"]:
        err_console.print("[yellow]warning:[/] the erased rows are deleted but the store file could not be compacted "
                          "(another process, such as the dashboard, holds it): stop it and run the same command "
                          "again", soft_wrap=True)
    if not state.quiet:
        err_console.print(f"forgotten: {result['people']} person, {result['messages']} messages, {result['scores']} "
                          f"scores, {result['nudges']} nudges; {result['other_messages_scrubbed']} other messages "
                          f"no longer mention or quote them; later ingests skip them", soft_wrap=True)
    emit_json(result)


@person_app.command("object")
def person_object(
    ident: Annotated[str, typer.Argument(help=IDENT_HELP)],
    withdraw: Annotated[bool, typer.Option("--withdraw", help="The person withdraws their objection.")] = False,
) -> None:
    """Record a person's objection (GDPR art. 21): the opt-out the Slack bot's /slopradar opt-out also sets."""
    from .person import PersonError, object_to_processing

    engine = _engine(key=True)
    pz = _pz(engine)
    target = _target(pz, ident)
    try:
        result = _run(object_to_processing, engine, pz, ident, withdraw)
    except PersonError as exc:
        fail(str(exc))
    log(engine, "person-object", target, withdraw=withdraw)
    emit_json(result)


def _day(value: str | None, what: str) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.combine(date.fromisoformat(value), time(), UTC)
    except ValueError:
        fail(f"{what}: {value!r} is not a date (YYYY-MM-DD)")


@app.command("access-log")
def access_log(
    since: Annotated[str | None, typer.Option(help="First day (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option(help="Last day, inclusive (YYYY-MM-DD).")] = None,
    actor: Annotated[str | None, typer.Option(help="Only rows whose actor contains this.")] = None,
    action: Annotated[str | None, typer.Option(help="Only this action: page, filters, download, audit, chains, "
                                              "person-export, person-forget, person-object, compliance, "
                                              "access-log.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many rows, the most recent.")] = 200,
) -> None:
    """Who opened which dashboard page, audit or export, with which filters (for the admin and the DPO)."""
    from .access_log import purge, read

    engine = _engine()
    purge(engine, state.settings.access_log_days)
    end = _day(until, "--until")
    rows = read(engine, _day(since, "--since"), end + timedelta(days=1) if end else None, actor, action, limit)
    log(engine, "access-log", details_filter(since, until, actor, action))
    for r in rows:
        details = ", ".join(f"{k}={v}" for k, v in r["details"].items())
        out_console.print(plain(f"{r['at']}  {r['actor']}  {r['channel']}  {r['action']}  {r['target']}"
                                + (f"  ({details})" if details else "")), soft_wrap=True)
    emit_json({"rows": rows, "kept_days": state.settings.access_log_days})


def details_filter(*values: str | None) -> str:
    return " ".join(v for v in values if v)


@app.command()
def compliance(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the documents to (en/ and fr/).")] = Path(
        "compliance"),
    organisation: Annotated[str | None, typer.Option(help="The organisation's name (the controller).")] = None,
    dpo: Annotated[str | None, typer.Option(help="How to reach the data protection officer.")] = None,
    lang: Annotated[list[str] | None, typer.Option("--lang", help="en, fr (repeatable) [default: both].")] = None,
) -> None:
    """Write the DPIA, the employees' information notice, the works council (CSE) note and the record-of-processing
    entry, in English and French, from this deployment's settings and store."""
    from .compliance import LANGUAGES, write_documents

    langs = lang or list(LANGUAGES)
    bad = [x for x in langs if x not in LANGUAGES]
    if bad:
        fail(f"unknown language {bad[0]!r}: use " + " or ".join(LANGUAGES))
    engine = _engine()
    try:
        written = _run(write_documents, engine, state.settings, out, langs, organisation, dpo)
    except OSError as exc:
        fail(f"cannot write to {out}: {exc.strerror or exc}")
    log(engine, "compliance", str(out))
    from .compliance import WARNINGS, deployment

    warnings = deployment(engine, state.settings)["warnings"]
    if not state.quiet:
        err_console.print(f"wrote {len(written)} documents to {plain(out)}", soft_wrap=True)
        for w in warnings:
            err_console.print(f"[yellow]warning:[/] {plain(WARNINGS[w])}", soft_wrap=True)
    emit_json({"written": [str(p) for p in written], "warnings": warnings})
