"""Which hop of a chain a copy hangs under (latest_hop, traced): the model scores every hop of a chain alike, a copy
is made from the one in front of its writer and takes its values from one that states them. Named rules, tested in
tests/analysis/test_chain_rules.py and test_chain_own_rewrite.py; measured in docs/chains.md."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .chain_rules import PairFeatures
    from .chains import Node, Pool

LATEST_HOP_MARGIN = 0.1  # candidates of one chain this close to the best probability are equally likely parents


def latest_hop(cands: list[tuple[Node, PairFeatures]], prob: np.ndarray, k: int, root_of: dict[str, str],
               floor: float, pool: Pool | None = None, copy: Node | None = None) -> int:
    """Named rule: of the candidates in the best candidate's chain whose probability is within LATEST_HOP_MARGIN
    of the best (and above `floor`), the latest. The model scores a grandparent as high as a parent (each hop
    rewrites the same content: 0.99 and 0.98), and a rewrite or summary is made from the copy in front of its
    writer, the latest. Measured on the rewrite chains (docs/chains.md): picks the right hop 69 times of 78
    against 48 by probability alone. With the `pool` and the `copy`: the latest of those that state most of the
    dates, times, amounts and percentages the copy states (`traced`): a copy cannot take "$0.13" from a sibling
    that dropped it (eleventh round)."""
    parents = [c for c, _ in cands]
    root = root_of.get(parents[k].id, parents[k].id)
    near = [i for i in range(len(cands)) if prob[i] >= max(floor, prob[k] - LATEST_HOP_MARGIN)
            and root_of.get(parents[i].id, parents[i].id) == root]
    if pool is not None and copy is not None:
        near = traced(near, parents, pool, copy)
    return max(near, key=lambda i: parents[i].ts)


def traced(near: list[int], parents: list[Node], pool: Pool, copy: Node) -> list[int]:
    """Named rule: of the candidate positions `near`, those that state the most of the values the copy states
    (Pool.stated; all of them when it states none). A value reaches a copy from its source: two copies of one
    announcement are each other's closest text, but the one that dropped its date is not where a third copy that
    keeps the date came from (scripts/build_chain_eval.py's pooled sets: one to three more copies linked to their
    source in each of the four seeds; docs/chains.md, eleventh round). A value a candidate writes in a form the fact
    reader does not read ("at 3") counts as lacking there: reading a number by its digits alone found list
    numbers and days ("10." for a summary's edited "10%"), which cost more edges than it gave. A date the copy
    writes without a year is the candidate's of that day and month (`Pool.yearless`: "January 26" for "January 26,
    2016"; sixteenth round)."""
    mine = pool.stated(copy)
    if not mine or len(near) < 2:
        return near
    def lacks(p: Node) -> int:  # a date the copy writes without its year is one of theirs that day; one in digits
        # is theirs in the other order where the other side writes it in words (fact_dates.read_alike)
        theirs = pool.stated(p) | {a for a in pool.other_orders(p).values() if a in pool.worded_dates(copy)}
        days = {v[-6:] for v in theirs if v.startswith("date:")}
        return sum(1 for v in mine - theirs if not (v in pool.yearless(copy) and v[-6:] in days) and
                   pool.other_orders(copy).get(v) not in pool.worded_dates(p))

    missing = {i: lacks(parents[i]) for i in near}
    fewest = min(missing.values())
    return [i for i in near if missing[i] == fewest]
