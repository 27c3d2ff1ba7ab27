"""A rewrite found by its wording (named rule `matches_by_wording`). MiniLM's cosine ranks texts on one topic
together: of 50 GPT rewrites of 8th-grade essays all written to one prompt (Liang-Hewlett), 10 have their source
outside their ten closest earlier texts (ranks 10-67), so the learned decision never sees it. The share of rare
words they hold ranks the source first for 48 of the 50, and for 49 of the 50 DIPPER paraphrases. So a message
whose earlier message with the largest share of its wording is clearly ahead of every other, and is itself
that message's later text with the largest share (a mutual best match by wording), is its copy when it also
keeps to it (chain_decide.keeps_to_source: not only names the source lacks, no value or number changed, no
question, answer or address). Measured in docs/chains.md (eighth round).

The shares are Pool.coverage read both ways (a summary holds its source's words; an expansion is held by its
one-line source): the shared IDF weight over the smaller side's weight. Candidates come from one sparse product
over the words at most RARE_DF messages hold (every word in a pool of RARE_DF or fewer; scipy: common words would
make it dense); the exact share is then read once for each message's LEXICAL_TOP best. Written here: no library
ranks a pool's earlier and later messages both ways under a time window.
"""

from __future__ import annotations

from collections.abc import Iterator, Set
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

from . import chain_rules as rules
from .chain_decide import keeps_to_source
from .chain_text import SHORT_COPY_WORDS, two_languages

if TYPE_CHECKING:
    from .chain_rules import PairFeatures
    from .chains import Node, Pool

LEXICAL_SHARE = 0.35  # the share of the smaller side's IDF-weighted wording the pair holds
LEXICAL_LEAD = 0.8  # the runner-up holds at most this much of the best one's share
LEXICAL_COSINE = 0.55  # and the pair is this close in meaning
LEXICAL_CONFIDENCE = 0.88  # the rule's precision on the public sets (15 right of 17 added; docs/chains.md)
RARE_DF = 50  # words held by at most this many messages find the candidates
LEXICAL_TOP = 5  # exact shares read for each message's best few by rare words


@dataclass(frozen=True)
class WordingMatch:
    parent: str
    share: float
    runner_up: float


def _share(pool: Pool, a: Node, b: Node) -> float:
    """The shared IDF weight over the smaller side's weight: Pool.coverage read both ways."""
    return max(pool.coverage(a, b), pool.coverage(b, a))


def best_by_wording(pool: Pool, eligible: list[Node], window: timedelta
                    ) -> tuple[dict[str, WordingMatch], dict[str, WordingMatch]]:
    """Each eligible message's earlier message (a possible parent, within `window`) holding the largest share of
    wording, and each parent's later message holding the largest share, each with the runner-up's share (among
    the LEXICAL_TOP read exactly). `eligible` in time order; Pool.idf and Pool.df set over it."""
    n = len(eligible)
    if n < 2:
        return {}, {}
    rare = {w: k for k, w in enumerate(sorted(w for w, c in pool.df.items() if c <= RARE_DF or n <= RARE_DF))}
    rows, cols, vals = [], [], []
    for i, m in enumerate(eligible):
        for w in pool.substance(m):
            if (k := rare.get(w)) is not None:
                rows.append(i)
                cols.append(k)
                vals.append(pool.idf[w])
    if not rows:
        return {}, {}
    weighted = sparse.csr_matrix((vals, (rows, cols)), shape=(n, len(rare)), dtype=np.float32)
    shared = sparse.triu(weighted @ (weighted > 0).T.astype(np.float32), k=1).tocoo()  # earlier row, later column
    ts = np.array([m.ts.timestamp() for m in eligible])
    parent_ok = np.array([rules.can_be_parent(pool.content_words(m)) for m in eligible])
    weight = np.array([pool.weight(m) for m in eligible])
    early, late, s = shared.row, shared.col, shared.data
    keep = parent_ok[early] & (ts[late] - ts[early] <= window.total_seconds()) & (ts[late] > ts[early])
    early, late = early[keep], late[keep]
    approx = s[keep] / np.maximum(np.minimum(weight[early], weight[late]), 1e-9)

    def top(side: np.ndarray) -> dict[int, list[int]]:  # each message's best few pairs by rare words
        out: dict[int, list[int]] = {}
        for j in np.lexsort((-approx, side)):
            if len(lst := out.setdefault(int(side[j]), [])) < LEXICAL_TOP:
                lst.append(int(j))
        return out

    exact: dict[int, float] = {}

    def read(j: int) -> float:
        if j not in exact:
            exact[j] = _share(pool, eligible[late[j]], eligible[early[j]])
        return exact[j]

    def ranked(side: np.ndarray, other: np.ndarray) -> dict[str, WordingMatch]:  # best by exact share, runner-up
        out = {}
        for i, js in top(side).items():
            js = sorted(js, key=read, reverse=True)
            out[eligible[i].id] = WordingMatch(eligible[other[js[0]]].id, read(js[0]),
                                               read(js[1]) if len(js) > 1 else 0.0)
        return out

    return ranked(late, early), ranked(early, late)


def matches_by_wording(pool: Pool, n: Node, p: Node, m: WordingMatch, back: WordingMatch | None,
                       f: PairFeatures) -> bool:
    """Named rule: `p` (`m`: the copy's best earlier text by wording) holds at least LEXICAL_SHARE of the pair's
    wording and the runner-up at most LEXICAL_LEAD of that; the copy is p's later text with the largest share
    (`back`: p's best later text; no lead asked there: a long source holds much of every short text on its
    topic, and two close later texts are often both its copies: Liang-Hewlett lost 3 right edges with one); the
    two are LEXICAL_COSINE close, in one language, both at least SHORT_COPY_WORDS long, by two people (one
    sender's mails share a disclaimer, a signature, a recurring template); the copy could have copied p
    (Pool.admissible: outside p's thread, readable) and keeps to it (`keeps_to_source`)."""
    return m.share >= LEXICAL_SHARE and m.runner_up <= LEXICAL_LEAD * m.share and back is not None and \
        back.parent == n.id and f.cosine >= LEXICAL_COSINE and \
        not two_languages(n, p) and pool.pair_words(n, p) >= SHORT_COPY_WORDS and rules.other_author(n, p) and \
        pool.admissible(n, p) and keeps_to_source(pool, n, p, f)


def wording_edges(pool: Pool, eligible: list[Node], window: timedelta, decided: Set[str]
                  ) -> Iterator[tuple[Node, Node, PairFeatures]]:
    """Copies left undecided (`decided`: linked or learned) that `matches_by_wording` links to their parent."""
    best, later = best_by_wording(pool, eligible, window)
    for n in eligible:
        m = best.get(n.id)
        if m is None or n.id in decided:
            continue
        p = pool.by_id[m.parent]
        cos = pool.cosine(n, p)
        if cos is None:
            continue
        f = pool.features(n, p, cos, 0.0)
        if matches_by_wording(pool, n, p, m, later.get(p.id), f):
            yield n, p, f
