"""Baselines with exact values: EASE against a dense reference, ItemKNN cosine by hand."""

import numpy as np
import pytest
from scipy import sparse

from recommender.models.baselines import EASE, ItemKNN, Popularity, ease_weights, top_k_per_row


def random_matrix(n_users, n_items, seed):
    rng = np.random.default_rng(seed)
    dense = (rng.random((n_users, n_items)) < 0.35).astype(np.float32)
    return sparse.csr_matrix(dense)


def ease_reference(x: np.ndarray, regularization: float) -> np.ndarray:
    """Column by column: ridge regression of item j on every other item (diag(B) = 0 by
    construction), the constrained least squares EASE solves in closed form."""
    n_items = x.shape[1]
    weights = np.zeros((n_items, n_items))
    for j in range(n_items):
        others = [i for i in range(n_items) if i != j]
        a = x[:, others]
        weights[others, j] = np.linalg.solve(a.T @ a + regularization * np.eye(len(others)),
                                             a.T @ x[:, j])
    return weights


@pytest.mark.parametrize("n_users,n_items", [(30, 8), (6, 12)])  # direct and Woodbury paths
def test_ease_matches_dense_reference(n_users, n_items):
    x = random_matrix(n_users, n_items, seed=n_users)
    expected = ease_reference(x.toarray().astype(np.float64), 3.0)
    actual = ease_weights(x, 3.0)
    assert np.allclose(actual, expected, atol=1e-5)
    assert np.all(np.diag(actual) == 0.0)


def test_ease_restricted_items_score_minus_infinity():
    x = sparse.csr_matrix(np.array([[1, 1, 0, 1], [1, 1, 0, 0], [0, 1, 1, 1]], np.float32))
    model = EASE(regularization=1.0, min_item_count=2).fit(x)
    assert model.item_set.tolist() == [0, 1, 3]
    scores = model.score(np.array([0, 1]))
    assert np.isneginf(scores[:, 2]).all() and np.isfinite(scores[:, [0, 1, 3]]).all()


def test_itemknn_cosine_by_hand():
    x = sparse.csr_matrix(np.array([[1, 1, 0], [1, 0, 1], [1, 1, 0]], np.float32))
    model = ItemKNN(k=1, block=2).fit(x)
    # cos(0,1) = 2/sqrt(3*2), cos(0,2) = 1/sqrt(3), cos(1,2) = 0; k = 1 keeps the best neighbour
    similarity = model.similarity.toarray()
    assert similarity[0].tolist() == pytest.approx([0.0, 2 / np.sqrt(6), 0.0])
    assert similarity[1].tolist() == pytest.approx([2 / np.sqrt(6), 0.0, 0.0])
    assert similarity[2].tolist() == pytest.approx([1 / np.sqrt(3), 0.0, 0.0])
    # user 1 has items 0 and 2: score = S[0] + S[2]
    assert model.score(np.array([1]))[0].tolist() == pytest.approx(
        [1 / np.sqrt(3), 2 / np.sqrt(6), 0.0])


def test_top_k_per_row_and_popularity():
    m = sparse.csr_matrix(np.array([[0.1, 0.5, 0.3], [0.2, 0.2, 0.0]]))
    assert top_k_per_row(m, 2).toarray().tolist() == [[0.0, 0.5, 0.3], [0.2, 0.2, 0.0]]
    assert top_k_per_row(m, 1).toarray().tolist() == [[0.0, 0.5, 0.0], [0.2, 0.0, 0.0]]
    x = sparse.csr_matrix(np.array([[1, 0, 1], [1, 0, 0]], np.float32))
    assert Popularity().fit(x).score(np.array([0, 1])).tolist() == [[2, 0, 1], [2, 0, 1]]
