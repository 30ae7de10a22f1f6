"""The movie catalog's extra facts (runtime, certificate, languages, countries in `Item.facets`):
how the build reads them from the film source, what data/domains/movies.yml says of them, and
the constraints and reasons on a tiny hand-made catalog. Item text stays a film's text."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from recommender.data.build import film_certificate, film_facets
from recommender.domain.catalog import Catalog, Item
from recommender.domain.constraints import ConstraintIndex, Constraints, Range
from recommender.domain.schema import SchemaError, item_facets_schema, load_schema, parse_schema
from recommender.serving.explain import ReasonFacts, reason_for
from recommender.serving.facet_reasons import matched_facets, show_number

MOVIES_SCHEMA = Path(__file__).resolve().parents[2] / "data" / "domains" / "movies.yml"
SOURCES = {"title": "movielens"}


def film(id_, genres, **facets) -> Item:
    return Item(id_, f"Film {id_}", 2000, tuple(genres), sources=SOURCES, facets=facets)


ITEMS = [
    film("g", ["Children"], certificate="G", runtime=80.0, languages=["English"]),
    film("pg13", ["Action"], certificate="PG-13", runtime=130.0, languages=["English"]),
    film("r", ["Action"], certificate="R", runtime=95.0, languages=["French"]),
    film("kids", ["Animation"], runtime=70.0, languages=["Japanese"]),  # no certificate
    film("drama", ["Drama"], runtime=200.0),  # no certificate, no language
]


def catalog() -> Catalog:
    built = Catalog(ITEMS)
    built.extra_facets = item_facets_schema(load_schema(MOVIES_SCHEMA), ITEMS)
    return built


def allowed(constraints: Constraints) -> list[str]:
    index = ConstraintIndex(catalog())
    mask = index.allowed(constraints, np.zeros(0, dtype=np.int64))
    return [item.id for item, ok in zip(ITEMS, mask, strict=True) if ok]


def test_old_mpaa_names_are_todays_and_other_ratings_are_unknown():
    assert [film_certificate(r) for r in ("GP", "M", "M/PG", "X", "PG-13", "", None, "TV-14")] \
        == ["PG", "PG", "PG", "NC-17", "PG-13", None, None, None]


def test_film_facets_keep_what_the_source_has_and_leave_out_the_rest():
    row = pd.Series({"Runtime": 98.0, "Rating": "GP", "Language": "English, French",
                     "Country": "France"})
    assert film_facets(row) == {"runtime": 98.0, "certificate": "PG",
                                "languages": ["English", "French"], "countries": ["France"]}
    empty = pd.Series({"Runtime": float("nan"), "Rating": "", "Language": None, "Country": ""})
    assert film_facets(empty) == {}


def test_the_facts_leave_a_films_embedded_text_as_it_was():
    plain = Item("1", "Heat", 1995, ("Crime",), directors=("Michael Mann",), sources=SOURCES)
    with_facts = Item("1", "Heat", 1995, ("Crime",), directors=("Michael Mann",),
                      sources=SOURCES, facets={"runtime": 170.0, "certificate": "R"})
    assert with_facts.text() == plain.text() == "Heat (1995) Crime. Directed by Michael Mann."


def test_movies_yml_names_only_the_facts_items_carry():
    extra = catalog().extra_facets
    assert list(extra.facets) == ["runtime", "certificate", "languages"]  # none has countries
    assert extra.facets["certificate"].order == ("G", "PG", "PG-13", "R", "NC-17")
    bare = [Item("1", "Heat", 1995, ("Crime",), sources=SOURCES)]
    assert item_facets_schema(load_schema(MOVIES_SCHEMA), bare) is None  # an older build


def test_a_ceiling_keeps_the_scale_below_it_and_unrated_family_films():
    at_most_pg13 = Constraints(ranges={"certificate": Range(high=3.0)})
    assert allowed(at_most_pg13) == ["g", "pg13", "kids"]
    at_least_r = Constraints(ranges={"certificate": Range(low=4.0)})
    assert allowed(at_least_r) == ["r"]  # an unknown certificate meets no floor


def test_the_kids_ceiling_is_no_limit_on_a_catalog_without_the_scale():
    index = ConstraintIndex(catalog())
    assert index.at_most("certificate", "PG-13").tolist() == [True, True, False, True, False]
    assert ConstraintIndex(Catalog(ITEMS)).at_most("certificate", "PG-13").all()


def test_runtime_and_language_constraints():
    assert allowed(Constraints(ranges={"runtime": Range(high=90.0, high_open=True)})) == \
        ["g", "kids"]
    assert allowed(Constraints(facets_wanted={"languages": {"French"}})) == ["r"]
    # "not in English": an unknown language is most likely English, so it is left out too
    assert allowed(Constraints(facets_unwanted={"languages": {"English"}})) == ["r", "kids"]


def test_reasons_name_the_limited_facts_after_the_genre():
    item = ITEMS[1]
    constraints = Constraints(genres_wanted={"Action"},
                              ranges={"runtime": Range(low=120.0, low_open=True),
                                      "certificate": Range(high=3.0)})
    said = tuple(matched_facets(item, catalog().extra_facets, constraints))
    assert said == ("2 h 10 min", "rated PG-13")
    reason = reason_for(item, {}, constraints, None, None, ReasonFacts(), said)
    assert reason == "an action film; 2 h 10 min; rated PG-13"
    assert show_number(98.0, "min") == "1 h 38 min" and show_number(45.0, "min") == "45 min"


def schema_with(facet: dict):
    raw = {"tables": {"items": {"path": "items.csv", "fields": {"id": "id", "title": "title"}}},
           "facets": {"certificate": facet}}
    return parse_schema(raw, Path("/tmp/films.yml"))


def test_scale_keys_are_checked_with_the_field_path():
    ok = schema_with({"type": "categorical", "order": ["G", "PG"],
                      "unknown_passes": {"genres": ["Children"]}})
    assert ok.facets["certificate"].unknown_passes == {"genres": ("Children",)}
    with pytest.raises(SchemaError, match=r"facets.certificate.unknown_passes: needs `order`"):
        schema_with({"type": "categorical", "unknown_passes": {"genres": ["Children"]}})
    with pytest.raises(SchemaError, match=r"facets.certificate.order: a value is listed twice"):
        schema_with({"type": "categorical", "order": ["G", "G"]})
    with pytest.raises(SchemaError, match=r"facets.certificate.order: unknown key"):
        schema_with({"type": "numeric", "order": ["G"]})
