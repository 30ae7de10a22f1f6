"""Hard constraints from the conversation, and the mask of items that satisfy them (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from recommender.domain.catalog import Catalog


@dataclass
class Constraints:
    """What the person asked for or ruled out in this session. Sets hold catalog values."""

    genres_wanted: set[str] = field(default_factory=set)
    genres_unwanted: set[str] = field(default_factory=set)
    people_wanted: set[str] = field(default_factory=set)
    people_unwanted: set[str] = field(default_factory=set)
    keywords_wanted: set[str] = field(default_factory=set)
    keywords_unwanted: set[str] = field(default_factory=set)
    year_min: int | None = None
    year_max: int | None = None

    def is_empty(self) -> bool:
        return not (self.genres_wanted or self.genres_unwanted or self.people_wanted
                    or self.people_unwanted or self.keywords_wanted or self.keywords_unwanted
                    or self.year_min is not None or self.year_max is not None)

    def copy(self) -> Constraints:
        """An independent copy: its sets are new."""
        return Constraints(**{name: set(value) if isinstance(value, set) else value
                              for name, value in vars(self).items()})

    def to_json(self) -> dict:
        return {
            "genres_wanted": sorted(self.genres_wanted),
            "genres_unwanted": sorted(self.genres_unwanted),
            "people_wanted": sorted(self.people_wanted),
            "people_unwanted": sorted(self.people_unwanted),
            "keywords_wanted": sorted(self.keywords_wanted),
            "keywords_unwanted": sorted(self.keywords_unwanted),
            "year_min": self.year_min,
            "year_max": self.year_max,
        }

    @staticmethod
    def from_json(d: dict) -> Constraints:
        return Constraints(
            genres_wanted=set(d.get("genres_wanted", ())),
            genres_unwanted=set(d.get("genres_unwanted", ())),
            people_wanted=set(d.get("people_wanted", ())),
            people_unwanted=set(d.get("people_unwanted", ())),
            keywords_wanted=set(d.get("keywords_wanted", ())),
            keywords_unwanted=set(d.get("keywords_unwanted", ())),
            year_min=d.get("year_min"),
            year_max=d.get("year_max"),
        )


class ConstraintIndex:
    """Per-genre and per-person boolean columns over the catalog, built once."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        n = len(catalog)
        self.genre_masks = {g: np.zeros(n, dtype=bool) for g in catalog.genres}
        self.person_rows: dict[str, list[int]] = {}
        for row, item in enumerate(catalog.items):
            for g in item.genres:
                self.genre_masks[g][row] = True
            for person in set(item.directors) | set(item.cast):
                self.person_rows.setdefault(person.lower(), []).append(row)
        self.years = catalog.years  # [n_items], -1 unknown

    def person_mask(self, name: str) -> np.ndarray:
        mask = np.zeros(len(self.catalog), dtype=bool)
        mask[self.person_rows.get(name.lower(), [])] = True
        return mask

    def allowed(self, constraints: Constraints, excluded_rows: np.ndarray) -> np.ndarray:
        """[n_items] bool: items that break no hard constraint and are not excluded.

        An item must share at least one wanted genre and involve at least one wanted person (how
        many it matches is a ranking feature); unwanted genres and people, and year bounds, are
        hard. Items with an unknown year fail any year bound.
        """
        mask = np.ones(len(self.catalog), dtype=bool)
        mask[excluded_rows] = False
        if constraints.genres_wanted:
            any_wanted = np.zeros_like(mask)
            for g in constraints.genres_wanted:
                if g in self.genre_masks:
                    any_wanted |= self.genre_masks[g]
            mask &= any_wanted
        if constraints.people_wanted:  # "a Tarantino movie": at least one wanted person
            any_person = np.zeros_like(mask)
            for person in constraints.people_wanted:
                any_person |= self.person_mask(person)
            mask &= any_person
        for g in constraints.genres_unwanted:
            if g in self.genre_masks:
                mask &= ~self.genre_masks[g]
        for person in constraints.people_unwanted:
            mask &= ~self.person_mask(person)
        if constraints.year_min is not None:
            mask &= self.years >= constraints.year_min
        if constraints.year_max is not None:
            mask &= (self.years <= constraints.year_max) & (self.years >= 0)
        return mask
