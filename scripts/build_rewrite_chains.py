"""Chain-evaluation files from public rewrite and summary data nobody here wrote, one file per source, for
leave-one-source-out training and measurement of the copy decision (issue 16; DESIGN.md section 7).

    python scripts/build_rewrite_chains.py [--shared ../shared/data] [--out build/chains] [--chains 50] [--seed 5]

Sources (../shared/data, see its README for licences):
- dipper: an LLM essay and its DIPPER paraphrase (OUTFOX); hard negatives: the other essays written for the same
  prompt (human and the other generators, outfox-essays) — same topic, not copies;
- liang-toefl: a non-native TOEFL essay and its GPT-4 polish; liang-hewlett: a native student essay and its GPT
  simplification (Liang et al. 2023, paired by position in each subset, checked by similarity); hard negatives:
  the other essays of the subset (same prompts);
- summedits-<domain> (news, samsum, podcast, scitldr: the training file) and summedits-workplace (sales e-mails
  and calls, meeting and earnings-call summaries: the dev file, measurement only): a document, an LLM summary of
  it, and an edited variant of that summary (a copy of the copy); negatives: the other documents of the domain;
- expansion: the same pairs read backwards (a short text, then a long one holding all of it);
- deep-workplace: a workplace document, its summary, then up to four edited variants one after the other
  (depth up to 5; measurement only, not trained on: scripts/train_chain_model.py skips "deep-*").

Each file pools up to --chains chains over 6 channels and 20 days with authors drawn at random and no metadata,
like the held-out rewrite chains of issue 16. Rows: id, ts, channel, author, text, parent, origin, source.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

START = datetime(2025, 3, 3, 8, tzinfo=UTC)
CHANNELS = ["general", "product", "engineering", "sales", "ops", "random"]
AUTHORS = [f"U{k:03d}" for k in range(40)]


def posted(rng: random.Random, t: datetime) -> dict[str, str]:
    """A post at `t`: its time, and a channel and an author drawn (in that order) as every chain builder here draws
    them."""
    return {"ts": t.isoformat(), "channel": rng.choice(CHANNELS), "author": rng.choice(AUTHORS)}


def next_hop(rng: random.Random, t: datetime) -> datetime:
    """When a chain's next hop is posted: half an hour to six days after the hop before."""
    return t + timedelta(hours=rng.uniform(0.5, 24 * 6))


def _read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def dipper(shared: Path, rng: random.Random) -> tuple[list[list[str]], list[str]]:
    pairs = _read(shared / "chains" / "outfox_dipper_paraphrase_pairs.jsonl")
    essays = _read(shared / "detect" / "outfox-essays" / "outfox_essays_human_vs_llm.jsonl")
    by_prompt: dict[str, list[str]] = defaultdict(list)
    for e in essays:
        by_prompt[str(e["essay"])].append(e["text"])
    chains, negatives = [], []
    for p in rng.sample(pairs, len(pairs)):
        chains.append([p["source"], p["paraphrase"].strip()])
        negatives += [t for t in by_prompt.get(str(p["essay"]), []) if t.strip() != p["source"].strip()][:2]
    return chains, negatives


def liang(shared: Path, rng: random.Random, real: str, rewritten: str) -> tuple[list[list[str]], list[str]]:
    rows = _read(shared / "detect" / "liang2023_detector_bias_toefl_native_gpt.jsonl")
    a = [r["text"] for r in rows if r["source"].endswith(real)]
    b = [r["text"] for r in rows if r["source"].endswith(rewritten)]
    chains = [[x, y] for x, y in zip(a, b, strict=False) if _overlap(x, y) >= 0.3]  # pairing by position, checked
    used = {t for c in chains for t in c}
    return chains, [t for t in a if t not in used]


def _overlap(x: str, y: str) -> float:
    wx, wy = set(x.lower().split()), set(y.lower().split())
    return len(wx & wy) / max(1, min(len(wx), len(wy)))


def summedits_source(source: str) -> str:
    """A SummEdits document as it was written: a dialogue's or transcript's turns, which SummEdits joins with " . ",
    one a line."""
    return source.replace(" . ", "\n").strip()


def summedits(path: Path, domains: set[str] | None, rng: random.Random) -> tuple[list[list[str]], list[str]]:
    by_source: dict[str, list[dict]] = defaultdict(list)
    for r in _read(path):
        if domains is None or r["domain"] in domains:
            by_source[r["source"]].append(r)
    chains = []
    for source, rs in by_source.items():
        og = next((r for r in rs if r["id"].endswith("_og")), None) or next((r for r in rs if r["label"] == 1), None)
        if og is None:
            continue
        others = [r for r in rs if r is not og and r["summary"].strip() != og["summary"].strip()]
        chain = [summedits_source(source), og["summary"].strip()]
        if others:
            chain.append(rng.choice(others)["summary"].strip())
        chains.append(chain)
    return chains, []


def deep(path: Path, rng: random.Random, hops: int = 5) -> tuple[list[list[str]], list[str]]:
    """A document, its summary, then edited variants of that summary one after the other (depth up to 6): a
    chain as deep as the held-out rewrite chains. The variants are all edits of the seed summary, so which of
    them is the parent of which is a convention here; origin accuracy is the figure that reads."""
    by_source: dict[str, list[dict]] = defaultdict(list)
    for r in _read(path):
        by_source[r["source"]].append(r)
    chains, openings = [], set()
    for source, rs in by_source.items():
        texts = list(dict.fromkeys(r["summary"].strip() for r in sorted(rs, key=lambda r: r["id"])))
        opening = " ".join(source.split()[:12])  # one transcript cut into several documents: a repost, not a chain
        if len(texts) >= 3 and opening not in openings:
            openings.add(opening)
            chains.append([summedits_source(source), *texts[:hops]])
    return chains, []


def expansions(path: Path, rng: random.Random) -> tuple[list[list[str]], list[str]]:
    """A short text and a long one that holds all of it: the shape of an AI expansion ("make this an update
    for the team"), the bulk of workslop. Made by reading SummEdits backwards (summary first, then its document):
    the document was not written from the summary, but a copy that holds all of a short parent's content and
    much more reads the same way to the features."""
    chains, _ = summedits(path, None, rng)
    return [[c[1], c[0]] for c in chains], []


def pool(chains: list[list[str]], negatives: list[str], source: str, n: int, rng: random.Random) -> list[dict]:
    """Up to n chains and as many negatives, over 6 channels and 20 days, authors at random."""
    chains = rng.sample(chains, min(n, len(chains)))
    negatives = rng.sample(negatives, min(len(negatives), max(n, 2 * len(chains))))
    rows = []
    for c, chain in enumerate(chains):
        t = START + timedelta(days=rng.uniform(0, 8), hours=rng.uniform(0, 10))
        origin = f"{source}-{c}-0"
        for h, text in enumerate(chain):
            rows.append({"id": f"{source}-{c}-{h}", **posted(rng, t), "text": text,
                         "parent": f"{source}-{c}-{h - 1}" if h else None, "origin": origin, "source": source})
            t = next_hop(rng, t)
    for k, text in enumerate(negatives):
        nid = f"{source}-neg-{k}"
        rows.append({"id": nid, **posted(rng, START + timedelta(days=rng.uniform(0, 20))), "text": text,
                     "parent": None, "origin": nid, "source": source})
    rows.sort(key=lambda r: r["ts"])
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=Path(__file__).resolve().parent.parent.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=Path("build/chains"))
    ap.add_argument("--chains", type=int, default=50)
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    fl = args.shared / "factloss"
    sources = {
        "dipper": lambda: dipper(args.shared, rng),
        "liang-toefl": lambda: liang(args.shared, rng, "TOEFL_real_91", "TOEFL_gpt4polished_91"),
        "liang-hewlett": lambda: liang(args.shared, rng, "HewlettStudentEssay_real_88", "HewlettStudentEssay_GPTsimplify_88"),
        **{f"summedits-{d}": (lambda d=d: summedits(fl / "summedits_other_domains_train.jsonl", {d}, rng))
           for d in ("news", "samsum", "podcast", "scitldr")},
        "summedits-workplace": lambda: summedits(fl / "summedits_workplace_dev.jsonl", None, rng),
        "expansion": lambda: expansions(fl / "summedits_other_domains_train.jsonl", rng),
        "deep-workplace": lambda: deep(fl / "summedits_workplace_dev.jsonl", rng),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    for name, make in sources.items():
        chains, negatives = make()
        rows = pool(chains, negatives, name, args.chains, rng)
        with (args.out / f"{name}.jsonl").open("w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        print(f"{name}: {sum(1 for r in rows if r['parent'])} copies in {len(rows)} messages")


if __name__ == "__main__":
    main()
