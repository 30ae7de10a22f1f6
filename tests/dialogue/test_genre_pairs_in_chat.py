"""Compound genres and the speaker's own dissent, as a person in the chat sees them."""

from __future__ import annotations


def _genres(agent, reply):
    return [set(agent.catalog.get(item["id"]).genres) for item in reply.items]


def test_a_romantic_comedy_is_both(talk, agent):
    (reply,) = talk("any good romantic comedies?")
    assert reply.items
    titles = [item["title"] for item in reply.items]
    assert all({"Romance", "Comedy"} <= genres for genres in _genres(agent, reply)), titles
    assert "comedy and romance" in reply.text


def test_a_choice_of_genres_stays_a_choice(talk, agent):
    (reply,) = talk("a comedy or a romance")
    genres = _genres(agent, reply)
    assert all(g & {"Romance", "Comedy"} for g in genres)
    assert "comedy or romance" in reply.text


def test_a_new_genre_ends_the_compound(talk, agent):
    _, reply = talk("a romantic comedy", "actually a thriller")
    assert all("Thriller" in genres for genres in _genres(agent, reply))
    assert "romance" not in reply.text.lower()


def test_what_someone_else_likes_and_the_speaker_does_not(talk, agent):
    (reply,) = talk("my girlfriend likes horror but i dont, something we can both watch")
    assert reply.items
    assert not any("Horror" in genres for genres in _genres(agent, reply))
