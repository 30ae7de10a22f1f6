"""Constraint carry-over rules: add, replace, relax, reset; pronouns; reversals (pure)."""

from __future__ import annotations

import pytest

from bot.dialogue.acts import joined, separate_acts, split_clauses
from bot.dialogue.carryover import (
    adds,
    at_catalog_edge,
    carry_over,
    is_reversal,
    person_in_focus,
    relaxations,
)
from bot.dialogue.state import record_constraints
from nlu.types import UNWANTED, Entity
from recommender.domain.constraints import Constraints, Range


def genre(value, polarity="wanted"):
    return Entity("genre", value, value.lower(), 0, 1, polarity=polarity)


def person(value):
    return Entity("person", value, value.lower(), 0, 1)


def keyword(value):
    return Entity("keyword", value, value, 0, 1)


def turn(c, entities, text, refining=False):
    """One turn's carry-over as the state applies it: clear what is replaced, then record."""
    replaced = carry_over(c, entities, text, refining)
    record_constraints(c, entities)
    return replaced


def test_another_kind_adds_and_year_limit_stays():
    # westerns → "too old" → "with clint eastwood": a western with Eastwood, still from 1980 on
    c = Constraints(genres_wanted={"Western"}, year_min=1980)
    assert turn(c, [person("Clint Eastwood")], "with clint eastwood") == []
    assert c.genres_wanted == {"Western"} and c.people_wanted == {"Clint Eastwood"}
    assert c.year_min == 1980


def test_same_kind_replaces_and_an_adding_message_keeps_the_topic():
    c = Constraints(genres_wanted={"Comedy"}, year_max=1999)
    assert turn(c, [genre("Horror")], "a horror movie") == ["genre"]
    assert c.genres_wanted == {"Horror"} and c.year_max == 1999
    # "also": the list must show sci-fi (any-of with horror would let three horror films
    # through); the topic (the interest) stays, so nothing is returned
    assert turn(c, [genre("Sci-Fi")], "and sci-fi too") == []
    assert c.genres_wanted == {"Sci-Fi"} and c.year_max == 1999
    assert turn(c, [genre("Action"), genre("Horror")], "action, horror") == ["genre"]
    assert c.genres_wanted == {"Action", "Horror"}


def test_refinement_replaces_the_same_kind_and_keeps_the_topic_but_a_new_person_starts_one():
    c = Constraints(genres_wanted={"Romance"}, people_wanted={"Christopher Nolan"})
    assert turn(c, [genre("Comedy")], "something funnier", refining=True) == []
    assert c.genres_wanted == {"Comedy"} and c.people_wanted == {"Christopher Nolan"}
    assert turn(c, [person("Danny Boyle")], "one by danny boyle", refining=True) == ["person"]
    assert c.people_wanted == {"Danny Boyle"} and c.genres_wanted == {"Comedy"}


def test_reversal_replaces_the_mood_and_keeps_dislikes_and_years():
    c = Constraints(keywords_wanted={"sad"}, genres_wanted={"Drama"},
                    genres_unwanted={"Horror"}, year_min=1990)
    assert turn(c, [], "no actually something happy") == ["genre", "keyword"]
    assert c.keywords_wanted == set() and c.genres_wanted == set()
    assert c.genres_unwanted == {"Horror"} and c.year_min == 1990


def test_a_dislike_holds_until_the_same_value_is_wanted():
    c = Constraints()
    turn(c, [genre("Horror", UNWANTED)], "no horror")
    turn(c, [genre("Comedy")], "a comedy")
    assert c.genres_unwanted == {"Horror"}
    turn(c, [genre("Horror")], "actually horror is fine")
    assert c.genres_unwanted == set() and c.genres_wanted == {"Horror"}


@pytest.mark.parametrize("text, expected", [
    ("no actually something happy", True), ("actually, a comedy", True),
    ("nah instead something older", True), ("scratch that, a thriller", True),
    ("i changed my mind", False), ("changed my mind, a comedy", True),
    ("a comedy actually sounds fun", False), ("something happy", False),
])
def test_is_reversal(text, expected):
    assert is_reversal(text) is expected


def test_adds():
    assert adds("and with tom hanks") and adds("also a comedy") and adds("sci-fi too")
    assert not adds("a comedy with jim carrey") and not adds("something newer")


@pytest.mark.parametrize("text, focus, directors, expected", [
    ("what else did he make", "Quentin Tarantino", (), "Quentin Tarantino"),
    ("anything else with her?", "Meryl Streep", (), "Meryl Streep"),
    ("more from that director", "Tom Hanks", ("Frank Darabont",), "Frank Darabont"),
    ("what else did he direct", None, ("Frank Darabont",), "Frank Darabont"),
    ("he was great in it", "Tom Hanks", (), None),  # no request for their films
    ("what else did he make", None, (), None),  # nobody in focus
])
def test_person_in_focus(text, focus, directors, expected):
    assert person_in_focus(text, [], focus, directors) == expected


def test_a_named_person_wins_over_the_pronoun():
    assert person_in_focus("what else did he make with Tom Hanks", [person("Tom Hanks")],
                           "Quentin Tarantino") is None


def test_relaxations_drop_what_was_not_named_now_and_never_years_or_dislikes():
    c = Constraints(genres_wanted={"Comedy"}, people_wanted={"Quentin Tarantino"},
                    genres_unwanted={"Horror"}, year_min=1990)
    steps = relaxations(c, named_now={"person"})
    assert [(kinds, words) for kinds, words, _ in steps] == [(["genre"], "Comedy")]
    looser = steps[0][2]
    assert looser.genres_wanted == set() and looser.people_wanted == {"Quentin Tarantino"}
    assert looser.genres_unwanted == {"Horror"} and looser.year_min == 1990
    assert c.genres_wanted == {"Comedy"}, "the original is not changed"
    two = relaxations(Constraints(genres_wanted={"Comedy"}, keywords_wanted={"heist"}), set())
    assert [words for _, words, _ in two] == ["Comedy", "Comedy, heist"]


def test_a_schema_domains_old_limit_goes_after_its_values_and_a_limit_said_now_stays():
    c = Constraints(facets_wanted={"category": {"crm"}, "features": {"Kanban Boards"}},
                    ranges={"price": Range(high=8.5, high_open=True)})
    steps = relaxations(c, named_now={"facet:category"})
    assert [(kinds, words) for kinds, words, _ in steps] == [
        (["facet:features"], "Kanban Boards"),
        (["facet:features", "range:price"], "Kanban Boards, the price limit")]
    assert steps[-1][2].facets_wanted["category"] == {"crm"} and not steps[-1][2].ranges
    said_now = relaxations(c, named_now={"facet:category", "range:price"})
    assert [kinds for kinds, _, _ in said_now] == [["facet:features"]]


def test_at_catalog_edge():
    assert at_catalog_edge(Constraints(year_min=2017), last_year=2016, first_year=1902)
    assert at_catalog_edge(Constraints(year_max=1900), last_year=2016, first_year=1902)
    assert not at_catalog_edge(Constraints(year_min=2016), last_year=2016, first_year=1902)
    assert not at_catalog_edge(Constraints(), last_year=2016, first_year=1902)


@pytest.mark.parametrize("text, clauses", [
    ("not that one, something newer", ["not that one", "something newer"]),
    ("the last one sounds good, who's in it?", ["the last one sounds good", "who's in it"]),
    ("no animated stuff. they've seen all of those!", ["no animated stuff",
                                                       "they've seen all of those"]),
    ("I liked it but something funnier", ["I liked it", "but something funnier"]),
    ("a comedy", ["a comedy"]),
    ("something by David S. Ward, or Dr. Strangelove", ["something by David S. Ward",
                                                        "or Dr. Strangelove"]),
    ("action and comedy", ["action and comedy"]),
    ("", []),
])
def test_split_clauses(text, clauses):
    assert [text[a:b] for a, b in split_clauses(text)] == clauses


def test_separate_acts_needs_two_different_sure_kinds():
    assert separate_acts(["accept", "ask_item_info"], [0.9, 0.8])
    assert separate_acts(["reject", "refine"], [0.6, 0.7])
    assert not separate_acts(["request_recommendation", "refine"], [0.9, 0.9])  # one request
    assert not separate_acts(["accept", "ask_item_info"], [0.9, 0.3])  # unsure
    assert not separate_acts(["nlu_fallback", "accept"], [0.9, 0.9])


def test_joined_keeps_order_and_drops_repeats():
    assert joined(["OK, not Heat.", "", "Here are some picks:", "OK, not Heat."]) == \
        "OK, not Heat. Here are some picks:"
