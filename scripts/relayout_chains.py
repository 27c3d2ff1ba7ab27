"""Post an eval-chains file's chains again with another layout: the same texts and gold parents, other channels,
authors and times. A measure of how much a figure owes to where and by whom the chains were posted.

    python scripts/relayout_chains.py build/probes/assistant-fresh.jsonl --one-channel --authors 6 > /tmp/one6.jsonl
    slopradar eval chains --data /tmp/one6.jsonl

Each chain (its origin and the hops below it, following the gold parents) starts at a time drawn over `--days`
days; each hop follows its parent by half an hour to `--max-gap-hours`. `--one-channel`: every message of a chain in
one channel drawn for the chain (a TL;DR and its own TL;DR in the source's channel), else a channel drawn per
message among six; authors drawn per message among `--authors` (few authors: one's own rewrites). Messages with no
gold chain (chatter, other originals) are posted again at a time drawn the same way, alone.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

CHANNELS = ["general", "product", "engineering", "sales", "ops", "random"]
START = datetime(2025, 3, 3, 8, tzinfo=UTC)


def relayout(rows: list[dict], one_channel: bool, authors: int, days: float, max_gap_hours: float,
             seed: int) -> list[dict]:
    """The rows posted again (see the module's docstring), in time order."""
    rng = random.Random(seed)
    ids = {str(r["id"]) for r in rows}
    children: dict[str | None, list[dict]] = {}
    for r in rows:  # a parent not in the file (a forward's original) starts a chain of its own here
        parent = str(r["parent"]) if r.get("parent") is not None and str(r["parent"]) in ids else None
        children.setdefault(parent, []).append(r)
    out = []
    for root in children.get(None, []):
        channel = rng.choice(CHANNELS)
        todo = [(root, START + timedelta(days=rng.uniform(0, days)))]
        while todo:
            r, t = todo.pop()
            out.append({**r, "ts": t.isoformat(), "channel": channel if one_channel else rng.choice(CHANNELS),
                        "author": f"U{rng.randrange(authors):03d}"})
            todo += [(c, t + timedelta(hours=rng.uniform(0.5, max_gap_hours))) for c in children.get(str(r["id"]), [])]
    return sorted(out, key=lambda r: r["ts"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--one-channel", action="store_true", help="every message of a chain in the chain's channel")
    ap.add_argument("--authors", type=int, default=40)
    ap.add_argument("--days", type=float, default=20.0, help="chains start over this many days")
    ap.add_argument("--max-gap-hours", type=float, default=72.0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    with args.data.open(encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    for r in relayout(rows, args.one_channel, args.authors, args.days, args.max_gap_hours, args.seed):
        sys.stdout.write(json.dumps(r, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
