"""Incremental fine-tuning's rules (recommender/training/incremental.py): when it must be a full
retrain instead, and how the replayed base lists are drawn — exact values on tiny inputs."""

from __future__ import annotations

import numpy as np

from recommender.training.incremental import _concat, needs_full_retrain, replay_sample


class FakeCatalog:
    def __init__(self, fingerprint: str, n: int):
        self.manifest = {"fingerprint": fingerprint}
        self.n = n

    def __len__(self) -> int:
        return self.n


def test_a_changed_catalog_means_a_full_retrain():
    card = {"data": {"catalog_fingerprint": "abc"}, "n_items": 10}
    assert needs_full_retrain(card, FakeCatalog("abc", 10)) is None
    assert "catalog changed (model: abc, catalog: xyz)" in needs_full_retrain(
        card, FakeCatalog("xyz", 10))
    assert "for 10 items, the catalog has 12" in needs_full_retrain(card, FakeCatalog("abc", 12))
    assert needs_full_retrain({}, FakeCatalog("abc", 10)) is not None  # a card without data


def arrays(groups, splits):
    n = len(groups)
    return {"dense": np.arange(n, dtype=np.float32)[:, None], "group": np.array(groups),
            "split": np.array(splits, dtype=np.int8), "labels": np.zeros((n, 3)),
            "mask": np.ones((n, 3)), "item_ids": np.arange(n), "source": np.zeros(n)}


def test_replay_takes_whole_train_lists_up_to_about_the_rows_asked():
    # lists 0, 1, 2 train (3, 2, 2 rows), list 3 valid
    base = arrays([0, 0, 0, 1, 1, 2, 2, 3], [0, 0, 0, 0, 0, 0, 0, 1])
    sample = replay_sample(base, rows=4, seed=0)
    kept = set(sample["group"].tolist())
    assert 3 not in kept and len(kept) >= 2  # never a valid list; lists until ≥ 4 rows
    for g in kept:  # whole lists only
        assert (sample["group"] == g).sum() == (base["group"] == g).sum()
    assert len(replay_sample(base, rows=100, seed=0)["group"]) == 7  # every train row


def test_concatenated_lists_stay_apart():
    a = arrays([5, 5, 9], [0, 0, 0])
    b = arrays([5, 7], [0, 0])
    both = _concat([a, b])
    assert both["group"].tolist() == [0, 0, 1, 2, 3]
    assert both["dense"][:, 0].tolist() == [0, 1, 2, 0, 1]
