"""Features of a text for AI-likeness: stylometry, readability, lexicon hits, embedding.

Lexicon entries are features with learned weights (the detector decides what 'delve' is worth);
the lists themselves come from analysis/data/lexicons.json (see NOTICE for provenance).
"""

from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

from . import languages
from .text import BULLET_LINE, MARKDOWN_HEADER, flesch_reading_ease, sentences, words

LEXICON_FILE = Path(__file__).parent / "data" / "lexicons.json"
_BOLD_LABEL = re.compile(r"(?m)(?:^|\n)\s*(?:\*\*?[^*\n]{2,40}:?\*\*?:?|[A-Z][\w ]{2,30}:)(?=\s)")
_CONTRACTION = re.compile(r"\b\w+(?:n't|'re|'ve|'ll|'m|'d)\b", re.I)

# Function words some lists contain (the fiction lexicons list "this", "the"...): never evidence. The built-in
# languages' only: the lexicon's columns are the detector's trained features.
FUNCTION_WORDS = frozenset(w for tb in languages.tables() for w in tb.function_words)
# Common words the excess-vocabulary lists carry (research/detection.md: they inflate false positives on formal
# human prose and explain nothing: "typical AI phrasing: during, while"): no detector feature either.
COMMON_WORDS = FUNCTION_WORDS | {
    "during", "while", "within", "across", "between", "however", "including", "among", "through", "without",
    "potential", "various", "particularly", "research", "analysis", "impact", "announced", "postponed", "based",
    "using", "these", "those", "which", "other", "such", "each", "both", "well", "given", "further", "following",
    "first", "after", "before", "where", "here", "still"}


@functools.lru_cache(maxsize=1)
def list_words() -> frozenset[str]:
    """Every single word of the lists (function words aside), common ones included: the vocabulary of AI
    phrasing that the chain linker discounts as style rather than substance."""
    data = json.loads(LEXICON_FILE.read_text(encoding="utf-8"))
    return frozenset(t for group in ("en_words", "fr_words") for terms in data[group].values() for t in
                     (x.strip(" …").lower() for x in terms) if len(t) > 3 and " " not in t and t not in FUNCTION_WORDS)


# (name, human label) of the dense features, in matrix order.
DENSE = [
    ("log_words", "length"),
    ("mean_sentence_words", "long sentences"),
    ("sentence_cv", "uniform sentence lengths"),
    ("mattr_40", "varied vocabulary"),
    ("mean_word_chars", "long words"),
    ("comma_rate", "many commas"),
    ("colon_rate", "colons"),
    ("exclaim_rate", "exclamation marks"),
    ("question_rate", "questions"),
    ("dash_rate", "em dashes"),
    ("bullet_lines", "bullet lists"),
    ("bold_labels", "bold or 'Label:' headings"),
    ("headers", "markdown headers"),
    ("upper_word_rate", "capitalised words"),
    ("digit_rate", "numbers"),
    ("first_person_rate", "first person"),
    ("second_person_rate", "addresses the reader"),
    ("contraction_rate", "contractions"),
    ("lower_start_rate", "sentences starting in lower case"),
    ("no_final_punct", "no final punctuation"),
    ("flesch", "readability"),
    ("flesch_missing", "readability not measured"),
]


@dataclass(frozen=True)
class Lexicon:
    entries: list[str]  # "kobak_style:delve", "en_phrase:i hope this message finds you well"
    pattern: re.Pattern[str]
    index: dict[str, int]
    terms: dict[str, list[str]]  # matched text -> the entries it counts for
    phrases: dict[str, list[str]]  # lang -> filler/boilerplate phrases (3+ words), for bloat explanations
    french: np.ndarray  # per entry: True for the French lexicon's entries

    def language_mask(self, langs: list[str | None]) -> np.ndarray:
        """Rows: texts; columns: entries; True where the entry's language is the text's (English for non-French)."""
        is_fr = np.array([lg == "fr" for lg in langs], dtype=bool)[:, None]
        return np.where(is_fr, self.french[None, :], ~self.french[None, :])


@functools.lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    data = json.loads(LEXICON_FILE.read_text(encoding="utf-8"))
    entries: list[str] = []
    term_entries: dict[str, list[str]] = {}
    for group in ("en_words", "fr_words"):
        for name, terms in data[group].items():
            for t in terms:
                t = t.strip(" …").lower()
                if t and len(t) > 3 and t not in COMMON_WORDS:
                    key = f"{name}:{t}"
                    entries.append(key)
                    term_entries.setdefault(t, []).append(key)
    for lang in ("en", "fr"):
        for t in data[f"{lang}_phrases"]:
            t = re.sub(r"\s+", " ", t).strip(" …:").lower()
            if t:
                key = f"{lang}_phrase:{t}"
                entries.append(key)
                term_entries.setdefault(t, []).append(key)
    terms = sorted(term_entries, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w'])(?:" + "|".join(re.escape(t) for t in terms) + r")(?![\w'])")
    phrases = {lang: [re.sub(r"\s+", " ", p).strip(" …:").lower() for p in data[f"{lang}_phrases"]
                      if len(p.split()) >= 3] for lang in ("en", "fr")}
    french = np.array([e.startswith(("skill_fr:", "fr_phrase:")) for e in entries], dtype=bool)
    return Lexicon(entries, pattern, {e: i for i, e in enumerate(entries)}, term_entries, phrases, french)


def lexicon_hits(text: str) -> list[str]:
    """Lexicon terms found in a text (lower-cased, whole words), in order of appearance."""
    return lexicon().pattern.findall((text or "").lower().replace("’", "'"))


def filler_phrases(text: str, lang: str | None) -> list[str]:
    """Filler and boilerplate phrases of the language found in the text (for bloat explanations)."""
    low = (text or "").lower().replace("’", "'")
    return [p for p in lexicon().phrases.get(lang or "en", []) if p in low]


MATTR_WINDOW = 40


@functools.cache
def _persons(table: languages.LanguageTable) -> tuple[frozenset[str], frozenset[str]]:
    """The language's first person singular and the words that address the reader, as sets."""
    return frozenset(table.first_person), frozenset(table.second_person)


def mattr(tokens: list[str], window: int = MATTR_WINDOW, step: int = 5) -> float:
    """Moving-average type-token ratio (Covington & McFall 2010): the share of distinct words in each
    40-word window, averaged. Plain TTR falls with length, so short texts (non-native learners' essays,
    chat) looked "varied" next to long ones and were pushed toward AI (docs/detection.md). Written here:
    lexicalrichness pulls textblob and tokenises its own way; this must use our words()."""
    if len(tokens) <= window:
        return len(set(tokens)) / max(len(tokens), 1)
    return float(np.mean([len(set(tokens[i:i + window])) / window for i in range(0, len(tokens) - window + 1, step)]))


def dense_features(text: str, lang: str | None) -> np.ndarray:
    ws = words(text)
    n = max(len(ws), 1)
    sents = sentences(text) or [text]
    lens = np.array([len(words(s)) for s in sents], dtype=float)
    lower = [w.lower() for w in ws]
    first, second = _persons(languages.table(lang))
    chars = max(len(text), 1)
    lines = [ln for ln in text.split("\n") if ln.strip()]
    fre = flesch_reading_ease(text, lang)
    feats = [
        math.log1p(len(ws)),
        float(lens.mean()),
        # variation needs three sentences: below that it is unknown (NaN, imputed to the training mean), never
        # "uniform sentence lengths" for a one-sentence message
        float(lens.std() / lens.mean()) if lens.mean() > 0 and len(lens) >= 3 else math.nan,
        mattr(lower),
        float(np.mean([len(w) for w in ws])) if ws else 0.0,
        100 * text.count(",") / n,
        100 * text.count(":") / n,
        100 * text.count("!") / n,
        100 * text.count("?") / n,
        100 * (text.count("—") + text.count(" – ")) / n,
        len(BULLET_LINE.findall(text)) / max(len(lines), 1),
        float(len(_BOLD_LABEL.findall(text))),
        float(len(MARKDOWN_HEADER.findall(text))),
        sum(1 for w in ws[1:] if w[:1].isupper()) / n,
        100 * sum(ch.isdigit() for ch in text) / chars,
        100 * sum(1 for w in lower if w in first) / n,
        100 * sum(1 for w in lower if w in second) / n,
        100 * len(_CONTRACTION.findall(text)) / n,
        sum(1 for s in sents if s[:1].islower()) / len(sents),
        0.0 if text.rstrip()[-1:] in ".!?…)»\"" else 1.0,
        (fre if fre is not None else 60.0) / 100.0,
        0.0 if fre is not None else 1.0,
    ]
    return np.asarray(feats, dtype=np.float32)


def lexicon_counts(texts: list[str]) -> sparse.csr_matrix:
    """Rows: texts; columns: lexicon entries; values: log(1 + hits per 100 words)."""
    lex = lexicon()
    terms = lex.terms
    rows, cols, vals = [], [], []
    for i, text in enumerate(texts):
        n = max(len(words(text)), 1)
        counts: dict[int, int] = {}
        for hit in lexicon_hits(text):
            for key in terms.get(hit, []):
                j = lex.index[key]
                counts[j] = counts.get(j, 0) + 1
        for j, c in counts.items():
            rows.append(i)
            cols.append(j)
            vals.append(math.log1p(100.0 * c / n))
    return sparse.csr_matrix((vals, (rows, cols)), shape=(len(texts), len(lex.entries)), dtype=np.float32)
