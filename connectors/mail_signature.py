"""A signature under a rule line, which mail-parser-reply leaves in a mail's authored text (mail_body.split_body
cuts it first)."""

from __future__ import annotations

import re

# A signature under a rule line ("*****", "=====") to the end of the body: name, title, address, phone lines.
# mail-parser-reply finds signatures by how they open ("--", "Best,", a name under the text) and leaves these in
# the authored text (4 of the 801 Enron sample bodies: "*****\nMark D. Guinney, CFA\nConsultant\n...\n(415)
# 733-4487 ph."), where they outweigh a two-line note in its embedding. Hand-written: no library cuts them.
_RULE_LINE = re.compile(r"(?m)^[ \t]*([*=~-])\1{9,}[ \t]*$")
_CONTACT = re.compile(r"\(?\b\d{3}\)?[ .-]?\d{3}[ .-]\d{4}\b|\S+@\S+\.\w+|www\.|https?://")  # phone, address, link
_NOT_SIGNATURE = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s|\|.*\|")  # a list item, a table row
# what an event or an offer states and a signature does not: an amount, a clock time, a month's day, a weekday
_KEY_FACT = re.compile(r"[$€£]\s?\d|\d\s?(?:€|%)|\b\d{1,2}(?::\d{2})?\s*[ap]\.?m\b|\b\d{1,2}:\d{2}\b|"
                       r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d|"
                       r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b", re.I)
_BLANK_ABOVE = re.compile(r"\n[ \t]*\n$")
_SIGNATURE_LINES = 12  # at most this many lines under the rule ...
_SIGNATURE_LINE_CHARS = 80  # ... each at most this long ...
_SIGNATURE_LINE_WORDS = 8  # ... and shorter than this in words: a name, a title, an address, not prose


def ruled_signature(text: str) -> tuple[str, str]:
    """(text above the signature, the signature) when a rule line under a blank line (not a heading's underline)
    opens the last lines of the text, 1 to _SIGNATURE_LINES short lines that are no prose, list or table, state no
    amount, time or day (an event's "When: Friday, March 14, 9am" block) and hold a phone number, an e-mail address
    or a link; else (text, ""). Of several rule lines, the first whose block qualifies."""
    for m in _RULE_LINE.finditer(text):
        above, tail = text[:m.start()].rstrip(), text[m.end():]
        lines = [ln for ln in tail.split("\n") if ln.strip() and not _RULE_LINE.fullmatch(ln)]
        if above and _BLANK_ABOVE.search(text[:m.start()]) and 1 <= len(lines) <= _SIGNATURE_LINES and \
                _CONTACT.search(tail) and not _KEY_FACT.search(tail) and \
                all(len(ln) <= _SIGNATURE_LINE_CHARS and len(ln.split()) < _SIGNATURE_LINE_WORDS and
                    not _NOT_SIGNATURE.search(ln) for ln in lines):
            return above, tail.strip()
    return text, ""
