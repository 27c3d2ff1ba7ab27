"""Which hop of its chain a copy came from once every edge is known (settle_hops): the latest hop it took wording
from (`took_from`), or whose names, codes and values it keeps (`kept_since`); and where a copy was read, when a copy
of its parent sits in its channel (`read_at_hand`). Named rules, tested in tests/analysis/test_chain_hops.py and
tests/analysis/test_chain_at_hand.py; measured in docs/chains.md (fifteenth, twentieth and twenty-seventh rounds).
"""

from __future__ import annotations

import re
from collections.abc import Set
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from . import chain_rules as rules
from . import languages
from .chain_decide import CONTINUATION_BAR, restates_hop
from .chain_hops import traced
from .chain_cues import cue_words
from .chain_text import Edge, number_forms, relation_by_length, stems
from .chain_window import WINDOW

if TYPE_CHECKING:
    from .chains import Node, Pool


class Scored(NamedTuple):
    """A copy's candidates as the model scored them: what settle_hops reads once every edge is known."""
    nodes: list[Node]
    cosines: np.ndarray
    prob: np.ndarray


SETTLE_MARGIN = 0.2  # settle_hops' later hops this close to the parent's probability may be where a copy came from
# by its wording (`took_from`); `kept_since` needs only CONTINUATION_BAR
RULE_HOP_COSINE = 0.02  # a copy the hand rules linked by its closest text: later hops of its chain this close to its
# parent in cosine, at any probability, may be where it came from by its wording (`took_from`; thirtieth round)


def settle_hops(pool: Pool, final: list[Edge], scored: dict[str, Scored], fixed: Set[str],
                floor: float = CONTINUATION_BAR) -> dict[str, tuple[Node, float, float]]:
    """Named rule: `latest_hop` once every edge is known. A copy scored before its chain's other hops were linked
    (a hop the hand rules or the continuation placed later) took the chain's earliest text. Once the chain is
    known, the candidates in its parent's chain that are later than that parent and scored at `floor` or more are
    walked in time order from the parent. The walk steps to a candidate when the copy took wording from it rather
    than from the hop it stands on (`took_from`), if the candidate is scored within SETTLE_MARGIN of the parent and
    states the copy's values as well as any (`traced`): so a copy of the second hop stays there when the third hop,
    a later copy of the second, is as close. It also steps, at any probability from `floor`, when the copy keeps
    the candidate's names, codes and values and none it dropped (`kept_since`). Candidates come before the copy in
    time, so the walk never reaches the copy's own descendants (the check below is a guard). `scored`: each copy's
    candidates, cosines and probabilities; `fixed`: copies whose parent the metadata or a forward gave. Returns
    copy id -> the new parent, the pair's cosine and its probability. SETTLE_MARGIN is twice latest_hop's: the
    walk's `took_from` keeps siblings out, which latest_hop cannot ask (fifteenth round: at 0.2, two more hops right
    on the assistant chains and nothing lost on any eval file; at 0.3, Liang-TOEFL loses two). A copy the hand rules
    linked (by its closest text, not by the model) also walks the chain's later hops within RULE_HOP_COSINE of its
    parent's cosine, at any probability, by `took_from` alone and without its relay or summary cue's words (thirtieth
    round: eleven hops right on the twelve layouts and the batches, none lost; "Passing this on:" written by two
    siblings moved one under the other before the cue's words were left out)."""
    from .chains import chain_positions

    positions = chain_positions(final)  # every linked message's root and path from it
    members: dict[str, list[Node]] = {}  # each chain's linked hops
    for c, pos in positions.items():
        if c in pool.by_id:
            members.setdefault(pos.root, []).append(pool.by_id[c])
    out: dict[str, tuple[Node, float, float]] = {}
    for e in final:
        if e.child in fixed or e.child not in scored:
            continue
        cands, cosines, prob = scored[e.child]
        at = next((i for i, c in enumerate(cands) if c.id == e.parent), None)
        if at is None:
            continue
        chain, copy = positions[e.child].root, pool.by_id[e.child]
        near = set() if e.method in SET_APART_METHODS else {  # a hand rule's copy: hops as close as its parent
            i for i in range(len(cands)) if cosines[i] >= cosines[at] - RULE_HOP_COSINE}
        hops = [i for i, c in enumerate(cands) if i != at and c.ts > cands[at].ts  # linked hops of the chain
                and c.id in positions and positions[c.id].root == chain and (prob[i] >= floor or i in near)]
        kept = set(traced([at] + [i for i in hops if prob[i] >= prob[at] - SETTLE_MARGIN or i in near], cands, pool,
                          copy))
        here = at
        for i in sorted(hops, key=lambda i: cands[i].ts):
            if (i in kept and took_from(pool, copy, cands[i], cands[here], cues=prob[i] >= floor)) or \
                    (prob[i] >= floor and kept_since(pool, copy, cands[i], cands[here])):
                here = i
        moved = (cands[here], float(cosines[here]), float(prob[here]))
        moved = _set_apart_hop(pool, copy, moved, [c for c in members.get(chain, ()) if c.id != e.child], cands,
                               model=e.method in SET_APART_METHODS) or moved  # whichever rule linked the copy
        if moved[0].id != e.parent and e.child not in positions[moved[0].id].path:  # never under its own copy
            out[e.child] = moved
    return out


SET_APART_METHODS = ("learned", "continued")  # the model's edges: their confidence is the new pair's probability


def _set_apart_hop(pool: Pool, copy: Node, here: tuple[Node, float, float], chain: list[Node],
                   cands: list[Node], model: bool = True) -> tuple[Node, float, float] | None:
    """Named rule: the latest hop of the copy's chain, later than where the walk left it, that the copy had no
    candidate of only because the pair is short chatter in one conversation or the same person's
    (`set_apart_as_chatter_or_own`), when the copy is at least as close to it as to that parent, states its values
    as well (`traced`) and took wording from it or kept its names and values since (`took_from`, `kept_since`). A
    chain posted in one channel, or by few people, has its summary of a short summary set apart from that summary,
    and the model then found the grandparent (the assistant batches posted again with each chain in one channel,
    hops 0.5-72 h apart: 42 of 105 errors were such pairs). The chain is the evidence the rules lack; the pair's
    probability stays the parent's. Only hops in the copy's conversation or by its author can be set apart so.
    Read of every edge found by text, whichever rule found it (thirtieth round: the similarity rule's and
    next_hop's too, eighteen hops right on the twelve layouts). A later hop that was a candidate of the copy (which
    the walk left: scored under its floor) is a bar: one set apart after it must be closer still, or the copy stays
    (a person's repost of their own TL;DR, a candidate, is closer to it than to another's summary of it set apart
    as chatter; a helper's review, twenty-sixth round). `model`: the copy was linked by the model ("learned",
    "continued"); a copy the hand rules linked moves only by the wording it took (`took_from`), not by the names and
    values it kept alone (`kept_since`): a colleague's "Reminder: ..." shares the opener with another's reminder in
    its channel and keeps its date, and the source's own words (a second review, thirtieth round: six such moves in
    48 scenarios, all wrong)."""
    at, cosine, prob = here
    have = {c.id for c in cands}
    later = sorted((q for q in chain if at.ts < q.ts < copy.ts and (q.id in have or (
        q.conversation == copy.conversation or q.author == copy.author))), key=lambda q: q.ts)
    best = None
    for q in later:
        c = pool.cosine(copy, q)
        if c is None or c < cosine or not (q.id in have or set_apart_as_chatter_or_own(pool, copy, q)):
            continue
        if traced([0, 1], [at, q], pool, copy) == [0]:
            continue
        if took_from(pool, copy, q, at) or (model and kept_since(pool, copy, q, at)):  # a candidate left is a bar
            best, at, cosine = (None if q.id in have else (q, c, prob)), q, c
    return best


def set_apart_as_chatter_or_own(pool: Pool, n: Node, p: Node) -> bool:
    """Named rule: p, long enough to be a parent, is no candidate of n (Pool.admissible) only because the pair is
    short chatter in one conversation or n is p's author's (chain_rules.repeated_chatter, other_author /
    own_rewrite): every other rule lets it through (n could read p, outside its thread, answers nothing there, names
    no other document or other things). `_set_apart_hop` reads it of a later hop of the chain n was linked to."""
    return rules.can_be_parent(pool.content_words(p)) and not pool.admissible(n, p) and \
        pool.admissible(n, p, apart=False)


def kept_since(pool: Pool, copy: Node, later: Node, earlier: Node) -> bool:
    """Named rule: the copy states names, codes or values, some of them as `later` does and none that `later`
    dropped from `earlier` (a name or code `later` writes anywhere, in any case, or a time or day it writes in
    digits the fact reader does not read, was not dropped: `_in_digits`), and it keeps some of `later`'s own
    wording: none of its names, codes or values says it saw `earlier`, so it was made from the chain's later
    version (a rewrite of a rewrite can read more like the hop before: a formal e-mail made from a casual recap of
    a formal e-mail). Unlike `took_from`, it needs no more of `later`'s wording than of
    `earlier`'s, and it steps past SETTLE_MARGIN: a copy of the second hop that keeps the source's names stays at
    the second hop, and a sibling that kept a date the other copy dropped stays a sibling; a sibling that keeps
    every value, shares no name the other copy dropped and one word it brought in moves under it (a helper's
    review: asking for a quarter of the earlier hop's wording as well keeps it out, and loses two right hops of the
    batches and one of pooled seed 5). A copy that states nothing of the kind is left to `took_from` (twentieth
    round, docs/chains.md: the fourteen assistant batches 0.946 -> 0.960, fifteen hops right, then three more with
    `_in_digits`; the star probe's answers unchanged)."""
    mine, old = _anchors(pool, copy), _anchors(pool, earlier)
    written = pool.prose_words(later) | pool.codes_said(later)  # "Monica will send" opens a sentence: no name there
    new = _anchors(pool, later) | (mine & written)
    dropped = mine & (old - new)
    if not mine & new or dropped - _in_digits(pool, later, dropped):
        return False
    return pool.weigh(pool.substance(copy) & (pool.substance(later) - pool.substance(earlier))) > 0


def _in_digits(pool: Pool, n: Node, values: Set[str]) -> set[str]:
    """Of `values` (`stated` keys), those `n` writes in digits the fact reader does not read as values: a time's
    hour bare after a preposition or in a range of hours ("we meet at 3" for 3pm, "Nov 7, 8-12"), a date's day as
    an ordinal ("the 22nd") or its month and day without a year where no cue makes it a date ("the 11/22 call",
    "11/27-30"; facts._Rules.short_date): not dropped there. Never a list number, a count, a code's digits or
    another value's ("3:30", "3.5%", "2025-03-14", "1-2 weeks")."""
    if not values:
        return set()
    text = pool.content_text(n)
    hours = set(_BARE_HOUR.findall(text)) | {h for pair in _HOUR_RANGE.findall(text) for h in pair}
    days = {(0, int(d)) for d in _ORDINAL_DAY.findall(text)}
    for a, b, c in _MONTH_DAY.findall(text):  # month first or day first; a range's end day is of the same month
        days |= {(int(a), int(b)), (int(b), int(a))} | ({(int(a), int(c))} if c else set())
    return {v for v in values if v.startswith("time:") and {str(int(v[5:7])), str(int(v[5:7]) % 12 or 12)} & hours
            or _DAY.fullmatch(v) and {(int(v[10:12]), int(v[13:15])), (0, int(v[13:15]))} & days}


_HOUR = r"(1[0-2]|[1-9])"
_BARE_HOUR = re.compile(rf"\b(?:at|by|from|until|till|around|before|after)\s+{_HOUR}\b(?![:.,]\d|\s*%)", re.I)
_HOUR_RANGE = re.compile(rf"(?<![\d/.:-]){_HOUR}\s*[–-]\s*{_HOUR}\b(?![:.,/]?\d|\s*(?:%|(?:days?|weeks?|months?|"
                         r"years?|hours?|hrs?|minutes?|mins?|people|persons?|times?)\b))", re.I)
_DAY_NUMBER = r"([12]\d|3[01]|0?[1-9])"
_ORDINAL_DAY = re.compile(r"\b([12]\d|3[01]|[1-9])(?:st|nd|rd|th)\b", re.I)
_MONTH_DAY = re.compile(rf"(?<![\d/.-])(1[0-2]|0?[1-9])/{_DAY_NUMBER}(?:\s*[–-]\s*(?:\1/)?{_DAY_NUMBER})?(?![\d/])")
_DAY = re.compile(r"date:\d{4}-\d{2}-\d{2}")


def _anchors(pool: Pool, n: Node) -> Set[str]:
    """The names and codes a message writes and the values it states (with what it carries): what a rewrite
    cannot invent. Names are `plain_names`' capitalised words, a weekday or a tool's name among them."""
    return pool.names_said(n) | pool.codes_said(n) | pool.stated(n)


def took_from(pool: Pool, copy: Node, later: Node, earlier: Node, cues: bool = True) -> bool:
    """Named rule: the copy shares more of `later`'s own wording (what `later` writes and `earlier` does not) than of
    `earlier`'s (what `earlier` writes and `later` does not), by IDF weight of the content stems: a rewrite keeps
    words its source brought in, and a sibling (another copy of `earlier`) cannot have taken words `later` alone
    has. Shared innovations, as a stemma reads manuscripts. `cues` False: the words of the copy's relay or summary
    cue (chain_cues.cue_words) do not count, for a hop the model scored under the walk's floor."""
    mine, new, old = pool.substance(copy), pool.substance(later), pool.substance(earlier)
    if not cues:  # "Passing this on:" is no wording taken from a hop that opens so too (thirtieth round)
        mine = mine - stems(cue_words(pool.text[copy.id]), copy.lang)
    return pool.weigh(mine & (new - old)) > pool.weigh(mine & (old - new))


def settle(pool: Pool, given: list[Edge], learned: dict[str, Edge], scored: dict[str, Scored], fixed: Set[str]) -> None:
    """`settle_hops`, then `read_at_hand`, applied in place to `learned` (copy id -> its edge found by text; `given`:
    the edges metadata and forwards gave, `fixed` their copies)."""
    moved = settle_hops(pool, given + list(learned.values()), scored, fixed)
    for c, (p, cosine, pair_prob) in moved.items():  # a learned probability is the new pair's; a rule's stays
        was = learned[c]
        conf = round(pair_prob, 3) if was.method in SET_APART_METHODS else was.confidence
        learned[c] = moved_edge(pool, was, p, cosine, conf)
    for c, at in read_at_hand(pool, given + list(learned.values()), set(learned)).items():  # None: no edge
        was = learned.pop(c)
        if at is not None:  # the pair's placement is the rule's; whether c is a copy at all, the edge's evidence
            learned[c] = replace(moved_edge(pool, was, at, pool.cosine(pool.by_id[c], at) or 0.0, was.confidence),
                                 method=AT_HAND)


def moved_edge(pool: Pool, was: Edge, parent: Node, cosine: float, confidence: float) -> Edge:
    """`was` hung under another parent: its relation and length ratio that pair's, its method kept."""
    rel, ratio = relation_by_length(pool.words[was.child], pool.words[parent.id])
    return Edge(was.child, parent.id, rel, confidence, round(cosine, 3), ratio, was.method)


AT_HAND = "at-hand"  # the method of an edge `read_at_hand` hung under the copy at hand
NEWS_KINDS = ("money", "percentage")  # with times, codes and links (Pool.adds reads them always): news under a
# copy on any day (`talks_about`)


def read_at_hand(pool: Pool, final: list[Edge], text: Set[str]) -> dict[str, Node | None]:
    """Named rule: where a copy linked by its text (`text`: those copies' ids) was read. Its parent sits in another
    conversation; a direct copy of that parent was posted in the copy's own conversation within the candidate window
    before it (a TL;DR pasted there), where the copy's author could read it (in its audience, if it has one: a mail
    folder holds mail no one else received), and the copy writes nothing of the parent that this copy at hand lacks
    (`takes_beyond`). Then, of such copies at hand, latest first:
    - the copy hangs under one it could copy (Pool.admissible with the chain found, or a longer text that
      `expands_hop` it) and took wording from rather than from the parent (`took_from`, the stemma's shared
      innovations: a second AI summary made from the announcement keeps the TL;DR's values, not its words);
    - else, when it is talk about one (`talks_about`: a question, a reply, or a value neither states, a date that
      works out a weekday they name aside) and does not say it is a copy (Reading.tells_copy: "TL;DR: ..."), it
      loses its edge: the same-channel rules keep such posts from the TL;DR, and the pair alone, another channel's
      announcement, reads like a copy;
    - else its edge stays (a copy kept from the TL;DR only by its length is no evidence either way).
    Copies are read in time order, each against the parents known by then. Returns copy id -> its new parent, or
    None for no edge (a helper's review of 62 follow-ups in a TL;DR's channel, twenty-sixth round; a second review
    of the first version, twenty-seventh round, docs/chains.md)."""
    parent_of = {e.child: e.parent for e in final}
    children: dict[tuple[str, str], list[Node]] = {}  # each parent's direct copies by conversation (one moved or
    # dropped here is taken out: it sits in another conversation than its new parent's copies, so no later copy
    # reads it as a copy at hand)
    for child, parent in parent_of.items():
        if child in pool.by_id:
            children.setdefault((parent, pool.by_id[child].conversation), []).append(pool.by_id[child])
    out: dict[str, Node | None] = {}
    for c in sorted(text & parent_of.keys() & pool.by_id.keys(), key=lambda c: pool.by_id[c].ts):
        n, a = pool.by_id[c], pool.by_id.get(parent_of[c])
        if a is None or a.conversation == n.conversation:
            continue
        here = sorted((b for b in children.get((a.id, n.conversation), ()) if b.id != c and
                       n.ts - WINDOW <= b.ts < n.ts and (not b.audience or n.author in b.audience) and
                       not takes_beyond(pool, n, a, b)), key=lambda b: b.ts, reverse=True)
        at = next((b for b in here if took_from(pool, n, b, a) and (
            pool.admissible(n, b, chained=True) or (expands_hop(pool, n, b) and pool.admissible(n, b, apart=False)))),
            None)
        if at is None and (pool.tells_copy(n) or not any(talks_about(pool, n, a, b) for b in here)):
            continue
        out[c] = at
        children[a.id, n.conversation] = [x for x in children[a.id, n.conversation] if x.id != c]
    return out


def talks_about(pool: Pool, n: Node, a: Node, b: Node) -> bool:
    """Named rule: n, posted under b (a copy of a) in b's conversation, is talk about b, no copy of it: it asks,
    replies to b, or states a time, amount, percentage, code, link or date neither a nor b states (`Pool.adds`: news,
    "we merge on Friday 16:00", "deal closes on 20 March"). A date that works out a weekday a or b names is no news
    unless a's or b's author writes it (`works_out_weekdays`: an AI summary of a writes "Tuesday 18 March" for
    "Tuesday", a helper's review; b's own author moving the freeze to "Tuesday 25 November" is a follow-up)."""
    return pool.asks(n) or pool.replies(n, b) or (pool.adds(n, b, NEWS_KINDS) and pool.adds(n, a, NEWS_KINDS)) or \
        (pool.adds(n, b) and pool.adds(n, a) and
         (n.author in (a.author, b.author) or not works_out_weekdays(pool, n, a, b)))


def works_out_weekdays(pool: Pool, n: Node, a: Node, b: Node) -> bool:
    """Named rule: every date n states that neither a nor b states works out a weekday one of them names: written
    with that weekday or in digits ("Tuesday 18 March", "18 March"; a week, "next week", only beside that weekday),
    on that weekday within the week after the naming message was posted ("Tuesday" in a post of Wednesday 12 March
    is Tuesday 18 March, not 25 March). A date in words alone ("today", "next week") is the writer's own news.
    Weekdays as the two messages' languages spell them (English "Mon" is no French "mon")."""
    known = {f.value for p in (a, b) for f in pool.facts(p) if f.kind in ("date", "deadline")}
    new = [f for f in pool.facts(n) if f.kind in ("date", "deadline") and f.value not in known]
    tables = [tb for tb in languages.tables() if tb.code in (a.lang, b.lang)] or list(languages.tables())

    def named(text: str) -> set[int]:
        said = set(re.findall(r"\w+", text))
        return {day for tb in tables for day, spellings in enumerate(tb.weekdays)
                if said & {w for s in spellings for w in (s, s.capitalize()) if len(s) > 3 or w[0].isupper()}}
    days, mine = {p.id: named(pool.text[p.id]) for p in (a, b)}, named(pool.text[n.id])

    def worked_out(text: str, value: str) -> bool:
        if not _ISO_DAY.fullmatch(value):  # a week ("next week"): only where n names a weekday they name
            return bool(mine & (days[a.id] | days[b.id]))
        d = date.fromisoformat(value)
        return bool(named(text) or re.search(r"\d", text)) and \
            any(0 <= (d - p.ts.date()).days <= 6 and d.weekday() in days[p.id] for p in (a, b))
    return all(worked_out(f.text, f.value) for f in new)


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def takes_beyond(pool: Pool, n: Node, a: Node, b: Node) -> bool:
    """Named rule: n writes something of a that b, a copy of a, lacks: a content-word pair in order (Pool.pairs:
    "careful consideration" of the announcement, where the TL;DR wrote "moves to"), a number or a stated value
    (the TL;DR left out "moves to 3.9"). Such a copy read a itself, wherever b sat."""
    return bool(pool.pairs(n) & (pool.pairs(a) - pool.pairs(b)) or
                number_forms(pool.text[n.id]) & (number_forms(pool.content_text(a)) - number_forms(pool.content_text(b))) or
                pool.stated(n) & (pool.stated(a) - pool.stated(b)))


def expands_hop(pool: Pool, n: Node, p: Node) -> bool:
    """Named rule: n, longer than the hop p (words without layout), states every value p states and adds none
    (`Pool.adds`), writes no number p does not (chain_text.numbers_kept), states none otherwise and asks nothing,
    and is not the same text again: an AI expansion of a short TL;DR ("Friendly reminder, everyone: ..."), which the
    chatter rule sets apart from it in one channel (chain_decide.summarises_hop is the shorter side's rule). A
    reply, a plan or an experience under the TL;DR adds values or drops some."""
    theirs = pool.stated(p)
    return bool(theirs) and theirs <= pool.stated(n) and pool.plain_words(n) > pool.plain_words(p) and \
        restates_hop(pool, n, p)
