"""Titles as typed: those the catalog lacks are flagged, not matched to the wrong film; a year
in brackets or a verdict at a sentence start is evidence for an ordinary-word title."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.entities import EntityLexicon, extract_entities
from recommender.domain.catalog import Catalog
from tests.nlu.test_entities import ALIASES, make_catalog

CATALOG = Path(__file__).resolve().parents[2] / "data" / "build" / "movies"


def titles(text: str, lexicon: EntityLexicon) -> list[tuple[str, str]]:
    return [(e.type, e.value) for e in extract_entities(text, lexicon)
            if e.type in ("title", "unknown_title")]


@pytest.fixture(scope="module")
def lexicon() -> EntityLexicon:
    return EntityLexicon.from_catalog(make_catalog(), reference_year=2016, aliases=ALIASES)


@pytest.mark.parametrize(("text", "expected"), [
    ("I loved The Matrix (1999)", [("title", "2571")]),
    ("I loved The Matrix (2021)", [("unknown_title", "The Matrix (2021)")]),
    ("have you seen Oppenheimer", [("unknown_title", "Oppenheimer")]),
    ("what about Barbie?", [("unknown_title", "Barbie")]),
    ("I liked The Matrix and Get Out", [("title", "2571"), ("unknown_title", "Get Out")]),
    ("I loved it", []),
    ("I saw it with my wife", []),
])
def test_titles_on_the_fixture(lexicon, text, expected):
    assert titles(text, lexicon) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # typed in lower case, as most people do: a cued phrase that ends its clause
    ("what about tenet", [("unknown_title", "tenet")]),
    ("have you seen oppenheimer?", [("unknown_title", "oppenheimer")]),
    ("i liked the matrix and get out", [("title", "2571"), ("unknown_title", "get out")]),
    ("i loved barbie and oppenheimer", [("unknown_title", "barbie"), ("unknown_title",
                                                                      "oppenheimer")]),
    # no title: times, a film's parts, pronouns, people, vague words, what follows a clause
    ("what about tonight", []),
    ("how about something else", []),
    ("i liked the acting", []),
    ("i hated the ending", []),
    ("i saw it with my wife", []),
    ("i watched it yesterday", []),
    ("i loved it and so did my wife", []),
    ("i like dogs", []),  # "like" is no cue in lower case: a taste, not a title
])
def test_lower_case_titles_on_the_fixture(lexicon, text, expected):
    assert titles(text, lexicon) == expected


def test_an_unknown_title_is_an_entity_with_its_own_text(lexicon):
    text = "I loved The Matrix (2021) a lot"
    [entity] = [e for e in extract_entities(text, lexicon) if e.type == "unknown_title"]
    assert (entity.text, text[entity.start:entity.end], entity.item_ids) == (
        "The Matrix (2021)", "The Matrix (2021)", ())


@pytest.fixture(scope="module")
def real_lexicon() -> EntityLexicon:
    if not (CATALOG / "items.jsonl").exists():
        pytest.skip(f"no built catalog in {CATALOG} (run `convrec train`)")
    return EntityLexicon.from_catalog(Catalog.load(CATALOG))


@pytest.mark.parametrize(("text", "expected"), [
    ("I liked Parasite (2019)", [("unknown_title", "Parasite (2019)")]),
    ("I liked Parasite (1982)", [("title", "2256")]),
    ("Top Gun Maverick was great", [("unknown_title", "Top Gun Maverick")]),
    ("have you seen Oppenheimer", [("unknown_title", "Oppenheimer")]),
    ("I loved Enchanted (2007) !", [("title", "56152")]),
    ("Taken was good", [("title", "59369")]),  # an ordinary word, judged at a sentence start
    ("I was taken by surprise", []),
    ("Heat (1995)", [("title", "6")]),  # the year in brackets is the evidence
])
def test_the_issues_titles_on_the_built_catalog(real_lexicon, text, expected):
    assert titles(text, real_lexicon) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # a sequel number the catalog's title lacks: a title the catalog lacks, not the first film
    ("john wick 4 was great", [("unknown_title", "john wick 4")]),
    ("I loved Dune Part Two", [("unknown_title", "Dune Part Two")]),
    ("I loved John Wick: Chapter 2", [("unknown_title", "John Wick: Chapter 2")]),
    ("i liked toy story 4", [("unknown_title", "toy story 4")]),
    # a part the catalog holds is that part
    ("what about toy story 3", [("title", "78499")]),
    ("the godfather part 2", [("title", "1221")]),
    ("rocky 4", [("title", "2411")]),
    # a number that counts something is no part
    ("I saw the matrix 2 weeks ago", [("title", "2571")]),
    # lower case, as typed: a cued name the catalog lacks
    ("what about tenet", [("unknown_title", "tenet")]),
    ("i liked parasite and get out", [("title", "2256"), ("unknown_title", "get out")]),
    # "the new X" when the catalog's X is years older than its newest films (2016 here)
    ("have you seen the new dune movie?", [("unknown_title", "new dune")]),
    ("I want to see the latest Mission: Impossible",
     [("unknown_title", "latest Mission: Impossible")]),
    ("I liked Dune", [("title", "2021")]),
    # the catalog has a recent film of that title: the new one is that one
    ("is the new Star Wars any good?", [("title", "122886")]),  # The Force Awakens (2015)
    ("I loved the new Ghostbusters", [("title", "160080")]),
    ("the new jungle book was great", [("title", "137857")]),
])
def test_sequels_and_lower_case_on_the_built_catalog(real_lexicon, text, expected):
    assert titles(text, real_lexicon) == expected


@pytest.mark.parametrize(("text", "related"), [
    ("john wick 4 was great", ("115149",)),  # John Wick (2014): the film it continues
    ("Top Gun Maverick was great", ("1101",)),  # Top Gun (1986)
    ("I liked Parasite (2019)", ()),  # a namesake of another year is no relation
    ("have you seen Oppenheimer", ()),
])
def test_an_unknown_sequel_keeps_the_film_it_continues(real_lexicon, text, related):
    [entity] = [e for e in extract_entities(text, real_lexicon) if e.type == "unknown_title"]
    assert entity.item_ids == related
