"""References to the last shown list: "the second one", "#2", "the first two", "that one", "both".

Rules (documented choices):
- Positions are 1-based in display order. value is "2", "1,2" (several), "last" (the last one) or
  "all"; item_ids are the resolved ids, in the order named.
- Ordinals and numbers ("the second one", "number 3", "#2", "option two", "the first two", "the last
  one") are emitted even when nothing was shown, with empty item_ids, so the policy can answer "I
  haven't shown you anything yet"; a position past the end of the list also gets empty item_ids.
- Pronouns ("that one", "this movie", "it", "those", "them"), "both" and "all of them" need a shown
  list and are not emitted without one. With one item shown they refer to it; with several,
  "that one" / "it" / "more like that" refer to the FIRST shown item, at lower confidence (0.5,
  0.4), and "both" needs exactly two shown items.
- "none of them" / "neither" refer to all shown items and are UNWANTED by themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from nlu.types import ShownItem

_ORDINAL_WORDS = "first second third fourth fifth sixth seventh eighth ninth tenth".split()
_CARDINAL_WORDS = "one two three four five six seven eight nine ten".split()
_SUFFIXES = {1: "st", 2: "nd", 3: "rd"}
ORDINALS = {word: n for n, word in enumerate(_ORDINAL_WORDS, 1)} | {
    f"{n}{_SUFFIXES.get(n, 'th')}": n for n in range(1, 11)
}
CARDINALS = {word: n for n, word in enumerate(_CARDINAL_WORDS, 1)} | {
    str(n): n for n in range(1, 11)
}
REFERENCE_NOUNS = frozenset(
    """one movie film option choice pick suggestion recommendation title flick ones movies films
    options choices picks suggestions recommendations""".split()
)
# Words that may follow "the second" without making it "the second half", "the first time".
_ORDINAL_FOLLOWERS = frozenset(
    """and or but is was sounds looks seems seem sound look please too instead then maybe of
    on in for from i you we it that which please thanks though one ones about like with by has
    have had any so""".split()
)
_NUMBER_PREFIXES = frozenset(
    "number no option choice pick item suggestion recommendation nr num".split()
)
_DEMONSTRATIVES = frozenset(("that", "this"))
_GROUP_OBJECTS = frozenset(("them", "those", "these", "em", "the above"))
_TIME_UNITS = frozenset(("years", "decades", "months", "weeks", "days", "hours", "minutes"))
_FILLERS = frozenset(("please", "pls", "plz", "thanks", "ok", "okay"))


@dataclass(frozen=True)
class Reference:
    start: int  # word span [start, end)
    end: int
    value: str
    item_ids: tuple[str, ...]
    confidence: float = 1.0
    unwanted: bool = False


class _Finder:
    def __init__(self, words: list[str], gaps_before: list[str], shown: tuple[ShownItem, ...]):
        self.words = words
        self.gaps_before = gaps_before
        self.n = len(words)
        self.shown = shown

    def word(self, i: int) -> str:
        return self.words[i] if 0 <= i < self.n else ""

    def ends_phrase(self, i: int) -> bool:
        """Nothing after word i, or punctuation, or a word that does not take "the second" as
        an adjective."""
        return (
            i + 1 >= self.n
            or bool(self.gaps_before[i + 1].strip())
            or (self.words[i + 1] in _ORDINAL_FOLLOWERS)
        )

    def positions(
        self,
        start: int,
        end: int,
        positions: list[int],
        value: str | None = None,
        confidence: float = 1.0,
        unwanted: bool = False,
    ) -> Reference:
        ids = tuple(self.shown[p - 1].id for p in positions if 1 <= p <= len(self.shown))
        if len(ids) < len(positions):
            ids = ()
        value = value or ",".join(str(p) for p in positions)
        return Reference(start, end, value, ids, confidence, unwanted)

    def at(self, i: int) -> Reference | None:
        w, shown = self.words[i], self.shown
        j = i + (w == "the")
        first = self.word(j)
        # the first two / the last 2 / the top three
        if first in ("first", "last", "top") and self.word(j + 1) in CARDINALS and j + 1 < self.n:
            count = CARDINALS[self.word(j + 1)]
            if (
                count >= 2
                and self.word(j + 2) not in _TIME_UNITS
                and (w == "the" or self.word(j + 2) in REFERENCE_NOUNS)
            ):
                end = j + 2 + (self.word(j + 2) in REFERENCE_NOUNS)
                if first == "last":
                    if not shown:
                        return Reference(i, end, f"last{count}", ())
                    positions = list(range(max(1, len(shown) - count + 1), len(shown) + 1))
                else:
                    positions = list(range(1, count + 1))
                return self.positions(i, end, positions)
        # the second (one) / 2nd one / the last one / the latter
        if first in ORDINALS or first in ("last", "latter", "former"):
            noun = self.word(j + 1) in REFERENCE_NOUNS and self.word(j + 1) not in ("ones",)
            if noun or (w == "the" and self.ends_phrase(j)):
                end = j + 1 + noun
                if first in ("last", "latter"):
                    if not shown:
                        return Reference(i, end, "last", ())
                    return self.positions(i, end, [len(shown)], value="last")
                position = 1 if first == "former" else ORDINALS[first]
                return self.positions(i, end, [position])
        # number 3 / #2 / no. 2 / option two
        if (
            w in _NUMBER_PREFIXES
            and self.word(i + 1) in CARDINALS
            and (w != "no" or "." in self.gaps_before[i + 1])
        ):
            return self.positions(i, i + 2, [CARDINALS[self.word(i + 1)]])
        if w in CARDINALS and "#" in self.gaps_before[i]:
            return self.positions(i, i + 1, [CARDINALS[w]])
        # a bare number as the whole answer: "2", "3 please"
        if w in CARDINALS and w.isdigit() and i == 0 and all(x in _FILLERS for x in self.words[1:]):
            return self.positions(i, i + 1, [CARDINALS[w]])
        if not shown:
            return None
        every = list(range(1, len(shown) + 1))
        # all of them / none of them / both (of them) / neither
        if (
            w in ("all", "none", "neither", "any", "each", "both", "either")
            and self.word(i + 1) == "of"
        ):
            obj = self.word(i + 2)
            if obj in _GROUP_OBJECTS or (obj == "the" and self.word(i + 3) == "above"):
                end = i + 3 + (obj == "the")
                if w in ("both", "neither", "either") and len(shown) != 2:
                    return None
                pair = w in ("both", "neither", "either")
                return self.positions(
                    i, end, every, value=None if pair else "all", unwanted=w in ("none", "neither")
                )
        if w == "both" and len(shown) == 2:
            return self.positions(i, i + 1, [1, 2])
        if w == "neither" and len(shown) == 2:
            return self.positions(i, i + 1, [1, 2], unwanted=True)
        if w == "them" and self.word(i + 1) == "all":
            return self.positions(i, i + 2, every, value="all")
        if w == "all" and CARDINALS.get(self.word(i + 1)) == len(shown) and len(shown) > 1:
            return self.positions(i, i + 2, every, value="all")
        # that one / this movie / it / those
        single = len(shown) == 1
        if w in _DEMONSTRATIVES and self.word(i + 1) in REFERENCE_NOUNS - {
            "ones",
            "movies",
            "films",
        }:
            return self.positions(i, i + 2, [1], confidence=1.0 if single else 0.5)
        if (
            w in _DEMONSTRATIVES
            and self.word(i - 1) == "like"
            and (i + 1 >= self.n or self.gaps_before[i + 1].strip())
        ):
            return self.positions(i, i + 1, [1], confidence=0.8 if single else 0.4)  # "like that"
        if w == "it":
            return self.positions(i, i + 1, [1], confidence=0.8 if single else 0.4)
        if w in ("those", "these", "them") and len(shown) > 1:
            end = i + 1 + (self.word(i + 1) in ("ones", "movies", "films", "two", "three"))
            return self.positions(i, end, every, value="all", confidence=0.6)
        return None


def find_references(
    words: list[str], gaps_before: list[str], shown: tuple[ShownItem, ...]
) -> list[Reference]:
    """References in normalised `words` (gaps_before[i]: punctuation before word i)."""
    finder = _Finder(words, gaps_before, shown)
    found: list[Reference] = []
    i = 0
    while i < len(words):
        ref = finder.at(i)
        if ref:
            found.append(ref)
            i = ref.end
        else:
            i += 1
    return found
