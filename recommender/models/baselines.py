"""Collaborative baselines that always run beside convrec's ranker in evaluation.

- `Popularity`: items by their number of training interactions.
- `ItemKNN`: item-based collaborative filtering with cosine similarity on the binary user × item
  matrix, each item keeping its k most similar items (Sarwar et al. WWW 2001; Deshpande & Karypis,
  TOIS 2004): score(u, j) = Σ_{i ∈ I_u} S_k[i, j].
- `EASE`: Embarrassingly Shallow Autoencoders (Harald Steck, WWW 2019), closed form:
  P = (XᵀX + λI)⁻¹, B = I − P · diagMat(1 / diag(P)) (so diag(B) = 0), score = X_u · B.
  When there are fewer users than items the inverse goes through the Woodbury identity
  (XᵀX + λI)⁻¹ = (I − Xᵀ(XXᵀ + λI)⁻¹X) / λ: exact, and an n_users² solve instead of n_items².
  The item × item inverse of a catalog like Book-Crossing's 340k ISBNs is impossible here, so
  `min_item_count` restricts EASE to items with at least that many training interactions; the
  other items get score −inf (EASE cannot recommend them), which the evaluation reports.

Every model: `fit(train)` with `train` a binary csr [n_users, n_items], then
`score(users) -> [b, n_items] float32` (higher is better; the caller removes seen items).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse


class Popularity:
    name = "popularity"

    def fit(self, train: sparse.csr_matrix) -> Popularity:
        self.counts = np.asarray(train.sum(axis=0)).ravel().astype(np.float32)  # [n_items]
        return self

    def score(self, users: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.counts, (len(users), len(self.counts))).copy()  # [b, I]


def top_k_per_row(matrix: sparse.csr_matrix, k: int) -> sparse.csr_matrix:
    """Keep the k largest entries of each row (ties at the cut: lower column first). Only rows
    with more than k entries are touched, each with one O(n) partition."""
    matrix = matrix.tocsr()
    indptr, indices, data = matrix.indptr, matrix.indices, matrix.data
    keep = np.ones(len(data), dtype=bool)  # [nnz]
    for row in np.flatnonzero(np.diff(indptr) > k):
        lo, hi = indptr[row], indptr[row + 1]
        values = data[lo:hi]  # [n]
        threshold = np.partition(values, len(values) - k)[len(values) - k]
        chosen = values > threshold  # [n]
        ties = np.flatnonzero(values == threshold)  # [t]
        ties = ties[np.argsort(indices[lo:hi][ties], kind="stable")][:k - int(chosen.sum())]
        chosen[ties] = True
        keep[lo:hi] = chosen
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(indptr))  # [nnz]
    counts = np.bincount(rows[keep], minlength=matrix.shape[0])  # [n_rows]
    new_indptr = np.concatenate([[0], np.cumsum(counts)]).astype(indptr.dtype)
    return sparse.csr_matrix((data[keep], indices[keep], new_indptr), shape=matrix.shape)


class ItemKNN:
    name = "itemknn"

    def __init__(self, k: int = 100, block: int = 2048):
        self.k, self.block = k, block

    def fit(self, train: sparse.csr_matrix) -> ItemKNN:
        items = train.T.tocsr().astype(np.float32)  # [I, U]
        norms = np.sqrt(np.asarray(items.multiply(items).sum(axis=1)).ravel())  # [I]
        inverse = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)  # [I]
        user_items = train.tocsc().astype(np.float32)  # [U, I]
        parts = []
        for start in range(0, items.shape[0], self.block):  # bounded memory on big catalogs
            stop = min(start + self.block, items.shape[0])
            co_counts = (items[start:stop] @ user_items).tocoo()  # [block, I]
            values = co_counts.data * inverse[co_counts.row + start] * inverse[co_counts.col]
            values[co_counts.row + start == co_counts.col] = 0.0  # an item is not its neighbour
            cosine = sparse.csr_matrix((values, (co_counts.row, co_counts.col)),
                                       shape=(stop - start, items.shape[0]))  # [block, I]
            cosine.eliminate_zeros()
            parts.append(top_k_per_row(cosine, self.k))
        self.similarity = sparse.vstack(parts).tocsr()  # [I, I], k per row
        self.train = train.tocsr()
        return self

    def score(self, users: np.ndarray) -> np.ndarray:
        return (self.train[users] @ self.similarity).toarray().astype(np.float32)  # [b, I]


def ease_weights(train: sparse.csr_matrix, regularization: float) -> np.ndarray:
    """B [n_items, n_items] float32 with zero diagonal (Steck 2019, eq. 8)."""
    n_users, n_items = train.shape
    x = train.astype(np.float64)
    if n_users < n_items:  # Woodbury: (XᵀX + λI)⁻¹ = (I − Xᵀ (XXᵀ + λI)⁻¹ X) / λ
        gram_users = (x @ x.T).toarray() + regularization * np.eye(n_users)  # [U, U]
        dense_x = x.toarray()  # [U, I]
        solved = np.linalg.solve(gram_users, dense_x)  # [U, I] = (XXᵀ + λI)⁻¹ X
        inverse = -(dense_x.T @ solved)  # [I, I]
        inverse[np.diag_indices(n_items)] += 1.0
        inverse /= regularization  # [I, I] = P
    else:
        gram = (x.T @ x).toarray() + regularization * np.eye(n_items)  # [I, I]
        inverse = np.linalg.inv(gram)  # [I, I] = P
    inverse /= (-np.diag(inverse))[None, :]  # [I, I] in place: B_ij = −P_ij / P_jj
    inverse[np.diag_indices(n_items)] = 0.0
    return inverse.astype(np.float32)


class EASE:
    name = "ease"

    def __init__(self, regularization: float = 500.0, min_item_count: int = 1):
        self.regularization, self.min_item_count = regularization, min_item_count

    def fit(self, train: sparse.csr_matrix) -> EASE:
        counts = np.asarray(train.sum(axis=0)).ravel()  # [I]
        self.item_set = np.flatnonzero(counts >= self.min_item_count)  # [I_kept]
        self.n_items = train.shape[1]
        self.train = train.tocsr()[:, self.item_set]  # [U, I_kept]
        self.weights = ease_weights(self.train, self.regularization)  # [I_kept, I_kept]
        return self

    def score(self, users: np.ndarray) -> np.ndarray:
        kept = self.train[users] @ self.weights  # [b, I_kept]
        if len(self.item_set) == self.n_items:
            return np.asarray(kept, dtype=np.float32)
        scores = np.full((len(users), self.n_items), -np.inf, dtype=np.float32)  # [b, I]
        scores[:, self.item_set] = kept
        return scores


class SeedEASE:
    """EASE over a subset of n candidates, scored from seed items instead of a user row:
    score = Σ_seeds B[seed, ·] on `columns`, 0 elsewhere and when no seed is in the subset.

    interactions: [users, c] binary, column j = candidate `columns[j]`; n: all candidates."""

    def __init__(self, interactions: sparse.spmatrix, columns: np.ndarray, n: int,
                 regularization: float):
        self.n = n
        self.columns = np.asarray(columns, dtype=np.int64)  # [c]
        self.position = np.full(n, -1, dtype=np.int64)  # [n] → row of B or -1
        self.position[self.columns] = np.arange(len(self.columns))
        self.weights = (ease_weights(sparse.csr_matrix(interactions), regularization)
                        if len(self.columns) else np.zeros((0, 0), dtype=np.float32))  # [c, c]

    def scores(self, seeds: np.ndarray) -> np.ndarray:
        """[n] float32 for seed candidate indices [s]."""
        out = np.zeros(self.n, dtype=np.float32)
        known = self.position[seeds] if len(seeds) else np.zeros(0, dtype=np.int64)
        known = known[known >= 0]
        if len(known):
            out[self.columns] = self.weights[known].sum(axis=0)  # [c]
        return out
