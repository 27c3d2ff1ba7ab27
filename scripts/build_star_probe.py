"""Stars among the chains: three independent AI answers to one original (scripts/data/assistant_stars.json), each a
copy of the original, pooled with the assistant chains of build_fresh_chains.py. The chain rules take a copy's
latest close candidate in its chain as its parent; this probe measures what that does where the copies are
siblings (docs/chains.md, eighteenth round).

    python scripts/build_star_probe.py build/probes/assistant-fresh.jsonl > build/probes/assistant-stars.jsonl
    slopradar eval chains --data build/probes/assistant-stars.jsonl   # by_source "star"

Rows: id star-<star>-<n>, parent and origin the original's id, source "star"; times 0.5 hours to 6 days after the
original, channels and authors drawn as build_fresh_chains.py draws them.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_rewrite_chains import next_hop, posted  # noqa: E402

STARS = Path(__file__).resolve().parent / "data" / "assistant_stars.json"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("assistant_fresh", type=Path, help="build/probes/assistant-fresh.jsonl")
    args = ap.parse_args()
    with args.assistant_fresh.open(encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    by_id = {r["id"]: r for r in rows}
    rng = random.Random(2042)
    for star, s in json.loads(STARS.read_text(encoding="utf-8"))["stars"].items():
        original = by_id.get(s["original"])
        if original is None:
            raise SystemExit(f"star {star}: its original {s['original']} is not in {args.assistant_fresh}")
        t0 = datetime.fromisoformat(original["ts"])
        for n, text in enumerate(s["answers"], 1):
            rows.append({"id": f"star-{star}-{n}", **posted(rng, next_hop(rng, t0)), "text": text,
                         "parent": original["id"], "origin": original["id"], "source": "star"})
    rows.sort(key=lambda r: r["ts"])
    for r in rows:
        print(json.dumps(r, ensure_ascii=False))


if __name__ == "__main__":
    main()
