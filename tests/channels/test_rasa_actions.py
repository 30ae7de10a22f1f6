"""convrec's Rasa custom actions: the real rasa-sdk action server, spoken to as Rasa speaks to it.

The server runs `python -m rasa_sdk --actions bot.server.rasa_action_server` (which imports the
actions of bot/channels/rasa_actions.py) on 127.0.0.1 (a free port) with its session store in a
temp folder; each test POSTs the JSON Rasa 3.6 sends for one action.
"""

from __future__ import annotations

import pytest

from bot.channels.rasa_actions import Turn, feedback_turn, item_info_turn, recommend_turn
from tests.support.rasa_support import (
    action_call,
    action_server_command,
    action_server_env,
    convrec_config,
    free_port,
    http,
    listening_addresses,
    running,
)

ACTIONS = {"action_recommend", "action_feedback", "action_item_info", "action_reset_preferences"}


# -- what each action hands to Agent.handle (pure) ------------------------------------------------
def test_turns_keep_rasa_intent_for_text_and_use_payloads_for_buttons():
    assert recommend_turn("refine", "something older") == Turn("something older", "refine")
    assert recommend_turn("greet", "hi") == Turn("hi", "request_recommendation")
    assert recommend_turn("request_recommendation", '/request_recommendation{"surprise": true}') \
        == Turn('/request_recommendation{"surprise": true}')
    assert recommend_turn("ask_more", "/more_please") == Turn("/ask_more")
    assert recommend_turn("refine", "") == Turn("/refine")
    button = '/reject{"item":"318"}'
    assert feedback_turn("reject", button, ["318"]) == Turn(button)
    assert feedback_turn("seen", "seen both", ["1", "2"]) == Turn('/seen{"item":["1","2"]}')
    assert feedback_turn("accept", "the second one", []) == Turn("the second one", "accept")
    assert feedback_turn("accept", "/accept", []) == Turn("/accept")
    assert item_info_turn("who directed it?", []) == Turn("who directed it?", "ask_item_info")
    assert item_info_turn("/ask_item_info", ["318", "2"]) == Turn('/ask_item_info{"item":"318"}')


# -- the real action server ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def action_server(tmp_path_factory, agent_config):
    folder = tmp_path_factory.mktemp("actions")
    port = free_port()
    env = action_server_env(convrec_config(folder))
    with running(action_server_command(port), env, folder / "action_server.log",
                 f"http://127.0.0.1:{port}/health", timeout=90) as process:
        yield {"url": f"http://127.0.0.1:{port}", "port": port, "process": process}


def run_action(server, *args, **kwargs) -> dict:
    status, body = http("POST", server["url"] + "/webhook", action_call(*args, **kwargs))
    assert status == 200, body
    return body


def slots(body: dict) -> dict:
    return {e["name"]: e["value"] for e in body["events"] if e["event"] == "slot"}


def items(body: dict) -> list[dict]:
    (response,) = body["responses"]
    return response["custom"]["items"]


def test_server_binds_loopback_only_and_lists_the_four_actions(action_server):
    assert listening_addresses(action_server["port"]) == {"127.0.0.1"}
    status, actions = http("GET", action_server["url"] + "/actions")
    assert status == 200
    assert {a["name"] for a in actions} == ACTIONS


def test_a_conversation_through_the_actions(action_server):
    sender = "conversation-1"
    first = run_action(action_server, "action_recommend", sender,
                       "something funny from the 90s, not a romance", "request_recommendation",
                       entities=[{"entity": "genre", "value": "Comedy", "start": 10, "end": 15},
                                 {"entity": "year", "value": "1990-1999", "start": 25, "end": 28}])
    shown = items(first)
    assert len(shown) == 3
    for item in shown:
        assert {"id", "title", "year", "genres", "reason"} <= set(item)
        assert 1990 <= item["year"] <= 1999 and "Romance" not in item["genres"], item
    (response,) = first["responses"]
    assert response["text"]
    payloads = {b["payload"] for b in response["buttons"]}
    assert all(f'/reject{{"item":"{i["id"]}"}}' in payloads for i in shown)
    assert slots(first)["shown_items"] == [i["id"] for i in shown]
    assert slots(first)["convrec_action"] == "recommend"

    # a button press: Rasa parses /reject{"item": ...} into intent + `item` entity
    rejected = shown[0]["id"]
    second = run_action(action_server, "action_feedback", sender, f'/reject{{"item":"{rejected}"}}',
                        "reject", entities=[{"entity": "item", "value": rejected}])
    replaced = items(second)
    assert len(replaced) == 3 and rejected not in [i["id"] for i in replaced]
    assert [i["id"] for i in replaced][1:] == [i["id"] for i in shown][1:]
    assert rejected in slots(second)["rejected_items"]

    # words: convrec resolves "the second one" against the list it showed
    third = run_action(action_server, "action_feedback", sender, "I've seen the second one", "seen")
    assert replaced[1]["id"] in slots(third)["seen_items"]
    now_shown = slots(third)["shown_items"]

    info = run_action(action_server, "action_item_info", sender, "who directed the first one?",
                      "ask_item_info")
    (answer,) = info["responses"]
    first_title = next(i["title"] for i in items(third) if i["id"] == now_shown[0])
    assert first_title in answer["text"] and "direct" in answer["text"]
    assert slots(info)["focus_item"] == now_shown[0]

    liked = run_action(action_server, "action_feedback", sender, "I'll watch the first one",
                       "accept")
    assert slots(liked)["liked_items"] == [now_shown[0]]

    more = run_action(action_server, "action_recommend", sender, "more", "ask_more")
    assert items(more) and not {i["id"] for i in items(more)} & {rejected, replaced[1]["id"]}

    reset = run_action(action_server, "action_reset_preferences", sender, "/reset", "reset")
    assert slots(reset)["convrec_action"] == "reset" and slots(reset)["shown_items"] == []
    assert rejected in slots(reset)["rejected_items"], "a reset keeps what was rejected"


def test_rasa_intent_decides_what_convrec_does(action_server, agent):
    text = "thanks, now something with Tom Hanks"
    own = agent.nlu.parse(text).intent
    if own in ("request_recommendation", "state_preference", "refine", "ask_more"):
        pytest.skip(f"convrec's classifier itself reads {text!r} as {own}: pick another text")
    body = run_action(action_server, "action_recommend", "conversation-2", text,
                      "request_recommendation")
    assert slots(body)["convrec_action"] == "recommend" and len(items(body)) == 3
    assert "Tom Hanks" in body["responses"][0]["text"]  # convrec's entities still apply


def test_conversations_are_separate_and_errors_are_answered(action_server):
    body = run_action(action_server, "action_feedback", "conversation-3", "not the first one",
                      "reject")
    assert slots(body)["convrec_action"] == "nothing_shown" and items(body) == []

    bad = run_action(action_server, "action_feedback", "conversation-3",
                     '/accept{"item":"no-such-movie"}', "accept",
                     entities=[{"entity": "item", "value": "no-such-movie"}])
    (response,) = bad["responses"]
    assert response["text"].startswith("Sorry") and "no-such-movie" in response["text"]
    assert "no-such-movie" in slots(bad)["convrec_error"]

    status, body = http("POST", action_server["url"] + "/webhook",
                        action_call("action_feedback", "conversation-3", "hello", "greet"))
    assert status == 500 and "action_feedback runs after the intents" in body["error"]


def test_a_user_id_in_the_metadata_brings_that_users_history(action_server):
    text = "recommend me a movie"
    new_user = run_action(action_server, "action_recommend", "conversation-4", text,
                          "request_recommendation")
    assert slots(new_user)["convrec_action"] == "clarify" and items(new_user) == []
    known = run_action(action_server, "action_recommend", "conversation-5", text,
                       "request_recommendation", metadata={"user": "15"})
    assert slots(known)["convrec_action"] == "recommend" and len(items(known)) == 3
