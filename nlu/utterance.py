"""An utterance as words: offsets, normalised forms, punctuation, capitals and quotes.

`tokenize` is the first step of entity extraction (`nlu.entities`); the helpers here answer the
questions every extractor asks about a span of words: does punctuation break it, which word comes
before it, is it part of a longer capitalised name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlu.entity_words import STOPWORDS
from nlu.normalize import TOKEN_PATTERN, fold, normalize_word, title_key_word

RANK = {"reference": 6, "title": 5, "unknown_title": 5, "person": 4, "year": 3, "genre": 2,
        "keyword": 1, "attribute": 1,
        # a schema domain's facet values and numeric limits (nlu/facet_lexicon.py, comparisons)
        "comparison": 6, "facet": 4.5}
_SENTENCE_END = frozenset(".!?")
_HARD_BREAK = frozenset('.!?;()"“”')
_QUOTED = re.compile(r'"([^"]+)"|“([^”]+)”|(?<!\w)[\'‘]([^\'‘’]+)[\'’](?!\w)')


@dataclass(slots=True)
class Word:
    """One word of an utterance. norm: normalised form; key: title-key form ("ii" → "2")."""

    text: str
    norm: str
    key: str
    start: int  # character offsets into the utterance
    end: int
    gap_before: str = ""  # punctuation between the previous word and this one
    gap_after: str = ""
    capital: bool = False  # capitalised where capitals carry information
    quote: int = -1  # which quoted span it sits in, -1 for none


def tokenize(text: str) -> list[Word]:
    """Words of `text` with offsets, normalised forms and the punctuation around them."""
    words: list[Word] = []
    pending = ""
    for match in TOKEN_PATTERN.finditer(text):
        token = match.group()
        if token[0].isalnum() or token[0] == "_" or (len(token) > 1 and token[0] in "'’"):
            norm = normalize_word(fold(token))
            if not norm:
                continue
            words.append(
                Word(token, norm, title_key_word(norm), match.start(), match.end(), pending)
            )
        elif token == "&":
            words.append(Word(token, "&", "and", match.start(), match.end(), pending))
        else:
            pending += token
            if words:
                words[-1].gap_after += token
            continue
        pending = ""
    if not words:
        return words
    inner = []  # words whose capital letter would mean something: mid-sentence, not "I"
    for i, w in enumerate(words):
        sentence_start = i == 0 or any(c in _SENTENCE_END for c in w.gap_before)
        pronoun = w.text == "I" or w.text.startswith(("I'", "I’"))
        if w.text[0].isalpha() and not sentence_start and not pronoun:
            inner.append(w)
    capitals = [
        w for w in inner if w.text[0].isupper() and not (len(w.text) > 1 and w.text.isupper())
    ]
    lower_function_word = any(w.norm in STOPWORDS and w.text[0].islower() for w in inner)
    if len(inner) >= 3 and len(capitals) >= 0.6 * len(inner) and not lower_function_word:
        capitals = []  # Title Case Or ALL CAPS typing: capitals say nothing
    for w in capitals:
        w.capital = True
    for index, match in enumerate(_QUOTED.finditer(text)):
        start, end = match.span()
        for w in words:
            if start < w.start and w.end < end:
                w.quote = index
    return words


@dataclass
class Candidate:
    """A possible entity over words [start, end); overlaps are resolved later."""

    type: str
    start: int  # word span [start, end)
    end: int
    values: tuple[str, ...]  # several only for genres sharing a span ("rom-com")
    confidence: float = 1.0
    rank: float = 0.0
    item_ids: tuple[str, ...] = ()
    role: str | None = None
    year_min: int | None = None
    year_max: int | None = None
    unwanted: bool = False
    char_end: int | None = None  # where the surface text ends, when not at the last word's end
    facet: str | None = None  # facet and comparison candidates: the facet's name
    bounds: tuple | None = None  # comparison: (low, high, low_open, high_open)


_ABBREVIATIONS = frozenset(  # a full stop after these ends no sentence: "Mrs. Doubtfire"
    "mr mrs ms dr st jr sr vs vol pt no inc co lt gen capt prof".split()
)


def span_ok(words: list[Word], i: int, j: int, allow_comma: bool = False) -> bool:
    """No sentence punctuation (nor a comma, unless allowed) between words i .. j-1."""
    for k in range(i + 1, j):
        gap = words[k].gap_before
        if gap and (any(c in _HARD_BREAK for c in gap) or ("," in gap and not allow_comma)):
            previous = words[k - 1].norm
            if gap.strip() == "." and (len(previous) == 1 or previous in _ABBREVIATIONS):
                continue  # initials and abbreviations: "J. J. Abrams", "Mrs. Doubtfire"
            return False
    return True


def previous_word(words: list[Word], i: int, back: int = 1) -> str:
    """The word `back` places before i, if no clause punctuation separates them."""
    k = i - back
    if k < 0 or any(
        any(c in _HARD_BREAK or c == "," for c in words[m].gap_before) for m in range(k + 1, i + 1)
    ):
        return ""
    return words[k].norm


def joined(gap: str) -> bool:
    """No punctuation between two words except a hyphen or an apostrophe ("T-Birds")."""
    return not gap.strip() or gap.strip() in ("-", "'", "’")


def capitalised_neighbour(words: list[Word], i: int, j: int) -> bool:
    """Is words[i:j] part of a longer capitalised name ("Small Town Crime", "Son of Sam")?"""
    n = len(words)
    before = i > 0 and words[i - 1].capital and joined(words[i].gap_before)
    after = j < n and words[j].capital and joined(words[j].gap_before)
    k = j + 1 + (j + 1 < n and words[j + 1].norm == "the")
    of_name = (
        k < n
        and words[j].norm == "of"
        and words[k].capital
        and all(joined(words[m].gap_before) for m in range(j, k + 1))
    )
    return before or after or of_name
