"""`data build --schema` (recommender/data/domain_build.py): a schema's tables → items with
facets, ratings on the history's scale, a manifest written last, nothing half-built on an error."""

from __future__ import annotations

import json

import numpy as np
import pytest

from recommender.data.domain_build import build_domain, is_built, to_stars
from recommender.data.history import BehaviorHistory
from recommender.domain.catalog import Catalog
from recommender.domain.schema import RatingScale, SchemaError, load_schema

SCHEMA = """\
domain: books
noun: book
ratings: {min: 0, max: 10, like_threshold: 7, implicit: 0}
tables:
  items: {path: books.csv, fields: {id: isbn, title: title}}
  interactions: {path: ratings.csv, fields: {user: user, item: isbn, rating: stars}}
facets:
  author: {type: person, roles: [author], separator: ";"}
  year: {type: year}
  pages: {type: numeric, unit: pages}
  blurb: {type: text}
"""


def write(folder, pages_of_b2: str = "320") -> None:
    (folder / "books.yml").write_text(SCHEMA, encoding="utf-8")
    (folder / "books.csv").write_text(
        "isbn,title,author,year,pages,blurb\n"
        "b1,Dune,Frank Herbert,1965,412 pages,Sand and spice.\n"
        f"b2,Emma,Jane Austen,1815,{pages_of_b2},A matchmaker.\n", encoding="utf-8")
    (folder / "ratings.csv").write_text("user,isbn,stars\nu1,b1,9\nu1,b2,0\nu2,b1,7\n",
                                        encoding="utf-8")


def test_ratings_go_on_the_history_scale():
    scale = RatingScale(0.0, 10.0, 7.0, implicit=0.0)
    assert to_stars(np.array([0.0, 3.5, 7.0, 8.5, 10.0]), scale).tolist() == \
        pytest.approx([3.0, 2.0, 4.0, 4.5, 5.0])
    assert to_stars(np.zeros(2), None).tolist() == [4.0, 4.0]


def test_a_build_writes_items_with_facets_ratings_and_a_manifest(tmp_path):
    write(tmp_path)
    schema = load_schema(tmp_path / "books.yml")
    out = tmp_path / "build" / "books"
    manifest = build_domain(schema, out, log=lambda message: None)
    assert manifest["n_items"] == 2 and manifest["n_interactions"] == 3
    assert is_built(schema, out)
    catalog = Catalog.load(out)
    dune = catalog.get("b1")
    assert dune.facets == {"author": ["Frank Herbert"], "year": 1965, "pages": 412.0}
    assert dune.year == 1965 and dune.plot == "Sand and spice."
    # 9 of 10 → 4 + (9 - 7) / 3; 7 → 4: their mean, rounded to 3 places
    assert dune.n_ratings == 2 and dune.mean_rating == 4.333
    history = BehaviorHistory.load(out, catalog)
    assert len(history.users) == 2
    assert json.loads((out / "manifest.json").read_text())["schema"] == str(schema.path)


def test_a_bad_cell_stops_the_build_and_writes_nothing(tmp_path):
    write(tmp_path, pages_of_b2="long")
    with pytest.raises(SchemaError, match=r"books.csv, row 2: facets.pages"):
        build_domain(load_schema(tmp_path / "books.yml"), tmp_path / "build" / "books",
                     log=lambda message: None)
    assert not (tmp_path / "build").exists()
