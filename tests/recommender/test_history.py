"""Item-item evidence from behavior: co-occurrence counts, exact, and the shrunk cosine."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from recommender.data.history import BehaviorHistory, _ranges, co_occurrence
from recommender.domain.catalog import Catalog, Item

# 4 users x 5 items: user 0 has items 0, 1, 2; user 1: 0, 1; user 2: 1, 3; user 3: 4
USERS = np.array([0, 0, 0, 1, 1, 2, 2, 3])
ITEMS = np.array([0, 1, 2, 0, 1, 1, 3, 4])


def matrices():
    matrix = sparse.csr_matrix((np.ones(len(USERS), dtype=np.float32), (USERS, ITEMS)),
                               shape=(4, 5))
    return matrix, matrix.T.tocsr()


def test_ranges_concatenates_aranges():
    assert _ranges(np.array([5, 0, 9]), np.array([2, 0, 3])).tolist() == [5, 6, 9, 10, 11]
    assert _ranges(np.array([], dtype=np.int64), np.array([], dtype=np.int64)).tolist() == []


def test_co_occurrence_counts_users_who_have_both():
    matrix, item_matrix = matrices()
    counts = co_occurrence(matrix, item_matrix, np.array([1, 4, 1]))
    assert counts.dtype == np.float32 and counts.flags.c_contiguous
    # seed 1 (users 0, 1, 2): item 0 twice, itself 3 times, item 2 once, item 3 once
    assert counts.T.tolist() == [[2, 3, 1, 1, 0], [0, 0, 0, 0, 1], [2, 3, 1, 1, 0]]


def test_co_occurrence_equals_the_sparse_product():
    rng = np.random.default_rng(3)
    matrix = sparse.random(60, 40, density=0.15, format="csr", random_state=4, dtype=np.float32)
    matrix.data[:] = 1.0
    item_matrix = matrix.T.tocsr()
    for seeds in (np.array([0]), rng.integers(0, 40, 7), np.arange(40)):
        expected = (item_matrix @ item_matrix[seeds].T).toarray()
        got = co_occurrence(matrix, item_matrix, seeds)
        assert got.dtype == expected.dtype and np.array_equal(got, expected)


def test_item_similarity_is_the_same_through_either_count():
    items = [Item(id=str(i), title=f"T{i}", year=2000, genres=()) for i in range(5)]
    catalog = Catalog(items)
    history = BehaviorHistory(catalog, USERS, ITEMS, np.full(len(USERS), 5.0, dtype=np.float32),
                              np.arange(len(USERS)))
    seeds = np.array([1, 0])
    fast = history.item_similarity(seeds)
    history._binary = False  # the sparse product, as for a matrix with repeated pairs
    slow = history.item_similarity(seeds)
    assert fast.dtype == slow.dtype == np.float32 and np.array_equal(fast, slow)
    # cos(0, 1) = 2 / sqrt(2 * 3), shrunk by 2 / (2 + 10); an item is no evidence for itself
    assert fast[0, 0] == pytest.approx(2 / np.sqrt(6) * 2 / 12, rel=1e-6)
    assert fast[1, 0] == 0.0 and fast[0, 1] == 0.0
