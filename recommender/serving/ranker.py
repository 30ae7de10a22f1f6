"""Rankers score candidate items from their features. v1 is linear; the multi-task ranker implements
the same `Ranker` protocol and is chosen by `recommender.ranker` in config.yml."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

FEATURES = ("interest", "history", "popularity", "quality", "genre_match", "person_match",
            "keyword_match")

# The multi-task ranker's final score: Σ w_t · p_t / Σ w_t over its task heads (config.yml
# `recommender.task_weights`).
DEFAULT_TASK_WEIGHTS = {"accept": 1.0, "like": 0.3, "interact": 0.3}

DEFAULT_WEIGHTS = {
    "interest": 1.0, "history": 0.8, "popularity": 0.35, "quality": 0.25, "genre_match": 0.3,
    "person_match": 0.6, "keyword_match": 0.3,
}


@dataclass
class CandidateFeatures:
    """Features of n candidate items; every array is [n]. Values are roughly in [-1, 1]."""

    rows: np.ndarray  # catalog rows
    interest: np.ndarray  # cosine(session interest vector, item text vector); 0 without interest
    history: np.ndarray  # item-item evidence from behavior history and session likes, [0, 1]
    popularity: np.ndarray  # log(1 + n_ratings) / log(1 + max n_ratings), [0, 1]
    quality: np.ndarray  # shrunk mean rating, rescaled to [-1, 1]
    genre_match: np.ndarray  # share of the wanted genres the item has, [0, 1]
    person_match: np.ndarray  # 1 if a wanted director/actor is involved
    keyword_match: np.ndarray  # +1 per wanted keyword found, -1 per unwanted one, averaged

    def matrix(self) -> np.ndarray:
        return np.stack([getattr(self, name) for name in FEATURES], axis=1)  # [n, n_features]

    def take(self, index: np.ndarray) -> CandidateFeatures:
        return CandidateFeatures(**{name: getattr(self, name)[index]
                                    for name in ("rows",) + FEATURES})


@dataclass
class RankingContext:
    """What a ranker may know about the person besides item features."""

    interest_vector: np.ndarray | None  # [384] or None
    user_id: str | None
    history_rows: np.ndarray  # [n_history] catalog rows of the person's history, oldest first
    # [n_session] catalog rows the person liked or pointed at in this session, oldest first
    session_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


class Ranker(Protocol):
    def score(self, features: CandidateFeatures, context: RankingContext) -> np.ndarray:
        """[n] scores, higher is better."""
        ...

    def contributions(self, features: CandidateFeatures,
                      context: RankingContext | None = None) -> dict[str, np.ndarray]:
        """Per-feature share of each score, {feature: [n]}, used to explain the ranking.
        Only the parts that raise a score above a typical candidate's may be quoted as reasons.
        `features` may be a subset (the picked items) of what `score` just saw with `context`."""
        ...


class LinearRanker:
    def __init__(self, weights: dict[str, float] | None = None):
        merged = {**DEFAULT_WEIGHTS, **(weights or {})}
        self.weights = np.array([merged[name] for name in FEATURES], dtype=np.float32)  # [F]

    def score(self, features: CandidateFeatures, context: RankingContext) -> np.ndarray:
        return features.matrix() @ self.weights  # [n, F] @ [F] → [n]

    def contributions(self, features: CandidateFeatures,
                      context: RankingContext | None = None) -> dict[str, np.ndarray]:
        parts = features.matrix() * self.weights  # [n, F]
        return {name: parts[:, i] for i, name in enumerate(FEATURES)}
