"""Titles the catalog lacks, typed as people type them, are said to be missing; a bare word
matched to a film almost nobody rated is named, so that the person can correct it."""

from __future__ import annotations


def test_a_lower_case_unknown_title_is_said_to_be_missing_and_a_list_follows(talk, help_text):
    first, second = talk("i love thrillers", "what about tenet")
    assert second.text not in help_text
    assert second.text.startswith('I don\'t know "tenet"')
    assert "2016" in second.text  # what the catalog covers
    assert second.items, "the reply still suggests films"
    assert {i["id"] for i in second.items}.isdisjoint({i["id"] for i in first.items})


def test_a_famous_newer_title_is_not_silently_an_obscure_old_film(talk):
    [reply] = talk("i liked parasite and get out")
    assert 'I don\'t know "get out"' in reply.text
    assert 'I took "parasite" as Parasite (1982)' in reply.text


def test_a_well_known_title_gets_no_note(talk):
    [reply] = talk("i loved the matrix")
    assert "I took" not in reply.text and "I don't know" not in reply.text
    assert reply.items


def test_a_sequel_the_catalog_lacks_goes_by_the_film_it_continues(talk, agent):
    [reply] = talk("i loved john wick 4, anything like it?")
    assert reply.text.startswith('I don\'t know "john wick 4"')
    assert "I'll go by John Wick (2014)" in reply.text
    assert reply.items and "115149" not in {i["id"] for i in reply.items}  # they have seen it
    # the list follows John Wick: action films, and at least one reason names it
    assert all("Action" in agent.catalog.get(i["id"]).genres for i in reply.items)
    assert any("John Wick" in i["reason"] for i in reply.items)


def test_an_unknown_new_title_without_an_older_namesake_goes_by_nothing(talk):
    [reply] = talk("what about tenet")
    assert "go by" not in reply.text
