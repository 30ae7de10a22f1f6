"""Catalog indexes for entity extraction: titles (with aliases), people, genres and keywords.

Built once at start-up (`EntityLexicon.from_catalog`: about half a second for the 9,000-film
MovieLens catalog with 36k cast names) and read-only afterwards. Everything is keyed by normalised
words (`nlu.normalize`), so matching is case-, accent-, punctuation- and article-insensitive.

Each title key carries a *guard*: how much evidence an utterance needs before the words count as
that title. Ordinary words that happen to be titles must not fire on "I want something funny with
heart" ("Heat", "Her") or "they made it" ("Made"). A word is *ordinary* when it is in the
hand-written list (`nlu.entity_words.COMMON_WORDS`), in the plots of three films or more (not
counting films whose title has the word: Rocky's plot says "Rocky"), part of four people's names or
more ("Harvey", "Morgan"), or past the first word of three titles or more ("Love", "Night").
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from nlu.entity_words import (
    ALWAYS_CAPITALISED,
    COMMON_WORDS,
    GENRE_LEXICON,
    KEYWORD_LEXICON,
    MOVIE_NOUNS,
    STOPWORDS,
)
from nlu.facet_lexicon import FacetLexicon
from nlu.fuzzy_people import PeopleIndex
from nlu.fuzzy_titles import FuzzyTitleIndex, english_vocabulary
from nlu.normalize import (
    ARTICLES,
    EXACT,
    UNKEY,
    WEAK_ALIAS,
    is_number,
    normalize_names,
    normalize_words,
    title_variants,
)
from recommender.domain.catalog import Catalog

# Title guards, from free to strict (`nlu.title_mentions.title_evidence` applies them).
FREE = "free"  # distinctive ("inception", "the dark knight"): any mention counts
COMMON = "common"  # ordinary words ("heat", "about time"): a cue before, capitals, or quotes
STOP = "stop"  # function words ("it", "her", "up"): capitals and a cue ("I loved Her"), or quotes
LEXICON = "lexicon"  # mood/topic words ("Alien", "Scary Movie"): capitals (+ a cue if one word)
QUOTED = "quoted"  # genre words, letters, "one" ("Drama", "M", "The One"): quotes only

DEFAULT_REFERENCE_YEAR = 2016
MAX_TITLE_WORDS = 10
PLOT_COMMON_DF = 3  # a word in this many plots (of films not named by it) is ordinary
PLOT_TEXT_BUDGET = 2_500_000  # characters of plot text read at start-up (~0.1 s)
NAME_COMMON_DF = 4  # a word in this many people's names is ordinary ("harvey", "morgan")
TITLE_COMMON_DF = 3  # a word past the first word of this many titles is ordinary ("night")
ALIAS_OVER_EXACT = 3.0  # an alias this many times more popular joins an exact title's ids
_NAME_PARTICLES = frozenset(
    ("de", "del", "della", "di", "da", "van", "von", "der", "le", "la", "du", "dos", "mac")
)
_NOT_LETTERS = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalpha()})
_LEXICON_WORDS = frozenset(
    p for p in list(GENRE_LEXICON) + list(KEYWORD_LEXICON) if " " not in p
) | frozenset(("recent", "new", "old", "classic", "classics", "oldies", "older", "newer", "latest"))
_LEXICON_PHRASES = frozenset(list(GENRE_LEXICON) + list(KEYWORD_LEXICON)) | frozenset(
    ("old school", "golden age", "new releases", "recently released", "this year", "last year")
)
_GENRE_WORDS = frozenset(p for p in GENRE_LEXICON if " " not in p)


class TitleEntry(NamedTuple):
    """What one title key resolves to. item_ids: most popular first."""

    item_ids: tuple[str, ...]
    exact: bool  # the full title (or an alternate); False for aliases ("star wars", "godfather 2")
    guard: str
    proper: bool = False  # a first name, place or day: capitals are no evidence ("Adam", "Friday")


class PersonEntry(NamedTuple):
    """One person of the catalog, by full name or (surname_only) by surname."""

    name: str  # as the catalog writes it
    n_directed: int
    n_acted: int
    guard: str  # FREE, or COMMON for names made of ordinary words ("Jack Black")
    surname_only: bool = False


def title_guard(
    words: tuple[str, ...], exact: bool, popular: bool, ordinary: frozenset[str] | set[str]
) -> str:
    """How much evidence a title key needs. words: normalised words, leading article dropped."""
    content = [w for w in words if w not in STOPWORDS]
    if words == ("one",) or (
        len(words) == 1
        and len(words[0]) <= 2
        and not is_number(words[0])
        and words[0] not in STOPWORDS
    ):
        return QUOTED  # "M", "Ed"; "Up" and "It" are STOP words below
    if all(is_number(w) for w in words):
        return COMMON  # "Seven", "1984": a cue or quotes ("1" or "21" as digits: quotes only)
    if len(words) == 1 and words[0] in _GENRE_WORDS:
        return QUOTED
    lexical = [w in _LEXICON_WORDS or w in MOVIE_NOUNS for w in words]
    if " ".join(words) in _LEXICON_PHRASES or (
        any(lexical)
        and all(is_lexical or w in STOPWORDS for w, is_lexical in zip(words, lexical, strict=True))
    ):
        return LEXICON  # "Scary Movie", "Love Story", "Road Trip"
    if not content:
        return STOP
    if all(w in ordinary or is_number(w) for w in content):
        if len(content) <= 1 or (len(content) == 2 and len(words) <= 3 and not popular):
            return COMMON
    if len(content) == 1 and (not exact or len(content[0]) <= 3):
        return COMMON  # "tucker" alone, from "Tucker: The Man and His Dream"; "Wit"
    return FREE


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
    known_words: frozenset[str]  # every word an index or the vocabulary knows; a typo is not
    first_names: frozenset[str]  # first names ("Kelly Clarkson" is not Patricia Clarkson)
    surnames: frozenset[str]  # last names ("tobey mcguire": Tobey is a first name here)
    reference_year: int
    popularity: dict[str, int] = field(default_factory=dict)  # item id → n_ratings
    item_years: dict[str, int] = field(default_factory=dict)  # item id → year, where known
    fuzzy: FuzzyTitleIndex | None = None
    single_phrase_words: list[str] = field(default_factory=list)  # one-word genres/keywords
    people: PeopleIndex | None = None  # misspelt names, surnames after "by" (nlu/fuzzy_people.py)
    facets: FacetLexicon | None = None  # a schema domain's facet words (nlu/facet_lexicon.py)

    def __repr__(self) -> str:
        return (
            f"EntityLexicon({len(self.titles)} title keys, {len(self.persons)} people, "
            f"{len(self.genres)} genre phrases, {len(self.keywords)} keyword phrases, "
            f"reference_year={self.reference_year})"
        )

    @staticmethod
    def from_catalog(
        catalog: Catalog,
        reference_year: int | None = None,
        aliases: dict[str, list[str]] | None = None,
    ) -> EntityLexicon:
        """Index `catalog`.

        reference_year: "now" for "recent"; defaults to the newest item year (2016 for
        MovieLens-small). aliases: item id → other titles (the catalog build's aliases.json:
        "Se7en", "Il Postino"), indexed as exact titles; defaults to `catalog.aliases` if the
        catalog object has one.
        """
        items = catalog.items
        if aliases is None:
            aliases = getattr(catalog, "aliases", None) or {}
        popularity = {item.id: item.n_ratings for item in items}
        n_ratings = np.array([item.n_ratings for item in items], dtype=np.float64)
        popular_cut = float(np.quantile(n_ratings, 0.85)) if len(items) else 0.0
        if reference_year is None:
            years = catalog.years[catalog.years > 0]
            reference_year = int(years.max()) if len(years) else DEFAULT_REFERENCE_YEAR

        persons, person_words, name_df, fame, first_names, surnames = _index_people(catalog)
        titles, title_words, title_df, plain_words = _index_titles(
            catalog, aliases, popularity, popular_cut, name_df, persons
        )
        for surname in [k for k, p in persons.items() if p.surname_only]:
            entry = titles.get(surname)
            if title_df[surname] >= 2 or surname in plain_words:
                del persons[surname]  # "potter" (Harry Potter), "heard" (John Heard)
            elif entry is not None:  # "Hitchcock": the director, unless the film is as known
                if fame[persons[surname].name] >= ALIAS_OVER_EXACT * popularity[entry.item_ids[0]]:
                    del titles[surname]
                else:
                    del persons[surname]
        genres, keywords = _phrase_lexicons(catalog.genres)
        vocabulary = english_vocabulary()
        known_words = vocabulary | COMMON_WORDS | _LEXICON_WORDS | title_words | person_words
        fuzzy_keys = [  # distinctive exact titles; ordinary ones only with two words or more
            k
            for k, e in titles.items()
            if e.exact
            and len(k) >= 6
            and k.split(" ", 1)[0] not in ARTICLES
            and (e.guard == FREE or (e.guard == COMMON and " " in k))
        ]
        return EntityLexicon(
            titles=titles,
            title_first_len=_first_word_lengths(titles),
            persons=persons,
            person_first_len=_first_word_lengths(persons),
            genres=genres,
            keywords=keywords,
            phrase_first_len=_first_word_lengths({**genres, **keywords}),
            known_words=known_words,
            first_names=first_names,
            surnames=surnames,
            reference_year=int(reference_year),
            popularity=popularity,
            item_years={item.id: item.year for item in items if item.year},
            fuzzy=FuzzyTitleIndex(fuzzy_keys),
            single_phrase_words=[
                p for p in list(genres) + list(keywords) if " " not in p and len(p) >= 5
            ],
            people=PeopleIndex.build(persons, vocabulary),
        )


def _first_word_lengths(phrases) -> dict[str, int]:
    longest: dict[str, int] = {}
    for phrase in phrases:
        first, n = phrase.split(" ", 1)[0], phrase.count(" ") + 1
        longest[first] = max(longest.get(first, 0), n)
    return longest


def _index_titles(
    catalog: Catalog,
    aliases: dict,
    popularity: dict[str, int],
    popular_cut: float,
    name_df: Counter,
    persons: dict[str, PersonEntry],
):
    """Title key → TitleEntry, every word used in a title, in how many titles each word comes
    after the first word, and the ordinary English words (list, plots, titles)."""
    exact_ids: dict[tuple[str, ...], list[str]] = defaultdict(list)
    alias_ids: dict[tuple[str, ...], list[str]] = defaultdict(list)
    title_df: Counter = Counter()  # titles with the word past their first word
    plot_df: Counter = Counter()  # plots with the word, not counting films named by it
    plot_chars = 0
    title_words: set[str] = set()
    franchises: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for item in catalog.items:
        variants = title_variants(item.title)
        for alias in aliases.get(item.id, ()):
            variants += title_variants(alias)
        if not variants:
            continue
        full = variants[0][0]
        content = [UNKEY.get(w, w) for w in full if w not in ARTICLES]
        title_words.update(content)
        title_df.update(set(content[1:]))  # franchise names come first: they are not generic
        for n in (2, 3):  # "Harry Potter and the ..." → "harry potter"
            if full[n : n + 2] == ("and", "the"):
                franchises[full[:n]].add(item.id)
        if item.plot and plot_chars < PLOT_TEXT_BUDGET:
            plot_chars += len(item.plot)
            plot = item.plot.lower().translate(_NOT_LETTERS)
            plot_df.update(set(plot.split()) - set(content))
        popular = popularity[item.id] >= popular_cut
        for key, kind in variants:
            if kind == EXACT:
                exact_ids[key].append(item.id)
            elif kind != WEAK_ALIAS or popular:
                alias_ids[key].append(item.id)
    for prefix, ids in franchises.items():
        if len(ids) >= 2:
            alias_ids[prefix].extend(ids)

    plain_words = set(COMMON_WORDS)  # ordinary English words
    plain_words.update(w for w, n in plot_df.items() if n >= PLOT_COMMON_DF)
    plain_words.update(w for w, n in title_df.items() if n >= TITLE_COMMON_DF)
    ordinary = plain_words | {w for w, n in name_df.items() if n >= NAME_COMMON_DF}

    def by_popularity(ids) -> list[str]:
        return sorted(set(ids), key=lambda i: (-popularity[i], i))

    titles: dict[str, TitleEntry] = {}
    for key in exact_ids.keys() | alias_ids.keys():
        if len(key) > MAX_TITLE_WORDS:
            continue
        joined = " ".join(key)
        exact = key in exact_ids
        if not exact and joined in persons:
            continue  # "Will Ferrell: You're Welcome America" must not steal Will Ferrell
        ids = by_popularity(exact_ids[key] if exact else alias_ids[key])
        if exact and key in alias_ids:  # "lord of the rings": the trilogy beats the 1978 film
            aliased = by_popularity(alias_ids[key])
            if popularity[aliased[0]] > ALIAS_OVER_EXACT * max(1, popularity[ids[0]]):
                ids = by_popularity(ids + aliased)
        content_words = key[1:] if len(key) > 1 and key[0] in ARTICLES else key
        guard_words = tuple(UNKEY.get(w, w) for w in content_words)
        guard = title_guard(guard_words, exact, popularity[ids[0]] >= popular_cut, ordinary)
        proper = len(guard_words) == 1 and (
            name_df[guard_words[0]] >= NAME_COMMON_DF or guard_words[0] in ALWAYS_CAPITALISED
        )
        titles[joined] = TitleEntry(tuple(ids), exact, guard, proper)
    return titles, title_words, title_df, plain_words


def _index_people(catalog: Catalog):
    """Normalised name → PersonEntry (full names, and surnames of well-known people), every name
    word, how many people's names use each word, each person's fame (ratings of their films), the
    first names and the last names."""
    items = catalog.items
    directed = Counter(name for item in items for name in item.directors)
    acted = Counter(name for item in items for name in item.cast)
    names = list(directed.keys() | acted.keys())
    row_of = {name: row for row, name in enumerate(names)}
    credits = [(*item.directors, *item.cast) for item in items]  # per item, directors first
    person_rows = [row_of[name] for people in credits for name in people]
    weights = [item.n_ratings for item, people in zip(items, credits, strict=True) for _ in people]
    totals = np.bincount(person_rows, weights=weights, minlength=len(names)).tolist()
    fame = dict(zip(names, totals, strict=True))  # sum of n_ratings over a person's films
    persons: dict[str, PersonEntry] = {}
    by_surname: dict[str, list[str]] = defaultdict(list)
    name_df: Counter = Counter()
    first_name_fame: dict[str, int] = {}
    common, particles = COMMON_WORDS, _NAME_PARTICLES
    all_words: list[str] = []
    for name, words in zip(names, normalize_names(names), strict=True):
        person_fame = fame[name]
        if not words:
            continue
        all_words += words
        key = " ".join(words)
        if len(words) == 1:
            by_surname[key].append(name)
            continue
        first_name_fame[words[0]] = first_name_fame.get(words[0], 0) + person_fame
        old = persons.get(key)
        if old is None or person_fame > fame[old.name]:
            guard = COMMON if words[0] in common and all(w in common for w in words) else FREE
            persons[key] = PersonEntry(name, directed[name], acted[name], guard)
        particle = len(words) >= 3 and words[-2] in particles
        by_surname[" ".join(words[-2:]) if particle else words[-1]].append(name)
    name_df.update(all_words)
    surnames = frozenset(key.rsplit(" ", 1)[-1] for key in persons) - COMMON_WORDS

    candidates: dict[str, str] = {}  # surname → its best-known person
    for surname, bearers in by_surname.items():
        if surname in common or surname in _LEXICON_WORDS or len(surname) < 4 or surname in persons:
            continue
        best = max(bearers, key=lambda n: (fame[n], n))
        if (directed[best] >= 3 or acted[best] >= 10) and (
            fame[best] >= 3 * first_name_fame.get(surname, 0)
        ):  # not "arnold", "patrick"
            candidates[surname] = best
    # Fame of the namesakes outside the best-known one's films: relatives in the same films
    # (Vivian Kubrick) do not make "Kubrick" ambiguous.
    namesakes = {n: candidates[s] for s in candidates for n in by_surname[s] if n != candidates[s]}
    shared: dict[str, float] = {}
    for item, people in zip(items, credits, strict=True):
        for name in people:
            best = namesakes.get(name)
            if best is not None and best in people:
                shared[name] = shared.get(name, 0) + item.n_ratings
    for surname, best in candidates.items():
        if all(
            fame[best] >= 2 * (fame[n] - shared.get(n, 0)) for n in by_surname[surname] if n != best
        ):
            persons[surname] = PersonEntry(
                best, directed[best], acted[best], FREE, surname_only=True
            )
    first_names = frozenset(first_name_fame) - common
    return persons, set(name_df), name_df, fame, first_names, surnames


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
