"""A person's AI rewrite of their own post (twenty-eighth round): one as close in meaning as a repost but in other
words is a copy (chain_rules.reworded), a status word it adds is no sign of the author's next report
(chain_rules.OWN_SKIP), and a date it writes in the other order of day and month is the post's
(chain_rules.either_order). And the best candidate lacking a value the copy states gives way to one within
LATEST_HOP_MARGIN that states it, in whichever chain (chain_hops.latest_hop)."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from analysis.chain_hops import latest_hop
from analysis.chains import Node, Pool
from tests.analysis.test_chain_one_channel import OTHERS, T0, _unit  # the same pool around a copy

WORKSHOP = ("Hey <!everyone> : there's a community organized GitHub workshop happening soon. There will be mentors "
            "on-hand to help you get set up with Git and GitHub and to walk you through your first pull request.")
WORKSHOP_AI = ("Hey everyone: A community-organized GitHub workshop is coming up soon! Mentors will be on hand to "
               "guide you through setting up Git and GitHub and making your first pull request.")
BENEFITS = ("Open enrolment runs June 3 to June 21 in Gusto. Dental moves from Delta Dental to Guardian: if you do "
            "nothing, your medical plan rolls over, but dental does not, so enrol again before June 21. The wellness "
            "stipend is discontinued after June.")
BENEFITS_AI = ("TL;DR: open enrolment runs June 3 to June 21 in Gusto. Dental is switching to Guardian, so you must "
               "re-enrol or you'll lose dental coverage; medical rolls over on its own. The wellness stipend is "
               "discontinued after June.")
NOTICE = ("Start Date: 2/5/02; HourAhead hour: 4; No ancillary schedules awarded. No variances detected. The final "
          "schedule was not found for the preferred schedule at MALIN_5_RNDMTN.")
NOTICE_AI = ("Quick update on the HourAhead run for February 5, 2002 (hour 4): no ancillary schedules were "
             "awarded and no variances were detected, but the final schedule at MALIN_5_RNDMTN was not found.")


def _pool(source: str, copy: str, cosine: float, author: str = "ana") -> tuple[Pool, Node, Node]:
    """The source in C1 by ana, the copy in C2 a day later by `author`, at `cosine` to it."""
    a = Node("a", T0, "C1", "ana", source, len(source.split()), _unit(1))
    b = Node("b", T0 + timedelta(days=1), "C2", author, copy, len(copy.split()),
             _unit(cosine, float(np.sqrt(1 - cosine ** 2))))
    others = [Node(f"o{i}", T0 - timedelta(hours=i + 1), f"C{i + 3}", f"u{i}", t, len(t.split()), _unit(0, 0, 0, 1, i))
              for i, t in enumerate(OTHERS)]
    pool = Pool([a, b, *others])
    pool.set_idf(pool.eligible())
    return pool, a, b


def test_ones_own_rewrite_in_other_words_is_a_copy_however_close_the_same_words_are_a_repost():
    pool, a, b = _pool(WORKSHOP, WORKSHOP_AI, 0.985)
    assert pool.admissible(b, a)
    pool, a, b = _pool(WORKSHOP, WORKSHOP.replace("soon", "next week"), 0.985)
    assert not pool.admissible(b, a)  # the same notice again, one word changed
    pool, a, b = _pool(WORKSHOP, WORKSHOP.replace("soon", "next week"), 0.985, author="bob")
    assert pool.admissible(b, a)  # another person's: other_author, whatever the wording


def test_a_status_word_ones_own_rewrite_adds_keeps_it_a_copy_another_date_does_not():
    pool, a, b = _pool(BENEFITS, BENEFITS_AI, 0.83)
    assert pool.admissible(b, a)  # "you'll lose dental coverage": a status the post did not state as such
    pool, a, b = _pool(BENEFITS, BENEFITS_AI.replace("June 21", "July 19"), 0.83)
    assert not pool.admissible(b, a)  # next year's enrolment on the same template


def test_ones_own_rewrite_of_a_date_in_digits_states_it_in_words():
    pool, a, b = _pool(NOTICE, NOTICE_AI, 0.87)
    assert pool.admissible(b, a)  # "2/5/02" read day first, "February 5, 2002" as written: the same date
    assert not pool.adds(b, a)  # ... which it does not add (one's own rewrite in one conversation, read_at_hand)
    pool, a, b = _pool(NOTICE, NOTICE_AI.replace("February 5", "February 6"), 0.87)
    assert not pool.admissible(b, a)


DECISION = ("Decision from the release review: Lantern price rules is cancelled for this quarter. Stop all work on it "
            "by 8 April. Owner: Lena Vogel. Questions to me directly.")
RECAP = "Recap for the team: Lantern price rules is cancelled for this quarter."
SUMMARY = ("Quick summary of the release update: Lantern price rules has been cancelled this quarter. Stop all work on "
           "it by 8 April.")


def test_the_best_candidate_lacking_a_value_the_copy_states_gives_way_to_one_that_states_it():
    """The chatter sets' seed 5: the recap (no date) not yet linked when the summary is decided, so not the
    decision's chain; the summary's "8 April" came from the decision, 0.01 below the recap."""
    d = Node("d", T0, "C1", "lena", DECISION, len(DECISION.split()), _unit(1))
    r = Node("r", T0 + timedelta(days=3), "C2", "uwe", RECAP, len(RECAP.split()), _unit(0.8, 0.6))
    s = Node("s", T0 + timedelta(days=4), "C3", "uwe", SUMMARY, len(SUMMARY.split()), _unit(0.9, 0.3, 0.316))
    pool = Pool([d, r, s])
    pool.set_idf(pool.eligible())
    cands = [(d, None), (r, None)]
    prob = np.array([0.893, 0.904])
    assert latest_hop(cands, prob, 1, {}, 0.85, pool, s) == 0
    assert latest_hop(cands, prob, 1, {}, 0.85) == 1  # without the pool, by probability and time only
    assert latest_hop(cands, np.array([0.70, 0.904]), 1, {}, 0.5, pool, s) == 1  # not within LATEST_HOP_MARGIN
