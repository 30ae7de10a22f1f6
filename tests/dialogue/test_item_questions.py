"""A question about an item inside feedback is answered, not dropped: "the second one sounds good
whos in it" accepts the film AND says who is in it."""

from __future__ import annotations

import pytest

from bot.dialogue.acts import item_question
from bot.dialogue.turn import with_item_question
from nlu.types import Act


@pytest.mark.parametrize(("clause", "asks"), [
    ("whos in it", True),
    ("what is it about?", True),
    ("who directed that one", True),
    ("is it scary", True),
    ("how long is it", True),
    ("sounds good", False),
    ("I loved it", False),
    ("what a great movie", False),
])
def test_item_question(clause, asks):
    assert item_question(clause) is asks


def test_a_weak_question_act_after_feedback_is_made_sure():
    text = "the second one sounds good whos in it"
    acts = [Act("accept", 0.93, 0, 26), Act("ask_item_info", 0.28, 27, 37)]
    assert [(a.intent, a.confidence >= 0.5) for a in with_item_question(text, acts)] == [
        ("accept", True), ("ask_item_info", True)]


def test_a_missing_question_act_after_feedback_is_added():
    text = "seen it, who directed it?"
    acts = [Act("seen", 0.9, 0, 7)]
    assert [a.intent for a in with_item_question(text, acts)] == ["seen", "ask_item_info"]


def test_a_request_keeps_its_acts():
    acts = [Act("request_recommendation", 0.9, 0, 20)]
    assert with_item_question("a comedy, who is in it", acts) == acts


def test_accept_and_question_in_one_message_get_both_replies(talk, agent):
    first, second = talk("looking for a thriller like gone girl",
                         "the second one sounds good whos in it")
    picked = first.items[1]
    item = agent.catalog.get(picked["id"])
    assert picked["title"] in second.text
    assert any(name in second.text for name in item.cast[:6]), "the question is answered"
    state = agent.state(second.session)
    assert picked["id"] in state.liked, "and the film is taken"


def test_it_after_asking_about_a_film_off_the_list_means_that_film(talk, agent):
    listed, card, verdict = talk("show me war movies", "tell me about saving private ryan",
                                 "ive seen it, loved it")
    assert "Saving Private Ryan" in card.text and not card.items
    assert "Saving Private Ryan" in verdict.text
    state = agent.state(verdict.session)
    ryan = next(i.id for i in agent.catalog.items if i.title == "Saving Private Ryan")
    assert ryan in state.seen
    assert listed.items[0]["id"] not in state.seen, "not the list's first film"


def test_the_second_about_is_the_second_shown(talk):
    listed, answer = talk("war movies", "what's the second about")
    assert answer.text.startswith(listed.items[1]["title"])
