"""The session interest vector update: a small pure function, parameters from config.yml `state:`.

    v' = normalise(decay * v + Σ_i weight_i * sign_i * signal_i)

Signals are unit vectors in the item/utterance embedding space: the wanted part of the utterance,
items the person liked or pointed at ("more like the second one"), items rejected (negative sign),
and genre prototypes (the mean vector of a genre's items; wanted +, unwanted −). A turn with no
signal leaves the vector as it was — small talk does not erase what the person asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class InterestParams:
    decay: float = 0.75
    utterance_weight: float = 1.0
    liked_weight: float = 1.0
    rejected_weight: float = 0.6
    reference_weight: float = 1.5
    attribute_weight: float = 0.5


@dataclass(frozen=True)
class Signal:
    kind: str  # "utterance" | "liked" | "rejected" | "reference" | "attribute"
    vector: np.ndarray  # [d]
    sign: float = 1.0  # +1 toward, -1 away


def signal_weight(kind: str, params: InterestParams) -> float:
    return {
        "utterance": params.utterance_weight,
        "liked": params.liked_weight,
        "rejected": params.rejected_weight,
        "reference": params.reference_weight,
        "attribute": params.attribute_weight,
    }[kind]


def update_interest(vector: np.ndarray | None, signals: list[Signal],
                    params: InterestParams) -> np.ndarray | None:
    """Return the new interest vector ([d], unit length) or None if still nothing is known."""
    if not signals:
        return vector
    total = sum(signal_weight(s.kind, params) * s.sign * s.vector for s in signals)  # [d]
    if vector is not None:
        total = params.decay * vector + total
    norm = float(np.linalg.norm(total))
    if norm < 1e-8:
        return vector
    return (total / norm).astype(np.float32)
