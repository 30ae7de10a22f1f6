"""convrec's multi-task ranker (MMoE, `recommender/models/mmoe.py`) in the no-conversation setting.

There is no conversation in a behavior benchmark, so the session interest vector is zero and the
`accept` task has no labels; the ranker re-ranks candidates from the base models with:

- candidates: the union of each base model's top `per_model` items (seen items removed);
- per base model (popularity, ItemKNN, EASE, SASRec, content-only where item text vectors
  exist): its score standardised over the user's unseen items, log(1 + rank in its top list)
  (rank = per_model when outside it) and whether the item is in that top list;
- similarity to the user's most recent items (co-occurrence cosine; text cosine where item
  vectors exist), to the last one and averaged over the last five;
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
from dataclasses import dataclass, field

import numpy as np
import torch

from recommender.evaluation.base_models import BaseModels
from recommender.evaluation.full_ranking import ranks_of_targets, remove_seen
from recommender.models.tasks import TASKS
from recommender.training.mmoe_loop import TaskData


@dataclass
class CandidateLists:
    """Candidates of a batch of users, one row per (user, candidate item)."""

    users: np.ndarray  # [M] user of each row (the list / group id)
    items: np.ndarray  # [M] candidate item
    dense: np.ndarray  # [M, F] float32 features
    feature_names: list[str]
    model_ranks: dict = field(default_factory=dict)  # {base model: [b] rank of each target}


def top_lists(scores: np.ndarray, n: int) -> np.ndarray:
    """[b, n] item indices of each row's n best scores, best first (equal scores inside the list
    by index; which of several items tied at the cut gets in is torch.topk's deterministic
    choice). torch.topk: a 340k-item row takes milliseconds, numpy's argpartition ~10× more."""
    n = min(n, scores.shape[1])
    _, part = torch.topk(torch.from_numpy(scores), n, dim=1, sorted=False)  # [b, n]
    part = np.sort(part.numpy(), axis=1)  # index order, kept by the stable sort below
    order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)  # [b, n]


def text_pca(item_vectors: np.ndarray, dims: int, seed: int = 7) -> np.ndarray:
    """[I, dims] principal components of the item text vectors (content only)."""
    from sklearn.decomposition import PCA  # heavy: scikit-learn, only with item text vectors

    dims = min(dims, item_vectors.shape[1], item_vectors.shape[0])
    return PCA(dims, random_state=seed).fit_transform(item_vectors).astype(np.float32)


def row_statistics(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean [b], std [b], min [b]) of each row's finite scores, without a copy of the rows."""
    finite = np.isfinite(scores)  # [b, I]
    counts = np.maximum(finite.sum(axis=1), 1)  # [b]
    mean = np.sum(scores, axis=1, where=finite, dtype=np.float64) / counts  # [b]
    square = np.sum(np.square(scores, where=finite, out=np.zeros_like(scores)), axis=1,
                    dtype=np.float64) / counts  # [b]
    std = np.sqrt(np.maximum(square - mean**2, 0.0) + 1e-12)  # [b]
    low = np.min(scores, axis=1, where=finite, initial=np.inf)  # [b]
    return mean, std, np.where(np.isfinite(low), low, mean)


def positions_in_top(top: np.ndarray, valid: np.ndarray, rows: np.ndarray, items: np.ndarray,
                     n_items: int, missing: int) -> np.ndarray:
    """[M] position of (rows[i], items[i]) in the top lists ([b, n], best first), else
    `missing`: a sorted-key lookup instead of a dense [b, n_items] array."""
    top_rows = np.repeat(np.arange(top.shape[0]), top.shape[1])[valid.ravel()]  # [k]
    keys = top_rows.astype(np.int64) * n_items + top[valid]  # [k]
    where = np.tile(np.arange(top.shape[1]), top.shape[0])[valid.ravel()]  # [k]
    order = np.argsort(keys)
    keys, where = keys[order], where[order]
    wanted = rows.astype(np.int64) * n_items + items  # [M]
    found = np.clip(np.searchsorted(keys, wanted), 0, max(len(keys) - 1, 0))  # [M]
    hit = (keys[found] == wanted) if len(keys) else np.zeros(len(wanted), dtype=bool)
    return np.where(hit, where[found] if len(keys) else missing, missing)  # [M]


RECENT = (1, 5)  # similarity of a candidate to the last item, and to the last five on average


def recent_similarity(base: BaseModels, users: np.ndarray, rows: np.ndarray,
                      items: np.ndarray) -> np.ndarray:
    """[M, F_recent] similarity of each candidate to the user's most recent training items:
    co-occurrence cosine (|U_i ∩ U_j| / sqrt(|U_i| |U_j|)) and, with item vectors, text cosine,
    each to the last item and averaged over the last five. Recency matters in leave-one-out
    by time, and neither ItemKNN nor EASE weighs it."""
    item_users = base.item_users  # [I, U] binary csr
    norms = np.sqrt(np.asarray(item_users.sum(axis=1)).ravel()) + 1e-9  # [I]
    candidates = item_users[items]  # [M, U]
    features = []
    for count in RECENT:
        total = np.zeros(len(items), dtype=np.float32)  # [M]
        text = np.zeros(len(items), dtype=np.float32)  # [M]
        for back in range(1, count + 1):
            recent = np.array([base.sequences[u][-back] if len(base.sequences[u]) >= back
                               else -1 for u in users])  # [b], −1 = none
            recent_items = recent[rows]  # [M]
            present = recent_items >= 0  # [M]
            safe = np.where(present, recent_items, 0)  # [M]
            overlap = np.asarray(candidates.multiply(item_users[safe]).sum(axis=1)).ravel()
            total += np.where(present, overlap / (norms[items] * norms[safe]), 0.0)
            if base.item_vectors is not None:
                cosine = np.einsum("md,md->m", base.item_vectors[items],
                                   base.item_vectors[safe])  # [M]
                text += np.where(present, cosine, 0.0)
        features.append(total / count)
        if base.item_vectors is not None:
            features.append(text / count)
    order = [0, 2, 1, 3] if base.item_vectors is not None else [0, 1]
    return np.stack(features, axis=1)[:, order].astype(np.float32)  # [M, F_recent]


def candidate_lists(base: BaseModels, users: np.ndarray, per_model: int,
                    item_text: np.ndarray | None, targets: np.ndarray | None = None
                    ) -> CandidateLists:
    """Candidates and features for `users` ([b]), from the base models of one stage. With
    `targets` ([b] held-out items), each base model's full-ranking rank of them is kept in
    `model_ranks` (the same score matrices, so the test stage scores every model once)."""
    seen = base.train[users]
    n_items = base.stage.data.n_items
    per_user: list[set] = [set() for _ in users]
    kept, model_ranks = {}, {}
    for name, scorer in base.scorers().items():
        scores = remove_seen(np.array(scorer(users), dtype=np.float32), seen)  # [b, I]
        if targets is not None:
            model_ranks[name] = ranks_of_targets(scores, targets)  # [b]
        top = top_lists(scores, per_model)  # [b, n]
        valid = np.isfinite(np.take_along_axis(scores, top, axis=1))  # [b, n]
        for row in range(len(users)):
            per_user[row].update(top[row][valid[row]].tolist())
        kept[name] = (scores, top, valid, row_statistics(scores))
    rows = np.repeat(np.arange(len(users)), [len(c) for c in per_user])  # [M]
    items = np.concatenate([np.array(sorted(c), dtype=np.int64) for c in per_user])  # [M]
    columns, names = [], []
    for name, (scores, top, valid, (mean, std, low)) in kept.items():
        raw = scores[rows, items]  # [M]
        raw = np.where(np.isfinite(raw), raw, np.minimum(low[rows], mean[rows]))  # [M]
        position = positions_in_top(top, valid, rows, items, n_items, per_model)  # [M]
        columns += [((raw - mean[rows]) / std[rows]).astype(np.float32),
                    np.log1p(position).astype(np.float32),
                    (position < per_model).astype(np.float32)]
        names += [f"{name}_z", f"{name}_log_rank", f"{name}_in_top"]
    del kept
    recent = recent_similarity(base, users, rows, items)  # [M, 2 or 4]
    columns += list(recent.T)
    names += [f"cooccurrence_last_{n}" for n in RECENT] + (
        [f"text_last_{n}" for n in RECENT] if base.item_vectors is not None else [])
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
    return CandidateLists(users[rows], items, dense, names, model_ranks)


def labels_for(lists: CandidateLists, target_of: dict[int, int], liked_of: dict[int, float],
               tasks: tuple[str, ...] = TASKS) -> tuple[np.ndarray, np.ndarray]:
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
