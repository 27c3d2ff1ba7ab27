"""A copy that says plainly what it is (chain_decide.says_it_copies, thirty-first round): an assistant's opening line
of its own that names a rewrite or a summary ("Here are the key points:", "Here's a rewrite for a non-technical
audience:"), a rewrite's preamble or a report of a message links the copy to its closest earlier text at cosine 0.5
and at any probability, when no other chain's candidate is within 0.1 of it; a person's post that names its own
version inline, an incident report's "Summary:" label or notes "from the call" are no such opening."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from analysis.assistant_frame import opens_with_offer
from analysis.chain_text import names
from analysis.chains import Node, build_edges
from tests.analysis.test_chain_one_channel import OTHERS, T0, _unit

SOURCE = ("Please let me know before you do any work for a government agency, a public utility or a state commission, "
          "even a small consulting job. Our insurance and the conflict rules with FERC depend on it, and legal needs "
          "two weeks to clear it.")
ANSWER = ("If you are asked to help a government office or a public utility, even with a small job, tell the manager "
          "first. It matters for our insurance and our rules, and the lawyers need about two weeks to check it.")
REWRITE = "Here's a rewrite for a non-technical audience:\n\n" + ANSWER
RIVAL = ("The new visitor badges arrive on Monday; please collect yours at the front desk and hand back the old one "
         "before the end of the month.")


def parent_of(copy: str, cosine: float = 0.55, rival: float | None = None) -> list[tuple[str, str]]:
    """The source in C1; the copy three hours later in C2 by another person, at `cosine` to the source (as a
    rewrite for another audience is: few of its words kept); `rival`: another channel's post at that cosine to the
    copy (and none to the source), posted an hour before the copy."""
    rest = float(np.sqrt(1 - cosine ** 2))
    nodes = [Node("p", T0, "C1", "ana", SOURCE, len(SOURCE.split()), _unit(1.0)),
             Node("c", T0 + timedelta(hours=3), "C2", "bob", copy, len(copy.split()), _unit(cosine, rest))]
    if rival is not None:
        a = rival / rest
        nodes.append(Node("r", T0 + timedelta(hours=2), "C3", "cy", RIVAL, len(RIVAL.split()),
                          _unit(0.0, a, float(np.sqrt(1 - a ** 2)))))
    nodes += [Node(f"o{i}", T0 - timedelta(hours=i + 1), f"C{i + 4}", f"u{i}", t, len(t.split()),
                   _unit(*[0.0] * (4 + i), 1.0)) for i, t in enumerate(OTHERS)]
    return [(e.parent, e.method) for e in build_edges(nodes) if e.child == "c"]


def test_an_assistants_opening_line_of_its_own_names_what_it_gives():
    assert opens_with_offer(REWRITE)
    assert opens_with_offer("Here are the key points:\n\n* The writer offers to bring back some sand for the "
                            "recipient in case they cannot make it this weekend.")
    # a person's post naming its own new version inline (a real Slack post's form), an incident report's label,
    # notes from a call, a person's own update or plan: none is an assistant's opening line
    assert not opens_with_offer("I've shown this idea to a few of you, but here's a more complete version: "
                                "<http://example.com/cam>\nI'll post the code soon, it scrapes images from the park "
                                "webcams for a day.")
    assert not opens_with_offer("Summary: from 14:12 to 14:59 CET card payments failed for all EU tenants; the root "
                                "cause was an expired certificate on the webhook endpoint.")
    assert not opens_with_offer("Here are the key points from the call:\n\n- We ship on Friday and the freeze moves "
                                "to Monday for the whole team.")
    assert not opens_with_offer("Here's my summary:\n\nDetection was slow because the alert only looked at the error "
                                "rate and not at latency.")
    assert not opens_with_offer("Voici mon résumé :\n\nOn a mis du temps à voir le problème parce que l'alerte ne "
                                "regardait que les erreurs.")
    assert not opens_with_offer("Here's my update:\n\n- Finished the billing export and started on the reports page "
                                "for the finance team.")


def test_a_rewrite_that_says_plainly_what_it_is_is_linked_at_a_lower_cosine():
    assert parent_of(REWRITE) == [("p", "stated")]
    assert parent_of(REWRITE.replace("Here's a rewrite", "Here's a rewritten version of the message")) == \
        [("p", "stated")]


def test_without_its_opening_line_or_less_close_the_rewrite_is_not_linked():
    assert parent_of(ANSWER) == []  # the model alone: few words kept
    assert parent_of(REWRITE, cosine=0.45) == []  # under the rewrite cosine less STATED_BELOW


def test_notes_that_state_what_the_candidate_lacks_are_no_such_copy():
    """A person's notes after an agenda open as an assistant's answer does ("Here are the key points:") but state a
    date, a number or a name the agenda lacks (a helper's review: 8 such posts linked before `keeps_to_source`)."""
    notes = ("Here are the key points:\n\n* Legal cleared the Harbor Energy job on 14 March.\n* Our insurance "
             "covers 3 state commissions now; Dana Whitfield keeps the list.")
    assert parent_of(notes) == []
    assert parent_of(REWRITE.replace("about two weeks", "until 14 March")) == []


def test_another_chains_candidate_nearly_as_close_holds_it_back():
    assert parent_of(REWRITE, rival=0.3) == [("p", "stated")]  # clear by 0.25
    assert parent_of(REWRITE, rival=0.5) == []  # within STATED_MARGIN


def test_a_common_word_opening_an_assistants_answer_is_no_name():
    """After "Sure! Here's the gist in two sentences:" the answer's first sentence begins: "Humanity" is no name the
    source lacks (it kept the gist of a story from keeps_to_source); a name there, or after a label, stays one."""
    gist = ("Sure! Here's the gist in two sentences: Humanity has made first contact with alien life that looks like "
            "tiny strings, and an intern's script finds no pattern in the footage by Monday.")
    assert "humanity" not in names(gist)
    # a person's status or a meeting's outcome under an opening of their own, no assistant's answer to a request
    # (a helper's review: each was linked with the product's name read as none)
    for own in ("Here's the recap for this week: Horizon dashboards are rebuilt and the alerts move to Friday.",
                "Here's the TL;DR: Design signed off on the layout, legal wants one more pass.",
                "Sure! Here's my summary: Compass ships on Friday after the review."):
        assert {"horizon", "design", "compass"} & names(own), own
    assert "humanity" in names("The footage was sent on: Humanity Labs in Lyon, and the intern looked at it.")
    assert {"ana", "lima"} <= names("Here's the gist: Ana Lima moved the launch to May.")
    assert "maria" in names("Here's the update on Station 4: Maria owns the fix.")
