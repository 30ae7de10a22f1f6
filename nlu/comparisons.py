"""Numeric comparisons in an utterance, for the numeric facets of a schema domain (pure).

"under $10" → price < 10; "less than 30 minutes" → minutes < 30; "at least 4 stars" → rating
≥ 4; "between 20 and 40 minutes" → 20 ≤ minutes ≤ 40; "cheaper" (nothing after it) → price
below the median price of the items just shown (cheaper than most of them: below the cheapest
would often leave nothing of the same kind). Each facet is described by plain data
(`NumericFacet`: its name, unit, allowed comparisons and the schema's own phrases); nothing here
knows a domain.

Which facet a number is about, first match wins:
1. one of the facet's own phrases ("at least {value} stars") matches the words around it;
2. its unit is written with the number ("$10", "10 dollars", "30 minutes", "4 stars");
3. the facet's name comes just before the cue ("price under 10", "cooking time under 30");
4. the cue itself says it ("cheaper than 10": a currency facet; "shorter than 30": a time one);
5. the domain has one numeric facet only.
Otherwise the number is left alone (two facets could mean it).

Bounds: "under / below / less than / cheaper than / shorter than" exclude the number; "at most /
up to / no more than / N or less" include it; "over / above / more than" exclude it; "at least /
N or more / N+" include it; "between A and B" / "from A to B" / "A-B" include both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

BELOW, ABOVE, BETWEEN = "below", "above", "between"
CURRENCY_SIGNS = "$€£¥₹"

# what a unit may be written as after the number (the unit itself and its plural always work)
UNIT_WORDS = {
    "$": ("dollar", "dollars", "usd", "bucks", "buck"), "€": ("euro", "euros", "eur"),
    "£": ("pound", "pounds", "gbp", "quid"), "min": ("minute", "minutes", "mins", "m"),
    "minutes": ("min", "mins", "minute", "m"), "h": ("hour", "hours", "hr", "hrs"),
    "hours": ("hour", "hr", "hrs", "h"), "stars": ("star",), "pages": ("page", "pp"),
    "kg": ("kilo", "kilos", "kilogram", "kilograms"), "km": ("kilometre", "kilometres",
                                                             "kilometer", "kilometers"),
}
TIME_UNITS = frozenset(("min", "mins", "minute", "minutes", "h", "hour", "hours", "hr", "hrs",
                        "s", "sec", "seconds", "days", "day"))
# cue → (comparison, bound excluded); longest first when matched
CUES = {
    "less than": (BELOW, True), "fewer than": (BELOW, True), "lower than": (BELOW, True),
    "cheaper than": (BELOW, True), "shorter than": (BELOW, True), "quicker than": (BELOW, True),
    "faster than": (BELOW, True), "under": (BELOW, True), "below": (BELOW, True),
    "within": (BELOW, False), "at most": (BELOW, False), "no more than": (BELOW, False),
    "not more than": (BELOW, False), "up to": (BELOW, False), "max": (BELOW, False),
    "maximum": (BELOW, False), "more than": (ABOVE, True), "over": (ABOVE, True),
    "above": (ABOVE, True), "higher than": (ABOVE, True), "greater than": (ABOVE, True),
    "longer than": (ABOVE, True), "better than": (ABOVE, True), "at least": (ABOVE, False),
    "no less than": (ABOVE, False), "minimum": (ABOVE, False), "min": (ABOVE, False),
}
MONEY_CUES = frozenset(("cheaper than",))
TIME_CUES = frozenset(("shorter than", "quicker than", "faster than", "longer than"))
# relative comparatives, by the kind of unit: kind → word → comparison
COMPARATIVES = {
    "money": {"cheaper": BELOW, "less expensive": BELOW, "more affordable": BELOW,
              "pricier": ABOVE, "more expensive": ABOVE},
    "time": {"shorter": BELOW, "quicker": BELOW, "faster": BELOW, "longer": ABOVE},
    "score": {"better rated": ABOVE, "higher rated": ABOVE, "rated higher": ABOVE},
}
NUMBER_WORDS = {w: float(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty".split())}
NUMBER_WORDS |= {"thirty": 30.0, "forty": 40.0, "fifty": 50.0, "sixty": 60.0, "hundred": 100.0,
                 "an hour": 60.0, "half an hour": 30.0}

_NUMBER = (r"(?P<{p}sign>[$€£¥₹])?\s?(?P<{p}num>\d+(?:\.\d+)?|"
           + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")(?P<{p}k>k\b)?")
_UNIT = r"(?:\s?(?P<unit>[a-z$€£%]+))?"


@dataclass(frozen=True)
class NumericFacet:
    """What the parser needs of one numeric facet (plain data from the domain schema)."""

    name: str
    unit: str | None = None
    comparisons: tuple[str, ...] = (BELOW, ABOVE, BETWEEN)
    phrases: dict[str, tuple[str, ...]] = field(default_factory=dict)  # comparison → wordings

    @property
    def kind(self) -> str:
        """"money", "time" or "score" (what relative comparatives it takes)."""
        unit = (self.unit or "").lower()
        if unit and unit[0] in CURRENCY_SIGNS or unit in ("usd", "eur", "gbp", "dollars"):
            return "money"
        if unit in TIME_UNITS:
            return "time"
        return "score"

    def unit_words(self) -> frozenset[str]:
        if not self.unit:
            return frozenset()
        unit = self.unit.lower()
        return frozenset((unit, unit + "s", *UNIT_WORDS.get(unit, ())))


@dataclass(frozen=True)
class Comparison:
    """A numeric limit on a facet found in a text: [start, end) characters; low / high None:
    open; *_open: the bound itself is out."""

    facet: str
    op: str
    start: int
    end: int
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False


def _value(match: re.Match, prefix: str) -> float:
    raw = match.group(f"{prefix}num")
    value = NUMBER_WORDS[raw] if raw in NUMBER_WORDS else float(raw)
    return value * 1000 if match.group(f"{prefix}k") else value


def _phrase_regex(wording: str) -> re.Pattern:
    before, _, after = wording.lower().partition("{value}")
    return re.compile(r"\b" + re.escape(before.strip()) + (r"\s?" if before.strip() else "")
                      + _NUMBER.format(p="") + (r"\s?" + re.escape(after.strip())
                                                if after.strip() else "") + r"(?!\w)")


def _bounds(op: str, value: float, excluded: bool) -> dict:
    if op == BELOW:
        return {"high": value, "high_open": excluded}
    return {"low": value, "low_open": excluded}


def _facet_for(facets: list[NumericFacet], sign: str | None, unit: str | None, cue: str,
               before: str) -> NumericFacet | None:
    """Rules 2-5 of the module docstring."""
    allowed = list(facets)
    if sign:
        hits = [f for f in allowed if f.unit and f.unit[0] == sign]
        if hits:
            return hits[0]
    if unit:
        hits = [f for f in allowed if unit in f.unit_words()]
        if hits:
            return hits[0]
    named = [f for f in allowed if f.name.replace("_", " ").lower() in before[-40:]]
    if named:
        return named[-1]
    if cue in MONEY_CUES:
        hits = [f for f in allowed if f.kind == "money"]
        return hits[0] if len(hits) == 1 else None
    if cue in TIME_CUES:
        hits = [f for f in allowed if f.kind == "time"]
        return hits[0] if len(hits) == 1 else None
    return allowed[0] if len(allowed) == 1 else None


def _other_unit(after: str, facet: NumericFacet, facets: list[NumericFacet]) -> bool:
    """The word after a number names a unit that is not `facet`'s."""
    word = re.match(r"\s?([a-z$€£%]+)", after)
    if word is None or word.group(1) in facet.unit_words():
        return False
    known = set(TIME_UNITS) | {w for words in UNIT_WORDS.values() for w in words} | set(UNIT_WORDS)
    return word.group(1) in known or any(word.group(1) in f.unit_words() for f in facets)


def find_comparisons(text: str, facets: list[NumericFacet],
                     shown: dict[str, list[float]] | None = None) -> list[Comparison]:
    """Every numeric limit in `text` for `facets`, sorted by start, non-overlapping.
    shown: facet → its values among the items just shown, for "cheaper" / "shorter"."""
    lowered = text.lower()
    found: list[Comparison] = []
    taken = [False] * (len(text) + 1)

    def add(comparison: Comparison) -> None:
        if any(taken[comparison.start:comparison.end]):
            return
        facet = next(f for f in facets if f.name == comparison.facet)
        if comparison.op not in facet.comparisons:
            return
        found.append(comparison)
        for k in range(comparison.start, comparison.end):
            taken[k] = True

    for facet in facets:  # 1. the schema's own phrases
        for op, wordings in facet.phrases.items():
            for wording in wordings:
                if op == BETWEEN:
                    continue
                for m in _phrase_regex(wording).finditer(lowered):
                    if _other_unit(lowered[m.end():], facet, facets):
                        continue  # "less than 30 minutes" is not a price
                    unit = re.match(r"\s?([a-z]+)\b", lowered[m.end():])
                    end = m.end() + (unit.end() if unit and unit.group(1) in
                                     facet.unit_words() else 0)
                    add(Comparison(facet.name, op, m.start(), end,
                                   **_bounds(op, _value(m, ""), op == BELOW and "most" not in
                                             wording and "up to" not in wording)))
    between = re.compile(r"\b(?:between|from)\s" + _NUMBER.format(p="a") + r"\s?(?:and|to|-)\s?"
                         + _NUMBER.format(p="b") + _UNIT + r"(?!\w)")
    for m in between.finditer(lowered):
        facet = _facet_for(facets, m.group("asign") or m.group("bsign"), m.group("unit"), "",
                           lowered[:m.start()])
        if facet is not None:
            low, high = sorted((_value(m, "a"), _value(m, "b")))
            add(Comparison(facet.name, BETWEEN, m.start(), m.end(), low=low, high=high))
    cues = "|".join(re.escape(c) for c in sorted(CUES, key=len, reverse=True))
    limit = re.compile(r"\b(?P<cue>" + cues + r")\s" + _NUMBER.format(p="") + _UNIT
                       + r"(?P<tail>\s(?:or (?:less|more|fewer)))?(?!\w)")
    for m in limit.finditer(lowered):
        unit = m.group("unit")
        facet = _facet_for(facets, m.group("sign"), unit, m.group("cue"), lowered[:m.start()])
        if facet is None:
            continue
        op, excluded = CUES[m.group("cue")]
        end = m.end() if unit is None or unit in facet.unit_words() else m.end("num")
        add(Comparison(facet.name, op, m.start(), end, **_bounds(op, _value(m, ""), excluded)))
    suffix = re.compile(_NUMBER.format(p="") + _UNIT + r"\s?(?P<tail>or (?:less|fewer|more)|\+)")
    for m in suffix.finditer(lowered):
        facet = _facet_for(facets, m.group("sign"), m.group("unit"), "", lowered[:m.start()])
        if facet is not None:
            op = BELOW if m.group("tail").endswith(("less", "fewer")) else ABOVE
            add(Comparison(facet.name, op, m.start(), m.end(), **_bounds(op, _value(m, ""),
                                                                         False)))
    for facet in facets:  # relative: "cheaper", "shorter", after a list was shown
        values = [v for v in (shown or {}).get(facet.name, ()) if v is not None]
        for word, op in COMPARATIVES[facet.kind].items():
            if not values:
                break
            for m in re.finditer(r"\b" + re.escape(word) + r"\b(?!\s+than)", lowered):
                bound = float(np.median(values))  # cheaper than most of what was shown
                add(Comparison(facet.name, op, m.start(), m.end(), **_bounds(op, bound, True)))
    return sorted(found, key=lambda c: c.start)
