"""Full-ranking evaluation of any scorer on one leave-one-out stage.

Every evaluated user's held-out item is ranked against ALL items (never sampled negatives), with
the user's training items ("seen") removed; ties count against the target (see
`metrics.target_ranks`). Scores are computed in user batches so that a 340k-item catalog fits in
memory: a batch holds [batch, n_items] float32 scores.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import sparse

from recommender.evaluation.metrics import hit_rate_at_k, ndcg_at_k

Scorer = Callable[[np.ndarray], np.ndarray]  # users [b] → scores [b, n_items]


def batch_size_for(n_items: int, budget_mb: int = 256) -> int:
    """Users per batch so that one [batch, n_items] float32 array stays within `budget_mb`."""
    return int(max(8, min(1024, budget_mb * 2**20 // (4 * max(n_items, 1)))))


def remove_seen(scores: np.ndarray, seen: sparse.csr_matrix) -> np.ndarray:
    """Set each row's seen items to −inf in place; `seen` holds the same rows as `scores`."""
    rows = np.repeat(np.arange(seen.shape[0]), np.diff(seen.indptr))  # [nnz]
    scores[rows, seen.indices] = -np.inf
    return scores


def ranks_of_targets(scores: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """0-based rank of each row's target (ties against it); scores already have seen items at
    −inf. A target scored −inf (the model cannot recommend it) ranks after every item."""
    target_scores = scores[np.arange(len(targets)), targets]  # [b]
    ranks = (scores >= target_scores[:, None]).sum(axis=1) - 1  # [b]
    return np.where(np.isneginf(target_scores), scores.shape[1], ranks).astype(np.int64)


def evaluate_scorer(scorer: Scorer, users: np.ndarray, targets: np.ndarray,
                    seen: sparse.csr_matrix, batch_size: int) -> np.ndarray:
    """[m] 0-based full-ranking rank of each user's target."""
    ranks = []
    for start in range(0, len(users), batch_size):
        batch = users[start:start + batch_size]
        scores = np.array(scorer(batch), dtype=np.float32)  # [b, I], a copy we may modify
        remove_seen(scores, seen[batch])
        ranks.append(ranks_of_targets(scores, targets[start:start + batch_size]))
    return np.concatenate(ranks) if ranks else np.zeros(0, dtype=np.int64)


def summary(ranks: np.ndarray, k: int = 10) -> dict:
    return {f"hr@{k}": round(hit_rate_at_k(ranks, k), 4),
            f"ndcg@{k}": round(ndcg_at_k(ranks, k), 4)}
