"""What is known about one (copy, candidate parent) pair, and the named rules that rule a candidate out.

The copy decision itself is learned (analysis/chain_model.py): a scikit-learn model over the `PairFeatures`
record below (what used to be hand rules: questions, relay words, other values, are features it weighs). What stays
a rule is what no training set can teach and every reader would state the same way: in one conversation a person
does not copy themselves (their rewrite for another conversation may be a copy; the same text again is not); a
reply answers its parent, in its thread or outside it; short messages repeated in one conversation are chatter; one
cannot copy what one could not read; a 1-3-word note announces nothing; between workplace-sized messages, the same
template naming other things is not a copy. Each rule is a pure predicate with its own tests
(tests/analysis/test_chain_rules.py, test_chain_replies.py). The cue words the rules and readings read (relays, an
assistant's preamble, a reply's opening) are analysis/chain_cues.py's.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Set
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from .chain_text import CROSS_LANGUAGE_ANCHORS
from .text import words

if TYPE_CHECKING:
    from .chains import Node

RULES_VERSION = "rules-85"  # bump when a rule or a feature below changes meaning: stored chains are rebuilt

NOTE_WORDS = 3  # a note this short ("FYI", "get better.", "Please read DG") is never an announcement nor a parent
MIN_WORDS = 10  # shorter messages are chatter, not copies of announcements
MIN_PARENT_WORDS = 12
MAX_PARENT_WORDS = 3000  # a digest or a report of thousands of words holds some of every message's words


@dataclass(frozen=True)
class PairFeatures:
    """Features of one candidate pair, in the order the model reads them (names are the model's columns)."""
    cosine: float  # sentence-embedding cosine
    coverage_short: float  # share of the shorter one's IDF-weighted wording that the longer holds (a summary's in
    # its source, a short announcement's in its AI expansion: orientation-free, the parent is the earlier one)
    coverage_long: float  # share of the longer one's IDF-weighted wording that the shorter holds
    anchors_shared: float  # shared dates, times, amounts, names (language-independent), capped at 3
    value_shared: float  # the copy repeats one of the candidate's values (a date, an amount, a status)
    name_shared: float  # the copy names what the candidate names
    log_gap_days: float  # log(1 + days between them)
    same_conversation: float
    asks: float  # the copy opens with a question or a reaction: it refers to a message, it does not copy it
    relays: float  # the copy says it relays something ("Summary of ...", "FYI", "Pour info")
    reads: float  # the copy's author reads the candidate's conversation (member, recipient, or writes there)
    log_length_ratio: float  # |log(copy words / candidate words)|: how much was cut or added
    copy_longer: float  # the copy is the longer one (an expansion)
    cross_language: float
    mentioned: float  # the copy names the candidate's channel
    announces: float  # the candidate states something critical (a date, an owner, a status ...)
    short_copy: float  # the copy has under 20 words
    phrase_coverage: float  # share of the shorter one's content-word pairs (in order) found in the other
    cosine_margin: float  # cosine minus the best other candidate's that is not a near-copy of this one
    values_not_in_parent: float  # share of the values the copy states (dates, owners, amounts...) the candidate lacks
    values_changed: float  # values the copy states otherwise than the candidate, per kind (another date), capped at 3
    log_parent_words: float  # a digest or newsletter of thousands of words holds some of every message's words
    parent_asks: float  # the candidate asks a question: what follows it answers it
    addresses: float  # the copy opens by addressing someone ("@ana:", "Hi Bob,"): a reply
    names_new: float  # share of the names the copy writes that the candidate does not: a template with other names

    def vector(self) -> tuple[float, ...]:
        return tuple(self.__dict__.values())  # field order; dataclasses.astuple deep-copies and is 10x slower


FEATURES: tuple[str, ...] = tuple(f.name for f in fields(PairFeatures))


def log_ratio(a: float, b: float) -> float:
    return math.log(max(a, 1.0) / max(b, 1.0))


# -- the reply rule (its cues: chain_cues) -------------------------------------------------------------------

def replies(copy_opening: str | None, parent_in_reply_form: bool, parent_asks: bool) -> bool:
    """Named rule (both paths): a copy that opens as a reply (`reply_opening`) to a candidate that is not itself
    written as one (`in_reply_form`: "Thanks, our Q1 budget spreadsheet will be in before 28 March, 17:00." under the
    reminder it answers), or opens as an answer to a candidate that asks, answers it: no copy, whatever the channel
    and however close. Replies outside their parent's thread restate its values and its wording: the learned path
    linked such replies at 0.78-1.0, the hand rules at 0.79-1.0 (a helper's review, twenty-fifth round). A rewrite of
    a thank-you note or of a mail that answers someone opens as its source does ("Hi Pete,\n\nThank you for your
    question."): it stays a copy."""
    return (copy_opening == "acknowledges" and not parent_in_reply_form) or (copy_opening == "answers" and parent_asks)


# -- rules: each True when the candidate stays -------------------------------------------------------------------

def other_author(copy: Node, parent: Node) -> bool:
    """Another person's message. In one conversation a person does not copy themselves: most of one's messages
    on a topic are not copies of each other, and a repost of one's own announcement loses nothing the first post
    did not say (elsewhere: own_rewrite)."""
    return copy.author is None or copy.author != parent.author


OWN_REPOST_COSINE = 0.98  # a person's own text this close again is a repost (the same notice filed twice) ...
SAME_TEXT_COSINE = 0.999  # ... and this close, even when it says it is a rewrite ("TL;DR: ..." cross-posted as is)
OWN_ADDED_VALUES = 1  # values an own rewrite may state beside every one of its parent's of their kind


def own_rewrite(copy: Node, parent: Node, cosine: float | None, values_changed: Callable[[], int],
                adds: Callable[[], bool] = lambda: True, says_copy: Callable[[], bool] = lambda: False,
                reworded: Callable[[], bool] = lambda: False, values_replaced: Callable[[], int] = lambda: 1) -> bool:
    """A person's rewrite of their own message (an announcement summarised by its author with an AI for another
    channel, or a TL;DR of one's own post pasted under it) is a copy; the same text again (cosine
    OWN_REPOST_COSINE: the same Enron notice in two folders; "make this more concise" keeps 0.96, a one-word edit
    0.97) and a rewrite stating a value otherwise (next week's report: `values_changed`, called only for such a
    pair; a relative date written in the parent's words within a week is the parent's,
    chain_dates.conflicts_against, while "freeze starts tomorrow" posted again a week later is another date) are
    not. In the same conversation, nor is one that `adds` anything its source lacks (a value, a code, a link): one's
    own follow-ups, and one's next notice on the same template (the next session's meeting link, the document's
    next version, the newsletter's next issue in the real 3GPP and Enron mail: sixteenth round). `adds` defaults
    to True: the hand rules keep one's own messages in a conversation apart. A copy that `says_copy` (the learned
    path: Reading.tells_copy, "TL;DR: ...", "Here's a paraphrased version: ...", "This message refers to ...") is
    one's own AI rewrite however close (not the same text again: SAME_TEXT_COSINE) and whatever it adds (a date a
    small model spelled out, an amount it wrote in full), never one stating a value otherwise (twenty-sixth round:
    a chain's first hop by its original's author was missed when it added one). In such a copy, a value stated
    beside every one of the parent's values of its kind is no value stated otherwise (`values_replaced` 0, at most
    OWN_ADDED_VALUES of them; the learned path: Reading.replaced): an AI rewrite reads a status into "moved to 4.3"
    beside the parent's "removed", or dates a deadline the parent wrote in a form the fact reader misses ("Friday
    the 14th"). One's update states a value in place of the parent's ("cancelled" where the parent said
    "approved"), or beside it without saying it is a rewrite ("code freeze moves from Tue June 11 to Wed June 12":
    a helper's review linked two such updates without `says_copy`; thirty-third round)."""
    if copy.author is None or copy.author != parent.author or cosine is None or cosine >= SAME_TEXT_COSINE or \
            (cosine >= OWN_REPOST_COSINE and not says_copy() and not reworded()):
        return False
    if not (copy.conversation != parent.conversation or says_copy() or not adds()):
        return False
    changed = values_changed()
    return changed == 0 or (changed <= OWN_ADDED_VALUES and says_copy() and values_replaced() == 0)


REWORDED = 0.9  # the share of the shorter text's words the other holds in order, under which it is reworded
REWORDED_WORDS = 1000  # words of each text compared (a repost's opening is the same; difflib is quadratic)


def reworded(text: str, source: str) -> bool:
    """The text says its source in other words: under REWORDED of the shorter one's words (their first
    REWORDED_WORDS) stand in the other in the same order (difflib's matching blocks, lower-cased). A notice filed
    again keeps its words, with a disclaimer or a signature added (the real Enron mail's same notice in two folders:
    0.96-1.0; one approval request on the template of another: 0.85, which its other date keeps apart); an AI
    rewrite of one's own announcement for another channel, as close in meaning (MiniLM 0.98), does not (0.52-0.88
    on the assistant batches). An empty side (a bare forward's own text) rewords nothing: none of its words stand."""
    a, b = ([w.lower() for w in words(t)][:REWORDED_WORDS] for t in (text, source))
    kept = sum(m.size for m in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks())
    return kept < REWORDED * min(len(a), len(b))


def links(text: str) -> frozenset[str]:
    """The links a text writes, as written (without the brackets or the punctuation around them)."""
    return frozenset(m.strip("<>()[].,;:!?\"'").lower() for m in _LINKS.findall(text))


_LINKS = re.compile(r"<?https?://[^\s>]+|\bwww\.[^\s>]+", re.I)


def reachable(copy: Node, parent: Node, cosine: float | None, values_changed: Callable[[], int],
              adds: Callable[[], bool] = lambda: True, says_copy: Callable[[], bool] = lambda: False,
              reworded: Callable[[], bool] = lambda: False, values_replaced: Callable[[], int] = lambda: 1) -> bool:
    """The rules on who could have copied what, for both the learned path and the hand rules: another author (or
    the author's own rewrite: own_rewrite, with `adds` and `values_replaced`), outside the parent's thread, and a parent
    the copy's author could read."""
    return (other_author(copy, parent) or
            own_rewrite(copy, parent, cosine, values_changed, adds, says_copy, reworded, values_replaced)) and \
        outside_thread(copy, parent) and could_read(copy, parent)


SAME_CONVERSATION_WORDS = 25  # inside one conversation, a message this short and ...
CHATTER_WORDS = 50  # ... another under this are chatter, not a copy of each other


def repeated_chatter(copy: Node, parent: Node, shorter_words: int, longer_words: int) -> bool:
    """Inside one conversation, a pair where one is under SAME_CONVERSATION_WORDS and the other under CHATTER_WORDS
    is repeated chatter ("anyone seen the login loop on Pixel 8?", "heads up: orders-api will be read-only at
    17:00"), not a copy. A short summary of a longer message in the same channel stays a candidate (SAMSum,
    SummEdits news and SciTLDR lost 0.01-0.03 F1 when any pair with a message under 25 words was chatter; the demo
    workspace's chatter was ruled out as well either way: docs/chains.md, fourth round), and so does a pair
    chain_decide.repeated_chatter exempts (the copy `summarises` its candidate, tenth round, or is `resized`
    against it and says what it is, twenty-fifth round)."""
    return copy.conversation == parent.conversation and shorter_words < SAME_CONVERSATION_WORDS and \
        longer_words < CHATTER_WORDS


def outside_thread(copy: Node, parent: Node) -> bool:
    """A reply in its parent's thread (Slack thread, mail References / same subject) answers it; not a copy."""
    return copy.thread is None or copy.thread != parent.thread


def could_read(copy: Node, parent: Node) -> bool:
    """Private channels, DMs and mail are read by their members and recipients only."""
    return not parent.audience or copy.author is None or copy.author in parent.audience or \
        parent.conversation == copy.conversation


def can_be_parent(parent_words: int) -> bool:
    """A note of 1-3 words ("FYI", "Please read DG") announces nothing; a parent needs MIN_PARENT_WORDS. A news
    digest of thousands of words ("Enron Mentions") shares some words with every message: its copies are
    forwards, found from the forwarded block, not by similarity."""
    return parent_words > NOTE_WORDS and MIN_PARENT_WORDS <= parent_words <= MAX_PARENT_WORDS


def can_be_copy(copy_words: int) -> bool:
    return copy_words >= MIN_WORDS


def names_other_things(copy_names: set[str], parent_names: set[str]) -> bool:
    """The same template about something else ("Can you send me the notes from the Nordlys meeting" after "... the
    Maple Logistics meeting"): each names at least two things the other does not, more than they share. A summary
    keeps a subset of its parent's names, an expansion a superset; a distortion changes a value, not the subject.
    Applied to workplace-sized messages."""
    shared = len(copy_names & parent_names)
    return min(len(copy_names - parent_names), len(parent_names - copy_names)) >= max(2, shared + 1)


# what is not prose: links, Slack mentions and channel links (pseudonymised "@p_9cf3dfd12e489953" too), e-mail
# addresses
# linear on any input: an address is matched from a word's start, Slack markup within 200 characters
NOT_CODES = re.compile(r"<?https?://\S+|www\.\S+|<[@#!][^>\n]{0,200}>|(?<!\S)[^\s@]+@\S+|@\S+")
# a code: starts with a letter, holds a digit ("IVAS-8a", "S4-211288", "Q3", "v0.3.1"); "40k", "10am", "2nd" are
# amounts, times and ordinals, not codes. Hand-written: no library tags document and product identifiers.
_CODE_SHAPE = r"[A-Za-z][A-Za-z0-9]*(?:[-_.][A-Za-z0-9]+)*"  # letters and digits, parts joined by - _ .
_CODE = re.compile(rf"(?<![\w/.-])(?=[A-Za-z][\w.-]*\d){_CODE_SHAPE}(?![\w/]|[-_.][A-Za-z0-9])")
# a word of codes joined by slashes ("R4-1907712/R4-1907713", "Q3/Q4"), beside an acronym ("H.264/AVC") or in
# 3GPP's shorthand for a run of documents ("R4-1907712/13": R4-1907712 and R4-1907713): each part is a code, an
# acronym or the last digits of the first code, one part at least a code; a path's parts are not ("docs/v1.2",
# "/home/u1/py3", "2024/Q3")
_SLASHED = re.compile(r"(?<![^\s/])[^\s/]+(?:/[^\s/]+)+")
_OPEN, _CLOSE = r"[(\[]*", r"[.,;:!?)\]]*"
_CODE_PART = re.compile(rf"{_OPEN}({_CODE_SHAPE}){_CLOSE}")
_ACRONYM_PART = re.compile(rf"{_OPEN}[A-Z]{{2,6}}{_CLOSE}")
_DIGITS_PART = re.compile(rf"(\d+){_CLOSE}")
# a document number's last digits, after a separator and four or more long, not a year: "R4-1907712/13", not
# "FY2024/25", "Release-2024/25" or "v1.10/2"
_RUN_STEM = re.compile(r"(?<=[-_.])(?!(?:19|20)\d\d$)\d{4,}$")
_SEPARATED = re.compile(r"[-.]")  # a code beside an acronym holds a separator: "H.264/AVC", not "API/v2", "HR/FY24"


def _split_slashed(text: str) -> str:
    return _SLASHED.sub(lambda m: _slashed_codes(m.group(0)), text)


def _slashed_codes(word: str) -> str:
    """The codes of a slash-joined word, space-separated, or the word as it is when it is no run of codes."""
    parts = word.split("/")
    first = _CODE_PART.fullmatch(parts[0])
    code = first.group(1) if first else ""
    stem = _RUN_STEM.search(code)
    out = [parts[0]]
    for part in parts[1:]:
        tail = _DIGITS_PART.fullmatch(part)
        if stem and tail and len(tail.group(1)) < len(stem.group(0)):  # "R4-1907712/13": R4-1907713
            out.append(code[:len(code) - len(tail.group(1))] + tail.group(1))
        elif (_CODE_PART.fullmatch(part) and _DIGIT.search(part)) or _ACRONYM_PART.fullmatch(part):
            out.append(part)
        else:
            return word
    if not ((first and _DIGIT.search(code)) or _ACRONYM_PART.fullmatch(parts[0])):
        return word
    found = [p for p in out if _DIGIT.search(p)]
    if not found or (len(found) < len(out) and not all(_SEPARATED.search(p) for p in found)):
        return word  # no code, or a code beside an acronym without a separator ("API/v2": a path)
    return " ".join(out)


_DIGIT = re.compile(r"\d")
_LETTER_HYPHEN_DIGIT = re.compile(r"(?<=[a-z])-(?=\d)")
_HYPHENS = str.maketrans({"\u2010": "-", "\u2011": "-"})  # an LLM's hyphen and non-breaking hyphen ("S4‑211287")


def codes(text: str) -> frozenset[str]:
    """Identifiers a message names (document numbers, versions, product codes; each "_"-separated part of a file
    name too), links, mentions and e-mail addresses left out; a hyphen between a letter and a digit dropped, so a
    rewrite's "x58752" is its source's "x-58752" (an assistant's rewrite of an Enron mail) and "IVAS1" is
    "IVAS-1". Other separators stay: "v1.1.0" is not "v1.10", "R2.11" not "R21.1"."""
    if _DIGIT.search(text) is None:
        return frozenset()
    found = {m.lower() for m in _CODE.findall(_split_slashed(NOT_CODES.sub(" ", text.translate(_HYPHENS))))}
    found |= {part for m in found for part in m.split("_")}
    return frozenset(_LETTER_HYPHEN_DIGIT.sub("", c) for c in found if c[:1].isalpha() and any(ch.isdigit() for ch in c))


def _family(code: str) -> str:
    return re.match(r"[a-z]*", code).group(0)  # type: ignore[union-attr]


def names_other_documents(copy_codes: Set[str], parent_codes: Set[str]) -> bool:
    """The same notice about another document of the same series ("A draft of IVAS-8a is in the drafts folder" after
    "I have uploaded a revised IVAS-1 in the draft folder"): both name identifiers, share none, and two of them are
    of one family (the same letters: "ivas"). A rewrite or summary keeps the codes it names; it does not swap them
    for others of the series. Unrelated codes (a phone extension in a signature) decide nothing. The one learned
    edge left on the real pre-2022 exports (3GPP)."""
    if not copy_codes or not parent_codes or copy_codes & parent_codes:
        return False
    return bool({_family(c) for c in copy_codes} & {_family(c) for c in parent_codes})


def carries_across_languages(anchors_shared: int, copy_relays: bool) -> bool:
    """A pair in different languages is a copy candidate only when it shares two dates, times, amounts or names
    (CROSS_LANGUAGE_ANCHORS), or the
    copy says it relays ("Pour info", "FYI from #platform"): a copy across languages is passed on from a
    conversation in the other language. Two AI-polished posts made from the same stock phrases in two
    languages ("This initiative underscores our commitment..." / "Cette initiative souligne notre
    engagement...") are translations of each other's filler, not copies (4 such edges on the demo workspace
    without this rule); and the multilingual embedder, five times slower than MiniLM, reads only these pairs."""
    return anchors_shared >= CROSS_LANGUAGE_ANCHORS or copy_relays


def values_changed(mine_by_kind: dict[str, set[str]], theirs_by_kind: dict[str, set[str]]) -> int:
    """Values the message states otherwise than the candidate (another date, another status): a summary keeps a
    subset of its parent's values and a distortion changes one; another announcement in the same words changes
    several."""
    return sum(len(v - theirs_by_kind[k]) for k, v in mine_by_kind.items() if k in theirs_by_kind)


def values_replaced(mine_by_kind: dict[str, set[str]], theirs_by_kind: dict[str, set[str]]) -> int:
    """Values the message states otherwise than the candidate (`values_changed`) where it leaves out one of the
    candidate's values of their kind: another date in place of the candidate's, not beside it."""
    return sum(len(v - theirs_by_kind[k]) for k, v in mine_by_kind.items()
               if k in theirs_by_kind and not theirs_by_kind[k] <= v)
