"""The items holding a wanted keyword that a first pass over a large catalog scores beside the
nearest ones (recommender/serving/text_search.py keyword_rows)."""

from __future__ import annotations

import numpy as np

from recommender.serving.text_search import keyword_rows


def test_allowed_items_holding_any_keyword_best_prior_first():
    dragons = np.array([1, 0, 1, 1, 0, 1], dtype=np.float32)
    elves = np.array([0, 0, 0, 0, 1, 0], dtype=np.float32)
    allowed = np.array([True, True, False, True, True, True])
    prior = np.array([0.0, 0.0, 9.0, 0.2, 0.5, 0.9])
    assert keyword_rows([dragons, elves], allowed, prior, 10).tolist() == [0, 3, 4, 5]
    assert keyword_rows([dragons, elves], allowed, prior, 2).tolist() == [4, 5]  # best prior
    assert keyword_rows([dragons], allowed, prior, 10).tolist() == [0, 3, 5]  # 2: not allowed


def test_no_keyword_adds_nothing():
    assert keyword_rows([], np.ones(3, dtype=bool), np.zeros(3), 10).tolist() == []
