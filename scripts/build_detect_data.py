"""Assemble labelled human/AI text from ../shared/data into JSONL files for training and evaluation.

The files are written under build/detect/ (git-ignored: the data is never copied into the repository).
Every line: {"text", "label": "ai"|"human", "source", "group", "register"}. Splits are by group (a
pair_id, a source document, a mailbox file) so no text and its rewrite fall on both sides.

    python scripts/build_detect_data.py [--shared ../shared/data] [--out build/detect]

train.jsonl              fitting (80 %) and Platt scaling (20 %, split inside `train detect`)
calibration_human.jsonl  human workplace text only: sets the shipped threshold (1 % FPR)
test_*.jsonl             held out, never trained on (see docs/detection.md)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from connectors.mailbox_files import MailboxImport  # noqa: E402
from connectors.slack_export import open_export  # noqa: E402
from slopradar.records import count_words  # noqa: E402


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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "detect")
    args = ap.parse_args()
    sh, out = args.shared, args.out
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, list[dict]] = {k: [] for k in (
        "train", "calibration_human", "test_fastdetectgpt", "test_essays_native_nonnative", "test_workplace_human",
        "test_workplace_ai", "test_liang_other")}

    def add(split: str, text: str, label: str, source: str, group: str, register: str) -> None:
        files[split].append({"text": text, "label": label, "source": source, "group": group, "register": register})

    # Fast-DetectGPT: news, stories, PubMed; human vs davinci / GPT-3.5 / GPT-4. 20 % of pairs held out.
    for line in (sh / "detect" / "fastdetectgpt_gpt3to4_xsum_writing_pubmed.jsonl").open(encoding="utf-8"):
        d = json.loads(line)
        g = f"fdg:{d.get('pair_id') or d['text'][:50]}"
        add("test_fastdetectgpt" if bucket(g) < 0.2 else "train", d["text"], d["label"], "fastdetectgpt", g,
            d.get("domain", "web"))
    # Liang et al. 2023: TOEFL (non-native) and Hewlett 8th-grade (native) essays and their GPT rewrites are
    # held out to measure bias; college essays and CS224N abstracts are split by source text.
    position: Counter[str] = Counter()
    for line in (sh / "detect" / "liang2023_detector_bias_toefl_native_gpt.jsonl").open(encoding="utf-8"):
        d = json.loads(line)
        subset = d.get("subset", "")
        # the file has no pair ids; rewrites follow their originals' order, so the n-th essay of
        # TOEFL_real and of TOEFL_gpt4polished (Hewlett likewise) share a group
        family = subset.split("_")[0]
        position[subset] += 1
        g = f"liang:{family}:{position[subset]}"
        if subset.startswith(("TOEFL", "HewlettStudentEssay")):  # half of the essay pairs train, half test
            split = "test_essays_native_nonnative" if bucket(g) < 0.5 else "train"
            add(split, d["text"], d["label"], subset, g, "essay")
            # non-native writers are few in the training data and are the people detectors wrong most
            # (Liang et al. 2023): their human essays count three times (halves their held-out FPR)
            if split == "train" and subset.startswith("TOEFL") and d["label"] == "human":
                files[split][-1]["weight"] = 3.0
        else:
            add("test_liang_other" if bucket(g) < 0.2 else "train", d["text"], d["label"], subset, g, "essay")
    # SummEdits: the sales e-mails and their summaries are LLM-written business text (AI). Sales e-mails
    # train; sales calls and their summaries are held out as unseen AI workplace text.
    seen: set[str] = set()
    for line in (sh / "factloss" / "summedits_workplace_dev.jsonl").open(encoding="utf-8"):
        d = json.loads(line)
        if d["domain"] not in ("sales_email", "sales_call"):
            continue
        # the edited summaries were written by an LLM too (SummEdits' edits are LLM-generated)
        for kind in ("source", "seed_summary", "summary"):
            text = d.get(kind) or ""
            key = hashlib.sha256(text.encode()).hexdigest()
            if not text or key in seen:
                continue
            seen.add(key)
            split = "train" if d["domain"] == "sales_email" else "test_workplace_ai"
            add(split, text, "ai", f"summedits:{d['domain']}:{kind}", f"se:{d['source'][:60]}", "workplace")
    # Human workplace text written before LLMs: Enron (2000-01), Numpy list (2001), 3GPP list (2021),
    # a 2016 Slack workspace. Enron and Slack: 60 % train, 20 % threshold calibration, 20 % test.
    conn = sh / "connectors"
    for text, mid in mail_texts(conn / "enron-maildir-sample" / "enron_small"):
        b = bucket("enron:" + mid)
        split = "train" if b < 0.6 else "calibration_human" if b < 0.8 else "test_workplace_human"
        add(split, text, "human", "enron", "enron:" + mid, "workplace")
    for text, group in slack_texts(conn / "houstondatavis-slack-export.zip"):
        b = bucket("slack:" + text[:80])
        split = "train" if b < 0.6 else "calibration_human" if b < 0.8 else "test_workplace_human"
        add(split, text, "human", "houstondatavis-slack", "slack:" + group, "chat")
    for text, mid in mail_texts(conn / "bigbang-mbox" / "2001-November.txt"):
        add("train", text, "human", "numpy-list-2001", "numpy:" + mid, "workplace")
    for name in ("3GPP_TSG_SA_WG4_EVS.mbox", "3GPP_TSG_RAN_WG4_NR-MIMO-OTA.mbox"):
        for text, mid in mail_texts(conn / "bigbang-mbox" / name):
            add("test_workplace_human", text, "human", "3gpp-list-2021", "3gpp:" + mid, "workplace")
    for line in (sh / "factloss" / "enron_sample_sqlite_fts3ac.jsonl").open(encoding="utf-8"):
        d = json.loads(line)
        if count_words(d.get("new_text") or "") >= 5:
            add("test_workplace_human", d["new_text"], "human", "enron-fts3ac", "fts:" + str(d["id"]), "workplace")
    for name, rows in files.items():
        with (out / f"{name}.jsonl").open("w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        print(f"{name:32s} {len(rows):5d}  {dict(Counter(r['label'] for r in rows))}  "
              f"{dict(Counter(r['source'].split(':')[0] for r in rows))}")


if __name__ == "__main__":
    main()
