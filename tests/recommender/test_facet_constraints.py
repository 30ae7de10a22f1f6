"""A schema domain's facet constraints, range filters, facet match and reasons (exact)."""

from __future__ import annotations

import numpy as np

from recommender.domain.catalog import Catalog, Item
from recommender.domain.constraints import ConstraintIndex, Constraints, Range, facet_key
from recommender.domain.schema import parse_schema
from recommender.serving.facet_reasons import facet_reason, show_number

SCHEMA = parse_schema({
    "domain": "tools", "noun": "tool",
    "tables": {"items": {"path": "tools.json", "fields": {"id": "slug", "title": "name"}}},
    "facets": {
        "category": {"type": "categorical", "reason": "a {value} tool"},
        "free_plan": {"type": "boolean", "reason": "has a free plan"},
        "price": {"type": "numeric", "unit": "$", "reason": "from {value} a month"},
        "features": {"type": "multi_categorical", "reason": "with {value}"},
    }}, __import__("pathlib").Path("/schemas/tools.yml"))


def tool(slug, category, free, price, features):
    return Item(id=slug, title=slug.title(), year=None, genres=(), facets={
        "category": category, "free_plan": free, "price": price, "features": features})


CATALOG = Catalog([
    tool("trello", "project-management", True, 5.0, ["Kanban Boards", "Power-Ups"]),
    tool("todoist", "project-management", True, 4.0, ["Kanban Board"]),
    tool("asana", "project-management", True, 10.99, ["Gantt Chart View"]),
    tool("smartsheet", "project-management", False, 9.0, ["Gantt Charts", "Kanban Boards"]),
    tool("hubspot", "crm", True, None, ["Kanban Boards"]),
])


def test_facet_key_joins_spellings_people_treat_as_one():
    assert facet_key("Kanban Boards") == facet_key("kanban board") == "kanban board"
    assert facet_key("project-management") == "project management"
    assert facet_key(True) == "true" and facet_key("Business") == "business"


def test_wanted_values_ranges_and_unwanted_values_are_hard():
    index = ConstraintIndex(CATALOG)
    wanted = Constraints(facets_wanted={"category": {"project-management"},
                                        "free_plan": {"true"}, "features": {"Kanban Boards"}},
                         ranges={"price": Range(high=10.0, high_open=True)})
    assert index.allowed(wanted, np.zeros(0, dtype=np.int64)).tolist() == \
        [True, True, False, False, False]
    unwanted = Constraints(facets_unwanted={"features": {"kanban boards"}})
    assert index.allowed(unwanted, np.array([2])).tolist() == [False, False, False, False, False]
    unknown_price = Constraints(ranges={"price": Range(low=0.0)})  # hubspot has no price
    assert index.allowed(unknown_price, np.zeros(0, dtype=np.int64)).tolist()[-1] is False


def test_range_bounds_include_or_exclude_the_number():
    values = np.array([4.0, 5.0, 6.0, np.nan])
    assert Range(high=5.0, high_open=True).holds(values).tolist() == [True, False, False, False]
    assert Range(high=5.0).holds(values).tolist() == [True, True, False, False]
    assert Range(low=5.0, low_open=True).holds(values).tolist() == [False, False, True, False]


def test_facet_match_is_the_share_of_wanted_values():
    index = ConstraintIndex(CATALOG)
    c = Constraints(facets_wanted={"features": {"Kanban Boards", "Gantt Charts"}})
    assert index.facet_match(c, np.arange(5)).tolist() == [0.5, 0.5, 0.0, 1.0, 0.5]


def test_facet_constraints_round_trip_and_movie_json_is_unchanged():
    c = Constraints(facets_wanted={"category": {"crm"}}, ranges={"price": Range(1.0, 9.0)})
    assert Constraints.from_json(c.to_json()) == c
    copied = c.copy()
    copied.facets_wanted["category"].add("vpn")
    assert c.facets_wanted == {"category": {"crm"}}
    assert set(Constraints(genres_wanted={"Comedy"}).to_json()) == {
        "genres_wanted", "genres_unwanted", "people_wanted", "people_unwanted",
        "keywords_wanted", "keywords_unwanted", "year_min", "year_max"}


def test_a_reason_names_the_facets_that_matched_in_schema_order():
    c = Constraints(facets_wanted={"category": {"project-management"}, "free_plan": {"true"},
                                   "features": {"kanban board"}},
                    ranges={"price": Range(high=10.0, high_open=True)})
    reason = facet_reason(CATALOG.items[0], SCHEMA, {"interest": 0.4}, c, None, None)
    assert reason == ("a project management tool · has a free plan · from $5 a month · "
                      "with Kanban Boards · close to what you described")
    assert facet_reason(CATALOG.items[4], SCHEMA, {}, Constraints(), None, None) == \
        "a tool to start with"
    assert show_number(7.91, "$") == "$7.91" and show_number(30.0, "min") == "30 min"


def test_items_carry_their_facets_and_movie_items_do_not():
    assert CATALOG.items[0].to_json()["facets"]["price"] == 5.0
    assert "facets" not in Item("1", "Heat", 1995, ("Crime",)).to_json()
    assert Item.from_json(CATALOG.items[1].to_json()) == CATALOG.items[1]
    assert CATALOG.items[0].text().startswith("Trello. category: project-management. "
                                              "free plan. price: 5. features: Kanban Boards")
