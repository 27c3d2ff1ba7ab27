"""`slopradar chains` and `audit`: what the store found, as a terminal view or a report file.
Registered on the main app by slopradar/cli.py."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from .cli import _engine, _run, app, fail, state
from .console import emit_json, err_console, out_console, plain


@app.command()
def chains(
    list_: Annotated[bool, typer.Option("--list", help="List announcements that have copies.")] = False,
    root: Annotated[int | None, typer.Option("--root", help="Show one chain as a tree (a root id from --list).")] = None,
) -> None:
    """Chains of copies: which announcement each copy derives from, and the facts lost on the way."""
    from . import queries
    from .cli_rights import log

    engine = _engine()
    log(engine, "chains", f"root {root}" if root is not None else "list")
    if root is None:
        rows = queries.chains_overview(engine, state.settings.min_group_size)
        for r in rows:
            out_console.print(
                f"[bold]{r['root_id']}[/] {r['sent_at']} #{plain(r['conversation'])}: {r['copies']} copies, depth "
                f"{r['max_depth']}, {r['summary_of_summary']} summaries of summaries, critical facts lost "
                f"{r['critical_lost']}, distorted {r['critical_distorted']}\n   "
                + plain(f"“{r['excerpt']}”" if r["text_shown"] else r["excerpt"]))
        emit_json({"chains": rows})
        return
    tree = queries.chain_tree(engine, root, state.settings.min_group_size)
    if tree is None:
        fail(f"no chain starts at message {root}")

    def show(node: dict[str, Any], indent: str = "") -> None:
        rel = f"{node['relation']} (depth {node['depth']}{', summary of a summary' if node.get('summary_of_summary') else ''})" \
            if node["relation"] else "announcement"
        out_console.print(f"{indent}[bold]{rel}[/] — team {plain(node['team'] or '?')}, #{plain(node['conversation'])}, "
                          f"{node['sent_at']}")
        # the query layer leaves text out where a manager may not read it (docs/privacy.md)
        text = f"“{node['text'][:160]}”" if node["text_shown"] else queries.TEXT_NOT_SHOWN
        out_console.print(f"{indent}  {plain(text)}")
        for f in node["facts"]:
            mark = "[red]LOST[/]" if f["status"] == "lost" else "[yellow]DISTORTED[/]"
            crit = " (critical)" if f["critical"] else ""
            wording = f": {f['text']}" if f["text"] is not None else ""
            fact = plain(f"{f['kind']}{wording}{crit}")
            out_console.print(f"{indent}  {mark} {fact} {plain(f['evidence'])}")
        for child in node["children"]:
            show(child, indent + "    ")

    show(tree)  # type: ignore[arg-type]
    emit_json(tree)


@app.command()
def audit(
    out: Annotated[Path, typer.Option("--out", help="Report file to write.")] = Path("audit.html"),
    adoption_date: Annotated[str | None, typer.Option(help="YYYY-MM-DD: compare the weeks before with the weeks "
                                                      "after [default: the adoption_date setting].")] = None,
    before: Annotated[tuple[str, str] | None, typer.Option(help="Explicit 'before' period: START END (dates, "
                                                           "inclusive; widened to whole weeks).")] = None,
    after: Annotated[tuple[str, str] | None, typer.Option(help="Explicit 'after' period: START END.")] = None,
    team: Annotated[str | None, typer.Option(help="Restrict to one team (name or id).")] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="html | pdf | json | csv [default: from --out's "
                                            "suffix, else html].")] = None,
) -> None:
    """Write a pre/post AI-adoption audit report (self-contained HTML, PDF, JSON or CSV)."""
    from datetime import date

    from . import audit_data
    from analysis import report

    from .cli_rights import log

    fmt = fmt or report.default_format(out)
    if fmt not in ("html", "pdf", "json", "csv"):
        fail(f"unknown format {fmt!r}: use html, pdf, json or csv")

    def day(value: str, what: str) -> date:
        try:
            return date.fromisoformat(value)
        except ValueError:
            fail(f"{what}: {value!r} is not a date (YYYY-MM-DD)")

    if (before is None) != (after is None):
        fail("give both --before START END and --after START END, or neither")
    engine = _engine()
    if before and after:
        periods = ((day(before[0], "--before"), day(before[1], "--before")),
                   (day(after[0], "--after"), day(after[1], "--after")))
        r = _run(audit_data.run, engine, state.settings, None, *periods, team)
    else:
        adopted = adoption_date or state.settings.adoption_date
        if adopted is None:
            fail("give --adoption-date, or --before and --after (or set adoption_date in the config)")
        r = _run(audit_data.run, engine, state.settings, day(adopted, "--adoption-date"), None, None, team)
    try:
        report.write(r, out, fmt)
    except OSError as exc:
        fail(f"cannot write {out}: {exc}")
    log(engine, "audit", str(out), format=fmt, team=team, adoption_date=adoption_date, before=before, after=after)
    org = r["groups"][0]
    err_console.print(f"wrote {plain(out)} ({fmt}): {len(r['groups'])} groups, periods {r['periods']['before']['start']}"
                      f"..{r['periods']['before']['end_inclusive']} vs {r['periods']['after']['start']}.."
                      f"{r['periods']['after']['end_inclusive']}")
    for m in org["metrics"]:
        err_console.print(f"  {m['label']}: {m['verdict']}", markup=False)
