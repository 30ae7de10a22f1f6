"""Year and decade expressions → inclusive year ranges.

Rules (documented choices):
- decades: "90s", "'90s", "1990s", "the nineties" → 1990–1999; "early/mid/late 90s" → 1990–1993 /
  1993–1996 / 1996–1999; "00s"/"2000s" → 2000–2009, "10s"/"2010s" → 2010–2019, "20s" → 1920s.
- a year: "1994", "from 1994", "in 1994" → 1994–1994; "around 1994" → 1992–1996.
- bounds: "before 2000" → –1999 (exclusive), "until 2000" → –2000 (inclusive), "after 2010" → 2011–
  (exclusive), "since 2010" / "2010 or later" / "2010+" → 2010– (inclusive); decades work the same
  ("before the 90s" → –1989, "after the 80s" → 1990–).
- ranges: "between 1990 and 1995", "from 1990 to 1995", "1990-1995", "the 80s to the 90s".
- vague: "recent", "latest", "newest", "new movies" → the last 5 years up to the reference year
  (the catalog's newest year, 2016 for MovieLens-small → 2012–); "this year", "last year",
  "the last 3 years"; "old", "oldies", "classic(s)", "old school", "vintage" → –1979.
  "something new" alone is not a year: it usually means "something different".
- critiques: "older" → before the oldest shown item (–min(shown years) − 1), "newer" / "more recent"
  → after the newest shown item (max(shown years) + 1 –). With nothing shown, "older" means before
  2000 (–1999) and "newer" means 2010 or later (2010–).
"""

from __future__ import annotations

from dataclasses import dataclass

from nlu.entity_words import FOLLOWERS_OK, GENRE_LEXICON, KEYWORD_LEXICON, MOVIE_NOUNS

OLD_MAX_YEAR = 1979
OLDER_DEFAULT_MAX = 1999
NEWER_DEFAULT_MIN = 2010
RECENT_YEARS = 5

_DECADE_WORDS = {
    "twenties": 1920,
    "thirties": 1930,
    "forties": 1940,
    "fifties": 1950,
    "sixties": 1960,
    "seventies": 1970,
    "eighties": 1980,
    "nineties": 1990,
    "noughties": 2000,
    "aughts": 2000,
}
_NUMBER_WORDS = {
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "twenty": 20,
    "few": 5,
    "couple": 2,
}
_MAX_EXCLUSIVE = (("before",), ("pre",), ("prior", "to"), ("earlier", "than"), ("older", "than"))
_MAX_INCLUSIVE = (("until",), ("till",), ("up", "to"), ("through",), ("no", "later", "than"))
_MIN_EXCLUSIVE = (
    ("after",),
    ("post",),
    ("later", "than"),
    ("newer", "than"),
    ("more", "recent", "than"),
)
_MIN_INCLUSIVE = (("since",), ("starting", "from"), ("starting", "in"), ("starting",))
_AROUND = (("around",), ("circa",), ("approximately",), ("roughly",))
_SUFFIX_MIN = (
    ("or", "later"),
    ("and", "later"),
    ("or", "newer"),
    ("and", "newer"),
    ("onwards",),
    ("onward",),
    ("and", "up"),
    ("or", "after"),
    ("and", "after"),
    ("on",),
    ("plus",),
)
_SUFFIX_MAX = (
    ("or", "earlier"),
    ("and", "earlier"),
    ("or", "before"),
    ("and", "before"),
    ("or", "older"),
    ("and", "older"),
)
_RANGE_JOINERS = ("to", "through", "thru", "till", "until")
_GENRE_WORDS = frozenset(w for p in list(GENRE_LEXICON) + list(KEYWORD_LEXICON) for w in p.split())
_OK_AFTER = FOLLOWERS_OK | _GENRE_WORDS
_NOT_NEW_NOUNS = frozenset(  # "new suggestions", "new ones" mean other ones, not recent ones
    """one ones option options choice choices pick picks suggestion suggestions recommendation
    recommendations thing things title titles""".split()
)
_NEW_NOUNS = (MOVIE_NOUNS | _GENRE_WORDS | {"release", "releases", "stuff"}) - _NOT_NEW_NOUNS
_NOT_OLD_AFTER = frozenset(  # "9 years old", "never gets old"
    "years year yr yrs how months weeks days gets get getting got grow growing grew".split()
)


@dataclass(frozen=True)
class YearRange:
    """Word span [start, end) of an utterance and the inclusive years it means (None = open)."""

    start: int
    end: int
    year_min: int | None
    year_max: int | None
    confidence: float = 1.0

    @property
    def value(self) -> str:
        """ "1990-1999", "-1999", "2011-" """
        low = "" if self.year_min is None else str(self.year_min)
        high = "" if self.year_max is None else str(self.year_max)
        return f"{low}-{high}"


def _decade(word: str) -> int | None:
    if word in _DECADE_WORDS:
        return _DECADE_WORDS[word]
    if len(word) == 3 and word.endswith("0s") and word[0].isdigit():
        tens = int(word[:2])
        return 2000 + tens if tens in (0, 10) else 1900 + tens
    if (
        len(word) == 5
        and word.endswith("0s")
        and word[:4].isdigit()
        and word[:2] in ("18", "19", "20")
    ):
        return int(word[:4])
    return None


class _Parser:
    def __init__(
        self, words: list[str], gaps: list[str], reference_year: int, shown_years: list[int]
    ):
        self.words = words
        self.gaps = gaps  # gaps[i]: punctuation between word i and i + 1 ("-", ",", "+", "")
        self.n = len(words)
        self.reference_year = reference_year
        self.shown_years = shown_years

    def at(self, i: int, phrase: tuple[str, ...]) -> bool:
        return tuple(self.words[i : i + len(phrase)]) == phrase and all(
            "," not in self.gaps[k] and "." not in self.gaps[k]
            for k in range(i, i + len(phrase) - 1)
        )

    def first_of(self, i: int, phrases) -> tuple[str, ...] | None:
        for phrase in phrases:
            if self.at(i, phrase):
                return phrase
        return None

    def year(self, word: str) -> int | None:
        if len(word) == 4 and word.isdigit() and 1880 <= int(word) <= self.reference_year + 5:
            return int(word)
        return None

    def atom(self, i: int) -> tuple[int, int, int, bool] | None:
        """A decade or year at word i → (end, lo, hi, is_single_year)."""
        j = i
        if j < self.n and self.words[j] == "the":
            j += 1
        modifier = None
        if j < self.n and self.words[j] in ("early", "mid", "late"):
            modifier, j = self.words[j], j + 1
        if j >= self.n:
            return None
        decade = _decade(self.words[j])
        if decade is not None:
            lo, hi = {None: (0, 9), "early": (0, 3), "mid": (3, 6), "late": (6, 9)}[modifier]
            return j + 1, decade + lo, decade + hi, False
        year = self.year(self.words[j])
        if year is not None and j == i + (modifier is not None):
            return j + 1, year, year, True
        return None

    def expression(self, i: int) -> YearRange | None:
        words = self.words
        # between A and B / from A to B / A to B / A-B
        if words[i] in ("between", "from"):
            a = self.atom(i + 1)
            if a and a[0] < self.n:
                joiners = ("and",) if words[i] == "between" else _RANGE_JOINERS
                b = self.atom(a[0] + 1) if words[a[0]] in joiners else None
                if b:
                    return YearRange(i, b[0], a[1], b[2])
        a = self.atom(i)
        if a:
            end, lo, hi, single = a
            b = None
            if end < self.n and words[end] in _RANGE_JOINERS:
                b = self.atom(end + 1)
            elif end < self.n and self.gaps[end - 1].strip() in ("-", "–"):
                b = self.atom(end)
            if b:
                return YearRange(i, b[0], lo, b[2])
            if "+" in self.gaps[end - 1]:
                return YearRange(i, end, lo, None)
            suffix = self.first_of(end, _SUFFIX_MIN)
            if suffix and (suffix != ("on",) or i > 0 and words[i - 1] == "from"):
                return YearRange(i, end + len(suffix), lo, None)
            suffix = self.first_of(end, _SUFFIX_MAX)
            if suffix:
                return YearRange(i, end + len(suffix), None, hi)
            return YearRange(i, end, lo, hi)
        for phrases, bound in (
            (_MAX_EXCLUSIVE, "max-1"),
            (_MAX_INCLUSIVE, "max"),
            (_MIN_EXCLUSIVE, "min+1"),
            (_MIN_INCLUSIVE, "min"),
            (_AROUND, "~"),
        ):
            op = self.first_of(i, phrases)
            a = self.atom(i + len(op)) if op else None
            if a:
                end, lo, hi, single = a
                if bound == "~":
                    if not single:
                        return None
                    return YearRange(i, end, lo - 2, hi + 2, 0.9)
                return YearRange(
                    i,
                    end,
                    *{
                        "max-1": (None, lo - 1),
                        "max": (None, hi),
                        "min+1": (hi + 1, None),
                        "min": (lo, None),
                    }[bound],
                )
        return self.vague(i)

    def ok_after(self, i: int) -> bool:
        """Word i ends a phrase, or the next word lets it modify films ("old movies", "old and")."""
        return i + 1 >= self.n or bool(self.gaps[i].strip()) or self.words[i + 1] in _OK_AFTER

    def vague(self, i: int) -> YearRange | None:
        words, ref = self.words, self.reference_year
        word = words[i]
        prev = words[i - 1] if i > 0 else ""
        if self.at(i, ("this", "year")):
            return YearRange(i, i + 2, ref, ref)
        if self.at(i, ("last", "year")):
            return YearRange(i, i + 2, ref - 1, ref - 1)
        if word in ("last", "past") and i + 1 < self.n:
            j = i + 1
            if words[j] == "decade":
                return YearRange(i, j + 1, ref - 9, None, 0.9)
            count = (
                int(words[j])
                if words[j].isdigit() and len(words[j]) <= 2
                else _NUMBER_WORDS.get(words[j])
            )
            if count:
                j += 1
                if j < self.n and words[j] == "of":
                    j += 1
                if j < self.n and words[j] == "years":
                    return YearRange(i, j + 1, ref - count + 1, None, 0.9)
        recent = YearRange(i, i + 1, ref - RECENT_YEARS + 1, None, 0.8)
        if self.at(i, ("recently", "released")) or self.at(i, ("new", "releases")):
            return YearRange(i, i + 2, recent.year_min, None, 0.8)
        if word in ("recent", "latest", "newest"):
            return recent if self.ok_after(i) else None
        if word == "new":
            next_word = words[i + 1] if i + 1 < self.n else ""
            if prev == "brand" or next_word in _NEW_NOUNS and not self.gaps[i].strip():
                return YearRange(i - (prev == "brand"), i + 1, recent.year_min, None, 0.8)
            return None
        if self.at(i, ("more", "recent")) or self.at(i, ("more", "modern")) or word == "newer":
            end = i + (1 if word == "newer" else 2)
            if not self.ok_after(end - 1):
                return None
            low = max(self.shown_years) + 1 if self.shown_years else NEWER_DEFAULT_MIN
            return YearRange(i, end, low, None, 0.9)
        if word == "older":
            if not self.ok_after(i):
                return None
            high = min(self.shown_years) - 1 if self.shown_years else OLDER_DEFAULT_MAX
            return YearRange(i, i + 1, None, high, 0.9)
        if self.at(i, ("old", "school")) or self.at(i, ("golden", "age")):
            return YearRange(i, i + 2, None, OLD_MAX_YEAR, 0.8)
        if word in ("old", "oldies", "oldie", "classic", "classics", "vintage"):
            if word == "old" and prev in _NOT_OLD_AFTER:
                return None  # "9 years old", "never gets old"
            if word in ("old", "classic", "vintage") and not self.ok_after(i):
                return None
            return YearRange(i, i + 1, None, OLD_MAX_YEAR, 0.6 if word == "classic" else 0.8)
        return None


def find_year_expressions(
    words: list[str], gaps: list[str], reference_year: int, shown_years: list[int] = ()
) -> list[YearRange]:
    """Year expressions in normalised `words`, left to right, non-overlapping.

    gaps[i] is the punctuation between words[i] and words[i + 1] (after the last word for the
    last one); reference_year is "now" for "recent"; shown_years are the years of the last
    shown list, for "older" / "newer".
    """
    parser = _Parser(words, gaps, reference_year, list(shown_years))
    found: list[YearRange] = []
    i = 0
    while i < len(words):
        span = parser.expression(i)
        if span and span.end > i:
            found.append(span)
            i = span.end
        else:
            i += 1
    return found
