"""Short summaries: the last hops of a chain of AI summaries fall under 20 words (reads_like_short_rewrite, in
another conversation), and a summary pasted in its source's channel is no repeated chatter (summarises)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from analysis import chain_rules as rules
from analysis.chain_decide import summarises
from analysis.chains import Node, build_edges

T0 = datetime(2025, 3, 12, 3, 0, tzinfo=UTC)
SOURCE = ("Enron has declined to join the California Energy Alliance, the BMWL-organized coalition pushing for "
          "faster power plant approvals in California. BMWL was informed today. No action needed.")
OTHERS = ["Lunch is moved to the third floor kitchen while the cafeteria is painted this week.",
          "The parking garage closes early on Friday for cleaning, please move your car before noon.",
          "Printer on floor two is jammed again, facilities has been told and will fix it.",
          "Reminder that expense reports are due at the end of the month in the usual tool."]


def parent_of(copy: str, cosine: float = 0.95, channel: str = "C2") -> list[str]:
    e = np.eye(8, dtype=np.float32)
    vc = (cosine * e[0] + float(np.sqrt(1 - cosine ** 2)) * e[1]).astype(np.float32)
    nodes = [Node("p", T0, "C1", "ana", SOURCE, len(SOURCE.split()), e[0]),
             Node("c", T0 + timedelta(hours=4), channel, "bob", copy, len(copy.split()), vc)]
    nodes += [Node(f"o{i}", T0 - timedelta(hours=i + 1), f"C{i + 3}", f"u{i}", t, len(t.split()), e[2 + i])
              for i, t in enumerate(OTHERS)]
    return [x.parent for x in build_edges(nodes) if x.child == "c"]


SHORT = "Enron declined to join BMWL's California Energy Alliance (faster power plant approvals); BMWL informed today."


def test_a_short_summary_is_linked():
    """15 words at cosine 0.95, keeping most of the source's rare wording: the model alone gives it p 0.001."""
    assert len(SHORT.split()) < 20
    assert parent_of(SHORT) == ["p"]
    # not inside one conversation: there the model decides (a day's "standup at 10:00 in room B today" shortened
    # the next day is chatter with the same values)
    assert parent_of(SHORT, channel="C1") == []


def test_a_short_post_on_the_topic_is_not():
    # as close in meaning, but keeps little of the wording
    assert parent_of("Power plant approvals in the state are slow, the coalition says; no news for us here.") == []
    # keeps the wording but not the value: another decision
    assert parent_of("Enron agreed to join BMWL's California Energy Alliance (faster power plant approvals) on "
                     "2 May.") == []
    # under the cosine
    assert parent_of(SHORT, cosine=0.8) == []


def test_summarises_lets_a_summary_through_repeated_chatter():
    a, b = Node("p", T0, "C1", "ana", "x", 1), Node("c", T0, "C1", "bob", "x", 1)
    assert rules.repeated_chatter(b, a, 15, 27)
    assert not rules.repeated_chatter(b, a, 15, 27, summarises(15, 27, 0.9))
    assert summarises(15, 27, 0.9) and not summarises(15, 27, 0.8) and not summarises(25, 27, 0.95)


def test_a_short_summary_stays_with_the_message_it_summarises():
    """The rule decides the pair it checked: no latest hop moves the copy to a later rewrite in the chain that it
    never compared (a helper's review: a longer rewrite adding a board vote, cosine 0.8 to the source, took the
    short summary of the source)."""
    e = np.eye(8, dtype=np.float32)
    rewrite = SOURCE + " The board votes on it on 4 April."
    nodes = [Node("p", T0, "C1", "ana", SOURCE, len(SOURCE.split()), e[0]),
             Node("b", T0 + timedelta(hours=1), "C3", "eve", rewrite, len(rewrite.split()),
                  (0.8 * e[0] + 0.6 * e[2]).astype(np.float32)),
             Node("c", T0 + timedelta(hours=4), "C2", "bob", SHORT, len(SHORT.split()),
                  (0.95 * e[0] + float(np.sqrt(1 - 0.95 ** 2)) * e[1]).astype(np.float32))]
    nodes += [Node(f"o{i}", T0 - timedelta(hours=i + 1), f"C{i + 4}", f"u{i}", t, len(t.split()), e[3 + i])
              for i, t in enumerate(OTHERS)]
    edge = next(x for x in build_edges(nodes) if x.child == "c")
    assert (edge.parent, edge.method) == ("p", "short-rewrite")
