"""A person's AI rewrite of their own post (twenty-eighth round): one as close in meaning as a repost but in other
words is a copy (chain_rules.reworded, read against what the candidate carries); the same notice again, with a
disclaimer added, is a repost; one's own update that states a status otherwise stays apart (a helper's review
of a first version that let it through)."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from analysis.chains import Node, Pool
from tests.analysis.test_chain_one_channel import OTHERS, T0, _unit  # the same pool around a copy

WORKSHOP = ("Hey <!everyone> : there's a community organized GitHub workshop happening soon. There will be mentors "
            "on-hand to help you get set up with Git and GitHub and to walk you through your first pull request.")
WORKSHOP_AI = ("Hey everyone: A community-organized GitHub workshop is coming up soon! Mentors will be on hand to "
               "guide you through setting up Git and GitHub and making your first pull request.")
DISCLAIMER = ("\n\nThis e-mail and any attachments are confidential and intended solely for the addressee. Kim Ward | "
              "People Operations")
APPROVED = ("Decision from the budget review: the Lantern price rules project is approved with a budget of EUR "
            "40,000. Owner: Lena Vogel. Questions to me directly.")
CANCELLED = ("Update on Lantern price rules: the project is now cancelled, the EUR 40,000 budget goes back to the "
             "pool. Owner: Lena Vogel. Questions to me directly.")


def _pool(source: str, copy: str, cosine: float, author: str = "ana", forwards: str = "") -> tuple[Pool, Node, Node]:
    """The source in C1 by ana (its own text empty when it `forwards` a text), the copy in C2 a day later by
    `author`, at `cosine` to the source (to what it carries, for a forward)."""
    a = Node("a", T0, "C1", "ana", source, len(source.split()), _unit(1), forwarded_text=forwards,
             carried_embedding=_unit(1) if forwards else None)
    b = Node("b", T0 + timedelta(days=1), "C2", author, copy, len(copy.split()),
             _unit(cosine, float(np.sqrt(1 - cosine ** 2))))
    others = [Node(f"o{i}", T0 - timedelta(hours=i + 1), f"C{i + 3}", f"u{i}", t, len(t.split()), _unit(0, 0, 0, 1, i))
              for i, t in enumerate(OTHERS)]
    pool = Pool([a, b, *others])
    if forwards:  # as build_edges links a forward to the original it carries (chain_forwards.forward_edges)
        original = Node("fwd:a", T0 - timedelta(days=1), "", None, forwards, len(forwards.split()), _unit(1))
        pool.add_texts([original])
        pool.carried = {"a": original}
    pool.set_idf(pool.eligible())
    return pool, a, b


def test_ones_own_rewrite_in_other_words_is_a_copy_however_close_the_same_words_are_a_repost():
    pool, a, b = _pool(WORKSHOP, WORKSHOP_AI, 0.985)
    assert pool.admissible(b, a)
    pool, a, b = _pool(WORKSHOP, WORKSHOP.replace("soon", "next week"), 0.985)
    assert not pool.admissible(b, a)  # the same notice again, one word changed
    pool, a, b = _pool(WORKSHOP, WORKSHOP + DISCLAIMER, 0.985)
    assert not pool.admissible(b, a)  # ... or with a disclaimer under it
    pool, a, b = _pool(WORKSHOP, WORKSHOP.replace("soon", "next week"), 0.985, author="bob")
    assert pool.admissible(b, a)  # another person's: other_author, whatever the wording


def test_a_repost_of_what_ones_own_forward_carried_is_no_rewrite_of_it():
    """The forward's own text ("FYI, see below.") shares no words with the repost; what it carries does."""
    pool, a, b = _pool("FYI, see below.", WORKSHOP, 0.99, forwards=WORKSHOP)
    assert not pool.admissible(b, a)
    pool, a, b = _pool("FYI, see below.", WORKSHOP_AI, 0.985, forwards=WORKSHOP)
    assert pool.admissible(b, a)


def test_ones_own_update_stating_a_status_otherwise_stays_apart():
    pool, a, b = _pool(APPROVED, CANCELLED, 0.85)
    assert not pool.admissible(b, a)
    assert pool.admissible(*_pool(APPROVED, CANCELLED, 0.85, author="bob")[1:][::-1])  # another's: the model decides


def test_ones_own_rewrite_of_a_us_date_states_no_other_date():
    """Batch 25's `k13-1`, one's own friendlier rewrite of an Enron HourAhead notice, and a helper's scenario: the
    notice's "2/5/02" is read day first (2 May), the rewrite's "February 5, 2002" was another date, so the rewrite
    was one's own update, no copy (chain_dates.either_order). Another month is still an update."""
    notice = "Start Date: 2/5/02; HourAhead hour: 4; No ancillary schedules awarded. No variances detected."
    rewrite = ("Hi team, quick update on the HourAhead run for February 5, 2002 (hour 4): no ancillary schedules "
               "were awarded and no variances were detected.")
    pool, a, b = _pool(notice, rewrite, 0.87)
    assert pool.changes(b, a) == 0 and pool.admissible(b, a)
    pool, a, b = _pool(notice, rewrite.replace("February", "March"), 0.87)
    assert pool.changes(b, a) == 1 and not pool.admissible(b, a)


RELEASE = ("Release plan for Ledgerly 4.2: offline PDF export is removed from the release. Code freeze Tuesday June "
           "11 at 18:00 CET, release to production Friday June 14.")
RELEASE_AI = ("Sure, here is a summary for your manager: offline PDF export is removed from 4.2 and moved to 4.3. Code "
              "freeze: Tuesday June 11, 18:00 CET. Production release: Friday June 14.")


def test_ones_own_rewrite_may_state_a_value_beside_the_parents_not_in_its_place():
    """Thirty-third round: an AI rewrite of one's own post that says so reads a status into "moved to 4.3" beside
    the post's "removed", and was one's own update. A value in place of the post's ("moved to 4.3" alone, another
    freeze date) is still one; so are two added, and one added by a post that does not say it rewrites (a helper's
    review: "code freeze moves from Tue June 11 to Wed June 12", one's own update naming both dates)."""
    pool, a, b = _pool(RELEASE, RELEASE_AI, 0.9)
    assert pool.changes(b, a) == 1 and pool.replaced(b, a) == 0 and pool.admissible(b, a)
    moved = RELEASE_AI.replace("is removed from 4.2 and moved", "is moved")
    pool, a, b = _pool(RELEASE, moved, 0.9)
    assert pool.replaced(b, a) == 1 and not pool.admissible(b, a)
    another_freeze = RELEASE_AI.replace(" and moved to 4.3", "").replace("June 11", "June 12")
    pool, a, b = _pool(RELEASE, another_freeze, 0.9)
    assert pool.changes(b, a) == 1 and pool.replaced(b, a) == 1 and not pool.admissible(b, a)
    pool, a, b = _pool(RELEASE, RELEASE_AI + " Retro on Monday June 17.", 0.9)
    assert pool.changes(b, a) == 2 and pool.replaced(b, a) == 0 and not pool.admissible(b, a)
    update = ("Heads up: offline PDF export is removed from 4.2 and moved to 4.3. Code freeze Tuesday June 11, 18:00 "
              "CET, release Friday June 14.")  # one's own news, in the same values: it does not say it rewrites
    pool, a, b = _pool(RELEASE, update, 0.9)
    assert pool.changes(b, a) == 1 and pool.replaced(b, a) == 0 and not pool.admissible(b, a)
