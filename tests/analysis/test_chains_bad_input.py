"""Chains on awkward input: no facts, another language, a copy longer than its root, circular shares,
clock skew, a huge thread. No crash, and the documented behaviour (docs/chains.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from analysis.chain_forwards import forwarded_block, forwarded_original, is_forwarded_original
from analysis.chains import Node, build_edges, chain_positions

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ROOT = ("Decision from the release review: Offline Sync is removed from the spring release. Stop all work on it "
        "by 12 March. Owner: Julie Martin.")


def vec(seed: int, near: np.ndarray | None = None, noise: float = 0.3) -> np.ndarray:
    """A unit vector; near another one, at cosine about 1 / sqrt(1 + noise^2)."""
    rng = np.random.default_rng(seed)
    v = rng.normal(size=384) if near is None else near + rng.normal(scale=noise / np.sqrt(384), size=384)
    return (v / np.linalg.norm(v)).astype(np.float32)


def node(i: int, text: str, hours: float, v: np.ndarray, conv: str = "C1", author: str | None = None,
         lang: str = "en", shares: list[str] | None = None) -> Node:
    return Node(str(i), T0 + timedelta(hours=hours), conv, author or f"p{i}", text, len(text.split()), v,
                shares or [], lang=lang)


def test_messages_without_facts_have_no_copies():
    base = vec(1)
    chatter = "thanks everyone for the great session today, it was really useful to see the whole picture"
    nodes = [node(1, chatter, 0, base), node(2, chatter + " again, really useful", 2, vec(2, base, 0.1), "C2")]
    assert build_edges(nodes) == []  # the first states no date, owner or status: nothing to trace


def test_a_copy_in_another_language_links_through_shared_dates_and_names():
    root = vec(3)
    french = ("Résumé : Offline Sync est retiré de la version de printemps, arrêt du travail avant le 12 mars. "
              "Responsable : Julie Martin.")
    far = vec(4, root, noise=2.5)  # the English-centred embedding barely sees the translation
    assert 0.25 <= float(far @ root) < 0.55
    edges = build_edges([node(1, ROOT, 0, root), node(2, french, 3, far, "C2", lang="fr")])
    assert [(e.child, e.parent) for e in edges] == [("2", "1")]


def test_a_copy_longer_than_its_root_is_a_paraphrase():
    root = vec(5)
    long_copy = ROOT + " " + " ".join(["In other words, the release review decided this after a long discussion of "
                                       "the spring release plan and its risks."] * 3)
    (edge,) = build_edges([node(1, ROOT, 0, root), node(2, long_copy, 1, vec(6, root, 0.1), "C2")])
    assert edge.relation == "paraphrase" and edge.compression > 1


def test_circular_shares_do_not_loop():
    a, b = vec(7), vec(8)
    nodes = [node(1, ROOT, 0, a, shares=["2"]), node(2, ROOT + " Shared.", 0, b, "C2", shares=["1"])]
    edges = build_edges(nodes)  # same second, each sharing the other: a cycle in the metadata
    positions = chain_positions(edges)
    assert all(p.depth <= 2 for p in positions.values())


def test_clock_skew_time_order_decides():
    root = vec(9)
    edges = build_edges([node(1, ROOT, 0, root), node(2, ROOT + " (summary)", -1, vec(10, root, 0.1), "C2",
                                                       shares=["1"])])
    # only earlier messages can be parents: the share of a later-stamped message is ignored, and the
    # earlier-stamped text is taken as the original (docs/chains.md, "Bad input")
    assert [(e.child, e.parent) for e in edges] == [("1", "2")] and edges[0].method in ("learned", "similarity")


def test_a_huge_thread():
    base = vec(11)
    nodes = [node(1, ROOT, 0, base)]
    nodes += [node(i, f"reply {i}: looks fine to me, I will check the dashboard numbers again tomorrow morning",
                   i / 1000, vec(i, base, 0.8), author=f"p{i % 50}") for i in range(2, 5002)]
    edges = build_edges(nodes)  # 5,000 replies in one conversation within a few hours: no crash
    assert len(edges) < 50  # short replies in the same channel are chatter, not copies


def fw_node(i: int, text: str, forwarded: str, hours: float, v: np.ndarray, author: str | None = None) -> Node:
    n = node(i, text, hours, v, "C9", author)
    n.forwarded_text = forwarded
    return n


def test_a_forward_is_the_copy_and_its_original_the_parent():
    root = vec(21)
    edges = build_edges([node(1, ROOT, 0, root), fw_node(2, "FYI, see below.", ROOT, 5, vec(22))])
    assert [(e.child, e.parent, e.relation, e.method) for e in edges] == [("2", "1", "forward", "forward-block")]


def test_a_one_to_three_word_note_is_never_a_parent():
    # an earlier forward whose own note is "FYI" and whose original is not stored, forwarded again: the second
    # forward's block holds "FYI", but the note is not the original; no edge to it (and no similarity edge). Each
    # forward's parent is a node built from what it forwards.
    first = fw_node(1, "FYI", ROOT, 0, vec(23))
    second = fw_node(2, "get better.", "FYI\n" + ROOT, 4, vec(24, vec(23), 0.1))
    third = node(3, "Please read DG", 6, vec(25, vec(23), 0.1), "C3")
    edges = build_edges([first, second, third])
    assert [(e.child, e.method) for e in edges] == [("1", "forward-block"), ("2", "forward-block")]
    assert all(is_forwarded_original(e.parent) for e in edges)


def test_a_forward_of_an_original_not_stored_points_at_a_node_built_from_its_block():
    block = ("Tana Jones@ECT\n04/02/2001 04:59 PM\nTo: Sara Shackleton/HOU/ECT@ECT, Mark Taylor/HOU/ECT@ECT\n"
             "cc: \nSubject: Offline Sync\n\n" + ROOT + "\n - review.doc")
    fw = fw_node(2, "FYI", block, 5, vec(30))
    again = fw_node(3, "Please read", "-----Original Message-----\nFrom: Tana Jones\nSent: Monday, March 2, 2026 "
                                      "8:30 AM\nTo: Team\nSubject: Offline Sync\n\n" + ROOT, 6, vec(31))
    (e1, e2) = build_edges([fw, again])
    assert (e1.child, e1.relation, e1.method) == ("2", "forward", "forward-block")
    assert e1.parent == e2.parent and is_forwarded_original(e1.parent)  # two forwards of one original share it
    original = forwarded_original(fw)
    assert original is not None and original.text == ROOT  # no header, no attachment line
    assert original.ts == fw.ts - timedelta(seconds=1)  # its header's time is years before the forward: not used
    assert forwarded_original(again).ts == datetime(2026, 3, 2, 8, 30, tzinfo=UTC)  # type: ignore[union-attr]


def test_forwarded_headers_and_times():
    body, sent = forwarded_block("PM ---------------------------\n\n\np_d04c5896\n06/28/2000 07:26 PM\n"
                                 "To: p_6c65/LON/ECT@ECT\ncc: p_6647/HOU/ECT@ECT, p_f947/LON/ECT@ECT, \n"
                                 "p_2487/LON/ECT@ECT\nSubject: Re: Revised Operating Standards\n\nSteve\n\n"
                                 "My assessment of the next steps is as follows.")
    assert body == "Steve\n\nMy assessment of the next steps is as follows." and sent == datetime(2000, 6, 28, 19, 26)
    body, sent = forwarded_block("From: Julie Martin\nSent: Tuesday, November 14, 2000 4:03 PM\nTo: Team\n"
                                 "Subject: Release\n\nOffline Sync is removed.")
    assert body == "Offline Sync is removed." and sent == datetime(2000, 11, 14, 16, 3)
    body, sent = forwarded_block("Offline Sync is removed from the spring release.")  # a Slack share: no header
    assert body == "Offline Sync is removed from the spring release." and sent is None


def test_a_reply_in_its_parents_thread_is_not_a_copy():
    root = vec(26)
    reply = ("So Offline Sync is removed from the spring release and all work on it stops by 12 March; I will tell "
             "the mobile team today.")
    parent, answer = node(1, ROOT, 0, root, "C1"), node(2, reply, 2, vec(27, root, 0.1), "C2")
    assert [(e.child, e.parent) for e in build_edges([parent, answer])] == [("2", "1")]  # without threads: a copy
    parent.thread = answer.thread = "mail:<root@example.com>"
    assert build_edges([parent, answer]) == []  # same thread: an answer
    # one that opens as a reply is none in any thread (chain_rules.replies)
    thanks = node(3, "Thanks Julie. " + reply, 2, vec(27, root, 0.1), "C2")
    parent.thread = None
    assert build_edges([parent, thanks]) == []


def test_quoted_lines_and_attributions_are_not_compared():
    root = vec(28)
    quoting = ("Julie Martin writes:\n" + "\n".join("> " + ln for ln in ROOT.split(". ")) +
               "\n\nWhat about the C++ bindings? Nobody said anything about them.")
    assert build_edges([node(1, ROOT, 0, root), node(2, quoting, 2, vec(29, root, 0.1), "C2")]) == []
