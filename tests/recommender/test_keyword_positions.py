"""Keyword search over every item's text (recommender/serving/text_search.py keyword_positions):
the literal-first search finds exactly what the `\\b` pattern finds."""

from __future__ import annotations

from recommender.serving.text_search import keyword_pattern, keyword_positions

TEXT = "dragons of autumn\nthe dragon reborn\nsnapdragon days\nsad saddles\n_dragon\nblack-dragons"


def test_the_same_matches_as_the_pattern_itself():
    for keyword in ("dragons", "sad", "the dragon", "autumn"):
        pattern = keyword_pattern(keyword)
        assert keyword_positions(pattern, TEXT) == [m.start() for m in pattern.finditer(TEXT)]


def test_a_word_inside_another_word_is_no_match():
    starts = keyword_positions(keyword_pattern("dragons"), TEXT)
    assert [TEXT[s - 1] if s else "^" for s in starts] == ["^", " ", "-"]  # not snapdragon, _dragon
