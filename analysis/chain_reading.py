"""The messages being linked, as both chain decisions read them: the learned path (chains.Pool) and the hand
rules (chain_relay_rules). What each author wrote (quotes, headers and signatures cut), a message's content (with
the original a share or forward carries), its facts and the cues of its own text are each worked out once per
message; who reads which conversation is worked out once per run."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Set
from datetime import datetime
from typing import TypeVar

import numpy as np

from . import chain_cues as cues
from . import chain_rules as rules
from .assistant_frame import offers_answer, opens_with_offer, without_assistant_frame
from .chain_dates import conflicts_against
from .chain_text import Conflicts, Node, acronyms, authored_text, key_sets, layout_free, memo, \
    names, opening_names, plain_names, style_words
from .factloss import _content
from .facts import Fact, extract

T = TypeVar("T")


def fact_reader() -> Callable[[str, datetime | None], list[Fact]]:
    """facts.extract of a text sent at a time, read once per build_edges: the learned path's Pool and the hand rules
    read the same messages, and facts.extract's own cache (8,192 texts) is evicted between the two on a workspace
    (a tenth of the 10,000-message bench's time went to reading each message twice). Unlike facts.extract, it
    returns the same list for the same text and time: read it, do not change it."""
    read: dict[tuple[str, datetime | None], list[Fact]] = {}

    def get(text: str, sent_at: datetime | None) -> list[Fact]:
        try:  # one lookup when known, as `memo`
            return read[text, sent_at]
        except KeyError:
            read[text, sent_at] = facts = extract(text, sent_at)
            return facts
    return get


class Reading:
    """One run's messages in time order, each read once: `text` (what its author wrote), `words`, `carried` (a
    share or forward -> the original it carries, set once the metadata edges are known), and per message its
    facts, their keys (chain_text.key_sets), its layout-free text, the codes and names it carries and the cues of
    its own text (a question, a relay word)."""

    def __init__(self, nodes: list[Node], read: Reading | None = None) -> None:
        """`read`: another reading of the same messages (the learned path's, for the hand rules): its fact reader
        and what it read of each message's own text are used, not read again (the 10,000-message bench read every
        message's layout, names, codes and cues twice, once per path)."""
        self.read_facts: Callable[[str, datetime | None], list[Fact]] = read.read_facts if read else fact_reader()
        self.nodes = sorted(nodes, key=lambda n: n.ts)
        self.by_id = {n.id: n for n in self.nodes}
        self.text: dict[str, str] = {}
        self.words: dict[str, int] = {}
        self.add_texts(self.nodes)
        self.carried: dict[str, Node] = {}  # a share or forward carries its original: it reads like it
        self.facts = memo(lambda n: self.read_facts(self.content_text(n), n.ts))
        # language-independent values a copy keeps, the values a short copy must repeat, those another
        # announcement in the same words would state otherwise, and per kind the values stated: chain_text.key_sets
        self.keys = memo(lambda n: key_sets(self.facts(n)))
        self.anchors = lambda n: self.keys(n)[0]
        # a greeting or an address opens the text as written or under an assistant's heading and bullet ("Key
        # Points:" / "- Hi team,")
        self.layout = memo(lambda n: layout_free(self.text[n.id]))
        self.plain_words = memo(lambda n: len(self.layout(n).split()))  # without headings, bullets, markdown
        self.names_said = memo(lambda n: plain_names(self.layout(n)))  # the names a message itself writes ...
        self.names_carried = self.with_carried(lambda n: self.names_said(n), names)  # ... and with what it carries
        self.names_opening = self.with_carried(lambda n: opening_names(self.layout(n)),  # names a proxy cannot see
                                               lambda t: opening_names(layout_free(t)))
        self.acronyms_said = memo(lambda n: acronyms(self.text[n.id]))  # "RBC", "BPAT": chain_text.acronyms
        self.acronyms_carried = self.with_carried(self.acronyms_said, acronyms)
        self.codes_said = memo(lambda n: rules.codes(self.text[n.id]))  # identifiers ("IVAS-8a"): rules.codes
        self.codes_carried = self.with_carried(lambda n: self.codes_said(n), rules.codes)
        self.answer = memo(lambda n: without_assistant_frame(self.text[n.id]))  # what the multilingual model reads
        self.asks = memo(lambda n: cues.asks(self.text[n.id]))
        # "+1, ...", "Yes, ..." opening what it says, unless it says it rewrites or reports a message ("Got it! Here's
        # a shorter version:", "Thanks for sharing! Here's a quick summary: ...")
        self.states_rewrite = memo(lambda n: cues.states_rewrite(self.text[n.id]))  # chain_decide.says_it_copies ...
        self.narrates = memo(lambda n: cues.narrates(self.text[n.id]))  # ... reads these two as well
        self.rewrites = memo(lambda n: self.states_rewrite(n) or self.narrates(n) or
                             offers_answer(t := self.text[n.id]) or cues.labels_summary(t))
        # ... of them, what only an assistant writes: a rewrite's preamble, a report of a message, an opening line of
        # its own that names a rewrite or a summary (chain_decide.says_it_copies reads it at a lower cosine)
        self.says_plainly = memo(lambda n: self.states_rewrite(n) or self.narrates(n) or
                                 opens_with_offer(self.text[n.id]))
        self.reply_opening = memo(lambda n: None if self.rewrites(n) else cues.reply_opening(self.text[n.id]))
        # "Hi Ruixin,\n\nThank you for ...", in the text or, after an assistant's opening line, in its answer
        self.reply_form = memo(lambda n: cues.in_reply_form(t := self.text[n.id]) or
                               ((a := self.answer(n)) != t and cues.in_reply_form(a)))
        self.relays = memo(lambda n: cues.relays(self.text[n.id]))
        # it says what it is: an assistant's preamble or opening, a report of a message, a summary's opening (read by
        # chain_decide.repeated_chatter); not a relay word, which a person's news opens with ("FYI the agenda ...")
        self.tells_copy = memo(lambda n: self.rewrites(n) or cues.opens_as_summary(self.text[n.id]))
        # its content words less the AI-phrasing vocabulary: two polished posts share style, not substance
        self.plain_substance = memo(lambda n: _content(self.content_text(n)) - style_words())
        if read is not None:  # a message's own text is the same in both readings (what it carries may not be yet)
            self.layout, self.plain_words, self.names_said, self.codes_said, self.asks, self.relays, self.answer = \
                read.layout, read.plain_words, read.names_said, read.codes_said, read.asks, read.relays, read.answer
            self.states_rewrite, self.narrates, self.tells_copy, self.rewrites, self.reply_opening, self.reply_form = \
                read.states_rewrite, read.narrates, read.tells_copy, read.rewrites, read.reply_opening, read.reply_form
            self.says_plainly = read.says_plainly
        self.idf: dict[str, float] = {}  # how rare each content stem is here (set by each path over its messages)
        self.df: Counter[str] = Counter()  # ... and how many of them hold it (`rarity`)
        self.posts_in: dict[str, set[str]] = {}
        for m in self.nodes:
            if m.author is not None:
                self.posts_in.setdefault(m.author, set()).add(m.conversation)

    def add_texts(self, nodes: Iterable[Node]) -> None:
        """What each node's author wrote, tokenised once (also for forwarded originals no stored message holds)."""
        for n in nodes:
            t = authored_text(n.text)
            self.text[n.id] = t
            self.words[n.id] = n.words if t == (n.text or "").strip() else min(n.words, len(t.split()))

    def with_carried(self, said: Callable[[Node], T], read: Callable[[str], T]) -> Callable[[Node], T]:
        """`read` of a message's content text (with the original it carries), once per message; for a message that
        carries nothing, what `said` read of its own text, not read again."""
        return memo(lambda n: read(self.content_text(n)) if n.id in self.carried else said(n))

    def share_content(self, read: Reading) -> None:
        """Take what `read` worked out of each message's content (facts, their keys, names, codes, substance) when
        both readings give every message the same carried original: the hand rules read what the learned path
        read (the 10,000-message bench read each message's content twice)."""
        if {c: p.id for c, p in self.carried.items()} == {c: p.id for c, p in read.carried.items()}:
            self.facts, self.keys, self.names_carried, self.codes_carried, self.plain_substance = \
                read.facts, read.keys, read.names_carried, read.codes_carried, read.plain_substance

    def replies(self, n: Node, p: Node) -> bool:
        """chain_rules.replies for a copy and its candidate, each one's opening read once."""
        return rules.replies(self.reply_opening(n), self.reply_form(p), self.asks(p))

    def weigh(self, stems: Set[str]) -> float:
        """The IDF weight of content stems: rarer words weigh more."""
        idf = self.idf
        return sum(map(idf.__getitem__, idf.keys() & stems))  # C-level set and sum: called ~20 times a message

    def content_text(self, n: Node) -> str:
        p = self.carried.get(n.id)
        return self.text[n.id] + ("\n" + self.text[p.id] if p is not None else "")

    def content_answer(self, n: Node) -> str:
        """`content_text` as the multilingual embedder reads it: each part an AI assistant's answer without its
        opening line and notes (assistant_frame), cut apart: a shared original is never taken for notes."""
        p = self.carried.get(n.id)
        return self.answer(n) + ("\n" + self.answer(p) if p is not None else "")

    def content_words(self, n: Node) -> int:
        p = self.carried.get(n.id)
        return max(self.words[n.id], self.words[p.id]) if p is not None else self.words[n.id]

    def vector(self, n: Node) -> np.ndarray | None:
        p = self.carried.get(n.id)
        return p.embedding if p is not None and p.embedding is not None else n.embedding

    def reads(self, n: Node, p: Node) -> bool:
        """Members of a conversation or a mail's recipients; where the data does not say, the conversations a
        person writes in (a lower bound: lurkers exist). Reading raises a candidate's score, never rules it out."""
        if n.author is None:
            return False
        known = p.readers or p.audience
        return n.author in known if known else p.conversation in self.posts_in.get(n.author, ())

    def read_against(self, n: Node, p: Node) -> Conflicts:
        """n's conflict keys, its dates read as p's where it writes them as p does (chain_dates.conflicts_against)."""
        return conflicts_against(self.keys(n), self.facts(n), self.facts(p), n.ts - p.ts)

    def shares_name(self, n: Node, p: Node) -> bool:
        """n names what p names where the name proxy (`names_said`) cannot read it: an abbreviation in capitals
        (chain_text.acronyms: "Enron and RBC updated ..." after "... Enron and RBC signed ...") or a name opening
        one of n's sentences that p writes as a name ("Enron" there). Read by chain_decide.keeps_as_summary."""
        return bool(self.acronyms_said(n) & self.acronyms_carried(p)) or \
            bool(self.names_opening(n) & self.names_carried(p))

    def changes(self, n: Node, p: Node) -> int:
        """The values n states otherwise than p (chain_rules.values_changed), its dates read as p's (`read_against`)."""
        return rules.values_changed(self.read_against(n, p)[1], self.keys(p)[3])

    def replaced(self, n: Node, p: Node) -> int:
        """The values n states in place of p's (chain_rules.values_replaced), its dates read as p's (`read_against`)."""
        return rules.values_replaced(self.read_against(n, p)[1], self.keys(p)[3])

    def rewords(self, n: Node, p: Node) -> bool:
        """n says p in other words (chain_rules.reworded), read against what p carries (a forward's original)."""
        return rules.reworded(self.text[n.id], self.content_text(p))


MIN_LANGUAGE_MESSAGES = 10  # a language this many messages write is weighed among its own (`rarity`)


def rarity(nodes: list[Node], substance: Callable[[Node], Set[str]]) -> tuple[dict[str, float], Counter[str]]:
    """How rare each content stem is among `nodes` (its IDF, and how many messages hold it): a copy's rare words
    come from its parent, a template's common ones do not. A word mostly written in a language other than the
    commonest one, which MIN_LANGUAGE_MESSAGES or more messages write, is as rare as it is among that language's
    messages (with those of unknown language): in an English workspace, every French message's "bonjour", "séjour"
    and "cordialement" were rare, and two French e-mails on one topic shared their rare wording (batch 18,
    twenty-second round). The commonest language's words, and those of a language fewer messages write (whose
    words are rare here, as a lone French message's are), are weighed over all messages, as every word was before.
    Ties go to the commonest language, then to the first code in order."""
    df: Counter[str] = Counter(w for n in nodes for w in substance(n))
    langs = Counter(n.lang for n in nodes if n.lang is not None)
    size = dict.fromkeys(df, len(nodes))
    main = min(langs, key=lambda lg: (-langs[lg], lg)) if langs else None
    own = [lg for lg in sorted(langs) if lg != main and langs[lg] >= MIN_LANGUAGE_MESSAGES]
    if own:  # no per-language count where every word keeps the pool-wide weight
        unknown = len(nodes) - sum(langs.values())
        by_lang = {lg: Counter(w for n in nodes if n.lang == lg for w in substance(n)) for lg in [main, *own]}
        for lg in own:
            for w in by_lang[lg]:
                # the language that writes it most (a tie: the commonest language's, then the first code's)
                best = min(by_lang, key=lambda x: (-by_lang[x][w], x != main, x))
                if best == lg:
                    size[w] = max(langs[lg] + unknown, df[w])
    return {w: math.log(max(size[w], 1) / c) for w, c in df.items()}, df
