"""A schema catalog listing one book as several editions (recommender/serving/text_search.py
distinct_titles): a list shows each title once, and never a title the person turned down."""

from __future__ import annotations

from recommender.serving.text_search import distinct_titles


def test_a_title_is_shown_once_and_an_excluded_title_not_at_all():
    titles = ["The Street Lawyer", "A Painted House", "the street lawyer ", "The Firm", "It"]
    assert distinct_titles(titles, set(), [10, 11, 12, 13, 14]) == [10, 11, 13, 14]
    assert distinct_titles(titles, {"The Firm"}, [10, 11, 12, 13, 14]) == [10, 11, 14]
