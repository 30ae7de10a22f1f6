"""A schema domain's reason for one recommended item: the facets that matched, in the schema's
words, then what else drove its score (pure).

"a project management tool · has a free plan · from $8 a month · with Kanban Boards": every
facet the person constrained (a wanted value the item has, in capitals only when asked so; a
numeric range it is inside; the year of a `year` facet under a year limit) is mentioned
through the facet's `reason` template (recommender/domain/schema.py), in the schema's facet
order; then, as for movies (recommender/serving/explain.py), "close to what you described",
"close to X" or "people who liked X also liked it" when those drove the score.
"""

from __future__ import annotations

import re

from recommender.domain.catalog import Item
from recommender.domain.constraints import Constraints, facet_key
from recommender.domain.schema import DomainSchema, Facet
from recommender.serving.explain import ReasonFacts

SEPARATOR = " · "
CURRENCY_SIGNS = "$€£¥₹"


MINUTE_UNITS = ("min", "mins", "minutes")


def show_number(value: float, unit: str | None) -> str:
    """12.0 → "12", 7.91 with "$" → "$7.91", 30 with "min" → "30 min"; an hour or more of
    minutes in hours: 98 → "1 h 38 min", 120 → "2 h"."""
    text = f"{value:g}" if abs(value) < 1e6 else f"{value:,.0f}"
    if unit in MINUTE_UNITS and value >= 60 and float(value).is_integer():
        hours, minutes = divmod(int(value), 60)
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if not unit:
        return text
    return f"{unit}{text}" if unit in CURRENCY_SIGNS else f"{text} {unit}"


def show_value(value) -> str:
    """A categorical value as people write it: "project-management" → "project management";
    a hyphen before a digit stays ("PG-13")."""
    text = str(value)
    return re.sub(r"[-_](?!\d)", " ", text) if " " not in text else text


def scale_value(facet: Facet, rank: float) -> str:
    """The value at 1-based position `rank` of an ordered facet's scale (3 → "PG-13")."""
    position = min(max(int(round(rank)), 1), len(facet.order))
    return facet.order[position - 1]


def mention(facet: Facet, value) -> str:
    """One facet value in the facet's reason template ("with {value}"), or "name: value"."""
    shown = show_number(value, facet.unit) if isinstance(value, (int, float)) and \
        not isinstance(value, bool) else show_value(value)
    if facet.reason:
        return facet.reason.format(value=shown)
    return f"{facet.name.replace('_', ' ')}: {shown}"


def spelled(held, wanted):
    """The item's spelling of a matched value, unless it shouts ("STEPHEN KING"): then the
    wanted value's."""
    text = str(held)
    return wanted if text.isupper() and not str(wanted).isupper() else held


def matched_facets(item: Item, schema: DomainSchema, constraints: Constraints) -> list[str]:
    """The mentions of every facet the constraints name and the item satisfies, schema order."""
    parts = []
    for name, facet in schema.facets.items():
        held = item.facets.get(name)
        if held is None:
            continue
        wanted = {facet_key(v): v for v in constraints.facets_wanted.get(name, ())}
        years_limited = constraints.year_min is not None or constraints.year_max is not None
        if name in constraints.ranges or (facet.type == "year" and years_limited):
            parts.append(mention(facet, held))
        elif wanted and isinstance(held, bool):
            if facet_key(held) in wanted and held:
                parts.append(facet.reason or name.replace("_", " "))
        elif wanted:
            values = held if isinstance(held, (list, tuple)) else [held]
            hits = list(dict.fromkeys(spelled(v, wanted[facet_key(v)]) for v in values
                                      if facet_key(v) in wanted))
            if hits:
                parts.append(mention(facet, " and ".join(str(v) for v in hits[:2])))
    return parts


def facet_reason(item: Item, schema: DomainSchema, contributions: dict[str, float],
                 constraints: Constraints, history_anchor: str | None,
                 similar_anchor: str | None, facts: ReasonFacts = ReasonFacts()) -> str:
    """The reason shown beside `item` (module docstring); contributions: feature → score share."""
    parts = matched_facets(item, schema, constraints)
    drivers = sorted(((v, k) for k, v in contributions.items() if v > 0.02), reverse=True)
    for _, feature in drivers[:3]:
        if feature == "history" and history_anchor:
            parts.append(f"people who liked {history_anchor} also liked it")
        elif feature == "interest" and similar_anchor:
            parts.append(f"close to {similar_anchor}")
        elif feature == "interest" and facts.described:
            parts.append("close to what you described")
    if not parts:
        parts.append(f"a {schema.noun} to start with")
    return SEPARATOR.join(dict.fromkeys(parts))
