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
    idf = rarity(nodes, _words)
    assert idf["budget"] == pytest.approx(math.log(4 / 3))
    assert idf["freeze"] == pytest.approx(math.log(4))


def test_a_minority_language_word_is_weighed_among_its_own_messages():
    # eight English posts and two French ones: "séjour" is in both French posts, so it is common, not rare
    nodes = _nodes(*[("en", f"release note {k}") for k in range(8)],
                   ("fr", "bonjour séjour hôtel"), ("fr", "bonjour séjour plage"), (None, "séjour"))
    idf = rarity(nodes, _words)
    assert idf["séjour"] == pytest.approx(math.log(3 / 3))  # two French posts and the unknown one, all hold it
    assert idf["hôtel"] == pytest.approx(math.log(3 / 1))
    # the commonest language's words are weighed over every message, as before
    assert idf["release"] == pytest.approx(math.log(11 / 8))


def test_a_word_both_languages_write_counts_in_the_one_that_writes_it_most():
    nodes = _nodes(("en", "information desk"), ("en", "information"), ("en", "other"),
                   ("fr", "information"), ("fr", "voici"))
    idf = rarity(nodes, _words)
    assert idf["information"] == pytest.approx(math.log(5 / 3))  # English's: over every message
    assert idf["voici"] == pytest.approx(math.log(2 / 1))  # French's: over the French messages
