"""`convrec evaluate nlu`: how well the NLU reads one message, on our own examples and on real
seekers.

Two data sets, each through the full run-time `NluPipeline.parse` (entities, delexicalised text,
the intent head), with a head trained only on data the measured messages are not in:
- data/nlu.yml held-out: `split_train_test(test_fraction=0.2, seed=config seed)`, the head
  trained on the train part; gold slots and polarity from the annotations.
- IARD dev (../shared/datasets/iard-dev/, skipped when absent): k-fold over conversations, the
  head trained on all of data/nlu.yml plus the IARD messages of the other folds (nlu/iard.py);
  each message is read after what the recommender's previous utterance did (its IARD acts, the
  context the chat's dialogue state gives: nlu/dialogue_context.py; the data/nlu.yml rows also
  in their typical context, nlu/train.py rows_with_contexts); gold titles are the
  "Title (Year)" mentions of catalog films.
Printed: accuracy, macro-F1 (single-label view, fallback counted wrong), fallback rate, per-intent
F1, micro-F1 over acts (multi-label view), slot recall, polarity accuracy.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bot.build import ensure_catalog, ensure_encoder
from bot.config import Config
from nlu.dialogue_context import context_features
from nlu.entities import EntityLexicon, extract_entities
from nlu.evaluation import (
    micro_f1_sets,
    overlaps,
    polarity_accuracy,
    single_label_scores,
    slot_recall,
)
from nlu.iard import SeekerMessage, catalog_title_index, conversation_folds, load_seeker_messages
from nlu.intent_classifier import delexicalize
from nlu.parse import NluPipeline
from nlu.train import example_rows, fit_intent_head, head_encoder, rows_with_contexts, seeker_path
from nlu.training_data import load_nlu_yaml, split_train_test
from nlu.types import UNWANTED, WANTED, Parse

Log = Callable[[str], None]
IARD_PATH = Path("..") / "shared" / "datasets" / "iard-dev" / "iard_annotated_partial_dev.json"
SLOT_TYPES = ("title", "person", "genre", "year")


def acts_of(parse: Parse, fallback: str) -> set[str]:
    """The set of intents a parse acts on: its acts, else its main intent (never the fallback)."""
    intents = {a.intent for a in parse.acts} or {parse.intent}
    return intents - {fallback}


def _train_texts(texts: list[str], lexicon: EntityLexicon) -> list[str]:
    """Run-time delexicalisation of unannotated texts (IARD): the extractor's own spans."""
    return [delexicalize(t, [(e.start, e.end, e.type) for e in extract_entities(t, lexicon)])
            for t in texts]


def _held_out(config: Config, encoder, lexicon: EntityLexicon, work: Path, log: Log) -> dict:
    examples = load_nlu_yaml(config.path("nlu_data")).examples
    train, test = split_train_test(examples, test_fraction=0.2, seed=config.nlu.intent.seed)
    log(f"data/nlu.yml held-out: training on {len(train)}, measuring {len(test)} ...")
    tuned = head_encoder(encoder, [e.text for e in train], [(e.intent,) for e in train],
                         config.nlu.intent, work / "held-out", log)
    head = fit_intent_head(*example_rows(train, tuned),
                           config.nlu.intent, config.nlu.fallback_intent)
    pipeline = NluPipeline(encoder, lexicon, head, intent_encoder=_unless(tuned, encoder))
    parses = [pipeline.parse(e.text) for e in test]
    fallback = config.nlu.fallback_intent
    found, kinds, right = [], [], []
    for example, parse in zip(test, parses):
        for gold in example.entities:
            if gold.entity not in SLOT_TYPES + ("keyword",):
                continue
            match = [e for e in parse.entities if e.type == gold.entity
                     and overlaps((e.start, e.end), (gold.start, gold.end))]
            found.append(bool(match))
            kinds.append(gold.entity)
            if match:
                want = UNWANTED if gold.role == "unwanted" else WANTED
                right.append(match[0].polarity == want)
    return {
        "single_label": single_label_scores([e.intent for e in test], [p.intent for p in parses],
                                            fallback),
        "acts": micro_f1_sets([{e.intent} for e in test], [acts_of(p, fallback) for p in parses]),
        "slot_recall": slot_recall(found, kinds),
        "polarity": polarity_accuracy(right),
    }


def _unless(tuned, encoder):
    """The head's own encoder for NluPipeline: None when it is the frozen one."""
    return None if tuned is encoder else tuned


def _iard(config: Config, encoder, lexicon: EntityLexicon, messages: list[SeekerMessage],
          folds: int, work: Path, log: Log) -> dict:
    examples = load_nlu_yaml(config.path("nlu_data")).examples
    delexicalised = _train_texts([m.text for m in messages], lexicon)
    contexts = np.array([context_features(m.context) for m in messages], dtype=np.float32)
    fold_of = conversation_folds(messages, folds)
    parses: list[Parse | None] = [None] * len(messages)
    for fold in range(folds):
        rows = [i for i, f in enumerate(fold_of) if f != fold]
        log(f"IARD fold {fold + 1}/{folds}: training on {len(examples)} + {len(rows)} ...")
        # a fine-tuned encoder learns from this fold's training rows only
        tuned = head_encoder(encoder, [e.text for e in examples] + [messages[i].text for i in rows],
                             [(e.intent,) for e in examples] + [messages[i].intents for i in rows],
                             config.nlu.intent, work / f"fold-{fold}", log)
        base_vectors, base_texts, base_labels = example_rows(examples, tuned)
        vectors = tuned.encode([m.text for m in messages])  # [n, 384]
        train = rows_with_contexts(base_vectors, base_texts, base_labels, (
            vectors[rows], [delexicalised[i] for i in rows], [messages[i].intents for i in rows],
            contexts[rows]), config.nlu.intent.dialogue_context)
        head = fit_intent_head(*train[:3], config.nlu.intent, config.nlu.fallback_intent,
                               train[3])
        pipeline = NluPipeline(encoder, lexicon, head, intent_encoder=_unless(tuned, encoder))
        for i, f in enumerate(fold_of):
            if f == fold:  # read after the recommender's previous utterance, as the chat does
                parses[i] = pipeline.parse(messages[i].text, messages[i].context)
    fallback = config.nlu.fallback_intent
    single = [(m.single, p) for m, p in zip(messages, parses) if m.single]
    found = [any(e.type == "title" and g.item_id in e.item_ids for e in p.entities)
             for m, p in zip(messages, parses) for g in m.titles]
    return {
        "folds": folds,
        "single_label": single_label_scores([t for t, _ in single], [p.intent for _, p in single],
                                            fallback),
        "acts": micro_f1_sets([set(m.intents) for m in messages],
                              [acts_of(p, fallback) for p in parses]),
        # the acts IARD itself maps (chit-chat left out): comparable with the softmax baseline
        "acts_mapped_only": micro_f1_sets(
            [set(m.mapped) for m in messages if m.mapped],
            [acts_of(p, fallback) for m, p in zip(messages, parses) if m.mapped]),
        "slot_recall": slot_recall(found, ["title"] * len(found)),
    }


def parse_times(pipeline: NluPipeline, texts: list[str]) -> dict:
    """Per-message parse time (ms) over `texts`, each parsed once (warm model, cold cache)."""
    pipeline.parse("warm up")
    times = []
    for text in texts:
        started = time.perf_counter()
        pipeline.parse(text)
        times.append((time.perf_counter() - started) * 1000)
    return {"n": len(times), "p50_ms": round(float(np.percentile(times, 50)), 2),
            "p90_ms": round(float(np.percentile(times, 90)), 2)}


def evaluate_nlu(config: Config, root: Path, folds: int, out_dir: Path, log: Log) -> dict:
    catalog = ensure_catalog(config, log)
    encoder = ensure_encoder(config, log)
    lexicon = EntityLexicon.from_catalog(catalog)
    with tempfile.TemporaryDirectory(prefix="convrec-nlu-") as work:  # fine-tuned copies
        result = {"held_out": _held_out(config, encoder, lexicon, Path(work), log)}
        iard_path = seeker_path(config.nlu.intent) or root / IARD_PATH
        if iard_path.exists():
            messages = load_seeker_messages(iard_path, catalog_title_index(catalog.items))
            result["iard"] = _iard(config, encoder, lexicon, messages, folds, Path(work), log)
        else:
            result["iard"] = f"skipped: {iard_path} not found"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "nlu.json").write_text(json.dumps(result, indent=2))
    return result
