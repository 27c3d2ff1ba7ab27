"""An AI assistant's frame around its answer: the opening line ("Sure! Here's a rewritten version of the
message:") and the notes after it ("I made the following changes: ...", "Let me know if you'd like me to make it
simpler!"). They tell how the answer was made, not what it says: the vector chains compare is the answer's
(analysis/messages.py, analysis/chain_eval.py; docs/chains.md, twenty-fourth round). The cues are the language
tables' `answer_openers` and `assistant_notes`; written by hand (no library reads an assistant's chat frame).
"""

from __future__ import annotations

import bisect
import functools
import re
from typing import NamedTuple

from . import languages

MIN_ANSWER_WORDS = 8  # what an assistant's frame holds: at least this many words, and no fewer than its notes
NOTES_TAIL = 4_000  # notes are looked for in a text's last characters only: they close an answer
_RULE_LINE = re.compile(r"[ \t]*[-*_=—]{3,}[ \t]*")
# what may follow the first line of an assistant's notes: a list item, a short line (a sign-off, "[Your Name]"), a
# closing phrase; any other line is content the notes do not reach ("Would you like me to make it shorter?\nThe
# budget is $5M": the budget stays)
_NOTES_LINE = re.compile(r"[ \t]*(?:[-*•–]|\d{1,2}[.)])\s|[ \t*_(]*(?:let me know|feel free|i hope|hope this|thanks|"
                         r"thank you|best|cheers|regards|happy to|n[’']hésitez|bien à vous|cordialement)\b", re.I)
_SHORT_LINE = 4  # words


class _Frame(NamedTuple):
    opener: re.Pattern[str]  # an opening line of its own, ending in a colon ("Sure! Here's a shorter version:")
    notes: re.Pattern[str]  # notes opening a line ("Let me know if ...")
    note: re.Pattern[str]  # the same at any position (the text's start)
    opening: re.Pattern[str]  # an opening up to a colon, on a line of its own or not (`offers_answer`)
    own: re.Pattern[str]  # a first-person possessive (`own_words`): "Here's my summary:" is a person's line
    assent: re.Pattern[str]  # an answer's assent (`assents`) opening the opening: "Sure! Here's the gist:"


@functools.cache  # once per registry state
def _frame(tables: tuple) -> _Frame:  # type: ignore[type-arg]
    openers = languages.either(tb.answer_openers for tb in tables)
    notes = languages.either(tb.assistant_notes for tb in tables)
    # notes after a bullet or bold marks (one character class, no nested repeats: a mail's "-----" line must not
    # backtrack)
    return _Frame(re.compile(rf"[ \t]*(?:{openers})[^\n]{{0,150}}:[ \t]*\r?\n", re.I),
                  re.compile(rf"(?<=\n)[ \t*_>-]*(?:{notes})", re.I), re.compile(rf"[ \t*_>-]*(?:{notes})", re.I),
                  re.compile(rf"\b(?:{openers})[^\n:]{{0,150}}:", re.I),
                  re.compile(rf"\b(?:{languages.words(w for tb in tables for w in tb.own_words)})\b", re.I),
                  re.compile(rf"(?:{languages.words(w for tb in tables for w in tb.assents)})\b", re.I))


def offers_answer(text: str) -> bool:
    """An assistant's opening (`answer_openers`, up to a colon) in the text's first 300 characters, on a line of its
    own or not, that names a rewrite or a summary ("Thanks for sharing! Here's a quick summary: the Frankfurt
    gateway ...", "Voici une version plus courte :"): chain_reading reads it as a copy's own word for what it is.
    Not a person's "Thanks, here's my update: I'll be out Friday" (a helper's review)."""
    return _offer(text) is not None


def _offer(text: str) -> re.Match[str] | None:
    """The opening `offers_answer` reads, or None."""
    m = _frame(languages.tables()).opening.search(text[:300])
    return m if m is not None and _REWRITE_WORD.search(m.group()) is not None else None


def opening_colon(text: str) -> int:
    """Where the colon ending an assistant's opening (`offers_answer`) that opens with an assent (`assents`) and is
    not in the first person (`own_words`) stands, or -1: "Sure! Here's the gist in two sentences: Humanity has made
    first contact ...". What follows it opens the answer's first sentence, not a label's value (chain_text.plain_names
    reads a common word there as no name). Not a person's "Here's the recap for this week: Horizon dashboards are
    rebuilt" nor "Here's the TL;DR: Design signed off": without the assent, a helper's review found four people's
    statuses and outcomes linked by the product's name there (thirty-second round)."""
    frame, m = _frame(languages.tables()), _offer(text)
    return m.end() - 1 if m is not None and frame.assent.match(m.group()) is not None and \
        frame.own.search(m.group()) is None else -1


def opens_with_offer(text: str) -> bool:
    """An assistant's opening line of its own (`assistant_answer` cuts it) that names a rewrite or a summary
    (`offers_answer`): "Here are the key points:\n\n* ...", "Here's a rewrite for a non-technical audience:\n\n...".
    Not "here's a more complete version: <link>" inside a person's post (a real Slack post), nor "Summary: from
    14:12 to 14:59 ..." (a person's incident report): neither stands on a line of its own before an answer. Nor a
    line in the first person ("Here's my summary:", "Voici mon résumé :"): a person's outcome of a retro after its
    invite (a helper's review)."""
    start = assistant_answer(text)[0]
    return start > 0 and offers_answer(text) and _frame(languages.tables()).own.search(text[:start]) is None


# what an assistant's opening names when it gives a rewrite or a summary (English and French)
_REWRITE_WORD = re.compile(r"\b(?:version|rewrite|rewritten|summary|summari[sz]ed|recap|paraphrase|key points|"
                           r"main points|takeaways|tl;?dr|gist|shorter|simpler|clearer|concise|condensed|résumé)\b",
                           re.I)


def _answer_end(text: str, at: int) -> int:
    """Where the answer ends before notes found at `at`: blanks and the "---" lines just before them left out (a
    rule before an assistant's notes is theirs), one line at a time from `at`, reading no more of the text."""
    end = at
    while True:
        while end and text[end - 1].isspace():
            end -= 1
        cut = text.rfind("\n", 0, end)
        if cut < 0 or not _RULE_LINE.fullmatch(text, cut + 1, end):
            return end
        end = cut


def _notes_to_the_end(text: str, at: int, note: re.Pattern[str]) -> bool:
    """Every line after the notes' first is theirs: a list item, another note, a short line or a closing phrase."""
    first = text.find("\n", at)
    return first < 0 or all(not line.strip() or _NOTES_LINE.match(line) or note.match(line)
                            or len(line.split()) <= _SHORT_LINE for line in text[first + 1:].split("\n"))


def assistant_answer(text: str) -> tuple[int, int]:
    """Where the answer lies in an AI assistant's output (start and end offsets): after its opening line (a line of
    its own that names what it gives, ending in a colon: `answer_openers`) and before its notes after the answer
    (`assistant_notes`, from the start of a line to the end, each line after the first a list item, another note,
    a short line or a closing phrase), looked for in the last NOTES_TAIL characters. A small local model's list of
    changes halved a rewrite's cosine with its source, and the opening line, written alike over every chain, drew a
    hop towards its grandparent (batch 20). The answer keeps MIN_ANSWER_WORDS words or more, and no fewer than the
    notes cut; a text without either is whole (0, len(text))."""
    text = text or ""
    frame = _frame(languages.tables())
    opener, notes, note = frame.opener, frame.notes, frame.note
    m = opener.match(text)
    start = m.end() if m and len(text[m.end():].split()) >= MIN_ANSWER_WORDS else 0
    at: list[int] = []  # each word's offset, read once notes are found: words between offsets by bisection
    for m in notes.finditer(text, max(start, len(text) - NOTES_TAIL)):
        at = at or [w.start() for w in re.finditer(r"\S+", text)]
        end = _answer_end(text, m.start())
        kept = bisect.bisect_left(at, end) - bisect.bisect_left(at, start)
        if kept >= MIN_ANSWER_WORDS and len(at) - bisect.bisect_left(at, m.start()) <= kept and \
                _notes_to_the_end(text, m.start(), note):
            return start, end
    return start, len(text)


def without_assistant_frame(text: str) -> str:
    """An AI assistant's answer without its opening line and its notes after it (`assistant_answer`)."""
    start, end = assistant_answer(text)
    return (text or "")[start:end].strip()
