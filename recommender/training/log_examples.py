"""Training examples from the behavior log: what convrec's own users did in the chat.

The events come from recommender/data/behavior_log.py (labels there, pure); this module turns
them into ranker rows (recommender/serving/inputs.py) the way the chat built them: the stored
context gives back the request the shown list came from (interest vector, constraints, liked
items, exclusions, the user), the first pass runs on it, and the labelled items are taken from
its candidates with their features.

- accept / reject → an `accept` list: the labelled items, plus (when one was accepted)
  `sampled` other candidates of the first pass's best 300 as negatives, as the simulated lists
  have; `interact` = the accepted item within that list (listwise).
- a rating → a one-row `like` list, when the rated item is a candidate of its context.
- accepted items of MovieLens users extend their behavior history (`extend_history`): the full
  retrain's SASRec and `interact` history lists see them as their newest interactions.

Items the context's first pass no longer offers (the catalog changed, the item was excluded)
are counted as `missed` and left out.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from recommender.data.behavior_log import LogEvent, TurnContext, labelled_lists, like_labels
from recommender.data.history import LIKED_RATING, BehaviorHistory
from recommender.domain.constraints import Constraints
from recommender.models.tasks import TASKS
from recommender.serving.inputs import InputBuilder
from recommender.serving.recommend import Candidates, Recommender, RecommendRequest
from recommender.training.examples import ExampleLists, ExampleSettings, split_of

ACCEPT, LIKE, INTERACT = (TASKS.index(t) for t in ("accept", "like", "interact"))
SOURCE = "log"


def request_of(context: TurnContext, user_id: str | None) -> RecommendRequest:
    """The request the shown list of `context` was recommended from (the list itself allowed)."""
    return RecommendRequest(context.interest_vector, Constraints.from_json(context.constraints),
                            positive_items=list(context.positive_items),
                            excluded_items=set(context.excluded), user_id=user_id)


def all_candidates(recommender: Recommender) -> Recommender:
    """The same first pass, keeping every allowed item as a candidate (so that any labelled
    item has its features); `first_pass` still says which of them the chat's 300 were."""
    config = dataclasses.replace(recommender.config, ranker="linear",
                                 candidates=len(recommender.catalog))
    return Recommender(recommender.catalog, recommender.item_vectors, recommender.history,
                       config)


def _history_rows(recommender: Recommender, user_id: str | None,
                  context: TurnContext) -> np.ndarray:
    past = (recommender.history.user(user_id).item_rows if user_id is not None
            else np.zeros(0, dtype=np.int64))
    return np.concatenate([past, recommender.catalog.rows(list(context.positive_items))])


def _sampled(found: Candidates, taken: np.ndarray, n: int, top: int,
             rng: np.random.Generator) -> np.ndarray:
    """Up to n positions among the first pass's best `top` candidates, not in `taken`."""
    best = np.argsort(-found.first_pass, kind="stable")[:top]
    rest = np.setdiff1d(best, taken)
    if not len(rest):
        return np.zeros(0, dtype=np.int64)
    return np.sort(rng.choice(rest, size=min(n, len(rest)), replace=False))


def log_lists(recommender: Recommender, builder: InputBuilder, events: list[LogEvent],
              settings: ExampleSettings, out: ExampleLists, split: str | None = None,
              top: int = 300) -> dict:
    """Add the log's `accept` / `interact` and `like` lists to `out`; returns counts.

    `recommender` must keep every allowed item as a candidate (`all_candidates`); `split`:
    force one split (fine-tuning trains on everything), else by a hash of the owner."""
    rng = np.random.default_rng(settings.seed + 2)
    catalog, history = recommender.catalog, recommender.history
    counts = {"accept_lists": 0, "accept_labels": 0, "accepted": 0, "like_labels": 0,
              "missed": 0}

    def user_of(owner: str) -> str | None:
        return owner if history.has_user(owner) else None

    for one in labelled_lists(events):
        user = user_of(one.owner)
        found = recommender.candidates(request_of(one.context, user))
        position = {} if found is None else {int(r): i for i, r in
                                              enumerate(found.features.rows.tolist())}
        labelled = [(position[catalog.index[item]], label) for item, label in one.accept.items()
                    if item in catalog.index and catalog.index[item] in position]
        counts["missed"] += len(one.accept) - len(labelled)
        if not labelled:
            continue
        taken = np.array([p for p, _ in labelled], dtype=np.int64)
        has_positive = any(label == 1.0 for _, label in labelled)
        extra = _sampled(found, taken, settings.sampled, top, rng) if has_positive else \
            np.zeros(0, dtype=np.int64)
        picked = np.concatenate([taken, extra])
        features = found.features.take(picked)
        dense = builder.dense(features, one.context.interest_vector,
                              _history_rows(recommender, user, one.context))
        labels = np.zeros((len(picked), len(TASKS)), dtype=np.float32)
        mask = np.zeros_like(labels)
        labels[:len(taken), ACCEPT] = [label for _, label in labelled]
        mask[:, ACCEPT] = 1.0
        if has_positive:
            labels[:len(taken), INTERACT] = labels[:len(taken), ACCEPT]
            mask[:, INTERACT] = 1.0
        out.add(dense, features.rows + 1, labels, mask, split or split_of(f"log:{one.owner}"),
                SOURCE)
        counts["accept_lists"] += 1
        counts["accept_labels"] += len(taken)
        counts["accepted"] += int(has_positive)

    for event, label in like_labels(events):
        if event.context is None or event.item_id not in catalog.index:
            counts["missed"] += 1
            continue
        user = user_of(event.owner)
        found = recommender.candidates(request_of(event.context, user))
        row = catalog.index[event.item_id]
        where = np.array([], dtype=np.int64) if found is None else \
            np.flatnonzero(found.features.rows == row)
        if not len(where):
            counts["missed"] += 1
            continue
        features = found.features.take(where[:1])
        dense = builder.dense(features, event.context.interest_vector,
                              _history_rows(recommender, user, event.context))
        labels = np.zeros((1, len(TASKS)), dtype=np.float32)
        mask = np.zeros_like(labels)
        labels[0, LIKE], mask[0, LIKE] = label, 1.0
        out.add(dense, features.rows + 1, labels, mask, split or split_of(f"log:{event.owner}"),
                SOURCE)
        counts["like_labels"] += 1
    return counts


def extend_history(history: BehaviorHistory, accepted: dict[str, list[tuple[str, float]]]
                   ) -> tuple[BehaviorHistory, int]:
    """(the history with each known user's accepted items appended as liked interactions at
    the time of the accept, how many were added). Items the user already has are skipped."""
    catalog = history.catalog
    users, rows, times = [], [], []
    for user, items in accepted.items():
        if not history.has_user(user) or not user.isdigit():
            continue
        have = set(history.user(user).item_rows.tolist())
        for item, ts in items:
            row = catalog.index.get(item)
            if row is None or row in have:
                continue
            have.add(row)
            users.append(int(user))
            rows.append(row)
            times.append(int(ts))
    if not users:
        return history, 0
    extended = BehaviorHistory(
        catalog, np.concatenate([history.user_ids, np.array(users, dtype=np.int64)]),
        np.concatenate([history.item_rows, np.array(rows, dtype=np.int64)]),
        np.concatenate([history.ratings, np.full(len(rows), LIKED_RATING, dtype=np.float32)]),
        np.concatenate([history.timestamps, np.array(times, dtype=np.int64)]))
    return extended, len(users)
