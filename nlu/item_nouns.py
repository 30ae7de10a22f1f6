"""A domain's words for its items, read as the intent classifier's words for them.

The intent classifier learnt its intents from movie messages (data/nlu.yml: "a funny movie",
"something to watch tonight"); a schema domain's people say "a mystery novel", "an app for
invoicing", "something to read". To the classifier, "novel", "book", "app" and "read" are
unknown words, and "a mystery novel" reads as nothing it knows (the fallback). So, for the
intent head's input only (its sentence embedding and its n-grams), the domain's item words are
replaced by the words it learnt: a noun by "movie", a plural by "movies", a verb by "watch"
("reading" → "watching"). The entities, the interest vector and everything else read the
message as typed. A schema names its item words with `noun` / `plural` and, optionally,
`nouns` (other words for one item or several) and `verbs` (what one does with an item).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

TRAINED_NOUN, TRAINED_PLURAL = "movie", "movies"  # the item words of the intent data
TRAINED_VERB = {"": "watch", "s": "watches", "ing": "watching", "ed": "watched"}


def trained_word_for_noun(word: str, plural: str) -> str:
    """"novels" → "movies" (the schema's plural, or a word ending in one s), else "movie"."""
    is_plural = word == plural or (word.endswith("s") and not word.endswith("ss"))
    return TRAINED_PLURAL if is_plural else TRAINED_NOUN


def trained_word_for_verb(word: str) -> str:
    """"reading" → "watching", "used" → "watched", "reads" → "watches", "read" → "watch"."""
    for ending in ("ing", "ed", "s"):
        if word.endswith(ending) and len(word) > len(ending) + 2:
            return TRAINED_VERB[ending]
    return TRAINED_VERB[""]


@dataclass(frozen=True)
class ItemNouns:
    """Lower-case item word → the intent data's word for it."""

    words: dict[str, str]

    @staticmethod
    def build(noun: str, plural: str, nouns: tuple[str, ...] = (),
              verbs: tuple[str, ...] = ()) -> ItemNouns | None:
        """The replacements of a domain; None when there is nothing to replace (the movie
        catalog: its words are the trained ones)."""
        noun, plural = noun.lower().strip(), plural.lower().strip()
        words = {noun: TRAINED_NOUN, plural: TRAINED_PLURAL}
        words.update({w.lower().strip(): trained_word_for_noun(w.lower().strip(), plural)
                      for w in nouns})
        words.update({w.lower().strip(): trained_word_for_verb(w.lower().strip())
                      for w in verbs})
        words = {w: trained for w, trained in words.items() if w and w != trained}
        return ItemNouns(words) if words else None

    @cached_property
    def pattern(self) -> re.Pattern:
        alternatives = sorted(self.words, key=len, reverse=True)
        return re.compile(r"(?i)(?<![\w<])(?:(?P<article>an?)\s+)?(?P<word>"
                          + "|".join(map(re.escape, alternatives)) + r")(?!\w)")

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, trained word) of every item word in `text`; an article before it is
        replaced with it ("an app" → "a movie": "an movie" is no message the classifier saw)."""
        found = []
        for match in self.pattern.finditer(text):
            trained = self.words[match.group("word").lower()]
            if match.group("article"):
                found.append((match.start(), match.end(), "a " + trained))
            else:
                found.append((match.start("word"), match.end(), trained))
        return found


def rewrite(text: str, replacements: list[tuple[int, int, str]]) -> tuple[str, list[int]]:
    """`text` with each (start, end, new) span replaced by `new` (a span overlapping an earlier
    one is skipped), and, for each position k of the result (0 .. its length), the position in
    `text` it comes from: a replacement's first character maps to its span's start, the rest to
    its end (as nlu/parse.py delexicalised_offsets)."""
    out, offsets, cursor = [], [], 0
    for start, end, new in sorted(replacements):
        if start < cursor:
            continue
        out.append(text[cursor:start])
        offsets.extend(range(cursor, start))
        out.append(new)
        offsets.extend([start] + [end] * (len(new) - 1))
        cursor = end
    out.append(text[cursor:])
    offsets.extend(range(cursor, len(text) + 1))
    return "".join(out), offsets
