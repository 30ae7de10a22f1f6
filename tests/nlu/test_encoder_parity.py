"""The onnx sentence encoder gives the torch one's answers: the same vectors on real utterances,
the same cached item vectors, the same intent metrics, the same top-10 items in a conversation.

Every test needs the exported graph (`convrec train` builds it into data/build/models/encoder)
and skips, saying so, without it. Slow: each loads both encoders (seconds).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

from bot.build import build_agent
from bot.config import load_config
from nlu import encoder_export
from nlu.encoder import SentenceEncoder
from nlu.train import train_intents
from nlu.training_data import load_nlu_yaml
from recommender.domain.catalog import Catalog
from tests.support import ROOT, SHARED

pytestmark = pytest.mark.slow

N_UTTERANCES = 1000
REDIAL = SHARED / "redial-dev" / "train_data.jsonl"
MENTION = re.compile(r"@(\d+)")


@pytest.fixture(scope="module")
def config():
    return load_config(ROOT / "config.yml")


@pytest.fixture(scope="module")
def encoders(config):
    """(torch, onnx) SentenceEncoders without their utterance caches."""
    folder = config.models_dir / "encoder"
    if not encoder_export.is_current(folder):
        pytest.skip(f"the exported sentence encoder is not built in {folder} (run `convrec "
                    "train`)")
    settings = dataclasses.replace(config.nlu.encoder, cache_size=0)
    return (SentenceEncoder(dataclasses.replace(settings, backend="torch")),
            SentenceEncoder(dataclasses.replace(settings, backend="onnx"), folder))


def real_utterances(nlu_path: Path, limit: int = N_UTTERANCES) -> list[str]:
    """data/nlu.yml's examples (601), then ReDial seekers' messages with their movie mentions
    written as titles, as a person types them, when ../shared/datasets is there; distinct."""
    texts = [example.text for example in load_nlu_yaml(nlu_path).examples]
    if REDIAL.exists():
        for line in REDIAL.read_text(encoding="utf-8").splitlines():
            conversation = json.loads(line)
            titles = conversation.get("movieMentions") or {}

            def title(match: re.Match, titles: dict = titles) -> str:
                return str(titles.get(match.group(1)) or match.group(0)).strip()

            for message in conversation["messages"]:
                if message["senderWorkerId"] == conversation["initiatorWorkerId"]:
                    texts.append(MENTION.sub(title, message["text"]).strip())
    return list(dict.fromkeys(t for t in texts if t))[:limit]


def test_same_vectors_on_1000_real_utterances(config, encoders):
    torch_encoder, onnx_encoder = encoders
    texts = real_utterances(config.path("nlu_data"))
    if len(texts) < N_UTTERANCES:
        # without ../shared/datasets only data/nlu.yml's examples are there (~600)
        warnings.warn(f"encoder parity on {len(texts)} utterances, not {N_UTTERANCES}: "
                      f"{REDIAL} is absent", stacklevel=1)
    # as turns send them: a few texts per forward pass, padded to the longest
    batches = [texts[i:i + 8] for i in range(0, len(texts), 8)]
    expected = np.concatenate([torch_encoder.encode(b) for b in batches])  # [n, 384]
    got = np.concatenate([onnx_encoder.encode(b) for b in batches])
    cosine = (expected * got).sum(axis=1) / np.linalg.norm(got, axis=1)
    assert cosine.min() >= 0.99, texts[int(cosine.argmin())]
    # much closer than that: the same float32 computation, so cached vectors stay valid
    assert np.abs(expected - got).max() <= 1e-5


def test_cached_item_vectors_are_what_onnx_encodes(config, encoders):
    """The item vectors on disk (encoded once, by torch) are the onnx ones within 1e-5, so
    switching the backend does not need a new catalog encoding."""
    path = config.catalog_dir / "item_vectors.npy"
    if not path.exists():
        pytest.skip(f"no item vectors at {path} (run `convrec train`)")
    catalog = Catalog.load(config.catalog_dir)
    stored = np.load(path)
    texts = [item.text() for item in catalog.items]
    longest = np.argsort([-len(t) for t in texts])[:16]  # truncated at 256 tokens
    rows = np.unique(np.concatenate([np.arange(0, len(texts), len(texts) // 240), longest]))
    got = encoders[1].encode([texts[i] for i in rows])  # bulk: batches of similar lengths
    assert np.abs(got - stored[rows]).max() <= 1e-5


def test_same_intent_metrics_on_the_held_out_split(config, encoders, tmp_path):
    """`convrec train`'s held-out accuracy and macro-F1 (nlu/train.py) with either encoder."""
    held_out = {}
    for name, encoder in zip(("torch", "onnx"), encoders):
        # the frozen encoders' parity (a fine-tuned copy is checked against torch when exported)
        intent = dataclasses.replace(config.nlu.intent, finetune_epochs=0)
        card = train_intents(config.path("nlu_data"), encoder, intent,
                             config.nlu.fallback_intent, tmp_path / name, log=lambda m: None)
        held_out[name] = card["held_out"]
    for metric in ("accuracy", "macro_f1"):
        assert abs(held_out["onnx"][metric] - held_out["torch"][metric]) <= 0.005, held_out


def _script() -> list[str]:
    """The 20 utterances of bench/turn_latency.py."""
    spec = importlib.util.spec_from_file_location("turn_latency",
                                                  ROOT / "bench" / "turn_latency.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SCRIPT


def _top10_per_turn(config, state_dir: Path, script: list[str]) -> list[list[str] | None]:
    """The scripted conversation, once anonymous and once as a MovieLens user: per turn the ids
    `Recommender.recommend` ranks first with k = 10 (None: the turn recommended nothing)."""
    config = dataclasses.replace(config, paths=dataclasses.replace(config.paths,
                                                                   state=state_dir))
    agent = build_agent(config)
    recommend = agent.recommender.recommend
    seen: list[list[str]] = []

    def recording(request):
        top = recommend(dataclasses.replace(request, k=10))
        seen.append([r.item.id for r in top])
        return recommend(request)

    agent.recommender.recommend = recording
    turns = []
    for session, user in (("anonymous", None), ("ml-user", "42")):
        for text in script:
            seen.clear()
            agent.handle(f"parity-{session}", text, user)
            turns.append(list(seen) or None)
    agent.store.close()
    return turns


def test_same_top10_items_in_the_scripted_conversations(config, encoders, tmp_path):
    script = _script()
    turns = {}
    for backend in ("torch", "onnx"):
        settings = dataclasses.replace(config.nlu.encoder, backend=backend, cache_size=0)
        backend_config = dataclasses.replace(
            config, nlu=dataclasses.replace(config.nlu, encoder=settings))
        turns[backend] = _top10_per_turn(backend_config, tmp_path / backend, script)
    same = [a == b for a, b in zip(turns["torch"], turns["onnx"])]
    assert len(same) == 2 * len(script) == 40
    assert sum(t is not None for t in turns["torch"]) >= 10  # the script does recommend
    assert sum(same) / len(same) >= 0.95, [i for i, s in enumerate(same) if not s]
