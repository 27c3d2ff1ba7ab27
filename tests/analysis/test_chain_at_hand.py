"""Where a copy was read (chain_settle.read_at_hand, twenty-seventh round): a message posted in a channel where a
TL;DR of its parent already sits, writing nothing of the parent the TL;DR lacks, hangs under the TL;DR when it
could copy it and took its wording; it loses its edge when it is the channel's talk about the TL;DR; else its edge
stays (the texts are the kinds two helpers' reviews wrote as follow-ups in a TL;DR's channel)."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from analysis.chain_settle import AT_HAND, expands_hop, read_at_hand, settle, takes_beyond, talks_about
from analysis.chain_text import Edge
from analysis.chains import Node, Pool
from tests.analysis.test_chain_one_channel import OTHERS, T0, _unit  # the same pool around a chain and a TL;DR

SOURCE = ("Release update from the planning meeting: the branch freeze for 3.8 moves from Friday 12:00 to Monday "
          "12:00 because the payments migration slipped. QA runs the regression suite Monday afternoon and we ship "
          "3.8 to all customers on Tuesday at 17:00. Offline sync is not in 3.8; it moves to 3.9. Owner: Priya.")
TLDR = ("TL;DR: the 3.8 code freeze slides to Monday 12:00 after the payments slip, regression testing runs Monday "
        "afternoon, and 3.8 goes live for everyone Tuesday 17:00. Offline sync is out of 3.8. Owner: Priya.")
SHORT_TLDR = "TL;DR: 3.8 code freeze slides to Monday 12:00, 3.8 goes live Tuesday 17:00, offline sync is out. Owner: Priya."
FROM_TLDR = "Short version: 3.8 code freeze slides to Monday 12:00, goes live for everyone Tuesday 17:00. Priya owns it."
FROM_SOURCE_WORDS = "Short version: Monday 12:00 freeze on the 3.8 branch, customers get 3.8 Tuesday 17:00."
FROM_SOURCE = "Short version: 3.8 code freeze slides to Monday 12:00, goes live Tuesday 17:00, offline sync moves to 3.9."
OWN_FOLLOW_UP = "Update: regression testing for 3.8 now starts Monday 14:00 instead of the afternoon slot, all else unchanged."
EXPANSION = ("Friendly reminder, everyone: the 3.8 code freeze slides to Monday 12:00 and 3.8 goes live on Tuesday 17:00. "
             "Offline sync is out, so please plan around that. Priya is the owner if anything is unclear.")
PLAN = ("For the mobile team: we merge everything for 3.8 on Friday 16:00 so we are clear of the Monday 12:00 freeze, "
        "and we watch the Tuesday 17:00 go-live together. Offline sync is out, Priya confirmed.")


def _pool(copy: str, author: str = "carl", tldr: str = TLDR, tldr_channel: str = "C2",
          tldr_age: timedelta = timedelta(hours=1), audience: frozenset[str] = frozenset(),
          source: str = SOURCE) -> tuple[Pool, list[Edge]]:
    """The announcement in C1; its TL;DR by bob in `tldr_channel`, `tldr_age` before the copy; the copy in C2 three
    hours after the announcement (or later), linked by its text to it (cosine 0.8; 0.83 to the TL;DR)."""
    at = T0 + max(timedelta(hours=3), tldr_age + timedelta(hours=1))
    a = Node("a", T0, "C1", "ana", source, len(source.split()), _unit(1))
    b = Node("b", at - tldr_age, tldr_channel, "bob", tldr, len(tldr.split()), _unit(0.9, 0.436), audience=set(audience))
    c = Node("c", at, "C2", author, copy, len(copy.split()), _unit(0.8, 0.25, 0.545))
    others = [Node(f"o{i}", T0 - timedelta(hours=i + 1), f"C{i + 3}", f"u{i}", t, len(t.split()), _unit(0, 0, 0, 1, i))
              for i, t in enumerate(OTHERS)]
    pool = Pool([a, b, c, *others])
    pool.set_idf(pool.eligible())
    return pool, [Edge("b", "a", "summary", 1.0, 0.9, 0.6, "learned"), Edge("c", "a", "summary", 0.9, 0.8, 0.4, "learned")]


def _read(copy: str, **kw) -> dict[str, str | None]:  # type: ignore[no-untyped-def]
    pool, final = _pool(copy, **kw)
    return {c: (p.id if p is not None else None) for c, p in read_at_hand(pool, final, {"c"}).items()}


def test_a_summary_of_the_tldr_in_its_channel_hangs_under_it():
    assert _read(FROM_TLDR) == {"c": "b"}


def test_a_summary_made_from_the_announcement_stays_there():
    """A second AI summary made from the announcement keeps the TL;DR's values but the announcement's words
    (`took_from`): a second review's team lead posting one beside the TL;DR, moved under it by the first version."""
    pool, _ = _pool(FROM_SOURCE_WORDS)
    assert pool.admissible(pool.by_id["c"], pool.by_id["b"], chained=True)  # it could be the TL;DR's copy ...
    assert _read(FROM_SOURCE_WORDS) == {}  # ... but holds the announcement's words ("branch", "customers")
    pool, _ = _pool(FROM_SOURCE)
    a, b, c = (pool.by_id[i] for i in "abc")
    assert takes_beyond(pool, c, a, b)  # "moves to 3.9": the TL;DR dropped it
    assert _read(FROM_SOURCE) == {}
    # the TL;DR author's own follow-up that repeats what only the announcement said read the announcement
    assert _read(OWN_FOLLOW_UP.replace(", all else unchanged", "; offline sync moves to 3.9"), author="bob") == {}
    pool, _ = _pool(FROM_TLDR)
    assert not takes_beyond(pool, *(pool.by_id[i] for i in "cab"))


def test_talk_about_the_tldr_loses_its_edge():
    # bob adds a time under his own TL;DR; a team's plan states a time neither states; a question
    assert _read(OWN_FOLLOW_UP, author="bob") == {"c": None}
    assert _read(PLAN, tldr=SHORT_TLDR) == {"c": None}
    question = "Does the Monday 12:00 code freeze for 3.8 also hold for the mobile app, or only for the web client?"
    assert _read(question) == {"c": None}
    reply = "Thanks Bob! The Monday 12:00 code freeze and the Tuesday 17:00 go-live both work for the mobile team."
    assert _read(reply) == {"c": None}
    pool, _ = _pool(PLAN, tldr=SHORT_TLDR)
    a, b, c = (pool.by_id[i] for i in "abc")
    assert talks_about(pool, c, a, b) and not expands_hop(pool, c, b)  # it adds Friday 16:00


def test_a_date_is_news_from_the_tldrs_author_only():
    """Another person's AI summary that works out a weekday ("Tuesday 18 March") adds a date but is no talk; the
    TL;DR author's own post that moves the date is (a helper's review)."""
    worked_out = ("Monday 12:00 is when the 3.8 code freeze starts and Tuesday 18 March 17:00 is when 3.8 goes live, "
                  "with offline sync out of this one; Priya is the one to ask if anything is unclear.")
    assert _read(worked_out, tldr=SHORT_TLDR) == {}
    # a date on no weekday they name is news (20 March 2025 is a Thursday)
    assert _read(worked_out.replace("Tuesday 18 March 17:00", "20 March"), tldr=SHORT_TLDR) == {"c": None}
    moved = "Update from me: the 3.8 code freeze now starts on Friday 14 March instead, the rest stays as it was."
    assert _read(moved, author="bob", tldr=SHORT_TLDR) == {"c": None}  # the TL;DR's author
    assert _read(moved, author="ana", tldr=SHORT_TLDR) == {"c": None}  # the announcement's author
    assert _read(moved, author="carl", tldr=SHORT_TLDR) == {}
    # a named weekday a week later is another day; a week ("next week") is no day; an amount is news on any day
    assert _read(worked_out.replace("Tuesday 18 March", "Tuesday 25 March"), tldr=SHORT_TLDR) == {"c": None}
    assert _read(worked_out.replace("Tuesday 18 March 17:00", "Tuesday 17:00 next week"), tldr=SHORT_TLDR) == {}
    assert _read(worked_out.replace("is the one to ask", "pays EUR 400 a seat"), tldr=SHORT_TLDR) == {"c": None}
    # a week in words alone is the writer's news
    weekly = "The 3.8 code freeze and the go-live land next week, offline sync is out; Priya is the one to ask."
    assert _read(weekly, tldr=SHORT_TLDR) == {"c": None}


def test_a_copy_that_says_so_keeps_its_edge():
    labelled = "TL;DR for mobile: 3.8 code freeze slides to Monday 12:00, goes live Tuesday 17:00, our cut-off Thursday 16:00."
    assert _read(labelled, tldr=SHORT_TLDR) == {}
    assert _read(labelled.replace("TL;DR for mobile", "For mobile"), tldr=SHORT_TLDR) == {"c": None}


def test_a_post_kept_from_the_tldr_by_its_length_only_keeps_its_edge():
    # 30 words beside a 17-word TL;DR in one channel, in the announcement's words: chatter to the rules, no copy
    # of the TL;DR, and nothing it says is talk about it
    plain = ("Monday 12:00 is when the 3.8 branch freeze starts and Tuesday 17:00 is when we ship to all customers, "
             "with offline sync left out of this one; Priya is the one to ask.")
    assert _read(plain, tldr=SHORT_TLDR) == {}


def test_an_expansion_of_a_short_tldr_hangs_under_it():
    """The chatter rule sets a longer post apart from a TL;DR under 25 words in its channel; an expansion that
    states every value of it and adds none is a copy of it (`expands_hop`)."""
    pool, _ = _pool(EXPANSION, tldr=SHORT_TLDR)
    b, c = pool.by_id["b"], pool.by_id["c"]
    assert not pool.admissible(c, b, chained=True) and expands_hop(pool, c, b)
    assert _read(EXPANSION, tldr=SHORT_TLDR) == {"c": "b"}
    # posted in the TL;DR's thread it answers the TL;DR: no copy of it (Pool.admissible's other rules still hold)
    pool, final = _pool(EXPANSION, tldr=SHORT_TLDR)
    pool.by_id["b"].thread = pool.by_id["c"].thread = "t1"
    assert read_at_hand(pool, final, {"c"}) == {}


def test_no_copy_at_hand_no_change():
    pool, final = _pool(OWN_FOLLOW_UP, author="bob")
    pool.by_id["a"].conversation = "C2"  # the announcement in the copy's own channel: the same-channel rules read it
    assert read_at_hand(pool, final, {"c"}) == {}
    assert _read(OWN_FOLLOW_UP, author="bob", tldr_channel="C3") == {}  # the TL;DR in another channel
    assert _read(OWN_FOLLOW_UP, author="bob", tldr_age=timedelta(days=40)) == {}  # out of the candidate window
    # a mail folder: the TL;DR was sent to others; the copy's author did not receive it
    assert _read(FROM_TLDR, audience=frozenset({"dan", "eve"})) == {}
    assert _read(FROM_TLDR, audience=frozenset({"carl"})) == {"c": "b"}
    pool, final = _pool(OWN_FOLLOW_UP, author="bob")
    assert read_at_hand(pool, final[1:], {"c"}) == {}  # the TL;DR not linked to the announcement
    assert read_at_hand(pool, final, set()) == {}  # a copy linked by metadata or a forward is not read again


def test_settle_applies_it():
    """build_edges' settle: the follow-up's edge is dropped; a summary's moves under the TL;DR with that pair's
    cosine and the rule's method, its confidence (that it is a copy at all) kept."""
    for copy, author, parent in ((OWN_FOLLOW_UP, "bob", None), (FROM_TLDR, "carl", "b")):
        pool, final = _pool(copy, author=author)
        learned = {"c": final[1]}
        settle(pool, final[:1], learned, {}, set())
        if parent is None:
            assert learned == {}
        else:
            e = learned["c"]
            assert (e.parent, e.method, e.confidence) == (parent, AT_HAND, 0.9)
            assert abs(e.similarity - float(pool.by_id["c"].embedding @ pool.by_id["b"].embedding)) < 1e-3


def test_what_expands_a_hop():
    """chain_settle.expands_hop, guard by guard: a longer text stating every value of the hop and adding none."""
    def expands(text: str, same_vector: bool = False) -> bool:
        pool, _ = _pool(text, tldr=SHORT_TLDR)
        b, c = pool.by_id["b"], pool.by_id["c"]
        if same_vector:
            c.embedding = b.embedding
        return expands_hop(pool, c, b)
    assert expands(EXPANSION)
    assert not expands(EXPANSION, same_vector=True)  # the same text again
    assert not expands("Does the 3.8 code freeze slide to Monday 12:00 and 3.8 go live on Tuesday 17:00? Offline sync "
                       "is out, so please plan around that. Priya is the owner if anything is unclear.")  # a question
    assert not expands(FROM_TLDR)  # shorter than the hop
    assert not expands(EXPANSION + " Merge everything by Thursday 16:00.")  # a value added
    assert not expands(EXPANSION.replace("3.8 goes live", "3.8 and 3.9 go live"))  # a number the hop does not write
    assert not expands(EXPANSION.replace("Priya is the owner", "Tom Berg is the owner"))  # a value stated otherwise
    assert not expands(EXPANSION.replace(" and 3.8 goes live on Tuesday 17:00", ""))  # a value dropped


def test_what_the_announcement_alone_says():
    """chain_settle.takes_beyond: a content-word pair in order the TL;DR dropped ("payments migration") is enough."""
    pool, _ = _pool("Short version: the 3.8 code freeze slides to Monday 12:00 as the payments migration slipped.")
    assert takes_beyond(pool, *(pool.by_id[i] for i in "cab"))


def test_a_value_only_the_announcement_states_in_another_form():
    # "4pm" in the announcement, "16:00" in the copy: no number nor word pair in common, the same stated time
    source = SOURCE + " The release call is at 4pm on Monday."
    copy = FROM_TLDR.replace(" Priya owns it.", " Sync at 16:00, Priya owns it.")
    pool, _ = _pool(copy, source=source)
    assert takes_beyond(pool, *(pool.by_id[i] for i in "cab"))


def test_a_day_in_words_is_news_on_a_weekday_they_name():
    tomorrow = "Heads up: the 3.8 code freeze starts tomorrow at 12:00 and 3.8 goes live Tuesday 17:00; offline sync is out."
    assert _read(tomorrow, tldr=SHORT_TLDR.replace("Monday", "Thursday")) == {"c": None}  # 13 March is a Thursday


def test_settle_finds_the_hop_before_it_reads_the_copy_at_hand():
    """settle runs settle_hops first: the one-channel tests' copy set apart from its TL;DR moves there as the model's
    edge (its method kept), not as a copy at hand."""
    from analysis.chain_settle import Scored
    from tests.analysis.test_chain_one_channel import chain

    pool, a, b, c = chain()
    learned = {"c": Edge("c", "a", "summary", 0.9, 0.8, 0.4, "learned")}
    scored = {"c": Scored([a], np.array([pool.cosine(c, a)], np.float32), np.array([0.9]))}
    settle(pool, [Edge("b", "a", "summary", 1.0, 0.9, 0.6, "learned")], learned, scored, set())
    assert (learned["c"].parent, learned["c"].method) == ("b", "learned")
