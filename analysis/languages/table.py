"""What one language gives the analysers and the bot: one table, one module per language (textstat keeps its
per-language constants the same way).

Fields holding a regex fragment say so; they are matched case-insensitively unless noted, and the analysers join
the fragments of every registered language (a French message may say "FYI", an English one "pour info").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields


# eq=False: tables hash by identity, so the analysers can cache their compiled regexes per registry state cheaply.
@dataclass(frozen=True, eq=False)
class LanguageTable:
    code: str  # ISO 639-1, as text.detect_language reports it
    name: str
    reading_wpm: int  # silent reading speed of workplace prose (Brysbaert 2019)

    # -- dates (facts.py; factloss.py counts months) ----------------------------------------------------------------
    months: tuple[tuple[str, ...], ...]  # 12 months, each its spellings (full name first, then abbreviations)
    month_names_are_words: bool  # "may", "march": a month counts in a summary check only when capitalised
    weekdays: tuple[tuple[str, ...], ...]  # 7 days, each its spellings
    relative_dates: str  # regex: "next Friday", "demain"; {days} stands for every registered language's days
    relative_words: tuple[str, ...]  # words that make a date relative to the message's time (dateparser needs them)
    deadline_cues: str  # regex: what, right before a date, makes it a deadline ("by", "au plus tard")
    date_articles: tuple[str, ...]  # an article between a deadline cue and its date ("by the 12th", "avant le 3")
    date_prepositions: tuple[str, ...]  # words right before a date, besides the deadline cues ("on", "le"): a
    # day and month in digits without a year ("on 11/22") is read as a date only after one, a weekday or a cue
    range_words: tuple[str, ...]  # a word joining a range's two dates ("June 1 to June 19, 2001", "du 2 au 4 mars")
    list_words: tuple[str, ...]  # the word before a list's last day ("March 18, 19 and 25", "les 18, 19 et 25 mars")
    percent_words: str  # regex: "per cent"
    units: str  # regex: countable things a number may carry ("3 engineers", "2 jours")

    # -- owners and names (facts.py) ---------------------------------------------------------------------------------
    owner_cues: str  # regex: "Owner: Julie Martin", "responsable : ..."
    owner_copulas: str  # regex: "Julie Martin is the owner"
    owner_articles: tuple[str, ...]  # an article before the role ("is the owner", "est la responsable")
    owner_roles: str  # regex: "... the owner", "... le responsable"
    owner_will: str  # regex, case-sensitive: "Julie Martin will lead" (may be empty)
    not_names: tuple[str, ...]  # capitalised words that open a line but are no one's name (may be empty)
    abbreviations: tuple[str, ...]  # abbreviations in capitals that name nothing ("FYI", "ASAP"): chain_text.acronyms

    # -- statuses and negation ---------------------------------------------------------------------------------------
    status_words: Mapping[str, str]  # status group ("cancelled", ...) -> regex of the words that state it
    status_negations: tuple[str, ...]  # words within three words before a status that negate it (facts.py)
    negation_suffixes: tuple[str, ...]  # "n't" (may be empty)
    negation_after: tuple[str, ...]  # a word right after a status that negates it: French "ne ... pas" (may be empty)
    negations: tuple[str, ...]  # single-word negations a word checker must always check (factcheck, consistency)
    negation_cues: tuple[str, ...]  # negations and setbacks a summary check compares (factloss.check_summary)
    softeners: str  # regex: words that state a decision without stating it ("scope refined", "à l'étude")
    antonyms: tuple[str, ...]  # "word opposite" pairs of workplace antonyms (consistency.py)
    number_words: tuple[str, ...]  # spelled numbers from zero, in order (may be empty)

    # -- stop words (three lists: each consumer's was tuned, or trained on, its own) ----------------------------------
    stop_words: tuple[str, ...]  # full list: what carries no content in a bloat core (bloat.py)
    alignment_stop_words: tuple[str, ...]  # short list: sentence alignment of a copy with its source (factloss, chains)
    consistency_stop_words: tuple[str, ...]  # the consistency check's content words (consistency.py)
    function_words: tuple[str, ...]  # function words some AI-phrasing lexicons list: never evidence (features.py)
    first_person: tuple[str, ...]  # first person singular (features.py)
    second_person: tuple[str, ...]  # words that address the reader (features.py)

    # -- bloat (bloat.py) ----------------------------------------------------------------------------------------------
    ask_cues: str  # regex: requests ("please", "merci de")
    generic_asks: str  # regex: closers that ask nothing specific ("any questions")
    decision_cues: str  # regex: decisions ("we agreed", "décidé")
    clitics: str  # regex: elisions and clitics cut from a word ("l'équipe", "we've")
    generic_words: tuple[str, ...]  # generic framing of workplace posts: never content

    # -- chains (chain_rules.py, chain_cues.py) ------------------------------------------------------------------------
    relay_cues: str  # regex: a message saying it relays another ("FYI", "pour info")
    rewrite_preambles: str  # regex: an AI assistant's preamble to a rewrite ("Here's a revised version of the message:")
    greetings: tuple[str, ...]  # "Hi Bob," opens a reply
    group_addressees: tuple[str, ...]  # "Hi team," greets everyone: an announcement's opening, not a reply's
    no_addressees: tuple[str, ...]  # "Hi there!" greets no one in particular: neither a reply's opening nor a group's
    summary_openings: str  # regex: what opens a summary ("TL;DR", "Key points", "En bref"), not news ("FYI")
    acknowledgements: tuple[str, ...]  # what opens a reply to a post: "+1", "Thanks", "Noted", "Agreed", "Merci"
    thanks: tuple[str, ...]  # a reply's thanks anywhere in its opening ("Charlene,\n\nThank you for ...")
    answers: tuple[str, ...]  # what opens an answer to a question: "Yes", "No", "Oui", "Non"
    narrations: str  # regex: a text reporting another message ("The sender asked whether ...", "The email announces")
    reported_questions: str  # regex: ... reporting a question ("The sender asked whether ...")
    answer_openers: str  # regex: how an AI assistant's opening line starts ("Sure! Here's", "Voici")
    own_words: tuple[str, ...]  # first-person possessives: "Here's my summary:" is a person's line, not an assistant's
    assents: tuple[str, ...]  # what opens an assistant's answer to a request: "Sure!", "Certainly", "Bien sûr"
    assistant_notes: str  # regex: an AI assistant's notes after its answer ("I made the following changes:")

    # -- the bot's wording (bot/messages.py) -------------------------------------------------------------------------
    nudge: Mapping[str, str]  # every text the bot shows, by key (English's keys are the reference)
    kind_names: Mapping[str, str]  # fact kind -> its name for a reader
    status_names: Mapping[str, str]  # status group -> its name for a reader
    quotes: tuple[str, str]  # opening and closing quotation marks, with their spaces
    colon: str  # ": " or French " : "
    list_separator: str  # "; " or French " ; "
    decimal_mark: str  # "." or ","


# Fields a language may leave empty: a cue it does not have (French has no "n't").
OPTIONAL_FIELDS = frozenset({"owner_will", "not_names", "negation_suffixes", "negation_after", "number_words",
                             "rewrite_preambles", "group_addressees", "no_addressees",
                             "narrations", "reported_questions", "answer_openers",
                             "own_words", "assents", "assistant_notes"})
FIELDS = tuple(f.name for f in fields(LanguageTable))
