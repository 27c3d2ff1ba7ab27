"""Assemble labelled human/AI text from ../shared/data into JSONL files for training and evaluation.

The files are written under build/detect/ (git-ignored: the data is never copied into the repository).
Every line: {"text", "label": "ai"|"human", "source", "group"}. Splits are by group (a pair id, an essay
prompt, a hotel, a mailbox file) so no text and its rewrite fall on both sides.

    python scripts/build_detect_data.py [--shared ../shared/data] [--out build/detect]

train.jsonl              fitting (80 %) and Platt scaling (20 %, split inside `train detect`): 75 % of every source's groups
calibration_human.jsonl  human text of several registers, both languages (a quarter of the training groups of the
                         human sources, never fitted on): sets the shipped threshold per language (1 % FPR)
test_<source>.jsonl      the other 25 % of each source's groups, never trained on
share_mixtures.jsonl     `eval share` groups built from the test pools: a human "before" period and an "after"
                         period at a known AI share (0 to 0.5), the two periods from different texts

Held-out figures that count are leave-one-source-out (scripts/detect_loso.py): a split inside a source
overstates what a detector does on text it has never seen.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from connectors.mailbox_files import MailboxImport  # noqa: E402
from connectors.slack_export import open_export  # noqa: E402
from slopradar.records import count_words  # noqa: E402

HUMAN_SOURCES = ("enron-mail", "slack-2016", "numpy-list-2001", "3gpp-list-2021")


def bucket(key: str) -> float:
    """A stable number in [0, 1) for a group key: deterministic splits."""
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) / 2**32


def mail_texts(path: Path) -> list[tuple[str, str]]:
    out, seen = [], set()
    for unit in MailboxImport(path, max_bytes=10**7).units():
        for r in unit.records or []:
            if r.native_id in seen:
                continue
            seen.add(r.native_id)
            if r.text and count_words(r.text) >= 5:
                out.append((r.text, r.native_id))
    return out


def slack_texts(path: Path) -> list[tuple[str, str]]:
    export = open_export(path)
    out = []
    for unit in export.units():
        for r in unit.records or []:
            if r.kind == "authored" and r.text and count_words(r.text) >= 5:
                out.append((r.text, unit.key.split("/")[0]))  # group: channel
    export.archive.close()
    return out


def mixtures(pool: dict[str, list[dict]], seed: int = 0) -> list[dict]:
    """Groups of a human "before" period and an "after" period at a known AI share, from one source each."""
    rng = random.Random(seed)
    out: list[dict] = []
    for src, rows in sorted(pool.items()):
        human = [r for r in rows if r["label"] == "human"]
        ai = [r for r in rows if r["label"] == "ai"]
        rng.shuffle(human)
        rng.shuffle(ai)
        shares = (0.0, 0.0, 0.0) if not ai else (0.0, 0.1, 0.25, 0.5)
        n_before, n_after = 40, 60
        for k, share in enumerate(shares):
            n_ai = round(share * n_after)
            if len(human) < n_before + n_after - n_ai or len(ai) < n_ai:
                break
            before, human = human[:n_before], human[n_before:]
            after_h, human = human[:n_after - n_ai], human[n_after - n_ai:]
            after_ai, ai = ai[:n_ai], ai[n_ai:]
            g = f"{src}#{k}@{share:.2f}"
            out += [{"text": r["text"], "group": g, "period": "before", "label": "human"} for r in before]
            out += [{"text": r["text"], "group": g, "period": "after", "label": r["label"]} for r in after_h + after_ai]
    return out


def main() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    from detect_loso import load_sources

    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "detect")
    ap.add_argument("--per-source", type=int, default=600)
    args = ap.parse_args()
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, list[dict]] = defaultdict(list)
    pool: dict[str, list[dict]] = defaultdict(list)
    for r in load_sources(args.shared, args.per_source):
        b = bucket(r["group"])
        row = {k: r[k] for k in ("text", "label", "source", "group")} | ({"lang": r["lang"]} if r["lang"] else {})
        if b < 0.25:
            files[f"test_{r['source']}"].append(row)
            pool[r["source"]].append(row)
        elif r["label"] == "human" and (r["source"] in HUMAN_SOURCES or r["source"].startswith("maide")) \
                and b < 0.25 + 0.75 / 4:
            files["calibration_human"].append(row)
        else:
            # non-native writers are the people detectors wrong most (Liang et al. 2023): their human essays
            # count three times
            if r["source"] == "liang-TOEFL" and r["label"] == "human":
                row["weight"] = 3.0
            files["train"].append(row)
    # mixtures from every text never fitted on or calibrated with: the test quarter and what the per-source cap left out
    fitted = {r["text"] for name in ("train", "calibration_human") for r in files[name]}
    pool = defaultdict(list)
    for r in load_sources(args.shared, 10**9):
        if r["text"] not in fitted:
            pool[r["source"]].append({k: r[k] for k in ("text", "label", "source", "group")})
    files["share_mixtures"] = mixtures(pool)
    for name, rows in sorted(files.items()):
        with (out / f"{name}.jsonl").open("w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        print(f"{name:32s} {len(rows):5d}  {dict(Counter(r['label'] for r in rows))}")


if __name__ == "__main__":
    main()
