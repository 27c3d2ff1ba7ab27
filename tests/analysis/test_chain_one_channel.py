"""A chain posted in one channel, or by few people (twenty-sixth round): a summary of a short summary in the same
channel is no repeated chatter once that summary is a found hop of a chain (Pool.admissible's `chained`), and a copy
the model linked to the chain's earlier hop moves to the later hop it was set apart from as chatter or as the same
person's (chain_settle._set_apart_hop, set_apart_as_chatter_or_own)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from analysis.chain_decide import summarises_hop
from analysis.chain_relay_rules import _RuleContext, rule_edges
from analysis.chain_settle import Scored, kept_since, set_apart_as_chatter_or_own, settle_hops, took_from
from analysis.chain_text import Edge
from analysis.chains import Node, Pool, candidate_pairs
from analysis.embedding_profile import MINILM

T0 = datetime(2025, 3, 12, 9, 0, tzinfo=UTC)
SOURCE = ("The Atlas push alerts rollout is paused until 14 April: the Android build drops notifications for users on "
          "battery saver, and Priya Nair's team is fixing it this sprint. iOS users are not affected, so no action is "
          "needed there.")
TLDR = ("TL;DR: the Atlas push alerts rollout is paused until 14 April for an Android battery-saver bug; Priya "
        "Nair's team is fixing it.")
AGAIN = "Atlas push alerts paused until 14 April over an Android battery-saver bug; Priya Nair's team on it."
OTHERS = ["Lunch is moved to the third floor kitchen while the cafeteria is painted this week.",
          "The parking garage closes early on Friday for cleaning, please move your car before noon."]


def _unit(*xs: float) -> np.ndarray:
    v = np.zeros(8, dtype=np.float32)
    v[:len(xs)] = xs
    return (v / np.linalg.norm(v)).astype(np.float32)


def chain(again: str = AGAIN, again_author: str = "carl", tldr: str = TLDR) -> tuple[Pool, Node, Node, Node]:
    """The source in C2; its TL;DR and a shorter summary of the TL;DR, both in C1 (cosine 0.83 to each other: under
    `summarises`' 0.85, which would exempt the pair; 0.8 from the summary to the source)."""
    a = Node("a", T0, "C2", "ana", SOURCE, len(SOURCE.split()), _unit(1))
    b = Node("b", T0 + timedelta(hours=3), "C1", "bob", tldr, len(tldr.split()), _unit(0.9, 0.436))
    c = Node("c", T0 + timedelta(days=1), "C1", again_author, again, len(again.split()), _unit(0.8, 0.25, 0.545))
    others = [Node(f"o{i}", T0 - timedelta(hours=i + 1), f"C{i + 3}", f"u{i}", t, len(t.split()), _unit(0, 0, 0, 1, i))
              for i, t in enumerate(OTHERS)]
    pool = Pool([a, b, c, *others])
    pool.set_idf(pool.eligible())  # as candidate_pairs does: how rare each word is (took_from weighs by it)
    return pool, a, b, c


def _settled(pool: Pool, a: Node, b: Node, c: Node, b_linked: bool = True, method: str = "learned") -> str:
    final = [Edge("c", "a", "summary", 0.9, 0.8, 0.4, method)]
    if b_linked:
        final.append(Edge("b", "a", "summary", 1.0, 0.9, 0.6, "learned"))
    scored = {"c": Scored([a], np.array([pool.cosine(c, a)], np.float32), np.array([0.9]))}
    moved = settle_hops(pool, final, scored, fixed=set())
    return moved["c"][0].id if "c" in moved else "a"


def test_a_short_hop_of_a_chain_is_no_repeated_chatter():
    pool, a, b, c = chain()
    assert not pool.admissible(c, b)  # two short posts in one channel: chatter ...
    assert pool.admissible(c, b, chained=True)  # ... unless the first is a found hop of a chain
    assert set_apart_as_chatter_or_own(pool, c, b)


def test_a_reply_under_a_short_hop_stays_chatter():
    """A helper's review: 25-49-word replies and bot notices under a short TL;DR in its channel, linked at 0.74-0.95
    once any pair with a found hop was no chatter. Only a copy no longer than the hop, adding nothing, is lifted."""
    longer = ("I picked up my Atlas test phone at the IT desk this morning, the Android build still drops notifications "
              "on battery saver for me, so I will wait for the fix.")
    adds = "Atlas push alerts paused until 14 April for an Android battery-saver bug; the fix ships on 9 April."
    for text in (longer, adds):
        pool, a, b, c = chain(text)
        assert not pool.admissible(c, b, chained=True), text


def test_the_same_text_a_question_or_other_numbers_are_no_summary_of_a_hop():
    """chain_decide.summarises_hop: the demo's held-out model (trained without the demo) chained its template chatter
    through the lifted rule ("the profile screen takes 324ms to render ..." after "... 675ms", ten people's "anyone
    seen the login loop on Pixel 8?"): other numbers, the same text again, a question."""
    pool, a, b, c = chain()
    assert summarises_hop(pool, c, b)
    for text in ("Atlas push alerts paused until 14 April over an Android battery-saver bug; 3 of Priya Nair's team "
                 "on it.", "Atlas push alerts paused until 14 April over an Android battery-saver bug? Is Priya on it?"):
        pool, a, b, c = chain(text)
        assert not summarises_hop(pool, c, b), text
    pool, a, b, c = chain(TLDR)
    c.embedding = b.embedding  # the same text again
    assert not summarises_hop(pool, c, b)
    # a value stated otherwise: the hop's status turned around (both paths read it here; a helper's review)
    hop = "TL;DR: the Atlas launch is postponed to next sprint; Priya Nair owns the fix and the Android build stays frozen."
    for text, ok in (("Atlas launch postponed to next sprint; Priya Nair owns the fix, Android build frozen.", True),
                     ("Atlas launch not postponed; Priya Nair owns the fix, Android build frozen.", False),
                     ("Atlas launch cancelled; Priya Nair owns the fix, Android build frozen.", False)):
        pool, a, b, c = chain(text, tldr=hop)
        assert summarises_hop(pool, c, b) is ok, text


def test_a_copy_moves_to_the_hop_it_was_set_apart_from():
    pool, a, b, c = chain()
    assert _settled(pool, a, b, c) == "b"
    # the TL;DR not linked: no chain to read, the copy stays
    assert _settled(pool, a, b, c, b_linked=False) == "a"
    # whichever rule linked the copy (thirtieth round: the similarity rule's and next_hop's edges as well)
    for method in ("similarity", "next-hop", "continued"):
        assert _settled(pool, a, b, c, method=method) == "b"


def test_a_hop_the_copy_had_as_a_candidate_is_a_bar():
    """A helper's review (twenty-sixth round): bob's repost of his own TL;DR, linked to the source, moved under
    carl's summary of that TL;DR, set apart as chatter in the TL;DR's channel. The TL;DR was a
    candidate of the repost (scored under the walk's floor): the copy is closer to it and took its wording, so a
    set-apart hop later than it must be closer still."""
    pool, a, b, c = chain()
    summary = "Atlas push alerts paused until 14 April: Android battery-saver bug, Priya Nair's team fixing it."
    d = Node("d", T0 + timedelta(hours=12), "C1", "dan", summary, len(summary.split()), _unit(0.9, 0.1, 0.15, 0.395))
    pool = Pool([*pool.nodes, d])
    pool.set_idf(pool.eligible())
    assert pool.cosine(c, a) < pool.cosine(c, d) < pool.cosine(c, b)
    assert set_apart_as_chatter_or_own(pool, c, d)
    for method, cands, moved_to in (("learned", [a, b], None), ("learned", [a], "b"),  # without the TL;DR among
                                    ("similarity", [a, b], "b")):  # its candidates: under it; the hand rules' copy
        final = [Edge("c", "a", "summary", 0.9, 0.8, 0.4, method),  # walks to it (RULE_HOP_COSINE)
                 Edge("b", "a", "summary", 1.0, 0.9, 0.6, "learned"), Edge("d", "b", "summary", 1.0, 0.9, 0.6, "learned")]
        prob = np.array([0.9, 0.0][:len(cands)])
        scored = {"c": Scored(cands, np.array([pool.cosine(c, x) for x in cands], np.float32), prob)}
        moved = settle_hops(pool, final, scored, fixed=set())
        assert (moved["c"][0].id if "c" in moved else None) == moved_to, (method, len(cands))


def test_the_hop_authors_shorter_repost_in_its_channel_is_where_the_copy_came_from():
    # the TL;DR's author posts it again, shortened, in the same channel: set apart as chatter (a pair set apart as
    # the same person's alone, in another channel, is read by the same rule: set_apart_as_chatter_or_own)
    pool, a, b, c = chain(again_author="bob")
    assert set_apart_as_chatter_or_own(pool, c, b)
    assert _settled(pool, a, b, c) == "b"


def test_a_reply_under_the_hop_is_not_moved_there():
    reply = "Thanks, Atlas push alerts paused until 14 April over an Android battery-saver bug; Priya's team on it."
    pool, a, b, c = chain(reply)
    assert not set_apart_as_chatter_or_own(pool, c, b)  # chain_rules.replies: it answers the TL;DR
    assert _settled(pool, a, b, c) == "a"


def test_a_copy_closer_to_the_earlier_hop_stays():
    pool, a, b, c = chain()
    c.embedding = _unit(0.99, -0.14)  # closer to the source (0.99) than to the TL;DR (0.83)
    assert _settled(pool, a, b, c) == "a"


def test_the_lift_is_wired_into_both_paths():
    """candidate_pairs passes `chained` for a hop in `root_of`; rule_edges lifts the chatter rule for a hop in
    `copies` (the learned path's found copies). Without them, the short pair in one channel is chatter."""
    pool, a, b, c = chain()
    assert _candidates(pool, "c", {"b": "a"}) >= {"b"}
    pool, a, b, c = chain()
    assert "b" not in _candidates(pool, "c", {})
    for copies, parent in (({"b": "a"}, "b"), ({}, None)):
        pool, a, b, c = chain()
        # the TL;DR out of the hand rules' reach of its source (cosine 0.5), its summary 0.72 from it (no `summarises`)
        b.embedding, c.embedding = _unit(0.5, 0.866), _unit(0.4, 0.6, 0.69)
        linked = {e.child: e.parent for e in rule_edges(pool.nodes, [], copies=copies, read=pool)}
        assert linked.get("c") == parent, copies


def _candidates(pool: Pool, copy: str, root_of: dict[str, str]) -> set[str]:
    return {p.id for n, cs in candidate_pairs(pool, root_of=dict(root_of)) if n.id == copy for p, _ in cs}


def test_the_hand_rules_read_a_summary_of_a_found_hop_alike():
    """_RuleContext.summarises_hop: the hand rules lift the chatter rule for the same pairs, and state no value
    otherwise besides (a correction under the TL;DR: "paused until 21 April, not 14"); without the learned path's
    reading, never."""
    pool, a, b, c = chain()
    assert _RuleContext(pool.nodes, [], MINILM, read=pool).summarises_hop(c, b)
    assert not _RuleContext(pool.nodes, [], MINILM).summarises_hop(c, b)
    correction = "Correction: Atlas push alerts are paused until 21 April, not 14 April; Priya Nair's team is on it."
    for text in (correction, "Atlas push alerts paused until 14 April for an Android battery-saver bug; the fix ships "
                             "on 9 April."):
        pool, a, b, c = chain(text)
        assert not _RuleContext(pool.nodes, [], MINILM, read=pool).summarises_hop(c, b), text


def test_the_hand_rules_copy_moves_only_by_the_wording_it_took():
    """A helper's review of the first version (thirtieth round): a colleague's "Reminder: ..." in the channel of
    another's reminder, linked to the source by the similarity rule, moved under that reminder because the two share
    the opener ("remind") and the copy keeps the reminder's date (`kept_since`), though it keeps the source's own
    "idempotency keys". Six such moves in 48 scenarios, all wrong. For the hand rules' edges the copy must share more
    of the hop's own wording than of the source's (`took_from`); the model's edges move by `kept_since` as before."""
    source = ("Payments API v1 will be deprecated on August 15. All clients must move to the v2 endpoints, which add "
              "idempotency keys and return amounts in minor units. The v1 sandbox shuts down on July 31. Migration "
              "guides for the Java, Python and Node SDKs are on the developer portal.")
    reminder = "Reminder for frontend: payments API v1 deprecated on August 15, migrate to v2."
    copy = "Reminder: payments v1 deprecated August 15, v2 endpoints need idempotency keys."
    a = Node("a", T0, "C2", "raj", source, len(source.split()), _unit(1))
    b = Node("b", T0 + timedelta(hours=3), "C1", "carl", reminder, len(reminder.split()), _unit(0.9, 0.436))
    c = Node("c", T0 + timedelta(hours=30), "C1", "eve", copy, len(copy.split()), _unit(0.8, 0.5, 0.33))
    others = [Node(f"o{i}", T0 - timedelta(hours=i + 1), f"C{i + 3}", f"u{i}", t, len(t.split()), _unit(0, 0, 0, 1, i))
              for i, t in enumerate(OTHERS)]
    pool = Pool([a, b, c, *others])
    pool.set_idf(pool.eligible())
    assert set_apart_as_chatter_or_own(pool, c, b) and pool.cosine(c, b) > pool.cosine(c, a)
    assert kept_since(pool, c, b, a) and not took_from(pool, c, b, a)
    for method, moved_to in (("learned", "b"), ("similarity", None), ("next-hop", None)):
        final = [Edge("c", "a", "summary", 0.9, 0.8, 0.4, method), Edge("b", "a", "summary", 1.0, 0.9, 0.6, "learned")]
        scored = {"c": Scored([a], np.array([pool.cosine(c, a)], np.float32), np.array([0.9]))}
        moved = settle_hops(pool, final, scored, fixed=set())
        assert (moved["c"][0].id if "c" in moved else None) == moved_to, method


def _walked(texts: list[str], cosines: list[float], method: str) -> str | None:
    """settle_hops on a source, a hop linked under it (scored under the walk's floor for the copy) and a copy linked
    to the source by `method`: where the walk moves the copy (None: it stays)."""
    a, b, c = (Node(k, T0 + timedelta(hours=3 * i), f"C{i}", f"u{i}", t, len(t.split()), _unit(*([0.0] * i), 1))
               for i, (k, t) in enumerate(zip("abc", texts)))
    others = [Node(f"o{i}", T0 - timedelta(hours=i + 1), f"C{i + 3}", f"x{i}", t, len(t.split()), _unit(0, 0, 0, 1, i))
              for i, t in enumerate(OTHERS)]
    pool = Pool([a, b, c, *others])
    pool.set_idf(pool.eligible())
    final = [Edge("c", "a", "summary", 1.0, cosines[0], 0.4, method), Edge("b", "a", "summary", 1.0, 0.9, 0.6, "learned")]
    scored = {"c": Scored([a, b], np.array(cosines, np.float32), np.array([0.9, 0.0]))}
    moved = settle_hops(pool, final, scored, fixed=set())
    return moved["c"][0].id if "c" in moved else None


def test_a_hand_rules_copy_as_close_to_a_later_hop_moves_by_its_wording():
    """RULE_HOP_COSINE (thirtieth round): the similarity rule links a copy to its closest text; a later hop of the
    chain as close (within 0.02), however the model scored it, is where the copy came from when it took that hop's
    wording ("ERP down" is the hop's; a helper's one-line hop of an AI summary, twenty-ninth round's review). The
    model's edges walk only hops it scored at the floor."""
    erp = ["The ERP upgrade is scheduled for the weekend of 21 June. The ERP will be unavailable from Friday 18:00 "
           "until Monday 06:00. Finance must close all open invoices before Friday noon.",
           "ERP upgrade on the weekend of 21 June: ERP down Friday 18:00 to Monday 06:00, finance closes open invoices "
           "by Friday noon.",
           "ERP down Friday 18:00 to Monday 06:00 for the upgrade; close invoices by Friday noon."]
    assert _walked(erp, [0.88, 0.87], "similarity") == "b"
    assert _walked(erp, [0.88, 0.85], "similarity") is None  # 0.03 less close
    assert _walked(erp, [0.88, 0.87], "learned") is None


def test_a_relay_opener_is_no_wording_taken_from_a_hop_under_the_floor():
    """Two people pass one summary on, each opening "Passing this on:" (the generator's pooled set, seed 23): the
    later one shares no wording with the first beyond the opener, so it stays under the summary."""
    relay = ["Quick summary of the release update: Atlas bulk export is postponed to 2 May. Please wrap up any ongoing "
             "work on it by 29 March. Tom Becker will follow up after the release review.",
             "Passing this on: Atlas bulk export is postponed to 2 May. Please wrap up any ongoing work on it by 29 March.",
             "Passing this on: Atlas bulk export is postponed to 2 May. Wrap up ongoing work by 29 March."]
    assert _walked(relay, [0.95, 0.96], "similarity") is None
    assert _walked([relay[0], relay[1], relay[2].replace("Passing this on", "Forwarding")], [0.95, 0.96],
                   "similarity") is None
