"""`convrec data init --items FILE [--interactions FILE] --out SCHEMA.yml`: write a first domain
schema for a person to review.

The tables' layout is sniffed (format from the extension, separator, quoting, header, and an
encoding other than UTF-8), the columns are guessed (recommender/data/schema_guess.py), and the
schema is written as YAML with each guess's evidence in a comment. Whole-or-nothing: the schema
text is parsed and both tables are read with it (recommender/data/tables.py) before the file is
written, so what is written loads and reads without edits.
"""

from __future__ import annotations

import csv
import json
import os
from datetime import date
from pathlib import Path

import yaml

from recommender.data.facet_values import CellError, number
from recommender.data.schema_guess import (
    Guess,
    guess_interaction_columns,
    guess_item_columns,
    rating_scale,
)
from recommender.data.tables import (
    EXTENSIONS,
    SNIFF_BYTES,
    DomainTable,
    RawTable,
    read_raw,
    read_tables,
    sniff,
)
from recommender.domain.schema import SchemaError, TableSource, TableSpec, parse_schema

FALLBACK_ENCODINGS = ("cp1252", "latin-1")  # latin-1 decodes any byte: the last resort


def _q(value) -> str:
    """A YAML scalar: JSON's quoting is valid YAML."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else str(value)


def sniffed_source(path: Path) -> TableSource:
    """A table's layout as the file shows it: format, encoding, separator, quote, header."""
    fmt = EXTENSIONS.get(path.suffix.lower(), "csv")
    try:
        payload = path.read_bytes()
    except OSError as error:
        raise SchemaError(path, "", f"cannot read it ({error.strerror or error})") from None
    encoding = None
    try:
        payload.decode("utf-8-sig")
    except UnicodeDecodeError:
        for candidate in FALLBACK_ENCODINGS:
            try:
                payload.decode(candidate)
            except UnicodeDecodeError:
                continue
            encoding = candidate
            break
    source = TableSource(path=path.resolve(), recipe=None, format=fmt, encoding=encoding)
    if fmt not in ("csv", "tsv"):
        return source
    text = payload[:SNIFF_BYTES].decode(encoding or "utf-8-sig", errors="replace")
    separator, quote = sniff(text, source, fmt)
    escape = "\\" if ("\\" + quote).encode() in payload else None  # \" inside quoted values
    return TableSource(path=source.path, recipe=None, format=fmt, separator=separator,
                       encoding=encoding, header=has_header(text, separator, quote), quote=quote,
                       escape=escape)


def has_header(text: str, separator: str, quote: str) -> bool:
    """Whether the first row names the columns: its cells are present, different and none is a
    number (csv.Sniffer's guess misreads tables whose columns are all text)."""
    rows = csv.reader(text.splitlines()[:1], delimiter=separator, quotechar=quote)
    first = [cell.strip() for cell in next(rows, [])]
    if not first or any(not cell for cell in first) or len(set(first)) < len(first):
        return False
    return not any(_is_number(cell) for cell in first)


def _is_number(text: str) -> bool:
    try:
        number(text)
    except CellError:
        return False
    return True


def _table_lines(key: str, source: TableSource, out_folder: Path, fields: list[Guess],
                 extra: list[str]) -> list[str]:
    relative = os.path.relpath(source.path, out_folder.resolve())
    lines = [f"  {key}:", f"    path: {_q(relative)}", f"    format: {source.format}"]
    if source.separator is not None:
        lines.append(f"    separator: {_q(source.separator)}")
    if source.quote != '"':
        lines.append(f"    quote: {_q(source.quote)}")
    if source.escape:
        lines.append(f"    escape: {_q(source.escape)}   # a quote inside a value is written "
                     f"{source.escape}{source.quote}")
    if source.encoding:
        lines.append(f"    encoding: {source.encoding}   # not UTF-8: read as {source.encoding}")
    if not source.header:
        lines.append("    header: false   # the first row is data; columns are column_1, ...")
    lines.append("    fields:")
    lines += [f"      {g.role}: {_q(g.column)}   # {g.evidence}" for g in fields]
    return lines + [f"    {line}" for line in extra]


def _facet_lines(guess: Guess) -> list[str]:
    facet = guess.facet
    lines = [f"  {facet.name}:   # {guess.evidence}", f"    type: {facet.type}",
             f"    column: {_q(facet.column)}"]
    if facet.separator:
        lines.append(f"    separator: {_q(facet.separator)}")
    if facet.roles:
        lines.append(f"    roles: [{', '.join(_q(r) for r in facet.roles)}]")
    if facet.unit:
        lines.append(f"    unit: {_q(facet.unit)}")
    if facet.missing:
        lines.append(f"    missing: [{', '.join(_q(m) for m in facet.missing)}]   # means unknown")
    if facet.aggregate:
        lines.append(f"    aggregate: {facet.aggregate}   # several values per item: one counts")
    if facet.type == "text":
        lines.append("    # text: embedded and searched, not filtered")
    return lines


def render(domain: str, items: tuple[TableSource, list[Guess]],
           interactions: tuple[TableSource, list[Guess], list[str]] | None,
           scale: dict | None, out: Path) -> str:
    """The schema's YAML text with the guesses' evidence as comments."""
    noun = domain[:-1] if domain.endswith("s") and len(domain) > 3 else domain
    plural = domain if noun != domain else domain + "s"
    lines = [f"# A first schema for {items[0].path.name}, written by `convrec data init` on "
             f"{date.today().isoformat()}.",
             "# Each guess says its evidence in a comment: review the types, names and wording,",
             f"# then check it: convrec data check --schema {out}",
             "# Reference: docs/SCHEMA.md",
             f"domain: {_q(domain)}",
             f"noun: {_q(noun)}       # what the chat calls one item",
             f"plural: {_q(plural)}"]
    if scale is not None:
        lines += ["ratings:   # from the rating values; like_threshold: three quarters up",
                  f"  min: {scale['min']:g}", f"  max: {scale['max']:g}",
                  f"  like_threshold: {scale['like_threshold']:g}"]
    roles = [g for g in items[1] if g.role in ("id", "title")]
    extra = ["duplicate_ids: keep_first"] if "duplicate_ids" in roles[0].evidence else []
    lines += ["tables:", *_table_lines("items", items[0], out.parent, roles, extra)]
    if interactions is not None:
        source, guesses, extra = interactions
        lines += _table_lines("interactions", source, out.parent, guesses, extra)
    facets = [g for g in items[1] if g.facet is not None]
    lines.append("facets:" if facets else "facets: {}")
    for guess in facets:
        lines += _facet_lines(guess)
    skipped = [g for g in items[1] if g.role == "skipped"]
    lines += [f"# not used: {_q(g.column)} ({g.evidence})" for g in skipped]
    return "\n".join(lines) + "\n"


def init_schema(items: Path, out: Path, interactions: Path | None = None,
                force: bool = False) -> tuple[list[Guess], DomainTable]:
    """Guess, check and write a schema for `items` (and `interactions`) to `out`.
    Returns the guesses (item columns, then interaction columns) and the tables as read."""
    items, out = Path(items), Path(out)
    if out.exists() and not force:
        raise SchemaError(out, "", "exists already; choose another --out or pass --force")
    source = sniffed_source(items)
    raw = read_raw(TableSpec("tables.items", source, {}))
    item_guesses = guess_item_columns(raw)
    interaction_part, interaction_guesses, scale = None, [], None
    if interactions is not None:
        inter_source = sniffed_source(Path(interactions))
        inter_raw = read_raw(TableSpec("tables.interactions", inter_source, {}))
        id_column = next(g.column for g in item_guesses if g.role == "id")
        item_ids = {str(c).strip() for c in raw.cells(id_column)}
        interaction_guesses = guess_interaction_columns(inter_raw, item_ids)
        scale = _scale(inter_raw, interaction_guesses)
        interaction_part = (inter_source, interaction_guesses,
                            _unknown_items(inter_raw, interaction_guesses, item_ids))
    domain = items.stem.lower().replace(" ", "_") or "items"
    text = render(domain, (source, item_guesses), interaction_part, scale, out)
    schema = parse_schema(yaml.safe_load(text), out.resolve())  # a bug here: raises, writes nothing
    table = read_tables(schema)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return item_guesses + interaction_guesses, table


def _scale(raw: RawTable, guesses: list[Guess]) -> dict | None:
    rating = next((g.column for g in guesses if g.role == "rating"), None)
    if rating is None:
        return None
    values = [float(v) for v in raw.cells(rating) if str(v).strip()]
    return rating_scale(values) if values else None


def _unknown_items(raw: RawTable, guesses: list[Guess], item_ids: set[str]) -> list[str]:
    item = next(g.column for g in guesses if g.role == "item")
    unknown = sum(str(v).strip() not in item_ids for v in raw.cells(item))
    if not unknown:
        return []
    return [f"unknown_items: skip   # {unknown} of {raw.n_rows} rows name an item the item "
            f"table lacks"]


def guesses_table(guesses: list[Guess]) -> str:
    """The guesses as an aligned text table: column, guess, evidence."""
    rows = [("column", "guess", "evidence")] + [(g.column, g.role, g.evidence) for g in guesses]
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    return "\n".join(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]}" for row in rows)
