"""Catalog indexes for entity extraction: titles (with aliases), people, genres and keywords.

Built once at start-up (`EntityLexicon.from_catalog`, well under a second for 9,000 items and
100k+ cast names) and read-only afterwards. Everything is keyed by normalised words, so that
matching is case-, accent-, punctuation- and article-insensitive:

- `normalize_words("Léon: The Professional")` → ["leon", "the", "professional"]
- title keys also map numbers to digits (roman numerals II–XII and number words one–twelve, both
  sides), "&" to "and", so "godfather part ii", "Godfather Part 2" and "godfather 2" meet.

A title key carries a *guard*: how much evidence an utterance needs before the key counts as a
title. Ordinary words that happen to be titles ("Heat", "Up", "Her", "Seven", "Scary Movie") must
not fire on "I want something funny with heart".
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from nlu.entity_words import COMMON_WORDS, GENRE_LEXICON, KEYWORD_LEXICON, MOVIE_NOUNS, STOPWORDS
from recommender.catalog import Catalog

# Title guards, from free to strict.
FREE = "free"  # distinctive ("inception", "the dark knight"): any mention counts
COMMON = "common"  # ordinary words ("heat", "big", "about time"): needs a cue, capitals or quotes
STOP = "stop"  # function words only ("it", "her", "up"): capitals mid-sentence or quotes
LEXICON = "lexicon"  # genre/mood/topic words ("drama", "funny", "scary movie"): quotes, or capitals
GUARDS = (FREE, COMMON, STOP, LEXICON)

DEFAULT_REFERENCE_YEAR = 2016
MAX_TITLE_WORDS = 10
ARTICLES = frozenset(("the", "a", "an"))
_FOREIGN_ARTICLES = r"The|A|An|Le|La|Les|L'|Il|El|Der|Die|Das|Los|Las|Lo|Gli|Un|Une|Det|Den|De"
_TRAILING_ARTICLE = re.compile(rf"^(.*?), ({_FOREIGN_ARTICLES})$")
_PARENS = re.compile(r"\(([^()]*)\)")
_SUBTITLE_SPLIT = re.compile(r"\s*:\s+|\s+[-–—]\s+")
_SEQUEL_MARKERS = frozenset(("part", "pt", "episode", "chapter", "vol", "volume", "book"))
_NAME_PARTICLES = frozenset(("de", "del", "della", "di", "da", "van", "von", "der", "le", "la",
                             "du", "dos", "mac"))

TOKEN_PATTERN = re.compile(r"['’]\d0s\b|\w+(?:['’]\w+)*|[^\w\s]")
_FOLD_TABLE = str.maketrans({"æ": "ae", "œ": "oe", "ø": "o", "ß": "ss", "ł": "l", "đ": "d",
                             "ð": "d", "þ": "th", "’": "'", "‘": "'", "ı": "i"})
_KEY_WORDS = {
    "&": "and", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
    "seven": "7", "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12",
    "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7", "viii": "8", "ix": "9",
    "x": "10", "xi": "11", "xii": "12",
}


def fold(text: str) -> str:
    """Lower case without accents: "Amélie" → "amelie"."""
    text = text.lower()
    if text.isascii():
        return text
    text = text.translate(_FOLD_TABLE)
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def normalize_word(word: str) -> str:
    """One folded word token → its normalised form: no apostrophes, possessive "'s" dropped."""
    if "'" in word:
        if word[0] == "'":
            word = word[1:]  # '90s
        if word.endswith("'s") and not word[:-2].isdigit():
            word = word[:-2]  # nolan's → nolan, ocean's → ocean (90's stays 90s)
        word = word.replace("'", "")
    return word


def normalize_words(text: str) -> list[str]:
    """Text → normalised words (punctuation dropped, "&" kept as "&")."""
    out = []
    for match in TOKEN_PATTERN.finditer(fold(text)):
        word = match.group()
        if word[0].isalnum() or word[0] in "'_":
            out.append(normalize_word(word))
        elif word == "&":
            out.append("&")
    return [w for w in out if w]


def title_key_word(word: str) -> str:
    return _KEY_WORDS.get(word, word)


def _is_number(word: str) -> bool:
    return word.isdigit() or word in _KEY_WORDS and _KEY_WORDS[word].isdigit()


@dataclass(frozen=True)
class TitleEntry:
    """What one title key resolves to. item_ids: most popular first."""

    item_ids: tuple[str, ...]
    exact: bool  # the full title (or an a.k.a.); False for aliases ("star wars", "godfather 2")
    guard: str


@dataclass(frozen=True)
class PersonEntry:
    name: str  # as the catalog writes it
    n_directed: int
    n_acted: int
    guard: str  # FREE or COMMON (a name made of ordinary words: "Jack Black")
    surname_only: bool = False


def title_names(title: str) -> list[str]:
    """A display title → the names it goes by: main title plus a.k.a./original titles.

    "Seven (a.k.a. Se7en)" → ["Seven", "Se7en"]; "Godfather: Part II, The" → ["The Godfather: Part II"].
    """
    alternates = [p.strip() for p in _PARENS.findall(title)]
    names = [_PARENS.sub(" ", title)]
    for alt in alternates:
        alt = re.sub(r"^(a\.k\.a\.|aka|also known as)\s*", "", alt, flags=re.IGNORECASE).strip()
        if alt and not alt.isdigit():
            names.append(alt)
    out = []
    for name in names:
        name = " ".join(name.split())
        match = _TRAILING_ARTICLE.match(name)
        if match:
            sep = "" if match.group(2).endswith("'") else " "
            name = f"{match.group(2)}{sep}{match.group(1)}"
        if name:
            out.append(name)
    return out


def _keys_of(words: list[str]) -> list[tuple[str, ...]]:
    """Normalised words → key tuples: as is, without a leading article, with possessive "s"."""
    keys = [tuple(title_key_word(w) for w in words)]
    if len(words) > 1 and words[0] in ARTICLES:
        keys.append(keys[0][1:])
    return keys


def title_variants(title: str) -> list[tuple[tuple[str, ...], bool]]:
    """All (key words, exact) a display title is indexed under. See the module docstring."""
    variants: dict[tuple[str, ...], bool] = {}

    def add(words: list[str], exact: bool) -> None:
        if not words:
            return
        for key in _keys_of(words):
            if key and (exact or key not in variants):
                variants[key] = variants.get(key, False) or exact

    for name in title_names(title):
        folded = fold(name)
        words = normalize_words(name)
        add(words, True)
        if "'s" in folded.replace("’", "'"):  # Schindler's List → also "schindlers list"
            add(normalize_words(re.sub(r"'s\b", "s", folded.replace("’", "'"))), True)
        if re.search(r"\w-\w", folded):  # Spider-Man → also "spiderman"
            add(normalize_words(re.sub(r"(?<=\w)-(?=\w)", "", folded)), True)
        # Sequel forms: "godfather part 2" → "godfather 2".
        dropped = [w for i, w in enumerate(words)
                   if not (w in _SEQUEL_MARKERS and i + 1 < len(words) and _is_number(words[i + 1]))]
        if len(dropped) < len(words):
            add(dropped, False)
        parts = [p for p in _SUBTITLE_SPLIT.split(name) if p.strip()]
        if len(parts) > 1:
            head = normalize_words(parts[0])
            add(head, False)  # "Star Wars: Episode IV - A New Hope" → "star wars"
            tail = normalize_words(parts[-1])
            tail_content = [w for w in tail if w not in ARTICLES]
            if len(tail_content) >= 2 and tail_content[0] not in _SEQUEL_MARKERS:
                add(tail, False)  # → "a new hope"
            second = normalize_words(parts[1])
            if second and _is_number(second[-1]) and (len(second) == 1 or second[0] in _SEQUEL_MARKERS):
                add(head + [second[-1]], False)  # → "star wars 4"
    return list(variants.items())


class _FuzzyIndex:
    """Typo lookup over title keys: buckets by (length, first char) and (length, last char)."""

    def __init__(self, keys: list[str]):
        self.buckets: dict[tuple[int, str, int], list[str]] = defaultdict(list)
        for key in keys:
            self.buckets[(len(key), key[0], 0)].append(key)
            self.buckets[(len(key), key[-1], 1)].append(key)

    @staticmethod
    def max_edits(length: int) -> int:
        return 1 if length < 9 else 2 if length < 16 else 3

    def lookup(self, query: str) -> tuple[str, int] | None:
        """Closest key within max_edits(len(query)) edits (optimal string alignment), or None."""
        k = self.max_edits(len(query))
        choices: set[str] = set()
        for length in range(len(query) - k, len(query) + k + 1):
            choices.update(self.buckets.get((length, query[0], 0), ()))
            choices.update(self.buckets.get((length, query[-1], 1), ()))
        if not choices:
            return None
        best = process.extractOne(query, choices, scorer=OSA.distance, score_cutoff=k)
        return (best[0], int(best[1])) if best else None


def _title_guard(words: tuple[str, ...], popular: bool, title_word_df: Counter) -> str:
    """How much evidence a title key needs. `words` are normalised words, article dropped."""
    content = [w for w in words if w not in STOPWORDS]
    joined = " ".join(words)
    lexicon_words = _LEXICON_WORDS
    if all(w in lexicon_words or w in STOPWORDS or w in MOVIE_NOUNS for w in words) and (
        content or len(words) == 1
    ):
        if any(w in lexicon_words or w in MOVIE_NOUNS for w in words) or joined in lexicon_words:
            return LEXICON
    if not content:
        return STOP
    if len(words) == 1:
        word = words[0]
        if word in COMMON_WORDS or title_word_df[word] >= 3 or len(word) <= 3 or _is_number(word):
            return COMMON
        return FREE
    if all(w in COMMON_WORDS or _is_number(w) for w in words):
        if len(content) <= 1 or (len(content) == 2 and len(words) <= 3 and not popular):
            return COMMON
    return FREE


_LEXICON_WORDS = frozenset(
    w for phrase in list(GENRE_LEXICON) + list(KEYWORD_LEXICON) for w in phrase.split()
    if w not in STOPWORDS
) | frozenset(("recent", "new", "old", "classic", "classics", "oldies", "older", "newer", "latest"))


@dataclass(repr=False)
class EntityLexicon:
    """Indexes of one catalog for `nlu.entities.extract_entities`. Build with `from_catalog`."""

    titles: dict[str, TitleEntry]  # title key ("godfather 2") → entry
    title_first_len: dict[str, int]  # first key word → longest key starting with it (in words)
    persons: dict[str, PersonEntry]  # normalised full name or surname → person
    person_first_len: dict[str, int]
    genres: dict[str, tuple[str, ...]]  # normalised phrase → catalog genre names
    keywords: dict[str, str]  # normalised phrase → canonical keyword
    phrase_first_len: dict[str, int]  # over genres and keywords
    known_words: frozenset[str]  # every word an index knows; a typo is outside it
    reference_year: int
    popularity: dict[str, int] = field(default_factory=dict)  # item id → n_ratings
    item_years: dict[str, int] = field(default_factory=dict)  # item id → year, where known
    fuzzy: _FuzzyIndex | None = None
    single_phrase_words: list[str] = field(default_factory=list)  # one-word genres/keywords, ≥5 chars

    def __repr__(self) -> str:
        return (f"EntityLexicon({len(self.titles)} title keys, {len(self.persons)} people, "
                f"{len(self.genres)} genre phrases, {len(self.keywords)} keyword phrases, "
                f"reference_year={self.reference_year})")

    @staticmethod
    def from_catalog(catalog: Catalog, reference_year: int | None = None,
                     aliases: dict[str, list[str]] | None = None) -> EntityLexicon:
        """Index `catalog`. reference_year ("now" for "recent") defaults to the newest item year
        (2016 for MovieLens-small); aliases (item id → other titles, e.g. the catalog build's
        aliases.json: "Se7en", "Il Postino") are indexed as exact titles; a catalog object with
        an `aliases` attribute supplies them by default."""
        items = catalog.items
        if aliases is None:
            aliases = getattr(catalog, "aliases", None) or {}
        popularity = {item.id: item.n_ratings for item in items}
        n_ratings = np.array([item.n_ratings for item in items], dtype=np.float64)
        popular_cut = float(np.quantile(n_ratings, 0.85)) if len(items) else 0.0
        if reference_year is None:
            years = catalog.years[catalog.years > 0]
            reference_year = int(years.max()) if len(years) else DEFAULT_REFERENCE_YEAR

        # Titles: key → ids, exact titles first.
        exact_ids: dict[tuple[str, ...], list[str]] = defaultdict(list)
        alias_ids: dict[tuple[str, ...], list[str]] = defaultdict(list)
        title_word_df: Counter = Counter()  # titles with the word past their first word
        title_words: set[str] = set()
        first_words: dict[tuple[str, ...], set[str]] = defaultdict(set)  # franchise prefixes
        for item in items:
            variants = title_variants(item.title)
            if not variants:
                continue
            full = variants[0][0]
            content = [_UNKEY.get(w, w) for w in full if w not in ARTICLES]
            title_words.update(content)
            title_word_df.update(set(content[1:]))  # franchise names come first: not generic
            for n in (2, 3):
                if full[n:n + 2] == ("and", "the"):
                    first_words[full[:n]].add(item.id)
            for alias in aliases.get(item.id, ()):
                variants += title_variants(alias)
            for key, exact in variants:
                (exact_ids if exact else alias_ids)[key].append(item.id)
        for prefix, ids in first_words.items():  # "Harry Potter and the ..." → "harry potter"
            if len(ids) >= 2:
                alias_ids[prefix].extend(ids)

        titles: dict[str, TitleEntry] = {}
        title_first_len: dict[str, int] = {}
        for key in set(exact_ids) | set(alias_ids):
            exact = key in exact_ids
            ids = sorted(set(exact_ids[key] if exact else alias_ids[key]),
                         key=lambda i: (-popularity[i], i))
            content_words = key[1:] if len(key) > 1 and key[0] in ARTICLES else key
            guard_words = tuple(_UNKEY.get(w, w) for w in content_words)
            popular = popularity[ids[0]] >= popular_cut
            guard = _title_guard(guard_words, popular, title_word_df)
            if len(key) > MAX_TITLE_WORDS:
                continue
            joined = " ".join(key)
            titles[joined] = TitleEntry(tuple(ids), exact, guard)
            title_first_len[key[0]] = max(title_first_len.get(key[0], 0), len(key))

        # People: count films directed and acted; surnames for well-known ones.
        directed: Counter = Counter()
        acted: Counter = Counter()
        fame: Counter = Counter()  # sum of n_ratings over a person's films
        for item in items:
            for name in set(item.directors):
                directed[name] += 1
                fame[name] += item.n_ratings
            for name in set(item.cast):
                acted[name] += 1
                fame[name] += item.n_ratings
        persons: dict[str, PersonEntry] = {}
        by_surname: dict[str, list[str]] = defaultdict(list)
        name_words: dict[str, list[str]] = {}
        for name in directed.keys() | acted.keys():
            words = normalize_words(name)
            if not words:
                continue
            name_words[name] = words
            key = " ".join(words)
            if len(words) >= 2:
                guard = COMMON if all(w in COMMON_WORDS for w in words) else FREE
                entry = PersonEntry(name, directed[name], acted[name], guard)
                old = persons.get(key)
                if old is None or fame[name] > fame.get(old.name, 0):
                    persons[key] = entry
                surname = words[-2:] if len(words) >= 3 and words[-2] in _NAME_PARTICLES else words[-1:]
                by_surname[" ".join(surname)].append(name)
            else:
                by_surname[key].append(name)
        for surname, names in by_surname.items():
            if surname in COMMON_WORDS or surname in _LEXICON_WORDS or len(surname) < 4:
                continue
            if surname in persons:  # a full name already ("cher" won't collide, "van damme" might)
                continue
            best = max(names, key=lambda n: (fame[n], n))
            well_known = directed[best] >= 3 or acted[best] >= 10
            dominant = all(fame[best] >= 3 * fame[n] for n in names if n != best)
            if well_known and dominant and title_word_df[surname] < 2:
                persons[surname] = PersonEntry(best, directed[best], acted[best], FREE,
                                               surname_only=True)
        person_first_len: dict[str, int] = {}
        for key in persons:
            first, n = key.split(" ", 1)[0], key.count(" ") + 1
            person_first_len[first] = max(person_first_len.get(first, 0), n)

        genres, keywords = _phrase_lexicons(catalog.genres)
        phrase_first_len: dict[str, int] = {}
        for phrase in list(genres) + list(keywords):
            first, n = phrase.split(" ", 1)[0], phrase.count(" ") + 1
            phrase_first_len[first] = max(phrase_first_len.get(first, 0), n)

        known_words = set(COMMON_WORDS) | _LEXICON_WORDS | title_words
        known_words.update(w for words in name_words.values() for w in words)
        fuzzy_keys = [k for k, e in titles.items() if e.guard == FREE and len(k) >= 6
                      and not k.startswith(("the ", "a ", "an "))]
        return EntityLexicon(
            titles=titles,
            title_first_len=title_first_len,
            persons=persons,
            person_first_len=person_first_len,
            genres=genres,
            keywords=keywords,
            phrase_first_len=phrase_first_len,
            known_words=frozenset(known_words),
            reference_year=int(reference_year),
            popularity=popularity,
            item_years={item.id: item.year for item in items if item.year},
            fuzzy=_FuzzyIndex(fuzzy_keys),
            single_phrase_words=[p for p in list(genres) + list(keywords)
                                 if " " not in p and len(p) >= 5],
        )


# Digits back to words, for guards: a title key "7" is the ordinary word "seven".
_UNKEY = {v: k for k, v in _KEY_WORDS.items() if k.isalpha() and not set(k) <= set("ivx")}


def _phrase_lexicons(catalog_genres: tuple[str, ...]) -> tuple[dict, dict]:
    """Genre and keyword phrase tables restricted to the genres this catalog has."""
    present = set(catalog_genres)
    genres: dict[str, tuple[str, ...]] = {}
    for phrase, names in GENRE_LEXICON.items():
        kept = tuple(g for g in names if g in present)
        if kept:
            genres[" ".join(normalize_words(phrase))] = kept
    for name in catalog_genres:  # the catalog's own names always work ("film noir", "imax")
        genres.setdefault(" ".join(normalize_words(name)), (name,))
    keywords = {" ".join(normalize_words(p)): c for p, c in KEYWORD_LEXICON.items()}
    keywords = {p: c for p, c in keywords.items() if p not in genres}
    return genres, keywords
