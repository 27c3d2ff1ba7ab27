"""Capable-LLM chains from originals no earlier chain set drew on: real Slack posts (houstondatavis), 3GPP and
Numpy-list mails (bigbang) and Enron mails outside llm-chains, each with five hops written by helper sessions of
an AI assistant (scripts/data/assistant_fresh.json, batches 5 to 23), pooled into the assistant chains of
build_assistant_chains.py as distractors. Batch 5 tests rules tuned on batches 1-4, whose originals were all Enron
mails and XSum news openings; batches 6 to 10 follow asks that earlier batches did not use ("TL;DR this.", an
e-mail to leadership...; docs/chains.md, fourteenth round), batches 9 to 13 answer each hop in the manner of one
of six tools (fifteenth round), and batch 11 summarises longer originals (150-450 words) again and again
(sixteenth round); batch 13 starts from short originals, 25-70 words (seventeenth round), batch 14 adds
eight asks no batch had used (eighteenth round), batch 15 draws pairs of originals from one person's mailbox, and
batch 16's hops are written as an API's output, with no preamble or closing offer (twentieth round); batch 17 starts
from human texts of other kinds than messages: stories (WritingPrompts), medical questions and answers (PubMedQA)
and student essays (OUTFOX), read from ../shared/data/detect (twenty-first round); batch 18 from Enron mails of
../shared/data/factloss (the SQLite test suite's), SAMSum chat dialogues (SummEdits) and French hotel reviews
(MAiDE-up), the French ones asked and answered in French, and batch 19's chains are each one kind of API call,
five rewrites or five summaries (twenty-second round); batch 20's hops are written as small local models answer
(Llama 3.2 1B/3B, Qwen2.5, Gemma 2 2B, Phi-3.5-mini: opening lines, lists of changes, offers) and batch 21's
follow twelve workplace asks through nine tools (a TL;DR on top, lowercase, tweet length); batch 22's are five
shortening asks answered by small local models (twenty-fourth round); batch 23 starts from announcements the
helper sessions wrote (twenty-sixth round), batch 24 from Enron and 3GPP mails again, with four asks no batch had
used, batch 25 from Enron mails answered as small local models answer, batch 26 with shortening asks
answered by seven tools, and batch 27 from announcements of two other organisations (twenty-eighth round);
batch 28 from Numpy-list and 3GPP mails and XSum news texts, asks mixing rewrites and summaries (twenty-ninth round);
batch 29 from Enron mails, Slack posts and WritingPrompts stories, with batch 28's asks and tools (thirtieth
round).

    python scripts/build_assistant_chains.py build/chains/llm-chains.jsonl > build/probes/assistant-chains.jsonl
    python scripts/build_fresh_chains.py build/probes/assistant-chains.jsonl > build/probes/assistant-fresh.jsonl
    slopradar eval chains --data build/probes/assistant-fresh.jsonl      # by_source."assistant-5"

The hops file names each original by where it lies in ../shared/data/connectors (a Slack file and message ts, a
mailbox and Message-ID, an Enron file) or another file of ../shared/data (a file, a line, the field read and its
first eight words), never by its text: the text is read here, by the product's own parsers
(a mail's authored part: build_llm_chains.authored). Rows: id fresh-<chain>-<hop>, source "assistant-<batch>",
chains started within 8 days and 10 hours of the pool's start, hops 0.5 h to 6 days apart, channels and authors at random
(random.Random(2031)), no metadata.
"""

from __future__ import annotations

import argparse
import json
import mailbox
import random
import sys
from datetime import timedelta
from email import message_from_binary_file, policy
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_llm_chains import authored  # noqa: E402
from build_rewrite_chains import START, next_hop, posted, summedits_source  # noqa: E402

HOPS = Path(__file__).resolve().parent / "data" / "assistant_fresh.json"


def original(connectors: Path, ref: dict[str, str]) -> str:
    """The text a chain starts from (a message, or a human text of a labelled set), read where `ref` says it lies;
    an announcement the helper sessions wrote themselves (batch 23, kind "written") is in the hops file."""
    if ref["kind"] == "written":
        return ref["text"]
    path = (connectors.parent if ref["kind"] in ("detect", "data") else connectors) / ref["file"]
    if not path.is_file():
        raise SystemExit(f"{path}: missing (the hops were written for ../shared/data; pass --shared)")
    if ref["kind"] == "slack":
        for m in json.loads(path.read_text(encoding="utf-8")):
            if m.get("ts") == ref["ts"]:
                return str(m["text"]).strip()
    elif ref["kind"] in ("detect", "data"):  # a human text of a labelled set (../shared/data), by its line
        field = ref.get("field", "text")
        with path.open(encoding="utf-8") as f:
            text = next((json.loads(line)[field] for i, line in enumerate(f) if i == int(ref["line"])), "")
        if text.split()[:8] == ref["opening"].split():
            return summedits_source(text) if field == "source" else text.strip()
    elif ref["kind"] == "mbox":
        for msg in mailbox.mbox(str(path), create=False, factory=lambda f: message_from_binary_file(f, policy=policy.default)):
            if str(msg["Message-ID"]).strip("<>") == ref["message_id"].strip("<>"):
                return authored(msg) or ""
    else:
        with path.open("rb") as f:
            return authored(message_from_binary_file(f, policy=policy.default)) or ""
    raise SystemExit(f"{path}: no message {ref.get('ts') or ref.get('message_id') or ref.get('line')}: not the data the hops were "
                     "written for")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("assistant_chains", type=Path, help="build/probes/assistant-chains.jsonl")
    ap.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    args = ap.parse_args()
    chains = json.loads(HOPS.read_text(encoding="utf-8"))["chains"]
    with args.assistant_chains.open(encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    rng = random.Random(2031)
    for c, chain in chains.items():
        text = original(args.shared / "connectors", chain["original"])
        if len(text.split()) < (20 if chain.get("batch", 0) >= 13 else 40):  # batch 13's originals: 25-70 words
            raise SystemExit(f"chain {c}: its original reads {len(text.split())} words now: the parsers changed")
        t = START + timedelta(days=rng.uniform(0, 8), hours=rng.uniform(0, 10))
        for h, hop in enumerate([text] + chain["hops"]):
            rows.append({"id": f"fresh-{c}-{h}", **posted(rng, t), "text": hop,
                         "parent": f"fresh-{c}-{h - 1}" if h else None, "origin": f"fresh-{c}-0",
                         "source": f"assistant-{chain.get('batch', 5)}"})
            t = next_hop(rng, t)
    rows.sort(key=lambda r: r["ts"])
    for r in rows:
        print(json.dumps(r, ensure_ascii=False))


if __name__ == "__main__":
    main()
