"""Micro-batching the utterance encoder: same vectors, fewer passes, errors reach callers."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from bot.server.batching import MicroBatchEncoder


class SlowEncoder:
    """Stands in for the sentence encoder where timing matters: a row per text, 20 ms a call."""

    def __init__(self):
        self.calls: list[list[str]] = []

    def encode(self, texts, **kwargs):
        self.calls.append(list(texts))
        time.sleep(0.02)
        return np.array([[len(t), sum(map(ord, t))] for t in texts], dtype=np.float32)


def test_concurrent_callers_share_forward_passes_and_get_their_own_rows():
    inner = SlowEncoder()
    batcher = MicroBatchEncoder(inner, max_batch=16)
    texts = [[f"utterance {i}", f"wanted {i}"] if i % 3 == 0 else [f"utterance {i}"]
             for i in range(40)]
    start = threading.Barrier(40)

    def call(pair):
        start.wait()
        return batcher.encode(pair)

    with ThreadPoolExecutor(40) as pool:
        results = list(pool.map(call, texts))
    batcher.close()
    for pair, vectors in zip(texts, results):
        assert vectors.tolist() == inner.encode(pair).tolist()
    assert len(inner.calls) - len(texts) < 12, "54 texts in far fewer than 40 passes"
    assert max(len(c) for c in inner.calls) <= 16
    assert batcher.texts == sum(len(p) for p in texts)


def test_a_lone_utterance_is_not_delayed():
    inner = SlowEncoder()
    batcher = MicroBatchEncoder(inner, max_batch=16)
    started = time.perf_counter()
    batcher.encode(["hello"])
    assert time.perf_counter() - started < 0.2
    batcher.close()


def test_bulk_calls_bypass_the_queue_and_errors_reach_the_caller():
    class Broken:
        def encode(self, texts, **kwargs):
            if kwargs:
                return np.zeros((len(texts), 2), dtype=np.float32)
            raise RuntimeError("model exploded")

    batcher = MicroBatchEncoder(Broken(), max_batch=4)
    assert batcher.encode(["a"] * 10, progress=True).shape == (10, 2)
    with pytest.raises(RuntimeError, match="exploded"):
        batcher.encode(["a"])
    batcher.close()


def test_real_encoder_gives_the_same_vectors_batched(agent):
    encoder = agent.nlu.encoder
    batcher = MicroBatchEncoder(encoder, max_batch=16)
    texts = [f"a {g} movie from the {d}" for g in ("funny", "scary", "sad", "tense")
             for d in ("80s", "90s")]
    with ThreadPoolExecutor(8) as pool:
        batched = list(pool.map(lambda t: batcher.encode([t])[0], texts))
    batcher.close()
    direct = encoder.encode(texts)
    np.testing.assert_allclose(np.stack(batched), direct, atol=1e-5)
