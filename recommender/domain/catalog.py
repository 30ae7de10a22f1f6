"""The item catalog: what can be recommended, with the facts a reply may quote.

The catalog is built by `convrec data build` (see `recommender/data/build.py`) into a folder of
artifacts and loaded read-only here. An item has a title, an optional year, genres, people
(directors, cast), a free-text description and popularity counts; an item of a catalog built from
a domain schema (`convrec data build --schema`, recommender/data/domain_build.py) carries its
facet values in `facets` instead (facet name → value, as recommender/data/facet_values.py types
them: text, a list of texts, a number, a bool), and the catalog its `schema`.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Item:
    """One recommendable item. `id` is a string (MovieLens movieId for the movie domain)."""

    id: str
    title: str  # display title, articles moved to the front: "The Godfather"
    year: int | None
    genres: tuple[str, ...]  # MovieLens genre names: "Comedy", "Sci-Fi", ...
    directors: tuple[str, ...] = ()
    cast: tuple[str, ...] = ()
    writers: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    plot: str | None = None
    imdb_id: str | None = None
    n_ratings: int = 0
    mean_rating: float | None = None
    sources: dict = field(default_factory=dict, compare=False, hash=False)  # field -> source key
    # facet values by facet name: a schema domain's (text facets excluded: they are in `plot`),
    # or a film's runtime (minutes), certificate, languages and countries (movie build)
    facets: dict = field(default_factory=dict, compare=False, hash=False)

    def text(self) -> str:
        """The text an item is embedded from: what a person would say about it. A schema item
        is described by its facets; a film (the movie build writes `sources`, where each field
        came from) by its film fields alone, so the facts the movie build puts in `facets`
        (runtime, certificate, languages) leave its text, and its item vector, as they were."""
        if self.facets and not self.sources:
            return facet_text(self.title, self.facets, self.plot)
        parts = [f"{self.title} ({self.year})" if self.year else self.title]
        if self.genres:
            parts.append(", ".join(self.genres) + ".")
        if self.directors:
            parts.append("Directed by " + ", ".join(self.directors[:2]) + ".")
        # no cast: the source lists it alphabetically, so any cut would pick arbitrary names
        if self.plot:
            parts.append(self.plot[:600])
        return " ".join(parts)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "year": self.year,
            "genres": list(self.genres),
            "directors": list(self.directors),
            "cast": list(self.cast),
            "writers": list(self.writers),
            "countries": list(self.countries),
            "plot": self.plot,
            "imdb_id": self.imdb_id,
            "n_ratings": self.n_ratings,
            "mean_rating": self.mean_rating,
            "sources": self.sources,
        } | ({"facets": self.facets} if self.facets else {})

    @staticmethod
    def from_json(d: dict) -> Item:
        return Item(
            id=str(d["id"]),
            title=unescape_html(d["title"]),
            year=d.get("year"),
            genres=tuple(d.get("genres") or ()),
            directors=tuple(d.get("directors") or ()),
            cast=tuple(d.get("cast") or ()),
            writers=tuple(d.get("writers") or ()),
            countries=tuple(d.get("countries") or ()),
            plot=d.get("plot"),
            imdb_id=d.get("imdb_id"),
            n_ratings=int(d.get("n_ratings") or 0),
            mean_rating=d.get("mean_rating"),
            sources=d.get("sources") or {},
            facets=unescape_html(d.get("facets") or {}),
        )


def unescape_html(value):
    """Text with HTML entities written out ("Simon &amp; Schuster" → "Simon & Schuster"), in
    lists and dicts too: Book-Crossing's titles hold them, and a catalog built before the build
    unescaped them (recommender/data/tables.py) is read right without a rebuild. Twice-escaped
    text ("Guide to&amp;#160;a") is unescaped twice; a no-break space is a space."""
    if isinstance(value, str):
        for _ in range(2):
            if "&" not in value:
                break
            value = html.unescape(value).replace("\xa0", " ")
        return value
    if isinstance(value, (list, tuple)):
        return type(value)(unescape_html(v) for v in value)
    if isinstance(value, dict):
        return {k: unescape_html(v) for k, v in value.items()}
    return value


def facet_text(title: str, facets: dict, description: str | None) -> str:
    """A schema item's embedded text: "Trello. category: project-management. features: Kanban
    Boards, Power-Ups. Trello is a visual ..." (facet names as the schema writes them, `_` as a
    space; booleans only when true; the description cut at 600 characters)."""
    parts = [title.rstrip(".") + "."]
    for name, value in facets.items():
        label = name.replace("_", " ")
        if isinstance(value, bool):
            if value:
                parts.append(f"{label}.")
        elif isinstance(value, (list, tuple)):
            if value:
                parts.append(f"{label}: {', '.join(str(v) for v in value[:12])}.")
        elif value is not None and value != "":
            shown = f"{value:g}" if isinstance(value, float) else value
            parts.append(f"{label}: {shown}.")
    if description:
        parts.append(description[:600])
    return " ".join(parts)


class Catalog:
    """An ordered list of items with an id → row index map. Row order matches item vectors."""

    def __init__(self, items: list[Item], manifest: dict | None = None):
        self.items = items
        self.index = {item.id: row for row, item in enumerate(items)}
        self.manifest = manifest or {}
        self.schema = None  # a schema domain's DomainSchema (set by whoever loads it), else None
        # the movie catalog's extra facts in `Item.facets` (runtime, certificate, languages,
        # countries), described by data/domains/movies.yml restricted to them (bot/build.py);
        # the chat filters on them and reasons name them, and nothing else changes
        self.extra_facets = None
        self.folder: Path | None = None  # the folder it was loaded from (Catalog.load)
        self.aliases: dict[str, list[str]] = {}
        self.genres = tuple(sorted({g for item in items for g in item.genres}))
        years = np.array([item.year if item.year else -1 for item in items], dtype=np.int32)
        self.years = years  # [n_items], -1 where unknown
        # [n_items]
        self.popularity = np.array([item.n_ratings for item in items], dtype=np.float32)

    def __len__(self) -> int:
        return len(self.items)

    def texts(self) -> list[str]:
        """Every item's `Item.text()`, row-aligned; computed once (the item vectors' fingerprint
        and the recommender's keyword search both read them)."""
        if getattr(self, "_texts", None) is None:
            self._texts = [item.text() for item in self.items]
        return self._texts

    @property
    def facet_schema(self):
        """The DomainSchema of what the items carry in `facets`: a schema domain's schema, the
        movie catalog's `extra_facets`, or None."""
        return self.schema if self.schema is not None else self.extra_facets

    def __contains__(self, item_id: str) -> bool:
        return item_id in self.index

    @property
    def noun(self) -> str:
        """What one item is called in replies: the schema's noun, "movie" without a schema."""
        return self.schema.noun if self.schema is not None else "movie"

    @property
    def plural(self) -> str:
        return self.schema.plural if self.schema is not None else "movies"

    def get(self, item_id: str) -> Item:
        return self.items[self.index[item_id]]

    def rows(self, item_ids) -> np.ndarray:
        return np.array([self.index[i] for i in item_ids if i in self.index], dtype=np.int64)

    @staticmethod
    def load(folder: Path) -> Catalog:
        folder = Path(folder)
        path = folder / "items.jsonl"
        if not path.exists():
            raise FileNotFoundError(
                f"No catalog at {path}. Build it with `convrec data build` (or `make data`)."
            )
        with path.open(encoding="utf-8") as f:
            items = [Item.from_json(json.loads(line)) for line in f if line.strip()]
        manifest_path = folder / "manifest.json"
        manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
        catalog = Catalog(items, manifest)
        catalog.folder = folder  # what else the build wrote beside it (facet_index.npz)
        aliases_path = folder / "aliases.json"  # item id → other titles ("Se7en", "Il Postino")
        if aliases_path.exists():
            catalog.aliases = json.loads(aliases_path.read_text(encoding="utf-8"))
        return catalog
