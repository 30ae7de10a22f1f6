"""People as typed: "christopher nolen", "denzel washinton", "scarlett johanson", "by miyazaki".

Exact names are found by `nlu.entities` first; this finds the rest, over two adjacent words:
- one word is exactly a catalog first name (or last name) and the other is within a few edits
  of that person's other name word (OSA distance: 1 edit up to 5 letters, 2 from 6), or sounds
  the same (equal Soundex key) with one edit more; the closest match wins, then the best known;
- after a cue ("by", "with", "starring", "directed by"), one word that is (or misspells) the
  last name of exactly one catalog person, or of one person far better known than every
  namesake; never a first name ("with Rachel") or a lower-case English word ("with brown").
The typed word must not be an ordinary word ("tom and" is not Tom Hanks), except, for a schema
domain's person facet, a last name with its last letter missing ("stephen kin").
A schema domain's person facets (authors) are added with `add_facet_people`: the index is built
once with the lexicon (cached on disk, nlu/lexicon_cache.py), and a lookup compares a typed word
only with the other name words of one first name (or last name), in C (rapidfuzz), so 100k
authors cost a turn well under a millisecond.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import OSA

from nlu.entity_words import COMMON_WORDS

SURNAME_CUES = frozenset(("by", "with", "starring", "featuring", "director", "actor", "actress"))
FAME_MARGIN = 3.0  # a surname alone means its best-known bearer when credits are 3× any other's
_SOUNDEX = {c: str(d) for d, letters in enumerate(
    ("aeiouyhw", "bfpv", "cgjkqsxz", "dt", "l", "mn", "r")) for c in letters}


def soundex(word: str) -> str:
    """The four-character Soundex key of a lower-case word ("nolen" → "n450", "" → "")."""
    letters = [c for c in word if c.isalpha()]
    if not letters:
        return ""
    key, last = letters[0], _SOUNDEX.get(letters[0], "")
    for c in letters[1:]:
        code = _SOUNDEX.get(c, "")
        if code and code != "0" and code != last:
            key += code
        if c not in "hw":
            last = code
    return (key + "000")[:4]


def max_edits(length: int) -> int:
    """Edits allowed in a typed name word of `length` letters: 0 below 4, 1 up to 5, else 2."""
    return 0 if length < 4 else 1 if length <= 5 else 2


def close(typed: str, name_word: str) -> int | None:
    """Edit distance when `typed` may be a misspelling of `name_word`, else None."""
    allowed = max_edits(len(name_word))
    if allowed == 0 or abs(len(typed) - len(name_word)) > allowed + 1:
        return None
    distance = OSA.distance(typed, name_word)
    if distance <= allowed or (distance == allowed + 1 and soundex(typed) == soundex(name_word)):
        return distance
    return None


@dataclass
class PeopleIndex:
    """Two-word catalog names by first and by last word; credits as a measure of fame."""

    by_first: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # first → (last, key)
    by_last: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # last → (first, key)
    credits: dict[str, int] = field(default_factory=dict)  # key → films directed + acted
    ordinary: frozenset[str] = frozenset()  # words no misspelt name can be ("and", "watched")
    last_names: dict[str, list[str]] = field(default_factory=dict)  # by first letter
    directors: frozenset[str] = frozenset()  # keys of people who directed a catalog film
    facet_values: dict[str, tuple[str, str]] = field(default_factory=dict)  # key → (facet, value)

    @staticmethod
    def build(persons: dict, vocabulary: frozenset[str] = frozenset()) -> PeopleIndex:
        """From `EntityLexicon.persons` (normalised name → PersonEntry) and the English words
        that are no typo (nlu/fuzzy_titles.py english_vocabulary)."""
        by_first, by_last = defaultdict(list), defaultdict(list)
        credits = {}
        for key, entry in persons.items():
            words = key.split()
            if entry.surname_only or len(words) != 2:
                continue
            by_first[words[0]].append((words[1], key))
            by_last[words[1]].append((words[0], key))
            credits[key] = entry.n_directed + entry.n_acted
        last_names = defaultdict(list)
        for last in by_last:
            last_names[last[0]].append(last)
        directors = frozenset(k for k, e in persons.items() if e.n_directed and k in credits)
        return PeopleIndex(dict(by_first), dict(by_last), credits, COMMON_WORDS | vocabulary,
                           dict(last_names), directors)

    def add_facet_people(self, names: dict[str, tuple[str, str, int]]) -> None:
        """Add a schema domain's person facet values: normalised name (two words or more) →
        (facet, value as written, items). A name is filed under its first and last word."""
        for key, (facet, value, n_items) in names.items():
            words = key.split()
            if len(words) < 2 or key in self.credits:
                continue
            self.by_first.setdefault(words[0], []).append((words[-1], key))
            if words[-1] not in self.by_last:
                self.last_names.setdefault(words[-1][0], []).append(words[-1])
            self.by_last.setdefault(words[-1], []).append((words[0], key))
            self.credits[key] = n_items
            self.facet_values[key] = (facet, value)

    def _best(self, typed: str, options: list[tuple[str, str]]) -> str | None:
        if len(options) > 16:  # a common first name: only the name words a few edits away
            near = process.extract(typed, [word for word, _ in options], scorer=OSA.distance,
                                   score_cutoff=max_edits(len(typed)) + 2, limit=None)
            options = [options[index] for _, _, index in near]
        scored = [(d, -self.credits[key], key) for word, key in options
                  if (d := close(typed, word)) is not None]
        return min(scored)[2] if scored else None

    def _truncated(self, typed: str, options: list[tuple[str, str]]) -> str | None:
        """A person facet's name whose other word is `typed` plus one letter ("kin" → "king"),
        the best known; `typed` has three letters or more."""
        if len(typed) < 3:
            return None
        found = [(-self.credits[key], key) for word, key in options
                 if key in self.facet_values and len(word) == len(typed) + 1
                 and word.startswith(typed)]
        return min(found)[1] if found else None

    def pair(self, first: str, second: str) -> str | None:
        """The name key two typed words most likely mean, one of them misspelled, or None."""
        if first in self.by_first:
            options = self.by_first[first]
            key = (self._best(second, options) if second not in self.ordinary
                   else self._truncated(second, options))
            if key:
                return key
        if second in self.by_last and first not in self.ordinary:
            return self._best(first, self.by_last[second])
        return None

    def _close_last_name(self, typed: str) -> str:
        """The catalog last name `typed` misspells ("spielburg" → "spielberg"), or ""."""
        if max_edits(len(typed)) == 0:
            return ""
        found = process.extractOne(typed, self.last_names.get(typed[0], ()),
                                   scorer=OSA.distance, score_cutoff=max_edits(len(typed)))
        return found[0] if found else ""

    def surname(self, word: str, capitalised: bool = False, directed: bool = False
                ) -> str | None:
        """The name key a last name alone means: its only bearer, or one far better known
        (`directed`: after "by", only directors bear it). A lower-case English word ("brown")
        is no last name here."""
        if (word in COMMON_WORDS or word in self.by_first
                or (word in self.ordinary and not capitalised)):
            return None  # "with Rachel": a first name, "with brown hair": a word
        if word not in self.by_last:
            word = self._close_last_name(word)
        bearers = sorted(self.by_last.get(word, ()), key=lambda o: -self.credits[o[1]])
        if directed:  # "by": a film's director, or a schema domain's person (an author)
            bearers = [b for b in bearers if b[1] in self.directors or b[1] in self.facet_values]
        if not bearers:
            return None
        best = bearers[0][1]
        if len(bearers) == 1 or self.credits[best] >= FAME_MARGIN * self.credits[bearers[1][1]]:
            return best
        return None
