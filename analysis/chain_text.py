"""What one message is to the chain search: its node and edge records, and what it says once quotes, headers
and style are set aside (authored text, fact keys, style words). Shared by the learned path (chains.py) and the
hand rules (chain_relay_rules.py)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Set
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from . import languages
from .assistant_frame import opening_colon
from .factloss import _STOP, _proper_names, _split
from .facts import Fact
from .features import list_words
from .text import EMOJI_CODE, LIST_MARKER, MAIL_SUBJECT_FIELDS, common_words, emoji_stops, field_names, opens_sentence, \
    strip_header_lines, words

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
# the medium a text is written for is no name it adds: an assistant's "Here's a quick recap you can paste into
# Slack:", "a Slack-ready version" (40 hops of the assistant chains name Slack so; twenty-third round)
_MEDIUM = frozenset({"slack", *(f"slack-{w}" for w in ("ready", "friendly", "style", "formatted", "sized"))})


# An assistant's layout: markdown emphasis (bold, code, strike, an underscore around a word), a markdown heading's
# marks, a list item's bullet or number. A heading is a line marked as one (a markdown heading, a bold line, a mail
# subject, two or more words ending in a colon) in title case; a greeting or salutation line is none ("Dear Jeff:").
_EMPHASIS = re.compile(r"\*+|`+|~+|(?<![\w])_+|_+(?![\w])")
_HEADING_MARK = re.compile(r"(?m)^[ \t]*#{1,6}[ \t]+")
_MARKED = re.compile(rf"^\s*(?:#{{1,6}}\s|\*\*[^*\n]+\*\*:?\s*$|\*[^*\n]+:\*\s*$|(?:{field_names(MAIL_SUBJECT_FIELDS)})\s*:"
                     rf"|\S+[ \t][^\n]*:\s*$)", re.I)
_TITLE_SMALL = frozenset("a an and as at by for in of on or the to with vs".split())


def _heading(line: str) -> bool:
    """A heading an assistant writes ("**Project Update: Vendor Pricing**", "Key Takeaways:", "Subject: Release
    Shipped"): marked as one, 1 to 8 words, each capitalised but the small ones, not a greeting ("Dear Jeff:",
    "Hi Team:")."""
    if not _MARKED.match(line):
        return False
    ws = [w for w in (w.strip("\"'“”()[],;:!?*#_`~") for w in line.split()) if w]
    return 1 <= len(ws) <= 8 and ws[0].lower() not in _salutations() and \
        all(w[:1].isupper() or w.lower() in _TITLE_SMALL or not w[:1].isalpha() for w in ws)


def _salutations() -> frozenset[str]:
    return _opening_words(languages.tables())


@functools.cache  # once per registry state
def _opening_words(tables: tuple) -> frozenset[str]:  # type: ignore[type-arg]
    return frozenset({"dear", "cher", "chère", "chers", *(g.split()[0] for tb in tables
                                                           for g in tb.greetings)})


def layout_free(text: str) -> str:
    """The text with an assistant's layout set aside: headings left out (their capitals are no names, and a
    greeting under "Key Points:" still opens the message), markdown marks and list bullets dropped (an item's
    first word opens it like a sentence's: factloss's name proxy never reads it as a name, and "1. Hi team!"
    greets). A hashtag or a channel name keeps its "#" (no name). Read by `names` and by the greeting and address
    cues (Pool)."""
    lines = [line for line in (text or "").split("\n") if not _heading(line)]
    return LIST_MARKER.sub("", _EMPHASIS.sub("", _HEADING_MARK.sub("", "\n".join(lines)))).lstrip()


def names(text: str) -> set[str]:
    """The proper names a text writes (factloss's capitalised-word proxy on `layout_free` text) minus style
    words, a possessive read as its name: an AI rewrite writes "Lantern's scope" for "the Lantern scope", "Ana's
    team" for "Ana's"; "**Key Takeaways:**" over "- Login bug fixed" names nothing."""
    return plain_names(layout_free(text))


def plain_names(plain: str) -> set[str]:
    """`names` of a text already `layout_free` (Pool.layout keeps it: read once per message). Stop words name
    nothing: English ones wherever they stand ("The Sims", a transcript's "Not bad", "Decision: The input
    contribution...", "Action needed: None.": an assistant's rewrite of a 3GPP mail), less those that are also
    names (Bill, Will, May, Mill, One); another language's where they open what follows a colon, since "Son", "Ma",
    "Le" and "Du" are names in English text. A name after a colon stays one ("Summary of the review: Atlas
    push alerts slip"), unless it opens a sentence (text.opens_sentence: "Owner: Gather the input"). So does a
    common word (`common_words`) after an assistant's opening (assistant_frame.opening_colon: "Sure! Here's the
    gist: Humanity has ...", not "...: Ana Lima moved"); a known cost: "Sure! Here's a summary: Lantern moves ..."
    loses Lantern."""
    english, after_colon = _stop_words(languages.tables())
    plain = emoji_stops(plain)  # "looks great 🎉 One suggestion": the emoji ended a sentence
    offer = opening_colon(plain)
    plain = _AFTER_COLON.sub(lambda m: m.group(1) + (w if (w := m.group(2).lower()) in after_colon
                                                      or opens_sentence(w, m.group(3))
                                                      or m.start() == offer and w in common_words() else m.group(2)),
                             plain)
    return {_POSSESSIVE.sub("", w) for w in _proper_names(plain)} - _MEDIUM - style_words() - _CONTRACTED - \
        english


_AFTER_COLON = re.compile(r"(:\s+)(\w+)(?=(?:[ \t]+([a-z]+)\b)?)")  # and the word after it
_STOP_WORD_NAMES = frozenset({"bill", "will", "may", "mill", "one"})  # "BBC One", "Capital One"


@functools.cache  # once per registry state
def _stop_words(tables: tuple) -> tuple[frozenset[str], frozenset[str]]:  # type: ignore[type-arg]
    """The English table's stop words and every table's, each less the ones that are also names ("One" after a
    colon is the numeral: "Cause: One shared template")."""
    english = frozenset(w for tb in tables if tb.code == "en" for w in tb.stop_words)
    return english - _STOP_WORD_NAMES, frozenset(w for tb in tables for w in tb.stop_words) - (_STOP_WORD_NAMES - {"one"})


_ACRONYM = re.compile(r"(?<![\w&-])[A-Z][A-Z&]{1,7}(?![\w&-])")  # "RBC", "BPAT", "JPMFI", "AT&T"


def acronyms(text: str) -> frozenset[str]:
    """The abbreviations in capitals a text writes ("Enron and RBC updated ...", "BPAT issued an OASIS update"):
    names `names` cannot read (its proxy wants a capital then small letters), less the languages' `abbreviations`
    that name nothing ("FYI", "ASAP", "EOD", "CEO", "KPI"); none in a text that shouts (two common English words in
    capitals, text.common_words: "PLEASE MARK YOUR CALENDAR"). Read where a short copy must share a name with its
    candidate (Pool.shares_name)."""
    found = frozenset(_ACRONYM.findall(text)) - _abbreviations(languages.tables())
    return frozenset() if sum(1 for a in found if a.lower() in common_words()) >= 2 else found  # words, shouted


@functools.cache  # once per registry state
def _abbreviations(tables: tuple) -> frozenset[str]:  # type: ignore[type-arg]
    return frozenset(a for tb in tables for a in tb.abbreviations)


def opening_names(plain: str) -> set[str]:
    """Capitalised words that open a sentence or a line of a `layout_free` text (Pool.layout keeps it), which
    `names` cannot read as names ("**Koh Tao: death sentences upheld**"): the names a text may write there. A copy
    naming one of them ("the 2014 Koh Tao murders") names nothing its candidate lacks (Pool.names_new,
    names_other_things)."""
    heads = (s.split()[0].strip(".,;:!?()[]\"'“”‘’") for s in _split(emoji_stops(plain))
             if s.split())
    return {_POSSESSIVE.sub("", w.lower()) for w in heads if len(w) > 1 and w[0].isupper() and w[1].islower()}


def calendar_words() -> frozenset[str]:
    """Month and weekday names of every language table: a date's words, which `values_changed` compares as a
    date, are no name a copy says (Pool.features' names_new: "on Friday 14 March" for "on 14 March")."""
    return _calendar(languages.tables())


@functools.cache  # once per registry state
def _calendar(tables: tuple) -> frozenset[str]:  # type: ignore[type-arg]
    return frozenset(s.lower() for tb in tables for group in (*tb.months, *tb.weekdays) for s in group)


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


def word_pairs(text: str) -> set[tuple[str, str]]:
    """Consecutive content words ("electoral college", "offline sync"): a rewrite keeps phrases, a post on the
    same topic shares words."""
    ws = [w.lower() for w in words(text) if len(w) > 2 and w.lower() not in _STOP]
    return set(zip(ws, ws[1:], strict=False))


KeySets = tuple[set[str], set[str], set[str], dict[str, set[str]]]  # key_sets: anchors, values, conflict, by kind
Conflicts = tuple[set[str], dict[str, set[str]]]  # conflict_keys: conflict values, values by kind


def conflict_keys(facts: list[Fact]) -> Conflicts:
    """The values another announcement in the same words would state otherwise, and per kind with polarity (a
    deadline is a date)."""
    return fact_keys(facts, CONFLICT_KINDS), by_kind(fact_keys(facts, CONFLICT_KINDS - {"name"}, polarity=True))


STATED_KINDS = {"date", "deadline", "time", "money", "percentage"}  # values a copy can only have from its source


def stated_values(facts: list[Fact]) -> frozenset[str]:
    """The dates, times, amounts and percentages a message states as written: no ISO week ("this week" is read
    against each message's own posting time, so two hops of one chain posted a week apart read it apart)."""
    return frozenset(k for k in fact_keys(facts, STATED_KINDS) if "-W" not in k)


def key_sets(facts: list[Fact]) -> KeySets:
    """A message's anchors, values (with polarity) and `conflict_keys`: what the pair features and the named rules
    compare."""
    return fact_keys(facts, ANCHOR_KINDS), fact_keys(facts, VALUE_KINDS, polarity=True), *conflict_keys(facts)


_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")


# a list item's number: "1. ", "2) " opening a line, or after a colon, a semicolon, an opening parenthesis or a
# full stop ("The details included: 1. Creating ...; 2. Listing ...", "(1) budget (2) hiring"); never after a word
_ITEM_NUMBER = re.compile(r"(?:(?m:^)|(?<=[:;(])|(?<=\.)(?=[ \t]))[ \t]*(\d{1,2})[.)](?=[ \t]+\S)")
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+")
_SAME_VALUE_KINDS = ("money", "percentage", "time")  # facts read to one value however written ("$1.2 million")
_DIGITS_THEN = re.compile(rf"({_NUMBER.pattern})(?:\s+([^\W\d_]+))?")  # each `_NUMBER` and the word after it


def _without_list_numbers(text: str) -> str:
    """The text without its list items' numbers: those in item position (`_ITEM_NUMBER`) that count 1, 2, 3 ...
    in order, two or more, the second on not after a colon. A count ending a sentence ("tickets this week: 14.
    The backlog", "room 1. Parking is on level 2.", "Incidents: 1. Open tickets: 2.") or opening a wrapped mail
    line is no item."""
    run, expect = [], 1
    for m in _ITEM_NUMBER.finditer(text):
        after = text[:m.start(1)].rstrip(" \t")[-1:]  # what the number follows: "" or a line break, ( : ; .
        if int(m[1]) == expect and (expect == 1 or after != ":"):  # "Incidents: 1. Open tickets: 2." counts
            run.append(m.span(1))
            expect += 1
    for a, b in reversed(run if len(run) >= 2 else []):
        text = text[:a] + " " + text[b + 1:]
    return text


def _form(number: str) -> str:
    """One form of a number: "1,200" is 1200, "02" is 2 (read as a string: a digit run of any length)."""
    number = number.replace(",", "") if _THOUSANDS.fullmatch(number) else number
    return number.lstrip("0") or "0" if number.isdigit() else number


def number_forms(text: str) -> set[str]:
    """The numbers a text writes, each in one `_form`, its list items' numbers and Slack's emoji codes left out (an
    assistant numbers the points of a summary; ":+1:" and ":100:" are no numbers)."""
    return {_form(m) for m in _NUMBER.findall(_without_list_numbers(re.sub(EMOJI_CODE, " ", text, flags=re.I)))}


def _spelled(text: str) -> set[tuple[str, str]]:
    """(number, the word after it) for each number the text spells ("two more weeks" -> ("2", "more")), from two
    on (the language tables' number words; "no one was paged" is no 1)."""
    spelled = _number_words(languages.tables())
    return {(spelled[m[1].lower()], m[2].lower()) for m in re.finditer(r"\b([^\W\d_]+)(?=\s+([^\W\d_]+))", text)
            if m[1].lower() in spelled}


@functools.cache  # once per registry state
def _number_words(tables: tuple) -> dict[str, str]:  # type: ignore[type-arg]
    return {w: str(i) for tb in tables for i, w in enumerate(tb.number_words) if i >= 2}


# "+1" as a vote ("Just want to +1 the concerns", "+1 on this", "+1!"): agreement, no number a copy adds; not a
# signed count or offset ("+1 engineer", "UTC +1")
_VOTE = re.compile(r"(?<![\w.+-])(?<!UTC )(?<!GMT )\+1"
                   r"(?=[!.,;)]*$|[!.,;)]+\s(?!\s*\d)|\s+(?:on|to|for|from|the|this|that|these|those|here|me|all)\b)", re.I)


def numbers_kept(copy: str, parent: str) -> bool:
    """Every number the copy writes is one its parent writes: a rewrite keeps or drops numbers, a template post
    about another release, count or time changes them ("QA found 1 blockers on the 4.11.7 candidate" / "... 3
    blockers on the 2.16.9 candidate"; a version is no date or amount, so `values_changed` does not see it).
    Read as values, not strings: an amount, share or time the parent states in another form ("$1.2 million" for
    "$1,200,000", "3 PM" for "3:00 pm": the same fact value; that span of the copy is set aside, bounded so that
    "5%" is not read inside "55%"), a number each of whose writings in the copy comes before a word the parent
    spells it before ("2 weeks" for "two weeks"), and a list item's number are kept."""
    kept = number_forms(parent)
    copy = _VOTE.sub(" ", copy)
    if not number_forms(copy) - kept:
        return True
    from . import facts as fact_reader  # facts imports the text splitter; loaded once, when a number differs
    same = {(f.kind, f.value) for f in fact_reader.extract(parent)}
    for f in fact_reader.extract(copy):
        if f.kind in _SAME_VALUE_KINDS and (f.kind, f.value) in same:
            copy = re.sub(rf"(?<![\w.,]){re.escape(f.text)}(?![\w])", " ", copy, count=1)
    new = number_forms(copy) - kept
    if not new:
        return True
    spelled = _spelled(parent)
    written = [(_form(m[1]), m[2]) for m in _DIGITS_THEN.finditer(_without_list_numbers(copy))]
    return all(w is not None and (n, w.lower()) in spelled for n, w in written if n in new)


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
        try:  # one lookup when known: called ~300 times a message on the bench
            return memo[n.id]
        except KeyError:
            memo[n.id] = value = compute(n)
            return value
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
