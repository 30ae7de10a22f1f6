"""Genres said as one compound: "romantic comedy", "a funny horror movie", "rom com" (pure).

Two genre words side by side name one kind of film that has both genres, not a choice between
them ("comedy or romance" is a choice). The chat then asks for items with all of them
(`Constraints.genres_together`).
"""

from __future__ import annotations

from collections.abc import Iterable

from nlu.types import WANTED, Entity

MAX_GAP = 1  # characters between two genre words of one compound: a space or a hyphen


def compound_genres(entities: Iterable[Entity]) -> set[str]:
    """The genres of the wanted genre mentions that touch another wanted genre mention (the
    same words, as "rom com" → Romance and Comedy, or at most `MAX_GAP` characters apart)."""
    genres = sorted((e for e in entities if e.type == "genre" and e.polarity == WANTED),
                    key=lambda e: (e.start, e.end))
    joined: set[str] = set()
    for first, second in zip(genres, genres[1:]):
        if second.start - first.end <= MAX_GAP and first.value != second.value:
            joined.update((first.value, second.value))
    return joined
