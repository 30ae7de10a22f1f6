"""Movies' runtime, certificate and language in the chat (data/domains/movies.yml `facets.*`):
the phrases people use, read as limits (pure), and scripted conversations through the real agent
whose picks a person would check against what they asked.

The conversations need a movie catalog built with those facts (`convrec data build` after the
build that added them): on an older catalog they skip, saying so."""

from __future__ import annotations

import pytest

from nlu.comparisons import ABOVE, BELOW, BETWEEN, NumericFacet, find_comparisons

RUNTIME = NumericFacet("runtime", "min", unit_required=True)
SCALE = ("G", "PG", "PG-13", "R", "NC-17")
CERTIFICATE = NumericFacet("certificate", scale=SCALE)
FACETS = [RUNTIME, CERTIFICATE]


def limit(text: str) -> tuple:
    """(facet, op, low, high, low_open, high_open) of the one limit in `text`."""
    found = find_comparisons(text, FACETS)
    assert len(found) == 1, found
    c = found[0]
    return c.facet, c.op, c.low, c.high, c.low_open, c.high_open


@pytest.mark.parametrize(("text", "expected"), [
    ("a comedy under two hours", ("runtime", BELOW, None, 120.0, False, True)),
    ("less than 90 minutes please", ("runtime", BELOW, None, 90.0, False, True)),
    ("something shorter than 2h", ("runtime", BELOW, None, 120.0, False, True)),
    ("an epic over 3 hours", ("runtime", ABOVE, 180.0, None, True, False)),
    ("no longer than 100 minutes", ("runtime", BELOW, None, 100.0, False, False)),
    ("under an hour and a half", ("runtime", BELOW, None, 90.0, False, True)),
    ("2.5 hours or more", ("runtime", ABOVE, 150.0, None, False, False)),
    # a range whose ends carry their own units
    ("between 90 minutes and 2 hours", ("runtime", BETWEEN, 90.0, 120.0, False, False)),
    ("from 90 min to 2h", ("runtime", BETWEEN, 90.0, 120.0, False, False)),
    ("between 1 and 2 hours", ("runtime", BETWEEN, 60.0, 120.0, False, False)),
])
def test_runtime_phrases_are_limits_in_minutes(text, expected):
    assert limit(text) == expected


def test_a_number_without_a_time_unit_is_no_runtime():
    assert find_comparisons("give me more than 3 movies", FACETS) == []
    assert find_comparisons("at least 4 stars", FACETS) == []


@pytest.mark.parametrize(("text", "highest"), [
    ("something PG-13 at most", "PG-13"),
    ("at most pg13", "PG-13"),
    ("rated PG or lower", "PG"),
    ("nothing rated R", "PG-13"),
    ("no R-rated stuff", "PG-13"),
    ("nothing above PG", "PG"),
    ("no NC-17", "R"),
])
def test_certificate_ceilings_on_the_mpaa_scale(text, highest):
    facet, op, low, high, _, high_open = limit(text)
    assert (facet, op, low, high_open) == ("certificate", BELOW, None, False)
    assert SCALE[int(high) - 1] == highest


def test_certificate_floor_and_bounds_off_the_scale():
    assert limit("R or higher")[:3] == ("certificate", ABOVE, 4.0)
    assert find_comparisons("nothing rated G", FACETS) == []  # nothing is below G


# ---------------------------------------------------------------- through the real agent

PERMITTED = {"G", "PG", "PG-13"}
FAMILY = {"Children", "Animation"}


@pytest.fixture(scope="module")
def movie_agent(agent):
    extra = agent.catalog.extra_facets
    if extra is None or "runtime" not in extra.facets:
        pytest.skip("the movie catalog has no runtime/certificate/languages yet: rebuild it "
                    "with `convrec data build` (its builder version changed)")
    return agent


def picks(agent, session: str, *messages: str) -> list[list[dict]]:
    return [agent.handle(session, text).items for text in messages]


def test_a_comedy_under_90_minutes_stays_short_and_funny_through_more(movie_agent):
    pages = picks(movie_agent, "mf-runtime", "a comedy under 90 minutes", "more")
    shown = [item for page in pages for item in page]
    assert len(shown) == 6 and len({i["id"] for i in shown}) == 6
    for item in shown:
        assert item["facets"]["runtime"] < 90 and "Comedy" in item["genres"]
        assert " min" in item["reason"]  # "1 h 28 min": the runtime that made it fit


def test_pg13_at_most_never_shows_an_r_film(movie_agent):
    pages = picks(movie_agent, "mf-cert", "something PG-13 at most", "more", "more")
    shown = [item for page in pages for item in page]
    assert len(shown) == 9
    for item in shown:
        certificate = item["facets"].get("certificate")
        assert certificate in PERMITTED or (certificate is None and FAMILY & set(item["genres"]))
        if certificate:
            assert f"rated {certificate}" in item["reason"]


def test_nothing_rated_r_with_an_action_movie(movie_agent):
    shown = picks(movie_agent, "mf-not-r", "an action movie, nothing rated R")[0]
    assert shown
    assert all("Action" in i["genres"] and i["facets"].get("certificate") not in ("R", "NC-17")
               for i in shown)


def test_a_french_film_is_in_french_and_says_so(movie_agent):
    pages = picks(movie_agent, "mf-french", "a French film", "more")
    shown = [item for page in pages for item in page]
    assert len(shown) == 6
    for item in shown:
        assert "French" in item["facets"]["languages"]
        assert "in French" in item["reason"]


def test_not_in_english_leaves_out_english_and_unknown_languages(movie_agent):
    shown = picks(movie_agent, "mf-not-english", "a drama, not in English")[0]
    assert shown
    assert all(i["facets"].get("languages") and "English" not in i["facets"]["languages"]
               for i in shown)


def test_the_kids_get_no_r_rated_film(movie_agent):
    pages = picks(movie_agent, "mf-kids", "a movie for my kids", "more", "more")
    shown = [item for page in pages for item in page]
    assert shown and all(i["facets"].get("certificate") not in ("R", "NC-17") for i in shown)


def test_a_request_without_these_facets_reads_as_before(movie_agent):
    reply = movie_agent.handle("mf-plain", "a comedy from the 90s")
    assert reply.items
    for item in reply.items:  # every movie carries its facts, the reason names none of them
        assert "facets" in item or not movie_agent.catalog.get(item["id"]).facets
        assert " min" not in item["reason"] and "rated " not in item["reason"]
    assert "runtime" not in reply.text and "certificate" not in reply.text
