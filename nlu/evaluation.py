"""NLU quality measures, pure functions over gold and predicted labels (no model, no I/O).

Single-label view: one intent per message (the parse's main intent; the fallback intent counts
as wrong). Multi-label view: the set of acts per message, scored by micro-F1 over (message,
intent) pairs. Slots: the share of gold mentions found with the right type (and, for titles,
the right item). Polarity: among gold mentions found, the share whose polarity is right.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def f1_per_label(truth: Sequence[str], predicted: Sequence[str], labels: Sequence[str]
                 ) -> dict[str, float]:
    """label → F1 = 2TP / (2TP + FP + FN) of single-label predictions; labels with no support and
    no prediction are left out."""
    out = {}
    for label in labels:
        tp = sum(1 for t, p in zip(truth, predicted) if t == label and p == label)
        fp = sum(1 for t, p in zip(truth, predicted) if t != label and p == label)
        fn = sum(1 for t, p in zip(truth, predicted) if t == label and p != label)
        if tp + fp + fn:
            out[label] = 2 * tp / (2 * tp + fp + fn)
    return out


def single_label_scores(truth: Sequence[str], predicted: Sequence[str], fallback: str) -> dict:
    """Accuracy, macro-F1 over the true labels, fallback rate, per-label F1 (rounded)."""
    labels = sorted(set(truth))
    per_label = f1_per_label(truth, predicted, labels)
    n = len(truth)
    right = sum(t == p for t, p in zip(truth, predicted))
    return {
        "n": n,
        "accuracy": round(right / n, 4) if n else 0.0,
        "macro_f1": round(float(np.mean(list(per_label.values()))), 4) if per_label else 0.0,
        "fallback_rate": round(sum(p == fallback for p in predicted) / n, 4) if n else 0.0,
        "f1_per_intent": {k: round(v, 3) for k, v in per_label.items()},
        "support": {label: sum(t == label for t in truth) for label in labels},
    }


def micro_f1_sets(truth: Sequence[set[str]], predicted: Sequence[set[str]]) -> dict:
    """Micro precision / recall / F1 over (message, label) pairs of multi-label predictions."""
    tp = sum(len(t & p) for t, p in zip(truth, predicted))
    fp = sum(len(p - t) for t, p in zip(truth, predicted))
    fn = sum(len(t - p) for t, p in zip(truth, predicted))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
    return {"n": len(truth), "precision": round(precision, 4), "recall": round(recall, 4),
            "micro_f1": round(f1, 4),
            "multi_act_messages": sum(len(t) > 1 for t in truth)}


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Do the half-open character spans a and b share a character?"""
    return a[0] < b[1] and b[0] < a[1]


def slot_recall(found: Sequence[bool], kinds: Sequence[str]) -> dict[str, dict]:
    """kind → {"n": gold mentions, "recall": share found} from one flag per gold mention."""
    out = {}
    for kind in sorted(set(kinds)):
        flags = [f for f, k in zip(found, kinds) if k == kind]
        out[kind] = {"n": len(flags), "recall": round(sum(flags) / len(flags), 4)}
    return out


def polarity_accuracy(right: Sequence[bool]) -> dict:
    """{"n": gold mentions found, "accuracy": share with the gold polarity}."""
    n = len(right)
    return {"n": n, "accuracy": round(sum(right) / n, 4) if n else None}
