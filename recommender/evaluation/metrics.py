"""Ranking and classification metrics as pure functions (numpy in, floats or arrays out).

Ranking metrics take the 0-based rank of each query's one held-out target in a FULL ranking over
all items (seen items removed), as produced by `target_ranks`: HR@k = share of queries with rank
< k; NDCG@k = mean of 1 / log2(rank + 2) for rank < k, else 0 (one relevant item, so IDCG = 1).
Recall@k handles several relevant items per query. AUC is the Mann-Whitney statistic with ties
counted half; logloss is the mean binary cross-entropy (natural log) with clipped probabilities.
"""

from __future__ import annotations

import numpy as np


def target_ranks(scores: np.ndarray, targets: np.ndarray, excluded: np.ndarray | None = None
                 ) -> np.ndarray:
    """0-based rank of each row's target among its non-excluded items.

    scores [b, n_items]; targets [b] item indices; excluded [b, n_items] bool (seen items; the
    target itself must not be excluded). Ties count against the target: an item with the same
    score as the target ranks above it, so constant scores give no credit."""
    scores = np.array(scores, dtype=np.float64, copy=True)  # [b, n_items]
    if excluded is not None:
        if excluded[np.arange(len(targets)), targets].any():
            raise ValueError("a target item is marked as excluded")
        scores[excluded] = -np.inf
    target_scores = scores[np.arange(len(targets)), targets]  # [b]
    at_least = (scores >= target_scores[:, None]).sum(axis=1)  # [b] includes the target itself
    return (at_least - 1).astype(np.int64)  # [b]


def hit_rate_at_k(ranks: np.ndarray, k: int) -> float:
    """Share of queries whose target is in the top k (ranks are 0-based)."""
    ranks = np.asarray(ranks)
    return float((ranks < k).mean()) if len(ranks) else 0.0


def ndcg_at_k(ranks: np.ndarray, k: int) -> float:
    """Mean NDCG@k for one relevant item per query: 1 / log2(rank + 2) inside the top k."""
    ranks = np.asarray(ranks, dtype=np.float64)
    if not len(ranks):
        return 0.0
    gains = np.where(ranks < k, 1.0 / np.log2(ranks + 2.0), 0.0)  # [n]
    return float(gains.mean())


def ndcg_per_query(ranks: np.ndarray, k: int) -> np.ndarray:
    """[n] NDCG@k of each query (for paired comparisons between models)."""
    ranks = np.asarray(ranks, dtype=np.float64)
    return np.where(ranks < k, 1.0 / np.log2(ranks + 2.0), 0.0)


def recall_at_k(ranked: list[list], relevant: list[set], k: int) -> float:
    """Mean over queries of |top-k ∩ relevant| / |relevant|; queries without relevant items
    are skipped."""
    values = [len(set(items[:k]) & rel) / len(rel) for items, rel in zip(ranked, relevant) if rel]
    return float(np.mean(values)) if values else 0.0


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve: P(score of a positive > score of a negative), ties count half.
    NaN when only one class is present."""
    labels = np.asarray(labels).astype(bool)
    scores = np.asarray(scores, dtype=np.float64)
    n_pos, n_neg = int(labels.sum()), int((~labels).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    sorted_scores = scores[order]
    ranks = np.empty(len(scores), dtype=np.float64)
    # average 1-based ranks over runs of equal scores
    _, start, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    average = start + (counts + 1) / 2.0  # [n_unique]
    ranks[order] = np.repeat(average, counts)
    return float((ranks[labels].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def logloss(labels: np.ndarray, probabilities: np.ndarray, eps: float = 1e-7) -> float:
    """Mean binary cross-entropy in nats; probabilities clipped to [eps, 1 - eps]."""
    labels = np.asarray(labels, dtype=np.float64)
    p = np.clip(np.asarray(probabilities, dtype=np.float64), eps, 1.0 - eps)
    return float(-(labels * np.log(p) + (1.0 - labels) * np.log(1.0 - p)).mean())
