"""Leave-one-source-out evaluation of the AI-likeness detector's feature sets on every labelled source
in ../shared/data (docs/detection.md, "Leave one source out").

Features (stylometry, lexicon counts, embedding) are computed once and cached in build/detect/loso_cache.npz;
then, for each source, a detector is fitted on every other source and scored on the one left out.
Human-only sources (Enron, Slack, the mailing lists) give the false-positive rate at a threshold taken on the
human text of the *other* sources; AI-only sources give the true-positive rate at that threshold.

    python scripts/detect_loso.py [--shared ../shared/data] [--variants full,no_emb,dense] [--per-source 800]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
from scipy import sparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from build_detect_data import HUMAN_SOURCES, mail_texts, slack_texts  # noqa: E402


def load_sources(sh: Path, per_source: int, seed: int = 0) -> list[dict]:
    """Every labelled text with its source (the unit left out) and its pair group."""
    rows: list[dict] = []

    def add(text: str, label: str, source: str, group: str, lang: str | None = None) -> None:
        if text and len(text.split()) >= 5:
            rows.append({"text": text, "label": label, "source": source, "group": group, "lang": lang})

    for line in (sh / "detect" / "fastdetectgpt_gpt3to4_xsum_writing_pubmed.jsonl").open(encoding="utf-8"):
        d = json.loads(line)
        add(d["text"], d["label"], f"fastdetectgpt-{d.get('domain', 'web')}", f"fdg:{d.get('pair_id') or d['text'][:50]}")
    pos: dict[str, int] = defaultdict(int)
    for line in (sh / "detect" / "liang2023_detector_bias_toefl_native_gpt.jsonl").open(encoding="utf-8"):
        d = json.loads(line)
        fam = d["subset"].split("_")[0]
        pos[d["subset"]] += 1
        add(d["text"], d["label"], f"liang-{fam}", f"liang:{fam}:{pos[d['subset']]}")
    for line in (sh / "detect" / "maide-up-reviews" / "maide_up_reviews_en_fr.jsonl").open(encoding="utf-8"):
        d = json.loads(line)
        add(d["text"], d["label"], f"maide-reviews-{d['language']}", f"maide:{d['hotel']}", d["language"])
    for line in (sh / "detect" / "outfox-essays" / "outfox_essays_human_vs_llm.jsonl").open(encoding="utf-8"):
        d = json.loads(line)
        add(d["text"], d["label"], "outfox-essays", f"outfox:{d.get('essay')}", "en")
    seen: set[str] = set()
    for line in (sh / "factloss" / "summedits_workplace_dev.jsonl").open(encoding="utf-8"):
        d = json.loads(line)
        if d["domain"] not in ("sales_email", "sales_call"):
            continue
        for kind in ("source", "seed_summary", "summary"):
            t = d.get(kind) or ""
            if t and t not in seen:
                seen.add(t)
                add(t, "ai", f"summedits-{d['domain']}", f"se:{d['source'][:60]}")
    conn = sh / "connectors"
    for t, mid in mail_texts(conn / "enron-maildir-sample" / "enron_small"):
        add(t, "human", "enron-mail", "enron:" + mid)
    for t, g in slack_texts(conn / "houstondatavis-slack-export.zip"):
        add(t, "human", "slack-2016", "slack:" + g)
    for t, mid in mail_texts(conn / "bigbang-mbox" / "2001-November.txt"):
        add(t, "human", "numpy-list-2001", "numpy:" + mid)
    for name in ("3GPP_TSG_SA_WG4_EVS.mbox", "3GPP_TSG_RAN_WG4_NR-MIMO-OTA.mbox"):
        for t, mid in mail_texts(conn / "bigbang-mbox" / name):
            add(t, "human", "3gpp-list-2021", "3gpp:" + mid)
    # cap each source (by whole groups) so that no single source dominates the fit and the cache stays small
    rng = random.Random(seed)
    by_source: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_source[r["source"]].append(r)
    out: list[dict] = []
    for src, rs in sorted(by_source.items()):
        if len(rs) > per_source:
            groups = sorted({r["group"] for r in rs})
            rng.shuffle(groups)
            keep, n = set(), 0
            for g in groups:
                if n >= per_source:
                    break
                keep.add(g)
                n += sum(1 for r in rs if r["group"] == g)
            rs = [r for r in rs if r["group"] in keep]
        out.extend(rs)
    return out


def features(rows: list[dict], cache: Path, need_embedding: bool = False) -> dict:
    """Dense features and lexicon counts of every row (computed each run: they change with the code), and
    embeddings (cached by text hash in `cache`: they only change with the model) when a variant needs them."""
    from analysis.detector import AILikenessDetector
    from analysis.text import detect_language, words

    texts = [r["text"] for r in rows]
    langs = [r["lang"] or detect_language(r["text"]).code for r in rows]
    dense, lex = AILikenessDetector.features(texts, langs)
    out = {"dense": dense, "lex": lex, "lang": np.array(langs), "n_words": np.array([len(words(t)) for t in texts])}
    if need_embedding:
        from analysis.embeddings import load_embedder

        keys = [hashlib.sha256(t.encode()).hexdigest()[:16] for t in texts]
        store: dict[str, np.ndarray] = {}
        if cache.exists():
            store = {k: v["emb"] if isinstance(v, dict) else v
                     for k, v in np.load(cache, allow_pickle=True)["store"].item().items()}
        todo = [i for i, k in enumerate(keys) if k not in store]
        if todo:
            E = load_embedder().encode([texts[i][:20_000] for i in todo])
            store.update({keys[i]: E[j].astype(np.float32) for j, i in enumerate(todo)})
            cache.parent.mkdir(parents=True, exist_ok=True)
            np.savez(cache, store=np.array(store, dtype=object))
        out["emb"] = np.vstack([store[k] for k in keys])
    return out


def loso(rows: list[dict], F: dict, variant: str, C: float, target_fpr: float = 0.01) -> dict[str, dict]:
    """For each source: the product detector fitted on every other source (Platt scaling and per-language
    thresholds included, the thresholds taken on the other sources' human text), scored on the one left out."""
    from sklearn.metrics import roc_auc_score

    from analysis.detector import AILikenessDetector

    y = np.array([1 if r["label"] == "ai" else 0 for r in rows])
    src = np.array([r["source"] for r in rows])
    groups = np.array([r["group"] for r in rows])
    ok = (F["n_words"] >= 12) & np.isin(F["lang"], ["en", "fr"])
    calib_src = np.array([s in HUMAN_SOURCES or s.startswith("maide") for s in src])
    emb = F.get("emb")
    langs = list(F["lang"])

    def sub(idx: np.ndarray) -> tuple:
        return ([rows[i]["text"] for i in idx], [langs[i] for i in idx], emb[idx] if emb is not None else None,
                (F["dense"][idx], F["lex"][idx]))

    out = {}
    for s in sorted(set(src)):
        tr = np.where((src != s) & ok)[0]
        te = np.where((src == s) & ok)[0]
        # calibration: a quarter of the human groups of the calibration sources, never fitted on
        cal_mask = calib_src[tr] & (y[tr] == 0) & np.array([_bucket(g) < 0.25 for g in groups[tr]])
        cal, fit = tr[cal_mask], tr[~cal_mask]
        det = AILikenessDetector(C=C, target_fpr=target_fpr, use_embedding=variant == "full")
        t, lg, e, ft = sub(fit)
        det.fit(t, list(y[fit]), lg, e, list(groups[fit]), human_calibration=sub(cal), feats=ft)
        tt, tl, temb, tf = sub(te)
        p = det._proba(det._matrix(tt, tl, temb, tf))
        thr = np.array([det.threshold_for(x) for x in tl])
        r: dict = {"n_human": int((y[te] == 0).sum()), "n_ai": int((y[te] == 1).sum())}
        h, a = y[te] == 0, y[te] == 1
        if h.any():
            r["fpr"] = round(float((p[h] > thr[h]).mean()), 4)
            r["human_mean"] = round(float(p[h].mean()), 4)
        if a.any():
            r["tpr"] = round(float((p[a] > thr[a]).mean()), 4)
            r["ai_mean"] = round(float(p[a].mean()), 4)
        if h.any() and a.any():
            r["auroc"] = round(float(roc_auc_score(y[te], p)), 4)
            r["tpr_at_1pct_fpr"] = round(float((p[a] > np.quantile(p[h], 0.99, method="higher")).mean()), 4)
        r["_scores"] = p
        r["_labels"] = y[te]
        out[s] = r
    return out


def _bucket(key: str) -> float:
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) / 2**32


def share_simulation(res: dict[str, dict], seed: int = 0) -> dict[str, dict]:
    """Mixtures built from each source's held-out scores, estimated with the rates of the *other* sources:
    a human "before" period of 30 texts and an "after" period of 40 at shares 0 to 0.5 (disjoint texts)."""
    from analysis.estimate import DetectorRates, ai_share

    rng = np.random.default_rng(seed)
    out: dict[str, dict] = {}
    for s, r in sorted(res.items()):
        others = [v for k, v in res.items() if k != s]
        rates = DetectorRates.from_provenance({"heldout_rates": {
            "ai_means": [v["ai_mean"] for v in others if "ai_mean" in v],
            "human_means": [v["human_mean"] for v in others if "human_mean" in v],
            "by_source": {k: v for k, v in res.items() if k != s}}})
        p, y = r["_scores"], r["_labels"]
        human, ai = np.where(y == 0)[0], np.where(y == 1)[0]
        rows = []
        for share in ((0.0, 0.1, 0.25, 0.5) if len(ai) else (0.0,)):
            for rep in range(5):
                n_ai = round(40 * share)
                if len(human) < 70 - n_ai or len(ai) < n_ai:
                    continue
                h = rng.permutation(human)
                before, after = h[:30], np.concatenate([h[30:70 - n_ai], rng.permutation(ai)[:n_ai]])
                est = ai_share(list(p[after]), [str(i) for i in after], list(p[before]), [str(i) for i in before],
                               rates=rates, n_boot=400, seed=rep)
                rows.append((share, est.share, est.low <= share <= est.high))
        if rows:
            out[s] = {"mae": round(float(np.mean([abs(a - b) for a, b, _ in rows])), 4),
                      "coverage": round(float(np.mean([c for *_, c in rows])), 3),
                      "mae_all_human": round(float(np.mean([b for a, b, _ in rows if a == 0])), 4),
                      "n": len(rows)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--cache", type=Path, default=ROOT / "build" / "detect" / "loso_cache.npz")
    ap.add_argument("--variants", default="no_emb")
    ap.add_argument("--per-source", type=int, default=600)
    ap.add_argument("--C", type=float, default=0.1)
    ap.add_argument("--rates", type=Path, default=ROOT / "build" / "detect" / "heldout_rates.json",
                    help="where to write the held-out mean scores of the first variant (for `train detect --rates`)")
    args = ap.parse_args()
    variants = args.variants.split(",")
    rows = load_sources(args.shared, args.per_source)
    F = features(rows, args.cache, need_embedding="full" in variants)
    results = {v: loso(rows, F, v, args.C) for v in variants}
    first = results[variants[0]]
    print("| source left out | n human / AI | " + " | ".join(results) + " |")
    print("|---|---|" + "---|" * len(results))
    for s in sorted(first):
        cells = []
        for v in results:
            r = results[v][s]
            if "auroc" in r:
                cells.append(f"AUROC {r['auroc']:.3f}, TPR@1% {r['tpr_at_1pct_fpr']:.2f}, FPR {r['fpr']:.3f}, "
                             f"TPR {r['tpr']:.2f}")
            elif "fpr" in r:
                cells.append(f"FPR {r['fpr']:.3f}")
            else:
                cells.append(f"TPR {r['tpr']:.3f}")
        print(f"| {s} | {first[s]['n_human']} / {first[s]['n_ai']} | " + " | ".join(cells) + " |")
    sim = share_simulation(first)
    print("\n| source left out | share MAE | all-human mean estimate | 95 % interval coverage |\n|---|---|---|---|")
    for s, r in sim.items():
        print(f"| {s} | {r['mae']:.3f} | {r['mae_all_human']:.3f} | {r['coverage']:.2f} |")
    print(f"| mean | {np.mean([r['mae'] for r in sim.values()]):.3f} | "
          f"{np.mean([r['mae_all_human'] for r in sim.values()]):.3f} | "
          f"{np.mean([r['coverage'] for r in sim.values()]):.2f} |")
    rates = {"ai_means": [first[s]["ai_mean"] for s in sorted(first) if "ai_mean" in first[s]],
             "human_means": [first[s]["human_mean"] for s in sorted(first) if "human_mean" in first[s]],
             "by_source": {s: {k: v for k, v in r.items() if not k.startswith("_")} for s, r in first.items()},
             "variant": variants[0], "C": args.C, "share_simulation": sim}
    args.rates.parent.mkdir(parents=True, exist_ok=True)
    args.rates.write_text(json.dumps(rates, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({v: {s: {k: x for k, x in r.items() if not k.startswith("_")} for s, r in res.items()}
                      for v, res in results.items()}))


if __name__ == "__main__":
    main()
