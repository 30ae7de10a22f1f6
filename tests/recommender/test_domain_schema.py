"""A domain schema and its tables: a small recipe domain written into tmp_path loads into typed
columns, and every mistake a person makes gives one message naming the file, the field and the
row (recommender/domain/schema.py, recommender/data/tables.py)."""

import json

import numpy as np
import pytest

from recommender.data.facet_values import CellError, number
from recommender.data.tables import read_tables
from recommender.domain.schema import SchemaError, load_schema

ITEMS = """recipe_id,name,cuisine,minutes,price,vegetarian,ingredients,description
r1,Pad Thai,thai,30,$12.99,no,noodles|peanut|lime,"Stir-fried noodles, sweet and sour."
r2,Margherita,italian,20 min,$9.50,yes,tomato|basil|cheese,A classic pizza.
r3,Tacos,mexican,25,"$1,299",no,tortilla|beef,Street tacos with salsa.
"""
RATINGS = """user,recipe,stars,when
u1,r1,5,2024-05-01
u1,r2,2,2024-05-02
u2,r1,4,1714600000
"""
SCHEMA = """
domain: recipes
noun: recipe
ratings: {min: 1, max: 5, like_threshold: 4}
tables:
  items:
    path: items.csv
    fields: {id: recipe_id, title: name}
  interactions:
    path: ratings.csv
    fields: {user: user, item: recipe, rating: stars, timestamp: when}
facets:
  cuisine: {type: categorical, synonyms: {thai: [siamese]}, reason: "a {value} dish"}
  minutes: {type: numeric, unit: min, comparisons: [below], phrases: {below: ["under {value}"]}}
  price: {type: numeric, unit: "$"}
  vegetarian: {type: boolean, reason: "vegetarian"}
  ingredients: {type: multi_categorical, separator: "|"}
  description: {type: text}
"""


def write(folder, schema=SCHEMA, items=ITEMS, ratings=RATINGS, encoding="utf-8"):
    (folder / "items.csv").write_bytes(items.encode(encoding))
    (folder / "ratings.csv").write_text(ratings)
    path = folder / "recipes.yml"
    path.write_text(schema)
    return path


def error_of(path) -> SchemaError:
    with pytest.raises(SchemaError) as caught:
        read_tables(load_schema(path))
    return caught.value


def test_a_small_domain_loads_into_typed_columns(tmp_path):
    schema = load_schema(write(tmp_path))
    assert (schema.name, schema.noun, schema.plural) == ("recipes", "recipe", "recipes")
    assert schema.items.source.path == tmp_path.resolve() / "items.csv"  # beside the schema
    assert schema.facets["cuisine"].synonyms == {"thai": ("siamese",)}
    assert schema.facets["description"].filterable is False  # text is searched, not filtered
    table = read_tables(schema)
    assert table.ids == ["r1", "r2", "r3"] and table.titles[1] == "Margherita"
    assert table.facets["minutes"] == [30.0, 20.0, 25.0]  # "20 min": the unit stripped
    assert table.facets["price"] == [12.99, 9.5, 1299.0]  # "$12.99", "$1,299"
    assert table.facets["vegetarian"] == [False, True, False]
    assert table.facets["ingredients"][0] == ("noodles", "peanut", "lime")
    inter = table.interactions
    assert inter.items.tolist() == [0, 1, 0] and inter.user_ids.tolist() == ["u1", "u2"]
    assert inter.ratings.tolist() == [5.0, 2.0, 4.0]
    assert inter.timestamps[0] == 1714521600 and inter.timestamps[2] == 1714600000


def test_a_missing_column_lists_the_columns_the_table_has(tmp_path):
    error = error_of(write(tmp_path, SCHEMA.replace("cuisine: {type", "cuisine: {column: "
                                                    "kitchen, type")))
    assert str(error).startswith(f"{tmp_path.resolve() / 'items.csv'}: facets.cuisine.column:")
    assert "no column 'kitchen'" in str(error) and "recipe_id, name, cuisine" in str(error)


def test_a_value_of_the_wrong_type_names_file_field_row_and_value(tmp_path):
    items = ITEMS.replace("r3,Tacos,mexican,25,", "r3,Tacos,mexican,half an hour,")
    error = error_of(write(tmp_path, items=items))
    assert error.row == 3 and error.field_path == "facets.minutes (column 'minutes')"
    assert str(error) == (f"{tmp_path.resolve() / 'items.csv'}, row 3: facets.minutes "
                          f"(column 'minutes'): 'half an hour' is not a number (unit 'min')")


def test_duplicate_ids_name_both_rows(tmp_path):
    items = ITEMS.replace("r3,Tacos", "r1,Tacos")
    error = error_of(write(tmp_path, items=items))
    assert "items.csv, row 3: tables.items.fields.id: id 'r1' is also in row 1" in str(error)
    keep_first = SCHEMA.replace("path: items.csv", "path: items.csv\n    duplicate_ids: "
                                                   "keep_first")
    table = read_tables(load_schema(write(tmp_path, keep_first, items=items)))
    assert table.ids == ["r1", "r2"] and table.notes[0].startswith("1 rows repeat")


def test_a_file_that_is_not_utf8_says_which_line_and_what_to_declare(tmp_path):
    items = ITEMS.replace("Margherita", "Margherita Napoletana à la carte")
    error = error_of(write(tmp_path, items=items, encoding="latin-1"))
    assert str(error) == (f"{tmp_path.resolve() / 'items.csv'}: tables.items.encoding: line 3: "
                          f"byte 0xe0 is not UTF-8 text; declare the table's encoding, e.g. "
                          f"`encoding: latin-1` (Western Europe) or `encoding: cp1252`")
    declared = SCHEMA.replace("path: items.csv", "path: items.csv\n    encoding: latin-1")
    table = read_tables(load_schema(write(tmp_path, declared, items=items, encoding="latin-1")))
    assert table.titles[1] == "Margherita Napoletana à la carte"


def test_an_unknown_facet_type_lists_the_known_ones(tmp_path):
    path = write(tmp_path, SCHEMA.replace("cuisine: {type: categorical", "cuisine: {type: "
                                          "categoric"))
    with pytest.raises(SchemaError) as caught:
        load_schema(path)
    assert str(caught.value).startswith(f"{path.resolve()}: facets.cuisine.type: unknown facet "
                                        f"type 'categoric' (known: categorical, ")


def test_an_unknown_key_is_named_with_its_path_and_a_suggestion(tmp_path):
    path = write(tmp_path, SCHEMA.replace("unit: min", "unti: min"))
    with pytest.raises(SchemaError) as caught:
        load_schema(path)
    assert caught.value.field_path == "facets.minutes.unti"
    assert str(caught.value).endswith("did you mean 'unit'?")


@pytest.mark.parametrize("change, field, problem", [
    ("like_threshold: 4", "ratings.like_threshold", "9 is outside the scale 1..5"),
    ("{type: text}", "facets.description.filterable", "not filtered"),
    ('reason: "a {value} dish"', "facets.cuisine.reason", "needs {value}"),
    ("fields: {id: recipe_id, title: name}", "tables.items.fields.title", "missing"),
    ("path: ratings.csv", "tables.interactions", "exactly one of `path`"),
])
def test_schema_mistakes_name_the_field(tmp_path, change, field, problem):
    broken = {"like_threshold: 4": "like_threshold: 9",
              "{type: text}": "{type: text, filterable: true}",
              'reason: "a {value} dish"': 'reason: "a dish"',
              "fields: {id: recipe_id, title: name}": "fields: {id: recipe_id}",
              "path: ratings.csv": "path: ratings.csv\n    recipe: {package: x}"}[change]
    with pytest.raises(SchemaError) as caught:
        load_schema(write(tmp_path, SCHEMA.replace(change, broken)))
    assert caught.value.field_path == field and problem in caught.value.problem


def test_interaction_rows_are_checked_against_items_and_the_scale(tmp_path):
    error = error_of(write(tmp_path, ratings=RATINGS.replace("u2,r1,4", "u2,r9,4")))
    assert error.row == 3 and "item 'r9' is not in the item table" in str(error)
    error = error_of(write(tmp_path, ratings=RATINGS.replace("u1,r2,2", "u1,r2,7")))
    assert error.row == 2 and "outside the rating scale 1..5" in str(error)
    skip = SCHEMA.replace("path: ratings.csv", "path: ratings.csv\n    unknown_items: skip")
    table = read_tables(load_schema(write(tmp_path, skip, ratings=RATINGS.replace("u2,r1",
                                                                                  "u2,r9"))))
    assert table.interactions.items.tolist() == [0, 1] and "1 interactions" in table.notes[0]


def test_semicolons_quotes_and_tabs_are_sniffed(tmp_path):
    items = ITEMS.replace(",", ";").replace('"Stir-fried noodles; sweet and sour."',
                                            '"Stir-fried; ""sweet"" and sour."')
    items = items.replace("$1;299", "$1,299")
    table = read_tables(load_schema(write(tmp_path, items=items)))
    assert table.facets["description"][0] == 'Stir-fried; "sweet" and sour.'
    (tmp_path / "items.tsv").write_text(ITEMS.replace(",", "\t").replace("$1\t299", "$1,299")
                                        .replace('"Stir-fried noodles\t sweet and sour."',
                                                 "Noodles"))
    table = read_tables(load_schema(write(tmp_path, SCHEMA.replace("items.csv", "items.tsv"))))
    assert table.facets["ingredients"][1] == ("tomato", "basil", "cheese")


def test_json_records_with_nested_paths_and_several_values(tmp_path):
    products = [{"slug": "a", "name": "Alpha", "pricing": {"free": True, "plans": [
                    {"price": 0}, {"price": 12}, {"price": 18}]}, "tags": ["kanban", "docs"]},
                {"slug": "b", "name": "Beta", "pricing": {"free": False, "plans": [
                    {"price": 7}]}, "tags": []}]
    (tmp_path / "products.json").write_text(json.dumps(products))
    schema = """
tables: {items: {path: products.json, fields: {id: slug, title: name}}}
facets:
  price: {type: numeric, column: "pricing.plans[].price", aggregate: min_nonzero}
  free_plan: {type: boolean, column: pricing.free}
  tags: {type: multi_categorical}
"""
    (tmp_path / "tools.yml").write_text(schema)
    table = read_tables(load_schema(tmp_path / "tools.yml"))
    assert table.facets == {"price": [12.0, 7.0], "free_plan": [True, False],
                            "tags": [("kanban", "docs"), ()]}
    (tmp_path / "tools.yml").write_text(schema.replace(", aggregate: min_nonzero", ""))
    error = error_of(tmp_path / "tools.yml")
    assert error.row == 1 and "several numbers; set `aggregate`" in error.problem


def test_recbole_atomic_files_use_name_type_headers(tmp_path):
    (tmp_path / "films.item").write_text("item_id:token\ttitle:token_seq\tclass:token_seq\n"
                                         "10\tHeat\tAction Crime\n20\tClueless\tComedy\n")
    (tmp_path / "films.inter").write_text("user_id:token\titem_id:token\trating:float\n"
                                          "1\t20\t4\n2\t10\t5\n")
    (tmp_path / "films.yml").write_text("""
ratings: {min: 1, max: 5, like_threshold: 4}
tables:
  items: {path: films.item, fields: {id: item_id, title: title}}
  interactions: {path: films.inter, fields: {user: user_id, item: item_id, rating: rating}}
facets: {genres: {type: multi_categorical, column: class}}
""")
    table = read_tables(load_schema(tmp_path / "films.yml"))
    assert table.titles == ["Heat", "Clueless"]
    assert table.facets["genres"] == [("Action", "Crime"), ("Comedy",)]
    assert table.interactions.items.tolist() == [1, 0]


def test_numbers_with_units_and_signs():
    assert number("$12.99") == 12.99 and number("120 min", "min") == 120.0
    assert number("1,299") == 1299.0 and number(" 4.5 ") == 4.5
    for text, unit in (("12-15", None), ("120 min", None), ("abc", None), ("1,2", None)):
        with pytest.raises(CellError):
            number(text, unit)


def test_a_year_column_with_zeros_reads_them_as_unknown_when_declared(tmp_path):
    items = "id,title,year\na,A,1999\nb,B,0\n"
    (tmp_path / "items.csv").write_text(items)
    schema = "tables: {items: {path: items.csv, fields: {id: id, title: title}}}\n" \
             "facets: {year: {type: year}}\n"
    (tmp_path / "s.yml").write_text(schema)
    error = error_of(tmp_path / "s.yml")
    assert error.row == 2 and "add it to `missing`" in error.problem
    (tmp_path / "s.yml").write_text(schema.replace("{type: year}", '{type: year, missing: ["0"]}'))
    assert read_tables(load_schema(tmp_path / "s.yml")).facets["year"] == [1999, None]
    assert np.isnan(np.array(read_tables(load_schema(tmp_path / "s.yml")).facets["year"],
                             dtype=float)[1])
