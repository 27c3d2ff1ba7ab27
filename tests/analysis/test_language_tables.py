"""The language tables (analysis/languages): each is complete, and the analysers and the bot read them, so that a
language registered in one place is picked up by fact extraction, negation, relay cues and the nudge wording."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime
from pathlib import Path

import pytest

from analysis import chain_cues, consistency, factcheck, facts, factloss, languages, text
from analysis.languages import FIELDS, LANGUAGES, OPTIONAL_FIELDS, alternation, table
from bot import messages

ROOT = Path(__file__).resolve().parents[2]
ENGLISH = LANGUAGES["en"]


@pytest.mark.parametrize("code", sorted(LANGUAGES))
def test_every_table_is_complete(code: str) -> None:
    tb = LANGUAGES[code]
    assert tb.code == code
    empty = [f for f in FIELDS if f not in OPTIONAL_FIELDS and not isinstance(getattr(tb, f), bool)
             and not getattr(tb, f)]
    assert empty == []
    assert len(tb.months) == 12 and all(tb.months) and len(tb.weekdays) == 7 and all(tb.weekdays)
    assert set(tb.nudge) == set(ENGLISH.nudge), "every text the bot shows, in this language"
    assert set(tb.kind_names) == set(ENGLISH.kind_names) and set(tb.status_names) == set(ENGLISH.status_words)
    assert set(tb.status_words) <= set(ENGLISH.status_words), "status groups are English's (they compare across languages)"
    assert "{days}" in tb.relative_dates
    assert all(len(pair.split()) == 2 for pair in tb.antonyms)
    assert len(tb.quotes) == 2 and 150 <= tb.reading_wpm <= 300


def test_english_fills_the_optional_fields_too() -> None:
    assert all(getattr(ENGLISH, f) for f in OPTIONAL_FIELDS if f != "negation_after")


def test_english_stop_words_are_still_scikit_learns() -> None:
    """The bloat core used scikit-learn's list before the table held it: the copy must not drift."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    assert set(ENGLISH.stop_words) == set(ENGLISH_STOP_WORDS)


def test_reading_speeds_agree_with_the_core() -> None:
    """slopradar/records.py keeps its own copy for the team figures, which read English's (the core does not
    import analysis): where it names a language, it must say what the table says."""
    from slopradar.records import READING_WPM

    assert {code: LANGUAGES[code].reading_wpm for code in READING_WPM} == READING_WPM


def test_an_unknown_language_reads_english() -> None:
    assert table("xx") is ENGLISH and table(None) is ENGLISH and table("fr") is LANGUAGES["fr"]
    assert messages.t("xx", "why") == messages.t("en", "why") == "Show me why"
    assert text.reading_seconds(200, "xx") == 60.0  # no table: the generic speed, not English's


def test_alternation_tries_the_longest_spelling_first() -> None:
    rx = alternation(["sept", "sep", "september", "sept."])
    assert rx == r"sep(?:t(?:(?:ember|\.))?)?"
    assert re.match(rx, "september 3").group(0) == "september"
    assert alternation([]) == "(?!)"


def test_no_consumer_keeps_its_own_word_list() -> None:
    """Words of the tables are nowhere else: adding a language touches analysis/languages only."""
    consumers = ["analysis/facts.py", "analysis/factloss.py", "analysis/factcheck.py", "analysis/features.py",
                 "analysis/text.py", "analysis/bloat.py", "analysis/consistency.py", "analysis/chain_rules.py", "analysis/chain_cues.py",
                 "bot/messages.py"]
    for name in consumers:
        src = (ROOT / name).read_text(encoding="utf-8")
        for word in ("janvier", "jamais", "pour info", "bonjour", "prochain", "annulée", "veuillez", "réévaluée",
                     "hausse baisse", '"Show me why"', "Pourquoi ?", "READING_WPM", "ENGLISH_STOP_WORDS"):
            assert word not in src, f"{name} still spells {word!r}"


GERMAN = dataclasses.replace(
    ENGLISH, code="de", name="Deutsch", reading_wpm=179,
    months=(("januar", "jan"), ("februar", "feb"), ("märz", "mär"), ("april", "apr"), ("mai",), ("juni", "jun"),
            ("juli", "jul"), ("august", "aug"), ("september", "sep"), ("oktober", "okt"), ("november", "nov"),
            ("dezember", "dez")),
    month_names_are_words=False,
    weekdays=(("montag",), ("dienstag",), ("mittwoch",), ("donnerstag",), ("freitag",), ("samstag",), ("sonntag",)),
    relative_dates=r"(?:nächsten|kommenden)\s+(?:{days})|morgen", relative_words=("nächsten", "kommenden"),
    status_words={"cancelled": r"abgesagt|storniert", "postponed": r"verschoben"},
    status_negations=("nicht", "kein", "keine"), negations=("nicht", "kein", "keine", "ohne"),
    negation_cues=("nicht", "kein", "keine", "ohne", "abgesagt"), relay_cues=r"zur info|zusammenfassung",
    greetings=("hallo",), quotes=("„", "“"),
    nudge={**ENGLISH.nudge, "title": "Eine private Notiz zu Ihrer Nachricht in {channel} (nur Sie sehen sie)",
           "why": "Warum?", "lost": "fehlt"},
    kind_names={**ENGLISH.kind_names, "status": "Status"},
    status_names={**ENGLISH.status_names, "cancelled": "abgesagt"},
)
SENTENCE = "Die Einführung am 12 März 2026 ist nicht abgesagt."


@pytest.fixture
def german(monkeypatch: pytest.MonkeyPatch) -> languages.LanguageTable:
    monkeypatch.setitem(LANGUAGES, "de", GERMAN)
    return GERMAN


def test_a_registered_language_is_picked_up_by_fact_extraction() -> None:
    before = facts.extract(SENTENCE, datetime(2026, 1, 5))
    assert not any(f.kind == "date" for f in before), "no German before it is registered"
    assert not any(f.kind == "status" for f in before)


def test_german_dates_and_negated_statuses(german: languages.LanguageTable) -> None:
    found = {(f.kind, f.value, f.polarity) for f in facts.extract(SENTENCE, datetime(2026, 1, 5))}
    assert ("date", "2026-03-12", "+") in found
    assert ("status", "cancelled", "-") in found, "'nicht abgesagt': not cancelled"
    assert ("status", "cancelled", "+") in {(f.kind, f.value, f.polarity)
                                            for f in facts.extract("Die Einführung ist abgesagt.")}
    # a copy that drops the negation distorts the fact; English and French still work alongside
    lost = factloss.compare(SENTENCE, "Die Einführung am 12 März 2026 ist abgesagt.", datetime(2026, 1, 5))
    assert [s.status for s in lost if s.fact.kind == "status"] == ["distorted"]
    assert facts.extract("The launch on 12 March 2026 is not cancelled.", datetime(2026, 1, 5))[-1].polarity == "-"


def test_german_negation_in_the_checks(german: languages.LanguageTable) -> None:
    assert "nicht" in factcheck.negations() and consistency._content_piece("nicht")
    assert "negation differs from the source" in " ".join(factloss.check_summary(
        "Die Einführung findet statt.", "Die Einführung findet nicht statt.").problems)
    assert "month not in the source: mär" in factloss.check_summary("Start im Mai.", "Start im März.").problems


def test_german_cues_in_the_chain_rules(german: languages.LanguageTable) -> None:
    assert chain_cues.relays("Zur Info: die Einführung ist verschoben") and not chain_cues.relays("Die Einführung")
    assert chain_cues.addresses("Hallo Bob, wie geht's?")


def test_german_nudge_wording(german: languages.LanguageTable) -> None:
    assert messages.t("de", "title", channel="#ops").startswith("Eine private Notiz zu Ihrer Nachricht in #ops")
    line = messages.fact_line("de", {"kind": "status", "value": "cancelled", "text": "nicht abgesagt",
                                     "status": "lost"})
    assert line == "• Status: „nicht abgesagt, abgesagt“ (fehlt)"
    assert messages._minutes(1, 179, "de") == 1 and text.reading_seconds(179, "de") == 60.0
    blocks = messages.nudge_blocks("de", 1, "#ops", 40, ["Kern"], 3, [])
    assert blocks[-1]["elements"][0]["text"]["text"] == "Warum?"
