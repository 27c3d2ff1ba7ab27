"""`slopradar analyze`, `eval ...` and `train ...`: score the store, evaluate a task, fit a model.
Registered on the main app by slopradar/cli.py."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from .cli import _engine, _run, app, fail, state
from .console import emit_json, err_console, plain


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
        summary = _run(lambda e, s, p: run(e, s, p, precision=precision), engine, state.settings, not state.quiet)
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
    cross_language: Annotated[bool, typer.Option(
        "--cross-language", help="Compare pairs in two languages with the multilingual embedder (the setting "
        "cross_language_embedding).")] = False,
) -> None:
    """Derivation edges: edge_precision, edge_recall, edge_f1 (exact parent), origin_accuracy."""
    from analysis.evaluate import DataError, evaluate_chains

    try:
        result = evaluate_chains(data, _embedder(), cross_language=cross_language)
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
