"""`eval chains` files as chain-building nodes, and the scores of predicted edges against their gold parents
(DESIGN.md section 7). Shared by `slopradar eval chains` and scripts/train_chain_model.py."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import numpy as np

from .assistant_frame import without_assistant_frame
from .chains import Edge, Node, chain_positions
from .text import detect_language, words


_EPOCH = re.compile(r"\d{9,10}(?:\.\d+)?")  # Unix seconds as Slack writes a message's "ts" ("1741041412.399036")


def _row_time(r: dict[str, Any]) -> datetime:
    """A row's "ts": ISO 8601 (DESIGN.md section 7; without an offset it is read as UTC, so a file may mix both), or
    Unix seconds as a Slack export writes them, a number or a string."""
    raw = r["ts"]
    try:
        if _EPOCH.fullmatch(str(raw)):  # a number reads as its digits ("1741041412.399036"; not True, NaN, 1e+20)
            return datetime.fromtimestamp(float(raw), UTC)
        ts = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        ts = None
    if ts is None or isinstance(raw, int | float):  # a number that is no Unix time in seconds (milliseconds, NaN)
        raise ValueError(f"row {r['id']!r}: ts {raw!r} is neither an ISO 8601 time nor Unix seconds")
    return ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)


def chain_eval_nodes(rows: list[dict[str, Any]], emb: np.ndarray,
                     carried: dict[int, np.ndarray] | None = None) -> list[Node]:
    """Nodes from rows and their embeddings: text, time, channel and author (gold parent/origin hidden), and
    metadata where a row has it: "shares" (ids it shares or links), "forwarded_text", "readers" (members).
    `carried`: row index -> the vector of the original its forwarded text carries (`carried_texts`)."""
    nodes = []
    for i, (r, e) in enumerate(zip(rows, emb, strict=True)):
        t = str(r["text"] or "")
        ts = _row_time(r)
        lang = r.get("lang") or detect_language(t).code  # as `analyze` does before building chains
        nodes.append(Node(str(r["id"]), ts, str(r["channel"]), r.get("author"), t, len(words(t)), e,
                          shares=[str(x) for x in r.get("shares") or []], forwarded_text=str(r.get("forwarded_text") or ""),
                          lang=lang, conversation_name=str(r["channel"]), readers=set(r.get("readers") or []),
                          carried_embedding=(carried or {}).get(i)))
    return nodes


def embedded_text(text: str) -> str:
    """What `eval chains` embeds of a row's text: an AI assistant's answer without its opening line and its notes
    after it (assistant_frame.assistant_answer), as `analyze` leaves them out of a message's vector (messages.answer_sentences),
    and at most 20,000 characters."""
    return without_assistant_frame(text)[:20_000]


def carried_texts(rows: list[dict[str, Any]]) -> dict[int, str]:
    """Row index -> the original a row's forwarded text carries, the text `analyze` embeds (pipeline.score_batch).
    `eval chains` embeds it as it embeds rows' texts, whole (`analyze` takes the mean of its sentences' vectors:
    the same text, not the same vector)."""
    from .chain_forwards import carried_body

    return {i: t for i, r in enumerate(rows) if (t := carried_body(str(r.get("forwarded_text") or "")))}


def given(value: Any) -> bool:
    """A gold parent or origin is named: an id 0 is one, null or "" is none."""
    return value is not None and value != ""


def chain_scores(rows: list[dict[str, Any]], pred: dict[str, str]) -> dict[str, Any]:
    """Exact-parent edge precision, recall, F1 and origin accuracy of predicted child -> parent edges."""
    origin = {k: v.root for k, v in chain_positions([Edge(c, p, "", 0, 0, 0, "") for c, p in pred.items()]).items()}
    gold = {str(r["id"]): str(r["parent"]) for r in rows if given(r.get("parent"))}
    tp = sum(1 for c, p in pred.items() if gold.get(c) == p)
    precision = tp / len(pred) if pred else 0.0
    recall = tp / len(gold) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    with_origin = [r for r in rows if given(r.get("origin"))]
    correct = sum(1 for r in with_origin if origin.get(str(r["id"]), str(r["id"])) == str(r["origin"]))
    return {"n": len(rows), "n_gold_edges": len(gold), "n_predicted_edges": len(pred),
            "edge_precision": precision, "edge_recall": recall, "edge_f1": f1,
            "origin_accuracy": correct / len(with_origin) if with_origin else None}
