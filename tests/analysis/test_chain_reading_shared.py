"""Each message is read once per build_edges: the hand rules take what the learned path read of its content when
both readings give it the same carried original (chain_reading.Reading.share_content), and the learned path's
candidates come from one pass of the window products (chains.candidate_pairs), not two."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from analysis.chain_relay_rules import _RuleContext
from analysis.chain_window import closest_first, window_hits
from analysis.chains import MAX_CANDIDATES, Edge, Node, Pool, candidate_pairs
from analysis.chain_rules import can_be_copy, can_be_parent
from analysis.embedding_profile import MINILM

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def _workspace(n: int = 240, seed: int = 3) -> list[Node]:
    rng = np.random.default_rng(seed)
    topics = rng.normal(size=(6, 16))
    nodes = []
    for i in range(n):
        v = topics[i % 6] + rng.normal(scale=0.6, size=16)
        text = (f"Decision from the review {i % 6}: feature {i} moves to {1 + i % 27} March for the spring release. "
                f"Owner: Ana Lima. Budget EUR {10 + i % 80},000; questions in the channel before Friday please.")
        nodes.append(Node(f"m{i}", T0 + timedelta(hours=3 * i), f"C{i % 4}", f"u{i % 9}", text, len(text.split()),
                          (v / np.linalg.norm(v)).astype(np.float32), lang="en"))
    return nodes


def test_the_hand_rules_take_the_learned_paths_reading_of_the_same_content():
    nodes = _workspace(20)
    nodes[5].shares = ["m2"]  # m5 shares m2: both readings read m5 with m2's text
    pool = Pool(nodes)
    edges = [Edge("m5", "m2", "forward", 1.0, 1.0, 1.0, "share")]
    pool.carried = {"m5": pool.by_id["m2"]}
    rules = _RuleContext(nodes, edges, MINILM, read=pool)
    assert rules.facts is pool.facts and rules.keys is pool.keys and rules.plain_substance is pool.plain_substance
    assert rules.names_carried(pool.by_id["m5"]) == pool.names_carried(pool.by_id["m5"])
    assert {"feature", "budget"} <= rules.plain_substance(pool.by_id["m5"])  # content words, style words out
    # another carried original: each reading reads its own
    other = _RuleContext(nodes, [], MINILM, read=pool)
    assert other.facts is not pool.facts and other.plain_substance is not pool.plain_substance


def test_a_message_that_carries_nothing_carries_the_names_and_codes_it_says():
    pool = Pool(_workspace(3))
    pool.carried = {}
    n = pool.by_id["m1"]
    assert pool.names_carried(n) == pool.names_said(n) == {"ana", "lima", "friday", "march"}
    assert pool.codes_carried(n) == pool.codes_said(n)


def test_the_multilingual_model_reads_each_part_of_a_share_as_its_answer():
    """A share's own text ends in an assistant's offer and its original is short: the original is never taken for
    the offer's notes (a helper's review; chain_reading.Reading.content_answer)."""
    nodes = _workspace(3)
    body = ("Here's a shorter version:\nOffline Sync is removed from the spring release and all work on it stops by "
            "12 March, owner Ana Lima.\n\nLet me know if you'd like me to make it shorter!")
    nodes[2].text, nodes[2].shares = body, ["m0"]
    nodes[0].text = "Réunion vendredi 8h15, salle 724."
    pool = Pool(nodes)
    pool.carried = {"m2": pool.by_id["m0"]}
    assert pool.answer(pool.by_id["m2"]).startswith("Offline Sync") and "Let me know" not in pool.answer(pool.by_id["m2"])
    assert pool.content_answer(pool.by_id["m2"]).endswith("Réunion vendredi 8h15, salle 724.")
    assert _RuleContext(nodes, [], MINILM, read=pool).answer is pool.answer


def test_the_candidates_are_the_closest_of_a_fresh_window_pass():
    nodes = _workspace()
    skip = {"m7", "m30", "m31", "m200"}  # linked already: looked at by the first pass only
    pool = Pool(nodes)
    got = {n.id: [p.id for p, _ in cands] for n, cands in candidate_pairs(pool, skip=skip)}
    assert got  # the workspace has candidates
    # the reference: a second pass of the window products with `skip`, as candidate_pairs made before
    ref = Pool(nodes)
    eligible = ref.eligible()
    ref.set_idf(eligible)
    parent_pos = [k for k, p in enumerate(eligible) if can_be_parent(ref.content_words(p))]
    parents = [eligible[k] for k in parent_pos]
    pmat = np.vstack([p.embedding for p in parents]).astype(np.float32)
    expected = {}
    for n, lo, sims, hits in window_hits(eligible, parent_pos, parents, pmat, MINILM.candidate_cosine,
                                         lambda x: x.id in skip, MINILM.cross_language_cosine):
        assert can_be_copy(ref.content_words(n))
        closest = [parents[lo + k] for k in closest_first(sims, hits)[:MAX_CANDIDATES]]
        kept = [p.id for p in closest if ref.admissible(n, p)]
        if kept:
            expected[n.id] = kept
    assert got == expected
    assert not skip & got.keys()
