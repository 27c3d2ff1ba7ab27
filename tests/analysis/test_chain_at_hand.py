"""Where a copy was read (chain_settle.read_at_hand, twenty-seventh round): a message posted in a channel where a
TL;DR of its parent already sits, writing nothing of the parent the TL;DR lacks, was read there. It hangs under
the TL;DR when it could copy it, and is the channel's talk about the TL;DR otherwise (the texts are the kinds a
helper's review wrote as follow-ups in a TL;DR's channel, twenty-sixth round)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from analysis.chain_settle import expands_hop, read_at_hand, settle, takes_beyond
from analysis.chain_text import Edge
from analysis.chains import Node, Pool

T0 = datetime(2025, 3, 12, 9, 0, tzinfo=UTC)
SOURCE = ("Release update from the planning meeting: the branch freeze for 3.8 moves from Friday 12:00 to Monday "
          "12:00 because the payments migration slipped. QA runs the regression suite Monday afternoon and we ship "
          "3.8 to all customers on Tuesday at 17:00. Offline sync is not in 3.8; it moves to 3.9. Owner: Priya.")
TLDR = ("TL;DR from the planning meeting: the 3.8 branch freeze moves to Monday 12:00 (payments migration slipped), "
        "QA runs regression Monday afternoon, 3.8 ships to all customers Tuesday 17:00. Offline sync is not in 3.8. "
        "Owner: Priya.")
SHORT_TLDR = "TL;DR: 3.8 freeze Monday 12:00, 3.8 ships Tuesday 17:00, offline sync is not in 3.8. Owner: Priya."
SHORTER = "Short version: 3.8 freeze Monday 12:00, ships Tuesday 17:00, offline sync not in 3.8. Priya owns it."
OWN_FOLLOW_UP = "Update: QA regression for 3.8 now starts Monday 14:00 instead of the afternoon slot, everything else unchanged."
FROM_SOURCE = "Short version: 3.8 freeze Monday 12:00, ships Tuesday 17:00, offline sync moves to 3.9. Priya owns it."
EXPANSION = ("Friendly reminder, everyone: the 3.8 freeze starts on Monday 12:00 and 3.8 goes out on Tuesday 17:00. "
             "Offline sync is not in 3.8, so please plan around that. Priya is the owner if anything is unclear.")
PLAN = ("For the mobile team: we merge everything for 3.8 on Friday 16:00 so we are clear of the Monday 12:00 freeze, "
        "and we watch the Tuesday 17:00 ship together. Offline sync is not in 3.8, Priya confirmed.")
OTHERS = ["Lunch is moved to the third floor kitchen while the cafeteria is painted this week.",
          "The parking garage closes early on Friday for cleaning, please move your car before noon."]


def _unit(*xs: float) -> np.ndarray:
    v = np.zeros(8, dtype=np.float32)
    v[:len(xs)] = xs
    return (v / np.linalg.norm(v)).astype(np.float32)


def _pool(copy: str, author: str = "carl", tldr: str = TLDR, tldr_channel: str = "C2") -> tuple[Pool, list[Edge]]:
    """The announcement in C1; its TL;DR by bob two hours later in `tldr_channel`; the copy an hour after that in C2,
    linked by its text to the announcement (cosine 0.8; 0.83 to the TL;DR)."""
    a = Node("a", T0, "C1", "ana", SOURCE, len(SOURCE.split()), _unit(1))
    b = Node("b", T0 + timedelta(hours=2), tldr_channel, "bob", tldr, len(tldr.split()), _unit(0.9, 0.436))
    c = Node("c", T0 + timedelta(hours=3), "C2", author, copy, len(copy.split()), _unit(0.8, 0.25, 0.545))
    others = [Node(f"o{i}", T0 - timedelta(hours=i + 1), f"C{i + 3}", f"u{i}", t, len(t.split()), _unit(0, 0, 0, 1, i))
              for i, t in enumerate(OTHERS)]
    pool = Pool([a, b, c, *others])
    pool.set_idf(pool.eligible())
    return pool, [Edge("b", "a", "summary", 1.0, 0.9, 0.6, "learned"), Edge("c", "a", "summary", 0.9, 0.8, 0.4, "learned")]


def _read(copy: str, **kw: str) -> dict[str, str | None]:
    pool, final = _pool(copy, **kw)
    return {c: (p.id if p is not None else None) for c, p in read_at_hand(pool, final, {"c"}).items()}


def test_the_tldr_authors_follow_up_is_talk_about_the_tldr():
    # bob adds a time in his own TL;DR's channel: no copy of the TL;DR, and it read nothing of the announcement
    assert _read(OWN_FOLLOW_UP, author="bob") == {"c": None}


def test_a_summary_of_the_tldr_in_its_channel_hangs_under_it():
    assert _read(SHORTER) == {"c": "b"}


def test_a_copy_that_writes_what_only_the_announcement_says_read_the_announcement():
    pool, _ = _pool(FROM_SOURCE)
    a, b, c = (pool.by_id[i] for i in "abc")
    assert takes_beyond(pool, c, a, b)  # "moves to 3.9": the TL;DR dropped it
    assert _read(FROM_SOURCE) == {}
    pool, _ = _pool(SHORTER)
    assert not takes_beyond(pool, *(pool.by_id[i] for i in "cab"))


def test_no_copy_at_hand_no_change():
    # the TL;DR in another channel than the copy's: the copy's readers did not see it there
    assert _read(OWN_FOLLOW_UP, author="bob", tldr_channel="C3") == {}
    # the TL;DR not linked to the announcement: no copy of it at hand
    pool, final = _pool(OWN_FOLLOW_UP, author="bob")
    assert read_at_hand(pool, final[1:], {"c"}) == {}
    # a copy linked by metadata or a forward is not read again
    assert read_at_hand(pool, final, set()) == {}


def test_an_expansion_of_a_short_tldr_hangs_under_it():
    """The chatter rule sets a longer post apart from a TL;DR under 25 words in its channel; an expansion that
    states every value of it and adds none is a copy of it (`expands_hop`), a team's plan under it is not."""
    pool, _ = _pool(EXPANSION, tldr=SHORT_TLDR)
    b, c = pool.by_id["b"], pool.by_id["c"]
    assert not pool.admissible(c, b, chained=True) and expands_hop(pool, c, b)
    assert _read(EXPANSION, tldr=SHORT_TLDR) == {"c": "b"}
    pool, _ = _pool(PLAN, tldr=SHORT_TLDR)
    assert not expands_hop(pool, pool.by_id["c"], pool.by_id["b"])  # it adds Friday 16:00
    assert _read(PLAN, tldr=SHORT_TLDR) == {"c": None}


def test_a_copy_that_says_so_keeps_its_edge():
    # a short TL;DR that adds a cut-off is chatter beside the short TL;DR in its channel, but it says it sums
    # something up: the announcement's edge stays; without its label it is talk about the TL;DR
    labelled = "TL;DR for mobile: 3.8 freeze Monday 12:00, ships Tuesday 17:00, our merge cut-off is Thursday 16:00."
    assert _read(labelled, tldr=SHORT_TLDR) == {}
    assert _read(labelled.removeprefix("TL;DR for mobile: "), tldr=SHORT_TLDR) == {"c": None}


def test_settle_applies_it():
    """build_edges' settle: the follow-up's edge is dropped, a summary's moves under the TL;DR with that pair's
    cosine, its method and confidence kept."""
    for copy, author, parent in ((OWN_FOLLOW_UP, "bob", None), (SHORTER, "carl", "b")):
        pool, final = _pool(copy, author=author)
        learned = {"c": final[1]}
        settle(pool, final[:1], learned, {}, set())
        if parent is None:
            assert learned == {}
        else:
            e = learned["c"]
            assert (e.parent, e.method, e.confidence) == (parent, "learned", 0.9)
            assert abs(e.similarity - float(pool.by_id["c"].embedding @ pool.by_id["b"].embedding)) < 1e-3
