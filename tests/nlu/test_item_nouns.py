"""A domain's item words read as the intent data's ("a mystery novel" → "a mystery movie"), for
the intent head's input only (nlu/item_nouns.py)."""

from __future__ import annotations

from nlu.fuzzy_people import PeopleIndex
from nlu.intent_classifier import delexicalize
from nlu.item_nouns import ItemNouns, rewrite
from nlu.parse import delexicalised_offsets

BOOKS = ItemNouns.build("book", "books", ("novel", "novels"), ("read", "reading"))


def replaced(text: str, nouns: ItemNouns) -> str:
    return rewrite(text, nouns.spans(text))[0]


def test_nouns_plurals_and_verbs_become_the_trained_words():
    assert replaced("a mystery novel", BOOKS) == "a mystery movie"
    assert replaced("Books like Dune, or novels by King", BOOKS) == \
        "movies like Dune, or movies by King"
    assert replaced("something to read while reading", BOOKS) == \
        "something to watch while watching"
    assert replaced("a bookish novelist", BOOKS) == "a bookish novelist"  # whole words only


def test_an_article_follows_its_noun():
    tools = ItemNouns.build("tool", "tools", ("app", "apps", "software"))
    assert replaced("an app for invoicing", tools) == "a movie for invoicing"
    assert replaced("An invoicing app", tools) == "An invoicing movie"
    assert replaced("a crm software", tools) == "a crm movie"


def test_the_movie_catalog_has_nothing_to_replace():
    assert ItemNouns.build("movie", "movies") is None


def test_rewrite_maps_positions_back_like_the_delexicaliser():
    text = "a fun novel by Ann Lee"
    spans = [(15, 22, "person")]
    placeholders = [(a, b, f"<{kind}>") for a, b, kind in spans]
    assert rewrite(text, placeholders) == (delexicalize(text, spans),
                                           delexicalised_offsets(text, spans))
    out, offsets = rewrite(text, placeholders + BOOKS.spans(text)[:1])
    assert out == "a fun movie by <person>"
    assert offsets[out.index("movie")] == text.index("novel")
    assert offsets[len(out)] == len(text)


def test_a_misspelt_author_of_a_person_facet():
    index = PeopleIndex.build({}, vocabulary=frozenset({"kin", "and"}))  # English words
    index.add_facet_people({"stephen king": ("author", "Stephen King", 40),
                            "stephen kingsley": ("author", "Stephen Kingsley", 2),
                            "dan brown": ("author", "Dan Brown", 9)})
    assert index.pair("stephen", "kin") == "stephen king"  # an English word, one letter short
    assert index.pair("dan", "brwn") == "dan brown"
    assert index.pair("stephen", "and") is None
    assert index.surname("brwn", directed=True) == "dan brown"  # "by brwn"
    assert index.facet_values["dan brown"] == ("author", "Dan Brown")
