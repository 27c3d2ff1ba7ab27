"""The hand rules that decided copies before the learned model (analysis/chain_model.py), kept as a second path:
where the model finds no parent above its threshold, these rules may still link a copy that says it relays
something, repeats its parent's values or names, or holds most of its rare wording (docs/chains.md). Measured
together in docs/chains.md; the learned path alone misses workplace shapes no public data set holds (short
relays, AI expansions of a one-line decision).
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass

import numpy as np

from .chain_rules import carries_across_languages, names_other_documents, reachable, values_changed
from .chain_rules import MIN_PARENT_WORDS, MIN_WORDS, NOTE_WORDS
from .chain_text import (
    CROSS_LANGUAGE_ANCHORS, SHORT_COPY_WORDS, Edge, Node, memo, mention_pattern, relation_by_length,
    two_languages,
)
from .chain_decide import repeated_chatter, summarises_hop
from .chain_reading import Reading, rarity
from .chain_window import closest_first, window_hits
from .chains import MAX_CANDIDATES, Pool, cross_language_floor
from .crosslingual import USE_PROFILE, CrossLingualEmbedder
from .embedding_profile import MINILM, EmbeddingProfile

# the cosine floors (a relayed copy's 0.55, a short copy's 0.7, across languages 0.25) are the embedding model's:
# EmbeddingProfile.relay_cosine, short_copy_cosine, cross_language_cosine (analysis/embedding_profile.py)
MIN_SHARED = 2  # content words shared with the parent
COVERAGE_WEIGHT = 0.5  # how much of the copy's rare wording the parent holds, next to embedding closeness
MENTION_BONUS = 0.2  # the copy names the parent's channel
BARE_COPY_COVERAGE = 0.45  # ... and for a copy that repeats no value and no name of its parent
NAME_COPY_COVERAGE = 0.2  # ... and for one that repeats a name but no value, not close (see judge)
RELAY_NAME_COVERAGE = 0.1  # ... and for such a copy that says it relays something
CARRY_COVERAGE = 0.5  # share of a copy's weighted wording from its parent for it to have copies of its own
READER_BONUS = 0.3  # the copy's author reads the parent's conversation (a member, a recipient, or posts there)


@dataclass(frozen=True)
class Candidate:
    """What is known about one candidate parent of a message."""
    cosine: float
    coverage: float  # share of the copy's weighted wording the candidate holds
    facts_shared: int
    days: float  # copy's time minus candidate's
    mentioned: bool  # the copy names the candidate's channel
    reads: bool  # the copy's author is known to read the candidate's conversation


def _score(c: Candidate) -> float:
    # closeness first, a mention of the parent's channel, shared facts and wording, recency as a tie-break
    return (c.cosine + COVERAGE_WEIGHT * c.coverage + 0.1 * c.facts_shared - 0.001 * int(c.days)
            + (MENTION_BONUS if c.mentioned else 0.0) + (READER_BONUS if c.reads else 0.0))


def _mentions(text: str, conversation_name: str) -> bool:
    return mention_pattern(conversation_name).search(text) is not None


class _RuleContext(Reading):
    """What the hand rules know about the messages of one run, each computed once per message (the reading they
    share with the learned path: chain_reading.Reading)."""

    def __init__(self, nodes: list[Node], edges: list[Edge], profile: EmbeddingProfile,
                 cross: CrossLingualEmbedder | None = None, originals: Mapping[str, Node] | None = None,
                 read: Reading | None = None) -> None:
        super().__init__(nodes, read)
        self.profile = profile
        self.cross = cross  # the multilingual embedder for pairs in different languages, when on
        self.cross_floor = cross_language_floor(profile, cross)
        originals = originals or {}  # forwarded originals no stored message matches (chain_forwards.forward_edges)
        self.add_texts(originals.values())
        # A share or forward carries its original: for finding *its* copies, it reads like the original.
        by_id = self.by_id | dict(originals)
        self.carried = {e.child: by_id[e.parent] for e in edges}
        if read is not None:
            self.share_content(read)
        self.read_pool = read if isinstance(read, Pool) else None  # the learned path's reading: summarises_hop
        self.eligible = [n for n in self.nodes if self.vector(n) is not None and self.content_words(n) >= MIN_WORDS]
        # Only a message that states something critical (a date, an owner, a status...) has copies worth tracing.
        self.announces = memo(lambda p: self.words[p.id] > NOTE_WORDS and not self.asks(p)
                               and any(f.critical for f in self.facts(p)))
        # how rare each word is here: a copy's rare words come from its parent; a template's common words do not
        self.idf, _ = rarity(self.eligible, self.plain_substance)
        self.word_weight = memo(lambda n: self.weigh(self.plain_substance(n)))

    def coverage(self, n: Node, p: Node) -> float:
        """Share of the copy's word weight (rarer words weigh more) that its candidate parent contains."""
        total = self.word_weight(n)
        shared = self.plain_substance(n) & self.plain_substance(p)
        return self.weigh(shared) / total if total > 0 else 0.0

    def contradicts(self, n: Node, p: Node) -> bool:
        """Another announcement, not a copy: most of the values it states (dates, owners, amounts, names,
        statuses) are not the parent's. A summary keeps a subset; a distortion changes one value of several."""
        (mine, mine_by_kind), (_, _, theirs, theirs_by_kind) = self.read_against(n, p), self.keys(p)
        if len(mine) >= 2 and len(mine - theirs) >= max(2, (len(mine) + 1) // 2):
            return True
        # or it states two values the parent states otherwise (another date and another status, two other
        # dates): a distortion changes one
        return values_changed(mine_by_kind, theirs_by_kind) >= 2

    def out_of_reach(self, n: Node, p: Node, sim: float, copied_from: dict[str, str]) -> bool:
        """Rules out a pair before its wording is read: a parent that announces nothing and carries nothing (not a
        copy in `copied_from`), or a pair `apart`."""
        return not (self.announces(p) or p.id in copied_from) or self.apart(n, p, sim)

    def apart(self, n: Node, p: Node, sim: float, chatter: bool = True) -> bool:
        """Too far apart in meaning (unless across languages), not reachable (chain_rules.reachable: one author in
        one conversation, one thread, a parent the copy's author could not read; the learned path's rules, except
        that one's own rewrite in the same conversation, which the learned path admits when it adds nothing
        (Pool.adds) or says it is one (Reading.tells_copy), stays out here), a reply (chain_rules.replies), naming
        other documents, or (with `chatter`) two short messages in one channel (`chatter`)."""
        cross = two_languages(n, p) and sim >= self.cross_floor
        return (sim < self.profile.relay_cosine and not cross) or \
            not reachable(n, p, sim, lambda: self.changes(n, p), reworded=lambda: self.rewords(n, p)) or \
            self.replies(n, p) or (chatter and self.chatter(n, p, sim)) or \
            names_other_documents(self.codes_said(n), self.codes_carried(p))

    def chatter(self, n: Node, p: Node, sim: float) -> bool:
        """Repeated chatter (chain_decide.repeated_chatter): rule_edges lifts it for a summary of a found hop
        (`summarises_hop`)."""
        return repeated_chatter(n, p, (self.words[n.id], self.content_words(p)), (self.plain_words(n),
                                self.plain_words(p)), sim)

    def summarises_hop(self, n: Node, p: Node) -> bool:
        """As Pool.admissible's `chained`: a copy that `chain_decide.summarises_hop` a found copy in its channel is
        that hop's summary, not chatter under it (twenty-sixth round). Without the learned path's reading (`read`),
        never."""
        return self.read_pool is not None and summarises_hop(self.read_pool, n, p)

    def _carries(self, n: Node, p: Node) -> bool:
        return carries_across_languages(len(self.keys(n)[0] & self.keys(p)[0]), self.relays(n))

    def cross_texts(self, n: Node, p: Node) -> tuple[str, ...]:
        """The texts the multilingual embedder would read for this pair (none if it would not be asked)."""
        # a prefilter of what to encode: it lets through at least every pair out_of_reach accepts
        if self.cross is None or not two_languages(n, p) or not reachable(n, p, 0.0, lambda: 0) or \
                not self._carries(n, p):
            return ()
        return self.text[n.id], self.content_text(p)

    def cross_similarity(self, n: Node, p: Node) -> float | None:
        """The multilingual embedder's cosine of a pair in different languages (None: same language, or the
        embedder is off)."""
        if self.cross is None or not two_languages(n, p):
            return None
        if not self._carries(n, p):
            return -1.0  # neither a shared value nor a relay: not a copy, and not worth the slower embedder
        return self.cross.cosine(self.answer(n), self.content_answer(p))

    def judge(self, n: Node, p: Node, sim: float) -> tuple[float, float] | None:
        """(score, coverage) when `p` may be the parent of `n` by the rules, else None."""
        cross = two_languages(n, p)
        # across languages the English-centred embedding is weak: the multilingual embedder's closeness, when
        # installed, stands in for it (its own threshold) and for shared wording; shared dates, times, amounts
        # and names (language-independent values) always count
        xsim = self.cross_similarity(n, p)
        if xsim is not None:
            if xsim < USE_PROFILE.copy_cosine:
                return None
            sim = xsim
        below = sim < self.profile.relay_cosine
        shared_anchors = self.keys(n)[0] & self.keys(p)[0] if below or cross else set()
        facts_shared = len(shared_anchors)
        if below and facts_shared < CROSS_LANGUAGE_ANCHORS and xsim is None:
            return None
        # with the multilingual embedder off, below the relay cosine shared anchors are the evidence across
        # languages, and names alone (a capitalised-word proxy: the people and teams everyone writes about) are
        # not enough: a date, a time, an amount or an owner must be shared too
        if cross and xsim is None and below and facts_shared >= CROSS_LANGUAGE_ANCHORS and \
                all(k.startswith("name:") for k in shared_anchors):
            return None
        if len(self.plain_substance(n) & self.plain_substance(p)) < MIN_SHARED and facts_shared < CROSS_LANGUAGE_ANCHORS \
                and xsim is None:
            return None
        # a short message on the same topic ("offline sync beta is on TestFlight") is chatter, not a copy,
        # unless it repeats one of the parent's values ("heard the all-hands on 6 Feb is postponed") or is
        # close to it and names the same thing ("Key takeaway: Lantern smart search has its scope refined")
        same_value = bool(self.keys(n)[1] & self.keys(p)[1])
        same_name = bool(self.names_said(n) & self.names_carried(p))
        if self.words[n.id] < SHORT_COPY_WORDS and not same_value and \
                (sim < self.profile.short_copy_cosine or not same_name):
            return None
        if self.contradicts(n, p):
            return None
        # sharing neither a value nor a name, a copy must say it relays something or hold mostly its parent's
        # rarer wording: two posts in the same polished style ("thank you all for your flexibility") are not
        cov = self.coverage(n, p)
        if not (same_value or same_name) and cov < BARE_COPY_COVERAGE and not self.relays(n):
            return None
        # a name alone is weak where everyone writes it (the company's: "Enron" in an Enron mail about a new CEO
        # and one about a Japanese power plant, cosine 0.55, 4 % of the copy's rare wording shared): in one
        # language, a copy not close in meaning (under short_copy_cosine) that repeats no value keeps some of its
        # parent's rare wording too, or its parent's is in it (an AI expansion of a one-line decision adds words);
        # a relay word ("FYI") lowers that floor, never lifts it: Enron mail says "FYI" constantly
        if same_name and not same_value and sim < self.profile.short_copy_cosine and not cross and \
                max(cov, self.coverage(p, n)) < (RELAY_NAME_COVERAGE if self.relays(n) else NAME_COPY_COVERAGE):
            return None
        mentioned = bool(p.conversation_name and _mentions(self.text[n.id], p.conversation_name))
        return _score(Candidate(float(sim), cov, facts_shared, (n.ts - p.ts).total_seconds() / 86400, mentioned,
                                self.reads(n, p))), cov


def rule_edges(nodes: list[Node], edges: list[Edge], decided: Set[str] = frozenset(),
               profile: EmbeddingProfile = MINILM, cross: CrossLingualEmbedder | None = None,
               originals: Mapping[str, Node] | None = None, copies: Mapping[str, str] | None = None,
               read: Reading | None = None) -> list[Edge]:
    """Similarity edges by the hand rules, given the metadata edges chains.py found (their copies carry their
    original); copies in `decided` (the learned model's) are not looked at again. `cross`: the multilingual
    embedder for pairs in different languages (analysis/crosslingual.py). `originals`: the nodes built for
    forwarded originals that are parents in `edges`. `copies`: child -> parent of the learned decision's edges: a
    message found to be a copy may have copies of its own, as a metadata copy may, though it announces nothing
    itself (a fourth summary of a fourth hop linked to the third: eleventh round). `read`: the learned path's
    reading (chain_reading.Reading), so a message's facts and own text are read once."""
    r = _RuleContext(nodes, edges, profile, cross, originals, read)
    edges = list(edges)
    linked = {e.child for e in edges}
    # Parents (long enough to have copies) in time order, their vectors stacked once: each message's window
    # is a contiguous slice of them (chain_window.window_hits).
    parent_pos = [k for k, p in enumerate(r.eligible) if r.content_words(p) >= MIN_PARENT_WORDS]
    parents = [r.eligible[k] for k in parent_pos]
    pmat = (np.vstack([v for p in parents if (v := r.vector(p)) is not None]).astype(np.float32) if parents
            else np.zeros((0, 1), np.float32))
    copied_from = {**(copies or {}), **{e.child: e.parent for e in edges}}  # copies that may have copies of their own
    prefilter = r.cross_floor
    if cross is not None:  # every text the multilingual embedder may be asked about, encoded together first
        cross.prepare([t for n, lo, _s, hits in window_hits(r.eligible, parent_pos, parents, pmat,
                                                             profile.relay_cosine, lambda n: n.id in linked
                                                             or n.id in decided or r.asks(n), prefilter)
                       for k in hits for t in r.cross_texts(n, parents[lo + k])])
    # a question or a reaction ("wait, X was removed??") refers to a message; it does not copy it
    for n, lo, sims, hits in window_hits(r.eligible, parent_pos, parents, pmat, profile.relay_cosine,
                                         lambda n: n.id in linked or n.id in decided or r.asks(n), prefilter):
        best, best_score, best_sim, best_cov = None, 0.0, 0.0, 0.0
        silent: list[tuple[float, float]] = []  # (cosine, coverage) of those out of reach only as they announce nothing
        for k in _closest(n, parents, lo, sims, hits, cross is not None):
            p, sim = parents[lo + k], float(sims[k])
            if r.apart(n, p, sim, chatter=False) or (r.chatter(n, p, sim) and not (
                    p.id in copied_from and r.summarises_hop(n, p))):  # a summary of a found hop in its channel
                continue
            if not (r.announces(p) or p.id in copied_from):  # out_of_reach, as it announces nothing
                silent.append((sim, r.coverage(n, p)))
                continue
            judged = r.judge(n, p, sim)
            if judged is not None and judged[0] > best_score:
                best, (best_score, best_cov), best_sim = p, judged, sim
        if best is not None and closer_silent_source(silent, best_sim, best_cov):
            best = None
        if best is not None:
            # only a clear copy (close, and most of its rare wording from the parent) carries its announcement
            # on: a loose link would spread to every post in the same style
            if best_sim >= profile.short_copy_cosine and best_cov >= CARRY_COVERAGE:
                copied_from[n.id] = best.id
            rel, ratio = relation_by_length(r.words[n.id], r.words[best.id])
            edges.append(Edge(n.id, best.id, rel, round(min(1.0, best_score), 3), round(best_sim, 3), ratio,
                              "similarity"))
    return edges


def closer_silent_source(silent: list[tuple[float, float]], sim: float, coverage: float) -> bool:
    """Named rule: a copy closer in meaning and in wording to an earlier message that announces nothing (a short
    chat post: "went to this talk last week...") than to the best parent the rules allow comes from that message,
    whose copies the rules do not trace: no edge, rather than one to a summary in another chain that shares the
    topic and a relay word ("**Summary:**", 12 % of the wording; batch 13's `p3-1`; two wrong edges of batch 12).
    `silent`: (cosine, coverage) of each candidate out of reach only because it announces nothing."""
    return any(s > sim and c > coverage for s, c in silent)


def _closest(n: Node, parents: list[Node], lo: int, sims: np.ndarray, hits: np.ndarray, by_language: bool,
             ) -> np.ndarray:
    """The positions among `hits` of the copy's MAX_CANDIDATES closest candidates, in time order; reading every hit
    was quadratic in a channel of near-identical posts (5,000 bot replies within hours: 12 million pairs, 2
    minutes). Without the multilingual embedder, ranked by the main cosine, as the learned path ranks; with it
    (`by_language`), the closest of each kind, same language and other language: `judge` reads a pair in two
    languages by the multilingual embedder's cosine, on which a translation is close and the main cosine low."""
    order = closest_first(sims, hits)
    if not by_language:
        return np.sort(order[:MAX_CANDIDATES])
    other = np.array([two_languages(n, parents[lo + k]) for k in order], dtype=bool)
    return np.sort(np.concatenate([order[~other][:MAX_CANDIDATES], order[other][:MAX_CANDIDATES]]))
