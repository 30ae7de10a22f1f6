"""Maximal Marginal Relevance (Carbonell & Goldstein, SIGIR'98) over item vectors (pure)."""

from __future__ import annotations

import numpy as np


def mmr(scores: np.ndarray, vectors: np.ndarray, k: int, diversity: float) -> list[int]:
    """Pick k indices greedily by (1 - diversity) * score - diversity * max similarity to picks.

    scores: [n]; vectors: [n, d] unit rows; returns positions into `scores`, best first.
    """
    n = len(scores)
    if n == 0 or k <= 0:
        return []
    span = float(scores.max() - scores.min()) or 1.0
    relevance = (scores - scores.min()) / span  # [n] in [0, 1], so diversity is scale-free
    picked: list[int] = []
    max_similarity = np.zeros(n, dtype=np.float32)  # [n]
    available = np.ones(n, dtype=bool)
    for _ in range(min(k, n)):
        value = (1.0 - diversity) * relevance - diversity * max_similarity
        value[~available] = -np.inf
        best = int(np.argmax(value))
        picked.append(best)
        available[best] = False
        max_similarity = np.maximum(max_similarity, vectors @ vectors[best])  # [n]
    return picked
