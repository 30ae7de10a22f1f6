"""Leave-one-out by time: each user's last interaction is the test item, the one before it the
validation item (SASRec, Kang & McAuley ICDM 2018; the protocol of RecBole's "LS" split).

`Interactions` are sorted by user then order, so a user's rows are contiguous and oldest first.
Users with fewer than `min_interactions` (3) are not evaluated; their rows stay in every training
set (they are nobody's target, so they cannot leak one).

Two stages, both leak-free:
- `valid`: fit on everything but each evaluated user's last two rows; the target is the second to
  last. Used to tune hyper-parameters and to train convrec's ranker.
- `test`: fit on everything but each evaluated user's last row; the target is the last.
Known caveat of per-user leave-one-out (shared by the published anchors): another user's rows
that happened after a target's timestamp may be in the training set.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from recommender.data.datasets import Interactions

STAGES = ("valid", "test")


@dataclass
class Stage:
    """What one stage's models may see (`train_mask`) and what they are scored on."""

    name: str
    data: Interactions
    train_mask: np.ndarray  # [n] bool: rows the models are fitted on
    users: np.ndarray  # [m] evaluated users
    targets: np.ndarray  # [m] held-out item of each evaluated user
    target_rows: np.ndarray  # [m] row of that interaction (rating, like label)

    def train_matrix(self) -> sparse.csr_matrix:
        """[n_users, n_items] binary matrix of the training rows (also the 'seen' items)."""
        users, items = self.data.users[self.train_mask], self.data.items[self.train_mask]
        return sparse.csr_matrix((np.ones(len(users), dtype=np.float32), (users, items)),
                                 shape=(self.data.n_users, self.data.n_items))

    def sequences(self) -> list[np.ndarray]:
        """Each user's training items, oldest first: [n_users] arrays of item indices."""
        users, items = self.data.users[self.train_mask], self.data.items[self.train_mask]
        bounds = np.searchsorted(users, np.arange(self.data.n_users + 1))  # [n_users + 1]
        return [items[bounds[u]:bounds[u + 1]] for u in range(self.data.n_users)]


def user_bounds(users: np.ndarray, n_users: int) -> np.ndarray:
    """[n_users + 1] start row of each user in rows sorted by user."""
    return np.searchsorted(users, np.arange(n_users + 1))


def leave_one_out(data: Interactions, stage: str, min_interactions: int = 3) -> Stage:
    """The `valid` or `test` stage of leave-one-out (see the module docstring)."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r} (known: {', '.join(STAGES)})")
    return hold_out_from_end(data, 2 if stage == "valid" else 1, min_interactions, stage)


def hold_out_from_end(data: Interactions, position: int, min_interactions: int = 3,
                      name: str | None = None) -> Stage:
    """Target = each evaluated user's `position`-th item from the end (1 = last, the test item;
    2 = the validation item); that item and every later one of the user are out of training.
    Users need at least max(min_interactions, position) items. Positions 3, 4, ... give extra
    training lists for convrec's ranker, all strictly before the validation item."""
    if np.any(np.diff(data.users) < 0):
        raise ValueError("interactions must be sorted by user (use datasets.from_arrays)")
    bounds = user_bounds(data.users, data.n_users)  # [n_users + 1]
    counts = np.diff(bounds)  # [n_users]
    users = np.flatnonzero(counts >= max(min_interactions, position))  # [m]
    target_rows = bounds[users + 1] - position  # [m]
    train_mask = np.ones(len(data.users), dtype=bool)  # [n]
    for back in range(1, position + 1):
        train_mask[bounds[users + 1] - back] = False
    return Stage(name or f"holdout-{position}", data, train_mask, users,
                 data.items[target_rows], target_rows)
