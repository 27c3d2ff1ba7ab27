"""A rounded amount is no other amount (analysis/fact_figures.py): an AI summary writes "$1.5 billion" for
"$1,505,907,788" and "12%" for "12.4%", and factloss.compare reported each as distorted."""

from __future__ import annotations

from analysis.fact_figures import number, rounds, written
from analysis.factloss import compare
from analysis.facts import Fact

SOURCE = ("Total revenue for the quarter was $1,505,907,788, up 12.4% on last year. Net income reached "
          "$81,059,899,421 on a restated basis. The marketing budget is $2.4 million.")


def test_a_figure_as_written_and_the_place_of_its_last_digit():
    assert number("1,234.56") == 1234.56 and number("1.234,56") == 1234.56 and number("42,000") == 42000
    assert written("$1.5 billion") == (1.5, 0.1, 2)
    assert written("$1,500,000") == (1500000, 100000, 2)  # a whole number's trailing zeros are rounding
    assert written("12%") == (12, 1, 2)
    assert written("1 234,5 €") == (1234.5, 0.1, 5)
    assert written("no figure") is None


def test_a_rounded_amount_or_percentage_is_kept_another_one_is_distorted():
    summary = ("Quarterly revenue came in at about $1.5 billion, up 12% year over year; net income was roughly "
               "$81 billion. The marketing budget is $2 million.")
    status = {f.fact.value: f.status for f in compare(SOURCE, summary)}
    assert status == {"USD 1505907788": "kept", "12.4%": "kept", "USD 81059899421": "kept",
                      "USD 2400000": "distorted"}  # one digit left: another amount
    edited = "Quarterly revenue came in at $1.6 billion, up 10% year over year. The marketing budget is $2.5 million."
    status = {f.fact.value: f.status for f in compare(SOURCE, edited)}
    assert status["USD 1505907788"] == status["12.4%"] == status["USD 2400000"] == "distorted"


def test_rounding_needs_the_same_kind_and_currency_and_less_precision():
    euros = Fact("money", "EUR 1500000000", "€1.5 billion", 0)
    dollars = Fact("money", "USD 1505907788", "$1,505,907,788", 0)
    assert rounds(Fact("money", "USD 1500000000", "$1.5 billion", 0), dollars)
    assert not rounds(euros, dollars)
    assert not rounds(dollars, Fact("money", "USD 1500000000", "$1.5 billion", 0))  # more precise: no rounding
    assert not rounds(Fact("money", "USD 1505000000", "$1,505,000,000", 0), dollars)  # 1,505 million, not 1,506
    assert not rounds(Fact("number", "12 people", "12 people", 0), Fact("number", "12 people", "12 people", 0))


def test_a_figure_opening_with_zero_has_no_thousands():
    """"$0.134" read as thousands separators was 134 dollars (an Enron gas price: "$0.134/MMBtu")."""
    assert number("0.134") == 0.134 and number("0,125") == 0.125 and number("1.234") == 1234
    assert written("$0.134") == (0.134, 0.001, 3)
