"""Pure parts of the recommender with exact values: filters, MMR, keyword matching, reasons."""

import numpy as np

from recommender.domain.catalog import Catalog, Item
from recommender.domain.constraints import ConstraintIndex, Constraints
from recommender.serving.diversity import mmr
from recommender.serving.explain import reason_for
from recommender.serving.recommend import keyword_pattern

ITEMS = [
    Item("1", "Heat", 1995, ("Action", "Crime"), directors=("Michael Mann",), n_ratings=50),
    Item("2", "Notting Hill", 1999, ("Comedy", "Romance"), n_ratings=40),
    Item("3", "Airplane!", 1980, ("Comedy",), n_ratings=30),
    Item("4", "Mystery Film", None, ("Drama",), n_ratings=1),
]
INDEX = ConstraintIndex(Catalog(ITEMS))
NONE = np.zeros(0, dtype=np.int64)


def allowed(**kw):
    return INDEX.allowed(Constraints(**kw), NONE).tolist()


def test_constraint_mask():
    assert allowed() == [True, True, True, True]
    assert allowed(genres_unwanted={"Romance"}) == [True, False, True, True]
    assert allowed(genres_wanted={"Comedy"}) == [False, True, True, False]
    assert allowed(year_min=1990, year_max=1999) == [True, True, False, False]
    assert allowed(year_max=1990) == [False, False, True, False]  # unknown year fails a bound
    assert allowed(people_unwanted={"michael mann"}) == [False, True, True, True]
    assert INDEX.allowed(Constraints(), np.array([0, 2])).tolist() == [False, True, False, True]


def test_mmr_without_diversity_is_score_order():
    vectors = np.eye(3, dtype=np.float32)
    assert mmr(np.array([0.1, 0.9, 0.5]), vectors, 3, 0.0) == [1, 2, 0]


def test_mmr_skips_a_near_duplicate():
    vectors = np.array([[1, 0], [1, 0], [0, 1]], dtype=np.float32)
    # relevance [1, 0.9, 0]: pick 0; then item 1 = 0.5*0.9 - 0.5*1 = -0.05, item 2 = 0 → item 2
    assert mmr(np.array([1.0, 0.91, 0.01]), vectors, 2, 0.5) == [0, 2]


def test_keyword_pattern_matches_inflections():
    assert keyword_pattern("violent").search("a violence-filled heist")
    assert keyword_pattern("zombies").search("a zombie outbreak")
    assert keyword_pattern("time travel").search("they time-travel? no: time travelling")
    assert not keyword_pattern("space").search("a spacious flat")  # short words match whole
    assert not keyword_pattern("sad").search("blazing saddles")
    assert keyword_pattern("sad").search("a sad story; sadness")


def test_reason_names_what_drove_the_score():
    reason = reason_for(ITEMS[0], {"history": 0.5, "interest": 0.2, "popularity": 0.01},
                        Constraints(genres_wanted={"Crime"}, year_min=1990, year_max=1999),
                        history_anchor="Ronin", similar_anchor=None)
    assert reason == ("a crime film from 1995; people who liked Ronin also liked it; "
                      "close to what you described")


def test_reason_for_a_wanted_director():
    reason = reason_for(ITEMS[0], {"person_match": 0.6},
                        Constraints(people_wanted={"Michael Mann"}), None, None)
    assert reason == "directed by Michael Mann"
