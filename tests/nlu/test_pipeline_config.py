"""config.yml's `nlu.pipeline`: all three components, each once, in the one order the NLU needs;
every refusal names what is wrong in words a user can act on."""

from __future__ import annotations

import importlib.util

import pytest

from bot.config import ConfigError, load_config
from nlu.encoder import EncoderConfig
from nlu.intent_classifier import IntentConfig

ENCODER = "    - name: SentenceEncoder\n"
EXTRACTOR = "    - name: EntityExtractor\n"
CLASSIFIER = "    - name: IntentClassifier\n"


def config_from(tmp_path, text: str):
    path = tmp_path / "config.yml"
    path.write_text(text)
    return load_config(path)


def pipeline(*components: str) -> str:
    return "nlu:\n  pipeline:\n" + "".join(components)


def test_the_shipped_pipeline_sets_each_component():
    nlu = load_config().nlu
    assert nlu.encoder == EncoderConfig(cache_size=4096, backend="onnx", threads=1)
    assert nlu.intent == IntentConfig(hidden_size=256, epochs=80, learning_rate=0.003,
                                      dropout=0.2, threshold=0.30, seed=7, finetune_epochs=0,
                                      seeker_data="../shared/datasets/iard-dev/"
                                                  "iard_annotated_partial_dev.json")


def test_without_a_pipeline_every_default_applies(tmp_path):
    nlu = config_from(tmp_path, "nlu: {fallback_intent: nlu_fallback}\n").nlu
    assert (nlu.encoder, nlu.intent) == (EncoderConfig(), IntentConfig())


def test_parameters_reach_their_component(tmp_path):
    nlu = config_from(tmp_path, pipeline(
        ENCODER, "      cache_size: 0\n", EXTRACTOR, CLASSIFIER, "      threshold: 0.5\n")).nlu
    assert nlu.encoder.cache_size == 0 and nlu.intent.threshold == 0.5


def test_the_encoder_backend_is_chosen_in_the_pipeline(tmp_path):
    nlu = config_from(tmp_path, pipeline(
        ENCODER, "      backend: torch\n", EXTRACTOR, CLASSIFIER)).nlu
    assert nlu.encoder.backend == "torch"


@pytest.mark.parametrize("text, message", [
    (pipeline(ENCODER, "    - name: Tokenizer\n", EXTRACTOR, CLASSIFIER),
     "nlu.pipeline[1]: unknown component 'Tokenizer' "
     "(known: SentenceEncoder, EntityExtractor, IntentClassifier)"),
    (pipeline(ENCODER, CLASSIFIER),
     "nlu.pipeline: EntityExtractor is required "
     "(the pipeline is SentenceEncoder, EntityExtractor, IntentClassifier, in this order)"),
    (pipeline(EXTRACTOR, CLASSIFIER),
     "nlu.pipeline: SentenceEncoder is required "
     "(the pipeline is SentenceEncoder, EntityExtractor, IntentClassifier, in this order)"),
    ("nlu:\n  pipeline: []\n",
     "nlu.pipeline: SentenceEncoder is required "
     "(the pipeline is SentenceEncoder, EntityExtractor, IntentClassifier, in this order)"),
    (pipeline(ENCODER, EXTRACTOR, ENCODER, CLASSIFIER),
     "nlu.pipeline[2]: SentenceEncoder is listed twice; each component appears once"),
    (pipeline(ENCODER, CLASSIFIER, EXTRACTOR),
     "nlu.pipeline: expected the order SentenceEncoder, EntityExtractor, IntentClassifier, "
     "got SentenceEncoder, IntentClassifier, EntityExtractor (the intent classifier reads the "
     "encoder's embedding and the text the entity extractor delexicalised)"),
    (pipeline(EXTRACTOR, ENCODER, CLASSIFIER),
     "nlu.pipeline: expected the order SentenceEncoder, EntityExtractor, IntentClassifier, "
     "got EntityExtractor, SentenceEncoder, IntentClassifier (the intent classifier reads the "
     "encoder's embedding and the text the entity extractor delexicalised)"),
    ("nlu:\n  pipeline: SentenceEncoder\n",
     "nlu.pipeline: expected a list of components "
     "(SentenceEncoder, EntityExtractor, IntentClassifier), got str"),
    (pipeline(ENCODER, "    - cache_size: 10\n", CLASSIFIER),
     "nlu.pipeline[1]: each component needs a 'name'"),
    (pipeline(ENCODER, EXTRACTOR, "      mode: fast\n", CLASSIFIER),
     "nlu.pipeline[1] (EntityExtractor) takes no parameters"),
    (pipeline(ENCODER, "      cache: 10\n", EXTRACTOR, CLASSIFIER),
     "nlu.pipeline[0](SentenceEncoder).cache: unknown key "
     "(known: backend, cache_size, threads)"),
    (pipeline(ENCODER, "      backend: onnx-int8\n", EXTRACTOR, CLASSIFIER),
     "nlu.pipeline[0](SentenceEncoder).backend: unknown backend 'onnx-int8' "
     "(known: onnx, torch)"),
    (pipeline(ENCODER, "      threads: 0\n", EXTRACTOR, CLASSIFIER),
     "nlu.pipeline[0](SentenceEncoder).threads: must be at least 1, got 0"),
    (pipeline(ENCODER, "      cache_size: -1\n", EXTRACTOR, CLASSIFIER),
     "nlu.pipeline[0](SentenceEncoder).cache_size: must be 0 (off) or more, got -1"),
])
def test_a_wrong_pipeline_is_refused_with_what_to_fix(tmp_path, text, message):
    with pytest.raises(ConfigError) as refusal:
        config_from(tmp_path, text)
    assert str(refusal.value) == message


def test_the_onnx_backend_without_onnxruntime_says_what_to_install(tmp_path, monkeypatch):
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "onnxruntime" else find_spec(name, *a))
    with pytest.raises(ConfigError) as refusal:
        config_from(tmp_path, pipeline(ENCODER, "      backend: onnx\n", EXTRACTOR, CLASSIFIER))
    assert str(refusal.value) == (
        "nlu.pipeline[0](SentenceEncoder).backend: onnx needs onnxruntime==1.31.1, which is not "
        "installed (make install does it); or set backend: torch")
    # torch needs no more than it always did
    assert config_from(tmp_path, pipeline(ENCODER, "      backend: torch\n", EXTRACTOR,
                                          CLASSIFIER)).nlu.encoder.backend == "torch"
