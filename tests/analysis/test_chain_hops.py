"""Which hop of a chain a copy came from once every edge is known (chain_settle.settle_hops): the latest hop
whose own wording the copy keeps (took_from) or whose names and values it keeps with none the hop dropped
(kept_since), never a sibling that dropped what the copy keeps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from analysis.chain_settle import Scored, kept_since, settle_hops, took_from
from analysis.chain_text import plain_names
from analysis.chains import Edge, Node, Pool

T0 = datetime(2025, 3, 12, 3, 0, tzinfo=UTC)
SOURCE = ("The warehouse migration to the Tulsa site is delayed until 14 April because the forklift vendor "
          "missed the inspection. Shipping keeps using the old dock, and inventory counts pause for a week.")
REWRITE = ("Heads-up: relocation of warehouse operations to Tulsa slips to 14 April after the equipment supplier "
           "failed its safety check. Outbound parcels stay at the legacy bay meanwhile.")
FROM_REWRITE = "Relocation of warehouse operations to Tulsa slips to 14 April: equipment supplier failed its safety check."
FROM_SOURCE = "Warehouse migration to Tulsa delayed until 14 April; forklift vendor missed inspection; inventory counts pause."
OTHERS = ["Lunch is moved to the third floor kitchen while the cafeteria is painted this week.",
          "The parking garage closes early on Friday for cleaning, please move your car before noon."]


def _read(*texts: str) -> tuple[Pool, list[Node]]:
    """The texts posted an hour apart, each in its own channel by its own author, and the pool reading them."""
    nodes = [Node(f"n{i}", T0 + timedelta(hours=i), f"C{i}", f"u{i}", t, len(t.split()), np.eye(8, dtype=np.float32)[i])
             for i, t in enumerate(texts)]
    pool = Pool(nodes)
    pool.set_idf(nodes)  # candidate_pairs sets it over the eligible messages before any decision
    return pool, nodes


def _pool(copy: str) -> tuple[Pool, Node, Node, Node]:
    pool, nodes = _read(SOURCE, REWRITE, copy, *OTHERS)
    return pool, nodes[0], nodes[1], nodes[2]


def _scored(cands: list[Node], prob: list[float]) -> Scored:
    return Scored(cands, np.linspace(0.9, 0.8, len(cands)).astype(np.float32), np.array(prob))


def _edge(child: str, parent: str) -> Edge:
    return Edge(child, parent, "summary", 0.9, 0.9, 0.5, "learned")


def test_a_copy_that_keeps_the_rewrites_own_words_took_from_the_rewrite():
    pool, source, rewrite, copy = _pool(FROM_REWRITE)
    assert took_from(pool, copy, rewrite, source)


def test_a_sibling_that_keeps_what_the_rewrite_dropped_took_from_the_source():
    pool, source, rewrite, copy = _pool(FROM_SOURCE)
    assert not took_from(pool, copy, rewrite, source)


def test_settle_hops_moves_a_copy_to_the_latest_hop_it_took_from():
    pool, source, rewrite, copy = _pool(FROM_REWRITE)
    final = [_edge("n1", "n0"), _edge("n2", "n0")]  # the copy was scored before the rewrite was linked
    scored = {"n2": _scored([source, rewrite], [0.95, 0.9])}
    moved = settle_hops(pool, final, scored, fixed=set())
    assert {c: (p.id, round(cos, 2), prob) for c, (p, cos, prob) in moved.items()} == {"n2": ("n1", 0.8, 0.9)}
    # nor for a copy the metadata placed
    assert settle_hops(pool, final, scored, fixed={"n2"}) == {}
    # nor to a later message outside the parent's chain: unlinked, or linked into another chain
    assert settle_hops(pool, [_edge("n2", "n0")], scored, set()) == {}
    assert settle_hops(pool, [_edge("n1", "n3"), _edge("n2", "n0")], scored, set()) == {}
    # nor under the floor, however close to the parent's probability
    low = {"n2": _scored([source, rewrite], [0.25, 0.19])}
    assert settle_hops(pool, final, low, set()) == {}
    assert {c: p.id for c, (p, _, _) in settle_hops(pool, final, low, set(), floor=0.1).items()} == {"n2": "n1"}


THIRD = ("Heads-up: Tulsa relocation of warehouse operations now slips to 14 April, because the equipment supplier "
         "failed its safety check; outbound parcels stay at the legacy bay, and the finance desk freezes freight "
         "budgets pending a revised quote.")


def test_settle_hops_stops_at_the_hop_the_copy_took_from():
    """A copy of the second hop stays there when the third hop, another copy of the second, is as close: the walk
    from the parent steps on only while the copy takes each next hop's own wording (a helper's review)."""
    pool, nodes = _read(SOURCE, REWRITE, THIRD, FROM_REWRITE, *OTHERS)
    source, rewrite, third, copy = nodes[:4]
    assert took_from(pool, copy, rewrite, source) and took_from(pool, copy, third, source)
    assert not took_from(pool, copy, third, rewrite)
    final = [_edge("n1", "n0"), _edge("n2", "n1"), _edge("n3", "n0")]
    scored = {"n3": _scored([source, rewrite, third], [0.95, 0.9, 0.9])}
    moved = settle_hops(pool, final, scored, set())
    assert {c: p.id for c, (p, _, _) in moved.items()} == {"n3": "n1"}


def test_the_margin_holds_unless_the_copy_kept_the_later_hops_names_and_values():
    """SETTLE_MARGIN bounds `took_from`'s step; `kept_since` steps past it: the copy states Tulsa and 14 April as
    the rewrite does, nothing the rewrite dropped, and keeps some of the rewrite's own wording."""
    pool, source, rewrite, copy = _pool(FROM_REWRITE)
    final = [_edge("n1", "n0"), _edge("n2", "n0")]
    far = {"n2": _scored([source, rewrite], [0.95, 0.7])}
    assert kept_since(pool, copy, rewrite, source)
    assert {c: p.id for c, (p, _, _) in settle_hops(pool, final, far, set()).items()} == {"n2": "n1"}
    nameless = "Relocation of warehouse operations slips: equipment supplier failed its safety check."
    pool, source, rewrite, copy = _pool(nameless)
    assert took_from(pool, copy, rewrite, source) and not kept_since(pool, copy, rewrite, source)
    assert settle_hops(pool, final, far, set()) == {}


def test_a_copy_that_keeps_a_value_the_later_hop_dropped_was_not_made_from_it():
    dated_dropped = ("Heads-up: relocation of warehouse operations to Tulsa slips again after the equipment supplier "
                     "failed its safety check.")
    pool, nodes = _read(SOURCE, dated_dropped, FROM_REWRITE, *OTHERS)
    assert not kept_since(pool, nodes[2], nodes[1], nodes[0])  # "14 April": only the source states it
    final = [_edge("n1", "n0"), _edge("n2", "n0")]
    assert settle_hops(pool, final, {"n2": _scored([nodes[0], nodes[1]], [0.95, 0.7])}, set()) == {}


def test_a_name_that_opens_the_later_hops_sentence_is_kept_there():
    """"Tulsa relocation slips ..." names no Tulsa for plain_names (a capital opening a sentence), but the recap
    did not drop it."""
    recap = "Tulsa relocation slips to 14 April; outbound freight stays at the legacy bay meanwhile."
    copy = "Freight stays at the legacy bay: the Tulsa relocation slips to 14 April."
    pool, nodes = _read(SOURCE, REWRITE, recap, copy, *OTHERS)
    assert "tulsa" not in pool.names_said(nodes[2])
    assert kept_since(pool, nodes[3], nodes[2], nodes[1])


def test_a_time_or_a_day_the_later_hop_writes_in_digits_is_kept_there():
    """The fact reader reads no time in "at 3" or "8-12" and no date in "the 22nd" or "11/22": a copy stating 3pm
    on 11/22/2024 did not see them elsewhere (`_in_digits`). A later hop that says "at 4", "3:30", "2. ... 3."
    (a list) or nothing dropped them; the "03" of a room code is no hour."""
    source = "We meet at 3pm on 11/22/2024 in room 50M03 with Joe Sutton to review the EnHome deck."
    copy = "Reminder: the EnHome deck review with Joe Sutton is at 3pm on 11/22/2024 in 50M03; send your changes."
    end = " EnHome deck review in 50M03 with Joe Sutton, send your changes."
    for later, kept in (("On the 22nd we meet at 3." + end, True), ("Meeting 11/22, 3-5." + end, True),
                        ("On the 22nd we meet at 4." + end, False), ("On the 22nd we meet at 3:30." + end, False),
                        ("Agenda: 2. slides 3. budget, on the 22nd." + end, False), ("We meet." + end, False)):
        pool, nodes = _read(source, later, copy, *OTHERS)
        assert kept_since(pool, nodes[2], nodes[1], nodes[0]) is kept, later


def test_the_walk_steps_on_through_several_hops():
    """Source, rewrite, a recap of the rewrite that keeps Tulsa and 14 April, and a copy of the recap: the copy
    reaches the recap, past the rewrite, though the model scores both far under the source."""
    recap = "Update: the Tulsa relocation slips to 14 April; outbound freight stays at the legacy bay meanwhile."
    copy = "Freight stays at the legacy bay: the Tulsa relocation slips to 14 April."
    pool, nodes = _read(SOURCE, REWRITE, recap, copy, *OTHERS)
    final = [_edge("n1", "n0"), _edge("n2", "n1"), _edge("n3", "n0")]
    assert kept_since(pool, nodes[3], nodes[1], nodes[0]) and kept_since(pool, nodes[3], nodes[2], nodes[1])
    moved = settle_hops(pool, final, {"n3": _scored(nodes[:3], [0.95, 0.5, 0.5])}, set())
    assert {c: p.id for c, (p, _, _) in moved.items()} == {"n3": "n2"}


def test_settle_hops_leaves_a_sibling_where_it_is():
    pool, source, rewrite, copy = _pool(FROM_SOURCE)
    scored = {"n2": _scored([source, rewrite], [0.95, 0.9])}
    assert not kept_since(pool, copy, rewrite, source)  # Tulsa and 14 April, but none of the rewrite's own words
    assert settle_hops(pool, [_edge("n1", "n0"), _edge("n2", "n0")], scored, set()) == {}


def test_a_common_word_after_a_labels_colon_is_no_name():
    assert "gather" not in plain_names("Prototype owner: Gather the team's input and mock up two options.")
    assert "ideas" not in plain_names("Ask: Ideas on how to show the results are welcome.")
    assert "atlas" in {w.lower() for w in plain_names("Summary of the review: Atlas push alerts slip to May.")}
    assert "sara" in {w.lower() for w in plain_names("Owner: Sara Lindqvist will follow up.")}
    # a project named by a common word keeps its name when no article or preposition follows it
    assert "lantern" in {w.lower() for w in plain_names("Decision: Lantern drops smart search ranking.")}
    assert "one" not in {w.lower() for w in plain_names("Cause: One shared template is reused for every city.")}
    # a name in a list after a colon, though "grace" is also a word
    assert {"grace", "sam"} <= {w.lower() for w in plain_names("Attendees: Grace and Sam Patel will join.")}
