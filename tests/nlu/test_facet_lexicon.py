"""A schema domain's facet words in an utterance (nlu/facet_lexicon.py, nlu/facet_mentions.py):
values, synonyms and booleans become facet entities, limits comparisons, with polarity."""

from __future__ import annotations

from pathlib import Path

from nlu.entities import EntityLexicon, extract_entities
from nlu.facet_lexicon import FacetLexicon
from nlu.types import UNWANTED, WANTED, ParseContext, ShownItem
from recommender.domain.catalog import Catalog, Item
from recommender.domain.schema import parse_schema

SCHEMA = parse_schema({
    "domain": "tools", "noun": "tool",
    "tables": {"items": {"path": "tools.json", "fields": {"id": "slug", "title": "name"}}},
    "facets": {
        "category": {"type": "categorical",
                     "synonyms": {"project-management": ["pm tool", "task management"]}},
        "free_plan": {"type": "boolean", "synonyms": {"true": ["free tier", "freemium"]}},
        "price": {"type": "numeric", "unit": "$", "phrases": {"below": ["under {value}"]}},
        "features": {"type": "multi_categorical", "synonyms": {"Kanban Boards": ["kanban"]}},
    }}, Path("/schemas/tools.yml"))


def tool(slug, category, free, price, features):
    return Item(id=slug, title=slug.title(), year=None, genres=(), facets={
        "category": category, "free_plan": free, "price": price, "features": features})


CATALOG = Catalog([
    tool("trello", "project-management", True, 5.0, ["Kanban Boards", "Templates"]),
    tool("todoist", "project-management", True, 4.0, ["Kanban Board"]),
    tool("hubspot", "crm", True, 20.0, ["Email Tracking"]),
])


def lexicon() -> EntityLexicon:
    found = EntityLexicon.from_catalog(CATALOG)
    found.facets = FacetLexicon.build(SCHEMA, CATALOG)
    return found


def facts(text: str, context: ParseContext = ParseContext()) -> list[tuple]:
    return [(e.type, e.facet, e.value, e.polarity, e.low, e.high)
            for e in extract_entities(text, lexicon(), context) if e.facet]


def test_values_synonyms_booleans_and_limits_are_read():
    assert facts("a project management tool under $10 with a free plan and kanban boards") == [
        ("facet", "category", "project-management", WANTED, None, None),
        ("comparison", "price", "below", WANTED, None, 10.0),
        ("facet", "free_plan", "true", WANTED, None, None),
        ("facet", "features", "Kanban Boards", WANTED, None, None)]
    assert facts("a freemium pm tool with kanban") == [
        ("facet", "free_plan", "true", WANTED, None, None),
        ("facet", "category", "project-management", WANTED, None, None),
        ("facet", "features", "Kanban Boards", WANTED, None, None)]


def test_a_negated_value_is_unwanted():
    assert facts("no crm please") == [("facet", "category", "crm", UNWANTED, None, None)]


def test_cheaper_is_read_against_the_shown_prices():
    shown = ParseContext((ShownItem("trello", "Trello", None, {"price": 5.0}),
                          ShownItem("hubspot", "Hubspot", None, {"price": 20.0})))
    assert facts("cheaper", shown) == [("comparison", "price", "below", WANTED, None, 12.5)]
