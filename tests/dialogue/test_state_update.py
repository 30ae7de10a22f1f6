"""The session state update, with exact values: interest vector math and constraint bookkeeping."""

import numpy as np
import pytest

from bot.dialogue.interest import InterestParams, Signal, update_interest
from bot.dialogue.state import SessionState, has_content, rounded, update
from nlu.types import UNWANTED, Entity, Parse

PARAMS = InterestParams(decay=0.5, utterance_weight=1.0, liked_weight=1.0, rejected_weight=0.5,
                        reference_weight=2.0, attribute_weight=0.25)
X, Y, Z = (np.eye(3, dtype=np.float32)[i] for i in range(3))


def test_first_signal_becomes_the_vector():
    v = update_interest(None, [Signal("utterance", Y)], PARAMS)
    np.testing.assert_allclose(v, [0.0, 1.0, 0.0])


def test_decay_then_add_then_normalise():
    # 0.5 * [1, 0, 0] + 1.0 * [0, 1, 0] = [0.5, 1, 0] → / sqrt(1.25)
    v = update_interest(X, [Signal("utterance", Y)], PARAMS)
    np.testing.assert_allclose(v, [0.4472136, 0.8944272, 0.0], rtol=1e-6)


def test_rejected_item_pushes_away():
    # 0.5 * x - 0.5 * y = [0.5, -0.5, 0] → [0.7071, -0.7071, 0]
    v = update_interest(X, [Signal("rejected", Y, -1.0)], PARAMS)
    np.testing.assert_allclose(v, [0.7071068, -0.7071068, 0.0], rtol=1e-6)


def test_reference_weighs_more_than_utterance():
    # 0.5 * x + 2 * z + 1 * y = [0.5, 1, 2] / sqrt(5.25)
    v = update_interest(X, [Signal("reference", Z), Signal("utterance", Y)], PARAMS)
    np.testing.assert_allclose(v, np.array([0.5, 1.0, 2.0]) / np.sqrt(5.25), rtol=1e-6)


def test_no_signal_keeps_vector_and_none_stays_none():
    assert update_interest(None, [], PARAMS) is None
    np.testing.assert_array_equal(update_interest(Y, [], PARAMS), Y)


def test_signals_that_cancel_leave_vector_unchanged():
    assert update_interest(None, [Signal("liked", X), Signal("liked", X, -1.0)], PARAMS) is None


ITEM_VECTORS = {"1": X, "2": Y, "3": Z}
GENRE_VECTORS = {"Comedy": Y, "Romance": Z}


def apply(state, intent, entities, text="x", embedding=None):
    parse = Parse(text=text, intent=intent, confidence=0.9, entities=entities,
                  embedding=embedding)
    return update(state, parse, PARAMS, ITEM_VECTORS.get, GENRE_VECTORS.get)


def genre(value, polarity="wanted"):
    return Entity("genre", value, value.lower(), 0, 1, polarity=polarity)


def test_wanted_and_unwanted_genres_and_attribute_signal():
    state, events = apply(SessionState("s"), "request_recommendation",
                          [genre("Comedy"), genre("Romance", UNWANTED)],
                          text="a comedy not romance")
    assert state.constraints.genres_wanted == {"Comedy"}
    assert state.constraints.genres_unwanted == {"Romance"}
    # 0.25 * y - 0.25 * z → normalised
    np.testing.assert_allclose(state.interest_vector, [0.0, 0.7071068, -0.7071068], rtol=1e-6)
    assert events == []


def test_new_request_replaces_wanted_genres_refine_replaces_and_keeps_the_interest():
    state, _ = apply(SessionState("s"), "request_recommendation", [genre("Comedy")])
    state, _ = apply(state, "request_recommendation", [genre("Romance")])
    assert state.constraints.genres_wanted == {"Romance"}
    before = state.interest_vector
    state, _ = apply(state, "refine", [genre("Comedy")])
    assert state.constraints.genres_wanted == {"Comedy"}
    assert float(before @ state.interest_vector) > 0  # still leans to romance: same topic


def test_year_bounds_and_unwanted_open_range():
    decade = Entity("year", "1990-1999", "90s", 0, 3, year_min=1990, year_max=1999)
    state, _ = apply(SessionState("s"), "request_recommendation", [decade])
    assert (state.constraints.year_min, state.constraints.year_max) == (1990, 1999)
    old = Entity("year", "-1979", "old", 0, 3, polarity=UNWANTED, year_max=1979)
    state, _ = apply(state, "refine", [old])
    assert (state.constraints.year_min, state.constraints.year_max) == (1980, None)


def test_reject_by_reference_records_feedback_and_moves_away():
    ref = Entity("reference", "2", "the second one", 0, 14, item_ids=("2",))
    state = SessionState("s", interest_vector=X)
    state, events = apply(state, "reject", [ref])
    assert state.rejected == ["2"]
    assert [(e.item_id, e.kind) for e in events] == [("2", "rejected")]
    np.testing.assert_allclose(state.interest_vector, [0.7071068, -0.7071068, 0.0], rtol=1e-6)


def test_accept_then_reject_same_item_keeps_one_verdict():
    ref = Entity("reference", "1", "it", 0, 2, item_ids=("1",))
    state, _ = apply(SessionState("s"), "accept", [ref])
    assert state.liked == ["1"] and state.positive_items == ["1"]
    state, _ = apply(state, "reject", [ref])
    assert state.liked == [] and state.rejected == ["1"] and state.positive_items == []


def test_more_like_reference_is_a_positive_item_with_reference_weight():
    ref = Entity("reference", "3", "the second one", 13, 27, item_ids=("3",))
    state, events = apply(SessionState("s", interest_vector=X), "refine", [ref],
                          text="more like the second one", embedding=Y)
    assert state.positive_items == ["3"] and events == []
    # 0.5 * x + 2 * z: "more like the second one" says nothing beyond the reference, so its
    # embedding (y) is not a signal
    np.testing.assert_allclose(state.interest_vector, np.array([0.5, 0, 2.0]) / np.sqrt(4.25),
                               rtol=1e-6)


def test_unwanted_person_and_keyword():
    nolan = Entity("person", "Christopher Nolan", "Nolan", 8, 13, polarity=UNWANTED)
    violent = Entity("keyword", "violent", "violent", 5, 12, polarity=UNWANTED)
    state, _ = apply(SessionState("s"), "refine", [nolan, violent])
    assert state.constraints.people_unwanted == {"Christopher Nolan"}
    assert state.constraints.keywords_unwanted == {"violent"}


@pytest.mark.parametrize("text, expected", [
    ("recommend me a movie", False),
    ("what should I watch tonight?", False),
    ("something with dinosaurs", True),
    ("a sad one", True),
])
def test_has_content(text, expected):
    assert has_content(text) is expected


def test_state_round_trips_through_json():
    state, _ = apply(SessionState("s", user_id="7"), "request_recommendation",
                     [genre("Comedy"), genre("Romance", UNWANTED)])
    state.last_shown = [{"id": "1", "title": "A", "year": 1990, "genres": [], "reason": "r",
                         "score": 1.0}]
    again = SessionState.from_json(state.to_json())
    assert again.to_json() == state.to_json()


def test_rounded_matches_round_value_for_value():
    values = np.array([0.1234565, -0.0671875, 6.25e-05, -1e-07, 0.5, 1.0, -0.0, 0.333333343],
                      dtype=np.float32)
    expected = [round(float(x), 6) for x in values]
    assert expected[:4] == [0.123457, -0.067188, 6.3e-05, -0.0]  # float32 inputs, not decimals
    got = rounded(values, 6)
    assert [repr(x) for x in got] == [repr(x) for x in expected]
    rng = np.random.default_rng(5)
    many = (rng.standard_normal(20_000) * 0.1).astype(np.float32)
    ties = ((rng.integers(-10**6, 10**6, 20_000) + 0.5) / 1e6).astype(np.float32)
    for array in (many, ties):
        assert rounded(array, 6) == [round(float(x), 6) for x in array]
    doubles = np.array([2.675, 0.0671875])  # float64: the plain loop, as round() does it
    assert rounded(doubles, 2) == [2.67, 0.07]


def test_copy_is_a_deep_copy():
    state, _ = apply(SessionState("s", user_id="7"), "request_recommendation",
                     [genre("Comedy"), genre("Romance", UNWANTED)])
    state.last_shown = [{"id": "1", "title": "A", "year": 1990, "genres": ["Drama"],
                         "reason": "r", "score": 1.0}]
    state.shown, state.liked = ["1"], ["1"]
    copied = state.copy()
    assert copied.to_json() == state.to_json()
    copied.constraints.genres_wanted.add("Horror")
    copied.last_shown[0]["genres"].append("Crime")
    copied.shown.append("2")
    copied.interest_vector[0] = 9.0
    assert state.constraints.genres_wanted == {"Comedy"}
    assert state.last_shown[0]["genres"] == ["Drama"] and state.shown == ["1"]
    assert state.interest_vector[0] != 9.0


def occasion_turn(state, name, avoid):
    """A turn naming an occasion, as `policy.read_context` makes it: its exclusions as unwanted
    genres with no span in the message, its name in the slots."""
    parse = Parse(text="x", intent="request_recommendation", confidence=1.0,
                  entities=[Entity("genre", g, g, 0, 0, polarity=UNWANTED) for g in avoid],
                  slots={"occasion": name, "soft_genres": ["Comedy"]})
    return update(state, parse, PARAMS, ITEM_VECTORS.get, GENRE_VECTORS.get)[0]


def test_a_mood_occasion_and_its_own_exclusion_end_with_the_next_wish():
    state = SessionState("s")
    state.constraints.genres_unwanted.add("War")  # the person's own
    state = occasion_turn(state, "relax", ["Horror", "War"])
    assert state.occasion == "relax" and state.occasion_avoided == ["Horror"]
    assert state.constraints.genres_unwanted == {"Horror", "War"}
    state, _ = apply(state, "ask_more", [])  # "more": still relaxed
    assert state.occasion == "relax"
    state, _ = apply(state, "request_recommendation", [genre("Romance")])
    assert state.occasion is None and state.occasion_genres == []
    assert state.constraints.genres_unwanted == {"War"}


def test_who_is_watching_holds_through_a_wish():
    state = occasion_turn(SessionState("s"), "kids", ["Horror"])
    state, _ = apply(state, "request_recommendation", [genre("Comedy")])
    assert state.occasion == "kids" and state.constraints.genres_unwanted == {"Horror"}
    state = occasion_turn(state, "relax", [])  # another occasion replaces it, exclusions too
    assert state.occasion == "relax" and state.constraints.genres_unwanted == set()
