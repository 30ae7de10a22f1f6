"""The inverted-file nearest-neighbour index (recommender/serving/ann.py): which lists a search
reads, that a filter never empties the answer, exact cosines, and the saved file."""

from __future__ import annotations

import numpy as np

from recommender.serving.ann import (
    INDEX_FILE,
    IvfIndex,
    build_ivf,
    ensure_index,
    load_index,
    recall_at,
)


def unit(rows) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


# two tight groups: rows 0-2 near the x axis, rows 3-5 near the y axis
VECTORS = unit([[1, 0.1, 0], [1, 0, 0.1], [1, -0.1, 0], [0.1, 1, 0], [0, 1, 0.1], [-0.1, 1, 0]])
INDEX = IvfIndex(centroids=unit([[1, 0, 0], [0, 1, 0]]),
                 order=np.array([0, 1, 2, 3, 4, 5], dtype=np.int32),
                 offsets=np.array([0, 3, 6]), fingerprint="f")


def test_a_search_reads_the_closest_list_first_and_returns_exact_cosines():
    query = unit([[1, 0, 0]])[0]
    rows, cosines = INDEX.search(VECTORS, query, want=2, min_lists=1)
    assert rows.tolist() == [0, 1, 2]
    np.testing.assert_allclose(cosines, VECTORS[[0, 1, 2]] @ query, rtol=1e-6)


def test_a_filter_reads_further_lists_until_enough_items_are_allowed():
    query = unit([[1, 0, 0]])[0]
    allowed = np.array([False, False, True, True, True, False])
    rows, _ = INDEX.search(VECTORS, query, want=3, allowed=allowed, min_lists=1)
    assert rows.tolist() == [2, 3, 4]  # one allowed in the closest list, two in the next
    rows, _ = INDEX.search(VECTORS, query, want=1, allowed=allowed, min_lists=1)
    assert rows.tolist() == [2]


def test_k_means_separates_two_groups_and_recall_is_complete():
    index = build_ivf(VECTORS, n_lists=2, seed=0)
    groups = {frozenset(index.order[index.offsets[j]:index.offsets[j + 1]].tolist())
              for j in range(2)}
    assert groups == {frozenset({0, 1, 2}), frozenset({3, 4, 5})}
    assert recall_at(index, VECTORS, VECTORS[[0, 4]], k=3, want=3) == 1.0


def test_the_saved_inverted_file_loads_only_for_its_vectors(tmp_path):
    index = build_ivf(VECTORS, n_lists=2, fingerprint="abc")
    index.save(tmp_path / INDEX_FILE)
    assert load_index(tmp_path, "abc").order.tolist() == index.order.tolist()
    assert load_index(tmp_path, "other vectors") is None


def test_the_index_is_built_once_and_a_filter_never_empties_the_answer(tmp_path):
    (tmp_path / "item_vectors.json").write_text('{"fingerprint": "abc"}')
    assert ensure_index(tmp_path, VECTORS, min_items=100) is None  # small: exact search
    ensure_index(tmp_path, VECTORS, min_items=2)
    index = ensure_index(tmp_path, VECTORS, min_items=2)  # loaded from the folder
    rows, cosines = index.search(VECTORS, VECTORS[4], want=3)
    assert set(rows.tolist()) == {3, 4, 5}
    np.testing.assert_allclose(cosines, VECTORS[rows] @ VECTORS[4], rtol=1e-6)
    only_first = np.array([True, False, False, False, False, False])
    rows, _ = index.search(VECTORS, VECTORS[4], want=3, allowed=only_first)
    assert rows.tolist() == [0]  # far from the query, but the one allowed item
