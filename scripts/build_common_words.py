"""English words that are no names: those written mostly in lower case in human and LLM text of ../shared/data.
The chain rules' name proxy (capitalised words, analysis/chain_text.plain_names) reads a capital after a colon as a
name ("Summary of the review: Atlas push alerts slip"), and an assistant's labels put common words there
("Prototype owner: Gather the team's input", "Ask: Ideas on how to..."): such a word is read as a sentence's
first word when this list holds it.

    python scripts/build_common_words.py            # writes analysis/data/common_words.json

A word is kept when its lower-case form appears at least MIN_LOWER times and at least RATIO times as often as
its capitalised form in mid-sentence (after a lower-case word): "atlas" and "tom" are rarer in lower case than
as names, "grace", "excel" and "beacon" only 3-5 times as common, "gather" (104 to 1) and "ideas" (611 to 3) are
words. Some names that are also words stay in the list ("lantern", 37 to 3; "slack"): text.opens_sentence reads
a word of it as a sentence's first only when an article, a determiner or a preposition follows. Sources (their licences in ../shared/data/README.md; NOTICE):
the Fast-DetectGPT texts (XSum, WritingPrompts, PubMedQA and GPT continuations), the OUTFOX essays, the Liang et
al. essays, the English MAiDE-up reviews, the SummEdits sets and the Enron maildir sample.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from pathlib import Path

MIN_LOWER = 5
RATIO = 10.0
_TOKEN = re.compile(r"(?<![\w@./-])[A-Za-z][a-z]+(?![\w@/-]|\.\w)")  # words, not parts of addresses, paths or links
_MID = re.compile(r"(?<=[a-z,;] )([A-Z][a-z]+)\b")  # a capitalised word after a lower-case word or a comma


def texts(shared: Path):
    d = shared / "detect"
    for path in [d / "fastdetectgpt_gpt3to4_xsum_writing_pubmed.jsonl", d / "outfox-essays/outfox_essays_human_vs_llm.jsonl",
                 d / "liang2023_detector_bias_toefl_native_gpt.jsonl", d / "maide-up-reviews/maide_up_reviews_en_fr.jsonl"]:
        with path.open(encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                if r.get("lang", "en") == "en":
                    yield str(r["text"])
    for path in sorted((shared / "factloss").glob("summedits_*.jsonl")):
        with path.open(encoding="utf-8") as f:
            for line in f:
                yield from (str(v) for v in json.loads(line).values() if isinstance(v, str) and len(v) > 40)
    for path in sorted((shared / "connectors/enron-maildir-sample").rglob("*.txt")):
        yield path.read_text(encoding="utf-8", errors="replace")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "analysis/data/common_words.json")
    ap.add_argument("--show", nargs="+", help="print these words' counts (lower case, capitalised) and stop")
    args = ap.parse_args()
    lower: Counter[str] = Counter()
    capital: Counter[str] = Counter()
    n = 0
    for t in texts(args.shared):
        n += 1
        lower.update(w for w in _TOKEN.findall(t) if w.islower())
        capital.update(w.lower() for w in _MID.findall(t))
    if args.show:
        for w in args.show:
            print(w, lower[w], capital[w])
        return
    keep = sorted(w for w, c in lower.items() if c >= MIN_LOWER and c >= RATIO * capital[w])
    args.out.write_text(json.dumps({"about": f"built by scripts/build_common_words.py from {n} texts (MIN_LOWER "
                                             f"{MIN_LOWER}, RATIO {RATIO}); sources in NOTICE", "words": keep},
                                   indent=0) + "\n", encoding="utf-8")
    print(f"{len(keep)} words from {n} texts -> {args.out}")


if __name__ == "__main__":
    main()
