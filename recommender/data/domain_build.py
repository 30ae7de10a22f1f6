"""`convrec data build --schema PATH`: a catalog (and behavior history) from a domain schema.

`build_domain(schema, out_dir)` reads the schema's tables (recommender/data/tables.py, which
checks every cell first) and writes, through a temporary folder moved in at the end so that a
failed build leaves nothing half-written:

- `items.jsonl`: one `Item.to_json()` per item, its facet values in `facets` (facet name →
  text, list of texts, number or bool; dates as ISO text), its text facets joined into `plot`
  (embedded and shown, never filtered), its year from the schema's one `year` facet, if any;
  `n_ratings` / `mean_rating` from the interactions (the mean on a 5-star scale, see below);
- `ratings.npz` (only with an interaction table): `user_id` (int64 index), `user_name` (the
  table's user), `item_id`, `rating`, `timestamp`, as recommender/data/history.py reads it;
- `facet_index.npz`: each filterable facet's inverted index (value key → rows), so start-up
  need not key 271k books' authors again (recommender/domain/constraints.py);
- `manifest.json` last: the schema file, the domain, its noun, counts, and what is missing.

Ratings are put on the scale the history and the rankers assume (`history.LIKED_RATING` = 4 is
a like, 5 the top): piecewise linear, the schema's min → 0, its like threshold → 4, its max → 5;
an implicit rating ("interacted", e.g. 0 on Book-Crossing) → 3, an interaction without a rating
→ 4 (a like).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from recommender.data.history import LIKED_RATING
from recommender.data.tables import DomainTable, read_tables
from recommender.domain.catalog import Item
from recommender.domain.constraints import FACET_INDEX_FILE, facet_index, save_facet_indexes
from recommender.domain.schema import DomainSchema, RatingScale

# what a rebuild keeps from the folder it replaces: item vectors (and the parts of an unfinished
# encoding), the nearest-neighbour index and the lexicon cache are keyed by the item texts or
# the catalog they were made from, so a rebuild that changes no text (an edited reply, a new
# facet synonym) does not encode 271k books again
CARRIED = ("item_vectors.npy", "item_vectors.json", "item_vectors.parts", "ann_index.npz",
           "ann_index.hnsw", "ann_index.json", "lexicon.pickle")
IMPLICIT_STARS = 3.0  # an implicit rating: the person interacted, no more
TOP_STARS = 5.0


def to_stars(ratings: np.ndarray, scale: RatingScale | None) -> np.ndarray:
    """[n] ratings on the schema's scale → [n] float32 on 0..5 with the like threshold at 4
    (module docstring). Without a scale (no rating field): every interaction is a like (4)."""
    ratings = np.asarray(ratings, dtype=np.float64)
    if scale is None:
        return np.full(len(ratings), LIKED_RATING, dtype=np.float32)
    low, like, high = scale.min, scale.like_threshold, scale.max
    below = LIKED_RATING * (ratings - low) / max(like - low, 1e-9)
    above = LIKED_RATING + (TOP_STARS - LIKED_RATING) * (ratings - like) / max(high - like, 1e-9)
    stars = np.where(ratings >= like, above, below)
    if scale.implicit is not None:
        stars = np.where(ratings == scale.implicit, IMPLICIT_STARS, stars)
    return np.clip(stars, 0.0, TOP_STARS).astype(np.float32)


def _json_value(value):
    """A typed facet value as JSON: tuples → lists, datetime64 → ISO text."""
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, np.datetime64):
        return str(value)
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    return value


def lean_json(item: Item) -> dict:
    """`item.to_json()` without the film fields a schema item leaves empty (`Item.from_json`
    reads them back as empty): a third less to read at every start-up for 271k books."""
    return {key: value for key, value in item.to_json().items()
            if key in ("id", "title") or value not in (None, [], {}, 0)}


def domain_items(table: DomainTable, stars: np.ndarray | None) -> list[Item]:
    """The table's rows as Items (module docstring); `stars` [n_interactions] on 0..5."""
    schema = table.schema
    text_facets = [n for n, f in schema.facets.items() if f.type == "text"]
    year_facets = [n for n, f in schema.facets.items() if f.type == "year"]
    year_facet = year_facets[0] if len(year_facets) == 1 else None
    n = len(table.ids)
    counts = np.zeros(n, dtype=np.int64)
    sums = np.zeros(n, dtype=np.float64)
    if table.interactions is not None and stars is not None:
        counts = np.bincount(table.interactions.items, minlength=n)
        sums = np.bincount(table.interactions.items, weights=stars, minlength=n)
    items = []
    for row, (item_id, title) in enumerate(zip(table.ids, table.titles, strict=True)):
        facets = {name: _json_value(values[row]) for name, values in table.facets.items()
                  if name not in text_facets}
        texts = [str(table.facets[name][row]) for name in text_facets
                 if table.facets[name][row]]
        year = table.facets[year_facet][row] if year_facet else None
        items.append(Item(
            id=item_id, title=title, year=int(year) if year else None, genres=(),
            plot="\n\n".join(texts) or None, n_ratings=int(counts[row]),
            mean_rating=round(float(sums[row] / counts[row]), 3) if counts[row] else None,
            facets=facets))
    return items


def build_domain(schema: DomainSchema, out_dir: Path, cache_dir: Path | None = None,
                 log: Callable[[str], None] = print) -> dict:
    """Build the catalog of `schema` into `out_dir` (replaced whole at the end); returns the
    manifest. Raises SchemaError (file, field, row) before anything is written."""
    started = time.time()
    table = read_tables(schema, cache_dir)
    inter = table.interactions
    stars = None
    if inter is not None:
        stars = to_stars(inter.ratings, schema.ratings) if inter.ratings is not None \
            else to_stars(np.zeros(len(inter.items)), None)
    items = domain_items(table, stars)
    out_dir = Path(out_dir)
    work = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    with (work / "items.jsonl").open("w", encoding="utf-8") as f:
        f.writelines(json.dumps(lean_json(item), ensure_ascii=False) + "\n" for item in items)
    valued = [name for name, facet in schema.facets.items()
              if facet.type in ("categorical", "multi_categorical", "person", "boolean")]
    save_facet_indexes(work / FACET_INDEX_FILE, {  # read by ConstraintIndex at start-up
        name: facet_index(item.facets.get(name) for item in items) for name in valued})
    if inter is not None:
        timestamps = inter.timestamps if inter.timestamps is not None else \
            np.arange(len(inter.items), dtype=np.int64)  # table order stands in for time
        np.savez_compressed(work / "ratings.npz", user_id=inter.users.astype(np.int64),
                            user_name=inter.user_ids[inter.users].astype(str),
                            item_id=np.array(table.ids, dtype=str)[inter.items],
                            rating=stars, timestamp=timestamps.astype(np.int64))
    manifest = {
        "domain": schema.name, "schema": str(schema.path), "noun": schema.noun,
        "plural": schema.plural, "n_items": len(items),
        "n_interactions": 0 if inter is None else int(len(inter.items)),
        "n_users": 0 if inter is None else int(len(inter.user_ids)),
        "facets": {name: facet.type for name, facet in schema.facets.items()},
        "notes": list(table.notes) + ([] if inter is not None else [
            "no interaction table: content, facets and popularity only; the chat ranks with "
            "the linear ranker"]),
        "build_seconds": round(time.time() - started, 2),
    }
    (work / "manifest.json").write_text(json.dumps(manifest, indent=2))  # written last
    if out_dir.exists():
        for name in CARRIED:  # each checks itself against what it was made from when read
            if (out_dir / name).exists():
                shutil.move(out_dir / name, work / name)
        shutil.rmtree(out_dir)
    work.rename(out_dir)
    log(f"Built the {schema.name} catalog: {len(items):,} {schema.plural}"
        + (f", {len(inter.items):,} interactions" if inter is not None else
           ", no interactions") + f" in {out_dir}")
    return manifest


def is_built(schema: DomainSchema, out_dir: Path) -> bool:
    """A build of this schema file is in `out_dir`, newer than the schema and its tables."""
    manifest = Path(out_dir) / "manifest.json"
    if not manifest.exists() or not (Path(out_dir) / "items.jsonl").exists():
        return False
    built = manifest.stat().st_mtime
    sources = [schema.path] + [spec.source.path for spec in (schema.items, schema.interactions)
                               if spec is not None and spec.source.path is not None]
    return all(Path(p).exists() and Path(p).stat().st_mtime <= built for p in sources)
