"""Train the intent classifier from Rasa YAML data (plus real seekers' messages when present);
report held-out accuracy and macro-F1.

The held-out split (stratified, fixed seed) measures the head; the saved model is then trained on
all examples. Each fit chooses its per-intent act thresholds on 20 % of its own rows first
(`fit_intent_head`). The model folder records a fingerprint of the data so a changed nlu.yml,
seeker file or head format retrains.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path

import numpy as np

from nlu.dialogue_context import CONTEXT_DIM, context_features
from nlu.encoder import SentenceEncoder
from nlu.entities import EntityLexicon, extract_entities
from nlu.iard import IARD_TO_CONVREC, load_seeker_messages
from nlu.intent_classifier import (
    HEAD_FORMAT,
    NGRAM_DIM,
    IntentClassifier,
    IntentConfig,
    choose_thresholds,
    delexicalize,
)
from nlu.intent_encoder import TuningSettings, tuned_encoder
from nlu.training_data import Example, load_nlu_yaml, split_train_test
from nlu.types import INTENTS, ParseContext

ROOT = Path(__file__).resolve().parent.parent
THRESHOLD_HOLD_OUT = 0.2  # share of a fit's rows its act thresholds are chosen on
ENCODER_FOLDER = "encoder"  # the head's fine-tuned encoder, inside the head's folder


def head_encoder(encoder: SentenceEncoder, texts: list[str], labels: list[tuple[str, ...]],
                 config: IntentConfig, folder: Path, log=print, progress: bool = False
                 ) -> SentenceEncoder:
    """The encoder the head reads: `encoder` itself, or (config.finetune_epochs > 0) a copy
    fine-tuned on these rows (texts as written, label tuples), saved in `folder`."""
    if not config.finetune_epochs:
        shutil.rmtree(folder, ignore_errors=True)  # no stale copy beside a frozen-encoder head
        return encoder
    intents = [i for i in INTENTS if any(i in label for label in labels)]
    return tuned_encoder(texts, labels, intents,
                         TuningSettings(epochs=config.finetune_epochs, seed=config.seed),
                         folder, encoder.config, log, progress)


def seeker_path(config: IntentConfig) -> Path | None:
    """The real-seeker data file config names (relative to the project root), if it exists."""
    if not config.seeker_data:
        return None
    path = Path(config.seeker_data)
    path = path if path.is_absolute() else ROOT / path
    return path if path.exists() else None


def fingerprint(nlu_path: Path, config: IntentConfig) -> str:
    digest = hashlib.sha256(Path(nlu_path).read_bytes())
    digest.update(json.dumps(config.__dict__, sort_keys=True).encode())
    digest.update(f"features:embedding+delexicalised-ngrams{NGRAM_DIM}+context5:{HEAD_FORMAT}".encode())
    seekers = seeker_path(config)
    if seekers is not None:
        digest.update(seekers.read_bytes())
        # the acts → intents mapping decides the seekers' labels: a changed mapping retrains
        digest.update(json.dumps(IARD_TO_CONVREC, sort_keys=True).encode())
    return digest.hexdigest()[:16]


def fit_intent_head(vectors: np.ndarray, texts: list[str], labels: list[tuple[str, ...]],
                    config: IntentConfig, fallback_intent: str,
                    contexts: np.ndarray | None = None) -> IntentClassifier:
    """The multi-label head on [n, 384] vectors, their delexicalised texts and label tuples
    (and [n, CONTEXT_DIM] dialogue-context rows, zeros for a row read alone; None: a head that
    reads no context).

    Fitted twice: on 80 % of the rows (seeded), whose predictions on the other 20 % choose the
    per-intent act thresholds; then on all rows, keeping those thresholds."""
    intents = [i for i in INTENTS if any(i in label for label in labels)]
    order = np.random.default_rng(config.seed).permutation(len(labels))
    held = order[: int(len(labels) * THRESHOLD_HOLD_OUT)]
    fit = order[len(held):]
    def rows(part: np.ndarray) -> np.ndarray | None:
        return None if contexts is None else contexts[part]

    first = IntentClassifier.train(vectors[fit], [texts[i] for i in fit],
                                   [labels[i] for i in fit], config, fallback_intent, intents,
                                   contexts=rows(fit))
    probabilities = first.probabilities(vectors[held], [texts[i] for i in held], rows(held))
    targets = np.array([[i in labels[row] for i in intents] for row in held], dtype=np.float32)
    return IntentClassifier.train(vectors, texts, labels, config, fallback_intent, intents,
                                  choose_thresholds(probabilities, targets), contexts)


# where a seeker typically says each intent (the most common context of its IARD messages): a
# request after the bot asked what they like; greetings first; the rest after a suggestion
TYPICAL_CONTEXT = {"request_recommendation": ParseContext(bot_act="ask"),
                   "greet": ParseContext(bot_act="greet")}
AFTER_A_SUGGESTION = ParseContext(bot_act="recommend", recommended_before=True)


def typical_context(intent: str) -> ParseContext:
    """The dialogue a data/nlu.yml example of `intent` is typically said in (TYPICAL_CONTEXT)."""
    return TYPICAL_CONTEXT.get(intent, AFTER_A_SUGGESTION)


def rows_with_contexts(vectors: np.ndarray, texts: list[str], labels: list[tuple[str, ...]],
                       seekers: tuple[np.ndarray, list[str], list[tuple[str, ...]], np.ndarray],
                       use_context: bool = True
                       ) -> tuple[np.ndarray, list[str], list[tuple[str, ...]], np.ndarray | None]:
    """Training rows of our own examples ([n, 384] vectors, texts, labels) and the seekers'
    (vectors, texts, labels, [m, CONTEXT_DIM] contexts) → (vectors, texts, labels, contexts).

    Without seekers' rows: our rows alone and contexts None (a head that reads no context).
    With them, each of our rows twice, read alone (zeros) and in its typical context
    (`typical_context`), then the seekers' rows: a head that learnt context from real
    conversations alone reads our phrasings ("cheaper") only without one.
    `use_context` False (config `dialogue_context`): our rows once, then the seekers', and
    contexts None."""
    seeker_vectors, seeker_texts, seeker_labels, seeker_contexts = seekers
    if not len(seeker_texts):
        return vectors, texts, labels, None
    if not use_context:
        return (np.vstack([vectors, seeker_vectors]), texts + seeker_texts,
                labels + seeker_labels, None)
    typical = np.stack([context_features(typical_context(label[0])) for label in labels]
                       ).reshape(-1, CONTEXT_DIM)
    return (np.vstack([vectors, vectors, seeker_vectors]), texts + texts + seeker_texts,
            labels + labels + seeker_labels,
            np.vstack([np.zeros_like(typical), typical, seeker_contexts]).astype(np.float32))


def seeker_examples(config: IntentConfig, lexicon: EntityLexicon | None
                    ) -> tuple[list[str], list[str], list[tuple[str, ...]], np.ndarray]:
    """(texts, delexicalised texts, label tuples, [n, CONTEXT_DIM] dialogue contexts) of the
    real-seeker file, or empty ones. Without a lexicon the texts stay as they are."""
    path = seeker_path(config)
    if path is None:
        return [], [], [], np.zeros((0, CONTEXT_DIM), dtype=np.float32)
    messages = load_seeker_messages(path)
    texts = [m.text for m in messages]
    delexicalised = texts if lexicon is None else [
        delexicalize(t, [(e.start, e.end, e.type) for e in extract_entities(t, lexicon)])
        for t in texts]
    contexts = np.array([context_features(m.context) for m in messages], dtype=np.float32)
    return texts, delexicalised, [m.intents for m in messages], contexts.reshape(-1, CONTEXT_DIM)


def macro_f1(truth: list[str], predicted: list[str], labels: list[str]) -> float:
    """Mean over labels of F1 = 2PR / (P + R); a label with no support and no prediction is
    skipped."""
    scores = []
    for label in labels:
        tp = sum(1 for t, p in zip(truth, predicted) if t == label and p == label)
        fp = sum(1 for t, p in zip(truth, predicted) if t != label and p == label)
        fn = sum(1 for t, p in zip(truth, predicted) if t == label and p != label)
        if tp + fp + fn == 0:
            continue
        scores.append(2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores)) if scores else 0.0


def evaluate(
    classifier: IntentClassifier, embeddings: np.ndarray, texts: list[str], truth: list[str]
) -> dict:
    predicted = [classifier.predict(vector, text)[0] for vector, text in zip(embeddings, texts)]
    accuracy = float(np.mean([t == p for t, p in zip(truth, predicted)]))
    return {
        "accuracy": round(accuracy, 4),
        "macro_f1": round(macro_f1(truth, predicted, sorted(set(truth))), 4),
        "n": len(truth),
    }


def example_rows(examples: list[Example], encoder: SentenceEncoder
                 ) -> tuple[np.ndarray, list[str], list[tuple[str, ...]]]:
    """data/nlu.yml examples → ([n, 384] vectors, texts delexicalised by their annotations,
    one-intent label tuples)."""
    # the n-grams read the delexicalised text, as parse() gives it at run time ("<title> vibes")
    delexicalized = [delexicalize(e.text, [(a.start, a.end, a.entity) for a in e.entities])
                     for e in examples]
    return encoder.encode([e.text for e in examples]), delexicalized, [
        (e.intent,) for e in examples]


def train_intents(
    nlu_path: Path,
    encoder: SentenceEncoder,
    config: IntentConfig,
    fallback_intent: str,
    out_dir: Path,
    log=print,
    lexicon: EntityLexicon | None = None,
) -> dict:
    """Train and save the head; → its card (fingerprint, held-out numbers, seconds).

    Rows: data/nlu.yml (delexicalised by its annotations) plus, when config.seeker_data exists,
    the real seekers' messages with their several acts (delexicalised by `lexicon`'s run-time
    spans when given). The held-out numbers are on the data/nlu.yml split; the seekers'
    messages are in both fits."""
    started = time.time()
    examples = load_nlu_yaml(nlu_path).examples
    seeker_texts, seeker_delexicalized, seeker_labels, seeker_contexts = seeker_examples(
        config, lexicon)
    train, test = split_train_test(examples, test_fraction=0.2, seed=config.seed)
    # a fine-tuned copy learns from the split's training part and the seekers only, so the
    # held-out rows stay unseen by the encoder too; the saved head reads the same copy
    encoder = head_encoder(encoder, [e.text for e in train] + seeker_texts,
                           [(e.intent,) for e in train] + seeker_labels, config,
                           Path(out_dir) / ENCODER_FOLDER, log, progress=True)
    log(f"Encoding {len(examples)} NLU examples and {len(seeker_texts)} seeker messages ...")
    seeker_vectors = encoder.encode(seeker_texts)  # [n_seekers, 384] ([0, 384] without)

    def fit(part: list[Example]) -> IntentClassifier:
        vectors, texts, labels = example_rows(part, encoder)
        rows = rows_with_contexts(vectors, texts, labels, (
            seeker_vectors, seeker_delexicalized, seeker_labels, seeker_contexts),
            config.dialogue_context)
        return fit_intent_head(*rows[:3], config, fallback_intent, rows[3])

    test_texts = [delexicalize(e.text, [(a.start, a.end, a.entity) for a in e.entities])
                  for e in test]
    metrics = evaluate(fit(train), encoder.encode([e.text for e in test]), test_texts,
                       [e.intent for e in test])
    log(
        f"Held-out intent accuracy {metrics['accuracy']:.3f}, macro-F1 {metrics['macro_f1']:.3f} "
        f"on {metrics['n']} examples"
    )
    final = fit(examples)
    card = {
        "fingerprint": fingerprint(nlu_path, config),
        "n_examples": len(examples),
        "n_seeker_messages": len(seeker_texts),
        "encoder": "fine-tuned" if config.finetune_epochs else "frozen",
        "held_out": metrics,
        "train_seconds": round(time.time() - started, 1),
        "data": str(nlu_path),
    }
    final.save(Path(out_dir), extra={"card": card})
    return card


def is_current(nlu_path: Path, config: IntentConfig, out_dir: Path) -> bool:
    meta_path = Path(out_dir) / "intent_head.json"
    if not meta_path.exists() or not (Path(out_dir) / "intent_head.pt").exists():
        return False
    if config.finetune_epochs and not (Path(out_dir) / ENCODER_FOLDER).exists():
        return False
    meta = json.loads(meta_path.read_text())
    return meta.get("card", {}).get("fingerprint") == fingerprint(nlu_path, config)

