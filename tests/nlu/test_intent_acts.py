"""Several acts per message: clause spans, per-intent thresholds, the multi-label head, the IARD
reader and the NLU evaluation's measures. Small hand-made inputs; no built data."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from nlu.clauses import clause_spans
from nlu.evaluation import micro_f1_sets, single_label_scores
from nlu.iard import IARD_TO_CONVREC, conversation_folds, gold_titles, load_seeker_messages
from nlu.intent_classifier import (
    IntentClassifier,
    IntentConfig,
    IntentHead,
    OldIntentModel,
    choose_thresholds,
    delexicalize,
)
from nlu.parse import delexicalised_offsets
from nlu.train import ROOT, fingerprint, train_intents


def _clauses(text: str) -> list[str]:
    return [text[a:b] for a, b in clause_spans(text)]


@pytest.mark.parametrize(("text", "expected"), [
    ("I think I will check out The Conjuring, thanks for the help",
     ["I think I will check out The Conjuring", "thanks for the help"]),
    ("I've seen that one, not one of my favorites though",
     ["I've seen that one", "not one of my favorites though"]),
    ("I haven't seen that one either, but I like Rachel McAdams",
     ["I haven't seen that one either", "but I like Rachel McAdams"]),
    ("No, what's that about?", ["No", "what's that about"]),
    ("the second one sounds good whos in it", ["the second one sounds good", "whos in it"]),
    ("I don't really like horror movies what about thrillers",
     ["I don't really like horror movies", "what about thrillers"]),
    ("seen it who is in the second one", ["seen it", "who is in the second one"]),
    ("Sounds good", ["Sounds good"]),
])
def test_clauses_split_where_a_new_act_can_start(text, expected):
    assert _clauses(text) == expected


def test_thresholds_maximise_each_intents_f1_on_held_out_rows():
    probabilities = np.array([[0.9, 0.2], [0.6, 0.3], [0.4, 0.1], [0.2, 0.1]])
    targets = np.array([[1, 0], [1, 0], [0, 0], [0, 0]])
    # intent 0: any threshold in (0.4, 0.6] separates perfectly, ties go to the highest (0.6);
    # intent 1 has no positive row: the default
    assert choose_thresholds(probabilities, targets).tolist() == pytest.approx([0.6, 0.5])


def test_delexicalised_positions_map_back_to_the_message():
    text = "loved The Matrix, who directed it"
    spans = [(6, 16, "title")]
    delexicalised = delexicalize(text, spans)
    offsets = delexicalised_offsets(text, spans)
    assert delexicalised == "loved <title>, who directed it"
    start = delexicalised.index("who")
    assert text[offsets[start]:offsets[len(delexicalised)]] == "who directed it"
    assert text[offsets[0]:offsets[delexicalised.index(",")]] == "loved The Matrix"


@pytest.fixture(scope="module")
def head() -> IntentClassifier:
    rows = [("seen it", ("seen",)), ("already seen it", ("seen",)), ("watched it", ("seen",)),
            ("not for me", ("reject",)), ("nah not that", ("reject",)), ("no thanks", ("reject",)),
            ("who directed it", ("ask_item_info",)), ("who is in it", ("ask_item_info",)),
            ("seen it, not for me", ("seen", "reject")),
            ("watched it, nah not that", ("seen", "reject"))] * 3
    texts = [t for t, _ in rows]
    vectors = np.zeros((len(rows), 384), dtype=np.float32)  # n-grams only
    return IntentClassifier.train(vectors, texts, [labels for _, labels in rows],
                                  IntentConfig(epochs=60, dropout=0.0), "nlu_fallback",
                                  ["seen", "reject", "ask_item_info"])


def test_two_acts_in_text_order_each_in_its_clause(head):
    text = "seen it, not for me"
    intent, _, ranking, acts = head.predict_acts(np.zeros(384, np.float32), text,
                                                 clause_spans(text))
    assert [(a[0], text[a[2]:a[3]]) for a in acts] == [("seen", "seen it"),
                                                        ("reject", "not for me")]
    assert intent in ("seen", "reject")
    assert [name for name, _ in ranking][:2] == sorted(["seen", "reject"],
                                                       key=lambda n: -dict(ranking)[n])
    assert len(ranking) == 3  # the whole ranking, Rasa's intent_ranking


def test_one_act_message_has_one_act(head):
    text = "who directed it"
    _, _, _, acts = head.predict_acts(np.zeros(384, np.float32), text, clause_spans(text))
    assert [a[0] for a in acts] == ["ask_item_info"]


def test_saved_head_round_trips_and_an_old_format_is_refused(head, tmp_path):
    head.save(tmp_path / "new")
    loaded = IntentClassifier.load(tmp_path / "new")
    assert loaded.thresholds.tolist() == pytest.approx(head.thresholds.tolist())
    assert loaded.predict(np.zeros(384, np.float32), "seen it")[0] == "seen"
    old = json.loads((tmp_path / "new" / "intent_head.json").read_text())
    del old["format"], old["thresholds"]
    (tmp_path / "new" / "intent_head.json").write_text(json.dumps(old))
    with pytest.raises(OldIntentModel, match="convrec train"):
        IntentClassifier.load(tmp_path / "new")


IARD_SAMPLE = [
    {"conversation_id": "1", "conversation": [
        {"participant": "AGENT", "utterance": "Hi", "dialogue_acts": [{"intent": "OTH"}]},
        {"participant": "USER", "utterance": "I loved Enchanted (2007) !  Any  similar?",
         "dialogue_acts": [{"intent": "SEE"}, {"intent": "CRI-C"}]},
        {"participant": "USER", "utterance": "Bye", "dialogue_acts": [{"intent": "OTH"}]},
    ]},
    {"conversation_id": "2", "conversation": [
        {"participant": "USER", "utterance": "something scary", "dialogue_acts": [
            {"intent": "IQU"}, {"intent": "OTH"}]},
        {"participant": "USER", "utterance": "yes i have", "dialogue_acts": [
            {"intent": "ANS"}, {"intent": "SEE"}]},
    ]},
    {"conversation_id": "3", "conversation": [
        {"participant": "USER", "utterance": "I'll watch it", "dialogue_acts": [
            {"intent": "ACC"}]},
    ]},
]


def test_seeker_messages_map_acts_and_find_gold_titles(tmp_path):
    path = tmp_path / "iard.json"
    path.write_text(json.dumps(IARD_SAMPLE))
    index = {("enchanted", 2007): "42", ("enchanted", 1999): "7"}
    messages = load_seeker_messages(path, index)
    assert [(m.text, m.intents, m.single) for m in messages] == [
        ("I loved Enchanted (2007) ! Any similar?", ("seen", "refine"), None),
        ("Bye", ("goodbye",), None),  # chit-chat (OTH) that says goodbye
        ("something scary", ("request_recommendation",), "request_recommendation"),
        ("yes i have", ("seen",), None),  # ANS has no convrec intent: no single-label row
        ("I'll watch it", ("accept",), "accept"),
    ]
    [title] = messages[0].titles
    assert (messages[0].text[title.start:title.end], title.item_id) == ("Enchanted (2007)", "42")
    assert conversation_folds(messages, 2) == [0, 0, 1, 1, 0]


def test_a_start_over_is_a_new_request_not_a_reset(tmp_path):
    """IARD's STO (the seeker starts a new query) asks for recommendations on a new basis; it
    never asks to forget what was said, which is what convrec's `reset` does."""
    path = tmp_path / "iard.json"
    path.write_text(json.dumps([{"conversation_id": "9", "conversation": [
        {"participant": "USER", "utterance": "I could also go for a comedy",
         "dialogue_acts": [{"intent": "STO"}]},
        {"participant": "USER", "utterance": "sounds good...how about a good action",
         "dialogue_acts": [{"intent": "ACC"}, {"intent": "STO"}]},
    ]}]))
    assert [(m.intents, m.single) for m in load_seeker_messages(path)] == [
        (("request_recommendation",), "request_recommendation"),
        (("accept", "request_recommendation"), None),
    ]


def test_a_changed_act_mapping_makes_the_trained_head_stale(tmp_path, monkeypatch):
    """The seekers' labels come from IARD_TO_CONVREC: a head trained on the old mapping retrains."""
    nlu_file = tmp_path / "nlu.yml"
    nlu_file.write_text("version: '3.1'\nnlu: []\n")
    seekers = tmp_path / "iard.json"
    seekers.write_text(json.dumps(IARD_SAMPLE))
    config = IntentConfig(seeker_data=str(seekers))
    before = fingerprint(nlu_file, config)
    monkeypatch.setitem(IARD_TO_CONVREC, "STO", "reset")
    assert fingerprint(nlu_file, config) != before


def test_a_year_that_is_not_the_catalogs_gives_no_gold_title():
    assert gold_titles("Parasite (2019) was great", {("parasite", 1982): "9"}) == []


def test_measures_on_hand_counted_examples():
    scores = single_label_scores(["a", "a", "b", "b"], ["a", "fb", "b", "a"], "fb")
    assert scores["accuracy"] == 0.5 and scores["fallback_rate"] == 0.25
    assert scores["f1_per_intent"] == {"a": 0.5, "b": pytest.approx(0.667, abs=1e-3)}
    assert scores["macro_f1"] == pytest.approx((0.5 + 2 / 3) / 2, abs=1e-4)
    acts = micro_f1_sets([{"a", "b"}, {"c"}], [{"a"}, {"c", "d"}])
    assert (acts["precision"], acts["recall"], acts["micro_f1"]) == (0.6667, 0.6667, 0.6667)


def _fixed(probabilities: list[float], intents: list[str]) -> IntentClassifier:
    """A head that gives every message these probabilities (zero weights, logit biases)."""
    head = IntentHead(384 + 2048, 4, len(intents), 0.0)
    for layer in head.net:
        if hasattr(layer, "weight"):
            layer.weight.data.zero_()
            layer.bias.data.zero_()
    p = np.array(probabilities)
    head.net[-1].bias.data = torch.tensor(np.log(p / (1 - p)), dtype=torch.float32)
    return IntentClassifier(intents, head, IntentConfig(), "nlu_fallback")


@pytest.mark.parametrize(("probabilities", "main"), [
    ([0.8, 0.95], "accept"),  # "I'll watch it, thanks!" is mainly an accept
    ([0.45, 0.95], "thanks"),  # an unsure accept does not overrule the thanks
    ([0.1, 0.2], "nlu_fallback"),  # nothing reaches the fallback threshold (0.3)
])
def test_chit_chat_is_the_main_intent_only_when_nothing_else_is_said(probabilities, main):
    classifier = _fixed(probabilities, ["accept", "thanks"])
    intent, _, ranking = classifier.predict(np.zeros(384, np.float32), "anything")
    assert intent == main
    assert [name for name, _ in ranking] == ["thanks", "accept"]


class _HashEncoder:
    """A stand-in sentence encoder: a fixed random unit vector per text (no model)."""

    def encode(self, texts: list[str]) -> np.ndarray:
        rows = [np.random.default_rng(abs(hash(t)) % 2**32).normal(size=384) for t in texts]
        out = np.array(rows, dtype=np.float32).reshape(len(texts), 384)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-8)


def test_training_works_without_the_shared_seeker_data(tmp_path):
    """A fresh machine has no ../shared: the head learns from data/nlu.yml alone."""
    config = IntentConfig(epochs=2, seeker_data=str(tmp_path / "missing.json"))
    card = train_intents(ROOT / "data" / "nlu.yml", _HashEncoder(), config, "nlu_fallback",
                         tmp_path / "intent", log=lambda m: None)
    assert card["n_seeker_messages"] == 0 and card["n_examples"] > 500
    loaded = IntentClassifier.load(tmp_path / "intent")
    assert len(loaded.thresholds) == len(loaded.intents)
