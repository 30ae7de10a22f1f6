"""The replay's and simulator's constraint check (bot/evaluation/replay.py `StatedConstraints`):
what the person stated, read from each turn's entities, against the items shown (pure)."""

from __future__ import annotations

from bot.evaluation.replay import StatedConstraints
from recommender.domain.catalog import Item


def film(genres, year=2000, cast=()):
    return Item(id="1", title="A film", year=year, genres=tuple(genres), directors=(),
                cast=tuple(cast))


def entity(kind, value, start, end, polarity="wanted", **more):
    return {"type": kind, "value": value, "start": start, "end": end, "polarity": polarity,
            **more}


def test_a_requested_genre_must_be_on_every_item_of_that_turn_only():
    stated = StatedConstraints()
    stated.read("request_recommendation", [entity("genre", "Horror", 2, 8)], "a horror movie")
    assert stated.broken_by(film(["Comedy"])) == ["one of Horror"]
    assert stated.broken_by(film(["Comedy", "Horror"])) == []
    stated.read("ask_more", [], "more")
    assert stated.broken_by(film(["Comedy"])) == []


def test_the_last_word_in_a_turn_holds():
    # "is that the animated classic? she doesn't care for animated films"
    stated = StatedConstraints()
    stated.read("refine", [entity("genre", "Animation", 16, 24),
                           entity("genre", "Animation", 55, 63, "unwanted")], "x" * 70)
    assert stated.broken_by(film(["Children"])) == []
    assert stated.broken_by(film(["Animation"])) == ["no Animation"]


def test_an_occasions_own_exclusion_is_not_the_persons():
    # "date night": the dialogue adds "no horror" (no span in the message); it is the
    # occasion's, and a later wish replaces the occasion
    stated = StatedConstraints()
    stated.read("request_recommendation", [entity("genre", "Horror", 0, 0, "unwanted")],
                "date night")
    assert stated.broken_by(film(["Horror"])) == []
    stated.read("request_recommendation", [entity("genre", "Horror", 3, 9, "unwanted")],
                "no horror")
    assert stated.broken_by(film(["Horror"])) == ["no Horror"]


def test_a_year_limit_holds_until_replaced_and_a_films_own_year_is_none():
    stated = StatedConstraints()
    text = "something from the 90s"
    stated.read("request_recommendation",
                [entity("year", "1990-1999", 19, 22, year_min=1990, year_max=1999)], text)
    stated.read("ask_more", [], "more")
    assert stated.broken_by(film(["Drama"], 2005)) == ["year <= 1999"]
    text = "I liked Baywatch (2017)"
    stated.read("state_preference",
                [entity("year", "2017", 18, 22, year_min=2017, year_max=2017)], text)
    assert stated.broken_by(film(["Drama"], 1995)) == []
