"""Cue words a message opens or is written with: it relays another ("FYI", "Summary of ..."), says it rewrites one
(an AI assistant's preamble), reports what a message says ("The sender asks ..."), opens as a reply ("Thanks for the
reminder", "Yes,"), asks, or addresses someone. The chain rules (analysis/chain_rules.py) and readings
(analysis/chain_reading.py) read them; the words are every registered language table's (analysis/languages).

Written by hand: no library tags relayed speech, an assistant's preamble or a reply's acknowledgement.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from . import languages
from .languages import LanguageTable
from .text import words


class Cues(NamedTuple):
    """The compiled cue patterns of one state of the language registry."""
    relay: re.Pattern[str]  # relays
    address: re.Pattern[str]  # addresses
    preamble: re.Pattern[str]  # states_rewrite
    group: re.Pattern[str]  # greets_group
    narration: re.Pattern[str]  # narrates
    question: re.Pattern[str]  # reports_question
    acknowledgement: re.Pattern[str]  # reply_opening
    answer: re.Pattern[str]  # reply_opening
    summary: re.Pattern[str]  # opens_as_summary
    thanked: re.Pattern[str]  # in_reply_form
    label: re.Pattern[str]  # labels_summary


# Words by which a message says it relays another ("Summary of Olivia's email", "Heads up", "Pour info,
# résumé du message"), and greetings that open a reply: every registered language table's (analysis/languages).
@functools.cache  # once per registry state
def _cues(tables: tuple[LanguageTable, ...]) -> Cues:
    relay = re.compile(rf"\b(?:{languages.either(tb.relay_cues for tb in tables)})\b", re.I)
    greeting = languages.words(g for tb in tables for g in tb.greetings)
    groups = languages.words(g for tb in tables for g in tb.group_addressees)
    # a name or one word after the greeting ("Hi Bob,", "Hi team!"), or a group of several ("Bonjour à tous,")
    to_group = rf"(?:{greeting}),?\s+(?:{groups})\s*[,:!]"
    nobody = [g for tb in tables for g in tb.no_addressees]  # "Hi there!" addresses no one
    someone = rf"(?!(?:{languages.words(nobody)})\b)" if nobody else ""
    address = re.compile(rf"^\s*(?:@\S+|<@\w+>|(?:{greeting})\s+{someone}[A-Z@]\S*\s*[,:!]|{to_group})", re.I)
    preamble = re.compile(rf"\b(?:{languages.either(tb.rewrite_preambles for tb in tables)})", re.I)
    # Slack's "@channel" / "@here" / "@everyone" (as typed; an export writes "<!channel>", which addresses no one)
    group = re.compile(rf"^\s*(?:{to_group}|@(?:channel|here|everyone)\b)", re.I)
    narration = re.compile(languages.either(tb.narrations for tb in tables), re.I)
    question = re.compile(languages.either(tb.reported_questions for tb in tables), re.I)
    # a reply's first words, after blanks, markup, a bullet, a quote mark, emoji codes, @mentions or a greeting to
    # someone ("Hi Ana, thanks"): an acknowledgement that is a clause of its own ("+1 on this", "Thanks for the
    # reminder", "Noted:", "Agreed,"; not "Thanks to the new cache", "Merci de déposer", "Agreed actions:", "Thanks,
    # everyone!", which open announcements), an answer ("Yes,", "No." but not "No. 1 request")
    lead = (rf"^[\s\u200b\ufeff*_~`>•“”\"'‘’-]*(?:(?::[\w+-]+:|<?@(?!(?:here|channel|everyone)\b)[\w.-]+>?)[\s,]*)*"
            rf"(?:(?:{greeting})\s+(?!(?:{groups})\b)[\w.-]+\s*[,!:]\s*)?")
    acks = [w for tb in tables for w in tb.acknowledgements]
    clause = (rf"(?!\s*[,!]?\s*(?:{groups})\b)(?:\s+(?:so much|a lot|again|very much|to me|(?-i:[A-Z][\w'-]*)))?"
              r"[*_~`]*(?:[ \t]*(?:[,.!:;—–-]|\r?\n|$)|\s+(?:for|pour)\b)")
    emoji = r":(?:\+1|thumbsup|ok_hand|white_check_mark|heavy_check_mark):"  # Slack's reactions typed as text
    acknowledgement = re.compile(rf"{lead}(?:\+1(?![-\d.]|\s*\d)|{emoji}|"
                                 rf"(?:{languages.words(w for w in acks if w[0] != '+')})(?![^\W_]){clause})", re.I)
    summaries = languages.either(tb.summary_openings for tb in tables)
    summary = re.compile(rf"^[\s*_#>•-]*(?:{summaries})\b", re.I)
    # ... or a summary's label after a first sentence ("Noted. Key points:\n- ..."): `labels_summary`
    label = re.compile(rf"(?:^|[.!?]\s+|\n)[\s*_#>•-]*(?:{summaries})[*_]*\s*:", re.I)
    thanked = re.compile(rf"(?<![\w+])(?:{languages.words(w for tb in tables for w in tb.thanks)})(?![^\W_])",
                         re.I)  # anywhere: `in_reply_form`
    answer = re.compile(rf"{lead}(?:{languages.words(w for tb in tables for w in tb.answers)})"
                        r"(?:\s*[,.!:;—–]|\s+-\s)(?!\s*\d)", re.I)
    return Cues(relay, address, preamble, group, narration, question, acknowledgement, answer, summary, thanked, label)


def relays(text: str) -> bool:
    return _cues(languages.tables()).relay.search(text[:300]) is not None


def cue_words(text: str) -> set[str]:
    """The words of the relay and summary cues in the first 300 characters ("Passing this on:", "TL;DR:", "Key
    takeaway:"), lower-cased: what any relayer writes, no wording taken from the message relayed
    (chain_settle.took_from)."""
    cues = _cues(languages.tables())
    head = text[:300]
    return {w.lower() for m in (*cues.relay.finditer(head), *cues.summary.finditer(head))
            for w in words(m.group(0))}  # as the wording `took_from` weighs is split (factloss._content)


def states_rewrite(text: str) -> bool:
    """An AI assistant's preamble to a rewrite ("Here's a revised version of the message:", "This message has been
    rewritten for clarity"): the text says it rewrites another. Not a model feature (the copy model was trained
    without it): chain_decide.says_it_copies reads it."""
    return _cues(languages.tables()).preamble.search(text[:300]) is not None


def opens_as_summary(text: str) -> bool:
    """A text that opens by saying it sums something up ("TL;DR:", "**Key points:**", "En bref,"), as a summary
    does; unlike `relays`, not a person's news ("FYI the agenda is still empty", "Heads up, I can't make it")."""
    return _cues(languages.tables()).summary.match(text) is not None


def labels_summary(text: str) -> bool:
    """A summary's label ending in a colon in the first 300 characters, opening the text, a line or a sentence
    ("Got it. Key points:", "**TL;DR:**"): an assistant's answer under an acknowledgement is no reply."""
    return _cues(languages.tables()).label.search(text[:300]) is not None


def narrates(text: str) -> bool:
    """A text that reports what another message says ("The sender asked whether there are any plans to wrap GSL",
    "The email announces ..."): how an AI assistant summarises a message pasted into it. Read in the first 300
    characters, as `states_rewrite`: a sentence that opens so, or `reports_question`. chain_decide.says_it_copies
    reads it."""
    return _cues(languages.tables()).narration.search(text[:300]) is not None or reports_question(text)


def reports_question(text: str) -> bool:
    """A text that reports a question ("The sender asked whether ...", "The email asks if ..."): an AI summary of a
    question, which a reply to it never opens with. chain_decide.says_it_copies reads it."""
    return _cues(languages.tables()).question.search(text[:300]) is not None


def reply_opening(text: str) -> str | None:
    """How a text opens if it opens as a reply does: "acknowledges" ("+1, agree with the plan", "Thanks for the
    reminder!", "Noted: ...", "Merci pour le rappel"), "answers" ("Yes, the migration is still on", "Non."), else
    None. `replies` reads it."""
    cues, opening = _cues(languages.tables()), text[:300]
    return "acknowledges" if cues.acknowledgement.match(opening) else "answers" if cues.answer.match(opening) else None


def in_reply_form(text: str) -> bool:
    """A text written as a reply, read leniently: it addresses someone first ("Hi Ruixin,", `addresses`), thanks
    someone in its first 120 characters (the tables' `thanks`: "Charlene,\n\nThank you for accomodating ...", "Thank
    you Nik for reminder,"; not "the totals agree", "OK to ship") or opens a line there with a reply's subject
    ("**Re:** WF feedback - 2 points"). `replies` reads it of the candidate (and of its text without an assistant's
    opening line): a mail that answers someone, and its rewrites, open so."""
    opening = text[:120]
    return addresses(text) or _cues(languages.tables()).thanked.search(opening) is not None or \
        _REPLY_SUBJECT.search(opening) is not None


_REPLY_SUBJECT = re.compile(r"^[\s*_>#-]*re\s*:", re.I | re.M)  # a line opening "Re:" or "**Re:** WF feedback"


def asks(text: str) -> bool:
    """A message that opens with a question (its first sentence, or its first 80 characters)."""
    t = text.strip()
    return t.split("\n")[0].split(". ")[0].rstrip().endswith("?") or "?" in t[:80]


def greets_group(text: str) -> bool:
    """A message that opens by greeting everyone ("Hi team,", "Hello everyone!", "Bonjour l'équipe,", "@here"):
    `addresses` counts it (AI-polished filler opens that way), but an AI update for the team does too."""
    return _cues(languages.tables()).group.match(text) is not None


def addresses(text: str) -> bool:
    """A message that opens by addressing someone ("@ana: I know people who used it", "Hi Bob, ...")."""
    return _cues(languages.tables()).address.match(text) is not None
