"""The rewrite found by its wording (analysis/chain_lexical.py): a copy whose source is outside its ten closest
texts by cosine (texts on one topic crowd it out) is linked by the rare words they share, when the two are each
other's best match by wording, clearly ahead of any other, and the copy keeps to its source."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from analysis import chain_cues as cues
from analysis.chain_lexical import LEXICAL_CONFIDENCE, LEXICAL_LEAD, best_by_wording
from analysis.chains import MAX_CANDIDATES, WINDOW, Node, Pool, build_edges, candidate_pairs

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
D = 40
E = np.eye(D, dtype=np.float32)

SOURCE = ("The Harbor analytics migration moves the nightly billing exports from the legacy warehouse to the columnar "
          "cluster; reconciliation scripts, retention rules and audit dashboards follow in stages, with invoice parity "
          "checks before the warehouse is switched off.")
REWRITE = ("In short, the Harbor analytics migration shifts nightly billing exports off the legacy warehouse onto the "
           "columnar cluster. Reconciliation scripts, retention rules and audit dashboards move in stages, and invoice "
           "parity checks run before the warehouse is retired.")
# one person's posts on the same topic in one channel: closer to the rewrite by cosine, sharing little wording
TOPIC = ["Standup notes: query latency on the sales dashboards went up again, indexing review next sprint.",
         "Reminder that the data platform office hours are on Thursday afternoon in the small meeting room.",
         "We compared two vendors for log storage and will write up the pros and cons for leadership.",
         "The onboarding guide for new analysts now covers notebook etiquette and naming conventions.",
         "Someone asked about access to production tables: please file a ticket with your manager approving.",
         "The weekly metrics email will move to Monday mornings so the numbers include the weekend.",
         "Our intern built a neat prototype that flags stale tables nobody has queried in months.",
         "Cost review: compute spend on ad hoc queries is the largest line item this quarter.",
         "Please tag your pull requests with the team label so the triage rotation can find them.",
         "The holiday freeze starts mid December; plan risky schema changes before then.",
         "A short survey about tooling satisfaction is open until the end of next week.",
         "Training budget is available for courses on statistics and experiment design this year."]


def _unit(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v)).astype(np.float32)


def _nodes(copy: str = REWRITE, copy_cos: float = 0.6, extra: list[Node] | None = None) -> list[Node]:
    """The source (ana, C1), twelve same-topic posts (xavier, C9) each closer to the copy than the source is, and
    the copy (bob, C2) a day later."""
    nodes = [Node("p", T0, "C1", "ana", SOURCE, len(SOURCE.split()), E[0])]
    nodes += [Node(f"t{i}", T0 + timedelta(hours=i + 1), "C9", "xavier", t, len(t.split()),
                   _unit(E[1] + 0.3 * E[2 + i])) for i, t in enumerate(TOPIC)]
    vc = _unit(copy_cos * E[0] + np.sqrt(1 - copy_cos ** 2) * E[1])
    nodes.append(Node("c", T0 + timedelta(days=1), "C2", "bob", copy, len(copy.split()), vc))
    return nodes + (extra or [])


def _edge(nodes: list[Node]):
    return next((e for e in build_edges(nodes) if e.child == "c"), None)


def test_a_rewrite_crowded_out_by_its_topic_is_found_by_its_wording():
    nodes = _nodes()
    pool = Pool(nodes)
    cands = {n.id: [p.id for p, _ in cs] for n, cs in candidate_pairs(pool)}
    assert len(cands["c"]) == MAX_CANDIDATES and "p" not in cands["c"]  # the source is not among its candidates
    best, later = best_by_wording(pool, pool.eligible(), WINDOW)
    assert best["c"].parent == "p" and best["c"].runner_up < 0.5 * best["c"].share and later["p"].parent == "c"
    e = _edge(nodes)
    assert e is not None and (e.parent, e.method, e.confidence) == ("p", "wording", LEXICAL_CONFIDENCE)


def test_wording_alone_is_not_enough():
    assert _edge(_nodes(copy_cos=0.45)) is None  # not close in meaning
    assert _edge(_nodes(REWRITE.replace("in stages", "in 3 stages by 14 April"))) is None  # states what p does not
    assert _edge(_nodes("Quick question? " + REWRITE)) is None  # asks


def test_a_runner_up_as_close_by_wording_leaves_the_copy_undecided():
    """Two earlier texts hold the rewrite's wording about equally (the same notice posted twice by two people):
    which one was copied is not clear, and no edge is drawn by wording."""
    twin = Node("q", T0 + timedelta(minutes=30), "C3", "carla", SOURCE.replace("switched off", "turned off"),
                len(SOURCE.split()), E[D - 1])
    pool = Pool(_nodes(extra=[twin]))
    list(candidate_pairs(pool))
    best, _ = best_by_wording(pool, pool.eligible(), WINDOW)
    assert best["c"].runner_up > LEXICAL_LEAD * best["c"].share  # what refuses it
    e = _edge(_nodes(extra=[twin]))
    assert e is None or e.method != "wording"


def test_the_copys_source_must_have_it_as_its_own_best_match():
    """A closer rewrite of the same source, posted later, is the source's best match by wording: the looser one is
    not linked by wording (it may be a copy of the closer one, which the cosine path decides)."""
    closer = Node("d", T0 + timedelta(days=2), "C4", "dana", SOURCE.replace("The Harbor", "FYI the Harbor"),
                  len(SOURCE.split()) + 1, _unit(E[0] + 0.05 * E[D - 2]))
    pool = Pool(_nodes(extra=[closer]))
    list(candidate_pairs(pool))
    best, later = best_by_wording(pool, pool.eligible(), WINDOW)
    assert best["c"].parent == "p" and later["p"].parent == "d"
    e = _edge(_nodes(extra=[closer]))
    assert e is None or e.method != "wording"


def test_one_senders_boilerplate_is_no_copy():
    """Two mails of one sender share a long disclaimer or a recurring template: not a copy by wording (another
    author is needed; a helper's review scenario)."""
    same_sender = _nodes()
    same_sender[-1] = Node("c", same_sender[-1].ts, "C2", "ana", REWRITE, len(REWRITE.split()),
                           same_sender[-1].embedding)
    e = _edge(same_sender)
    assert e is None or e.method != "wording"


def test_a_group_greeting_in_more_words_is_a_greeting():
    """"Good morning team!", "Hello, everyone!", "Bonjour à tous," and "Salut tout le monde !" greet everyone as "Hi
    team," does (the address the low bars and this rule refuse when the pair carries nothing); "Good morning.",
    "Greetings from Paris!" and "Morning update:" address no one."""
    for text in ("Good morning team! 🌟 I truly appreciate everyone's dedication", "Bonjour à tous, voici le point",
                 "Salut tout le monde ! La migration", "Hello, everyone! The release is out", "Good morning, team!"):
        assert cues.greets_group(text) and cues.addresses(text), text
    for text in ("Good morning. The release is out", "Greetings from Paris! We landed", "Morning standup: moved to "
                 "10:00", "Morning update: the release is out", "Hi, thanks for the notes"):
        assert not cues.addresses(text), text
