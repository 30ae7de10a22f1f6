"""Numeric limits per facet and unit (nlu/comparisons.py): exact bounds, the right facet."""

from __future__ import annotations

import pytest

from nlu.comparisons import Comparison, NumericFacet, find_comparisons

PRICE = NumericFacet("price", "$", phrases={
    "below": ("under {value}", "less than {value}", "cheaper than {value}", "at most {value}"),
    "above": ("over {value}", "more than {value}")})
RATING = NumericFacet("rating", None, phrases={
    "above": ("at least {value} stars", "rated {value} or more")})
MINUTES = NumericFacet("minutes", "min")
PAGES = NumericFacet("pages", "pages")


def bounds(found: list[Comparison]) -> list[tuple]:
    return [(c.facet, c.op, c.low, c.high, c.low_open, c.high_open) for c in found]


@pytest.mark.parametrize("text, facets, expected", [
    ("a project management tool under $10", [PRICE, RATING],
     [("price", "below", None, 10.0, False, True)]),
    ("under 10 dollars please", [PRICE, RATING], [("price", "below", None, 10.0, False, True)]),
    ("at most $12.50", [PRICE], [("price", "below", None, 12.5, False, False)]),
    ("at least 4 stars", [PRICE, RATING], [("rating", "above", 4.0, None, False, False)]),
    ("rated 4.5 or more", [PRICE, RATING], [("rating", "above", 4.5, None, False, False)]),
    ("between $5 and $20", [PRICE, RATING], [("price", "between", 5.0, 20.0, False, False)]),
    ("less than 30 minutes", [PRICE, MINUTES], [("minutes", "below", None, 30.0, False, True)]),
    ("under half an hour", [MINUTES], [("minutes", "below", None, 30.0, False, True)]),
    ("ready in 20 min or less", [MINUTES], [("minutes", "below", None, 20.0, False, False)]),
    ("more than 300 pages", [PAGES, PRICE], [("pages", "above", 300.0, None, True, False)]),
    ("shorter than 40", [MINUTES, PAGES], [("minutes", "below", None, 40.0, False, True)]),
])
def test_a_limit_names_its_facet_and_exact_bounds(text, facets, expected):
    assert bounds(find_comparisons(text, facets)) == expected


def test_a_number_two_facets_could_mean_is_left_alone():
    assert find_comparisons("under 30", [MINUTES, PAGES]) == []


def test_a_unit_of_another_facet_is_not_taken_by_a_phrase():
    """"less than {value}" is the price's phrase, but "30 minutes" is no price."""
    assert find_comparisons("less than 30 minutes", [PRICE, RATING]) == []


def test_cheaper_means_below_the_median_of_what_was_shown():
    found = find_comparisons("something cheaper", [PRICE], {"price": [5.0, 9.0, 8.5]})
    assert bounds(found) == [("price", "below", None, 8.5, False, True)]
    assert (found[0].start, found[0].end) == (10, 17)
    assert find_comparisons("something cheaper", [PRICE]) == []  # nothing shown: no limit
    assert bounds(find_comparisons("quicker", [MINUTES], {"minutes": [25.0, 40.0]})) == \
        [("minutes", "below", None, 32.5, False, True)]
