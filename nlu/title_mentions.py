"""Title mentions: exact and alias matches, titles of the last shown list, and typos.

Each title key has a guard (`nlu.lexicon`); `title_evidence` decides whether a span of words is
enough for it. A title made of ordinary words ("Heat", "Big", "Seven") counts only when quoted,
capitalised mid-sentence (and not part of a longer capitalised name, nor a place after "in"), or
right after a cue ("seen", "loved", "like", "what about"), and not when a film noun or a genre
follows ("big movies", "over the top musicals"); function-word titles ("It", "Her", "Up") need
capitals and a cue ("I loved Her"), or quotes; genre words ("Drama") need quotes.

Typos: a word that no index and no English vocabulary knows ("inceptoin") starts a lookup of
the n-grams around it (≤ 4 words) in a fuzzy index of distinctive exact titles; a hit must differ
in that word only, by one edit (two for words of 8+ letters), same first letter.
"""

from __future__ import annotations

from functools import lru_cache

from rapidfuzz.distance import OSA

from nlu.entity_words import (
    GENRE_LEXICON,
    LOCATIVES,
    MOVIE_NOUNS,
    NEW_CUES,
    NUMBER_FOLLOWERS,
    STOPWORDS,
    TITLE_CUE_BIGRAMS,
    TITLE_CUES,
)
from nlu.lexicon import (
    COMMON,
    FREE,
    LEXICON,
    MAX_TITLE_WORDS,
    QUOTED,
    STOP,
    EntityLexicon,
    TitleEntry,
)
from nlu.normalize import ARTICLES, title_key_word, title_variants
from nlu.types import ParseContext
from nlu.utterance import (
    RANK,
    Candidate,
    Word,
    capitalised_neighbour,
    joined,
    previous_word,
    span_ok,
)

_GENRE_WORDS = frozenset(w for p in GENRE_LEXICON for w in p.split()) - STOPWORDS
MAX_FUZZY_WORDS = 4
MAX_AMBIGUOUS_IDS = 5  # ids of an ambiguous title ("star wars"), most popular first
AMBIGUOUS_SHARE = 0.25  # a namesake with this share of the top one's ratings is a real option


def title_evidence(
    entry: TitleEntry | None, guard: str, words: list[Word], i: int, j: int
) -> float | None:
    """Confidence that words[i:j] name a title with this guard, or None when they do not."""
    span = words[i:j]
    quote = span[0].quote
    if (
        quote >= 0
        and all(w.quote == quote for w in span)
        and (i == 0 or words[i - 1].quote != quote)
        and (j == len(words) or words[j].quote != quote)
    ):
        return 1.0  # the whole quoted text is the title
    if guard == FREE:
        return 1.0
    if guard == QUOTED or all(w.norm.isdigit() and len(w.norm) <= 2 for w in span):
        return None  # "seen 3 times" is not the film "3"
    if (
        j < len(words)
        and words[j].norm in NUMBER_FOLLOWERS
        and joined(words[j].gap_before)
        and all(title_key_word(w.norm).isdigit() for w in span)
    ):
        return None  # "seen two of them"
    content = [w for w in span if w.norm not in STOPWORDS and not title_key_word(w.norm).isdigit()]
    content = content or span
    previous = previous_word(words, i)
    capitals = all(w.capital for w in content) and not capitalised_neighbour(words, i, j)
    if entry is not None and entry.proper:
        capitals = False  # "Adam and Ben", "Todays Friday!"
    if len(content) == 1 and not span[0].text[0].isupper() and span[0].norm not in ARTICLES:
        capitals = False  # "set in America" is not "In America"
    if len(content) == 1 and previous in LOCATIVES:
        capitals = False  # "set in Chicago": places are capitalised anyway
    cue = previous in TITLE_CUES or f"{previous_word(words, i, 2)} {previous}" in TITLE_CUE_BIGRAMS
    if i > 0 and words[i - 1].capital:
        cue = False  # "a big Saw fan": a capitalised cue word is a title itself
    if len(content) == 1 and span[0].norm in ARTICLES and not capitals:
        cue = False  # "enjoy the party", "I liked the bear"
    noun_follows = (
        j < len(words)
        and not words[j].gap_before
        and (words[j].norm in MOVIE_NOUNS or words[j].norm in _GENRE_WORDS)
    )  # "over the top musicals"
    single = len([w for w in span if w.norm not in ARTICLES]) == 1
    if guard == COMMON:
        accepted = capitals or (cue and not noun_follows) or _judged_at_start(words, i, j)
    elif guard == STOP:
        accepted = (capitals and cue) if single else (capitals or (cue and not noun_follows))
    else:  # LEXICON: "I loved Alien", "Scary Movie"
        accepted = capitals and (cue or not single)
    return 0.8 if accepted else None


_VERDICT_VERBS = frozenset(("was", "is", "were", "s"))
_VERDICTS = frozenset("""good great amazing awesome fantastic excellent brilliant terrible bad
    awful boring fun funny scary hilarious incredible decent okay ok overrated underrated
    amazingly so really pretty""".split())


def _judged_at_start(words: list[Word], i: int, j: int) -> bool:
    """A capitalised title opening a sentence and judged right after: "Taken was good"."""
    starts_sentence = i == 0 or any(c in ".!?" for c in words[i].gap_before)
    return (starts_sentence and words[i].text[:1].isupper() and j + 1 < len(words)
            and words[j].norm in _VERDICT_VERBS and words[j + 1].norm in _VERDICTS)


def _choose_ids(
    entry: TitleEntry, lexicon: EntityLexicon, shown_ids: list[str], year: int | None,
    newest: bool = False,
) -> tuple[str, ...]:
    """The films a title means: one shown, the one of the year typed, the newest after "the
    new", else the most rated and those nearly as rated."""
    ids = entry.item_ids
    for shown in shown_ids:
        if shown in ids:
            return (shown,)
    if year is not None:
        dated = tuple(i for i in ids if lexicon.item_years.get(i) == year)
        if dated:
            return dated[:1]
    if newest:
        return (max(ids, key=lambda i: lexicon.item_years.get(i, 0)),)
    top = lexicon.popularity.get(ids[0], 0)
    close = [i for i in ids[1:] if lexicon.popularity.get(i, 0) >= AMBIGUOUS_SHARE * top]
    return (ids[0], *close)[:MAX_AMBIGUOUS_IDS]


@lru_cache(maxsize=4096)
def _title_keys(title: str) -> tuple[str, ...]:
    return tuple(" ".join(key) for key, _kind in title_variants(title))


def title_candidates(
    words: list[Word], lexicon: EntityLexicon, context: ParseContext
) -> list[Candidate]:
    """Title candidates: catalog keys, and keys of the last shown titles (which win)."""
    shown_keys: dict[str, str] = {}
    for shown in context.last_shown:
        for key in _title_keys(shown.title):
            shown_keys.setdefault(key, shown.id)
    shown_first = {k.split(" ", 1)[0]: MAX_TITLE_WORDS for k in shown_keys}
    shown_ids = [s.id for s in context.last_shown]
    found: list[Candidate] = []
    n = len(words)
    for i in range(n):
        longest = max(
            lexicon.title_first_len.get(words[i].key, 0), shown_first.get(words[i].key, 0)
        )
        for length in range(min(longest, MAX_TITLE_WORDS, n - i), 0, -1):
            j = i + length
            key = " ".join(w.key for w in words[i:j])
            entry = lexicon.titles.get(key)
            shown_id = shown_keys.get(key)
            if entry is None and shown_id is None:
                continue
            free = entry is not None and entry.guard == FREE
            if not span_ok(words, i, j, allow_comma=length >= 3 or free):  # "Monsters, Inc."
                continue
            if entry is not None:
                guard = entry.guard
            else:  # a shown title the catalog does not know
                guard = STOP if all(w.norm in STOPWORDS for w in words[i:j]) else FREE
            if shown_id and (guard == COMMON or (guard == LEXICON and length > 1)):
                guard = FREE  # the person is talking about what we just showed
            confidence = title_evidence(entry, guard, words, i, j)
            if (confidence is None and entry is not None and j < n and "(" in words[j].gap_before
                    and words[j].norm.isdigit() and any(
                        lexicon.item_years.get(k) == int(words[j].norm) for k in entry.item_ids)):
                confidence = 0.9  # "Heat (1995)": the year in brackets says it is the film
            if confidence is None:
                continue
            if entry is not None and not entry.exact:
                confidence = min(confidence, 0.9)
            year = None
            if j < n and len(words[j].norm) == 4 and words[j].norm.isdigit():
                year = int(words[j].norm)
            if shown_id:  # "the godfather one" after showing Part II means Part II
                ids = (shown_id,)
            else:
                newest = i > 0 and words[i - 1].norm in NEW_CUES and joined(words[i].gap_before)
                ids = _choose_ids(entry, lexicon, shown_ids, year, newest)
            candidate = Candidate("title", i, j, (ids[0],), confidence, RANK["title"], item_ids=ids)
            if year is not None and lexicon.item_years.get(ids[0]) == year:
                candidate.end = j + 1  # "Psycho (1998)": the year belongs to the title
                if words[j].gap_after.startswith(")"):
                    candidate.char_end = words[j].end + 1
            found.append(candidate)
    return found


_INFLECTIONS = ("s", "es", "ed", "d", "ing", "ly", "er", "ers", "est", "y")


def looks_like_typo(word: str, lexicon: EntityLexicon) -> bool:
    """A word no index or vocabulary knows, not even without an inflection ("clowns")."""
    if len(word) < 4 or not word.isalpha() or word in lexicon.known_words:
        return False
    return not any(
        word.endswith(end) and word[: -len(end)] in lexicon.known_words for end in _INFLECTIONS
    )


def _one_typo(span: list[Word], key: str, typo: Word) -> bool:
    """key differs from the span in the typo word only, by a near miss with the same first letter
    (a one-word title of 7 letters or fewer must also end alike, unless the last two letters are
    swapped: "watched" is no typo of "Watcher", "jawz" could be one of "Jaws")."""
    key_words = key.split(" ")
    if len(key_words) != len(span):
        return False
    for word, key_word in zip(span, key_words, strict=True):
        if word.key == key_word:
            continue
        if word is not typo or word.key[0] != key_word[0]:
            return False
        limit = 1 if len(key_word) < 8 else 2
        if OSA.distance(word.key, key_word, score_cutoff=limit) > limit:
            return False
        swapped_end = word.key[-2:] == key_word[-1:-3:-1]
        if (
            len(span) == 1
            and len(key_word) <= 7
            and word.key[-1] != key_word[-1]
            and not swapped_end
        ):
            return False
    return True


def fuzzy_title_candidates(words: list[Word], lexicon: EntityLexicon) -> list[Candidate]:
    """Typos: n-grams around a word nothing knows ("inceptoin", "jurasic park"), the closest
    (then longest) title for each such word."""
    if lexicon.fuzzy is None:
        return []
    n = len(words)
    found = []
    for u, typo in enumerate(words):
        if not looks_like_typo(typo.norm, lexicon):
            continue
        best: tuple | None = None
        for i in range(max(0, u - MAX_FUZZY_WORDS + 1), u + 1):
            for j in range(u + 1, min(n, i + MAX_FUZZY_WORDS) + 1):
                if not span_ok(words, i, j):
                    continue
                start = i
                while start < u and words[start].norm in ARTICLES:
                    start += 1
                span = words[start:j]
                if span[0].norm in STOPWORDS or span[-1].norm in STOPWORDS:
                    continue
                query = " ".join(w.key for w in span)
                if len(query) < 6:
                    continue
                for key, distance in lexicon.fuzzy.lookup(query):
                    if _one_typo(span, key, typo):
                        rank = (distance, -(j - i))
                        if best is None or rank < best[0]:
                            best = (rank, i, j, key)
                        break
        if best is not None:
            (distance, _), i, j, key = best
            ids = _choose_ids(lexicon.titles[key], lexicon, [], None)
            confidence = max(0.5, 0.85 - 0.1 * distance)
            found.append(
                Candidate("title", i, j, (ids[0],), confidence, RANK["title"], item_ids=ids)
            )
    return found
