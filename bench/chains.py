"""Chain and fact analysis at scale: wall time and peak memory of derivation edges, chain positions
and fact comparison over 10,000 and 100,000 messages, and the ratio of the two (near-linear: ~10).

    python bench/chains.py [--sizes 10000 100000] [--python-allocations]

Synthetic but shaped like a workspace: 300 messages a day across 40 channels and 200 people, texts
from the demo workspace's phrase banks (chat, AI-polished posts, English and French, with dates,
owners and amounts), embeddings drawn around 60 topic centroids (messages on one topic have cosine
about 0.37; an announcement and its copies about 0.8), and one message in 50 an announcement
followed by 1-3 copies. The embedding model itself is not run: its speed is bench/analyze.py's. With
--cross-language, pairs in different languages are also compared by the multilingual embedder
(analysis/crosslingual.py, the setting cross_language_embedding) on the real texts: its cost is then in the
figures, with the number of texts it encoded.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from analyze import message  # noqa: E402

from analysis.chains import Node, build_edges, chain_positions  # noqa: E402
from analysis.factloss import compare  # noqa: E402
from analysis.text import detect_language  # noqa: E402

ANNOUNCE = ("Decision from the {team} review: {feature} is {status} from the {season} release. Stop all work on it "
            "by {day} March. Owner: {owner}. Budget EUR {amount},000.")
COPY = ("Quick summary of the {team} review update: the {feature} scope has been refined for the {season} release "
        "and the team keeps iterating on it. Questions to {first}.")


def workspace(n: int, seed: int = 0) -> list[Node]:
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    topics = nrng.normal(size=(60, 384)).astype(np.float32)
    start = datetime(2025, 1, 6, tzinfo=UTC)
    per_day = 300
    nodes: list[Node] = []
    i = 0
    while len(nodes) < n:
        ts = start + timedelta(seconds=i * 86400 / per_day)
        topic = rng.randrange(60)
        if rng.random() < 0.02:  # an announcement and its copies
            words = dict(team=rng.choice(["release", "design", "budget"]), feature=f"Feature {rng.randrange(999)}",
                         status=rng.choice(["removed", "postponed", "cancelled"]), season=rng.choice(["spring", "fall"]),
                         day=rng.randint(2, 28), owner=rng.choice(["Julie Martin", "Priya Nair", "Marc Dubois"]),
                         amount=rng.randint(10, 90))
            words["first"] = words["owner"].split()[0]
            texts = [ANNOUNCE.format(**words)] + [COPY.format(**words) for _ in range(rng.randint(1, 3))]
        else:
            texts = [message(rng)]
        base = nrng.normal(size=384).astype(np.float32) if len(texts) > 1 else topics[topic]
        for k, text in enumerate(texts):
            # same topic: cosine about 0.37; an announcement and its copies: about 0.8
            vec = base + nrng.normal(scale=0.5 if len(texts) > 1 else 1.3, size=384).astype(np.float32)
            vec /= np.linalg.norm(vec)
            nodes.append(Node(str(len(nodes)), ts + timedelta(hours=3 * k), f"C{rng.randrange(40)}",
                              f"p{rng.randrange(200)}", text, len(text.split()), vec,
                              lang=detect_language(text).code))  # as analyze does: a fifth are French
        i += 1
    return nodes[:n]


def run(n: int, cross_language: bool = False, python_allocations: bool = False) -> tuple[float, float, int, int]:
    """Wall time, memory (MiB), edges and fact comparisons for n messages. Memory is the process's peak resident
    set so far (ru_maxrss: the workspace, its vectors and the caches included); with `python_allocations`, the
    peak of Python allocations during the run instead, by tracemalloc, which slows allocation-heavy code 2-3x:
    the wall time is then tracemalloc's, not the product's (this bench's figures before 2026-11-30)."""
    nodes = workspace(n)
    if python_allocations:
        tracemalloc.start()
    t0 = time.perf_counter()
    edges = build_edges(nodes, cross_language=cross_language)
    positions = chain_positions(edges)
    by_id = {x.id: x for x in nodes}
    facts = 0
    for e in edges:
        root, child = by_id[positions[e.child].root], by_id[e.child]
        facts += len(compare(root.text, child.text, root.ts, child.ts))
    elapsed = time.perf_counter() - t0
    if python_allocations:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return elapsed, peak, len(edges), facts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--cross-language", action="store_true", help="with the multilingual embedder")
    ap.add_argument("--python-allocations", action="store_true",
                    help="report the peak of Python allocations (tracemalloc: slows the run 2-3x) instead of RSS")
    args = ap.parse_args()
    times = []
    for n in args.sizes:
        elapsed, peak, edges, facts = run(n, args.cross_language, args.python_allocations)
        times.append(elapsed)
        memory = "Python allocations, under tracemalloc" if args.python_allocations else "process peak RSS so far"
        print(f"{n:>8,} messages: {elapsed:7.1f} s, peak {peak:6.0f} MiB ({memory}), {edges:,} edges, "
              f"{facts:,} fact comparisons")
    if len(times) == 2:
        print(f"ratio {times[1] / times[0]:.1f} for {args.sizes[1] / args.sizes[0]:.0f}x the messages")


if __name__ == "__main__":
    main()
