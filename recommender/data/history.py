"""Behavior history: who rated what, and item-item evidence from co-occurrence (ItemKNN, cosine).

The default history is MovieLens ratings from `data build` (ratings.npz). A known user's history
seeds recommendations: items co-rated with what they liked score high ("because you liked Heat").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

from recommender.domain.catalog import Catalog

LIKED_RATING = 4.0  # a rating at or above this counts as "liked"


@dataclass(frozen=True)
class UserHistory:
    user_id: str
    item_rows: np.ndarray  # [n] catalog rows, oldest first
    ratings: np.ndarray  # [n]
    timestamps: np.ndarray  # [n]

    def liked_rows(self, limit: int = 50) -> np.ndarray:
        """The most recent `limit` items rated >= LIKED_RATING."""
        rows = self.item_rows[self.ratings >= LIKED_RATING]
        return rows[-limit:]


class BehaviorHistory:
    """User × item interactions as a sparse matrix, with cosine item-item scoring."""

    def __init__(self, catalog: Catalog, user_ids: np.ndarray, item_rows: np.ndarray,
                 ratings: np.ndarray, timestamps: np.ndarray):
        self.catalog = catalog
        order = np.lexsort((timestamps, user_ids))
        self.user_ids, self.item_rows = user_ids[order], item_rows[order]
        self.ratings, self.timestamps = ratings[order], timestamps[order]
        self.users = {str(u): i for i, u in enumerate(np.unique(self.user_ids))}
        user_index = np.array([self.users[str(u)] for u in self.user_ids], dtype=np.int64)
        n_users, n_items = len(self.users), len(catalog)
        # implicit interaction matrix, binary: [n_users, n_items]
        self.matrix = sparse.csr_matrix(
            (np.ones(len(user_index), dtype=np.float32), (user_index, self.item_rows)),
            shape=(n_users, n_items),
        )
        self.item_matrix = self.matrix.T.tocsr()  # [n_items, n_users]
        self.item_norms = np.sqrt(np.asarray(self.matrix.sum(axis=0)).ravel())  # [n_items]
        self._bounds = np.searchsorted(user_index, np.arange(n_users + 1))

    @staticmethod
    def load(folder: Path, catalog: Catalog) -> BehaviorHistory:
        path = Path(folder) / "ratings.npz"
        if not path.exists():
            raise FileNotFoundError(f"No ratings at {path}. Build them with `convrec data build`.")
        data = np.load(path, allow_pickle=False)
        item_ids = data["item_id"].astype(str)
        known = np.array([i in catalog.index for i in item_ids])
        rows = np.array([catalog.index[i] for i in item_ids[known]], dtype=np.int64)
        return BehaviorHistory(catalog, data["user_id"][known].astype(np.int64), rows,
                               data["rating"][known].astype(np.float32),
                               data["timestamp"][known].astype(np.int64))

    def has_user(self, user_id: str) -> bool:
        return str(user_id) in self.users

    def user(self, user_id: str) -> UserHistory:
        index = self.users[str(user_id)]
        lo, hi = self._bounds[index], self._bounds[index + 1]
        return UserHistory(str(user_id), self.item_rows[lo:hi], self.ratings[lo:hi],
                           self.timestamps[lo:hi])

    def item_similarity(self, seed_rows: np.ndarray, shrink: float = 10.0) -> np.ndarray:
        """Shrunk cosine similarity of every item to each seed: [n_items, n_seeds] (dense).

        cos(i, j) * c / (c + shrink), with c the number of users who have both: a movie seen by
        one person is not "similar" to everything that person saw (ItemKNN's usual shrinkage).
        """
        if len(seed_rows) == 0:
            return np.zeros((len(self.catalog), 0), dtype=np.float32)
        seeds = self.item_matrix[seed_rows]  # [n_seeds, n_users]
        co_counts = (self.item_matrix @ seeds.T).toarray()  # [n_items, n_seeds]
        denominator = np.outer(self.item_norms, self.item_norms[seed_rows]) + 1e-6
        similarity = co_counts / denominator * (co_counts / (co_counts + shrink))
        similarity = similarity.astype(np.float32)
        similarity[seed_rows, np.arange(len(seed_rows))] = 0.0  # an item is no evidence for itself
        return similarity
