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

A facet with `unit_required` skips rule 5 ("more than 3 movies" is no runtime). Time converts:
"under two hours", "shorter than 2h", "under an hour and a half" for a facet in minutes are 120,
120 and 90 minutes.

Bounds: "under / below / less than / cheaper than / shorter than" exclude the number; "at most /
up to / no more than / no longer than / N or less" include it; "over / above / more than"
exclude it; "at least / N or more / N+" include it; "between A and B" / "from A to B" / "A-B"
include both.

An ordered scale (`NumericFacet.scale`: G < PG < PG-13 < R < NC-17) is compared by position
(1-based): "at most PG-13", "PG-13 at most", "rated PG or lower", "nothing above PG-13" → at most
that value; "nothing rated R", "no R-rated", "under R" → below it (at most PG-13); "at least
PG-13", "R or higher" → at least it (`find_scale_limits`).
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
    "no longer than": (BELOW, False), "not longer than": (BELOW, False),
    "no shorter than": (ABOVE, False), "not shorter than": (ABOVE, False),
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
                 "an hour": 60.0, "half an hour": 30.0, "an hour and a half": 90.0,
                 "one and a half hours": 90.0, "two and a half hours": 150.0}
HOUR_WORDS = frozenset(w for w in NUMBER_WORDS if "hour" in w)  # minutes with their unit said
# minutes in one of each time unit: "2 hours" is 120 for a facet in minutes
MINUTES_IN = {"s": 1 / 60, "sec": 1 / 60, "secs": 1 / 60, "second": 1 / 60, "seconds": 1 / 60,
              "m": 1.0, "min": 1.0, "mins": 1.0, "minute": 1.0, "minutes": 1.0,
              "h": 60.0, "hr": 60.0, "hrs": 60.0, "hour": 60.0, "hours": 60.0,
              "day": 1440.0, "days": 1440.0}

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
    unit_required: bool = False  # never read as the domain's only numeric facet (rule 5)
    scale: tuple[str, ...] = ()  # an ordered categorical facet's values, lowest first

    def factor(self, unit: str | None) -> float | None:
        """What one `unit` written with a number is in this facet's unit: 1 for its own unit
        words, 60 for "hours" on a facet in minutes; None for another unit or none."""
        if not unit:
            return None
        if unit in self.unit_words():
            return 1.0
        own = MINUTES_IN.get((self.unit or "").lower())
        return MINUTES_IN[unit] / own if own and unit in MINUTES_IN else None

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
        hits = [f for f in allowed if unit in f.unit_words()] or \
            [f for f in allowed if f.factor(unit) is not None]
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
    return allowed[0] if len(allowed) == 1 and not allowed[0].unit_required else None


def _written_unit(match: re.Match, prefix: str, unit: str | None) -> str | None:
    """The unit written with a number; "an hour" says minutes itself."""
    return "min" if match.group(f"{prefix}num") in HOUR_WORDS else unit


def _in_facet_unit(value: float, facet: NumericFacet, unit: str | None) -> float:
    """`value` written in `unit`, in the facet's unit (2 hours → 120 for minutes)."""
    factor = facet.factor(unit)
    return value * factor if factor is not None else value


def _other_unit(after: str, facet: NumericFacet, facets: list[NumericFacet]) -> bool:
    """The word after a number names a unit that is not `facet`'s."""
    word = re.match(r"\s?([a-z$€£%]+)", after)
    if word is None or facet.factor(word.group(1)) is not None:
        return False
    known = set(TIME_UNITS) | {w for words in UNIT_WORDS.values() for w in words} | set(UNIT_WORDS)
    return word.group(1) in known or any(word.group(1) in f.unit_words() for f in facets)


def find_comparisons(text: str, facets: list[NumericFacet],
                     shown: dict[str, list[float]] | None = None) -> list[Comparison]:
    """Every numeric limit in `text` for `facets`, sorted by start, non-overlapping.
    shown: facet → its values among the items just shown, for "cheaper" / "shorter"."""
    lowered = text.lower()
    every, scales = list(facets), [f for f in facets if f.scale]
    facets = [f for f in facets if not f.scale]
    found: list[Comparison] = []
    taken = [False] * (len(text) + 1)

    def add(comparison: Comparison) -> None:
        if any(taken[comparison.start:comparison.end]):
            return
        facet = next(f for f in every if f.name == comparison.facet)
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
                    said = unit.group(1) if unit and facet.factor(unit.group(1)) else None
                    end = m.end() + (unit.end() if said else 0)
                    value = _in_facet_unit(_value(m, ""), facet, _written_unit(m, "", said))
                    add(Comparison(facet.name, op, m.start(), end,
                                   **_bounds(op, value, op == BELOW and "most" not in
                                             wording and "up to" not in wording)))
    # "between 10 and 20 dollars", "from 90 minutes to 2 hours" (each end in its own unit)
    between = re.compile(r"\b(?:between|from)\s" + _NUMBER.format(p="a")
                         + r"(?:\s?(?P<aunit>(?!and\b|to\b)[a-z$€£%]+))?\s?(?:and|to|-)\s?"
                         + _NUMBER.format(p="b") + _UNIT + r"(?!\w)")
    for m in between.finditer(lowered):
        unit = _written_unit(m, "b", m.group("unit"))
        facet = _facet_for(facets, m.group("asign") or m.group("bsign"), unit, "",
                           lowered[:m.start()])
        first = _written_unit(m, "a", m.group("aunit")) or unit
        if facet is not None and (m.group("aunit") is None or facet.factor(first) is not None):
            low, high = sorted((_in_facet_unit(_value(m, "a"), facet, first),
                                _in_facet_unit(_value(m, "b"), facet, unit)))
            add(Comparison(facet.name, BETWEEN, m.start(), m.end(), low=low, high=high))
    cues = "|".join(re.escape(c) for c in sorted(CUES, key=len, reverse=True))
    limit = re.compile(r"\b(?P<cue>" + cues + r")\s" + _NUMBER.format(p="") + _UNIT
                       + r"(?P<tail>\s(?:or (?:less|more|fewer)))?(?!\w)")
    for m in limit.finditer(lowered):
        unit = _written_unit(m, "", m.group("unit"))
        facet = _facet_for(facets, m.group("sign"), unit, m.group("cue"), lowered[:m.start()])
        if facet is None:
            continue
        op, excluded = CUES[m.group("cue")]
        written = m.group("unit")  # "under an hour please": the span ends at "hour"
        end = m.end() if written is None or facet.factor(written) else m.end("num")
        value = _in_facet_unit(_value(m, ""), facet, unit)
        add(Comparison(facet.name, op, m.start(), end, **_bounds(op, value, excluded)))
    suffix = re.compile(_NUMBER.format(p="") + _UNIT + r"\s?(?P<tail>or (?:less|fewer|more)|\+)")
    for m in suffix.finditer(lowered):
        unit = _written_unit(m, "", m.group("unit"))
        facet = _facet_for(facets, m.group("sign"), unit, "", lowered[:m.start()])
        if facet is not None:
            op = BELOW if m.group("tail").endswith(("less", "fewer")) else ABOVE
            value = _in_facet_unit(_value(m, ""), facet, unit)
            add(Comparison(facet.name, op, m.start(), m.end(), **_bounds(op, value, False)))
    for facet in facets:  # relative: "cheaper", "shorter", after a list was shown
        values = [v for v in (shown or {}).get(facet.name, ()) if v is not None]
        for word, op in COMPARATIVES[facet.kind].items():
            if not values:
                break
            # "faster-paced" is about pace, not time
            for m in re.finditer(r"\b" + re.escape(word) + r"\b(?!\s+than)(?![\s-]+paced)",
                                 lowered):
                bound = float(np.median(values))  # cheaper than most of what was shown
                add(Comparison(facet.name, op, m.start(), m.end(), **_bounds(op, bound, True)))
    for facet in scales:
        for comparison in find_scale_limits(lowered, facet):
            add(comparison)
    return sorted(found, key=lambda c: c.start)


# wordings around a value X on an ordered scale → (comparison, positions to move the bound)
_RATED = r"(?:rated\s+)?"
_SCALE_CUES = (
    (r"(?:at most|no more than|not more than|up to|max(?:imum)?|no higher than|not higher than|"
     r"nothing (?:above|higher than|over|beyond|past))\s+" + _RATED + "{x}", BELOW, 0),
    (_RATED + r"{x}\s+(?:at most|at the most|max(?:imum)?|or (?:lower|less|below|under|"
     r"milder|tamer)|and (?:below|under|lower))", BELOW, 0),
    (r"(?:nothing|no|not|never|without)\s+" + _RATED + r"{x}(?:[- ]rated)?", BELOW, -1),
    (r"(?:below|under|less than|lower than|milder than|tamer than)\s+" + _RATED + "{x}",
     BELOW, -1),
    (r"at least\s+" + _RATED + "{x}", ABOVE, 0),
    (_RATED + r"{x}\s+(?:or (?:higher|above|more)|and (?:above|up|higher))", ABOVE, 0),
)


def _scale_value_pattern(scale: tuple[str, ...]) -> str:
    """One regex group of a scale's values, longest first, a hyphen optional ("pg13")."""
    spelled = sorted(scale, key=len, reverse=True)
    return "(?P<x>" + "|".join(re.escape(v.lower()).replace(r"\-", "[- ]?")
                               for v in spelled) + ")"


def find_scale_limits(lowered: str, facet: NumericFacet) -> list[Comparison]:
    """Limits on an ordered facet in a lower-cased text (module docstring), as Comparisons on
    its 1-based positions: "nothing rated r" → high 3 (PG-13) on G < PG < PG-13 < R < NC-17.
    A bound off the scale ("below G") is no limit."""
    value = _scale_value_pattern(facet.scale)
    position = {re.sub(r"[- ]", "", v.lower()): k + 1 for k, v in enumerate(facet.scale)}
    found = []
    for pattern, op, shift in _SCALE_CUES:
        regex = re.compile(r"(?<![\w-])" + pattern.format(x=value) + r"(?![\w-])")
        for m in regex.finditer(lowered):
            bound = position[re.sub(r"[- ]", "", m.group("x"))] + shift
            if 1 <= bound <= len(facet.scale):
                found.append(Comparison(facet.name, op, m.start(), m.end(),
                                        **_bounds(op, float(bound), False)))
    return found
