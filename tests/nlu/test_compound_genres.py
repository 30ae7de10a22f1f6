"""Two genre words side by side are one kind of film ("romantic comedy"), not a choice."""

from __future__ import annotations

import pytest

from nlu.compound_genres import compound_genres
from nlu.entities import EntityLexicon, extract_entities
from tests.nlu.test_entities import ALIASES, make_catalog


@pytest.fixture(scope="module")
def lexicon() -> EntityLexicon:
    return EntityLexicon.from_catalog(make_catalog(), reference_year=2016, aliases=ALIASES)


@pytest.mark.parametrize(("text", "together"), [
    ("a romantic comedy please", {"Romance", "Comedy"}),
    ("any good rom com?", {"Romance", "Comedy"}),
    ("a funny horror movie", {"Comedy", "Horror"}),
    ("sci-fi horror from the 80s", {"Sci-Fi", "Horror"}),
    ("an action-comedy", {"Action", "Comedy"}),
    ("a comedy or a romance", set()),
    ("comedy and romance", set()),
    ("horror, thriller, whatever", set()),
    ("a comedy", set()),
    ("no horror comedy", set()),  # ruled out, not wanted
])
def test_compound_genres(lexicon, text, together):
    assert compound_genres(extract_entities(text, lexicon)) == together
