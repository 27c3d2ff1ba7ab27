"""`analyze --engine ray` throughput: the same messages with 1 Ray worker and with 2 (one thread each).

    python bench/distributed.py [--n 5000] [--precision auto]

Each run analyses a fresh SQLite store of the same generated messages (bench/analyze.py's generator) on a local
Ray started here with as many CPUs as workers; the time is `analyze` end to end (actors loading the model,
scoring, chains, cells). Prints messages/s for each, `speedup 2 workers vs 1: X` and each worker's peak RSS.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "samples"))

import ray  # noqa: E402
from analyze import options_and_texts, store_messages  # noqa: E402

from slopradar.config import Settings  # noqa: E402
from slopradar.distributed import analyze_ray  # noqa: E402


def run(texts: list[str], workers: int, precision: str) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(db=f"{tmp}/bench.db", data_dir=tmp)
        engine = store_messages(settings, texts)
        ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False, _node_ip_address="127.0.0.1")
        try:
            t0 = time.perf_counter()
            summary = analyze_ray(engine, settings, workers=workers, progress=False, precision=precision)
            return time.perf_counter() - t0, summary
        finally:
            ray.shutdown()


def main() -> None:
    args, texts = options_and_texts()
    rates = {}
    for workers in (1, 2):
        seconds, summary = run(texts, workers, args.precision)
        rates[workers] = summary["scored"] / seconds
        print(f"{workers} worker{'s' * (workers > 1)}: {rates[workers]:.1f} messages/s ({summary['scored']} in "
              f"{seconds:.1f} s; {summary['precision_reason']}); peak RSS per worker "
              f"{', '.join(f'{m} MB' for m in summary['worker_peak_rss_mb'])}")
    print(f"speedup 2 workers vs 1: {rates[2] / rates[1]:.2f}")


if __name__ == "__main__":
    main()
