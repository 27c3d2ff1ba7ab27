"""`slopradar analyze --engine ray`: message scoring in a Ray Data actor pool, on one machine or a cluster.

The driver lists the pending messages (pipeline.pending_messages) and cuts them into the local engine's
groups of 256; Ray Data streams the groups to a pool of actors, each loading the embedding model once, scoring
a group and writing its results 32 messages per transaction (pipeline.score_group, as the local engine does).
Chains are then found by one Ray task per 30-day chunk (derivation.chunk_edges, reading the 21 days before it
too) and written by the driver with their fact records; the dashboard's cells are built on the driver.
Same batches, same code: the store ends as the local engine leaves it.

Workers on other machines need a store they can reach: PostgreSQL. Needs the optional extra `slopradar[ray]`.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from .config import ConfigError, Settings


def refuse_sqlite_remote(engine: Engine, address: str | None) -> None:
    """A cluster's workers cannot open a SQLite file on this machine: refuse before starting anything."""
    if address not in (None, "", "local") and engine.dialect.name == "sqlite":
        raise ConfigError(f"--engine ray --address {address} needs a PostgreSQL store (--db postgresql://...): "
                          "workers on other machines cannot open a SQLite file")


class _Scorer:
    """One Ray actor: the store, the embedder and the analyzer, loaded once; scores one batch per call."""

    def __init__(self, settings: dict[str, Any], version: str, precision: str, medians: dict[int, float]):
        import torch

        from analysis.embeddings import load_embedder
        from analysis.messages import MessageAnalyzer

        from .store import open_store

        torch.set_num_threads(max(1, int(os.environ.get("OMP_NUM_THREADS", "1"))))  # Ray: the actor's num_cpus
        self.settings = Settings(**settings)
        self.engine = open_store(self.settings)
        self.embedder = load_embedder(self.settings.embedding_model, precision)
        self.analyzer = MessageAnalyzer(self.embedder)
        self.version, self.medians = version, medians

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        from .pipeline import score_group

        import resource

        out: dict[str, list[Any]] = {k: [] for k in ("scored", "ai_not_scored", "flagged", "embedded", "precision",
                                                      "worker", "peak_rss_mb")}
        for ids, cids, hashes in zip(batch["ids"], batch["cids"], batch["hashes"], strict=True):
            rows = list(zip((int(i) for i in ids), (int(c) for c in cids), (str(h) for h in hashes), strict=True))
            results = [r for b in score_group(self.engine, self.analyzer, self.version, rows, self.medians) for r in b]
            out["scored"].append(len(results))
            out["ai_not_scored"].append(sum(r.ai.probability is None for r in results))
            out["flagged"].append(sum(bool(r.ai.flagged) for r in results))
            out["embedded"].append(sum(r.embedding is not None for r in results))
            out["precision"].append(self.embedder.precision_reason)
            out["worker"].append(os.getpid())
            out["peak_rss_mb"].append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        return out


def _ray_chunks(settings: Settings, launched: list[int]) -> Any:
    """derivation.ChunkMapper running one Ray task per 30-day chunk (each opens the store, reads its chunk and the
    21 days before it, and returns the chunk's edges; the driver writes). `launched` counts the tasks."""
    import ray

    worker = _worker_settings(settings)

    @ray.remote(num_cpus=1)
    def chunk(worker: dict[str, Any], a: Any) -> Any:
        from .derivation import chunk_edges
        from .store import open_store

        here = Settings(**worker)
        return chunk_edges(open_store(here), here, a)

    def mapper(starts: list[Any]) -> Any:
        refs = [chunk.remote(worker, a) for a in starts]
        launched.append(len(refs))
        while refs:  # as they finish: the driver holds one chunk's edges at a time beyond what it keeps
            done, refs = ray.wait(refs, num_returns=1)
            yield ray.get(done[0])

    return mapper


def _worker_settings(settings: Settings) -> dict[str, Any]:
    """What an actor needs: the store (a SQLite path made absolute: actors run in other folders) and the model.
    No secret travels: scoring reads no identity."""
    db = settings.db if "://" in settings.db else str(Path(settings.db).expanduser().resolve())
    return {"db": db, "embedding_model": settings.embedding_model}


def analyze_ray(engine: Engine, settings: Settings, address: str | None = None, workers: int = 2,
                progress: bool = True, batch_size: int = 32, precision: str = "auto") -> dict[str, Any]:
    """pipeline.analyze with scoring spread over `workers` Ray actors (one CPU each). Uses the Ray runtime
    already started in this process, else starts one: local, or the cluster at `address` ("auto": the one
    `ray start` runs here)."""
    refuse_sqlite_remote(engine, address)
    if importlib.util.find_spec("ray") is None:
        raise ConfigError("--engine ray needs Ray: pip install 'slopradar[ray]'")
    import ray

    from . import aggregates
    from .pipeline import _progress, analysis_groups, begin_analysis, build_chains

    version, pending, medians, summary = begin_analysis(engine, settings)
    summary.update(engine="ray", workers=workers)
    if not ray.is_initialized():
        remote = address not in (None, "", "local")
        ray.init(address=address if remote else None, num_cpus=None if remote else max(workers, 1),
                 include_dashboard=False, log_to_driver=False, configure_logging=False)
    if pending:
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False
        groups = analysis_groups(pending, batch_size)
        ds = ray.data.from_items([{"ids": [m for m, _, _ in g], "cids": [c for _, c, _ in g],
                                   "hashes": [h for _, _, h in g]} for g in groups],
                                 override_num_blocks=len(groups))
        scored = ds.map_batches(_Scorer, batch_size=1, num_cpus=1, compute=ray.data.ActorPoolStrategy(size=workers),
                                fn_constructor_kwargs=dict(settings=_worker_settings(settings), version=version,
                                                           precision=precision, medians=medians))
        reasons: set[str] = set()
        rss: dict[int, float] = {}
        for row in _progress(scored.iter_rows(), len(pending), "Analysing messages (Ray)", progress,
                             size=lambda r: int(r["scored"]), step=lambda r: int(r["scored"])):
            for k in ("scored", "ai_not_scored", "flagged", "embedded"):
                summary[k] += int(row[k])
            reasons.add(row["precision"])
            rss[int(row["worker"])] = max(rss.get(int(row["worker"]), 0.0), float(row["peak_rss_mb"]))
        summary["worker_peak_rss_mb"] = sorted(round(v) for v in rss.values())
        if reasons:
            reason = sorted(reasons)[0] if len(reasons) == 1 else "; ".join(sorted(reasons))
            summary.update(precision=reason.split(" ", 1)[0], precision_reason=reason)
    launched: list[int] = []
    summary["chains"] = build_chains(engine, settings, map_chunks=_ray_chunks(settings, launched))
    summary["chain_tasks"] = sum(launched)
    summary["aggregates"] = aggregates.refresh(engine)
    return summary
