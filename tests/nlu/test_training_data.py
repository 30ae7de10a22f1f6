"""Tests of the Rasa YAML NLU loader (nlu/training_data.py) and of data/nlu.yml itself."""

from __future__ import annotations

import json
import re
import textwrap
from collections import Counter
from pathlib import Path

import pytest
import yaml

from nlu.training_data import (
    AnnotatedEntity,
    Example,
    load_nlu_yaml,
    parse_example,
    parse_nlu_yaml,
    split_train_test,
)
from nlu.types import INTENTS, UNWANTED

ROOT = Path(__file__).resolve().parents[2]
NLU_FILE = ROOT / "data" / "nlu.yml"
ENTITY_TYPES = {"title", "person", "genre", "year", "keyword", "reference"}
CATALOG_GENRES = {
    "Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary", "Drama",
    "Fantasy", "Film-Noir", "Horror", "IMAX", "Musical", "Mystery", "Romance", "Sci-Fi",
    "Thriller", "War", "Western",
}


def _yaml(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


# --------------------------------------------------------------------------- markup


def test_parse_example_plain_text_and_offsets():
    text, ents = parse_example(
        'something [funny](genre) from the [90s](year), not a [romance]{"entity": "genre", '
        '"role": "unwanted"}'
    )
    assert text == "something funny from the 90s, not a romance"
    assert ents == [
        AnnotatedEntity(10, 15, "funny", "genre"),
        AnnotatedEntity(25, 28, "90s", "year"),
        AnnotatedEntity(36, 43, "romance", "genre", role="unwanted"),
    ]
    assert [text[e.start : e.end] for e in ents] == ["funny", "90s", "romance"]


def test_parse_example_value_forms():
    text, ents = parse_example(
        '[Nolan](person:Christopher Nolan) or [scary]{"entity": "genre", "value": "Horror", '
        '"role": "unwanted", "group": 2}'
    )
    assert text == "Nolan or scary"
    assert ents == [
        AnnotatedEntity(0, 5, "Christopher Nolan", "person"),
        AnnotatedEntity(9, 14, "Horror", "genre", role="unwanted", group="2"),
    ]


def test_parse_example_entity_list_form_and_no_markup():
    text, ents = parse_example('watch [Heat][{"entity": "title"}, {"entity": "keyword"}] (1995)')
    assert text == "watch Heat (1995)"
    assert ents == [
        AnnotatedEntity(6, 10, "Heat", "title"),
        AnnotatedEntity(6, 10, "Heat", "keyword"),
    ]
    assert parse_example("plain (text) {ok}") == ("plain (text) {ok}", [])


@pytest.mark.parametrize(
    "markup",
    [
        "a [comedy] please",  # brackets without an entity
        "a [comedy](genre please",  # unclosed (
        'a [comedy]{"entity": "genre" please',  # unclosed {
        "a [comedy please",  # unclosed [
        "a comedy](genre)",  # stray ]
        "a [](genre)",  # empty text
        "a [ comedy](genre)",  # whitespace inside the span
        "a [comedy]()",  # empty entity name
        "a [comedy](genre:)",  # empty value
        "a [comedy](my genre)",  # space in the name
        "a [[comedy](genre)](genre)",  # nested
        "a [comedy]{entity: genre}",  # not JSON
        'a [comedy]{"role": "unwanted"}',  # no entity
        'a [comedy]{"entity": "genre", "polarity": "no"}',  # unknown key
        'a [comedy]{"entity": "genre", "role": ""}',  # empty role
        'a [comedy]{"entity": 3}',  # not a string
        "a [comedy][]",  # empty entity list
    ],
)
def test_parse_example_malformed(markup):
    with pytest.raises(ValueError):
        parse_example(markup)


# --------------------------------------------------------------------------- YAML


SMALL = _yaml(
    """
    version: "3.1"
    nlu:
    - intent: request_recommendation
      examples: |
        - any good [horror](genre) movies from the [80s](year)?
        - something [funny](genre:Comedy), not with [Nolan]{"entity": "person", "role": "unwanted"}

    - intent: greet
      examples: |
        - hi
        -hello there
    - synonym: Sci-Fi
      examples: |
        - Sci Fi
        - science fiction
    - lookup: genre
      examples: |
        - comedy
        - horror
    - regex: year
      examples: |
        - (19|20)\\d\\d
    """
)


def test_parse_nlu_yaml_small():
    data = parse_nlu_yaml(SMALL, source="small.yml")
    assert [(e.intent, e.text) for e in data.examples] == [
        ("request_recommendation", "any good horror movies from the 80s?"),
        ("request_recommendation", "something funny, not with Nolan"),
        ("greet", "hi"),
        ("greet", "hello there"),
    ]
    assert data.examples[0].entities == [
        AnnotatedEntity(9, 15, "horror", "genre"),
        AnnotatedEntity(32, 35, "80s", "year"),
    ]
    second = data.examples[1]
    assert second.entities == [
        AnnotatedEntity(10, 15, "Comedy", "genre"),
        AnnotatedEntity(26, 31, "Nolan", "person", role=UNWANTED),
    ]
    assert [second.surface(e) for e in second.entities] == ["funny", "Nolan"]
    assert data.examples[2].entities == []
    # synonym blocks (lower-cased keys) plus the inline (entity:value) annotation
    assert data.synonyms == {"funny": "Comedy", "sci fi": "Sci-Fi", "science fiction": "Sci-Fi"}
    assert data.canonical("SCI FI") == "Sci-Fi"
    assert data.canonical("drama") == "drama"
    assert data.lookups == {"genre": ["comedy", "horror"]}
    assert data.regexes == {"year": ["(19|20)\\d\\d"]}
    assert data.intents == ["request_recommendation", "greet"]
    assert {k: len(v) for k, v in data.by_intent().items()} == {
        "request_recommendation": 2,
        "greet": 2,
    }
    # line numbers of the examples in the file
    assert [e.source for e in data.examples] == [
        "small.yml:5",
        "small.yml:6",
        "small.yml:10",
        "small.yml:11",
    ]


def test_examples_as_list_of_texts():
    data = parse_nlu_yaml(
        _yaml(
            """
            nlu:
            - intent: seen
              examples:
              - text: seen [it](reference)
                metadata: {sentiment: neutral}
              - already watched [Heat](title)
            """
        )
    )
    assert [(e.text, e.entities) for e in data.examples] == [
        ("seen it", [AnnotatedEntity(5, 7, "it", "reference")]),
        ("already watched Heat", [AnnotatedEntity(16, 20, "Heat", "title")]),
    ]


def test_empty_and_non_nlu_files():
    assert parse_nlu_yaml("").examples == []
    assert parse_nlu_yaml('version: "3.1"\nresponses: {}\n').examples == []


def test_malformed_markup_error_names_file_and_line(tmp_path):
    path = tmp_path / "bad.yml"
    path.write_text(
        _yaml(
            """
            version: "3.1"
            nlu:
            - intent: refine
              examples: |
                - older
                - less [violent]{"entity": "keyword", "role": unwanted}
            """
        ),
        encoding="utf-8",
    )
    with pytest.raises(ValueError) as err:
        load_nlu_yaml(path)
    msg = str(err.value)
    assert f"{path}:6:" in msg
    assert "less [violent]" in msg


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (
            "nlu:\n- intent: greet\n  examples: |\n    - hi\n    hello\n",
            "<string>:5: example lines",
        ),
        ("nlu:\n- intent: greet\n", "has no 'examples'"),
        ("nlu:\n- intent: greet\n  exampels: |\n    - hi\n", "unknown key"),
        ("nlu:\n- examples: |\n    - hi\n", "exactly one of"),
        ("nlu: {intent: greet}\n", "'nlu' must be a list"),
        ("nlu:\n- intent: greet\n  examples: |\n    - [hi\n", "unclosed '['"),
        ("nlu: [\n", "invalid YAML"),
        (
            (
                "nlu:\n- synonym: Comedy\n  examples: |\n    - funny\n"
                "- synonym: Horror\n  examples: |\n    - Funny\n"
            ),
            "maps to both",
        ),
    ],
)
def test_malformed_files(text, fragment):
    with pytest.raises(ValueError, match=re.escape(fragment)):
        parse_nlu_yaml(text)


# --------------------------------------------------------------------------- split


def _synthetic(counts: dict[str, int]) -> list[Example]:
    return [Example(f"{intent} {i}", intent) for intent, n in counts.items() for i in range(n)]


def test_split_is_stratified_deterministic_and_ordered():
    examples = _synthetic({"a": 10, "b": 5, "c": 2, "d": 1})
    train, test = split_train_test(examples, test_fraction=0.2, seed=0)
    assert Counter(e.intent for e in test) == {"a": 2, "b": 1, "c": 1}
    assert Counter(e.intent for e in train) == {"a": 8, "b": 4, "c": 1, "d": 1}
    assert sorted(e.text for e in train + test) == sorted(e.text for e in examples)
    assert (train, test) == split_train_test(examples, test_fraction=0.2, seed=0)
    # input order is kept in both parts
    order = {e.text: i for i, e in enumerate(examples)}
    assert [order[e.text] for e in train] == sorted(order[e.text] for e in train)
    assert [order[e.text] for e in test] == sorted(order[e.text] for e in test)
    # one intent's split does not depend on the others
    alone_train, alone_test = split_train_test(_synthetic({"a": 10}), 0.2, 0)
    assert [e.text for e in alone_test] == [e.text for e in test if e.intent == "a"]
    assert [e.text for e in alone_train] == [e.text for e in train if e.intent == "a"]


def test_split_rejects_bad_fraction():
    for frac in (0.0, 1.0, -0.1, 1.5):
        with pytest.raises(ValueError):
            split_train_test(_synthetic({"a": 3}), test_fraction=frac)


# --------------------------------------------------------------------------- data/nlu.yml


@pytest.fixture(scope="module")
def nlu():
    return load_nlu_yaml(NLU_FILE)


def test_nlu_file_is_rasa_3_yaml():
    raw = yaml.safe_load(NLU_FILE.read_text(encoding="utf-8"))
    assert raw["version"] == "3.1"
    assert isinstance(raw["nlu"], list)
    for item in raw["nlu"]:
        assert set(item) in (
            {"intent", "examples"}, {"synonym", "examples"}, {"lookup", "examples"}
        )
        assert isinstance(item["examples"], str)


def test_every_intent_present_with_enough_examples(nlu):
    counts = Counter(e.intent for e in nlu.examples)
    assert set(counts) == set(INTENTS)
    for intent in INTENTS:
        assert counts[intent] >= 35, (intent, counts[intent])


def test_entity_types_and_roles(nlu):
    types = Counter()
    roles = Counter()
    for ex in nlu.examples:
        for ent in ex.entities:
            types[ent.entity] += 1
            roles[ent.role] += 1
            surface = ex.surface(ent)
            assert surface and surface == surface.strip(), ex.source
            assert ent.group is None, ex.source
    assert set(types) == ENTITY_TYPES
    assert set(roles) == {None, UNWANTED}
    unwanted_types = {
        e.entity for ex in nlu.examples for e in ex.entities if e.role == UNWANTED
    }
    assert {"genre", "person", "keyword"} <= unwanted_types


def test_no_duplicate_examples(nlu):
    def norm(text: str) -> str:
        return re.sub(r"\W+", " ", text.lower()).strip()

    counts = Counter(norm(e.text) for e in nlu.examples)
    assert [t for t, n in counts.items() if n > 1] == []


def test_genre_mentions_map_to_catalog_genres(nlu):
    assert set(nlu.synonyms.values()) - CATALOG_GENRES == {
        v for v in nlu.synonyms.values() if re.fullmatch(r"\d{4}-\d{4}", v)
    }
    for genre in CATALOG_GENRES:
        assert nlu.canonical(genre.lower()) == genre
    for ex in nlu.examples:
        for ent in ex.entities:
            if ent.entity == "genre":
                assert nlu.canonical(ent.value) in CATALOG_GENRES, (ex.source, ent.value)


def test_year_mentions_contain_a_decade_or_year(nlu):
    decade_words = {k for k, v in nlu.synonyms.items() if re.fullmatch(r"\d{4}-\d{4}", v)}
    for ex in nlu.examples:
        for ent in ex.entities:
            if ent.entity == "year":
                value = ent.value.lower()
                assert value in decade_words or re.search(r"\d\d", value), (ex.source, value)


def test_split_of_real_data(nlu):
    train, test = split_train_test(nlu.examples, test_fraction=0.2, seed=0)
    assert (train, test) == split_train_test(nlu.examples, test_fraction=0.2, seed=0)
    assert len(train) + len(test) == len(nlu.examples)
    assert {e.text for e in train}.isdisjoint({e.text for e in test})
    assert {e.intent for e in train} == set(INTENTS)
    assert {e.intent for e in test} == set(INTENTS)
    by_intent = Counter(e.intent for e in nlu.examples)
    test_counts = Counter(e.intent for e in test)
    for intent, n in by_intent.items():
        assert test_counts[intent] == int(n * 0.2 + 0.5)
    _, other_test = split_train_test(nlu.examples, test_fraction=0.2, seed=1)
    assert {e.text for e in other_test} != {e.text for e in test}


DATASETS = ROOT.parent / "shared" / "datasets"


def test_no_sentence_copied_from_the_evaluation_dialogues(nlu):
    """data/nlu.yml is our own writing: no example of 4+ words may equal a message (or one of
    its sentences) of the data the NLU is evaluated on: ReDial's valid split and IARD. Training
    conversations may share ordinary sentences ("i'm not really into superhero movies")."""
    iard = DATASETS / "iard-dev" / "iard_annotated_partial_dev.json"
    redial = [DATASETS / "redial-dev" / "valid_data.jsonl"]
    if not iard.exists() and not any(p.exists() for p in redial):
        pytest.skip("development datasets not present")

    def norm(text: str) -> str:
        return re.sub(r"\s+", " ", re.sub(r"[^\w' ]+", " ", text.lower())).strip()

    def pieces(text: str) -> list[str]:
        text = re.sub(r"@\d+", " ", text)
        return [norm(text)] + [norm(s) for s in re.split(r"\.\.\.|[.!?]", text)]

    seen: set[str] = set()
    if iard.exists():
        for conv in json.loads(iard.read_text(encoding="utf-8")):
            for turn in conv["conversation"]:
                seen.update(pieces(turn["utterance"]))
    for path in redial:
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                for msg in json.loads(line)["messages"]:
                    seen.update(pieces(msg["text"]))
    copied = [
        e.text for e in nlu.examples if len(norm(e.text).split()) >= 4 and norm(e.text) in seen
    ]
    assert copied == []
