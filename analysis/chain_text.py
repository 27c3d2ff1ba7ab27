"""What one message is to the chain search: its node and edge records, and what it says once quotes, headers
and style are set aside (authored text, fact keys, style words). Shared by the learned path (chains.py) and the
hand rules (chain_relay_rules.py).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Set
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from .factloss import _proper_names
from .facts import Fact
from .features import list_words
from .text import strip_header_lines

if TYPE_CHECKING:
    from nltk.stem.snowball import SnowballStemmer

T = TypeVar("T")

SUMMARY_RATIO = 0.7  # a copy shorter than this share of its parent is a summary
SHORT_COPY_WORDS = 20  # a copy this short must repeat one of its parent's values (a date, an amount, a status) ...
CROSS_LANGUAGE_ANCHORS = 2  # a copy in another language (or less similar) shares this many dates, times, amounts or names
# fact kinds: the language-independent values a copy keeps, those another announcement would state otherwise,
# and the values a short copy must repeat
ANCHOR_KINDS = {"date", "deadline", "time", "money", "percentage", "owner", "name"}
CONFLICT_KINDS = {"date", "deadline", "owner", "money", "percentage", "name", "status"}
VALUE_KINDS = {"date", "deadline", "time", "money", "percentage", "number", "status"}


def two_languages(a: Node, b: Node) -> bool:
    """Both messages' languages are known and differ."""
    return a.lang is not None and b.lang is not None and a.lang != b.lang


@dataclass
class Node:
    id: str
    ts: datetime
    conversation: str
    author: str | None
    text: str
    words: int
    embedding: np.ndarray | None = None
    shares: list[str] = field(default_factory=list)  # native ids this message shares or links to
    forwarded_text: str = ""  # text of a forwarded/quoted original inside it
    audience: set[str] = field(default_factory=set)  # who could read it (members, recipients); empty: everyone
    lang: str | None = None
    conversation_name: str = ""  # "platform": a copy often says where it comes from ("FYI from #platform")
    readers: set[str] = field(default_factory=set)  # who reads it (members, recipients), also where anyone may
    thread: str | None = None  # Slack thread / mail thread (References, In-Reply-To): a reply there is no copy
    carried_embedding: np.ndarray | None = None  # the forwarded block's own vector (the original it carries)


@dataclass(frozen=True)
class Edge:
    child: str
    parent: str
    relation: str  # forward | quote | summary | paraphrase
    confidence: float
    similarity: float
    compression: float
    method: str  # share | forward-block | similarity


@functools.lru_cache(maxsize=1)
def style_words() -> frozenset[str]:
    style = set(list_words())  # the lists' vocabulary, common words included: wording, not substance
    style |= {"team", "teams", "hope", "moment", "update", "updates", "share", "thanks", "everyone", "questions"}
    return frozenset(style)


_POSSESSIVE = re.compile(r"['’]s$")
# English words whose "'s" is "is" or "us", capitalised inside a text after a bullet, an emoji or a mention
# ("- Here's", "🎉 Let's"): no names
_CONTRACTED = frozenset({"let", "here", "there", "what", "that", "it", "who", "how", "where", "he", "she"})


def names(text: str) -> set[str]:
    """The proper names a text writes (factloss's capitalised-word proxy) minus style words, a possessive read as
    its name: an AI rewrite writes "Lantern's scope" for "the Lantern scope", "Ana's team" for "Ana's"."""
    return {_POSSESSIVE.sub("", w) for w in _proper_names(text)} - style_words() - _CONTRACTED


def _fact_value(f: Fact) -> str:
    """A name's or an owner's value with its possessive read as the name ("owner:ana's team" is Ana's), as `names`."""
    return " ".join(_POSSESSIVE.sub("", w) for w in f.value.split()) if f.kind in ("name", "owner") else f.value


@functools.lru_cache(maxsize=4096)
def mention_pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"#{re.escape(name)}(?![\w-])", re.I)


def fact_keys(facts: list[Fact], kinds: set[str], polarity: bool = False) -> set[str]:
    """"kind:value" of the facts of these kinds (a deadline is a date), with ":polarity" if asked."""
    return {f"{'date' if f.kind == 'deadline' else f.kind}:{_fact_value(f)}" + (f":{f.polarity}" if polarity else "")
            for f in facts if f.kind in kinds}


def by_kind(keys: set[str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for key in keys:
        out.setdefault(key.split(":", 1)[0], set()).add(key)
    return out


_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")


def numbers_kept(copy: str, parent: str) -> bool:
    """Every number the copy writes is one its parent writes: a rewrite keeps or drops numbers, a template post
    about another release, count or time changes them ("QA found 1 blockers on the 4.11.7 candidate" / "... 3
    blockers on the 2.16.9 candidate"; a version is no date or amount, so `values_changed` does not see it)."""
    return set(_NUMBER.findall(copy)) <= set(_NUMBER.findall(parent))


def relation_by_length(child_words: int, parent_words: int) -> tuple[str, float]:
    ratio = child_words / max(parent_words, 1)
    return ("summary" if ratio < SUMMARY_RATIO else "paraphrase"), round(ratio, 3)


# Lotus Notes "Forwarded by Name/HOU/ECT on 04/02/2001 04:59 PM" lines: also wrapped over two lines.
_NOTES_FORWARDED = re.compile(r"^\s*-{3,}\s*Forwarded by\b.*$(?:\n^.*-{3,}\s*$)?", re.I | re.M)


def authored_text(text: str) -> str:
    """What the author wrote: no ">" quotes, "X writes:" / "Le ... a écrit :" attributions, Outlook or Lotus Notes
    header lines. Chains compare only this (a reply that quotes its parent does not copy it)."""
    return strip_header_lines(_NOTES_FORWARDED.sub("", text or "")).strip()


def memo(compute: Callable[[Node], T]) -> Callable[[Node], T]:
    """compute(node), worked out once per node (nodes are mutable dataclasses: no functools.cache)."""
    memo: dict[str, T] = {}

    def get(n: Node) -> T:
        if n.id not in memo:
            memo[n.id] = compute(n)
        return memo[n.id]
    return get


@functools.lru_cache(maxsize=200_000)
def _stem(word: str, lang: str) -> str:
    return _stemmer(lang).stem(word)


_SNOWBALL = {"fr": "french", "de": "german", "es": "spanish", "it": "italian", "nl": "dutch", "pt": "portuguese"}


@functools.lru_cache(maxsize=8)
def _stemmer(lang: str) -> SnowballStemmer:
    from nltk.stem.snowball import SnowballStemmer

    return SnowballStemmer(_SNOWBALL.get(lang, "english"))


def stems(ws: Set[str], lang: str | None) -> set[str]:
    """Word stems (Snowball, by the message's language, English when unknown: "removal", "removed" -> "remov"): a
    rewrite changes word forms as often as words. A message whose language was not detected is stemmed as English:
    against a French copy its words may then miss (a known gap, docs/chains.md)."""
    return {_stem(w, lang or "en") for w in ws}
