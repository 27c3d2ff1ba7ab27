"""How rare a word is to the chain search (chain_reading.rarity): over all messages, except a word of a language
other than the commonest one, which is as rare as it is among that language's messages."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from analysis.chain_reading import rarity
from analysis.chains import Node

T0 = datetime(2025, 3, 12, 9, 0, tzinfo=UTC)


def _nodes(*posts: tuple[str | None, str]) -> list[Node]:
    return [Node(f"n{i}", T0 + timedelta(hours=i), "C1", f"u{i}", text, len(text.split()), lang=lang)
            for i, (lang, text) in enumerate(posts)]


def _words(n: Node) -> set[str]:
    return set(n.text.split())


def test_one_language_is_the_idf_over_all_messages():
    nodes = _nodes(("en", "budget freeze"), ("en", "budget review"), ("en", "lunch"), (None, "budget"))
    idf, _ = rarity(nodes, _words)
    assert idf["budget"] == pytest.approx(math.log(4 / 3))
    assert idf["freeze"] == pytest.approx(math.log(4))


def test_a_minority_language_word_is_weighed_among_its_own_messages():
    # twenty English posts and ten French ones: "séjour" is in every French post, so it is common, not rare
    nodes = _nodes(*[("en", f"release note {k}") for k in range(20)],
                   *[("fr", f"bonjour séjour hôtel{k}") for k in range(10)], (None, "séjour"))
    idf, df = rarity(nodes, _words)
    assert idf["séjour"] == pytest.approx(math.log(11 / 11))  # the ten French posts and the unknown one hold it
    assert idf["hôtel3"] == pytest.approx(math.log(11 / 1))
    assert df["séjour"] == 11 and df["hôtel3"] == 1
    # the commonest language's words are weighed over every message, as before
    assert idf["release"] == pytest.approx(math.log(31 / 20))


def test_a_language_few_messages_write_keeps_its_rare_words():
    nodes = _nodes(*[("en", f"release note {k}") for k in range(20)], ("fr", "bonjour séjour"), ("fr", "séjour"))
    idf, _ = rarity(nodes, _words)
    assert idf["séjour"] == pytest.approx(math.log(22 / 2))  # two French messages: rare here, as before


def test_a_tie_between_languages_does_not_depend_on_the_order():
    posts = [("en", "alpha x"), ("en", "alpha"), *[("en", f"e{k}") for k in range(8)],
             ("fr", "beta y"), ("fr", "beta"), *[("fr", f"f{k}") for k in range(8)]]
    assert rarity(_nodes(*posts), _words)[0] == rarity(_nodes(*reversed(posts)), _words)[0]


def test_a_word_both_languages_write_counts_in_the_one_that_writes_it_most():
    nodes = _nodes(*[("en", "information desk") for _ in range(12)], *[("fr", "voici") for _ in range(10)],
                   ("fr", "information"), ("fr", "document"), ("en", "document"), ("en", "document"))
    idf, _ = rarity(nodes, _words)
    assert idf["information"] == pytest.approx(math.log(26 / 13))  # English's: over every message
    assert idf["voici"] == pytest.approx(math.log(12 / 10))  # French's: over the twelve French messages
    assert idf["document"] == pytest.approx(math.log(26 / 3))  # mostly English: over every message
