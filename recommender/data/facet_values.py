"""Table cells → typed facet values, one pure parser per facet type (recommender/domain/schema.py).

A cell is what a table reader gives: text (CSV, TSV, RecBole), or a JSON value (number, true /
false, list, null). Each parser returns the value in the facet's representation, or `MISSING`
when the cell means "unknown", and raises `CellError` (the problem, without the row: the caller
knows the row) when the cell does not parse:

| type              | value                                                                  |
| ----------------- | ---------------------------------------------------------------------- |
| categorical       | str                                                                    |
| multi_categorical | tuple[str, ...] (split on the facet's separator; JSON lists as they are) |
| person            | tuple[str, ...] (names)                                                |
| numeric           | float, the unit stripped ("$12.99" → 12.99, "120 min" → 120.0)         |
| year              | int, 4 digits                                                          |
| date              | numpy datetime64[s]                                                    |
| boolean           | bool                                                                   |
| text              | str                                                                    |
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from recommender.domain.schema import Facet

MISSING = None
MISSING_WORDS = frozenset({"", "na", "n/a", "nan", "null", "none", "-"})
TRUE_WORDS = frozenset({"true", "yes", "y", "t", "1"})
FALSE_WORDS = frozenset({"false", "no", "n", "f", "0"})
CURRENCY_SIGNS = "$€£¥₹"
_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$")
_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


class CellError(ValueError):
    """A cell does not parse as its facet's type; the message quotes the cell."""


def is_missing(cell: Any, facet: Facet) -> bool:
    """None, NaN, an empty cell, a word like "n/a", or one of the facet's `missing` values."""
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return True
    if isinstance(cell, (list, tuple)):
        return len(cell) == 0
    text = _text(cell).strip()
    return text.lower() in MISSING_WORDS or text in facet.missing


def _text(cell: Any) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return cell if isinstance(cell, str) else str(cell)


def _single(cell: Any, facet: Facet) -> Any:
    if isinstance(cell, (list, tuple)):
        if len(cell) == 1:
            return cell[0]
        raise CellError(f"{list(cell)!r} holds several values; a {facet.type} facet takes one")
    if isinstance(cell, dict):
        raise CellError(f"{cell!r} is a mapping; point `column` at one of its keys "
                        f"(e.g. {facet.column}.{next(iter(cell), 'key')})")
    return cell


def parse_categorical(cell: Any, facet: Facet) -> str:
    return _text(_single(cell, facet)).strip()


def parse_many(cell: Any, facet: Facet) -> tuple[str, ...]:
    """multi_categorical / person: a JSON list, or text split on the separator."""
    if isinstance(cell, dict):
        return parse_categorical(cell, facet)  # raises the mapping error
    parts = cell if isinstance(cell, (list, tuple)) else (
        _text(cell).split(facet.separator) if facet.separator else [_text(cell)])
    values = []
    for part in parts:
        if isinstance(part, (list, dict)):
            raise CellError(f"{part!r} inside a list: expected plain values")
        value = _text(part).strip()
        if value and value not in values and not is_missing(value, facet):
            values.append(value)
    return tuple(values)


def number(text: str, unit: str | None = None) -> float:
    """A number written with an optional unit, currency sign or thousands commas:
    "$12.99" → 12.99, "120 min" (unit "min") → 120.0, "1,299" → 1299.0. Raises CellError."""
    stripped = text.strip()
    if unit:
        stripped = re.sub(re.escape(unit), "", stripped, flags=re.IGNORECASE)
    stripped = stripped.strip().strip(CURRENCY_SIGNS).strip()
    if _THOUSANDS.match(stripped):
        stripped = stripped.replace(",", "")
    if not _NUMBER.match(stripped):
        hint = f" (unit {unit!r})" if unit else " (no unit declared)"
        raise CellError(f"{text!r} is not a number{hint}")
    return float(stripped)


def _aggregate(values: list[float], facet: Facet) -> float:
    if len(values) == 1 or facet.aggregate == "first":
        return values[0]
    if facet.aggregate is None:
        raise CellError(f"{values!r} holds several numbers; set `aggregate` "
                        f"(min, max, first, min_nonzero) to pick one")
    if facet.aggregate == "min_nonzero":
        nonzero = [value for value in values if value != 0]
        return min(nonzero) if nonzero else 0.0
    return min(values) if facet.aggregate == "min" else max(values)


def parse_numeric(cell: Any, facet: Facet) -> float:
    cells = cell if isinstance(cell, (list, tuple)) else [cell]
    values = []
    for one in cells:
        if is_missing(one, facet):
            continue
        if isinstance(one, bool) or isinstance(one, (list, dict)):
            raise CellError(f"{one!r} is not a number")
        values.append(float(one) if isinstance(one, (int, float)) else number(one, facet.unit))
    if not values:
        return MISSING
    return _aggregate(values, facet)


def parse_year(cell: Any, facet: Facet) -> int:
    cell = _single(cell, facet)
    try:
        value = float(cell) if not isinstance(cell, bool) else math.nan
    except (TypeError, ValueError):
        value = math.nan
    if not (value.is_integer() and 1000 <= value <= 9999):
        hint = "; if it means unknown, add it to `missing`" if _text(cell).strip() else ""
        raise CellError(f"{cell!r} is not a year (4 digits){hint}")
    return int(value)


def parse_date(cell: Any, facet: Facet) -> np.datetime64:
    cell = _single(cell, facet)
    try:
        stamp = pd.to_datetime(_text(cell).strip(), format=facet.date_format or "ISO8601",
                               utc=True)
    except (ValueError, TypeError, OverflowError):
        expected = facet.date_format or "an ISO date like 2024-05-31"
        raise CellError(f"{cell!r} is not a date ({expected})") from None
    return np.datetime64(stamp.tz_localize(None).to_datetime64(), "s")


def parse_boolean(cell: Any, facet: Facet) -> bool:
    cell = _single(cell, facet)
    if isinstance(cell, bool):
        return cell
    word = _text(cell).strip().lower()
    if word in TRUE_WORDS or word in {v.lower() for v in facet.true_values}:
        return True
    if word in FALSE_WORDS or word in {v.lower() for v in facet.false_values}:
        return False
    known = sorted(TRUE_WORDS | set(facet.true_values)) + sorted(FALSE_WORDS |
                                                                 set(facet.false_values))
    raise CellError(f"{cell!r} is not true or false (known words: {', '.join(known)})")


def parse_text(cell: Any, facet: Facet) -> str:
    if isinstance(cell, (list, tuple)):
        return " ".join(_text(part) for part in cell)
    return _text(cell).strip()


PARSERS: dict[str, Callable[[Any, Facet], Any]] = {
    "categorical": parse_categorical, "multi_categorical": parse_many, "person": parse_many,
    "numeric": parse_numeric, "year": parse_year, "date": parse_date,
    "boolean": parse_boolean, "text": parse_text,
}


def parse_column(cells: list, facet: Facet) -> tuple[list, list[tuple[int, str]]]:
    """Every cell of one column for `facet` → (values [n], failures [(0-based row, problem)]).
    Missing cells become MISSING (multi-valued facets: an empty tuple)."""
    parse, empty = PARSERS[facet.type], () if facet.multi_valued else MISSING
    values, failures = [], []
    for row, cell in enumerate(cells):
        if is_missing(cell, facet):
            values.append(empty)
            continue
        try:
            values.append(parse(cell, facet))
        except CellError as error:
            failures.append((row, str(error)))
            values.append(empty)
    return values, failures
