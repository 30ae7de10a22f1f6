"""Scripted conversations, round 2: what strangers hit after the first round (a bare yes after a
list, a kids occasion forgotten, an occasion leaking into a later request, a mood kept after
"no actually"), on the real agent; each asserts what the person would notice."""

from __future__ import annotations

import pytest

from bot.dialogue.occasions import OCCASIONS, Occasion, ends_occasion, occasion_named
from bot.dialogue.turn import wish_owner
from nlu.types import UNWANTED, Act, Entity


def genres(agent, shown) -> set[str]:
    return set(agent.catalog.get(shown["id"]).genres)


# -- a bare yes after a list ------------------------------------------------------------------

def test_ya_ya_ya_after_a_list_names_them_then_shows_the_first_then_takes_it(talk, help_text):
    listed, ya, yeah, yep = talk("a crime thriller", "ya", "yeah", "yep")
    titles = [i["title"] for i in listed.items]
    assert len(titles) == 3
    # one clear question that names the options, not "Which one do you mean?" alone
    assert all(title in ya.text for title in titles) and ya.text not in help_text
    # a second yes does not ask again: the first one's card
    assert yeah.action == "answer" and titles[0] in yeah.text and yeah.text != ya.text
    # a yes to the card takes it
    assert yep.action == "feedback" and titles[0] in yep.text


def test_ok_cool_and_sounds_good_after_a_list_are_no_dead_end(talk, help_text):
    listed, ok_cool, sounds_good = talk("a crime thriller", "ok cool", "sounds good")
    assert ok_cool.text not in help_text and sounds_good.text not in help_text
    assert listed.items[1]["title"] in ok_cool.text  # it names the options
    assert sounds_good.text != ok_cool.text


# -- an occasion: who is watching holds, a mood gives way -------------------------------------

def test_no_animated_stuff_for_an_8_year_old_still_gets_kids_films(talk, agent):
    first, no_animation, more = talk("something for my 8 yr old", "no animated stuff", "more")
    assert first.items
    for reply in (no_animation, more):
        assert reply.items
        for shown in reply.items:
            assert "Children" in genres(agent, shown), shown  # for kids, and not animated
            assert not genres(agent, shown) & {"Animation", "Horror"}, shown


def test_a_comedy_for_the_kids_is_a_kids_comedy(talk, agent):
    _, comedy = talk("watching with my 8 year old", "a comedy")
    assert comedy.items
    for shown in comedy.items:
        assert {"Comedy", "Children"} <= genres(agent, shown), shown


def test_a_horror_movie_for_the_kids_is_a_kids_horror_movie(talk, agent):
    _, horror = talk("something for my 8 yr old", "a horror movie")
    assert horror.items  # the person's wish wins over the occasion's "no horror" ...
    for shown in horror.items:  # ... and the kids still watch: no adult animation
        assert {"Horror", "Children"} <= genres(agent, shown), shown


def test_a_rainy_sunday_does_not_rule_out_horror_asked_for_later(talk, agent):
    _, thriller = talk("something for a rainy sunday", "a thriller")
    # the occasion's "no horror" was never the person's: it is not said, nor held
    assert thriller.items and "horror" not in thriller.text.lower()
    _, horror, more = talk("something for a rainy sunday", "a horror movie", "more")
    assert all("Horror" in genres(agent, i) for r in (horror, more) for i in r.items)
    assert horror.items and more.items


def test_no_actually_something_happy_replaces_the_sad_mood(talk, agent):
    sad, happy, more = talk("something sad and dark", "no actually something happy", "more")
    assert sad.items and happy.items and more.items
    assert happy.text.startswith("For cheering up")
    cheerful = set(occasion_named("cheer up").genres)
    for shown in happy.items + more.items:
        assert genres(agent, shown) & cheerful, shown


# -- same-kind wishes: the newest one is what the list shows ----------------------------------

def test_i_also_like_horror_after_comedies_shows_horror(talk, agent):
    _, horror = talk("a comedy", "I also like horror")
    assert horror.items and all("Horror" in genres(agent, i) for i in horror.items)


def test_some_dramas_are_good_too_shows_dramas(talk, agent):
    _, drama = talk("an action movie", "some dramas are good too")
    assert drama.items and all("Drama" in genres(agent, i) for i in drama.items)


def test_i_love_an_actor_after_a_list_shows_their_films(talk, agent):
    *_, loved = talk("what are some good films that are out now",
                     "What else is good. I love Robin Williams.")
    assert loved.items
    assert all("Robin Williams" in agent.catalog.get(i["id"]).cast
               + agent.catalog.get(i["id"]).directors for i in loved.items)


# -- the rules, pure ---------------------------------------------------------------------------

@pytest.mark.parametrize("intents, entity, owner, expected", [
    # a wish in a feedback act goes to the nearest request act
    (["seen", "refine"], Entity("person", "John Candy", "john candy", 0, 1), 0, 1),
    (["refine", "seen"], Entity("genre", "Sci-Fi", "scifi", 0, 1), 1, 0),
    # nowhere to go: it stays (`interpret` reads a liking with nothing to accept as a wish)
    (["seen", "ask_item_info"], Entity("genre", "Sci-Fi", "scifi", 0, 1), 0, 0),
    # a dislike, a year or a reference stays with its own act
    (["seen", "refine"], Entity("genre", "Horror", "horror", 0, 1, polarity=UNWANTED), 0, 0),
    (["seen", "refine"], Entity("reference", "1", "the first one", 0, 1), 0, 0),
    # a request keeps its wishes
    (["refine", "seen"], Entity("genre", "Comedy", "comedy", 0, 1), 0, 0),
])
def test_wish_owner(intents, entity, owner, expected):
    acts = [Act(intent, 0.9, 10 * k, 10 * k + 9) for k, intent in enumerate(intents)]
    assert wish_owner(entity, owner, acts) == expected


def wanted_genre(value):
    return Entity("genre", value, value.lower(), 0, 1)


@pytest.mark.parametrize("name, entities, reversal, ends", [
    ("relax", [wanted_genre("Horror")], False, True),  # a wish replaces a mood
    ("relax", [], True, True),  # "no actually ..."
    ("relax", [Entity("genre", "Romance", "romance", 0, 1, polarity=UNWANTED)], False, False),
    ("relax", [], False, False),  # "more"
    ("kids", [wanted_genre("Comedy")], False, False),  # who is watching holds
    ("kids", [], True, False),
])
def test_ends_occasion(name, entities, reversal, ends):
    assert ends_occasion(occasion_named(name), entities, reversal) is ends


def test_only_who_is_watching_holds_and_what_holds_requires_a_fit():
    holding = [o.name for _, o in OCCASIONS if o.holds]
    assert holding == ["kids"]
    assert all(isinstance(o, Occasion) and (o.require == () or o.holds) for _, o in OCCASIONS)
