"""SASRec: causality, windows, vocabulary, and a tiny training run that learns and repeats."""

import numpy as np
import pytest
import torch

from recommender.models.sasrec import SASRec, SASRecConfig, load_checkpoint
from recommender.training.sasrec_loop import (
    train_sasrec,
    training_windows,
    window_batch,
    window_loss,
)


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny models: one torch thread is faster, and a busy 2-core machine does not stall them."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


TINY = SASRecConfig(max_len=5, hidden=16, n_layers=1, dropout=0.0, epochs=15, batch_size=8,
                    learning_rate=1e-2, seed=3)


def cyclic_sequences(n_users=24, n_items=6, length=8):
    """Each user walks 0 → 1 → ... → 5 → 0 from a different start: next item is predictable."""
    return [np.array([(u + t) % n_items for t in range(length)]) for u in range(n_users)]


def test_training_windows_cover_every_target_once():
    items = np.arange(12)
    windows = training_windows([items], max_len=5, windows_per_user=10)
    targets = sorted(int(t) for w in windows for t in w[1:])
    assert targets == list(range(1, 12))
    assert [w.tolist() for w in training_windows([items], 5)] == [[6, 7, 8, 9, 10, 11]]
    assert training_windows([np.array([4])], 5) == []


def test_attention_is_causal():
    model = SASRec(TINY, np.arange(6), 6)
    model.eval()
    tokens = model.tokens([np.array([0, 1, 2, 3])])  # [1, 5] left-padded
    changed = tokens.clone()
    changed[0, -1] = 6  # change only the last item
    before, after = model.encode(tokens), model.encode(changed)
    assert torch.allclose(before[0, :-1], after[0, :-1])  # earlier positions cannot see it
    assert not torch.allclose(before[0, -1], after[0, -1])


def test_items_outside_the_vocabulary_score_minus_infinity():
    model = SASRec(TINY, np.array([0, 2, 3]), 5)
    scores = model.score([np.array([0, 1, 2])])  # item 1 is out of vocabulary (token "other")
    assert scores.shape == (1, 5)
    assert np.isneginf(scores[0, [1, 4]]).all() and np.isfinite(scores[0, [0, 2, 3]]).all()
    inputs, targets = window_batch(model, [np.array([0, 1, 2])])
    assert targets[0, -2:].tolist() == [0, 2]  # item 1: out of vocabulary, no loss


def test_tiny_training_lowers_loss_learns_and_repeats(tmp_path):
    sequences = cyclic_sequences()
    model0 = SASRec(TINY, np.arange(6), 6)
    inputs, targets = window_batch(model0, training_windows(sequences, TINY.max_len))
    with torch.no_grad():
        model0.eval()
        untrained = float(window_loss(model0, inputs, targets))
    runs = []
    for _ in range(2):
        model, history = train_sasrec(sequences, 6, TINY, checkpoint=tmp_path / "s.pt",
                                      log=lambda _: None, progress=False)
        runs.append([h["train_loss"] for h in history])
    assert runs[0] == runs[1]  # same seed, same numbers
    assert runs[0][-1] < 0.5 * untrained
    scores = model.score([np.array([2, 3, 4])])
    assert int(scores.argmax()) == 5  # the walk continues
    assert model.represent([np.array([2, 3, 4])]).shape == (1, 16)
    loaded, history = load_checkpoint(tmp_path / "s.pt")
    assert np.allclose(loaded.score([np.array([2, 3, 4])]), scores)
    assert len(history) == TINY.epochs
