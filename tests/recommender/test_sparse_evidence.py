"""History evidence on a large catalog (recommender/data/history.py item_similarity_rows,
catalog_rows): the same numbers as the dense computation, on the items that share a user with
a seed only."""

from __future__ import annotations

import numpy as np

from recommender.data.history import BehaviorHistory, catalog_rows
from recommender.domain.catalog import Catalog, Item


def history() -> BehaviorHistory:
    catalog = Catalog([Item(id=f"i{r}", title=f"t{r}", year=None, genres=()) for r in range(6)])
    users = np.array([1, 1, 1, 2, 2, 3, 3, 4])
    rows = np.array([0, 1, 2, 0, 3, 1, 2, 5])  # item 4: nobody; item 5: user 4 only
    return BehaviorHistory(catalog, users, rows, np.full(8, 4.0, dtype=np.float32),
                           np.arange(8))


def test_sparse_similarity_equals_the_dense_one_on_its_rows_and_zero_elsewhere():
    h = history()
    seeds = np.array([0, 2])
    dense = h.item_similarity(seeds)  # [6, 2]
    rows, sparse = h.item_similarity_rows(seeds)
    assert rows.tolist() == [0, 1, 2, 3]  # items 4 and 5 share no user with a seed
    np.testing.assert_allclose(sparse, dense[rows], rtol=1e-6)
    assert not dense[[4, 5]].any()
    assert sparse[0, 0] == 0.0 and sparse[2, 1] == 0.0  # a seed is no evidence for itself


def test_catalog_rows_finds_ids_and_marks_unknown_ones():
    catalog = Catalog([Item(id=i, title=i, year=None, genres=()) for i in ("b", "a", "c")])
    found = catalog_rows(catalog, np.array(["c", "x", "b", "a", "b"]))
    assert found.tolist() == [2, -1, 0, 1, 0]
