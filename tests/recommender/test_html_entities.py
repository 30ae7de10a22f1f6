"""HTML entities in a catalog's text ("Angels &amp; Demons", Book-Crossing writes them) are
shown written out: unescaped when a schema's tables are read, and when a catalog built before
that is loaded, so it needs no rebuild."""

from __future__ import annotations

import json

from recommender.data.tables import read_tables
from recommender.domain.catalog import Catalog, unescape_html
from recommender.domain.schema import load_schema

SCHEMA = """
domain: books
noun: book
tables:
  items:
    path: items.csv
    fields: {id: isbn, title: title}
facets:
  author: {type: person, roles: [author]}
  publisher: {type: categorical}
"""
ITEMS = """isbn,title,author,publisher
b1,Angels &amp; Demons,Dan Brown,Simon &amp; Schuster
b2,The Kitchen God&#39;s Wife,Amy Tan,Putnam
b3,An Owner's Guide to&amp;#160;a Happy Pet,Jo Smith,AT&T Press
"""


def test_titles_and_facet_values_are_unescaped_when_the_tables_are_read(tmp_path):
    (tmp_path / "items.csv").write_text(ITEMS, encoding="utf-8")
    (tmp_path / "books.yml").write_text(SCHEMA, encoding="utf-8")
    table = read_tables(load_schema(tmp_path / "books.yml"))
    assert table.titles == ["Angels & Demons", "The Kitchen God's Wife",
                            "An Owner's Guide to a Happy Pet"]  # twice escaped: unescaped twice
    assert table.facets["publisher"] == ["Simon & Schuster", "Putnam", "AT&T Press"]


def test_a_catalog_built_with_entities_loads_them_written_out(tmp_path):
    rows = [{"id": "b1", "title": "Angels &amp; Demons",
             "facets": {"author": ["Dan Brown"], "publisher": "Simon &amp; Schuster"}},
            {"id": "b2", "title": "Rock &amp; Roll &#39;72"}]
    (tmp_path / "items.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n",
                                          encoding="utf-8")
    catalog = Catalog.load(tmp_path)
    assert [item.title for item in catalog.items] == ["Angels & Demons", "Rock & Roll '72"]
    assert catalog.items[0].facets == {"author": ["Dan Brown"], "publisher": "Simon & Schuster"}


def test_text_without_entities_is_left_as_it_is():
    assert unescape_html("AT&T & friends") == "AT&T & friends"
    assert unescape_html(("a &lt; b", 3, None)) == ("a < b", 3, None)
