"""Training examples of the conversational multi-task ranker, from real MovieLens histories.

Every example is one (context, candidate) row of `recommender/serving/inputs.py`; rows come in
lists (one list per context) so that `accept` and `interact` can be trained listwise.

The last `holdout_items` ratings of each user (by time) are their "future": they are removed from
the behavior data the recommender and SASRec see during training (no ItemKNN co-occurrence, no
SASRec weight was fitted on a label). From that future:

- history lists → `interact` and `like`: the context is the user's past (plus the future items
  before position j, as session likes); the candidates are the first pass's best, as the chat
  gets them; `interact` = 1 for future item j, 0 for the others; `like` = rating ≥ 4, known for
  the future items among the candidates.
- simulated conversations → `accept` (`recommender/training/conversations.py`): the hidden
  target is a liked future item; after each utterance the first pass runs on the session state;
  `accept` = 1 for the target, 0 for the items the first pass would show (its top 3, which are
  then excluded as shown) and for sampled candidates.

Lists are kept only where the positive is among the first pass's candidates: the ranker only
ever re-scores those, and forcing a missed target in would teach it that a low first-pass
feature signals the target (selection bias). Half the conversations are with the known user (their
  history seeds the evidence), half with a new user (only what they say).

Users are split by a hash of their id into train / valid / test (80 / 10 / 10): early stopping
reads valid, `convrec evaluate tasks` reads test.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from tqdm import tqdm

from recommender.data.history import LIKED_RATING, BehaviorHistory
from recommender.data.item_vectors import genre_prototypes
from recommender.domain.constraints import Constraints
from recommender.models.tasks import TASKS
from recommender.serving.inputs import InputBuilder
from recommender.serving.recommend import Candidates, Recommender, RecommendRequest
from recommender.training.conversations import (
    SessionState,
    UpdateSession,
    apply_turn,
    plan_conversation,
    plot_keywords,
)

SPLITS = ("train", "valid", "test")


def split_of(key: str) -> str:
    """train / valid / test by a stable hash of the key (80 / 10 / 10)."""
    bucket = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % 10
    return "test" if bucket == 0 else "valid" if bucket == 1 else "train"


@dataclass
class ExampleLists:
    """Example rows with their list ids; grows list by list."""

    dense: list[np.ndarray] = field(default_factory=list)  # each [n, F]
    item_ids: list[np.ndarray] = field(default_factory=list)  # each [n], catalog row + 1, 0 none
    labels: list[np.ndarray] = field(default_factory=list)  # each [n, T]
    mask: list[np.ndarray] = field(default_factory=list)  # each [n, T]
    group: list[np.ndarray] = field(default_factory=list)  # each [n]
    split: list[str] = field(default_factory=list)  # per list
    source: list[str] = field(default_factory=list)  # per list

    def add(self, dense: np.ndarray, item_ids: np.ndarray, labels: np.ndarray, mask: np.ndarray,
            split: str, source: str) -> None:
        index = len(self.split)
        self.dense.append(dense.astype(np.float32))
        self.item_ids.append(item_ids.astype(np.int64))
        self.labels.append(labels.astype(np.float32))
        self.mask.append(mask.astype(np.float32))
        self.group.append(np.full(len(dense), index, dtype=np.int64))
        self.split.append(split)
        self.source.append(source)

    def arrays(self) -> dict[str, np.ndarray]:
        """Flat arrays: dense [B, F], item_ids [B], labels [B, T], mask [B, T], group [B],
        split [B] (0 train, 1 valid, 2 test), source [B] (index into SOURCES)."""
        sizes = [len(d) for d in self.dense]
        return {
            "dense": np.concatenate(self.dense), "item_ids": np.concatenate(self.item_ids),
            "labels": np.concatenate(self.labels), "mask": np.concatenate(self.mask),
            "group": np.concatenate(self.group),
            "split": np.repeat([SPLITS.index(s) for s in self.split], sizes).astype(np.int8),
            "source": np.repeat([SOURCES.index(s) for s in self.source], sizes).astype(np.int8),
        }


SOURCES = ("history", "simulated", "dialogue", "log")  # "log": the behavior log (log_examples.py)


def hold_out_future(history: BehaviorHistory, n_future: int
                    ) -> tuple[BehaviorHistory, dict[str, tuple[np.ndarray, np.ndarray]]]:
    """(the behavior history without each user's last n_future ratings,
    {user: (future rows [m], their ratings [m])}, oldest first). Users keep at least 3 past
    ratings; a user with fewer than n_future + 3 gives fewer future items."""
    parts: list[tuple[np.ndarray, ...]] = []
    future = {}
    for user in history.users:
        one = history.user(user)  # oldest first
        m = max(0, min(n_future, len(one.item_rows) - 3))
        cut = len(one.item_rows) - m
        parts.append((np.full(cut, int(user)), one.item_rows[:cut], one.ratings[:cut],
                      one.timestamps[:cut]))
        if m:
            future[user] = (one.item_rows[cut:], one.ratings[cut:])
    users, rows, ratings, times = (np.concatenate(column) for column in zip(*parts))
    past = BehaviorHistory(history.catalog, users.astype(np.int64), rows.astype(np.int64),
                           ratings.astype(np.float32), times.astype(np.int64))
    return past, future


def pick_list(candidates: Candidates, positives: np.ndarray, n_shown: int, n_sampled: int,
              rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(positions into the candidates, shown positions): the positives, the first pass's top
    n_shown, and n_sampled random others."""
    rows = candidates.features.rows
    is_positive = np.isin(rows, positives)
    order = np.argsort(-candidates.first_pass, kind="stable")
    shown = order[~is_positive[order]][:n_shown]
    rest = np.setdiff1d(np.flatnonzero(~is_positive), shown)
    sampled = rng.choice(rest, size=min(n_sampled, len(rest)), replace=False) if len(rest) else \
        np.zeros(0, dtype=np.int64)
    picked = np.concatenate([np.flatnonzero(is_positive), shown, np.sort(sampled)])
    return picked.astype(np.int64), shown


@dataclass(frozen=True)
class ExampleSettings:
    n_future: int = 5
    conversations_per_user: int = 2
    turns: int = 3
    shown: int = 3
    sampled: int = 20
    max_users: int = 0  # 0 = every user
    seed: int = 7


def history_lists(recommender: Recommender, builder: InputBuilder,
                  future: dict[str, tuple[np.ndarray, np.ndarray]], users: list[str],
                  settings: ExampleSettings, out: ExampleLists, progress: bool = True) -> None:
    """`interact` and `like` lists (see the module docstring)."""
    rng = np.random.default_rng(settings.seed)
    catalog, past = recommender.catalog, recommender.history
    for user in tqdm(users, desc="ranker lists: histories", leave=False, disable=not progress):
        rows, ratings = future[user]
        split = split_of(f"user:{user}")
        for j in range(len(rows)):
            before = [catalog.items[int(r)].id for r in rows[:j]]
            liked_before = [catalog.items[int(r)].id for r, v in zip(rows[:j], ratings[:j])
                            if v >= LIKED_RATING]
            request = RecommendRequest(None, Constraints(), positive_items=liked_before,
                                       excluded_items=set(before), user_id=user)
            found = recommender.candidates(request)
            if found is None or rows[j] not in found.features.rows:
                continue
            picked, _ = pick_list(found, rows[j:], settings.shown, settings.sampled, rng)
            features = found.features.take(picked)
            history_rows = np.concatenate([past.user(user).item_rows,
                                           catalog.rows(liked_before)])
            dense = builder.dense(features, None, history_rows)
            labels = np.zeros((len(picked), len(TASKS)), dtype=np.float32)
            mask = np.zeros_like(labels)
            labels[:, 2] = features.rows == rows[j]
            mask[:, 2] = 1.0
            rating_of = dict(zip(rows[j:].tolist(), ratings[j:].tolist()))
            for i, row in enumerate(features.rows.tolist()):
                if row in rating_of:
                    labels[i, 1], mask[i, 1] = float(rating_of[row] >= LIKED_RATING), 1.0
            out.add(dense, features.rows + 1, labels, mask, split, "history")


def conversation_lists(recommender: Recommender, builder: InputBuilder,
                       future: dict[str, tuple[np.ndarray, np.ndarray]], users: list[str],
                       encode: Callable[[list[str]], np.ndarray], update_session: UpdateSession,
                       settings: ExampleSettings, out: ExampleLists, log=print,
                       progress: bool = True) -> dict:
    """`accept` lists from simulated conversations; returns counts (targets shown by the first
    pass, lists, utterances)."""
    rng = np.random.default_rng(settings.seed + 1)
    catalog, past = recommender.catalog, recommender.history
    keyword_df = plot_keywords(catalog)
    genres = genre_prototypes(recommender.item_vectors, recommender.constraint_index.genre_masks)
    plans = []
    for user in users:
        rows, ratings = future[user]
        liked_future = rows[ratings >= LIKED_RATING]
        if not len(liked_future):
            continue
        liked_past = past.user(user).liked_rows(limit=50)
        targets = rng.permutation(liked_future)[:settings.conversations_per_user]
        for n, target in enumerate(targets):
            plan = plan_conversation(catalog, user, int(target), liked_past, keyword_df, rng,
                                     settings.turns)
            if plan.turns:
                plans.append((plan, (n + int(user) if user.isdigit() else n) % 2 == 0))
    texts = sorted({turn.text for plan, _ in plans for turn in plan.turns})
    log(f"ranker lists: encoding {len(texts)} simulated utterances ...")
    vectors = dict(zip(texts, encode(texts)))
    shown_first, n_lists, missed = 0, 0, 0
    for plan, known in tqdm(plans, desc="ranker lists: conversations", leave=False,
                            disable=not progress):
        split = split_of(f"user:{plan.user_id}")
        state, shown_ids = SessionState(), set()
        target_id = catalog.items[plan.target_row].id
        for turn in plan.turns:
            state = apply_turn(state, turn, vectors[turn.text], catalog, recommender.item_vectors,
                               genres, update_session)
            request = RecommendRequest(state.interest_vector, state.constraints,
                                       positive_items=list(state.positive_items),
                                       excluded_items=state.seen | shown_ids,
                                       user_id=plan.user_id if known else None)
            found = recommender.candidates(request)
            if found is None:
                break
            if plan.target_row not in found.features.rows:
                missed += 1
                continue
            picked, shown = pick_list(found, np.array([plan.target_row]), settings.shown,
                                      settings.sampled, rng)
            features = found.features.take(picked)
            history_rows = np.concatenate([
                past.user(plan.user_id).item_rows if known else np.zeros(0, dtype=np.int64),
                catalog.rows(state.positive_items)])
            dense = builder.dense(features, state.interest_vector, history_rows)
            labels = np.zeros((len(picked), len(TASKS)), dtype=np.float32)
            mask = np.zeros_like(labels)
            labels[:, 0], mask[:, 0] = features.rows == plan.target_row, 1.0
            out.add(dense, features.rows + 1, labels, mask, split, "simulated")
            n_lists += 1
            top_rows = found.features.rows[np.argsort(-found.first_pass, kind="stable")[:3]]
            if plan.target_row in top_rows:
                shown_first += 1
                break
            shown_ids |= {catalog.items[int(r)].id for r in top_rows if catalog.items[int(r)].id
                          != target_id}
    return {"conversations": len(plans), "lists": n_lists, "utterances": len(texts),
            "turns_target_not_in_candidates": missed, "target_in_first_pass_top3": shown_first}


def ranker_users(future: dict, settings: ExampleSettings) -> list[str]:
    users = sorted(future, key=lambda u: (len(u), u))
    return users[:settings.max_users] if settings.max_users else users

