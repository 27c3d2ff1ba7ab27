"""Capable-LLM hops in the llm-chains pool: each of its 45 chains (an original and five hops) gets the hops an AI
assistant wrote for it (scripts/data/assistant_hops.json: each hop follows its instruction on the hop before it,
as a capable chat LLM answers: headings, bullets, greetings, numbers restated); build/chains/llm-chains.jsonl keeps
SmolLM2-135M's. Ids, times, channels and authors stay llm-chains'; the rows carry "source": "assistant" (batch 1),
"assistant-2", "assistant-3" or "assistant-4", so `slopradar eval chains` reports the batches beside each other.

    python scripts/build_llm_chains.py > build/chains/llm-chains.jsonl
    python scripts/build_assistant_chains.py build/chains/llm-chains.jsonl > build/probes/assistant-chains.jsonl
    slopradar eval chains --data build/probes/assistant-chains.jsonl      # by_source.assistant

Batch 2 (ten more chains, "source": "assistant-2") was written before any rule was changed on batch 1's misses: the
test of such changes. Batch 3 (six more, "source": "assistant-3") was written after that session's changes and
scored once. Batch 4 (the other fifteen, "source": "assistant-4") was written by three helper sessions given only
the originals and the instructions, and scored once before the next change.

Written by us (an assistant, not the held-out set's LLMs, and 45 chains): a probe of how such output reads to
the chain decision, not an estimate of the held-out figures.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

HOPS = Path(__file__).resolve().parent / "data" / "assistant_hops.json"


def restates(hop: str, original: str) -> bool:
    """A first hop keeps at least 30 % of its words of four letters or more from its original (every chain of the
    set it was written for does; 14 of 45 did not on another draw)."""
    words = lambda t: set(re.findall(r"[a-z]{4,}", t.lower()))  # noqa: E731
    mine = words(hop)
    return len(mine & words(original)) >= 0.3 * len(mine)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("llm_chains", type=Path, help="build/chains/llm-chains.jsonl")
    args = ap.parse_args()
    chains = json.loads(HOPS.read_text(encoding="utf-8"))["chains"]
    with args.llm_chains.open(encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    ids = {r["id"] for r in rows}
    for c, chain in chains.items():
        for h in range(6):
            if f"llm-chains-{c}-{h}" not in ids:
                raise SystemExit(f"{args.llm_chains} has no row llm-chains-{c}-{h}: not the llm-chains set")
    originals = {r["id"].rsplit("-", 2)[-2]: r["text"] for r in rows if r["id"].endswith("-0")}
    astray = [c for c, chain in chains.items() if not restates(chain["hops"][0], originals[c])]
    if len(astray) > len(chains) // 10:
        raise SystemExit(f"{args.llm_chains}: the first hops of chains {', '.join(sorted(astray, key=int))} do not "
                         "restate their originals: another draw of llm-chains (scripts/build_llm_chains.py says how "
                         "to draw the set these hops were written for)")
    for r in rows:
        chain_id, hop = r["id"].rsplit("-", 2)[-2:]
        if chain_id in chains:
            batch = chains[chain_id].get("batch", 1)
            r["source"] = "assistant" if batch == 1 else f"assistant-{batch}"
            if int(hop) > 0:
                r["text"] = chains[chain_id]["hops"][int(hop) - 1]
        print(json.dumps(r, ensure_ascii=False))


if __name__ == "__main__":
    main()
