"""The `slopradar` command line."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from .config import ConfigError, Settings
from .console import emit_json, err_console, out_console, plain

app = typer.Typer(rich_markup_mode=None, help="slopradar: on-premises monitor of communication quality (AI bloat, summary chains, "
                  "lost facts).", no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
ingest_app = typer.Typer(rich_markup_mode=None, help="Load messages into the store.", no_args_is_help=True)
app.add_typer(ingest_app, name="ingest")

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


@app.command()
def analyze(
    precision: Annotated[str, typer.Option(help="Embedding precision: auto (the fastest that agrees with fp32 on a "
                                                "probe: bf16, int8 ONNX, else fp32), fp32, bf16 or int8.")] = "auto",
    engine_name: Annotated[str, typer.Option("--engine", help="local, or ray: scoring in a Ray actor pool "
                                                               "(extra slopradar[ray]; docs/scale.md).")] = "local",
    address: Annotated[str | None, typer.Option(help="Ray cluster address (e.g. auto, or ray://head:10001); "
                                                     "none: a local Ray. A remote cluster needs PostgreSQL.")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Ray actors, one CPU and one model each.")] = 2,
) -> None:
    """Score new or changed messages (language, embedding, bloat, AI-likeness); incremental."""
    from analysis.embeddings import PRECISIONS

    from .distributed import analyze_ray
    from .pipeline import analyze as run

    if precision not in PRECISIONS:
        fail(f"--precision {precision}: choose one of {', '.join(PRECISIONS)}")
    if engine_name not in ("local", "ray"):
        fail(f"--engine {engine_name}: choose local or ray")
    engine = _engine()
    if engine_name == "ray":
        summary = _run(lambda e, s, p: analyze_ray(e, s, address, workers, p, precision=precision),
                       engine, state.settings, not state.quiet)
    else:
        summary = _run(lambda *a: run(*a, precision=precision), engine, state.settings, not state.quiet)
    if summary["precision"] and not state.quiet:
        err_console.print(f"embeddings: {plain(summary['precision_reason'])}", soft_wrap=True)
    emit_json(summary)


eval_app = typer.Typer(rich_markup_mode=None, help="Evaluate a task on a JSONL file; the last stdout line is one JSON object.",
                       no_args_is_help=True)
app.add_typer(eval_app, name="eval")
train_app = typer.Typer(rich_markup_mode=None, help="Fit a model from labelled JSONL and write its artifact.", no_args_is_help=True)
app.add_typer(train_app, name="train")


def _embedder() -> Any:
    from analysis.embeddings import load_embedder

    try:
        return load_embedder(state.settings.embedding_model)
    except (FileNotFoundError, OSError) as exc:
        fail(f"cannot load embedding model: {exc}")


@eval_app.command("detect")
def eval_detect(
    data: Annotated[Path, typer.Option(help='JSONL, one {"text", "label": "ai"|"human"} per line.')],
    model: Annotated[Path | None, typer.Option(help="Detector artifact [default: the shipped one].")] = None,
) -> None:
    """AI-likeness: n, auroc, tpr_at_1pct_fpr, and fpr/tpr at the shipped threshold (overall and by stratum)."""
    from analysis.evaluate import evaluate

    _eval_with_detector(evaluate, data, model)


def _eval_with_detector(run: Any, data: Path, model: Path | None) -> None:
    """An evaluation that scores texts with a detector artifact: progress on stderr, one JSON line on stdout."""
    from analysis.detector import DEFAULT_ARTIFACT
    from analysis.evaluate import DataError

    try:
        result = run(data, _embedder(), model or DEFAULT_ARTIFACT,
                     progress=lambda s: err_console.print(s, soft_wrap=True, markup=False))
    except (DataError, ValueError) as exc:
        fail(str(exc))
    emit_json(result)


@eval_app.command("factloss")
def eval_factloss(
    data: Annotated[Path, typer.Option(help='JSONL, one {"source", "summary", "label": 1 consistent | 0 not} per line.')],
) -> None:
    """Fact consistency: n, balanced_accuracy (shipped threshold), auroc, recall on label-0 items."""
    from analysis.evaluate import DataError, evaluate_factloss

    try:
        result = evaluate_factloss(data)
    except (DataError, ValueError, KeyError) as exc:
        fail(str(exc))
    emit_json(result)


@eval_app.command("chains")
def eval_chains(
    data: Annotated[Path, typer.Option(help='JSONL, one message per line: {"id", "ts", "channel", "author", "text", '
                                           '"parent", "origin"}; gold parent/origin are hidden from the linker.')],
) -> None:
    """Derivation edges: edge_precision, edge_recall, edge_f1 (exact parent), origin_accuracy."""
    from analysis.evaluate import DataError, evaluate_chains

    try:
        result = evaluate_chains(data, _embedder())
    except (DataError, ValueError) as exc:
        fail(str(exc))
    emit_json(result)


@eval_app.command("share")
def eval_share(
    data: Annotated[Path, typer.Option(help='JSONL, one {"text", "group", "period": "before"|"after", "label"} per line; '
                                           '"before" rows are the group\'s human baseline; labels only score the estimate.')],
    model: Annotated[Path | None, typer.Option(help="Detector artifact [default: the shipped one].")] = None,
) -> None:
    """Team-level AI share on mixtures: per group n_after, true, estimate, ci95; mae, ci_coverage, n_groups."""
    from analysis.evaluate import evaluate_share

    _eval_with_detector(evaluate_share, data, model)


@train_app.command("detect")
def train_detect(
    data: Annotated[list[Path], typer.Option(help="Labelled JSONL (repeat for several files).")],
    calibration: Annotated[Path | None, typer.Option(help="Human-only workplace JSONL that sets the threshold "
                                                     "(its 99th percentile: 1 % false positives).")] = None,
    out: Annotated[Path | None, typer.Option(help="Where to write the artifact [default: the shipped one].")] = None,
    c: Annotated[float, typer.Option("--C", help="Inverse regularisation strength.")] = 0.1,
    rates: Annotated[Path | None, typer.Option(help="Held-out error levels from scripts/detect_loso.py "
                                               "(stored with the artifact for the team estimate).")] = None,
) -> None:
    """Fit the AI-likeness detector and write its JSON artifact."""
    from analysis.detector import DEFAULT_ARTIFACT
    from analysis.evaluate import DataError, train

    try:
        # the shipped detector reads no embedding (docs/detection.md): none is loaded
        result = train(data, calibration, None, out or DEFAULT_ARTIFACT, C=c, rates=rates)
    except (DataError, ValueError) as exc:
        fail(str(exc))
    emit_json(result)


@train_app.command("factloss")
def train_factloss(
    data: Annotated[list[Path], typer.Option(help='Labelled JSONL, one {"source", "summary", "label": 1 consistent | '
                                                 '0 not, "domain"} per line (repeat for several files).')],
    generated: Annotated[list[Path] | None, typer.Option(help="Generated corruptions (scripts/build_factloss_data.py), "
                                                         "weighted by --generated-weight.")] = None,
    generated_weight: Annotated[float, typer.Option(help="Weight of a generated pair against a real one.")] = 0.1,
    out: Annotated[Path | None, typer.Option(help="Where to write the artifact [default: the shipped one].")] = None,
    c: Annotated[float, typer.Option("--C", help="Inverse regularisation strength.")] = 0.1,
) -> None:
    """Fit the word-level fact-checker over MiniLM token vectors and the calibrated check over it and the rule
    signals; write both artifacts (docs/factloss.md)."""
    from analysis.embeddings import load_embedder
    from analysis.evaluate import DataError, train_factloss as fit

    files = list(data) + list(generated or [])
    try:
        # the features are MiniLM's (token vectors): always the bundled model, whatever embedding_model says
        result = fit(files, load_embedder(), out, C=c, weights={p.name: generated_weight for p in generated or []},
                     progress=lambda s: err_console.print(s, soft_wrap=True, markup=False))
    except (DataError, ValueError) as exc:
        fail(str(exc))
    emit_json(result)


@app.command()
def chains(
    list_: Annotated[bool, typer.Option("--list", help="List announcements that have copies.")] = False,
    root: Annotated[int | None, typer.Option("--root", help="Show one chain as a tree (a root id from --list).")] = None,
) -> None:
    """Chains of copies: which announcement each copy derives from, and the facts lost on the way."""
    from . import queries

    engine = _engine()
    cli_rights.log(engine, "chains", f"root {root}" if root is not None else "list")
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

    from analysis import audit as audit_mod
    from analysis import report

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
        r = _run(audit_mod.run, engine, state.settings, None, *periods, team)
    else:
        adopted = adoption_date or state.settings.adoption_date
        if adopted is None:
            fail("give --adoption-date, or --before and --after (or set adoption_date in the config)")
        r = _run(audit_mod.run, engine, state.settings, day(adopted, "--adoption-date"), None, None, team)
    try:
        report.write(r, out, fmt)
    except OSError as exc:
        fail(f"cannot write {out}: {exc}")
    cli_rights.log(engine, "audit", str(out), format=fmt, team=team, adoption_date=adoption_date, before=before,
                   after=after)
    org = r["groups"][0]
    err_console.print(f"wrote {plain(out)} ({fmt}): {len(r['groups'])} groups, periods {r['periods']['before']['start']}"
                      f"..{r['periods']['before']['end_inclusive']} vs {r['periods']['after']['start']}.."
                      f"{r['periods']['after']['end_inclusive']}")
    for m in org["metrics"]:
        err_console.print(f"  {m['label']}: {m['verdict']}", markup=False)


@app.command()
def bot(
    http: Annotated[bool, typer.Option("--http", help="Serve Slack's HTTP events API (request signatures "
                                       "checked) instead of Socket Mode.")] = False,
    port: Annotated[int, typer.Option(help="Port for --http.")] = 3000,
) -> None:
    """Run the Slack nudge bot (Socket Mode by default: no public endpoint; SLACK_APP_TOKEN, SLACK_BOT_TOKEN)."""
    from bot.app import run as run_bot

    engine = _engine(create=True, key=True)
    err_console.print("slopradar bot: " + (f"HTTP on port {port}" if http else "Socket Mode") + " (Ctrl-C to stop)")
    try:
        _run(run_bot, engine, state.settings, http, port)
    except KeyboardInterrupt:
        raise typer.Exit(0) from None


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


@app.command()
def dashboard(
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8501,
    host: Annotated[str, typer.Option(help="Address to bind; localhost by default.")] = "127.0.0.1",
) -> None:
    """Serve the Streamlit dashboard (binds to localhost by default)."""
    _engine()  # fail early, with a clear message, if the store cannot be opened
    _check_port(host, port)
    app_file = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
    if not app_file.is_file():
        import dashboard

        app_file = Path(dashboard.__file__).parent / "app.py"
    env = dict(os.environ, **settings_env(state.settings))
    cmd = [sys.executable, "-m", "streamlit", "run", str(app_file), "--server.port", str(port),
           "--server.address", host, "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--client.toolbarMode", "viewer"]
    err_console.print(f"serving the dashboard on http://{host}:{port} (Ctrl-C to stop)", markup=False)
    raise typer.Exit(_serve(cmd, env))


def _check_port(host: str, port: int) -> None:
    """One clear line, before anything starts, when the address is taken or cannot be bound."""
    import socket

    try:
        family, kind, proto, _name, addr = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                              flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as exc:
        fail(f"cannot serve on {host}: {exc.strerror}")
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does: TIME_WAIT is no obstacle
        try:
            probe.bind(addr)
        except OSError as exc:
            hint = " (another dashboard?): choose another with --port" if exc.errno == errno.EADDRINUSE else ""
            fail(f"cannot serve on {host}:{port}: {exc.strerror}{hint}")


class _Stopped(Exception):
    """SIGTERM or SIGHUP reached the command."""


def _serve(cmd: list[str], env: dict[str, str]) -> int:
    """Run the server until it ends or we are told to stop (Ctrl-C, SIGTERM, SIGHUP); the server never
    outlives this process."""
    import signal

    def stop(_signum: int, _frame: Any) -> None:
        raise _Stopped

    proc = subprocess.Popen(cmd, env=env)
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        return proc.wait()
    except (KeyboardInterrupt, _Stopped):
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@app.command()
def demo(
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the dashboard at the end.")] = True,
    samples: Annotated[Path, typer.Option(help="The demo workspace folder.")] = Path("samples"),
    port: Annotated[int, typer.Option(help="Port to serve the dashboard on.")] = 8501,
) -> None:
    """Load samples/ into the store, analyse it, and serve the dashboard."""
    from .pipeline import ingest_mailbox as run_mail
    from .pipeline import ingest_slack_export as run_slack
    from .pipeline import stats as run_stats

    if not samples.is_dir():
        fail(f"{samples} not found: run from the repository root or pass --samples")
    if state.settings.team_mapping is None and (samples / "teams.yaml").is_file():
        state.settings.team_mapping = str((samples / "teams.yaml").resolve())
    truth = samples / "ground_truth.json"
    if state.settings.adoption_date is None and truth.is_file():  # the demo company adopted AI on this date
        state.settings.adoption_date = json.loads(truth.read_text(encoding="utf-8"))["workspace"].get("adoption_date")
    engine = _engine(create=True, key=True)
    _print_report(_run(run_slack, engine, state.settings, samples / "slack-export", not state.quiet))
    for mbox in sorted(samples.glob("*.mbox")):
        _print_report(_run(run_mail, engine, state.settings, mbox, not state.quiet))
    from .pipeline import analyze as run_analyze

    emit_json(_run(run_analyze, engine, state.settings, not state.quiet))
    emit_json(_run(run_stats, engine))
    if serve:
        dashboard(port=port)


from . import cli_rights  # noqa: E402,F401  (person, access-log, compliance: registered on `app`)

if __name__ == "__main__":  # pragma: no cover
    from slopradar.cli import app as imported  # cli_rights registers its commands on the imported module's app

    imported()
