"""Clause-aware polarity: a negation's scope ends at its clause, with or without punctuation.

Each row is a message in the style of real seekers and the polarity the person means for each
thing it names (catalog genre names, people's full names, keyword phrases). Runs on the small
fixture catalog of tests/nlu/test_entities.py (no built data).
"""

from __future__ import annotations

import pytest

from nlu.entities import EntityLexicon, extract_entities
from nlu.types import UNWANTED, WANTED
from tests.nlu.test_entities import ALIASES, make_catalog

W, U = WANTED, UNWANTED

# (message, {entity value: polarity})
CASES = [
    # a new request without punctuation ends the scope
    ("I don't really like horror movies what about thrillers", {"Horror": U, "Thriller": W}),
    ("no horror how about a comedy", {"Horror": U, "Comedy": W}),
    ("not a fan of romance what else is there, maybe a thriller", {"Romance": U, "Thriller": W}),
    ("i dont want horror i love thrillers", {"Horror": U, "Thriller": W}),
    ("i hate musicals give me an action movie", {"Musical": U, "Action": W}),
    ("no westerns show me a comedy", {"Western": U, "Comedy": W}),
    ("I don't like horror can you recommend a thriller", {"Horror": U, "Thriller": W}),
    ("not horror recommend something funny", {"Horror": U}),
    ("I'm not into sci-fi i prefer dramas", {"Sci-Fi": U, "Drama": W}),
    ("not really a horror person i'd like a comedy", {"Horror": U, "Comedy": W}),
    ("no romance, i really want action", {"Romance": U, "Action": W}),
    ("i didn't like the horror ones i want a thriller", {"Horror": U, "Thriller": W}),
    # but / though / instead / rather / maybe
    ("no horror but a thriller would be great", {"Horror": U, "Thriller": W}),
    ("I don't like westerns but I love action", {"Western": U, "Action": W}),
    ("not a comedy, maybe a drama", {"Comedy": U, "Drama": W}),
    ("not a comedy maybe a drama", {"Comedy": U, "Drama": W}),
    ("no musicals rather a war movie", {"Musical": U, "War": W}),
    ("no documentaries instead a crime movie", {"Documentary": U, "Crime": W}),
    ("i'm tired of superhero movies, something with romance though", {"Romance": W}),
    # punctuation
    ("No horror. I want a comedy", {"Horror": U, "Comedy": W}),
    ("no horror; thrillers are fine", {"Horror": U, "Thriller": W}),
    ("Not horror! Comedy please", {"Horror": U, "Comedy": W}),
    ("not a romance, a comedy", {"Romance": U, "Comedy": W}),
    # "no" as an interjection before a change of mind
    ("no actually a comedy", {"Comedy": W}),
    ("no wait, something with horror", {"Horror": W}),
    # lists stay in scope
    ("no horror, thrillers or war movies", {"Horror": U, "Thriller": U, "War": U}),
    ("nothing with horror or gore", {"Horror": U}),
    ("I don't want westerns or musicals", {"Western": U, "Musical": U}),
    ("no horror and no thrillers", {"Horror": U, "Thriller": U}),
    ("no horror and i want a comedy", {"Horror": U, "Comedy": W}),
    # what is not negated at all
    ("I don't mind horror", {"Horror": W}),
    ("a comedy would not be bad", {"Comedy": W}),
    ("nothing but comedies", {"Comedy": W}),
    ("I love thrillers", {"Thriller": W}),
    ("no, I want a thriller", {"Thriller": W}),
    ("no I'd like a drama", {"Drama": W}),
    ("I haven't seen many westerns, show me one", {"Western": W}),
    # the negation itself
    ("anything but horror", {"Horror": U}),
    ("I hate horror", {"Horror": U}),
    ("not too scary, a comedy", {"Comedy": W}),
    ("no more Nolan, a comedy please", {"Christopher Nolan": U, "Comedy": W}),
    ("I don't like Tarantino what about Nolan", {"Quentin Tarantino": U,
                                                  "Christopher Nolan": W}),
    ("nothing by Spielberg i love Kubrick", {"Steven Spielberg": U, "Stanley Kubrick": W}),
    ("I can't stand romance how about sci-fi", {"Romance": U, "Sci-Fi": W}),
    # someone else's taste, then the speaker's own "but I don't"
    ("my girlfriend likes horror but i dont", {"Horror": U}),
    ("my girlfriend likes horror but i dont, something we can both watch", {"Horror": U}),
    ("she loves romance, not me", {"Romance": U}),
    ("my wife is into westerns but I'm not. a thriller?", {"Western": U, "Thriller": W}),
    ("my son loves animation but i dont mind", {"Animation": W}),
    ("my kids like comedies but i don't like musicals", {"Comedy": W, "Musical": U}),
]


@pytest.fixture(scope="module")
def lexicon() -> EntityLexicon:
    return EntityLexicon.from_catalog(make_catalog(), reference_year=2016, aliases=ALIASES)


def test_the_table_is_big_enough():
    assert len(CASES) >= 40


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_polarity_per_entity(lexicon, text, expected):
    found = {e.value: e.polarity for e in extract_entities(text, lexicon)}
    assert {value: found.get(value) for value in expected} == expected
