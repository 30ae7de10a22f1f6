"""The base models of one leave-one-out stage, fitted only on that stage's training rows.

In the `valid` stage the hyper-parameters are chosen on the validation items (ItemKNN's k,
EASE's λ, SASRec's epoch count by early stopping on full-ranking NDCG@10); the `test` stage refits
every model on its own training rows (which include the validation item, never the test item)
with those choices, so nothing is tuned on a test item.

Models: popularity, ItemKNN, EASE, SASRec, and, when item text vectors are given, a content-only
ranker (cosine between an item's text vector and the mean vector of the user's last 20 items).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from recommender.data.splits import Stage
from recommender.evaluation.full_ranking import Scorer, batch_size_for, evaluate_scorer
from recommender.evaluation.metrics import ndcg_at_k
from recommender.models.baselines import EASE, ItemKNN, Popularity, top_k_per_row
from recommender.models.sasrec import SASRec, SASRecConfig
from recommender.training.sasrec_loop import best_epoch, train_sasrec

CONTENT_PROFILE_ITEMS = 20


@dataclass(frozen=True)
class BaseSettings:
    itemknn_ks: tuple[int, ...] = (50, 100, 200)
    ease_lambdas: tuple[float, ...] = (10.0, 30.0, 100.0, 300.0, 1000.0)
    min_item_count: int = 1  # EASE and SASRec only model items with this many training rows
    tune_users: int = 3000  # validation users (seeded sample) that ItemKNN k and EASE λ see
    sasrec: SASRecConfig = SASRecConfig()
    seed: int = 7


@dataclass
class Tuned:
    """Choices made in the valid stage and reused by the test stage."""

    itemknn_k: int
    ease_lambda: float
    sasrec_epochs: int
    valid_ndcg: dict = field(default_factory=dict)  # {model: {setting: NDCG@10}}


def content_profiles(sequences: list[np.ndarray], users: np.ndarray,
                     item_vectors: np.ndarray) -> np.ndarray:
    """[b, d] unit mean text vector of each user's last CONTENT_PROFILE_ITEMS training items."""
    profiles = np.zeros((len(users), item_vectors.shape[1]), dtype=np.float32)  # [b, d]
    for row, user in enumerate(users):
        recent = sequences[user][-CONTENT_PROFILE_ITEMS:]
        if len(recent):
            profiles[row] = item_vectors[recent].mean(axis=0)
    norms = np.linalg.norm(profiles, axis=1, keepdims=True)  # [b, 1]
    return profiles / np.maximum(norms, 1e-9)  # [b, d]


class BaseModels:
    def __init__(self, stage: Stage, settings: BaseSettings, tuned: Tuned | None = None,
                 item_vectors: np.ndarray | None = None, checkpoint_dir: Path | None = None,
                 log: Callable[[str], None] = print, progress: bool = True):
        if stage.name == "test" and tuned is None:
            raise ValueError("the test stage reuses the choices of the valid stage: pass `tuned`")
        self.stage, self.settings, self.log = stage, settings, log
        self.item_vectors = item_vectors  # [I, d] unit rows or None
        self.train = stage.train_matrix()  # [U, I] binary, also the seen items
        self.item_users = self.train.T.tocsr()  # [I, U]
        self.sequences = stage.sequences()
        self.batch_size = batch_size_for(stage.data.n_items)
        self.seconds: dict[str, float] = {}
        rng = np.random.default_rng(settings.seed)
        sample = min(settings.tune_users, len(stage.users))
        self.tune_index = np.sort(rng.choice(len(stage.users), sample, replace=False))  # [s]

        self.popularity = self._timed("popularity", lambda: Popularity().fit(self.train))
        if tuned is None:
            k, ease_lambda, grid = self._tune()
        else:
            k, ease_lambda, grid = tuned.itemknn_k, tuned.ease_lambda, {}
            self.itemknn = self._timed("itemknn", lambda: ItemKNN(k).fit(self.train))
            self.ease = self._timed("ease", lambda: EASE(ease_lambda,
                                                         settings.min_item_count).fit(self.train))
        config = dataclasses.replace(settings.sasrec, min_item_count=settings.min_item_count)
        started = time.perf_counter()
        checkpoint = checkpoint_dir / f"sasrec-{stage.name}.pt" if checkpoint_dir else None
        if tuned is None:
            self.sasrec, self.sasrec_history = train_sasrec(
                self.sequences, stage.data.n_items, config, validate=self._sasrec_validation,
                checkpoint=checkpoint, log=log, progress=progress)
            grid["sasrec"] = {f"epoch {r['epoch']}": r["valid_ndcg@10"]
                              for r in self.sasrec_history}
            epochs = best_epoch(self.sasrec_history)
        else:
            epochs = tuned.sasrec_epochs
            self.sasrec, self.sasrec_history = train_sasrec(
                self.sequences, stage.data.n_items, config, epochs=epochs,
                checkpoint=checkpoint, log=log, progress=progress)
        self.seconds["sasrec"] = round(time.perf_counter() - started, 1)
        self.tuned = Tuned(k, ease_lambda, epochs, grid)

    # ------------------------------------------------------------------ fitting and tuning
    def _timed(self, name: str, fit):
        started = time.perf_counter()
        model = fit()
        self.seconds[name] = round(time.perf_counter() - started + self.seconds.get(name, 0.0), 1)
        return model

    def _valid_ndcg(self, scorer: Scorer) -> float:
        users = self.stage.users[self.tune_index]
        ranks = evaluate_scorer(scorer, users, self.stage.targets[self.tune_index], self.train,
                                self.batch_size)
        return ndcg_at_k(ranks, 10)

    def _sasrec_validation(self, model: SASRec) -> float:
        return self._valid_ndcg(lambda users: model.score([self.sequences[u] for u in users]))

    def _tune(self) -> tuple[int, float, dict]:
        settings, grid = self.settings, {"itemknn": {}, "ease": {}}
        widest = self._timed("itemknn", lambda: ItemKNN(max(settings.itemknn_ks)).fit(self.train))
        best_k, best = None, -1.0
        for k in sorted(settings.itemknn_ks):
            model = ItemKNN(k)
            model.similarity, model.train = top_k_per_row(widest.similarity, k), widest.train
            grid["itemknn"][f"k={k}"] = value = round(self._valid_ndcg(model.score), 4)
            if value > best:
                best_k, best, self.itemknn = k, value, model
        best_lambda, best = None, -1.0
        for regularization in settings.ease_lambdas:
            model = self._timed("ease", lambda r=regularization: EASE(
                r, settings.min_item_count).fit(self.train))
            grid["ease"][f"lambda={regularization:g}"] = value = round(
                self._valid_ndcg(model.score), 4)
            if value > best:
                best_lambda, best, self.ease = regularization, value, model
        self.log(f"tuned on {len(self.tune_index)} validation users: {grid}")
        return best_k, best_lambda, grid

    # ------------------------------------------------------------------ scoring
    def scorers(self) -> dict[str, Scorer]:
        """{model name: users [b] → scores [b, n_items]} (seen items not yet removed)."""
        scorers = {"popularity": self.popularity.score, "itemknn": self.itemknn.score,
                   "ease": self.ease.score,
                   "sasrec": lambda users: self.sasrec.score([self.sequences[u] for u in users])}
        if self.item_vectors is not None:
            scorers["content"] = self.content_score
        return scorers

    def content_score(self, users: np.ndarray) -> np.ndarray:
        profiles = content_profiles(self.sequences, users, self.item_vectors)  # [b, d]
        return profiles @ self.item_vectors.T  # [b, I]

    def history_representation(self, users: np.ndarray) -> np.ndarray:
        """SASRec's representation of each user's training history: [b, d]."""
        return self.sasrec.represent([self.sequences[u] for u in users])
