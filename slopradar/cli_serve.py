"""`slopradar bot`, `dashboard` and `demo`: the long-running services, and the demo that ends in one.
Registered on the main app by slopradar/cli.py."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from .cli import _engine, _print_report, _run, app, fail, settings_env, state
from .console import emit_json, err_console


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
