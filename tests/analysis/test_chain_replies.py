"""Replies outside their parent's thread are no copies (chain_rules.replies, both paths): a message that opens as a
reply ("+1, ...", "Thanks for the reminder!", "Noted: ...") to a post that does not, or as an answer ("Yes, ...")
to a question. The pairs are a helper's review's (docs/chains.md, twenty-fifth round), posted at top level as
people do in a Slack channel without threads: before the rule the learned path linked them at 0.78-1.0 and the
hand rules at 0.79-1.0."""

from __future__ import annotations

import pytest

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
    ("No one came to the review", None), ("Nobody knows yet", None), ("Yesterday we shipped 3.8", None),
    ("Thanksgiving is on Thursday", None), ("+10 points for the new template", None),
    ("Si vous avez des questions, écrivez-moi", None), ("Decision: Tuesday 14:00 from next week", None),
])
def test_reply_opening(text: str, opening: str | None) -> None:
    assert rules.reply_opening(text) == opening


def test_replies_needs_a_candidate_that_opens_otherwise_or_asks() -> None:
    assert rules.replies("acknowledges", None, False)
    assert not rules.replies("acknowledges", "acknowledges", False)  # a rewrite of a thank-you note
    assert rules.replies("answers", None, True)
    assert not rules.replies("answers", None, False)  # "No." under an announcement: left to the other rules
    assert not rules.replies(None, "acknowledges", True)


@pytest.mark.parametrize("channel", ["C1", "C2"])
@pytest.mark.parametrize("post,reply,cosine", PAIRS)
def test_a_reply_outside_its_posts_thread_is_no_copy(post: str, reply: str, cosine: float, channel: str) -> None:
    """In the post's channel and in another one, neither path takes the pair."""
    p, c, nodes = pair_nodes(post, reply, cosine, channel)
    assert not Pool(nodes).admissible(c, p)
    assert _RuleContext(nodes, [], MINILM).apart(c, p, cosine)
    assert [x.parent for x in build_edges(nodes) if x.child == "c"] == []


def test_a_rewrite_of_a_thank_you_note_stays_a_candidate() -> None:
    """The copy opens with the thanks its source opens with (fresh-n17-1 of the assistant chains)."""
    note = ("Congratulations on the expanded role! Success continues to build opportunities. Hope everything is "
            "going well for you and the family, and let us know when you are back in Houston for a dinner.")
    rewrite = ("Congratulations on your new, broader role! It's great to see your success opening up even more "
               "opportunities. Hope you and the family are doing well; let us know when you're back in Houston.")
    p, c, nodes = pair_nodes(note, rewrite, 0.9, "C2")
    assert Pool(nodes).admissible(c, p)
