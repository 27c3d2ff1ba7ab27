"""Pool a `slopradar eval chains` file again the way the issue describes its held-out set: "pooled over 6
channels and 20 days, authors drawn at random, no metadata". The same texts and gold edges; each chain's messages
get sorted uniform times within DAYS days (so hops of different chains interleave more densely than in our
builders' files), a channel among 6 and an author among AUTHORS (40 by default) at random, and only the fields of
DESIGN.md's chains format. A file's figures over several seeds show how much they depend on our own pooling; with
few authors, how much on a person's rewrite of their own post (chain_rules.own_rewrite); with `--one-channel` (a
channel drawn per chain, every message of it posted there), how much on a summary of a short summary posted in that
summary's channel (chain_decide.summarises_hop).

    python scripts/repool_chains.py build/probes/assistant-fresh.jsonl --seed 1 [--days 20] [--authors 4] \
        [--one-channel] > repooled.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_rewrite_chains import CHANNELS, START  # noqa: E402  (the 6 channels our builders pool over)

from analysis.chain_eval import given  # noqa: E402
from analysis.evaluate import DataError, read_jsonl  # noqa: E402

FIELDS = ("id", "ts", "channel", "author", "text", "parent", "origin")


def repool(rows: list[dict], seed: int, days: float, authors: int = 40, one_channel: bool = False) -> list[dict]:
    """The rows pooled again (`one_channel`: each chain in one channel); fails when a gold parent would not come before its copy (a parent outside its copy's
    chain: the origins disagree)."""
    rng = random.Random(seed)
    chains: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        chains[str(r["origin"] if given(r.get("origin")) else r["id"])].append({k: r.get(k) for k in FIELDS})
    parent = {str(r["id"]): str(r["parent"]) for r in rows if given(r.get("parent"))}

    def depth(mid: str) -> int:
        return 0 if mid not in parent else 1 + depth(parent[mid])

    out = []
    for _origin, chain in sorted(chains.items()):
        chain.sort(key=lambda r: (depth(str(r["id"])), r["ts"]))  # a parent before its copies
        channel = rng.choice(CHANNELS) if one_channel else None
        for r, t in zip(chain, sorted(rng.uniform(0, days * 86400) for _ in chain), strict=True):
            r.update(ts=(START + timedelta(seconds=t)).isoformat(), channel=channel or rng.choice(CHANNELS),
                     author=f"U{rng.randrange(authors):03d}")
            out.append(r)
    ts = {str(r["id"]): r["ts"] for r in out}
    late = [c for c, p in parent.items() if p in ts and ts[p] >= ts[c]]
    if late:
        raise SystemExit(f"error: {len(late)} copies would come before their gold parent (first: {late[0]}); "
                         "their parent's origin is not theirs")
    return sorted(out, key=lambda r: r["ts"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("file", type=Path)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--days", type=float, default=20.0)
    ap.add_argument("--authors", type=int, default=40, help="how many authors the messages are drawn among")
    ap.add_argument("--one-channel", action="store_true", help="every message of a chain in one channel")
    args = ap.parse_args()
    try:
        rows = read_jsonl(args.file, require=("id", "ts", "text"))
    except DataError as exc:
        raise SystemExit(f"error: {exc}") from exc
    if args.authors < 1:
        raise SystemExit("error: --authors must be 1 or more")
    for r in repool(rows, args.seed, args.days, args.authors, args.one_channel):
        sys.stdout.write(json.dumps(r, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
