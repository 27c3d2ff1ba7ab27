"""A layout probe for `slopradar eval chains`: an eval file with an assistant's layout on half of its messages
(any message: originals, copies and negatives alike), one of four dressings drawn at random, seeded:

- a bold title-case heading over the text ("**Project Update: Deal Unveiled Russia**");
- the sentences as bullets under "Key Points:", "**Key Takeaways:**" or "Here are the main points:";
- the sentences as a numbered list ("1. ...", "2. ...");
- numbers written another way: a spelled count in digits ("two weeks" -> "2 weeks"), an amount in millions
  ("1,200,000" -> "1.2 million").

    python scripts/build_layout_probe.py build/chains/llm-chains.jsonl > build/probes/layout-llm-chains.jsonl
    slopradar eval chains --data build/probes/layout-llm-chains.jsonl

The dressings are what assistants add to a rewrite or summary; the probe measures how much a copy's layout, not
its content, moves the chain decision (docs/chains.md, ninth round). Written by us: a measurement of a mechanism.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from analysis.text import sentences  # noqa: E402

SPELLED = "zero one two three four five six seven eight nine ten".split()


def heading(text: str, rng: random.Random) -> str:
    words = re.findall(r"[A-Za-z]{4,}", text)[:3]
    title = rng.choice(["Project Update", "Quick Update", "Summary", "Team Update"])
    return f"**{title}: {' '.join(w.capitalize() for w in words)}**\n\n{text}"


def bullets(text: str, rng: random.Random) -> str:
    head = rng.choice(["Key Points:", "**Key Takeaways:**", "Here are the main points:"])
    return head + "\n" + "\n".join(f"- {s}" for s in sentences(text))


def numbered(text: str, rng: random.Random) -> str:
    return "\n".join(f"{i}. {s}" for i, s in enumerate(sentences(text), 1))


def numbers(text: str, rng: random.Random) -> str:
    text = re.sub(r"\b(\d{1,3}),(\d)(\d{2}),(\d{3})\b",
                  lambda m: f"{int(m[1])}.{m[2]} million" if m[2] != "0" else f"{int(m[1])} million", text)
    return re.sub(r"\b(two|three|four|five|six|seven|eight|nine|ten)\b", lambda m: str(SPELLED.index(m[1])), text)


DRESSINGS: list[Callable[[str, random.Random], str]] = [heading, bullets, numbered, numbers]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("data", type=Path, help="an eval-chains JSONL file")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--share", type=float, default=0.5, help="the share of messages dressed")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with args.data.open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if rng.random() < args.share:
                row["text"] = rng.choice(DRESSINGS)(row["text"] or "", rng)
            print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main()
