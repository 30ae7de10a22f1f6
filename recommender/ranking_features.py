"""convrec's multi-task ranker (MMoE, `recommender/mmoe.py`) in the no-conversation setting.

There is no conversation in a behavior benchmark, so the session interest vector is zero and the
`accept` task has no labels; the ranker re-ranks candidates from the base models with:

- candidates: the union of each base model's top `per_model` items (seen items removed);
- per base model (popularity, ItemKNN, EASE, SASRec, content-only where item text vectors
  exist): its score standardised over the user's unseen items, log(1 + rank in its top list)
  (rank = per_model when outside it) and whether the item is in that top list;
- SASRec's history representation of the user ([d]), the item's text vector reduced by PCA
  (fitted on item vectors only, no interactions), log popularity, log(1 + history length);
- the MMoE's own learned item id embedding.

Labels, one list per user: `interact` = the candidate is the user's held-out item (softmax over
the list); `like` = that item was explicitly rated ≥ the like threshold (known for the held-out
item only, and only when the rating is explicit); `accept` = unknown everywhere.

Leak-freedom: the ranker is trained on the VALID stage (base models fitted on each user's history
without the last two items; labels = the second-to-last item) and applied to the TEST stage (base
models refitted without the last item). Nothing it sees at training time was fitted on, tuned on,
or labelled with a test item. A test item outside the candidates is a miss.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from recommender.base_models import BaseModels
from recommender.full_ranking import remove_seen
from recommender.mmoe import DEFAULT_TASKS, TaskData


@dataclass
class CandidateLists:
    """Candidates of a batch of users, one row per (user, candidate item)."""

    users: np.ndarray  # [M] user of each row (the list / group id)
    items: np.ndarray  # [M] candidate item
    dense: np.ndarray  # [M, F] float32 features
    feature_names: list[str]


def standardise_rows(scores: np.ndarray) -> np.ndarray:
    """Each row's finite scores to mean 0, std 1; −inf (seen / outside a model) → the row's
    lowest standardised value."""
    finite = np.isfinite(scores)  # [b, I]
    counts = np.maximum(finite.sum(axis=1, keepdims=True), 1)  # [b, 1]
    filled = np.where(finite, scores, 0.0)  # [b, I]
    mean = filled.sum(axis=1, keepdims=True) / counts  # [b, 1]
    var = (np.where(finite, filled - mean, 0.0) ** 2).sum(axis=1, keepdims=True) / counts
    z = (filled - mean) / np.sqrt(var + 1e-12)  # [b, I]
    low = np.where(finite, z, np.inf).min(axis=1, keepdims=True)  # [b, 1]
    return np.where(finite, z, np.minimum(low, 0.0)).astype(np.float32)  # [b, I]


def top_lists(scores: np.ndarray, n: int) -> np.ndarray:
    """[b, n] item indices of each row's n best scores, best first (ties: lower index)."""
    n = min(n, scores.shape[1])
    part = np.argpartition(-scores, n - 1, axis=1)[:, :n]  # [b, n] unordered
    part = np.sort(part, axis=1)  # ties resolved by index in the stable sort below
    order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)  # [b, n]


def text_pca(item_vectors: np.ndarray, dims: int, seed: int = 7) -> np.ndarray:
    """[I, dims] principal components of the item text vectors (content only)."""
    from sklearn.decomposition import PCA

    dims = min(dims, item_vectors.shape[1], item_vectors.shape[0])
    return PCA(dims, random_state=seed).fit_transform(item_vectors).astype(np.float32)


def candidate_lists(base: BaseModels, users: np.ndarray, per_model: int,
                    item_text: np.ndarray | None) -> CandidateLists:
    """Candidates and features for `users` ([b]), from the base models of one stage."""
    scorers = base.scorers()
    seen = base.train[users]
    per_user: list[set] = [set() for _ in users]
    standardised, positions, names = {}, {}, []
    for name, scorer in scorers.items():
        scores = remove_seen(np.array(scorer(users), dtype=np.float32), seen)  # [b, I]
        top = top_lists(scores, per_model)  # [b, n]
        valid = np.isfinite(np.take_along_axis(scores, top, axis=1))  # [b, n]
        rank = np.full(scores.shape, per_model, dtype=np.int32)  # [b, I]
        rows = np.repeat(np.arange(len(users)), top.shape[1])  # [b * n]
        rank[rows[valid.ravel()], top[valid]] = np.tile(np.arange(top.shape[1]),
                                                        len(users))[valid.ravel()]
        for row in range(len(users)):
            per_user[row].update(top[row][valid[row]].tolist())
        standardised[name], positions[name] = standardise_rows(scores), rank
        names += [f"{name}_z", f"{name}_log_rank", f"{name}_in_top"]
    lengths = [len(c) for c in per_user]
    rows = np.repeat(np.arange(len(users)), lengths)  # [M]
    items = np.concatenate([np.array(sorted(c), dtype=np.int64) for c in per_user])  # [M]
    columns = []
    for name in scorers:
        rank = positions[name][rows, items].astype(np.float32)  # [M]
        columns += [standardised[name][rows, items], np.log1p(rank),
                    (rank < per_model).astype(np.float32)]
    history = base.history_representation(users)  # [b, d]
    lengths_log = np.log1p([len(base.sequences[u]) for u in users]).astype(np.float32)  # [b]
    popularity = np.log1p(base.popularity.counts).astype(np.float32)  # [I]
    parts = [np.stack(columns, axis=1), popularity[items, None], lengths_log[rows, None],
             history[rows]]  # [M, ·] each
    names += ["log_popularity", "log_history_length"]
    names += [f"history_{i}" for i in range(history.shape[1])]
    if item_text is not None:
        parts.append(item_text[items])  # [M, p]
        names += [f"text_pc_{i}" for i in range(item_text.shape[1])]
    dense = np.concatenate(parts, axis=1).astype(np.float32)  # [M, F]
    return CandidateLists(users[rows], items, dense, names)


def labels_for(lists: CandidateLists, target_of: dict[int, int], liked_of: dict[int, float],
               tasks: tuple[str, ...] = DEFAULT_TASKS) -> tuple[np.ndarray, np.ndarray]:
    """([M, T] labels, [M, T] mask). `target_of[user]` = held-out item; `liked_of[user]` =
    1.0 / 0.0 when its rating is explicit (absent otherwise)."""
    targets = np.array([target_of[u] for u in lists.users])  # [M]
    positive = lists.items == targets  # [M]
    labels = np.zeros((len(lists.items), len(tasks)), dtype=np.float32)  # [M, T]
    mask = np.zeros_like(labels)  # [M, T]
    for t, task in enumerate(tasks):
        if task == "interact":
            labels[:, t], mask[:, t] = positive, 1.0
        elif task == "like":
            known = positive & np.array([u in liked_of for u in lists.users])  # [M]
            labels[known, t] = [liked_of[u] for u in lists.users[known]]
            mask[known, t] = 1.0
    return labels, mask  # accept (and any other task) stays unknown: mask 0


def task_data(lists: CandidateLists, labels: np.ndarray, mask: np.ndarray) -> TaskData:
    return TaskData(torch.from_numpy(lists.dense), torch.from_numpy(lists.items + 1),
                    torch.from_numpy(labels), torch.from_numpy(mask),
                    torch.from_numpy(lists.users.astype(np.int64)))


def ranks_in_lists(lists: CandidateLists, scores: np.ndarray, target_of: dict[int, int],
                   n_items: int) -> tuple[np.ndarray, np.ndarray]:
    """Full-ranking rank of each user's target under re-ranked candidates (every non-candidate
    scores −inf; ties against the target; a target outside the candidates ranks n_items).
    Returns (users [m], ranks [m]) in order of first appearance."""
    users, starts = np.unique(lists.users, return_index=True)
    users = users[np.argsort(starts)]
    ranks = np.full(len(users), n_items, dtype=np.int64)  # [m]
    bounds = np.r_[np.sort(starts), len(lists.users)]
    for row, (lo, hi) in enumerate(zip(bounds[:-1], bounds[1:])):
        hit = np.flatnonzero(lists.items[lo:hi] == target_of[users[row]])
        if len(hit):
            ranks[row] = int((scores[lo:hi] >= scores[lo + hit[0]]).sum()) - 1
    return users, ranks


def batched(users: np.ndarray, size: int, build: Callable[[np.ndarray], CandidateLists]):
    for start in range(0, len(users), size):
        yield build(users[start:start + size])
