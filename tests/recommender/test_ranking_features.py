"""convrec's ranker in the no-conversation setting: feature maths, labels and list ranks."""

import numpy as np
import pytest
from scipy import sparse

from recommender.evaluation.behavior_ranker import (
    CandidateLists,
    labels_for,
    positions_in_top,
    ranks_in_lists,
    row_statistics,
    top_lists,
)
from recommender.evaluation.full_ranking import ranks_of_targets, remove_seen


def test_row_statistics_skip_minus_infinity():
    mean, std, low = row_statistics(np.array([[1.0, 2.0, 3.0, -np.inf],
                                              [-np.inf, -np.inf, -np.inf, -np.inf]], np.float32))
    assert mean[0] == pytest.approx(2.0) and std[0] == pytest.approx(np.sqrt(2 / 3))
    assert low[0] == 1.0 and mean[1] == 0.0 and low[1] == 0.0


def test_positions_in_top_lists():
    top = np.array([[4, 1, 7], [2, 4, 0]])
    valid = np.array([[True, True, False], [True, True, True]])  # item 7 scored −inf
    rows, items = np.array([0, 0, 0, 1, 1]), np.array([1, 7, 3, 0, 4])
    assert positions_in_top(top, valid, rows, items, 10, 3).tolist() == [1, 3, 3, 2, 1]


def test_top_lists_best_first_ties_by_index():
    scores = np.array([[0.1, 0.9, 0.5, 0.9], [3.0, 2.0, 1.0, 0.0]])
    assert top_lists(scores, 3).tolist() == [[1, 3, 2], [0, 1, 2]]


def test_labels_interact_and_like_masks():
    lists = CandidateLists(users=np.array([0, 0, 0, 5, 5]), items=np.array([1, 2, 3, 2, 4]),
                           dense=np.zeros((5, 1), np.float32), feature_names=["x"])
    labels, mask = labels_for(lists, {0: 2, 5: 4}, {0: 1.0},
                              ("accept", "like", "interact"))
    assert labels[:, 2].tolist() == [0, 1, 0, 0, 1]  # interact
    assert mask[:, 2].tolist() == [1, 1, 1, 1, 1]
    assert mask[:, 1].tolist() == [0, 1, 0, 0, 0]  # like: the target of a rated user only
    assert labels[:, 1].tolist() == [0, 1, 0, 0, 0]
    assert mask[:, 0].sum() == 0  # accept: no conversation, no label


def test_ranks_in_lists_and_full_ranking_agree():
    lists = CandidateLists(users=np.array([0, 0, 0, 5, 5]), items=np.array([1, 2, 3, 2, 4]),
                           dense=np.zeros((5, 1), np.float32), feature_names=["x"])
    scores = np.array([0.2, 0.9, 0.5, 0.3, 0.3])
    users, ranks = ranks_in_lists(lists, scores, {0: 3, 5: 7}, n_items=10)
    assert users.tolist() == [0, 5] and ranks.tolist() == [1, 10]  # user 5: target not a candidate
    full = np.full((1, 10), -np.inf)
    full[0, [1, 2, 3]] = [0.2, 0.9, 0.5]
    seen = sparse.csr_matrix(np.zeros((1, 10)))
    assert ranks_of_targets(remove_seen(full, seen), np.array([3])).tolist() == [1]
