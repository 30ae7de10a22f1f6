"""A reason states only what is true and drove the item's place (recommender/serving/explain.py)."""

from __future__ import annotations

from recommender.domain.catalog import Item
from recommender.domain.constraints import Constraints
from recommender.serving.explain import ReasonFacts, reason_for

WEAK = Item("1", "Weak", 1990, ("Comedy",), n_ratings=50, mean_rating=1.5)
GOOD = Item("2", "Good", 1995, ("Crime",), n_ratings=50, mean_rating=4.2)
FEW = Item("3", "Few", 2001, ("Drama",), n_ratings=3, mean_rating=5.0)
FACTS = ReasonFacts(mean_rating=3.5, min_ratings=10, popular_ratings=20, described=False)


def test_no_well_rated_below_the_catalogs_mean():
    reason = reason_for(WEAK, {"quality": 0.3}, Constraints(), None, None, FACTS)
    assert "well rated" not in reason and "1.5" not in reason
    assert reason_for(GOOD, {"quality": 0.3}, Constraints(), None, None, FACTS) == \
        "well rated (4.2/5)"


def test_no_well_rated_on_a_handful_of_ratings():
    assert "well rated" not in reason_for(FEW, {"quality": 0.3}, Constraints(), None, None,
                                          FACTS)


def test_described_only_when_something_was_described():
    assert reason_for(GOOD, {"interest": 0.4}, Constraints(), None, None, FACTS) == \
        "well rated (4.2/5)"  # the fallback reason, true of the item; nothing "described"
    described = ReasonFacts(3.5, 10, 20, described=True)
    assert reason_for(GOOD, {"interest": 0.4}, Constraints(), None, None, described) == \
        "close to what you described"


def test_close_to_a_liked_film_is_quoted_as_given():
    # the caller passes a title only when the likeness is real (Recommender.similar_cosine)
    assert reason_for(GOOD, {"interest": 0.4}, Constraints(), None, "Heat", FACTS) == \
        "close to Heat"


def test_popular_only_above_the_threshold():
    few = Item("4", "Few", 2001, ("Drama",), n_ratings=12, mean_rating=3.0)
    assert reason_for(few, {"popularity": 0.3}, Constraints(), None, None, FACTS) == \
        "a pick to start with"
    assert reason_for(GOOD, {"popularity": 0.3}, Constraints(), None, None, FACTS) == \
        "popular (50 MovieLens ratings)"
