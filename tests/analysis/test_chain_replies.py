"""Replies outside their parent's thread are no copies (chain_rules.replies, both paths): a message that opens as a
reply ("+1, ...", "Thanks for the reminder!", "Noted: ...") to a post that does not, or as an answer ("Yes, ...")
to a question. The pairs are a helper's review's (docs/chains.md, twenty-fifth round), posted at top level as
people do in a Slack channel without threads: before the rule the learned path linked them at 0.78-1.0 and the
hand rules at 0.79-1.0."""

from __future__ import annotations

import pytest

from analysis import chain_cues as cues
from analysis import chain_rules as rules
from analysis.chain_relay_rules import _RuleContext
from analysis.chains import Pool, build_edges
from analysis.embedding_profile import MINILM
from tests.analysis.test_chain_short import pair_nodes

REMINDER = ("Reminder for everyone: the Q1 budget spreadsheets for all departments are due on 28 March by 17:00, late "
            "submissions go to the next cycle, and please use the new template in the finance folder.")
PROPOSAL = ("Proposal: we move the weekly planning meeting from Monday 10:00 to Tuesday 14:00 starting next week, so "
            "the Berlin team can join, and we keep it to 45 minutes.")
QUESTION = ("Does anyone know whether the staging database migration to Postgres 15 is still planned for "
            "Thursday?")
PAIRS = [  # (post, reply, the pair's MiniLM cosine)
    (REMINDER, "Thanks for the reminder! Our department's Q1 budget spreadsheet will be in before 28 March, 17:00, "
               "and we are already using the new template from the finance folder for this cycle.", 0.91),
    (REMINDER, "Thanks, our department's Q1 budget spreadsheet will be in before 28 March, 17:00.", 0.89),
    (PROPOSAL, "Agreed, Tuesday 14:00 works much better for us too, and 45 minutes should be enough if we send the "
               "agenda the day before, starting next week with the Berlin team on the call.", 0.75),
    (PROPOSAL, "+1, moving planning to Tuesday 14:00 from next week works for the Berlin team and for us.", 0.75),
    (QUESTION, "Yes, the staging migration to Postgres 15 is still on for Thursday at 14:00; expect about twenty "
               "minutes of downtime, and please hold off on deploys to staging until Priya gives the all clear.", 0.85),
]


@pytest.mark.parametrize("text,opening", [
    ("+1, agree with the plan for Friday", "acknowledges"), ("Thanks for the reminder!", "acknowledges"),
    ("Noted: branch freeze Friday at 12:00", "acknowledges"), ("- Agreed, Tuesday works", "acknowledges"),
    ("Merci pour le rappel, c'est noté", "acknowledges"), ("Yes, the migration is still on", "answers"),
    ("No.", "answers"), ("Oui, bien sûr", "answers"),
    (":pray: thanks for the fix", "acknowledges"), ("<@U123> thanks, will do", "acknowledges"),
    ("@Ana thanks, will do", "acknowledges"), ("Hi Ana, thanks for the fix", "acknowledges"),
    ("“Thanks, noted”", "acknowledges"), ("_Noted_, will do", "acknowledges"), (":+1: moving it", "acknowledges"),
    ("Ok, Tuesday 14:00 it is", "acknowledges"), ("Thanks Julie. So it is removed", "acknowledges"),
    ("Yes - still on", "answers"),
    ("No one came to the review", None), ("Nobody knows yet", None), ("Yesterday we shipped 3.8", None),
    ("Thanksgiving is on Thursday", None), ("+10 points for the new template", None),
    ("Si vous avez des questions, écrivez-moi", None), ("Decision: Tuesday 14:00 from next week", None),
    # announcements and rewrites open so too (a helper's review)
    ("Thanks to the new caching layer, p95 fell", None), ("Merci de déposer vos notes de frais", None),
    ("Agreed actions from the release review:", None), ("Thanks, everyone! Quick reminder that", None),
    ("Thank you all for the feedback", None), ("Hi team, thanks for the feedback", None),
    ("Congratulations to the Payments team", None), ("Thank you in advance for submitting", None),
    ("Will do the deploy tonight", None), ("Got it deployed on staging", None), ("+1 555 0100 is the line", None),
    ("No. 1 customer request", None), (":tada: big news", None),
    # a third review's
    ("Thank you so much for the reminder", "acknowledges"), ("Thanks Ana for the help", "acknowledges"),
    ("Sounds good to me", "acknowledges"), ("Thanks\nI'll send it by Friday", "acknowledges"),
    ("\u200bThanks for the reminder", "acknowledges"), ("`Thanks`", "acknowledges"),
    ("Agreed actions: migrate Friday", None), ("Perfect timing: the release ships Monday", None),
    ("@channel Thanks for your patience, the outage is resolved", None), ("No-one came", None),
    ("+1-555-0100 is the new line", None),
])
def test_reply_opening(text: str, opening: str | None) -> None:
    assert cues.reply_opening(text) == opening


def test_replies_needs_a_candidate_not_written_as_a_reply_or_one_that_asks() -> None:
    assert rules.replies("acknowledges", False, False)
    assert not rules.replies("acknowledges", True, False)  # a rewrite of a thank-you note, of a mail's answer
    assert rules.replies("answers", False, True)
    assert not rules.replies("answers", False, False)  # "No." under an announcement: left to the other rules
    assert not rules.replies(None, True, True)


@pytest.mark.parametrize("text,form", [
    ("Hi Ruixin,\n\nThank you for the WF. We have two points", True), ("Charlene,\n\nThank you for accomodating", True),
    ("Thank you Nik for reminder,\n\nAs briefly mentioned", True), ("**To:** Ruixin\n**Re:** WF feedback - 2 points", True),
    (REMINDER, False), (PROPOSAL, False), ("Release plan for 3.8: we freeze the branch on Friday at 12:00.", False),
    ("Reminder: Q1 budget spreadsheets are due 28 March. Please check the totals agree with finance.", False),
    ("Reminder: the release is OK to ship Friday", False), ("Call the support line at +1 555 0100", False),
])
def test_in_reply_form(text: str, form: bool) -> None:
    assert cues.in_reply_form(text) is form


@pytest.mark.parametrize("copy", [
    "Got it! Here's a shorter version:\n\nQ1 budget spreadsheets for all departments are due 28 March at 17:00; late "
    "ones go to the next cycle; use the new template in the finance folder.",
    "Thanks for sharing! Here's a quick summary: Q1 budget spreadsheets for all departments are due 28 March at "
    "17:00, late ones go to the next cycle, and the new template in the finance folder is required.",
    "Noted. Key points:\n- Q1 budget spreadsheets due 28 March, 17:00\n- late ones go to the next cycle\n- use the new "
    "template in the finance folder",
])
def test_an_assistants_answer_under_an_acknowledgement_is_no_reply(copy: str) -> None:
    """An assistant's opening or a summary's label after its "Got it!" says what the text is (Reading.rewrites):
    the pair stays the learned path's candidate (a helper's review: these were linked at 0.99-1.0 before the rule)."""
    p, c, nodes = pair_nodes(REMINDER, copy, 0.9, "C2")
    assert Pool(nodes).admissible(c, p)


@pytest.mark.parametrize("source,rewrite", [
    # a mail that answers someone and its rewrites open as replies; a rewrite in memo form ("**Re:**") is still
    # written as one (the assistant chains' h7 and 10 chains)
    ("**To:** Pete\n**Re:** Unsigned integer support\n\n1. The numarray types already cover it.\n2. A patch for the "
     "remaining cases is under review and should land next week.",
     "Hi Pete,\n\nThank you for your question. The numarray types already cover unsigned integers, and a patch for "
     "the remaining cases is under review; it should land next week."),
    # a thank-you note's rewrite opens with its thanks (fresh-n17-1 of the assistant chains)
    ("Thanks, Dana! Success continues to build opportunities. Hope everything is going well for you and the family, "
     "and let us know when you are back in Houston for a dinner.",
     "Thanks, Dana! It's great to see your success opening up even more opportunities. Hope you and the family are "
     "doing well; let us know when you're back in Houston."),
])
def test_a_rewrite_of_a_reply_stays_a_candidate(source: str, rewrite: str) -> None:
    p, c, nodes = pair_nodes(source, rewrite, 0.9, "C2")
    assert Pool(nodes).admissible(c, p)


@pytest.mark.parametrize("channel", ["C1", "C2"])
@pytest.mark.parametrize("post,reply,cosine", PAIRS)
def test_a_reply_outside_its_posts_thread_is_no_copy(post: str, reply: str, cosine: float, channel: str) -> None:
    """In the post's channel and in another one, neither path takes the pair."""
    p, c, nodes = pair_nodes(post, reply, cosine, channel)
    assert not Pool(nodes).admissible(c, p)
    assert _RuleContext(nodes, [], MINILM).apart(c, p, cosine)
    assert [x.parent for x in build_edges(nodes) if x.child == "c"] == []


def test_what_says_a_text_is_an_answer_or_a_summary() -> None:
    from analysis.assistant_frame import offers_answer

    assert offers_answer("Thanks for sharing! Here's a quick summary: the Frankfurt gateway is down")
    assert offers_answer("Sounds good — here's the shorter version: 3.8 ships at 17:00")
    assert not offers_answer("Thanks, here's the link: https://wiki/release")
    assert not offers_answer("Thanks, here's my update: I'll be out Friday")
    assert cues.labels_summary("Noted. Key points:\n- a") and cues.labels_summary("Got it. **Key points:**")
    assert not cues.labels_summary("Thanks! Summary of the call is in the doc")
    assert not cues.labels_summary("Thanks for the recap, very useful")
    assert cues.opens_as_summary("TL;DR: Atlas paused") and cues.opens_as_summary("**Key points:**\n- a")
    assert cues.opens_as_summary("En bref, la réunion est déplacée")
    assert not cues.opens_as_summary("FYI the agenda is still empty") and not cues.opens_as_summary("Summer plans")
