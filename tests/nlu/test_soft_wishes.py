"""Soft wishes: moods and comparatives become genre directions, never keywords or exclusions."""

from __future__ import annotations

import pytest

from nlu.entities import EntityLexicon, extract_entities
from nlu.soft_wishes import DIRECTIONS, find_soft_wishes
from nlu.types import UNWANTED, WANTED
from tests.nlu.test_entities import ALIASES, make_catalog

# (message, the attribute values it holds, in order)
PHRASINGS = [
    ("something shorter", ["length:down"]),
    ("not too long please", ["length:down"]),
    ("not too gory", ["violence:down"]),
    ("not so violent", ["violence:down"]),
    ("less violent", ["violence:down"]),
    ("no gore", ["violence:down"]),
    ("nothing too bloody", ["violence:down"]),
    ("I don't want anything violent", ["violence:down"]),
    ("something brutal", ["violence:up"]),
    ("uplifting", ["lightness:up"]),
    ("something light", ["lightness:up"]),
    ("something lighter this time", ["lightness:up"]),
    ("a feel-good movie", ["lightness:up"]),
    ("something heartwarming", ["lightness:up"]),
    ("cheer me up", ["lightness:up"]),
    ("something to cry to", ["sadness:up"]),
    ("a real tearjerker", ["sadness:up"]),
    ("something sad", ["sadness:up"]),
    ("less dark", ["darkness:down"]),
    ("nothing too depressing", ["darkness:down"]),
    ("something dark", ["darkness:up"]),
    ("darker", ["darkness:up"]),
    ("not too scary", ["fear:down"]),
    ("less creepy", ["fear:down"]),
    ("more intense", ["excitement:up"]),
    ("something exciting", ["excitement:up"]),
    ("something relaxing", ["calm:up"]),
    ("less silly", ["humour:down"]),
    ("something goofy", ["humour:up"]),
    ("something serious", ["seriousness:up"]),
    ("dark and sad", ["darkness:up", "sadness:up"]),
    # no wish
    ("a long time ago", []),
    ("how long is it", []),
    ("The Dark Knight", []),
]


@pytest.fixture(scope="module")
def lexicon() -> EntityLexicon:
    return EntityLexicon.from_catalog(make_catalog(), reference_year=2016, aliases=ALIASES)


def test_enough_phrasings():
    assert sum(1 for _, values in PHRASINGS if values) >= 30


@pytest.mark.parametrize(("text", "values"), PHRASINGS, ids=[p[0] for p in PHRASINGS])
def test_phrasing_becomes_a_direction(lexicon, text, values):
    entities = extract_entities(text, lexicon)
    assert [e.value for e in entities if e.type == "attribute"] == values
    assert not any(e.type == "keyword" for e in entities)  # never "mentions X"
    for entity in entities:
        if entity.type == "attribute":
            down = entity.value.endswith(":down")
            assert entity.polarity == (UNWANTED if down else WANTED)


def test_a_lowering_wish_excludes_no_genre(lexicon):
    entities = extract_entities("not too scary", lexicon)
    assert [(e.type, e.value) for e in entities] == [("attribute", "fear:down")]
    [wish] = entities
    assert dict(wish.weights)["Horror"] == -1.0


def test_a_wanted_genre_word_stays_a_genre(lexicon):
    assert [(e.type, e.value) for e in extract_entities("something scary", lexicon)] == [
        ("genre", "Horror")]


def test_weights_name_catalog_genres_and_flip_with_the_sign():
    genres = {"Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary",
              "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance",
              "Sci-Fi", "Thriller", "War", "Western"}
    assert {g for weights in DIRECTIONS.values() for g, _ in weights} <= genres
    for direction, weights in DIRECTIONS.items():  # balanced: the films' common part cancels
        assert abs(sum(w for _, w in weights)) <= 0.5, direction
    [up] = find_soft_wishes("more violent")
    [down] = find_soft_wishes("less violent")
    assert [w for _, w in up.weights] == [-w for _, w in down.weights]


VIOLENT = {"Horror", "War", "Crime"}


def _violent_share_of_top_10(agent, texts: list[str]) -> float:
    """Share of Horror / War / Crime films in the top 10 after the turns `texts`."""
    # heavy: the chat's state update and the recommender, only with the real agent
    from bot.dialogue.state import SessionState, update
    from recommender.serving.recommend import RecommendRequest

    state = SessionState("soft-wish-test")
    for text in texts:
        parse = agent.nlu.parse(text)
        parse.intent = "request_recommendation"  # the direction is what is measured here
        state, _ = update(state, parse, agent.params, agent.item_vector, agent.genre_vectors.get)
    results = agent.recommender.recommend(RecommendRequest(
        state.interest_vector, state.constraints, k=10, described=True))
    return sum(bool(VIOLENT & set(r.item.genres)) for r in results) / len(results)


@pytest.mark.parametrize(("first", "wish"), [
    ("an action movie", "less violent"),
    ("an action movie", "not too gory"),
    ("something to watch tonight", "nothing violent"),
])
def test_a_gentler_wish_lowers_the_violent_share_of_a_real_agents_top_10(agent, first, wish):
    before = _violent_share_of_top_10(agent, [first])
    after = _violent_share_of_top_10(agent, [first, wish])
    assert after < before, (before, after)
