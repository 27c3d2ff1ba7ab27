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


def test_a_rounded_figure_keeps_one_source_figure_only():
    """A helper's review: "12%" rounds both "12.4%" and "11.6%", and "$1.5 million" both "$1,450,000" and
    "$1,540,000"; which one the copy kept is unknown, so neither is. A copy figure stating one source figure as
    written rounds no other ("fee $1.5 million" beside "travel $1,540,000")."""
    status = {f.fact.value: f.status for f in compare("Revenue grew 12.4% and margin reached 11.6%.",
                                                        "Margin reached 12%.")}
    assert "kept" not in status.values()
    status = {f.fact.value: f.status for f in compare("Q1 sales were $1,450,000 and Q2 sales $1,540,000.",
                                                        "Sales were $1.5 million per quarter.")}
    assert "kept" not in status.values()
    status = {f.fact.value: f.status for f in compare("The fee is $1.5 million and travel costs $1,540,000.",
                                                        "The fee is $1.5 million.")}
    assert status["USD 1500000"] == "kept" and status["USD 1540000"] != "kept"


def test_a_price_or_an_exact_half_is_no_rounding():
    """A price is meant to the digit ("$0.134" per MMBtu: amounts need ROUNDED_SOURCE_DIGITS), and half a unit away
    is as far from either side ("$2.5" for "$2.45")."""
    price = Fact("money", "USD 0.134", "$0.134", 0)
    assert not rounds(Fact("money", "USD 0.13", "$0.13", 0), price)
    assert not rounds(Fact("money", "USD 2500", "$2,500", 0), Fact("money", "USD 2450", "$2,450", 0))
    assert not rounds(Fact("percentage", "4.3%", "4.3%", 0), Fact("percentage", "4.25%", "4.25%", 0))
    assert rounds(Fact("percentage", "4.3%", "4.3%", 0), Fact("percentage", "4.26%", "4.26%", 0))


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
