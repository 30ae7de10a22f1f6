"""Guess a domain schema from table columns: the id, title, facet types and interaction roles
(for `convrec data init`, recommender/data/schema_init.py).

Each guess comes with its evidence (a comment beside it, and a row of the printed table), and
each facet guess is checked by parsing every cell with the guessed type
(recommender/data/facet_values.py): one that fails on some cell falls back to a looser type, so
the written schema loads without edits. Guessing is by the values, helped by names:

- id: a column whose values are all present and unique, named like an id when one is;
- title: a column named title / name, else the first mostly-unique short text column;
- facets: yes/no/true/false → boolean; 4-digit whole numbers (1800-2100) → year; ISO dates → date;
  numbers, with a shared unit or currency sign stripped ("$12.99", "120 min") → numeric;
  short tokens joined by '|', ';' or ',' → multi_categorical; a people-ish name (author, cast)
  → person; long text → text; few distinct values → categorical;
- interactions: the user column by name, the item column by overlap with the item ids, a rating
  (numbers, named like one) and a timestamp (Unix seconds or dates); the rating scale from the
  values.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, replace

import numpy as np

from recommender.data.facet_values import CellError, is_missing, number, parse_column
from recommender.data.tables import RawTable
from recommender.domain.schema import Facet, SchemaError

ID_NAMES = re.compile(r"^(id|.*[_\- ]id|.*Id|isbn|sku|slug|key|asin|code)$", re.IGNORECASE)
TITLE_NAMES = re.compile(r"^(title|name|.*[_\- ]title|.*[_\- ]name|label|.*Title|.*Name)$",
                         re.IGNORECASE)
USER_NAMES = re.compile(r"(user|customer|member|visitor|client|reader|buyer|person)",
                        re.IGNORECASE)
RATING_NAMES = re.compile(r"(rating|score|stars?|grade|vote)", re.IGNORECASE)
TIME_NAMES = re.compile(r"(time|date|ts$|when|created)", re.IGNORECASE)
PEOPLE = {"author": "author", "writer": "writer", "director": "director", "actor": "actor",
          "cast": "actor", "star": "actor", "artist": "artist", "creator": "creator",
          "composer": "composer", "chef": "chef", "speaker": "speaker", "teacher": "teacher",
          "instructor": "instructor"}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$")
UNIT_AROUND = re.compile(r"^\s*([^\d\s.+-]{0,3})\s*[-+]?[\d,]*\.?\d+\s*([^\d\s.][^\d]{0,11})?\s*$")
LIST_SEPARATORS = ("|", ";", ",")
FEW_DISTINCT = 50  # at most this many distinct values (or half the rows): categorical
SPARSE = 0.1  # a column with values in fewer than this share of rows is left out


@dataclass(frozen=True)
class Guess:
    """One column's guessed role or facet, with the evidence shown to the person."""

    column: str
    role: str  # "id", "title", a facet type, "user", "item", "rating", "timestamp", "skipped"
    evidence: str
    facet: Facet | None = None


# ---------------------------------------------------------------- guessing (pure)

def _present(cells: list) -> list:
    probe = Facet(name="probe", type="text", column="probe", filterable=False)
    return [cell for cell in cells if not is_missing(cell, probe)]


def _texts(cells: list) -> list[str]:
    return [cell if isinstance(cell, str) else json.dumps(cell) for cell in cells]


def _unit(cells: list[str]) -> str | None:
    """The unit or sign every numeric cell shares ("$", "min"), if any."""
    units = Counter()
    for cell in cells:
        found = UNIT_AROUND.match(cell)
        if not found:
            return None
        units[(found[1] or "") + "|" + (found[2] or "").strip()] += 1
    if len(units) != 1:
        return None
    prefix, suffix = next(iter(units)).split("|")
    return (prefix or suffix) or None


def _facet(column: str, name: str, kind: str, **options) -> Facet:
    return Facet(name=name, type=kind, column=column, filterable=kind != "text", **options)


def _numbers(cells: list, unit: str | None) -> list[float] | None:
    try:
        return [float(c) if isinstance(c, (int, float)) and not isinstance(c, bool)
                else number(str(c), unit) for c in cells]
    except (CellError, ValueError):
        return None


def guess_facet(column: str, name: str, cells: list) -> Guess:
    """The facet type of one item column, from its non-missing cells."""
    values = _present(cells)
    if not values:
        return Guess(column, "skipped", "no values")
    if all(isinstance(v, (dict,)) for v in values) or any(
            isinstance(v, list) and v and isinstance(v[0], dict) for v in values):
        return Guess(column, "skipped", "nested records: name a path inside it as `column`")
    if len(values) < SPARSE * len(cells):
        return Guess(column, "skipped", f"only {len(values)} of {len(cells)} rows have a value")
    if all(isinstance(v, list) for v in values) and all(
            isinstance(t, (int, float)) and not isinstance(t, bool) for v in values for t in v):
        flat = [float(t) for v in values for t in v]
        return Guess(column, "numeric", f"lists of numbers {min(flat):g}-{max(flat):g}; the "
                     f"smallest counts (aggregate: min)",
                     _facet(column, name, "numeric", aggregate="min"))
    if any(isinstance(v, list) for v in values):
        tokens = Counter(str(t) for v in values if isinstance(v, list) for t in v)
        mean_words = float(np.mean([len(t.split()) for t in tokens])) if tokens else 0.0
        if mean_words >= 6:
            return Guess(column, "text", f"lists of long texts, {mean_words:.0f} words each on "
                         f"average", _facet(column, name, "text"))
        kind = _person_role(column)
        evidence = f"lists; {len(tokens)} distinct values, e.g. {_examples(tokens)}"
        if kind:
            return Guess(column, "person", evidence, _facet(column, name, "person", roles=(kind,)))
        return Guess(column, "multi_categorical", evidence,
                     _facet(column, name, "multi_categorical"))
    texts = _texts(values)
    distinct = Counter(texts)
    words = {t.strip().lower() for t in distinct}
    if words <= {"yes", "no", "true", "false", "y", "n"} or all(isinstance(v, bool)
                                                                for v in values):
        return Guess(column, "boolean", f"values {', '.join(sorted(words))}",
                     _facet(column, name, "boolean"))
    numbers = _numbers(values, None)
    if numbers is not None and all(n.is_integer() and 1800 <= n <= 2100 for n in numbers) \
            and (len(distinct) > 2 or "year" in column.lower()):
        return Guess(column, "year", f"whole numbers {min(numbers):g}-{max(numbers):g}",
                     _facet(column, name, "year"))
    zero_years = [n for n in numbers or [] if n != 0]
    if "year" in column.lower() and zero_years and len(zero_years) < len(numbers) and all(
            n.is_integer() and 1000 <= n <= 9999 for n in zero_years):
        return Guess(column, "year", f"named like a year; whole numbers {min(zero_years):g}-"
                     f"{max(zero_years):g}, and 0 (read as unknown: missing)",
                     _facet(column, name, "year", missing=("0",)))
    if all(ISO_DATE.match(t.strip()) for t in texts):
        return Guess(column, "date", f"ISO dates, e.g. {texts[0]}", _facet(column, name, "date"))
    unit = _unit(texts)  # "$" or "min" on every value: kept, for "under $20"
    if unit is not None:
        numbers = _numbers(values, unit)
    if numbers is not None:
        shown = f" with unit {unit!r}" if unit else ""
        return Guess(column, "numeric", f"numbers {min(numbers):g}-{max(numbers):g}{shown}",
                     _facet(column, name, "numeric", unit=unit))
    role = _person_role(column)
    separator = _list_separator(texts)
    if separator is not None:
        tokens = Counter(t.strip() for text in texts for t in text.split(separator) if t.strip())
        evidence = (f"{separator!r}-separated short tokens; {len(tokens)} distinct, "
                    f"e.g. {_examples(tokens)}")
        if role:
            return Guess(column, "person", evidence,
                         _facet(column, name, "person", roles=(role,), separator=separator))
        return Guess(column, "multi_categorical", evidence,
                     _facet(column, name, "multi_categorical", separator=separator))
    mean_words = float(np.mean([len(t.split()) for t in texts]))
    if role:
        return Guess(column, "person", f"named like people; {len(distinct)} distinct",
                     _facet(column, name, "person", roles=(role,)))
    if mean_words >= 6:
        return Guess(column, "text", f"long text, {mean_words:.0f} words on average",
                     _facet(column, name, "text"))
    if len(distinct) >= 0.8 * len(values) and mean_words < 1.5:
        return Guess(column, "skipped", f"{len(distinct)} distinct one-word values, e.g. "
                     f"{texts[0]}: an identifier or a link, not a facet")
    if len(distinct) <= max(FEW_DISTINCT, len(values) // 2):
        return Guess(column, "categorical", f"{len(distinct)} distinct values, e.g. "
                     f"{_examples(distinct)}", _facet(column, name, "categorical"))
    return Guess(column, "text", f"{len(distinct)} distinct short texts (few repeat)",
                 _facet(column, name, "text"))


def _person_role(column: str) -> str | None:
    lowered = column.lower()
    for word, role in PEOPLE.items():
        if word in lowered:
            return role
    return None


def _list_separator(texts: list[str]) -> str | None:
    """A separator that joins short tokens in at least a fifth of the cells."""
    for separator in LIST_SEPARATORS:
        joined = [t for t in texts if separator in t]
        if len(joined) < max(1, len(texts) // 5):
            continue
        tokens = [p.strip() for t in joined for p in t.split(separator)]
        if tokens and np.mean([len(p.split()) for p in tokens]) <= 3 and \
                max(len(p) for p in tokens) <= 40:
            return separator
    return None


def _examples(counts: Counter, n: int = 3) -> str:
    shown = [str(value) for value, _ in counts.most_common(n)]
    return ", ".join(v if len(v) <= 30 else v[:29] + "…" for v in shown)


def repeated_ids(cells: list) -> int | None:
    """How many cells repeat an earlier one (after trimming); None when a cell is empty."""
    texts = [str(c).strip() if c is not None else "" for c in cells]
    return len(texts) - len(set(texts)) if all(texts) else None


def guess_id(raw: RawTable, columns: list[str], cells: dict[str, list]) -> Guess:
    """The id column: every value present and different (named like an id first); else an
    id-named column with under 0.1 % repeats, written with `duplicate_ids: keep_first`."""
    repeats = {c: repeated_ids(cells[c]) for c in columns}
    unique = [c for c in columns if repeats[c] == 0]
    named = [c for c in unique if ID_NAMES.match(c)]
    if unique:
        return Guess((named or unique)[0], "id", "every value present and different"
                     + (", named like an id" if named else ""))
    nearly = [c for c in columns if ID_NAMES.match(c) and repeats[c] is not None
              and repeats[c] <= 0.001 * raw.n_rows]
    if not nearly:
        raise SchemaError(raw.name, "tables.items.fields.id", "no column has a value in every "
                          "row, all different: add an id column")
    return Guess(nearly[0], "id", f"named like an id; {repeats[nearly[0]]} repeated values "
                 f"(the first row of each is kept: duplicate_ids: keep_first)")


def guess_item_columns(raw: RawTable) -> list[Guess]:
    """id, title and a facet guess for every other column of an item table."""
    columns = [c for c in raw.columns if not _is_container(raw, c)]
    cells = {c: raw.cells(c) for c in columns}
    id_guess = guess_id(raw, columns, cells)
    id_column = id_guess.column
    texts = [c for c in columns if c != id_column and _present(cells[c]) and
             all(isinstance(v, str) for v in _present(cells[c]))]
    titles = [c for c in texts if TITLE_NAMES.match(c)] or [
        c for c in texts if len(set(cells[c])) >= 0.8 * raw.n_rows and
        np.mean([len(str(v)) for v in cells[c]]) < 120]
    if not titles:
        raise SchemaError(raw.name, "tables.items.fields.title", "no column looks like a title "
                          "(named title / name, or mostly-unique short text)")
    guesses = [id_guess,
               Guess(titles[0], "title", "named like a title" if TITLE_NAMES.match(titles[0])
                     else "mostly-unique short text")]
    names: set[str] = set()
    for column in columns:
        if column in (id_column, titles[0]):
            continue
        name = _facet_name(column, names)
        guesses.append(_checked(guess_facet(column, name, cells[column]), cells[column]))
    return guesses


def _is_container(raw: RawTable, column: str) -> bool:
    """A JSON column whose cells are mappings (its inner paths are columns of their own)."""
    sample = [c for c in raw.cells(column)[:200] if c is not None]
    return bool(sample) and all(isinstance(c, dict) for c in sample)


def _facet_name(column: str, taken: set[str]) -> str:
    base = re.sub(r"[^0-9a-z]+", "_", re.sub(r"([a-z])([A-Z])", r"\1_\2", column).lower())
    base = base.strip("_") or "facet"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


def _checked(guess: Guess, cells: list) -> Guess:
    """The guess if every cell parses with it; else a looser type (categorical, then text)."""
    if guess.facet is None:
        return guess
    _, failures = parse_column(cells, guess.facet)
    if not failures:
        return guess
    row, problem = failures[0]
    for kind in ("categorical", "text"):
        looser = replace(guess.facet, type=kind, filterable=kind != "text", unit=None,
                         separator=None, roles=())
        if not parse_column(cells, looser)[1]:
            return Guess(guess.column, kind, f"{guess.role} failed on row {row + 1} "
                         f"({problem})", looser)
    return Guess(guess.column, "skipped", f"not readable as one type ({problem})")


def guess_interaction_columns(raw: RawTable, item_ids: set[str]) -> list[Guess]:
    """user, item, rating and timestamp columns of an interaction table."""
    cells = {c: raw.cells(c) for c in raw.columns}
    overlap = {c: np.mean([str(v).strip() in item_ids for v in cells[c][:5000]])
               for c in raw.columns}
    item_column = max(overlap, key=overlap.get)
    if overlap[item_column] < 0.5:
        raise SchemaError(raw.name, "tables.interactions.fields.item",
                          "no column's values are mostly item ids of the item table")
    rest = [c for c in raw.columns if c != item_column]
    users = [c for c in rest if USER_NAMES.search(c)] or rest[:1]
    if not users:
        raise SchemaError(raw.name, "tables.interactions.fields.user", "no user column")
    guesses = [Guess(users[0], "user", "named like a user" if USER_NAMES.search(users[0])
                     else "the first other column"),
               Guess(item_column, "item", f"{overlap[item_column]:.0%} of the values are "
                                          f"item ids")]
    for column in rest:
        if column == users[0]:
            continue
        texts = [str(v).strip() for v in _present(cells[column])]
        numbers = _numbers(texts, None)
        if TIME_NAMES.search(column) and (numbers is not None or
                                          all(ISO_DATE.match(t) for t in texts)):
            guesses.append(Guess(column, "timestamp", "named like a time; Unix seconds or "
                                 "dates"))
        elif numbers is not None and (RATING_NAMES.search(column) or
                                      not any(g.role == "rating" for g in guesses)):
            guesses.append(Guess(column, "rating", f"numbers {min(numbers):g}-"
                                 f"{max(numbers):g}", facet=None))
    return guesses


def rating_scale(values: list[float]) -> dict:
    """min, max and a like threshold three quarters up the scale (4 of 1-5, 8 of 0-10)."""
    low, high = min(values), max(values)
    like = float(np.ceil(low + 0.75 * (high - low)))
    return {"min": low, "max": high, "like_threshold": min(like, high)}
