"""Hard constraints from the conversation, and the mask of items that satisfy them (pure).

Besides genres, people, keywords and years (the movie catalog's fields), a schema domain's
facets: wanted / unwanted values per facet (a categorical, multi-valued, person or boolean facet;
values compared by `facet_key`, so "Kanban Board" is "Kanban Boards") and numeric ranges per
facet ("under $10": price < 10). Facet constraints are only ever set for a catalog with facets
(a schema domain, or the movie catalog's runtime, certificate, languages and countries), so a
conversation that names none has the behaviour and JSON it had before.

A categorical facet with an `order` (a scale: G < PG < PG-13 < R < NC-17) takes ranges too: its
numbers are the values' 1-based positions on the scale, and an item with no value on it fails a
range, except that it passes a ceiling ("at most PG-13") when it has one of the facet's
`unknown_passes` values (an unrated children's or animated film). An unknown value passes an
unwanted one ("no crm"), except on a facet with `unwanted_needs_value` ("not in English").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from recommender.domain.catalog import Catalog

_NOT_WORD = re.compile(r"[^0-9a-z+#]+")


def facet_key(value) -> str:
    """The form facet values are compared in: lower case, words only, a plural's final s off
    ("Kanban Boards" → "kanban board", "project-management" → "project management", True →
    "true")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    words = _NOT_WORD.sub(" ", str(value).lower()).split()
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
                    for w in words)


@dataclass(frozen=True)
class Range:
    """A numeric facet's bounds; None: open. `low_open` / `high_open`: the bound itself is out
    ("under 10": high 10, high_open; "at least 4": low 4)."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False

    def holds(self, values: np.ndarray) -> np.ndarray:
        """[n] bool over [n] float values (NaN, unknown, never holds)."""
        ok = ~np.isnan(values)
        if self.low is not None:
            ok &= (values > self.low) if self.low_open else (values >= self.low)
        if self.high is not None:
            ok &= (values < self.high) if self.high_open else (values <= self.high)
        return ok

    def to_json(self) -> dict:
        return {"min": self.low, "max": self.high, "min_open": self.low_open,
                "max_open": self.high_open}

    @staticmethod
    def from_json(d: dict) -> Range:
        return Range(d.get("min"), d.get("max"), bool(d.get("min_open")),
                     bool(d.get("max_open")))


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
    # schema domains: facet name → values (as the catalog writes them), and → numeric bounds
    facets_wanted: dict[str, set[str]] = field(default_factory=dict)
    facets_unwanted: dict[str, set[str]] = field(default_factory=dict)
    ranges: dict[str, Range] = field(default_factory=dict)
    # genres said as one compound ("romantic comedy", "a funny horror movie", "rom com"): an
    # item must have all of them, while they are all still wanted (`together`)
    genres_together: set[str] = field(default_factory=set)

    def together(self) -> set[str]:
        """The compound genres in force: two or more, every one still wanted."""
        joint = self.genres_together & self.genres_wanted
        return joint if len(joint) >= 2 else set()

    def is_empty(self) -> bool:
        return not (self.genres_wanted or self.genres_unwanted or self.people_wanted
                    or self.people_unwanted or self.keywords_wanted or self.keywords_unwanted
                    or self.year_min is not None or self.year_max is not None
                    or self.has_facets())

    def has_facets(self) -> bool:
        """Some facet value is wanted or unwanted, or some numeric range is set."""
        return any(self.facets_wanted.values()) or any(self.facets_unwanted.values()) \
            or bool(self.ranges)

    def copy(self) -> Constraints:
        """An independent copy: its sets and mappings are new."""
        def copied(value):
            if isinstance(value, set):
                return set(value)
            if isinstance(value, dict):
                return {k: copied(v) for k, v in value.items()}
            return value
        return Constraints(**{name: copied(value) for name, value in vars(self).items()})

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
        } | ({"genres_together": sorted(self.genres_together)} if self.genres_together else {}
             ) | ({  # only a schema domain's constraints have facets
            "facets_wanted": {k: sorted(v) for k, v in sorted(self.facets_wanted.items()) if v},
            "facets_unwanted": {k: sorted(v) for k, v in sorted(self.facets_unwanted.items())
                                if v},
            "ranges": {k: r.to_json() for k, r in sorted(self.ranges.items())},
        } if self.has_facets() else {})

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
            genres_together=set(d.get("genres_together", ())),
            facets_wanted={k: set(v) for k, v in d.get("facets_wanted", {}).items()},
            facets_unwanted={k: set(v) for k, v in d.get("facets_unwanted", {}).items()},
            ranges={k: Range.from_json(r) for k, r in d.get("ranges", {}).items()},
        )


_NO_ROWS = np.zeros(0, dtype=np.int64)


def facet_index(values_per_item) -> dict[str, np.ndarray]:
    """`facet_key(value)` → int64 rows (ascending) of the items holding that value, from one
    facet value per item (a value, a list of values, or None). Each distinct raw value is keyed
    once, so a catalog with few distinct values (publishers, authors) costs one pass."""
    keys: dict = {}  # raw value → its key (memo)
    rows: dict[str, list[int]] = {}
    for row, held in enumerate(values_per_item):
        if held is None:
            continue
        for value in (held if isinstance(held, (list, tuple)) else (held,)):
            if value is None:
                continue
            key = keys.get(value)
            if key is None:
                key = keys[value] = facet_key(value)
            bucket = rows.setdefault(key, [])
            if not bucket or bucket[-1] != row:  # two values with one key: the row once
                bucket.append(row)
    return {key: np.array(found, dtype=np.int64) for key, found in rows.items()}


FACET_INDEX_FILE = "facet_index.npz"  # beside a schema domain's items.jsonl


def save_facet_indexes(path: Path, indexes: dict[str, dict[str, np.ndarray]]) -> None:
    """`facet_index` results by facet name, in one .npz: per facet its keys, its rows
    concatenated and where each key's rows start."""
    arrays = {"facets": np.array(list(indexes), dtype=str)}
    for i, index in enumerate(indexes.values()):
        rows = list(index.values())
        arrays[f"keys_{i}"] = np.array(list(index), dtype=str)
        arrays[f"rows_{i}"] = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        arrays[f"starts_{i}"] = np.cumsum([0] + [len(r) for r in rows]).astype(np.int64)
    with Path(path).open("wb") as f:
        np.savez(f, **arrays)


def load_facet_indexes(path: Path) -> dict[str, dict[str, np.ndarray]]:
    """What `save_facet_indexes` wrote."""
    data = np.load(path, allow_pickle=False)
    out = {}
    for i, facet in enumerate(data["facets"].tolist()):
        rows, starts = data[f"rows_{i}"], data[f"starts_{i}"]
        out[facet] = {key: rows[starts[j]:starts[j + 1]]
                      for j, key in enumerate(data[f"keys_{i}"].tolist())}
    return out


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
        self.schema = catalog.facet_schema  # None: the catalog has no facets
        self._facet_rows: dict[str, dict[str, np.ndarray]] = {}  # facet → key → rows
        self._saved: dict[str, dict[str, np.ndarray]] | None = None  # facet_index.npz
        self._numbers: dict[str, np.ndarray] = {}

    def facet_rows(self, facet: str) -> dict[str, np.ndarray]:
        """The inverted index of one facet: `facet_key(value)` → int64 rows of the items that
        have it (a list-valued facet files a row under each of its values). Read from the
        catalog's `facet_index.npz` (written by the domain build) when it has the facet, else
        built on the first call, in one pass over the catalog with each distinct value keyed
        once (~2 s for 271k books' authors)."""
        index = self._facet_rows.get(facet)
        if index is None:
            if self._saved is None:
                folder = getattr(self.catalog, "folder", None)
                path = Path(folder) / FACET_INDEX_FILE if folder is not None else None
                self._saved = load_facet_indexes(path) if path and path.exists() else {}
            index = self._saved.get(facet)
            if index is None:
                index = facet_index(item.facets.get(facet) for item in self.catalog.items)
            self._facet_rows[facet] = index
        return index

    def facet_mask(self, facet: str, value) -> np.ndarray:
        """[n_items] bool: items whose `facet` has `value` (compared by `facet_key`; for a list
        of values, any of them)."""
        mask = np.zeros(len(self.catalog), dtype=bool)
        mask[self.facet_rows(facet).get(facet_key(value), _NO_ROWS)] = True
        return mask

    def scale(self, facet: str) -> tuple[str, ...]:
        """The ordered values of a facet with an `order` (lowest first), else ()."""
        spec = self.schema.facets.get(facet) if self.schema is not None else None
        return spec.order if spec is not None else ()

    def numbers(self, facet: str) -> np.ndarray:
        """[n_items] float64 values of a numeric facet (of an ordered facet: each value's 1-based
        position on its scale), NaN where unknown."""
        values = self._numbers.get(facet)
        if values is None:
            rank = {facet_key(v): float(k + 1) for k, v in enumerate(self.scale(facet))}
            held = (i.facets.get(facet) for i in self.catalog.items)
            values = np.array([rank.get(facet_key(v), np.nan) if rank and isinstance(v, str)
                               else v if isinstance(v, (int, float)) and not isinstance(v, bool)
                               else np.nan for v in held], dtype=np.float64)
            self._numbers[facet] = values
        return values

    def unknown_passing(self, facet: str) -> np.ndarray:
        """[n_items] bool: items that pass a ceiling on `facet` without a value on its scale
        (they hold one of its `unknown_passes` values: a genre or another facet's value)."""
        mask = np.zeros(len(self.catalog), dtype=bool)
        spec = self.schema.facets.get(facet) if self.schema is not None else None
        for other, values in (spec.unknown_passes.items() if spec is not None else ()):
            if other == "genres":
                mask |= self.any_genre(values)
            for value in values:
                mask |= self.facet_mask(other, value)
        return mask

    def range_mask(self, facet: str, bounds: Range) -> np.ndarray:
        """[n_items] bool: items inside `bounds` on `facet` (module docstring: an unknown value
        fails, except under a ceiling on a scale with `unknown_passes`)."""
        numbers = self.numbers(facet)
        inside = bounds.holds(numbers)
        if bounds.low is None and self.scale(facet):
            inside |= np.isnan(numbers) & self.unknown_passing(facet)
        return inside

    def _needs_value(self, facet: str) -> bool:
        spec = self.schema.facets.get(facet) if self.schema is not None else None
        return spec is not None and spec.unwanted_needs_value

    def has_value(self, facet: str) -> np.ndarray:
        """[n_items] bool: items with some value of `facet`."""
        mask = np.zeros(len(self.catalog), dtype=bool)
        for rows in self.facet_rows(facet).values():
            mask[rows] = True
        return mask

    def at_most(self, facet: str, value: str) -> np.ndarray:
        """[n_items] bool: items at or below `value` on `facet`'s scale (as `range_mask`); every
        item when the catalog has no such scale or value (a catalog without certificates)."""
        scale = [facet_key(v) for v in self.scale(facet)]
        if facet_key(value) not in scale:
            return np.ones(len(self.catalog), dtype=bool)
        return self.range_mask(facet, Range(high=float(scale.index(facet_key(value)) + 1)))

    def warm(self, valued: list[str], numeric: list[str]) -> None:
        """Build the inverted indexes of the `valued` facets and the numbers of the `numeric`
        ones now (start-up, ~2 s for 271k books' authors and publishers), not in a turn."""
        for facet in valued:
            self.facet_rows(facet)
        for facet in numeric:
            self.numbers(facet)

    def facet_match(self, constraints: Constraints, rows: np.ndarray) -> np.ndarray:
        """[r] float32: the share of the wanted facet values each of `rows` has."""
        wanted = [(f, v) for f, values in sorted(constraints.facets_wanted.items())
                  for v in sorted(values)]
        share = np.zeros(len(rows), dtype=np.float32)
        for facet, value in wanted:
            share += self.facet_mask(facet, value)[rows]
        return share / len(wanted) if wanted else share

    def any_genre(self, genres) -> np.ndarray:
        """[n_items] bool: items with at least one of `genres` (an unknown genre: none)."""
        mask = np.zeros(len(self.catalog), dtype=bool)
        for genre in genres:
            if genre in self.genre_masks:
                mask |= self.genre_masks[genre]
        return mask

    def person_mask(self, name: str) -> np.ndarray:
        mask = np.zeros(len(self.catalog), dtype=bool)
        mask[self.person_rows.get(name.lower(), [])] = True
        return mask

    def allowed(self, constraints: Constraints, excluded_rows: np.ndarray) -> np.ndarray:
        """[n_items] bool: items that break no hard constraint and are not excluded.

        An item must share at least one wanted genre (all of a compound's: "romantic comedy")
        and involve at least one wanted person (how many it matches is a ranking feature);
        unwanted genres and people, and year bounds, are hard. Items with an unknown year fail
        any year bound. Per facet likewise: at least one wanted value, no unwanted one, inside
        its range (an unknown number fails it).
        """
        mask = np.ones(len(self.catalog), dtype=bool)
        mask[excluded_rows] = False
        if constraints.genres_wanted:
            mask &= self.any_genre(constraints.genres_wanted)
        for genre in constraints.together():  # "romantic comedy": both
            mask &= self.genre_masks.get(genre, np.zeros_like(mask))
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
        for facet, values in constraints.facets_wanted.items():  # any wanted value per facet
            if values:
                any_value = np.zeros_like(mask)
                for value in values:
                    any_value |= self.facet_mask(facet, value)
                mask &= any_value
        for facet, values in constraints.facets_unwanted.items():
            for value in values:
                mask &= ~self.facet_mask(facet, value)
            if values and self._needs_value(facet):  # "not in English": known languages only
                mask &= self.has_value(facet)
        for facet, bounds in constraints.ranges.items():  # unknown values fail a range
            mask &= self.range_mask(facet, bounds)
        return mask
