"""Facts about ReDial movies the catalog lacks: content for every candidate of the ReDial ranking.

`movie_facts.json` (beside a ReDial-format train split; compiled by the iEvaLM-CRS project, MIT)
holds genre, director, writer, leading cast and IMDb id for most ReDial movie ids. Training and
evaluation only: the chat never needs it. Two uses:
- linking: a ReDial movie whose IMDb id names exactly one catalog item is that item, also when
  its title or year is written differently (title + year linking missed it);
- content: an unlinked movie gets an `Item` built from its facts, so its text vector says "Horror.
  Directed by Jordan Peele." instead of the bare title, and the constraint matches (genres,
  people, keywords) see it the way they see a catalog item.

Pure: files in, arrays out.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from recommender.data.redial import RedialMovie
from recommender.domain.catalog import Catalog, Item
from recommender.serving.recommend import keyword_pattern

FACTS_FILE = "movie_facts.json"
# the facts' genre words → the catalog's genre names; genres the catalog does not have
# (biography, history, sport, ...) stay in the text only
GENRES = {"action": "Action", "adventure": "Adventure", "animation": "Animation",
          "family": "Children", "comedy": "Comedy", "crime": "Crime",
          "documentary": "Documentary", "drama": "Drama", "fantasy": "Fantasy",
          "film-noir": "Film-Noir", "horror": "Horror", "musical": "Musical",
          "mystery": "Mystery", "romance": "Romance", "sci-fi": "Sci-Fi", "thriller": "Thriller",
          "war": "War", "western": "Western"}


def read_facts(path: Path) -> dict[str, dict]:
    """{ReDial movie id: facts}; {} when the file is absent."""
    path = Path(path)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _names(value) -> tuple[str, ...]:
    if not value:
        return ()
    values = value if isinstance(value, list) else str(value).split(",")
    return tuple(v.strip() for v in values if v and v.strip())


def facts_item(movie: RedialMovie, facts: dict) -> Item:
    """A catalog-shaped item from a ReDial movie's facts (id: "redial:<id>", no ratings)."""
    genres = tuple(dict.fromkeys(GENRES[g.lower()] for g in _names(facts.get("genre"))
                                 if g.lower() in GENRES))
    return Item(id=f"redial:{movie.redial_id}", title=movie.title, year=movie.year,
                genres=genres, directors=_names(facts.get("director")),
                cast=_names(facts.get("star")), writers=_names(facts.get("writer")),
                imdb_id=facts.get("imdb_id") or None)


def link_by_imdb(movies: list[RedialMovie], facts: dict[str, dict], catalog: Catalog,
                 rows: np.ndarray) -> np.ndarray:
    """[n] rows with every movie whose IMDb id names exactly one catalog item linked to it (the
    id wins over a title + year match that disagrees); the others as they were."""
    by_imdb: dict[str, list[int]] = defaultdict(list)
    for row, item in enumerate(catalog.items):
        if item.imdb_id:
            by_imdb[item.imdb_id].append(row)
    out = rows.copy()
    for i, movie in enumerate(movies):
        found = by_imdb.get((facts.get(movie.redial_id) or {}).get("imdb_id") or "", [])
        if len(found) == 1:
            out[i] = found[0]
    return out


@dataclass
class FactMatches:
    """Constraint matches over the candidates that have facts but no catalog row."""

    rows: np.ndarray  # [u] candidate indices
    items: list[Item]  # [u] their fact items

    def __post_init__(self):
        self.genre_masks: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(len(self.rows),
                                                                               dtype=bool))
        self.people: dict[str, list[int]] = defaultdict(list)
        for j, item in enumerate(self.items):
            for genre in item.genres:
                self.genre_masks[genre][j] = True
            for person in {*item.directors, *item.cast}:
                self.people[person.lower()].append(j)
        self.texts = [item.text().lower() + " " + " ".join(item.cast).lower()
                      for item in self.items]
        self._keywords: dict[str, np.ndarray] = {}

    def genre_match(self, wanted: set[str]) -> np.ndarray:
        """[u] share of the wanted genres each item has (as the catalog's `genre_match`)."""
        out = np.zeros(len(self.rows), dtype=np.float32)
        for genre in wanted:
            if genre in self.genre_masks:
                out += self.genre_masks[genre]
        return out / max(len(wanted), 1)

    def person_match(self, wanted: set[str]) -> np.ndarray:
        """[u] 1 when the item involves a wanted director or actor."""
        out = np.zeros(len(self.rows), dtype=np.float32)
        for person in wanted:
            out[self.people.get(person.lower(), [])] = 1.0
        return out

    def keyword_match(self, wanted: set[str], unwanted: set[str]) -> np.ndarray:
        """[u] Σ ±hits / number of keywords (as the catalog's `keyword_match`)."""
        keywords = [(k, 1.0) for k in sorted(wanted)] + [(k, -1.0) for k in sorted(unwanted)]
        out = np.zeros(len(self.rows), dtype=np.float32)
        for keyword, sign in keywords:
            if keyword not in self._keywords:
                pattern = keyword_pattern(keyword)
                self._keywords[keyword] = np.array(
                    [bool(pattern.search(text)) for text in self.texts], dtype=np.float32)
            out += sign * self._keywords[keyword] / len(keywords)
        return out
