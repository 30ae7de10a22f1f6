"""People as typed: misspelt names (edit distance + Soundex), surnames after "by" / "with"."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.entities import EntityLexicon, extract_entities
from nlu.fuzzy_people import close, soundex
from recommender.domain.catalog import Catalog
from tests.nlu.test_entities import ALIASES, make_catalog

CATALOG = Path(__file__).resolve().parents[2] / "data" / "build" / "movies"


def people(text: str, lexicon: EntityLexicon) -> list[str]:
    return [e.value for e in extract_entities(text, lexicon) if e.type == "person"]


def test_soundex_keys():
    assert [soundex(w) for w in ("robert", "rupert", "nolen", "nolan", "")] == [
        "r163", "r163", "n450", "n450", ""]


def test_edits_allowed_grow_with_the_name():
    assert close("nolen", "nolan") == 1
    assert close("washinton", "washington") == 1
    assert close("johanson", "johansson") == 1
    assert close("lee", "lea") is None  # a name word of three letters allows no typo
    assert close("nolxyz", "nolan") is None


@pytest.fixture(scope="module")
def lexicon() -> EntityLexicon:
    return EntityLexicon.from_catalog(make_catalog(), reference_year=2016, aliases=ALIASES)


@pytest.mark.parametrize(("text", "expected"), [
    ("something by christopher nolen", ["Christopher Nolan"]),
    ("cristopher nolan please", ["Christopher Nolan"]),
    ("scarlett johanson movies", ["Scarlett Johansson"]),
    ("quentin tarentino", ["Quentin Tarantino"]),
    ("anything by spielburg", ["Steven Spielberg"]),
    ("tom and jerry", []),
    ("I loved it with my wife", []),
    ("movies with brown hair", []),
    ("brad pit movies", []),  # "pit" is an English word, no typo
])
def test_misspelt_and_surname_only_people_on_the_fixture(lexicon, text, expected):
    assert people(text, lexicon) == expected


@pytest.fixture(scope="module")
def real_lexicon() -> EntityLexicon:
    if not (CATALOG / "items.jsonl").exists():
        pytest.skip(f"no built catalog in {CATALOG} (run `convrec train`)")
    return EntityLexicon.from_catalog(Catalog.load(CATALOG))


@pytest.mark.parametrize(("text", "expected"), [
    ("something by christopher nolen", ["Christopher Nolan"]),
    ("I like denzel washinton", ["Denzel Washington"]),
    ("scarlett johanson movies", ["Scarlett Johansson"]),
    ("anything by miyazaki", ["Hayao Miyazaki"]),
    ("morgan freemen", ["Morgan Freeman"]),
    ("I saw it with Rachel", []),
])
def test_the_issues_names_on_the_built_catalog(real_lexicon, text, expected):
    assert people(text, real_lexicon) == expected
