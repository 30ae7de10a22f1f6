"""Facts about ReDial movies the catalog lacks: IMDb-id linking, fact items, and the constraint
matches an unlinked movie gets from its facts."""

from __future__ import annotations

import numpy as np

from recommender.data.redial import RedialMovie
from recommender.data.redial_facts import FactMatches, facts_item, link_by_imdb
from recommender.domain.catalog import Catalog, Item

FACTS = {
    "7": {"name": "Get Out (2017)", "genre": ["horror", "mystery", "biography"],
          "director": ["Jordan Peele"], "writer": ["Jordan Peele"],
          "star": ["Daniel Kaluuya", "Allison Williams"], "imdb_id": "tt5052448"},
    "8": {"name": "Heat", "genre": ["crime", "drama"], "director": ["Michael Mann"],
          "star": ["Al Pacino"], "imdb_id": "tt0113277"},
    "9": {"name": "Coco (2017)", "genre": ["animation", "family"],
          "director": ["Lee Unkrich"], "star": [], "imdb_id": "tt2380307"},
}


def test_fact_item_keeps_catalog_genres_and_people():
    item = facts_item(RedialMovie("7", "Get Out", 2017), FACTS["7"])
    assert item.genres == ("Horror", "Mystery")  # "biography" is not a catalog genre
    assert item.directors == ("Jordan Peele",)
    assert item.cast == ("Daniel Kaluuya", "Allison Williams")
    assert "Directed by Jordan Peele" in item.text()
    assert facts_item(RedialMovie("9", "Coco", 2017), FACTS["9"]).genres == ("Animation",
                                                                             "Children")


def test_imdb_id_links_what_title_and_year_missed_and_wins_over_a_wrong_title_link():
    catalog = Catalog([Item("1", "Heat", 1995, ("Crime",), imdb_id="tt0113277"),
                       Item("2", "Coco", 2017, ("Animation",), imdb_id="tt9999999"),
                       Item("3", "Twin", 2001, (), imdb_id="tt2380307"),
                       Item("4", "Twin b", 2001, (), imdb_id="tt2380307")])
    movies = [RedialMovie("8", "Heat", None), RedialMovie("9", "Coco", 2017),
              RedialMovie("7", "Get Out", 2017)]
    by_title = np.array([-1, 1, -1])
    rows = link_by_imdb(movies, FACTS, catalog, by_title)
    assert rows.tolist() == [0, 1, -1]  # Heat by id; Coco's id names two items: title link kept


def test_unlinked_movies_match_genres_people_and_keywords_from_their_facts():
    items = [facts_item(RedialMovie(k, v["name"], None), v) for k, v in FACTS.items()]
    matches = FactMatches(np.array([4, 5, 6]), items)
    assert matches.genre_match({"Horror", "Comedy"}).tolist() == [0.5, 0.0, 0.0]
    assert matches.person_match({"al pacino"}).tolist() == [0.0, 1.0, 0.0]
    assert matches.person_match({"Jordan Peele"}).tolist() == [1.0, 0.0, 0.0]
    assert matches.keyword_match({"kaluuya"}, set()).tolist() == [1.0, 0.0, 0.0]
    assert matches.keyword_match(set(), {"pacino"}).tolist() == [0.0, -1.0, 0.0]
