"""The language tables: one module per language (en.py, fr.py), one registry.

Adding a language is one module here and one line in `LANGUAGES`: the analysers build their regexes from every
registered table (each compiled once per registry state), and the bot words its nudges from the author's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from . import en, fr
from .table import FIELDS, OPTIONAL_FIELDS, LanguageTable

__all__ = ["FIELDS", "LANGUAGES", "OPTIONAL_FIELDS", "LanguageTable", "alternation", "either", "table", "tables",
           "words"]

LANGUAGES: dict[str, LanguageTable] = {"en": en.TABLE, "fr": fr.TABLE}
DEFAULT = "en"


def table(code: str | None) -> LanguageTable:
    """The language's table; English for an unknown or undetected language."""
    return LANGUAGES.get(code or "") or LANGUAGES[DEFAULT]


def tables() -> tuple[LanguageTable, ...]:
    """Every registered table, in registration order: the key the analysers cache their compiled rules under."""
    return tuple(LANGUAGES.values())


def alternation(spellings: Iterable[str]) -> str:
    """A regex matching any of the spellings, written as a prefix tree ("jan(?:uary)?"): at one position the
    longest spelling is tried first, as hand-written nested optional groups do, and a failing first letter costs
    one test, not one per spelling. "(?!)" (never matches) for none."""
    trie: dict[str, dict] = {}
    for s in spellings:
        node = trie
        for ch in s.lower():
            node = node.setdefault(ch, {})
        node[""] = {}
    return _branch(trie) if trie else "(?!)"


def _branch(node: dict[str, dict]) -> str:
    parts = [re.escape(ch) + _branch(sub) for ch, sub in node.items() if ch]
    if not parts:
        return ""
    body = parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"
    return f"(?:{body})?" if "" in node else body


def either(fragments: Iterable[str]) -> str:
    """The non-empty regex fragments as one alternation, in order; "(?!)" (never matches) for none."""
    kept = [f for f in fragments if f]
    return "|".join(kept) if kept else "(?!)"


def words(items: Iterable[str]) -> str:
    """Literal words (or phrases) as a regex alternation, in order; "(?!)" for none."""
    return either(re.escape(w) for w in items)
