"""The candidate window of derivation chains: for each message, the earlier messages of the last WINDOW that are
close enough in meaning to be its parent, found by matrix products on time-sorted stacked vectors (never n^2).
Shared by the learned path (chains.candidate_pairs) and the hand rules (chain_relay_rules.rule_edges)."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator
from datetime import timedelta

import numpy as np

from .chain_text import Node

WINDOW = timedelta(days=21)
WINDOW_BATCH = 64  # messages whose windows are scored by one matrix product


def window_hits(eligible: list[Node], parent_pos: list[int], parents: list[Node], pmat: np.ndarray, floor: float,
                skip: Callable[[Node], bool], cross_floor: float) -> Iterator[tuple[Node, int, np.ndarray, np.ndarray]]:
    """Each eligible message (unless skipped), the start of its 21-day window among the earlier parents, the
    window's cosines (a slice of the stacked parent vectors times the message's: n x window, never n^2), and the
    positions at or above `floor` (in another language: `cross_floor`, the English-centred embedding is weak
    across languages). Shared by the learned path and the hand rules. Messages without an embedding are skipped.
    Up to WINDOW_BATCH messages in a row whose windows overlap are scored together by one matrix product over the
    union of their windows (one matrix-vector product per message read the whole window from memory each time);
    the cosines are the same up to float rounding (1e-7). `skip` is asked up to a batch ahead of what is yielded:
    it must not depend on what the caller decides while iterating."""
    pts = [p.ts for p in parents]
    # languages as small integers: comparing a window of object strings for every message cost more than its
    # matrix-vector product (13 of 63 s on the 10,000-message bench)
    code = {lang: k for k, lang in enumerate(sorted({p.lang for p in parents if p.lang}))}
    plang = np.array([code[p.lang] if p.lang else -1 for p in parents], dtype=np.int32)
    batch: list[tuple[Node, np.ndarray, int, int]] = []
    for i, n in enumerate(eligible):
        if not skip(n) and n.embedding is not None:
            lo, hi = bisect.bisect_left(pts, n.ts - WINDOW), bisect.bisect_left(parent_pos, i)
            if hi > lo:
                # a batch's union of windows stays within twice this window: messages far apart (most of those
                # between them skipped) are not scored against what lies between their windows
                if batch and hi - min(batch[0][2], lo) > 2 * (hi - lo) + WINDOW_BATCH:
                    yield from _batch_hits(batch, pmat, plang, code, floor, cross_floor)
                    batch = []
                batch.append((n, n.embedding, lo, hi))
        if batch and (len(batch) == WINDOW_BATCH or i == len(eligible) - 1):
            yield from _batch_hits(batch, pmat, plang, code, floor, cross_floor)
            batch = []


def _batch_hits(batch: list[tuple[Node, np.ndarray, int, int]], pmat: np.ndarray, plang: np.ndarray,
                code: dict[str, int], floor: float, cross_floor: float,
                ) -> Iterator[tuple[Node, int, np.ndarray, np.ndarray]]:
    start, end = min(lo for _, _, lo, _ in batch), max(hi for _, _, _, hi in batch)
    block = pmat[start:end] @ np.stack([v for _, v, _, _ in batch], axis=1).astype(np.float32, copy=False)
    for j, (n, _, lo, hi) in enumerate(batch):
        sims = block[lo - start:hi - start, j]
        keep = sims >= floor
        if n.lang:
            window = plang[lo:hi]
            keep |= (sims >= cross_floor) & (window != code.get(n.lang, -2)) & (window != -1)
        hits = np.nonzero(keep)[0]
        if len(hits):
            yield n, lo, sims, hits


def closest_first(sims: np.ndarray, hits: np.ndarray) -> np.ndarray:
    """A window's hit positions, the closest first (equal cosines in time order): both paths read a copy's
    MAX_CANDIDATES closest (chains.candidate_pairs, chain_relay_rules)."""
    return hits[np.argsort(-sims[hits], kind="stable")]


def closest_later(hits: Iterator[tuple[Node, int, np.ndarray, np.ndarray]], parents: list[Node]) -> dict[str, str]:
    """Each parent's most similar later message in its window (one more pass of the window products)."""
    best = np.full(len(parents), -np.inf)
    child: dict[int, str] = {}
    for n, lo, sims, ks in hits:
        for k in ks[sims[ks] > best[lo + ks]]:
            best[lo + k] = sims[k]
            child[lo + k] = n.id
    return {parents[i].id: c for i, c in child.items()}
