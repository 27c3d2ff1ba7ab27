"""How the best candidate becomes a copy's parent: the probability it needs (decision_bar; which hop of its chain
is taken: chain_hops.latest_hop). Named rules, tested in tests/analysis/test_chain_rules.py; measured in
docs/chains.md."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Set
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from . import chain_rules as rules
from .chain_hops import latest_hop
from .chain_text import SHORT_COPY_WORDS, numbers_kept, two_languages

if TYPE_CHECKING:
    from .chain_rules import PairFeatures
    from .chain_text import Edge
    from .chains import Node, Pool

RULES_MAX_WORDS = 80  # where the copy or its parent is shorter, the hand rules decide; else the learned model


def carries_something(f: PairFeatures) -> bool:
    """The pair shares a value or an anchor (a date, an amount, a name), or the candidate announces something:
    what a lower bar needs (AI-polished filler shares wording and style, nothing else)."""
    return f.anchors_shared > 0 or f.value_shared > 0 or f.announces > 0


MUTUAL_BAR = 0.4  # the learned decision's bar for a mutual best match (see decision_bar)
REWRITE_BAR = 0.1  # ... and for a mutual best match that reads like a rewrite (see reads_like_rewrite)
REWRITE_COVERAGE = 0.25  # the share of the shorter one's IDF-weighted wording a rewrite keeps
REWRITE_CLOSE_COSINE = 0.75  # ... or, this close in meaning (a capable LLM's polish rewords more) ...
REWRITE_CLOSE_COVERAGE = 0.2  # ... this share
CLEAR_MARGIN = 0.25  # a short pair's candidate this much clearer than any rival needs ...
CLEAR_BAR = 0.3  # ... this probability (batch 13's clear first hop at 0.39; 0.5 before: seventeenth round)


def most_similar(cands: list[tuple[Node, PairFeatures]]) -> int:
    """The candidate closest to the copy by cosine (the learned decision's best may be another)."""
    return max(range(len(cands)), key=lambda i: cands[i][1].cosine)


def mutual_best(pool: Pool, n: Node, cands: list[tuple[Node, PairFeatures]], k: int, through: bool = True) -> bool:
    """Candidate k is the copy's most similar candidate and the copy is k's most similar later message, or (with
    `through`) that message `descends` from the copy, neither side asking (a question's closest later text is an
    answer's neighbour). Not across languages: `closest_later` reads the main embedding, on which a translation is
    rarely its source's closest later message."""
    p, f = cands[k]
    return (pool.closest_later.get(p.id) == n.id or
            (through and not (f.asks or f.parent_asks) and descends(pool, n, p))) and \
        not two_languages(n, p) and most_similar(cands) == k


def descends(pool: Pool, n: Node, p: Node) -> bool:
    """Named rule: the candidate's most similar later message comes after the copy and is closer to the copy than to
    the candidate (read as `closest_later` reads it: its own vector against theirs): a later hop of the chain the
    copy starts, not a rival. The recap of a long rewrite can resemble the original more than the rewrite does
    ("Here's a quick recap you can paste into Slack" of a Numpy reply), and then the rewrite was no mutual best
    match. In a run of drifting posts (a weekly newsletter) the third is closer to the second too: `continues_chain`,
    which may link at any probability, asks for a mutual best match without it (a helper's review). Eighteenth
    round: the assistant batches' origin 0.961 -> 0.964 (batch 10: 0.954 -> 1.0), nothing lost on any file, the
    real exports or the demo; for a candidate that asks it linked an announcement to the question before it
    (pooled seed 11)."""
    m = pool.by_id.get(pool.closest_later.get(p.id, ""))
    if m is None or m.ts <= n.ts or m.embedding is None:
        return False
    near_copy, near_source = pool.vector(n), pool.vector(p)
    return near_copy is not None and near_source is not None and \
        float(m.embedding @ near_copy) > float(m.embedding @ near_source)


def keeps_to_source(pool: Pool, n: Node, p: Node, f: PairFeatures) -> bool:
    """The copy names nothing and states no value or number its candidate lacks, and neither asks, answers nor
    addresses anyone (Pool.addresses_someone): what every low bar below needs (a template post about another
    release, another event, another person's essay on the same prompt name or number things otherwise)."""
    return f.names_new < 1.0 and f.values_changed == 0 and not (f.asks or f.addresses or f.parent_asks) and \
        numbers_kept(pool.text[n.id], pool.content_text(p))


def reads_like_rewrite(pool: Pool, n: Node, p: Node, f: PairFeatures, rewrite_cosine: float) -> bool:
    """Named rule: what a mutual best match needs to pass at REWRITE_BAR. An LLM rewrite or summary posted with no
    relay word: close in meaning (`rewrite_cosine`), a quarter of the shorter one's rare wording kept, no name the
    candidate lacks, no value or number changed, not a question, an answer or an address, both at least
    SHORT_COPY_WORDS long. Each condition is what ruled out a kind of mutual best match between messages that copy
    nothing, read on the real pre-2022 exports and the demo workspace (docs/chains.md, fifth round): meetup posts
    naming another event, template posts about another release, list replies, one-line chatter. The same channel
    is no objection (sixth round): a summary pasted as a new post under the post it summarises is the case the
    product exists for, and a reply in the candidate's thread is no candidate at all (chain_rules.outside_thread).
    AI-polished filler that shares its wording with other filler still passes (2 of the pooled sets' 1,720
    messages). A pair at REWRITE_CLOSE_COSINE or closer needs REWRITE_CLOSE_COVERAGE of the wording: GPT-4's
    polish of a TOEFL essay keeps 0.18-0.24 of it at cosine 0.76-0.86 (ninth round: Liang-TOEFL +2 right,
    Liang-Hewlett +1, llm-chains +1; no wrong edge on any file or probe, where 0.1 linked two same-prompt essays
    at 0.77-0.81 holding 0.15-0.19)."""
    wording = REWRITE_CLOSE_COVERAGE if f.cosine >= REWRITE_CLOSE_COSINE else REWRITE_COVERAGE
    return (f.cosine >= rewrite_cosine and f.coverage_short >= wording
            and pool.pair_words(n, p) >= SHORT_COPY_WORDS and keeps_to_source(pool, n, p, f))


SHORT_REWRITE_COSINE = 0.85  # a copy under SHORT_COPY_WORDS this close in meaning to its mutual best match ...
SHORT_REWRITE_COVERAGE = 0.6  # ... keeping this share of the shorter one's rare wording (see reads_like_short_rewrite)
SHORT_REWRITE_SHRINKS = 0.8  # ... and at most this share of its candidate's length (`resized`: either way)
SHORT_REWRITE_CONFIDENCE = 0.9  # its edges' confidence: the rule's precision on the eval files and probes


def summarises(copy_words: int, parent_words: int, cosine: float | None) -> bool:
    """A copy at most SHORT_REWRITE_SHRINKS of its candidate's length (in words without layout: Pool.plain_words;
    a heading over the same line is no summary), SHORT_REWRITE_COSINE close in meaning: a summary, not a repeat."""
    return copy_words <= SHORT_REWRITE_SHRINKS * parent_words and cosine is not None and cosine >= SHORT_REWRITE_COSINE


def resized(plain: tuple[int, int]) -> bool:
    """Named rule: of two messages (their words without layout: Pool.plain_words), one is at most
    SHORT_REWRITE_SHRINKS of the other's length, either way: what a rewrite that shortens or expands its source (a
    TL;DR, "Make this more detailed") is, and chatter repeated or a template's next post is not ("heads up: gateway
    will be read-only for ~10 min at 17:00", 12 words each time). A reply of another length is too: the learned
    path asks more of such a pair (`repeated_chatter`)."""
    return min(plain) <= SHORT_REWRITE_SHRINKS * max(plain)


def repeated_chatter(n: Node, p: Node, words: tuple[int, int], plain: tuple[int, int], cosine: float | None,
                     rewrite: Callable[[], bool] | None = None) -> bool:
    """chain_rules.repeated_chatter for a copy and its candidate, as the learned path (Pool.admissible) and the hand
    rules (_RuleContext.apart) both ask it: `words` the pair's words, `plain` their words without layout. Not
    chatter: a copy that `summarises` its candidate (across languages the cosine decides nothing), or, for the
    learned path, one `resized` against it that says what it is and states no value otherwise or in addition
    (`rewrite`: Reading.tells_copy, Pool.adds). Replies under a post in its channel are of another length too
    ("+1, agree with the plan for Friday, QA can start ... after the 12:00 freeze", "Noted: branch freeze Friday at
    12:00 ...", "Still seeing the login loop on Pixel 8 with 4.2.1 here, ...", the next incident update) and say
    none of it: with `resized` alone the hand rules linked them at confidence 1.0 and the model at 0.9 (a helper's
    review, twenty-fifth round). The hand rules link a short copy that repeats a value, as a template's next post
    does: `resized` is not for them."""
    if not rules.repeated_chatter(n, p, min(words), max(words)):
        return False
    return not (summarises(*plain, None if two_languages(n, p) else cosine) or
                (rewrite is not None and resized(plain) and rewrite()))


def summarises_hop(pool: Pool, n: Node, p: Node) -> bool:
    """Named rule: n, no longer than p (words without layout), adds nothing p lacks (`Pool.adds`) and writes no number
    p does not (chain_text.numbers_kept): a summary of p, not chatter under it. A reply or a bot's notice under a
    short TL;DR is longer or states more (a helper's review: 25-49-word replies linked at 0.74-0.95 without the
    length), a template's next post in the channel writes other numbers ("the profile screen takes 324ms to
    render" after "... 675ms": the demo's held-out model chained 22 such posts without them; twenty-sixth
    round). Nor is the same text again (OWN_REPOST_COSINE: "anyone seen the login loop on Pixel 8? can't
    reproduce on mine", posted by ten people in one channel), a question, or a copy stating a value otherwise (a
    correction under the TL;DR, "launch not postponed" under "launch is postponed"). Both paths read it."""
    return pool.plain_words(n) <= pool.plain_words(p) and restates_hop(pool, n, p)


def restates_hop(pool: Pool, n: Node, p: Node) -> bool:
    """`summarises_hop` and chain_settle.expands_hop, whatever the length: not the same text, no question, nothing
    added, no number p does not write, no value stated otherwise."""
    cosine = pool.cosine(n, p)
    return cosine is not None and cosine < rules.OWN_REPOST_COSINE and not pool.asks(n) and not pool.adds(n, p) and \
        numbers_kept(pool.text[n.id], pool.content_text(p)) and \
        pool.changes(n, p) == 0


def reads_like_short_rewrite(pool: Pool, n: Node, p: Node, f: PairFeatures) -> bool:
    """Named rule: a copy under SHORT_COPY_WORDS in another conversation that is its candidate's mutual best match
    needs no probability when it reads like its rewrite: it `summarises` it (at most SHORT_REWRITE_SHRINKS of its
    length without layout, SHORT_REWRITE_COSINE close in meaning), keeps SHORT_REWRITE_COVERAGE of the shorter
    side's rare wording, shares a name, value or anchor, and keeps to its source (`keeps_to_source`). The last
    hops of a chain of summaries ("Make this more concise" of a 30-word post) fall under 20 words, where the
    model's `short_copy` weight refuses every pair (p 0.001 at cosine 0.95: the negatives hold much short
    chatter and the public positives few short copies). Not inside one conversation: a day's "standup at 10:00
    in room B today" shortened the next day is chatter with the same values (a helper's review; tenth round)."""
    return pool.words[n.id] < SHORT_COPY_WORDS and summarises(pool.plain_words(n), pool.plain_words(p), f.cosine) \
        and keeps_as_summary(pool, n, p, f)


def keeps_as_summary(pool: Pool, n: Node, p: Node, f: PairFeatures, hop: bool = False) -> bool:
    """What a short copy keeps of its candidate to read as its summary, whatever their cosine: posted in another
    conversation, SHORT_REWRITE_COVERAGE of its rare wording from it, a shared name, value or anchor, one language,
    and it keeps to it (`keeps_to_source`). Read by `reads_like_short_rewrite` and `next_hop`. For a `hop` of a chain
    found by text SHORT_REWRITE_COSINE close, a name in capitals or opening a sentence counts too (Pool.shares_name:
    "Enron and RBC updated ..."); not elsewhere: status pings and reactions that echo an announcement's words share
    its "CRM" or "AWS" at cosine 0.64-0.85 (a helper's review: five false edges, one of them chatter to chatter)."""
    names = f.name_shared > 0 or f.value_shared > 0 or f.anchors_shared > 0 or \
        (hop and f.cosine >= SHORT_REWRITE_COSINE and pool.shares_name(n, p))
    return n.conversation != p.conversation and f.coverage_short >= SHORT_REWRITE_COVERAGE and names and \
        not two_languages(n, p) and keeps_to_source(pool, n, p, f)


def short_rewrite_of(pool: Pool, n: Node, cands: list[tuple[Node, PairFeatures]]) -> int | None:
    """Named rule: the copy's most similar candidate when it is the copy's mutual best match and the copy
    `reads_like_short_rewrite` it; build_edges links that pair without the model (whose probabilities for such
    a short copy are all near 0, so its best is no evidence) and without `latest_hop` (a later hop the rule did
    not compare: a helper's review, tenth round)."""
    k = most_similar(cands)
    return k if mutual_best(pool, n, cands, k) and reads_like_short_rewrite(pool, n, *cands[k]) else None


NEXT_HOP_COSINE = 0.6  # a copy this close to a hop of a chain found by text ...
NEXT_HOP_MARGIN = 0.1  # ... every other chain's candidate this much further (PairFeatures.cosine_margin) ...
NEXT_HOP_NEAR = 0.05  # ... and that chain's hops this close to its closest equally likely parents: the latest
NEXT_HOP_BAR = 0.2  # ... which needs this probability (a copy under SHORT_COPY_WORDS: none, see next_hop)
NEXT_HOP_CONFIDENCE = 0.85  # its edges' confidence: the rule's precision on the eval files and probes (6 of 7)


def next_hop(pool: Pool, n: Node, cands: list[tuple[Node, PairFeatures]], prob: np.ndarray,
             root_of: dict[str, str], found: Set[str], rewrite_cosine: float) -> int | None:
    """Named rule: a copy left under the model's bar whose closest candidate is in a chain with a copy found by
    its text (`found`: those chains' roots), the original or a hop, NEXT_HOP_COSINE close and NEXT_HOP_MARGIN
    closer than any other chain's candidate that is not a near-copy of it (PairFeatures.cosine_margin), is the
    chain's next hop: of the chain's candidates within NEXT_HOP_NEAR of the closest, the latest (each hop
    rewrites the same content; a summary is made from the copy in front of its writer), when the copy reads like
    its rewrite (`reads_like_rewrite`) at NEXT_HOP_BAR. A copy under SHORT_COPY_WORDS, where the model refuses
    every pair, reads like its summary instead: in another conversation, at most SHORT_REWRITE_SHRINKS of its
    length without layout (shorter at all, SHORT_REWRITE_COSINE close in meaning: "Hanover still owes money for
    overtime, repairs, and other work." of a 16-word hop), keeping SHORT_REWRITE_COVERAGE of its rare wording from
    it and a name, value or anchor, keeping to it. The chain found so far is the evidence a lone post on the topic lacks: the later hops of
    capable-LLM chains sit at probability 0.2-0.8 under the 0.85 bar between workplace-sized messages, and
    their "TL;DR" and one-sentence last hops at cosine 0.66-0.75 with parent and grandparent alike, under the
    short-rewrite rule's 0.85 (fourteenth round). One language. In the rule's own checks a group greeting ("Hi
    team!") is the friendly-update style of the chain's hops, not an address (the model's features still count
    it). The edge is provisional (build_edges: the hand rules may place the copy otherwise), but the copy joins
    its chain for the decisions that follow."""
    p, f = cands[most_similar(cands)]
    root = root_of.get(p.id, p.id)
    if root not in found or f.cosine < NEXT_HOP_COSINE or f.cosine_margin < NEXT_HOP_MARGIN or two_languages(n, p):
        return None
    j = max((i for i, (c, g) in enumerate(cands)
             if g.cosine >= f.cosine - NEXT_HOP_NEAR and root_of.get(c.id, c.id) == root), key=lambda i: cands[i][0].ts)
    q, g = cands[j]
    if two_languages(n, q):
        return None
    # a greeting to everyone ("Hi team!") opens the friendly updates such a chain's hops are: only addressing a
    # person makes the copy a reply here (as Pool.addresses_someone reads a pair that carries something)
    g = replace(g, addresses=float(pool.addresses_someone(n, True)))
    if pool.words[n.id] >= SHORT_COPY_WORDS:
        return j if prob[j] >= NEXT_HOP_BAR and reads_like_rewrite(pool, n, q, g, rewrite_cosine) else None
    # `summarises` without its cosine; a one-line last hop of a hop already short is shorter by a few words only
    shrinks = 1.0 if g.cosine >= SHORT_REWRITE_COSINE else SHORT_REWRITE_SHRINKS
    shorter = pool.plain_words(n) < pool.plain_words(q) and pool.plain_words(n) <= shrinks * pool.plain_words(q)
    return j if shorter and keeps_as_summary(pool, n, q, g, hop=True) else None


STATED_BELOW = 0.1  # a copy that says plainly what it is needs this much less than the rewrite cosine ...
STATED_MARGIN = 0.1  # ... closer by this than any other chain's candidate (PairFeatures.cosine_margin); no probability


def says_it_copies(pool: Pool, n: Node, cands: list[tuple[Node, PairFeatures]], k: int,
                   rewrite_cosine: float, prob: float) -> bool:
    """Named rule: the copy says what it is, and candidate k is its most similar candidate:
    - it says so plainly (Reading.says_plainly: an AI assistant's preamble, "Here's a revised version of the
      message:", chain_cues.states_rewrite; a report of what a message says, "The sender asked whether ...",
      chain_cues.narrates; an assistant's opening line of its own naming a rewrite or a summary, "Here are the key
      points:", assistant_frame.opens_with_offer), STATED_BELOW under `rewrite_cosine` (0.5 for MiniLM) and clear
      of every other chain's candidate by STATED_MARGIN, at any probability: a rewrite for another audience keeps
      few of its source's words, which the model holds against it ("Here's a rewritten version of the message for a
      non-technical audience:" at cosine 0.50 and probability 0.07; thirty-first round);
    - or, close in meaning (`rewrite_cosine`) at REWRITE_BAR, it has a rewrite's preamble or reports a message, or it
      says what it is in words a person also writes (Reading.tells_copy: an inline "Sure! Here's the gist:",
      "**Summary:**", an assistant's opening line) or relays or summarises something ("Summary of ...", "FYI",
      chain_cues.relays): common words, so the copy must then also keep to the candidate (`keeps_to_source`: a
      template's next post under "Key Points:" gives another count).
    The copy neither asks nor addresses anyone and the candidate asks nothing (a summary posted in answer to "can
    someone post a summary of the call?" answers it), unless the copy reports a question (chain_cues.reports_question:
    an AI summary of a question, eighteenth round); both at least SHORT_COPY_WORDS long, one language. The copy names
    what it is; the closest earlier text is what it names. Such an edge is provisional (build_edges): the hand rules
    for workplace-sized copies, which read which hop of a chain a relay copies, may place it elsewhere
    (docs/chains.md, sixth round)."""
    p, f = cands[k]
    plain = f.cosine >= rewrite_cosine - STATED_BELOW and f.cosine_margin >= STATED_MARGIN and pool.says_plainly(n) and \
        keeps_to_source(pool, n, p, f)
    told = pool.states_rewrite(n) or pool.narrates(n) or (pool.tells_copy(n) or bool(f.relays)) and \
        keeps_to_source(pool, n, p, f)
    return (plain or prob >= REWRITE_BAR and f.cosine >= rewrite_cosine and told) and \
        not (f.asks or f.addresses or (f.parent_asks and not pool.reports_question(n))) and \
        most_similar(cands) == k and \
        not two_languages(n, p) and pool.pair_words(n, p) >= SHORT_COPY_WORDS


def decision_bar(pool: Pool, n: Node, cands: list[tuple[Node, PairFeatures]], k: int, threshold: float,
                 short_threshold: float, rewrite_cosine: float = 0.6) -> float:
    """Named rule: the probability the best candidate needs. The model's threshold; for pairs where the copy or its
    parent is under RULES_MAX_WORDS, short_threshold (templates and AI-polished filler are the short negatives no
    public set holds). A **mutual best match** (the candidate is the copy's most similar candidate and the copy is
    the candidate's most similar later message) needs REWRITE_BAR when it reads like a rewrite
    (`reads_like_rewrite`); else MUTUAL_BAR, or the model's threshold between short messages, when the pair carries
    something (`carries_something`): a rewrite is its source's closest later text, a post on the same topic rarely
    is (llm-chains F1 0.58 -> 0.64, real exports unchanged: docs/chains.md). See `mutual_best`. A short pair in one
    language that reads like a rewrite and whose candidate is clear by CLEAR_MARGIN (PairFeatures.cosine_margin:
    0.25 closer than any rival candidate of another chain, or, with no rival, at cosine candidate_cosine + 0.25,
    0.65 for MiniLM) needs CLEAR_BAR, not short_threshold, mutual best match or not (an LLM's rewrite of a short
    original is longer than it, which the model holds against it: seventeenth round): a chain's first hop in
    reported speech ("The sender has attached...") is the hop least like its original, whose closest later text is a
    later hop (batch 9's `j9-1`; fifteenth round). A short copy that `reads_like_short_rewrite` needs none:
    `short_rewrite_of` (tenth round)."""
    p = cands[k][0]
    short = pool.pair_words(n, p) < RULES_MAX_WORDS
    bar = max(threshold, short_threshold) if short else threshold
    f = cands[k][1]
    best_pair = mutual_best(pool, n, cands, k)
    rewrite = reads_like_rewrite(pool, n, p, f, rewrite_cosine)
    if short and rewrite and f.cosine_margin >= CLEAR_MARGIN and not two_languages(n, p):
        bar = min(bar, threshold, CLEAR_BAR)
    if best_pair and rewrite:
        return min(bar, REWRITE_BAR)
    return min(bar, threshold if short else MUTUAL_BAR) if best_pair and carries_something(f) else bar


CONTINUATION_BAR = 0.2  # the probability a message whose own copy was found needs (see continues_chain)
CONTINUATION_WORDING = 0.15  # ... and the share of one side's rare wording the other holds
CONTINUATION_PHRASES = 0.05  # ... and the share of the shorter one's content-word pairs the other holds in order
CONTINUATION_MARGIN = 0.2  # ... or, between long texts, how much clearer than any rival (see first_rewrite)


def first_rewrite(pool: Pool, n: Node, p: Node, f: PairFeatures) -> bool:
    """Named rule: a copy clearer than any rival by CONTINUATION_MARGIN, both texts RULES_MAX_WORDS long or more,
    asking no one, continues a chain though it changes values or names: a small model's first rewrite of a human
    original invents them; facts lost, not a reason to drop the link (seventeenth round, docs/chains.md)."""
    return f.cosine_margin >= CONTINUATION_MARGIN and pool.pair_words(n, p) >= RULES_MAX_WORDS and \
        not (f.asks or f.addresses or f.parent_asks)


def continues_chain(pool: Pool, pending: dict[str, tuple[list[tuple[Node, PairFeatures]], np.ndarray]],
                    children: dict[str, list[str]], root_of: dict[str, str], floor: float,
                    threshold: float) -> Iterator[tuple[str, Node, PairFeatures, float]]:
    """Named rule: a message whose own copy was found, left under the bar with its best candidate at
    CONTINUATION_BAR or more, or at any probability when that candidate is its mutual best match and the message
    keeps to it or is its `first_rewrite` (`mutual_best`, `keeps_to_source`: a 135M model's first rewrite of a human
    original, its wording changed most; fifth round) (`pending`: message id -> its candidates and their
    probabilities), takes that candidate (moved to its chain's latest hop, as `latest_hop` does) as its parent when
    one of its copies also resembles the candidate (cosine `floor`: a grandchild keeps some of its grandparent). A
    message that was copied is an announcement: either an original or itself a copy, and the first rewrite of a
    human original is the hop the model finds least (its wording changes most). Latest first, so a chain found from
    its end is followed back towards its origin. `children`: the found copies of each message (metadata, forwards,
    learned). Never when neither side holds CONTINUATION_WORDING of the other's rare wording (`keeps_to_source` asks
    for none; on the eval files it removes one wrong Liang-TOEFL edge and nothing else: eighth round), nor, unless
    the candidate is its mutual best match, when the other holds under CONTINUATION_PHRASES of the shorter one's
    content-word pairs, in order (two essays on one prompt, or two originals on one topic, share words, not
    phrasing: each such continuation over the eval files linked an original to another original at 0.003-0.020,
    while the right ones off the mutual path held 0.07 or more; SmolLM2's first rewrites hold 0.000-0.048 and come
    through the mutual path; twenty-first round), never across
    languages (the model scores such a pair on the main embedding's cosine alone), to a candidate stating a value
    otherwise (the same announcement template for another feature; a `first_rewrite` may) nor to a short question
    ("anyone know if the Ember designs are final?" before the Ember decision): both linked announcements to them in
    scripts/build_chain_eval.py's pooled chains. Between messages under RULES_MAX_WORDS, under the model's
    `threshold` the pair must also share a value or the candidate announce something (`carries_something`, as for a
    mutual best match: AI-polished filler shares style only). Measured in docs/chains.md, fourth round."""
    children = {k: list(v) for k, v in children.items()}
    for nid in sorted(pending, key=lambda i: pool.by_id[i].ts, reverse=True):
        cands, prob = pending[nid]
        n = pool.by_id[nid]
        k = int(np.argmax(prob))
        if prob[k] >= CONTINUATION_BAR:
            k = latest_hop(cands, prob, k, root_of, CONTINUATION_BAR)  # a hop at CONTINUATION_BAR or more
        p, f = cands[k]
        mutual = mutual_best(pool, n, cands, k, through=False)
        if prob[k] < CONTINUATION_BAR and not (mutual and (keeps_to_source(pool, n, p, f) or
                                                           first_rewrite(pool, n, p, f))):
            continue
        short = pool.pair_words(n, p) < RULES_MAX_WORDS
        kin = (pool.cosine(pool.by_id[c], p) for c in children.get(nid, ()) if c in pool.by_id)
        if not any(c is not None and c >= floor for c in kin) or two_languages(n, p) or \
                (f.values_changed > 0 and not (mutual and first_rewrite(pool, n, p, f))) or \
                (f.parent_asks > 0 and pool.content_words(p) < SHORT_COPY_WORDS) or \
                max(f.coverage_short, f.coverage_long) < CONTINUATION_WORDING or \
                (f.phrase_coverage < CONTINUATION_PHRASES and not mutual) or \
                (short and prob[k] < threshold and not carries_something(f)):
            continue
        children.setdefault(p.id, []).append(nid)
        yield nid, p, f, float(prob[k])


def clear_copies(pool: Pool, learned: dict[str, Edge], stated: Set[str]) -> dict[str, str]:
    """The learned edges whose copy shares a date, time, amount, name or other value with its parent: such a copy
    may have copies of its own in the hand rules, as a metadata copy may, though it announces nothing itself (a
    fourth summary of a fourth hop was linked to the third; eleventh round). Two AI-polished posts in one style
    share no value: a learned link between them would else pass its parent's standing to every post in that
    style (the pooled sets: 3-4 wrong edges each). Named rule, used by chains.build_edges."""
    def shares(c: str, p: str) -> bool:
        n, q = pool.by_id[c], pool.by_id[p]
        mine, theirs = pool.keys(n), pool.keys(q)
        written = pool.names_said(n) & pool.names_said(q)  # a name outside headings ("**Summary: Wanted Take..**")
        return bool(mine[1] & theirs[1] or any(not k.startswith("name:") or set(k[5:].split()) & written
                                               for k in mine[0] & theirs[0]))

    return {c: e.parent for c, e in learned.items() if c not in stated and shares(c, e.parent)}
