"""Read Rasa 3.x YAML NLU training data without depending on Rasa.

The file format (https://rasa.com/docs/rasa/training-data-format):

    version: "3.1"
    nlu:
    - intent: request_recommendation
      examples: |
        - [funny](genre) from the [90s](year), no [romance]{"entity": "genre", "role": "unwanted"}
    - synonym: Comedy
      examples: |
        - funny
    - lookup: genre
      examples: |
        - comedy

Entity markup inside an example, as Rasa writes it:

    [text](entity)                      value = text
    [text](entity:value)                value given explicitly (a synonym of text)
    [text]{"entity": "genre", "role": "unwanted", "value": "Romance", "group": "1"}
    [text][{"entity": "a"}, {"entity": "b"}]     several entities on one span

`Example.text` is the plain text with the markup removed; entity offsets index into it.
Malformed markup, lines of an `examples: |` block that do not start with "-", unknown keys and
conflicting synonyms raise NluDataError (a ValueError) naming the file and line.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

__all__ = [
    "AnnotatedEntity",
    "Example",
    "NluData",
    "NluDataError",
    "load_nlu_yaml",
    "parse_example",
    "parse_nlu_yaml",
    "split_train_test",
]

_BLOCK_KINDS = ("intent", "synonym", "lookup", "regex")
_ALLOWED_KEYS = {"intent": {"metadata"}, "synonym": set(), "lookup": set(), "regex": set()}
_ENTITY_KEYS = {"entity", "value", "role", "group"}


class NluDataError(ValueError):
    """Malformed NLU training data (a ValueError; the message names the file and line)."""


@dataclass(frozen=True)
class AnnotatedEntity:
    """One annotated span of an example: text[start:end] is the surface text."""

    start: int
    end: int
    value: str  # the explicit value if the markup gives one, else the surface text
    entity: str
    role: str | None = None
    group: str | None = None


@dataclass
class Example:
    text: str
    intent: str
    entities: list[AnnotatedEntity] = field(default_factory=list)
    source: str = field(default="", compare=False)  # "path:line", for messages

    def surface(self, entity: AnnotatedEntity) -> str:
        return self.text[entity.start : entity.end]


@dataclass
class NluData:
    examples: list[Example] = field(default_factory=list)
    synonyms: dict[str, str] = field(default_factory=dict)  # lower-cased synonym -> canonical
    lookups: dict[str, list[str]] = field(default_factory=dict)
    regexes: dict[str, list[str]] = field(default_factory=dict)

    @property
    def intents(self) -> list[str]:
        """Intent names in order of first appearance."""
        return list(dict.fromkeys(ex.intent for ex in self.examples))

    def by_intent(self) -> dict[str, list[Example]]:
        out: dict[str, list[Example]] = {}
        for ex in self.examples:
            out.setdefault(ex.intent, []).append(ex)
        return out

    def canonical(self, value: str) -> str:
        """The canonical value of a surface text or annotated value (itself if no synonym)."""
        return self.synonyms.get(value.lower(), value)


# --------------------------------------------------------------------------- example markup


def parse_example(markup: str) -> tuple[str, list[AnnotatedEntity]]:
    """Split one annotated example into its plain text and entities. Raises NluDataError."""
    plain: list[str] = []
    pos = 0  # length of the plain text so far
    entities: list[AnnotatedEntity] = []
    i, n = 0, len(markup)
    while i < n:
        c = markup[i]
        if c == "]":
            raise NluDataError(f"unmatched ']' at column {i + 1}")
        if c != "[":
            plain.append(c)
            pos += 1
            i += 1
            continue
        close = markup.find("]", i + 1)
        if close < 0:
            raise NluDataError(f"unclosed '[' at column {i + 1}")
        surface = markup[i + 1 : close]
        if "[" in surface:
            raise NluDataError(f"nested '[' inside the entity text starting at column {i + 1}")
        if not surface.strip():
            raise NluDataError(f"empty entity text at column {i + 1}")
        if surface != surface.strip():
            raise NluDataError(f"entity text {surface!r} starts or ends with whitespace")
        j = close + 1
        opener = markup[j] if j < n else ""
        if opener == "(":
            k = markup.find(")", j + 1)
            if k < 0:
                raise NluDataError(f"unclosed '(' after [{surface}]")
            specs = [_paren_spec(markup[j + 1 : k], surface)]
        elif opener == "{":
            k = markup.find("}", j + 1)
            if k < 0:
                raise NluDataError(f"unclosed '{{' after [{surface}]")
            specs = [_json_spec(markup[j : k + 1], surface)]
        elif opener == "[":
            k = markup.find("]", j + 1)
            if k < 0:
                raise NluDataError(f"unclosed '[' of the entity list after [{surface}]")
            specs = _json_list_spec(markup[j : k + 1], surface)
        else:
            raise NluDataError(
                f"[{surface}] is not followed by (entity), {{...}} or [{{...}}] entity markup"
            )
        for spec in specs:
            entities.append(
                AnnotatedEntity(
                    start=pos,
                    end=pos + len(surface),
                    value=spec.get("value") or surface,
                    entity=spec["entity"],
                    role=spec.get("role"),
                    group=spec.get("group"),
                )
            )
        plain.append(surface)
        pos += len(surface)
        i = k + 1
    return "".join(plain), entities


def _check_name(name: str, what: str, surface: str) -> str:
    if not name or any(ch.isspace() for ch in name) or any(ch in name for ch in "[](){}:"):
        raise NluDataError(f"bad {what} name {name!r} for [{surface}]")
    return name


def _paren_spec(body: str, surface: str) -> dict[str, str]:
    name, sep, value = body.partition(":")
    spec = {"entity": _check_name(name.strip(), "entity", surface)}
    if sep:
        value = value.strip()
        if not value:
            raise NluDataError(f"empty value in ({body}) for [{surface}]")
        spec["value"] = value
    return spec


def _json_spec(body: str, surface: str) -> dict[str, str]:
    try:
        obj = json.loads(body)
    except json.JSONDecodeError as exc:
        raise NluDataError(f"invalid JSON {body!r} for [{surface}]: {exc.msg}") from None
    return _check_spec(obj, body, surface)


def _json_list_spec(body: str, surface: str) -> list[dict[str, str]]:
    try:
        obj = json.loads(body)
    except json.JSONDecodeError as exc:
        raise NluDataError(f"invalid JSON {body!r} for [{surface}]: {exc.msg}") from None
    if not isinstance(obj, list) or not obj:
        raise NluDataError(f"entity list {body!r} for [{surface}] must be a non-empty JSON list")
    return [_check_spec(item, body, surface) for item in obj]


def _check_spec(obj: object, body: str, surface: str) -> dict[str, str]:
    if not isinstance(obj, dict):
        raise NluDataError(f"entity markup {body!r} for [{surface}] must be a JSON object")
    unknown = set(obj) - _ENTITY_KEYS
    if unknown:
        raise NluDataError(f"unknown key(s) {sorted(unknown)} in {body!r} for [{surface}]")
    if "entity" not in obj:
        raise NluDataError(f'missing "entity" in {body!r} for [{surface}]')
    spec: dict[str, str] = {}
    for key, val in obj.items():
        if key == "group" and isinstance(val, int) and not isinstance(val, bool):
            val = str(val)
        if not isinstance(val, str) or not val.strip():
            raise NluDataError(f"{key!r} must be a non-empty string in {body!r} for [{surface}]")
        spec[key] = val.strip()
    _check_name(spec["entity"], "entity", surface)
    if "role" in spec:
        _check_name(spec["role"], "role", surface)
    return spec


# --------------------------------------------------------------------------- YAML file


def load_nlu_yaml(path: str | Path) -> NluData:
    """Load one Rasa YAML NLU file. Raises NluDataError (with file and line) on bad content."""
    path = Path(path)
    return parse_nlu_yaml(path.read_text(encoding="utf-8"), source=str(path))


def parse_nlu_yaml(text: str, source: str = "<string>") -> NluData:
    """Parse Rasa YAML NLU data from a string; `source` names it in error messages."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise NluDataError(f"{source}: invalid YAML: {exc}") from None
    data = NluData()
    if root is None:
        return data
    if not isinstance(root, yaml.MappingNode):
        raise NluDataError(f"{source}:{_line(root)}: the top level must be a mapping")
    nlu = _mapping(root).get("nlu")
    if nlu is None:
        return data
    nlu_node = nlu[1]
    if not isinstance(nlu_node, yaml.SequenceNode):
        raise NluDataError(f"{source}:{_line(nlu_node)}: 'nlu' must be a list")
    for item in nlu_node.value:
        _parse_item(item, source, data)
    return data


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _mapping(node: yaml.MappingNode) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode):
            out[key.value] = (key, value)
    return out


def _scalar(node: yaml.Node, what: str, source: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
        raise NluDataError(f"{source}:{_line(node)}: {what} must be a non-empty string")
    return str(node.value).strip()


def _parse_item(item: yaml.Node, source: str, data: NluData) -> None:
    if not isinstance(item, yaml.MappingNode):
        raise NluDataError(f"{source}:{_line(item)}: each 'nlu' entry must be a mapping")
    keys = _mapping(item)
    kinds = [k for k in _BLOCK_KINDS if k in keys]
    if len(kinds) != 1:
        raise NluDataError(
            f"{source}:{_line(item)}: each 'nlu' entry needs exactly one of {list(_BLOCK_KINDS)}"
        )
    kind = kinds[0]
    unknown = set(keys) - {kind, "examples"} - _ALLOWED_KEYS[kind]
    if unknown:
        raise NluDataError(f"{source}:{_line(item)}: unknown key(s) {sorted(unknown)} in {kind}")
    name = _scalar(keys[kind][1], f"the {kind} name", source)
    if "examples" not in keys:
        raise NluDataError(f"{source}:{_line(item)}: {kind} {name!r} has no 'examples'")
    lines = list(_example_lines(keys["examples"][1], source))

    if kind == "intent":
        for markup, line in lines:
            where = f"{source}:{line}"
            try:
                text, entities = parse_example(markup)
            except NluDataError as exc:
                raise NluDataError(f"{where}: {exc} in example {markup!r}") from None
            for ent in entities:
                surface = text[ent.start : ent.end]
                if ent.value != surface:
                    _add_synonym(data, surface, ent.value, where)
            data.examples.append(Example(text, name, entities, source=where))
    elif kind == "synonym":
        for value, line in lines:
            _add_synonym(data, value, name, f"{source}:{line}")
    elif kind == "lookup":
        data.lookups.setdefault(name, []).extend(value for value, _ in lines)
    else:
        data.regexes.setdefault(name, []).extend(value for value, _ in lines)


def _add_synonym(data: NluData, synonym: str, canonical: str, where: str) -> None:
    key = synonym.strip().lower()
    old = data.synonyms.get(key)
    if old is not None and old != canonical:
        raise NluDataError(f"{where}: synonym {synonym!r} maps to both {old!r} and {canonical!r}")
    data.synonyms[key] = canonical


def _example_lines(node: yaml.Node, source: str) -> Iterable[tuple[str, int]]:
    """(example text, 1-based file line) for an `examples:` value (block string or list)."""
    if isinstance(node, yaml.ScalarNode):
        # Content of a `|` block starts on the line after the indicator.
        first = node.start_mark.line + (2 if node.style in ("|", ">") else 1)
        for offset, raw in enumerate(str(node.value).splitlines()):
            line = first + offset
            stripped = raw.strip()
            if not stripped:
                continue
            if not stripped.startswith("-"):
                raise NluDataError(
                    f"{source}:{line}: example lines must start with '- ', got {stripped!r}"
                )
            example = stripped[1:].strip()
            if not example:
                raise NluDataError(f"{source}:{line}: empty example")
            yield example, line
    elif isinstance(node, yaml.SequenceNode):
        for elem in node.value:
            if isinstance(elem, yaml.MappingNode):
                text_node = _mapping(elem).get("text")
                if text_node is None:
                    raise NluDataError(f"{source}:{_line(elem)}: example entry without 'text'")
                yield _scalar(text_node[1], "an example's text", source), _line(text_node[1])
            else:
                yield _scalar(elem, "an example", source), _line(elem)
    else:
        raise NluDataError(f"{source}:{_line(node)}: 'examples' must be a '|' block or a list")


# --------------------------------------------------------------------------- split


def split_train_test(
    examples: Sequence[Example], test_fraction: float = 0.2, seed: int = 0
) -> tuple[list[Example], list[Example]]:
    """Stratified, deterministic split: per intent, round(n * test_fraction) examples go to test
    (at least 1 and at most n - 1 when the intent has two or more; single examples stay in
    train). Each intent is shuffled by its own seeded generator, so adding examples to one intent
    does not move another's. Both parts keep the input order."""
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    groups: dict[str, list[int]] = {}
    for i, ex in enumerate(examples):
        groups.setdefault(ex.intent, []).append(i)
    test_idx: set[int] = set()
    for intent, idx in groups.items():
        n = len(idx)
        if n < 2:
            continue
        k = min(max(math.floor(n * test_fraction + 0.5), 1), n - 1)
        rng = random.Random(f"{seed}:{intent}")
        test_idx.update(rng.sample(idx, k))
    train = [ex for i, ex in enumerate(examples) if i not in test_idx]
    test = [ex for i, ex in enumerate(examples) if i in test_idx]
    return train, test
