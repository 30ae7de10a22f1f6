"""Metrics against values computed by hand on tiny rankings."""

import math

import numpy as np
import pytest

from recommender.evaluation.metrics import (
    auc,
    hit_rate_at_k,
    logloss,
    ndcg_at_k,
    recall_at_k,
    target_ranks,
)


def test_target_ranks_full_ranking_with_seen_items_removed():
    scores = np.array([[0.9, 0.8, 0.7, 0.1],   # target 2: items 0 and 1 above it → rank 2
                       [0.9, 0.8, 0.7, 0.1],   # item 0 seen → rank 1
                       [0.5, 0.5, 0.5, 0.5]])  # ties count against the target → rank 3
    targets = np.array([2, 2, 0])
    excluded = np.zeros((3, 4), dtype=bool)
    excluded[1, 0] = True
    assert target_ranks(scores, targets, excluded).tolist() == [2, 1, 3]
    excluded[0, 2] = True
    with pytest.raises(ValueError):
        target_ranks(scores, targets, excluded)


def test_hit_rate_and_ndcg_by_hand():
    ranks = np.array([0, 1, 4, 12])  # 0-based
    assert hit_rate_at_k(ranks, 1) == 0.25
    assert hit_rate_at_k(ranks, 5) == 0.75
    assert hit_rate_at_k(ranks, 10) == 0.75
    # NDCG@10: (1/log2(2) + 1/log2(3) + 1/log2(6) + 0) / 4
    expected = (1.0 + 1.0 / math.log2(3) + 1.0 / math.log2(6)) / 4
    assert ndcg_at_k(ranks, 10) == pytest.approx(expected)
    assert ndcg_at_k(ranks, 10) == pytest.approx(0.5044, abs=1e-4)
    assert ndcg_at_k(ranks, 1) == 0.25
    assert ndcg_at_k(np.array([], dtype=int), 10) == 0.0


def test_recall_by_hand():
    ranked = [["a", "b", "c", "d"], ["x", "y", "z"], ["p"]]
    relevant = [{"b", "d"}, {"q"}, set()]  # the empty query is skipped
    assert recall_at_k(ranked, relevant, 1) == 0.0
    assert recall_at_k(ranked, relevant, 2) == pytest.approx((0.5 + 0.0) / 2)
    assert recall_at_k(ranked, relevant, 4) == pytest.approx((1.0 + 0.0) / 2)


def test_auc_by_hand_with_ties():
    labels = np.array([1, 0, 1, 0])
    scores = np.array([0.9, 0.8, 0.3, 0.3])
    # pairs (pos, neg): (0.9,0.8)=1 (0.9,0.3)=1 (0.3,0.8)=0 (0.3,0.3)=0.5 → 2.5 / 4
    assert auc(labels, scores) == pytest.approx(0.625)
    assert auc(np.array([1, 1]), np.array([0.1, 0.2])) != auc(np.array([1, 1]),
                                                            np.array([0.1, 0.2]))  # NaN


def test_logloss_by_hand():
    labels = np.array([1, 0])
    assert logloss(labels, np.array([0.8, 0.4])) == pytest.approx(
        -(math.log(0.8) + math.log(0.6)) / 2)
    assert logloss(np.array([1]), np.array([0.0])) == pytest.approx(-math.log(1e-7))
