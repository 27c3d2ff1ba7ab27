"""Short summaries: the last hops of a chain of AI summaries fall under 20 words (reads_like_short_rewrite, in
another conversation), and a summary pasted in its source's channel is no repeated chatter (resized)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from analysis import chain_rules as rules
from analysis.chain_decide import repeated_chatter, resized, summarises
from analysis.chain_relay_rules import _RuleContext
from analysis.chains import Node, Pool, build_edges
from analysis.embedding_profile import MINILM

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


def test_a_rewrite_of_another_size_is_no_repeated_chatter():
    """resized: one of the pair at most four fifths of the other's length, either way (a summary, an expansion);
    chatter repeated and a template's posts keep their length."""
    a, b = Node("p", T0, "C1", "ana", "x", 1), Node("c", T0, "C1", "bob", "x", 1)
    assert rules.repeated_chatter(b, a, 15, 27)
    # the learned path's exemption: resized and says what it is (`rewrite`), read only for chatter of another size
    assert not repeated_chatter(b, a, (15, 27), (15, 27), 0.5, rewrite=lambda: True)
    assert repeated_chatter(b, a, (15, 27), (15, 27), 0.5, rewrite=lambda: False)
    assert repeated_chatter(b, a, (15, 27), (26, 27), 0.5, rewrite=lambda: True)  # not resized
    assert repeated_chatter(b, a, (15, 27), (15, 27), 0.5)  # the hand rules: no exemption by size
    assert not repeated_chatter(b, a, (15, 27), (15, 27), 0.9)  # it summarises
    assert resized((15, 27)) and resized((37, 18)) and resized((8, 10))
    assert not resized((12, 12)) and not resized((17, 18)) and not resized((21, 23))
    assert summarises(15, 27, 0.9) and not summarises(15, 27, 0.8) and not summarises(25, 27, 0.95)


# a post and its TL;DR of another length in the same channel; the same summary without its label, or as a person's
# news ("FYI:")
ATLAS = ("The Atlas push alerts rollout is paused until 14 April: the Android build drops notifications for users on "
         "battery saver, and Priya Nair's team is fixing it this sprint. iOS users are not affected, so no action is "
         "needed there.")
ATLAS_TLDR = ("TL;DR: the Atlas push alerts rollout is paused until 14 April for an Android battery-saver bug; Priya "
              "Nair's team is fixing it.")
# a plan and what people answer under it at top level, in the same channel (a helper's review, twenty-fifth round)
PLAN = ("Plan for Friday: we freeze the release branch at 12:00, QA runs the regression suite until 16:00, and if it "
        "is green we ship 3.8 to all customers at 17:00. Ping me with objections before Thursday evening.")
REPLIES = ["+1, agree with the plan for Friday, QA can start the regression suite right after the 12:00 freeze.",
           "Noted: branch freeze Friday at 12:00 and 3.8 ships at 17:00. I will tell the support team today.",
           "Heads up: the freeze moved, branch freeze Friday at 14:00 and 3.8 ships at 18:00 instead."]


def pair_nodes(first: str, second: str, cosine: float, channel: str = "C1") -> tuple[Node, Node, list[Node]]:
    """A post in C1 and, two days later, a message by someone else in `channel` at `cosine` to it, with OTHERS in
    other channels: the post, the message and all the nodes (tests/analysis/test_chain_replies.py reads it too)."""
    e = np.eye(8, dtype=np.float32)
    p = Node("p", T0, "C1", "ana", first, len(first.split()), e[0])
    c = Node("c", T0 + timedelta(days=2), channel, "bob", second, len(second.split()),
             (cosine * e[0] + float(np.sqrt(1 - cosine ** 2)) * e[1]).astype(np.float32))
    others = [Node(f"o{i}", T0 - timedelta(hours=i + 1), f"C{i + 3}", f"u{i}", t, len(t.split()), e[2 + i])
              for i, t in enumerate(OTHERS)]
    return p, c, [p, c] + others


def test_a_summary_of_another_size_posted_in_its_sources_channel_is_linked():
    """Twenty-fifth round: a chain's hops fall in any of a few channels, and its later hops are short. A 22-word
    TL;DR of a 40-word post in the same channel was repeated chatter, its parent out of reach. Of another size
    (`resized`), saying what it is (a summary's label, an assistant's opening, a report of a message:
    Reading.tells_copy), stating no value otherwise, it is the learned path's candidate, and the model links it.
    The same summary without its label, or opened as a person's news ("FYI:"), stays chatter (a helper's review:
    "FYI the agenda ... is still empty, can someone add ...?" was linked under its post at 0.8)."""
    p, c, nodes = pair_nodes(ATLAS, ATLAS_TLDR, 0.8)
    assert Pool(nodes).admissible(c, p)
    assert [x.parent for x in build_edges(nodes) if x.child == "c"] == ["p"]
    for other in (ATLAS_TLDR.replace("TL;DR: the", "The"), ATLAS_TLDR.replace("TL;DR:", "FYI:")):
        p, c, nodes = pair_nodes(ATLAS, other, 0.8)
        assert not Pool(nodes).admissible(c, p), other
        assert [x.parent for x in build_edges(nodes) if x.child == "c"] == [], other


def test_a_reply_of_another_size_in_the_channel_stays_chatter():
    """What `resized` alone let through (a helper's review): top-level replies under a plan in its channel, of
    another length, restating its values ("+1, agree with the plan ...", "Noted: ..."), linked by the hand rules
    at confidence 1.0. The learned path admits a pair of another size only when the copy says what it is (a
    summary's label, an assistant's opening, a report of a message) and changes no value; the hand rules never (a
    template's next post repeats a value)."""
    for reply in REPLIES:
        p, c, nodes = pair_nodes(PLAN, reply, 0.75)
        assert not Pool(nodes).admissible(c, p), reply
        assert _RuleContext(nodes, [], MINILM).apart(c, p, 0.75), reply
        assert [x.parent for x in build_edges(nodes) if x.child == "c"] == [], reply
    # in another channel the "+1" and "Noted:" are no candidates either: they open as replies (chain_rules.replies);
    # the third, news in its own words, is one there
    for reply, candidate in zip(REPLIES, (False, False, True)):
        p, c, nodes = pair_nodes(PLAN, reply, 0.75, channel="C2")
        assert Pool(nodes).admissible(c, p) is candidate, reply


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


# -- next_hop: the short last hop of a chain found by its text (fourteenth round) ---------------------------------
ORIGINAL = ("Hi Imre, all, I am aware of this, but I did not want to go beyond what was agreed in the SWG. The "
            "remaining edits, including the consolidation of the references, can be done at the next meeting "
            "unless the Plenary approves doing them now.")
REWRITE = ("Hi all, I'm aware of this, but I didn't want to go beyond what the SWG agreed. The remaining edits, "
           "including consolidating the references, can wait for the next meeting unless the Plenary approves "
           "doing them now. Imre, let me know.")
TLDR = "TL;DR: remaining edits wait for the next meeting unless the Plenary approves them now."


def _chain(tldr_to_rewrite: float, tldr_to_original: float, rival: float | None = None,
           rewrite_cosine: float = 0.95, tldr: str = TLDR, source: tuple[str, str] = (ORIGINAL, REWRITE)) -> list:
    """The original (C1), its rewrite (C2, cosine `rewrite_cosine`; `source` the two texts), then the TL;DR (C3) at
    the given cosines; a post of another chain at cosine `rival` to the TL;DR when given."""
    original, rewrite = source
    e = np.eye(8, dtype=np.float32)
    v_rw = rewrite_cosine * e[0] + float(np.sqrt(1 - rewrite_cosine ** 2)) * e[1]
    a = tldr_to_original
    b = (tldr_to_rewrite - rewrite_cosine * a) / float(np.sqrt(1 - rewrite_cosine ** 2))
    rest = 1 - a * a - b * b
    v_tl = a * e[0] + b * e[1] + float(np.sqrt(rest)) * e[2]
    nodes = [Node("o", T0, "C1", "ana", original, len(original.split()), e[0], lang="en"),
             Node("r", T0 + timedelta(hours=5), "C2", "bob", rewrite, len(rewrite.split()), v_rw.astype(np.float32),
                  lang="en"),
             Node("t", T0 + timedelta(days=2), "C3", "cy", tldr, len(tldr.split()), v_tl.astype(np.float32),
                  lang="en")]
    nodes += [Node(f"x{i}", T0 - timedelta(hours=i + 1), f"C{i + 4}", f"u{i}", t, len(t.split()), e[4 + i])
              for i, t in enumerate(OTHERS[:3])]
    if rival is not None:  # another chain's post, as close to the TL;DR
        other = "The remaining edits of the other draft wait for the next meeting, Plenary approval pending here."
        v_x = rival * v_tl / np.linalg.norm(v_tl) + float(np.sqrt(1 - rival ** 2)) * e[3]
        nodes.append(Node("y", T0 + timedelta(days=1), "C9", "dee", other, len(other.split()), v_x.astype(np.float32)))
    return build_edges(nodes)


def test_the_short_last_hop_of_a_chain_is_its_latest_hop():
    """A TL;DR at cosine 0.74 to the rewrite and 0.72 to the original: under the short-rewrite rule's 0.85, and the
    model refuses any copy under 20 words. The rewrite was found by its text, so the TL;DR is that chain's next
    hop, the latest of its hops within 0.05 of the closest."""
    edges = {e.child: e for e in _chain(0.74, 0.72)}
    assert edges["r"].parent == "o"
    assert (edges["t"].parent, edges["t"].method) == ("r", "next-hop")
    # the original a little closer than its rewrite: still the rewrite, the chain's latest hop within 0.05
    edges = {e.child: e for e in _chain(0.72, 0.74)}
    assert (edges["t"].parent, edges["t"].method) == ("r", "next-hop")


def test_a_group_greeting_opens_a_next_hop_and_an_address_does_not():
    """A group greeting counts as addressing someone where the pair shares no value (Pool.addresses_someone); on a
    chain's next hop it is the friendly-update style of the chain's own hops."""
    edges = {e.child: e for e in _chain(0.74, 0.72, tldr="Hi team! " + TLDR)}
    assert (edges["t"].parent, edges["t"].method) == ("r", "next-hop")
    assert "t" not in {e.child for e in _chain(0.74, 0.72, tldr="@dee: " + TLDR)}


def test_no_next_hop_without_a_chain_or_with_another_chain_as_close():
    # a rewrite the model does not link (cosine 0.5 to the original): no chain, the TL;DR is a lone short post
    assert _chain(0.74, 0.45, rewrite_cosine=0.5) == []
    # another chain's post within 0.1 of the rewrite: the chain is no evidence
    assert "t" not in {e.child for e in _chain(0.74, 0.72, rival=0.70)}
    # too far in meaning
    assert "t" not in {e.child for e in _chain(0.55, 0.5)}


# -- a one-line last hop of a hop already short (twenty-ninth round) ---------------------------------------------------
GIST = ("**Gist:** Ken is telling Shonnie and Gerald that Hanover still owes them money for several items, like "
        "overtime, glycol, meter repairs, permit modeling, and SCADA work.")
LINE = "Ken says Hanover still owes money for overtime, glycol, meter repairs, permit modeling, and SCADA work."
SHORTER = "Hanover still owes money for overtime, glycol, meter repairs, and other SCADA work."


def _short_chain(last: str, to_line: float, to_gist: float = 0.85) -> dict:
    """Batch 22's `y9` (an Enron mail's gist, its one line, a shorter version) as `_chain`: the gist (o) and its one
    line (r) at cosine 0.93, then `last` (t) at `to_line` to the line and `to_gist` to the gist."""
    return {x.child: x for x in _chain(to_line, to_gist, rewrite_cosine=0.93, tldr=last, source=(GIST, LINE))}


def test_a_one_line_last_hop_of_a_short_hop_is_its_next_hop():
    """13 words of a 16-word hop (batch 22's was 14: "Here's a shorter version: Hanover still owes money for
    overtime, repairs, and other work."): over `summarises`' 0.8 of its length, so the short rules missed it in every
    layout. As close in meaning as SHORT_REWRITE_COSINE, being shorter at all is enough; further, 0.8 still holds."""
    edges = _short_chain(SHORTER, 0.90)
    assert edges["r"].parent == "o"
    assert (edges["t"].parent, edges["t"].method) == ("r", "next-hop")
    assert "t" not in _short_chain(SHORTER, 0.80, 0.75)
    assert "t" not in _short_chain(LINE.replace("Ken says ", "Ken said that "), 0.90)  # no shorter: no summary


def test_a_name_in_capitals_or_opening_a_sentence_is_shared():
    """The name proxy reads a capital then small letters, mid-sentence: batch 22's one-line hop "Enron and RBC
    updated their 2001 agreement's definitions and contact info; copies to follow." named nothing its parent names,
    so no short rule could link it (chain_text.acronyms, Pool.shares_name)."""
    from analysis.chain_text import acronyms

    assert acronyms("Enron and RBC updated their 2001 agreement; FYI copies to follow ASAP.") == {"RBC"}
    assert acronyms("BPAT issued an OASIS update; AT&T and A-B are no acronyms here.") == {"BPAT", "OASIS", "AT&T"}
    assert acronyms("PLEASE MARK YOUR CALENDAR FOR THE QBR") == frozenset()  # a text that shouts
    parent = ("The gist is that Enron and RBC signed an amendment to their agreement in 2001 to update some "
              "definitions and contact information, and copies will be sent out.")
    copy = "Enron and RBC updated their 2001 agreement's definitions and contact info; copies to follow."
    nodes = [Node("p", T0, "C1", "ana", parent, len(parent.split())),
             Node("c", T0 + timedelta(days=2), "C2", "bob", copy, len(copy.split())),
             Node("o", T0, "C3", "cy", OTHERS[0], len(OTHERS[0].split()))]
    pool = Pool(nodes)
    assert pool.shares_name(nodes[1], nodes[0]) and not pool.shares_name(nodes[1], nodes[2])
    assert not pool.names_said(nodes[1]) & pool.names_carried(nodes[0])  # what the proxy alone reads
    texts = {"a": "The deal with Enron is signed.", "b": "The energy deal is signed.", "c": "Enron signed today."}
    pool = Pool([Node(i, T0 + timedelta(hours=k), f"C{k}", "u", t, len(t.split())) for k, (i, t) in
                 enumerate(texts.items())])
    assert pool.shares_name(pool.by_id["c"], pool.by_id["a"]) and not pool.shares_name(pool.by_id["c"], pool.by_id["b"])


def test_a_name_in_capitals_counts_only_for_a_close_hop_of_a_chain():
    """A helper's review: status pings and reactions that echo an announcement share its "CRM" or "AWS" at cosine
    0.64-0.85, so a name in capitals is evidence only where `next_hop` reads a chain found by text at
    SHORT_REWRITE_COSINE; a lone short post sharing "BMWL" with a post is no summary of it by that name alone."""
    copy = "BMWL was told that the power plant alliance invitation is declined, no action needed from anyone."
    assert len(copy.split()) < 20
    assert parent_of(copy, 0.95) == []
    last = "Hanover still owes money for overtime, glycol, meter repairs, and other SCADA work."
    assert _short_chain(last, 0.90)["t"].parent == "r"  # "Hanover" opens the copy and is a name of the hop
    assert "t" not in _short_chain(last.replace("Hanover", "Gas Partners"), 0.90)  # no name shared at all
