"""chain_window.window_hits: the cosines of each message's window scored in batches are those of one message at a
time (the windows, the hits across languages, skipped messages and the last partial batch)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from analysis.chain_text import Node
from analysis.chain_window import WINDOW, WINDOW_BATCH, window_hits

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _nodes(n: int, hours: float) -> list[Node]:
    rng = np.random.default_rng(7)
    topics = rng.normal(size=(5, 384))
    nodes = []
    for i in range(n):
        v = topics[i % 5] + rng.normal(scale=1.0, size=384)
        nodes.append(Node(str(i), T0 + timedelta(hours=hours * i), "C1", "p", "text", 12,
                          (v / np.linalg.norm(v)).astype(np.float32), lang="fr" if i % 4 == 0 else "en"))
    return nodes


def _check(nodes: list[Node], parent_pos: list[int], skip: set[str]) -> int:
    """window_hits against one message at a time; the number of messages with hits."""
    parents = [nodes[k] for k in parent_pos]
    pmat = np.vstack([p.embedding for p in parents])
    got = {n.id: (lo, sims.copy(), hits) for n, lo, sims, hits in
           window_hits(nodes, parent_pos, parents, pmat, 0.3, lambda n: n.id in skip, 0.2)}
    expected = {}
    for i, n in enumerate(nodes):
        window = [k for k, p in enumerate(parents) if n.ts - WINDOW <= p.ts and parent_pos[k] < i]
        if n.id in skip or not window:
            continue
        sims = np.array([float(parents[k].embedding @ n.embedding) for k in window])
        other = np.array([bool(n.lang and parents[k].lang and parents[k].lang != n.lang) for k in window])
        keep = np.nonzero((sims >= 0.3) | ((sims >= 0.2) & other))[0]
        if len(keep):
            expected[n.id] = (window[0], sims, keep)
    assert got.keys() == expected.keys()
    for nid, (lo, sims, hits) in expected.items():
        assert got[nid][0] == lo and np.array_equal(got[nid][2], hits)
        np.testing.assert_allclose(got[nid][1], sims, atol=1e-5)
    return len(got)


def test_batched_windows_are_the_windows_of_each_message():
    nodes = _nodes(3 * WINDOW_BATCH + 5, 5.5)  # three full batches and a partial one, over about 45 days
    nodes[9].lang = None  # no language detected: compared in one language only
    parent_pos = [k for k in range(len(nodes)) if k % 3]  # not every message can be a parent
    assert _check(nodes, parent_pos, {"4", "50", str(len(nodes) - 1)}) > 2 * WINDOW_BATCH


def test_a_batch_of_messages_far_apart_is_scored_window_by_window():
    # 600 messages over 60 days, all but every 40th skipped: a batch would span the whole period
    nodes = _nodes(600, 2.4)
    skip = {n.id for k, n in enumerate(nodes) if k % 40}
    assert _check(nodes, list(range(len(nodes))), skip) >= 10
