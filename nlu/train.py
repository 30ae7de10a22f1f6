"""Train the intent classifier from Rasa YAML data; report held-out accuracy and macro-F1.

The held-out split (stratified, fixed seed) measures the head; the saved model is then trained on
all examples. The model folder records a fingerprint of the data so a changed nlu.yml retrains.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import numpy as np

from nlu.encoder import SentenceEncoder
from nlu.intent_classifier import NGRAM_DIM, IntentClassifier, IntentConfig, delexicalize
from nlu.training_data import load_nlu_yaml, split_train_test
from nlu.types import INTENTS


def fingerprint(nlu_path: Path, config: IntentConfig) -> str:
    digest = hashlib.sha256(Path(nlu_path).read_bytes())
    digest.update(json.dumps(config.__dict__, sort_keys=True).encode())
    digest.update(f"features:embedding+delexicalised-ngrams{NGRAM_DIM}:v2".encode())
    return digest.hexdigest()[:16]


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


def train_intents(
    nlu_path: Path,
    encoder: SentenceEncoder,
    config: IntentConfig,
    fallback_intent: str,
    out_dir: Path,
    log=print,
) -> dict:
    started = time.time()
    data = load_nlu_yaml(nlu_path)
    examples = data.examples
    intents = [i for i in INTENTS if any(e.intent == i for e in examples)]
    texts = [e.text for e in examples]
    delexicalized = {e.text: delexicalize(e.text, [(a.start, a.end, a.entity) for a in e.entities])
                     for e in examples}
    log(f"Encoding {len(texts)} NLU examples ...")
    vectors = encoder.encode(texts)  # [n, 384]
    index = {t: i for i, t in enumerate(texts)}
    train, test = split_train_test(examples, test_fraction=0.2, seed=config.seed)
    rows = lambda part: np.array([index[e.text] for e in part])  # noqa: E731
    # the n-grams read the delexicalised text, as parse() gives it at run time ("<title> vibes")
    held_out = IntentClassifier.train(
        vectors[rows(train)],
        [delexicalized[e.text] for e in train],
        [e.intent for e in train],
        config,
        fallback_intent,
        intents,
    )
    metrics = evaluate(
        held_out, vectors[rows(test)], [delexicalized[e.text] for e in test],
        [e.intent for e in test]
    )
    log(
        f"Held-out intent accuracy {metrics['accuracy']:.3f}, macro-F1 {metrics['macro_f1']:.3f} "
        f"on {metrics['n']} examples"
    )
    final = IntentClassifier.train(
        vectors, [delexicalized[t] for t in texts], [e.intent for e in examples], config,
        fallback_intent, intents
    )
    card = {
        "fingerprint": fingerprint(nlu_path, config),
        "n_examples": len(examples),
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
    meta = json.loads(meta_path.read_text())
    return meta.get("card", {}).get("fingerprint") == fingerprint(nlu_path, config)
