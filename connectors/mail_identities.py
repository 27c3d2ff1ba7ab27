"""Names and e-mail addresses inside mail text -> the same pseudonyms as the people themselves.

Authors and recipients are stored as keyed hashes, but their names and addresses also sit inside
what is stored as text: quoted reply and forward headers ("From: Olivia Bennett <olivia@...>"),
Lotus Notes header lines ("Tana Jones@ECT 04/02/2001 04:59 PM", "To: Mark Taylor/HOU/ECT@ECT"),
attributions ("Hung Jung Lu wrote:"), signatures and subjects. Unless identities are stored, every
e-mail address in the text, and every full name (two words or more) that the message's own headers
or its quoted header lines name, is replaced by that person's pseudonym, as mentions are in Slack.
A first name alone is left: it is prose, and replacing every "Sally" would wreck it.

Mail folder names ("Lewis, Andrew H./Deleted Items") become keyed hashes too; well-known folder
names (Inbox, Sent Items...) are kept.
"""

from __future__ import annotations

import email.utils
import hashlib
import re
from collections.abc import Iterable, Iterator
from typing import Any

from slopradar.pseudonym import Pseudonymizer

_EMAIL = re.compile(r"(?<![\w.+'-])[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# pipermail archives write "perry at stsci.edu"; only taken as an address between brackets or after mailto:
_OBFUSCATED = re.compile(r"(?<=[<\[(:])(\s*)([\w.+-]+) at ([\w-]+(?:\.[\w-]+)+)(?=\s*[>\])])", re.UNICODE)
_WORD = r"[^\W\d_][\w'’.-]*"
_NAME = re.compile(rf"^{_WORD}(?:\s+{_WORD}){{1,4}}$", re.UNICODE)
# Header-like lines inside a body, in the languages mail clients write them in.
_HEADER_LINE = re.compile(r"^[ \t>]*(?:From|To|Cc|Bcc|Sent by|Reply-To|De|À|A|Von|An|Kopie|Para)[ \t]*:[ \t]*(.*)$",
                          re.I | re.M)
_CONTINUATION = re.compile(r"^[ \t>]*(?![\w-]+[ \t]*:)(\S.*)$")
_ATTRIBUTION = re.compile(r"^[ \t>]*(?:(?:On|Le|Am|El)\s[^\n]{0,80}?,\s*)?(?:\"[^\"\n]*\"\s*==\s*)?"
                          r"([^,\n<>\[\]()]{3,60}?)\s*(?:[<\[(][^>\])\n]*[>\])]\s*)?"
                          r"(?:wrote|writes|a écrit|schrieb|escribió)\s*:", re.I | re.M)
_ATTRIBUTION_VERB = re.compile(r"wrote|writes|a écrit|schrieb|escribió", re.I)
_DIGIT_SLASH = re.compile(r"\d/\d")
_LOTUS_ADDRESS = re.compile(rf"({_WORD}(?:\s+{_WORD}){{1,4}})\s*(?:/[^,;@/\n]+)*\s?@\s?[A-Za-z][\w&.-]*", re.UNICODE)
_NAME_BEFORE_ADDRESS = re.compile(r"([^,;:<>\"'()\[\]\n=]{3,60}?)[\"']?\s*[<\[(](?:mailto:)?[^<>\[\]()\s]+"
                                  r"(?:@| at )[^<>\[\]()\s]+[>\])]")
_DATE_LINE = re.compile(r"^\s*\d{1,2}/\d{1,2}/\d{2,4}\s+\d{1,2}:\d{2}(?::\d{2})?\s*(?:AM|PM)?\s*$", re.I)
_LOTUS_FROM = re.compile(r"^\s*(?:From:\s*)?(.+?)\s{2,}\d{1,2}/\d{1,2}/\d{2,4}\s+\d{1,2}:\d{2}", re.I)
WELL_KNOWN_FOLDERS = {
    "inbox", "sent", "sentitems", "sentmail", "sentmessages", "outbox", "drafts", "deleteditems", "deleted",
    "trash", "junk", "junkemail", "spam", "archive", "archives", "alldocuments", "discussionthreads",
    "notesinbox", "calendar", "contacts", "tasks", "notes", "boîtederéception", "élémentsenvoyés",
    "élémentssupprimés", "brouillons", "posteingang", "gesendeteelemente", "mail",
}


def _norm_name(name: str) -> str:
    """'Bennett, Olivia' and 'Olivia  Bennett' are the same name: 'Olivia Bennett'."""
    name = " ".join(name.replace('"', " ").split()).strip(" .,;'’")
    last, sep, first = name.partition(", ")
    if sep and _NAME.match(f"{first} {last}") and "," not in first:
        name = f"{first} {last}"
    return name


_PARTICLES = {"de", "du", "da", "di", "del", "della", "der", "den", "van", "von", "ter", "la", "le", "y", "bin", "al"}


def _is_name(name: str) -> bool:
    """Two words or more, capitalised (or name particles: "van", "de"), no digits: a person's full name."""
    words = name.split()
    return (bool(_NAME.match(name)) and sum(len(w.strip(".")) > 1 for w in words) >= 2
            and all(w[0].isupper() or w.lower() in _PARTICLES for w in words) and words[0][0].isupper())


class IdentityScrubber:
    """Replaces names and addresses with pseudonyms. `learn` the names a whole mailbox's headers hold
    first (a name is often written in another message than the one that has it in its headers)."""

    def __init__(self, pseudonymizer: Pseudonymizer):
        self.pz = pseudonymizer
        self.known: dict[tuple[str, ...], str] = {}  # sorted lower-case words of a name -> pseudonym
        self._words: set[str] = set()  # every word of a known name

    # -- labels ---------------------------------------------------------------------------
    def address_label(self, addr: str) -> str:
        return self.pz.person_id("email", addr.lower())

    def name_label(self, name: str) -> str:
        return self.pz.person_id("mail-name", name)

    def folder(self, mailbox: str, folder: str) -> tuple[str, str]:
        """(native id, display name) of a mail folder: a keyed hash, and the folder's own name only when
        it is a well-known one."""
        fid = "folder_" + self.pz.alias("mail-folder", f"{mailbox}:{folder}")[:16]
        last = folder.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
        key = re.sub(r"[\W_]+", "", last.lower())
        return fid, (last.strip("'\" ") if key in WELL_KNOWN_FOLDERS else "folder " + fid[7:13])

    @staticmethod
    def address_pairs(values: Iterable[str]) -> list[tuple[str, str]]:
        """(name, address) of every mailbox in RFC 822 address header values."""
        try:
            return email.utils.getaddresses(list(values))
        except (ValueError, TypeError, IndexError):
            return []

    # -- who is named ----------------------------------------------------------------------
    def learn(self, pairs: Iterable[tuple[str, str]], notes_values: Iterable[str]) -> None:
        """Remember the names of a message's headers for every message of the mailbox."""
        for key, label in self.people(pairs, notes_values, []).items():
            self.known.setdefault(key, label)
            self._words.update(key)

    def people(self, pairs: Iterable[tuple[str, str]], notes_values: Iterable[str],
               texts: Iterable[str]) -> dict[tuple[str, ...], str]:
        """Full names -> pseudonym, from (name, address) pairs of a message's headers, Lotus/Exchange name
        lists such as X-To (`notes_values`), and the header lines, attributions and Notes sender lines
        quoted inside `texts`. Names are keyed by their sorted lower-case words (see `_keys`)."""
        found: dict[tuple[str, ...], str] = {}
        pairs = list(pairs)
        notes = [re.sub(r"<[^>]*>", "", part) for value in notes_values
                 for part in re.split(r"[,;](?![^<]*>)", value or "")]
        with_address = [(n, a) for n, a in pairs if "@" in a]

        def add(name: str, addr: str = "") -> None:
            name = _norm_name(name)
            if _is_name(name):
                label = self.address_label(addr) if addr else self.name_label(name)
                for key in _keys(name):
                    found.setdefault(key, label)

        for name, addr in pairs:
            add(name, addr if "@" in addr else "")
        if len(notes) == 1 and len(with_address) == 1:  # X-From: Tana Jones + From: tana.jones@enron.com
            add(notes[0], with_address[0][1])
        for name in notes:
            add(name)
        for text in texts:
            for name in _quoted_names(text):
                add(name)
        return found

    # -- replacing ----------------------------------------------------------------------------
    def scrub(self, text: str | None, people: dict[tuple[str, ...], str]) -> str | None:
        """`text` with every e-mail address, and every name known to the mailbox or in `people`, replaced
        by its pseudonym. Names are matched word by word (any case, over line breaks, "Last, First")."""
        if not text:
            return text
        text = _EMAIL.sub(lambda m: self.address_label(m.group(0)), text)
        text = _OBFUSCATED.sub(lambda m: m.group(1) + self.address_label(f"{m.group(2)}@{m.group(3)}"), text)
        known_words, own_words = self._words, {w for key in people for w in key}
        tokens = []
        for m in _TOKEN.finditer(text):
            word, end = m.group().lower(), m.end()
            if word.endswith(("'s", "’s")):  # "Jeff Skilling's office": the name without its possessive
                word, end = word[:-2], end - 2
            tokens.append((m.start(), end, word))
        out: list[str] = []
        done = i = 0
        while i < len(tokens):
            hit = None
            if tokens[i][2] not in known_words and tokens[i][2] not in own_words:  # most words are in no name
                i += 1
                continue
            for n in range(min(5, len(tokens) - i), 1, -1):
                if not all(_GAP.fullmatch(text, tokens[j][1], tokens[j + 1][0]) for j in range(i, i + n - 1)):
                    continue
                key = tuple(sorted(t[2] for t in tokens[i:i + n]))
                label = people.get(key) or self.known.get(key)
                if label:
                    hit = (n, label)
                    break
            if hit is None:
                i += 1
                continue
            n, label = hit
            out += [text[done:tokens[i][0]], label]
            done = tokens[i + n - 1][1]
            i += n
        out.append(text[done:])
        return "".join(out)

    def scrub_record(self, rec: Any, people: dict[tuple[str, ...], str]) -> None:
        """Subject, authored text and every quoted part of a MessageRecord, in place."""
        rec.subject = self.scrub(rec.subject, people)
        rec.text = self.scrub(rec.text, people)
        for q in rec.quoted:
            for k in ("header", "text"):
                if isinstance(q.get(k), str):
                    q[k] = self.scrub(q[k], people)

    def known_digest(self) -> str:
        """What the names learnt so far are: a unit's text depends on them."""
        return hashlib.sha256(repr(sorted(self.known.items())).encode("utf-8", "surrogatepass")).hexdigest()


_TOKEN = re.compile(r"[^\W\d_][\w-]*(?:['’][\w-]+)*", re.UNICODE)
# between the words of one name: spaces, a line break, an initial's dot, "Last, First"
_GAP = re.compile(r"\.?\s*,?\s+|\s*,\s*")


def _keys(name: str) -> list[tuple[str, ...]]:
    """The ways a name is looked up: all its words, and first and last alone ("Olivia M Bennett" is also
    written "Olivia Bennett")."""
    words = [w.lower().rstrip(".") for w in name.split()]
    keys = [tuple(sorted(words))]
    if len(words) > 2:
        keys.append(tuple(sorted((words[0], words[-1]))))
    return keys


def _header_lines(text: str) -> list[str]:
    """The header-like lines of a body, each joined with its continuation lines (Lotus Notes wraps
    address lists over several lines)."""
    out: list[str] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = _HEADER_LINE.match(lines[i]) if len(lines[i]) < 20_000 else None
        i += 1
        if m is None:
            continue
        value = [m.group(1)]
        while i < len(lines) and len(value) < 40 and lines[i].strip() and not _HEADER_LINE.match(lines[i]):
            prev, nxt = value[-1].rstrip(), lines[i]
            if not (prev.endswith((",", ";")) or ("@" in prev and "@" in nxt and _CONTINUATION.match(nxt))):
                break
            value.append(nxt.strip(" \t>"))
            i += 1
        out.append(" ".join(value))
    return out


def _quoted_names(text: str) -> Iterator[str]:
    """Candidate names in the header lines, attributions and Notes sender lines quoted inside a body."""
    for line in _header_lines(text):
        for m in _LOTUS_ADDRESS.finditer(line):
            yield m.group(1)
        for m in _NAME_BEFORE_ADDRESS.finditer(line):
            yield m.group(1).strip(" \"'")
        for part in re.split(r"[;,](?![^<]*>)|\s{2,}|\t", _EMAIL.sub(" ", line)):
            yield re.sub(r"[<\[(].*?[>\])]|/.*$", "", part).strip(" \"'")
        for part in line.split(";"):  # "Bennett, Olivia; Smith, John"
            yield re.sub(r"[<\[(].*?[>\])]", "", part).strip(" \"'")
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if len(line) > 2000:
            continue
        if "@" in line or " at " in line:  # "Hung Jung Lu <hungjunglu at yahoo.com>" anywhere
            for m in _NAME_BEFORE_ADDRESS.finditer(line):
                yield m.group(1).strip(" \"'>")
        if _ATTRIBUTION_VERB.search(line):  # "On Tue, 6 Nov 2001 15:01:18 -1000 Herbert L Roitblat wrote:"
            for m in _ATTRIBUTION.finditer(line):
                yield re.sub(r"^.*\d\S*\s+", "", m.group(1)).strip(" \"'")
        if not _DIGIT_SLASH.search(line):
            continue
        if _DATE_LINE.match(line) and i and lines[i - 1].strip():
            yield re.sub(r"\s*@\s*\S+$", "", lines[i - 1].strip())
        lotus = _LOTUS_FROM.match(line) if len(line) < 300 else None
        if lotus:
            yield re.sub(r"\s*@\s*\S+$", "", lotus.group(1).strip())
