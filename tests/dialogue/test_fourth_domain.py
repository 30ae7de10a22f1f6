"""A fourth domain needs no code (issue 10): 40 recipes and a schema written into a temporary
folder hold a whole conversation through `convrec chat --schema PATH --json` (the command's own
entry, in this process: the catalog is built from the schema, then each stdin line is a turn)."""

from __future__ import annotations

import csv
import io
import sys

import pytest

from tests.support.domains import chat, domain_config

CUISINES = ("italian", "thai", "mexican", "indian")
DISHES = {"italian": ("risotto", "pasta", "minestrone", "frittata", "lasagne"),
          "thai": ("green curry", "pad thai", "tom yum", "noodle salad", "satay"),
          "mexican": ("tacos", "enchiladas", "burrito bowl", "chili", "quesadilla"),
          "indian": ("dal", "biryani", "korma", "chana masala", "saag")}
INGREDIENTS = ("rice", "tofu", "chicken", "beans", "spinach", "tomato", "cheese", "beef")
SCHEMA = """\
domain: recipes
noun: recipe
plural: recipes
tables:
  items:
    path: recipes.csv
    fields: {id: recipe_id, title: name}
facets:
  cuisine: {type: categorical, reason: "{value} cooking"}
  minutes:
    type: numeric
    unit: min
    comparisons: [below, above, between]
    reason: "ready in {value}"
  vegetarian: {type: boolean, reason: "vegetarian"}
  ingredients: {type: multi_categorical, separator: "|", reason: "with {value}"}
  description: {type: text}
"""


def write_recipes(folder) -> None:
    """40 recipes: 10 per cuisine, cooking times 10-60 minutes, two in three vegetarian."""
    with (folder / "recipes.csv").open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["recipe_id", "name", "cuisine", "minutes", "vegetarian", "ingredients",
                      "description"])
        for n in range(40):
            cuisine = CUISINES[n % 4]
            dish = DISHES[cuisine][(n // 4) % 5]
            vegetarian = n % 3 != 2
            meat = () if vegetarian else (INGREDIENTS[2 + 5 * (n % 2)],)
            ingredients = (INGREDIENTS[n % 2], INGREDIENTS[3 + n % 4]) + meat
            minutes = 10 + (n * 7) % 51
            name = f"{'Garden' if vegetarian else 'Hearty'} {dish} no. {n + 1}"
            out.writerow([f"r{n + 1}", name, cuisine, f"{minutes} min",
                          "yes" if vegetarian else "no", "|".join(ingredients),
                          f"{cuisine.capitalize()} {dish} with {', '.join(ingredients)}."])
    (folder / "recipes.yml").write_text(SCHEMA, encoding="utf-8")


@pytest.fixture
def recipes(tmp_path):
    write_recipes(tmp_path)
    return domain_config(tmp_path), tmp_path / "recipes.yml"


def test_a_whole_conversation_about_recipes(recipes, tmp_path, monkeypatch, capsys):
    config, schema = recipes
    replies = chat(config, schema, [
        "hi",
        "a vegetarian recipe under 30 minutes",
        "quicker",
        "not the first one",
        "more like the second one",
        "start over",
        "a thai recipe with tofu",
        "thanks, bye",
    ], monkeypatch, capsys)
    assert len(replies) == 8 and not any("error" in r for r in replies)
    greet, asked, quicker, replaced, similar, _, thai, bye = replies
    assert "recipes" in greet["text"]
    assert len(asked["items"]) == 3
    for item in asked["items"]:
        assert item["facets"]["vegetarian"] is True and item["facets"]["minutes"] < 30
        assert "vegetarian" in item["reason"] and "ready in" in item["reason"]
    median = sorted(i["facets"]["minutes"] for i in asked["items"])[1]
    assert len(quicker["items"]) == 3
    assert all(i["facets"]["minutes"] < median and i["facets"]["vegetarian"]
               for i in quicker["items"])
    rejected = quicker["items"][0]["id"]
    assert rejected not in {i["id"] for i in replaced["items"]}
    assert [i["id"] for i in replaced["items"][1:]] == [i["id"] for i in quicker["items"][1:]]
    second = replaced["items"][1]["title"]
    assert similar["items"] and rejected not in {i["id"] for i in similar["items"]}
    assert any(f"close to {second}" in i["reason"] for i in similar["items"])
    assert all(i["facets"]["minutes"] < median for i in similar["items"])
    assert len(thai["items"]) == 3
    for item in thai["items"]:  # the reset forgot the time limit and the vegetarian wish
        assert item["facets"]["cuisine"] == "thai" and "tofu" in item["facets"]["ingredients"]
        assert item["reason"].startswith("thai cooking · with tofu")
    assert "recipe" in bye["text"]
    assert (tmp_path / "domains" / "recipes" / "manifest.json").exists()
    for reply in replies:
        assert "movie" not in reply["text"].lower() and "film" not in reply["text"].lower()


def test_a_schema_mistake_is_one_line_and_builds_nothing(recipes, tmp_path, monkeypatch, capsys):
    config, schema = recipes
    schema.write_text(SCHEMA.replace("type: numeric", "type: numerik"), encoding="utf-8")
    from bot.cli.main import main  # heavy: the command loads the agent's model stack

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"hi\n")))
    assert main(["--config", str(config), "chat", "--schema", str(schema), "--json"]) == 2
    err = capsys.readouterr().err
    assert "recipes.yml: facets.minutes.type: unknown facet type 'numerik'" in err
    assert not (tmp_path / "domains").exists()
