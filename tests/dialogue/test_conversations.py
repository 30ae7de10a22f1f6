"""Scripted conversations on the real catalog: what a person would notice in a chat."""

from __future__ import annotations

import numpy as np
import pytest

from bot.build import build_agent
from bot.errors import InputError


def say(agent, session, *texts, user=None):
    reply = None
    for text in texts:
        reply = agent.handle(session, text, user)
    return reply


def genres_of(agent, reply):
    return [set(agent.catalog.get(i["id"]).genres) for i in reply.items]


def test_not_a_romance_never_yields_a_romance(agent, session_id):
    replies = [agent.handle(session_id, "something funny from the 90s, not a romance")]
    replies += [agent.handle(session_id, "more") for _ in range(4)]
    shown = [item for reply in replies for item in reply.items]
    assert len(shown) >= 12
    for item in shown:
        assert "Romance" not in agent.catalog.get(item["id"]).genres, item
    assert all(r.action == "recommend" for r in replies)


def test_anything_but_horror(agent, session_id):
    reply = say(agent, session_id, "anything but horror please, maybe a thriller")
    assert reply.items
    for genres in genres_of(agent, reply):
        assert "Horror" not in genres


def test_nineties_yields_only_1990_to_1999(agent, session_id):
    replies = [agent.handle(session_id, "something from the 90s")]
    replies += [agent.handle(session_id, "show me more") for _ in range(3)]
    years = [agent.catalog.get(i["id"]).year for r in replies for i in r.items]
    assert len(years) >= 9
    assert all(1990 <= y <= 1999 for y in years), years


def test_rejected_item_never_returns_in_the_session(agent, session_id):
    first = say(agent, session_id, "a crime thriller")
    rejected = first.items[0]["id"]
    second = agent.handle(session_id, f'/reject{{"item": "{rejected}"}}')
    assert rejected not in [i["id"] for i in second.items]
    assert len(second.items) == len(first.items), "the rejected card is replaced by a new one"
    assert [i["id"] for i in second.items][1:] == [i["id"] for i in first.items][1:]
    words = agent.handle(session_id, "not the second one")
    assert words.intent["name"] == "reject"
    rejected_by_words = second.items[1]["id"]
    later = [agent.handle(session_id, t) for t in ("more", "more", "a crime thriller", "more")]
    seen = {i["id"] for r in [words, *later] for i in r.items}
    assert rejected not in seen and rejected_by_words not in seen
    assert set(agent.state(session_id).rejected) >= {rejected, rejected_by_words}


def test_more_like_the_second_one_moves_toward_it(agent, session_id):
    first = say(agent, session_id, "I want an adventure movie")
    target = first.items[1]["id"]
    vectors = agent.recommender.item_vectors
    target_vector = vectors[agent.catalog.index[target]]

    def similarity(items):
        return float(np.mean([vectors[agent.catalog.index[i["id"]]] @ target_vector
                              for i in items if i["id"] != target]))

    after = agent.handle(session_id, "more like the second one")
    assert after.intent["name"] == "refine"
    assert target not in [i["id"] for i in after.items]
    assert similarity(after.items) > similarity(first.items) + 0.05


def test_first_generic_request_asks_then_recommends(agent, session_id):
    ask = agent.handle(session_id, "can you recommend me a movie?")
    assert ask.action == "clarify" and not ask.items and ask.quick_replies
    pick = agent.handle(session_id, "a sci-fi movie")
    assert pick.items and all("Sci-Fi" in g for g in genres_of(agent, pick))


def test_known_user_gets_history_driven_picks(agent, session_id):
    reply = say(agent, session_id, "what should I watch tonight?", user="15")
    assert reply.action == "recommend" and reply.items
    history = agent.recommender.history.user("15")
    rated = {agent.catalog.items[r].id for r in history.item_rows}
    assert not rated & {i["id"] for i in reply.items}, "a rated movie was watched already"
    assert any("liked" in i["reason"] for i in reply.items)


def test_question_about_a_shown_item_is_answered_from_the_catalog(agent, session_id):
    reply = say(agent, session_id, "a Christopher Nolan movie")
    first = agent.catalog.get(reply.items[0]["id"])
    assert "Christopher Nolan" in first.directors
    answer = agent.handle(session_id, "who directed the first one?")
    assert answer.action == "answer" and "Christopher Nolan" in answer.text


def test_every_item_has_a_reason_and_fields(agent, session_id):
    reply = say(agent, session_id, "a family animation")
    for item in reply.items:
        assert set(item) - {"facets"} == {"id", "title", "year", "genres", "reason", "score"}
        assert item["reason"]
        # the movie's runtime, certificate, languages, countries where the build has them
        assert item.get("facets", {}) == agent.catalog.get(item["id"]).facets


def test_session_resumes_after_restart(agent_config, session_id):
    first = build_agent(agent_config)
    reply = say(first, session_id, "a comedy from the 80s, no romance")
    rejected = reply.items[0]["id"]
    first.handle(session_id, f'/reject{{"item": "{rejected}"}}')
    first.store.close()

    restarted = build_agent(agent_config)  # a new process would build exactly this
    state = restarted.state(session_id)
    assert state.constraints.year_min == 1980 and state.constraints.year_max == 1989
    assert "Romance" in state.constraints.genres_unwanted
    assert rejected in state.rejected
    later = [restarted.handle(session_id, "more") for _ in range(3)]
    for item in (i for r in later for i in r.items):
        movie = restarted.catalog.get(item["id"])
        assert 1980 <= movie.year <= 1989 and "Romance" not in movie.genres
        assert item["id"] != rejected


def test_feedback_is_logged_for_retraining(agent, session_id):
    reply = say(agent, session_id, "a war movie")
    item = reply.items[0]["id"]
    agent.handle(session_id, f'/accept{{"item": "{item}"}}')
    log = agent.store.behavior_log()
    assert {"user_id": f"session:{session_id}", "item_id": item, "event": "accepted"}.items() <= \
        log[-1].items()


def test_bad_input_gets_clear_errors(agent, session_id):
    for text, fragment in [("", "empty"), ("   ", "empty"), ("x" * 100_000, "too long"),
                           ("hi\x00there", "control"), ('/reject{"item": }', "JSON"),
                           ('/reject{"item": "no-such-id"}', "unknown item"),
                           ("/frobnicate", "unknown payload")]:
        with pytest.raises(InputError, match=fragment):
            agent.handle(session_id, text)
    assert agent.handle(session_id, "hello").action == "greet"
