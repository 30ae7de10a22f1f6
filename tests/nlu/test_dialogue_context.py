"""The dialogue around a message as the intent head reads it: the context vector, IARD's
recommender acts, and a head that tells "I loved it" after a suggestion from the same words
said unprompted. Small hand-made inputs; no built data."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bot.dialogue.agent import parse_context
from bot.dialogue.state import SessionState
from nlu.dialogue_context import CONTEXT_DIM, context_features
from nlu.iard import load_seeker_messages
from nlu.intent_classifier import IntentClassifier, IntentConfig
from nlu.train import rows_with_contexts
from nlu.types import ParseContext


@pytest.mark.parametrize(("context", "expected"), [
    (None, [0, 0, 0, 0, 0]),
    (ParseContext(), [0, 0, 0, 0, 0]),  # a message read alone: the head reads only its text
    (ParseContext(bot_act="greet"), [1, 0, 0, 0, 0]),
    (ParseContext(bot_act="recommend", recommended_before=True), [1, 1, 0, 0, 1]),
    (ParseContext(bot_act="ask"), [1, 0, 1, 0, 0]),
    (ParseContext(bot_act="answer", recommended_before=True), [1, 0, 0, 1, 1]),
])
def test_context_vector(context, expected):
    assert context_features(context).tolist() == expected


def test_an_unknown_bot_act_is_refused():
    with pytest.raises(ValueError, match="bot_act"):
        ParseContext(bot_act="recommended")


def test_iard_messages_carry_what_the_recommender_did_before_them(tmp_path):
    conversation = [
        ("USER", "hi, something scary please", ["OTH", "IQU"]),
        ("AGENT", "What kind of scary?", ["REQ"]),
        ("USER", "ghosts", ["PRO"]),
        ("AGENT", "Try The Others (2001)", ["REC-S", "EXP-P"]),
        ("USER", "I loved it", ["SEE"]),
        ("AGENT", "It stars Nicole Kidman", ["R-ANS"]),
        ("USER", "I'll watch it", ["ACC"]),
    ]
    path = tmp_path / "iard.json"
    path.write_text(json.dumps([{"conversation_id": "1", "conversation": [
        {"participant": who, "utterance": text, "dialogue_acts": [{"intent": a} for a in acts]}
        for who, text, acts in conversation]}]))
    messages = load_seeker_messages(path)
    assert [(m.text, m.bot_act, m.recommended_before) for m in messages] == [
        ("hi, something scary please", "greet", False),  # the seeker spoke first
        ("ghosts", "ask", False),
        ("I loved it", "recommend", True),
        ("I'll watch it", "answer", True),
    ]
    assert messages[2].context == ParseContext(bot_act="recommend", recommended_before=True)


@pytest.fixture(scope="module")
def context_head() -> IntentClassifier:
    """The same words, two meanings: after a suggestion "I loved it" is `seen`; brought up by
    the person, it is `state_preference`."""
    after = ParseContext(bot_act="recommend", recommended_before=True)
    unprompted = ParseContext(bot_act="ask")
    rows = [("I loved it", after, "seen"), ("loved that one", after, "seen"),
            ("I loved it", unprompted, "state_preference"),
            ("loved that one", unprompted, "state_preference"),
            ("who is in it", after, "ask_item_info"), ("who is in it", None, "ask_item_info")] * 4
    contexts = np.stack([context_features(c) for _, c, _ in rows])
    return IntentClassifier.train(
        np.zeros((len(rows), 384), dtype=np.float32), [t for t, _, _ in rows],
        [label for _, _, label in rows], IntentConfig(epochs=60, dropout=0.0), "nlu_fallback",
        ["seen", "state_preference", "ask_item_info"], contexts=contexts)


def test_the_head_reads_the_same_words_by_what_the_bot_just_did(context_head, tmp_path):
    zero = np.zeros(384, np.float32)
    after = context_features(ParseContext(bot_act="recommend", recommended_before=True))
    unprompted = context_features(ParseContext(bot_act="ask"))
    assert context_head.predict(zero, "I loved it", after)[0] == "seen"
    assert context_head.predict(zero, "I loved it", unprompted)[0] == "state_preference"
    context_head.save(tmp_path / "head")
    loaded = IntentClassifier.load(tmp_path / "head")
    assert loaded.context_dim == CONTEXT_DIM
    assert loaded.predict(zero, "I loved it", after)[0] == "seen"
    assert loaded.predict(zero, "who is in it")[0] == "ask_item_info"  # no context: zeros


def test_a_head_without_context_ignores_a_context():
    head = IntentClassifier.train(np.zeros((4, 384), np.float32), ["seen it", "nah"] * 2,
                                  ["seen", "reject"] * 2, IntentConfig(epochs=30, dropout=0.0),
                                  "nlu_fallback", ["seen", "reject"])
    after = context_features(ParseContext(bot_act="recommend"))
    assert head.context_dim == 0
    assert head.probabilities(np.zeros((1, 384), np.float32), ["seen it"], after[None, :]
                              ).tolist() == head.probabilities(np.zeros((1, 384), np.float32),
                                                               ["seen it"]).tolist()


@pytest.mark.parametrize(("turn", "last_question", "shown", "bot_act"), [
    (0, None, [], "greet"),
    (1, "preference", [], "ask"),  # greeted and asked what they like
    (2, "list", ["1"], "recommend"),
    (3, "item", ["1"], "answer"),  # answered a question about an item
    (3, "which", ["1"], "ask"),
])
def test_the_chat_tells_the_parser_what_it_last_did(turn, last_question, shown, bot_act):
    state = SessionState("s", turn=turn, last_question=last_question, shown=shown)
    context = parse_context(state)
    assert (context.bot_act, context.recommended_before) == (bot_act, bool(shown))


def test_our_examples_train_alone_and_in_the_context_they_are_typically_said_in():
    vectors = np.eye(2, 384, dtype=np.float32)
    texts, labels = ["recommend me something", "cheaper"], [("request_recommendation",),
                                                            ("refine",)]
    after = context_features(ParseContext(bot_act="recommend", recommended_before=True))
    seekers = (np.ones((1, 384), np.float32), ["I loved it"], [("seen",)], after[None, :])
    rows, row_texts, row_labels, contexts = rows_with_contexts(vectors, texts, labels, seekers)
    assert row_texts == texts + texts + ["I loved it"]
    assert row_labels == labels + labels + [("seen",)]
    assert rows.shape == (5, 384)
    assert contexts.tolist() == [[0, 0, 0, 0, 0], [0, 0, 0, 0, 0],
                                 [1, 0, 1, 0, 0],  # a request: after the bot asked
                                 [1, 1, 0, 0, 1],  # a refinement: after a suggestion
                                 [1, 1, 0, 0, 1]]


def test_without_real_conversations_the_head_reads_no_context():
    no_seekers = (np.zeros((0, 384), np.float32), [], [], np.zeros((0, CONTEXT_DIM)))
    rows, texts, labels, contexts = rows_with_contexts(
        np.eye(1, 384, dtype=np.float32), ["cheaper"], [("refine",)], no_seekers)
    assert (texts, labels, contexts) == (["cheaper"], [("refine",)], None)
