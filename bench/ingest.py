"""Ingest throughput on the largest real inputs (and the demo workspace): messages per second.

    python bench/ingest.py            # uses ../shared/data when present
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from slopradar.config import Settings  # noqa: E402
from slopradar.pipeline import ingest_mailbox, ingest_slack_export  # noqa: E402
from slopradar.store import open_store  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "connectors"
INPUTS = [
    ("slack-export", ROOT / "samples" / "slack-export", ingest_slack_export),
    ("slack-export", SHARED / "houstondatavis-slack-export.zip", ingest_slack_export),
    ("mailbox", SHARED / "enron-maildir-sample" / "enron_small", ingest_mailbox),
    ("mailbox", SHARED / "bigbang-mbox" / "2001-November.txt", ingest_mailbox),
]


def main() -> None:
    print(f"{'input':58s} {'records':>8s} {'first run':>10s} {'msg/s':>8s} {'re-run':>8s}")
    for kind, path, fn in INPUTS:
        if not path.exists():
            print(f"{path.name:58s} skipped: not present")
            continue
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(db=f"{tmp}/bench.db", data_dir=tmp)
            engine = open_store(settings)
            t0 = time.perf_counter()
            report = fn(engine, settings, path, progress=False)
            first = time.perf_counter() - t0
            t0 = time.perf_counter()
            fn(engine, settings, path, progress=False)
            again = time.perf_counter() - t0
            n = report.new + report.updated + report.unchanged
            print(f"{kind + ': ' + path.name:58s} {n:8d} {first:9.2f}s {n / first:8.0f} {again:7.2f}s")
            engine.dispose()
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
