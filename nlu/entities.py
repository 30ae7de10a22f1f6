"""Entities in one utterance: titles, people, genres, years, keywords, references, with polarity.

Rule and lexicon based (no model), built for speed: an utterance of ~30 words takes well under
2 ms against the 9,000-film catalog. The steps:

1. tokenize: words with character offsets, normalised forms (`nlu.lexicon`), the punctuation
   around each word, and whether its capital letter carries information (mid-sentence, in a
   text that is not all title case / capitals) or it sits in quotes.
2. candidates: every word n-gram (n ≤ 10) is looked up in the title, person, genre and keyword
   indexes; year expressions (`nlu.time_expressions`) and references to the last shown list
   (`nlu.references`) are parsed; a word no index knows ("inceptoin") triggers a bounded typo
   lookup of the n-grams around it.
3. resolve overlaps: longest span first, then type (reference > title > person > year > genre >
   keyword), then confidence. Two genres may share one span ("rom-com" → Romance, Comedy).
4. free keywords: what follows "about", "with", "involving", "featuring", "set in" and is no
   other entity ("a movie about time travel", "with heart").
5. polarity: entities inside a negation's scope (`nlu.negation`) are UNWANTED.

Title guards (see `nlu.lexicon`): a title made of ordinary words ("Heat", "Big", "Seven") counts
only when quoted, capitalised mid-sentence, or right after a cue ("seen", "loved", "like", "what
about"), and not when a film noun follows ("big movies"); function-word titles ("It", "Her", "Up")
need quotes or capitals; genre words ("Drama", "Funny") need quotes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import OSA

from nlu.entity_words import (
    ACTOR_CUES,
    ADJECTIVE_KEYWORDS,
    DIRECTOR_CUES,
    FOLLOWERS_OK,
    LOCATIVES,
    MOVIE_NOUNS,
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
from nlu.negation import negated_words
from nlu.normalize import (
    ARTICLES,
    TOKEN_PATTERN,
    fold,
    normalize_word,
    title_key_word,
    title_variants,
)
from nlu.references import find_references
from nlu.time_expressions import find_year_expressions
from nlu.types import UNWANTED, WANTED, Entity, ParseContext

__all__ = ["EntityLexicon", "extract_entities", "tokenize", "Word"]

_RANK = {"reference": 6, "title": 5, "person": 4, "year": 3, "genre": 2, "keyword": 1}
_SENTENCE_END = frozenset(".!?")
_HARD_BREAK = frozenset('.!?;()"“”')
_QUOTED = re.compile(r'"([^"]+)"|“([^”]+)”|(?<!\w)[\'‘]([^\'‘’]+)[\'’](?!\w)')
_STRONG_ACTOR_CUES = frozenset(("starring", "stars", "star", "actor", "actress", "played", "plays",
                                "acting", "acted", "cast"))
_PHRASE_CUES = frozenset(("about", "with", "involving", "featuring"))
_PHRASE_SKIP = frozenset(("a", "an", "the", "some", "lots", "lot", "of", "plenty", "more", "lots"))
_PHRASE_STOP = STOPWORDS | MOVIE_NOUNS | {"please", "pls", "plz", "thanks", "lol"}
_NOT_TOPICS = frozenset(("my", "your", "his", "her", "their", "our", "me", "him", "them", "us",
                         "you", "it", "that", "this", "those", "these", "friends", "family",
                         "wife", "husband", "kids", "girlfriend", "boyfriend", "partner"))
MAX_FUZZY_WORDS = 4
MAX_AMBIGUOUS_IDS = 5


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
            words.append(Word(token, norm, title_key_word(norm), match.start(), match.end(), pending))
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
    capitals = [w for w in inner if w.text[0].isupper()]
    if len(inner) >= 3 and len(capitals) >= 0.6 * len(inner):
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
class _Candidate:
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
    extra: dict = field(default_factory=dict)


def _span_ok(words: list[Word], i: int, j: int, allow_comma: bool = False) -> bool:
    """No sentence punctuation (nor a comma, unless allowed) between words i .. j-1."""
    for k in range(i + 1, j):
        gap = words[k].gap_before
        if gap and (any(c in _HARD_BREAK for c in gap) or ("," in gap and not allow_comma)):
            if gap.strip() == "." and len(words[k - 1].norm) == 1:
                continue  # initials: "J. J. Abrams"
            return False
    return True


def _previous(words: list[Word], i: int, back: int = 1) -> str:
    """The word `back` places before i, if no clause punctuation separates them."""
    k = i - back
    if k < 0 or any(any(c in _HARD_BREAK or c == "," for c in words[m].gap_before)
                    for m in range(k + 1, i + 1)):
        return ""
    return words[k].norm


def _joined(gap: str) -> bool:
    """No punctuation between two words except a hyphen or an apostrophe ("T-Birds")."""
    return not gap.strip() or gap.strip() in ("-", "'", "’")


def _capitalised_neighbour(words: list[Word], i: int, j: int) -> bool:
    """Is words[i:j] part of a longer capitalised name ("Small Town Crime", "Son of Sam")?"""
    n = len(words)
    before = i > 0 and words[i - 1].capital and _joined(words[i].gap_before)
    after = j < n and words[j].capital and _joined(words[j].gap_before)
    of_name = (j + 1 < n and words[j].norm == "of" and words[j + 1].capital
               and _joined(words[j].gap_before) and _joined(words[j + 1].gap_before))
    return before or after or of_name


def _title_evidence(guard: str, words: list[Word], i: int, j: int) -> float | None:
    """Confidence that words[i:j] name a title with this guard, or None when they do not."""
    span = words[i:j]
    quote = span[0].quote
    if quote >= 0 and all(w.quote == quote for w in span) and (
            i == 0 or words[i - 1].quote != quote) and (j == len(words) or words[j].quote != quote):
        return 1.0  # the whole quoted text is the title
    if guard == FREE:
        return 1.0
    if guard == QUOTED or all(w.norm.isdigit() and len(w.norm) <= 2 for w in span):
        return None  # "seen 3 times" is not the film "3"
    if j < len(words) and words[j].norm in NUMBER_FOLLOWERS and all(
            title_key_word(w.norm).isdigit() for w in span):
        return None  # "seen two of them"
    content = [w for w in span if w.norm not in STOPWORDS] or span
    previous = _previous(words, i)
    capitals = all(w.capital for w in content) and not _capitalised_neighbour(words, i, j)
    if len(content) == 1 and not span[0].capital and span[0].norm not in ARTICLES:
        capitals = False  # "set in America" is not "In America"
    if len(content) == 1 and previous in LOCATIVES:
        capitals = False  # "set in Chicago": places are capitalised anyway
    cue = previous in TITLE_CUES or f"{_previous(words, i, 2)} {previous}" in TITLE_CUE_BIGRAMS
    if len(content) == 1 and span[0].norm in ARTICLES and not capitals:
        cue = False  # "enjoy the party", "I liked the bear"
    noun_follows = j < len(words) and words[j].norm in MOVIE_NOUNS and not words[j].gap_before
    single = len([w for w in span if w.norm not in ARTICLES]) == 1
    if guard == COMMON:
        accepted = capitals or (cue and not noun_follows)
    elif guard == STOP:
        accepted = (capitals and cue) if single else (capitals or (cue and not noun_follows))
    else:  # LEXICON: "I loved Alien", "Scary Movie"
        accepted = capitals and (cue or not single)
    return 0.8 if accepted else None


def _choose_ids(entry: TitleEntry, lexicon: EntityLexicon, shown_ids: list[str],
                year: int | None) -> tuple[str, ...]:
    ids = entry.item_ids
    for shown in shown_ids:
        if shown in ids:
            return (shown,)
    if year is not None:
        dated = tuple(i for i in ids if lexicon.item_years.get(i) == year)
        if dated:
            return dated[:1]
    top = lexicon.popularity.get(ids[0], 0)
    close = [i for i in ids[1:] if lexicon.popularity.get(i, 0) >= 0.25 * top]
    return (ids[0], *close)[:MAX_AMBIGUOUS_IDS]


def _title_candidates(words: list[Word], lexicon: EntityLexicon,
                      context: ParseContext) -> list[_Candidate]:
    shown_keys: dict[str, str] = {}
    for shown in context.last_shown:
        for key, _exact in title_variants(shown.title):
            shown_keys.setdefault(" ".join(key), shown.id)
    shown_first = {k.split(" ", 1)[0]: MAX_TITLE_WORDS for k in shown_keys}
    shown_ids = [s.id for s in context.last_shown]
    found: list[_Candidate] = []
    n = len(words)
    for i in range(n):
        longest = max(lexicon.title_first_len.get(words[i].key, 0), shown_first.get(words[i].key, 0))
        for length in range(min(longest, MAX_TITLE_WORDS, n - i), 0, -1):
            j = i + length
            if not _span_ok(words, i, j, allow_comma=length >= 3):
                continue
            key = " ".join(w.key for w in words[i:j])
            entry = lexicon.titles.get(key)
            shown_id = shown_keys.get(key)
            if entry is None and shown_id is None:
                continue
            guard = entry.guard if entry else STOP if all(
                w.norm in STOPWORDS for w in words[i:j]) else FREE
            if shown_id and guard in (COMMON, LEXICON) and length > 1 or shown_id and guard == COMMON:
                guard = FREE  # the person is talking about what we just showed
            confidence = _title_evidence(guard, words, i, j)
            if confidence is None:
                continue
            if entry is not None and not entry.exact:
                confidence = min(confidence, 0.9)
            year, end = None, j
            if j < n and len(words[j].norm) == 4 and words[j].norm.isdigit():
                year = int(words[j].norm)
            if shown_id:  # "the godfather one" after showing Part II means Part II
                ids = (shown_id,)
            else:
                ids = _choose_ids(entry, lexicon, shown_ids, year)
            if year is not None and lexicon.item_years.get(ids[0]) == year:
                end = j + 1  # "Psycho (1998)": the year belongs to the title
            found.append(_Candidate("title", i, end, (ids[0],), confidence, _RANK["title"],
                                    item_ids=ids))
    return found


_INFLECTIONS = ("s", "es", "ed", "d", "ing", "ly", "er", "ers", "est", "y")


def _looks_like_typo(word: str, lexicon: EntityLexicon) -> bool:
    """A word no index or vocabulary knows, not even without an inflection ("clowns")."""
    if len(word) < 4 or not word.isalpha() or word in lexicon.known_words:
        return False
    return not any(word.endswith(end) and word[:-len(end)] in lexicon.known_words
                   for end in _INFLECTIONS)


def _one_typo(span: list[Word], key: str, typo: Word) -> bool:
    """key differs from the span in the typo word only, by a near miss with the same first
    letter (and the same last letter for words of 7 letters or fewer)."""
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
        if len(key_word) <= 7 and word.key[-1] != key_word[-1]:
            return False
    return True


def _fuzzy_title_candidates(words: list[Word], lexicon: EntityLexicon) -> list[_Candidate]:
    """Typos: n-grams around a word nothing knows ("inceptoin", "jurasic park")."""
    if lexicon.fuzzy is None:
        return []
    n = len(words)
    best: tuple | None = None
    for u, typo in enumerate(words):
        if not _looks_like_typo(typo.norm, lexicon):
            continue
        for i in range(max(0, u - MAX_FUZZY_WORDS + 1), u + 1):
            for j in range(u + 1, min(n, i + MAX_FUZZY_WORDS) + 1):
                if not _span_ok(words, i, j):
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
    if best is None:
        return []
    (distance, _), i, j, key = best
    ids = _choose_ids(lexicon.titles[key], lexicon, [], None)
    confidence = max(0.5, 0.85 - 0.1 * distance)
    return [_Candidate("title", i, j, (ids[0],), confidence, _RANK["title"], item_ids=ids)]


def _person_candidates(words: list[Word], lexicon: EntityLexicon) -> list[_Candidate]:
    found = []
    n = len(words)
    for i in range(n):
        longest = lexicon.person_first_len.get(words[i].norm, 0)
        for length in range(min(longest, n - i), 0, -1):
            j = i + length
            if not _span_ok(words, i, j):
                continue
            entry = lexicon.persons.get(" ".join(w.norm for w in words[i:j]))
            if entry is None or (entry.guard == COMMON and not all(w.capital for w in words[i:j])):
                continue
            cues = {_previous(words, i), _previous(words, i, 2)}
            rank = _RANK["person"]
            if cues & _STRONG_ACTOR_CUES or (cues & ACTOR_CUES and entry.n_acted) or not entry.n_directed:
                role = "actor"
            else:
                role = "director"
            if cues & (ACTOR_CUES | DIRECTOR_CUES):
                rank = _RANK["title"] + 0.5  # "with Ed Wood" is the man, not the film
            confidence = 0.9 if entry.surname_only else 1.0
            found.append(_Candidate("person", i, j, (entry.name,), confidence, rank, role=role))
            break
    return found


def _adjective_ok(words: list[Word], i: int, lexicon: EntityLexicon) -> bool:
    """An adjectival keyword must describe a film: "dark movies", "too long", not "long time"."""
    if _previous(words, i) == "how":  # "how long is it"
        return False
    if i + 1 >= len(words) or words[i + 1].gap_before.strip():
        return True
    following = words[i + 1].norm
    return following in FOLLOWERS_OK or following in lexicon.genres or following in lexicon.keywords


_FUZZY_GENRE_MIN = 5


def _phrase_candidates(words: list[Word], lexicon: EntityLexicon) -> list[_Candidate]:
    found = []
    n = len(words)
    for i in range(n):
        longest = lexicon.phrase_first_len.get(words[i].norm, 0)
        for length in range(min(longest, n - i), 0, -1):
            j = i + length
            if not _span_ok(words, i, j):
                continue
            phrase = " ".join(w.norm for w in words[i:j])
            if phrase in lexicon.genres:
                found.append(_Candidate("genre", i, j, lexicon.genres[phrase], 1.0, _RANK["genre"]))
                break
            if phrase in lexicon.keywords:
                if length == 1 and phrase in ADJECTIVE_KEYWORDS and not _adjective_ok(words, i, lexicon):
                    continue
                found.append(_Candidate("keyword", i, j, (lexicon.keywords[phrase],), 0.9,
                                        _RANK["keyword"]))
                break
        else:
            norm = words[i].norm
            if len(norm) >= _FUZZY_GENRE_MIN and _looks_like_typo(norm, lexicon):
                hit = process.extractOne(norm, lexicon.single_phrase_words, scorer=OSA.distance,
                                         score_cutoff=1)
                if hit:
                    genres = lexicon.genres.get(hit[0])
                    if genres:
                        found.append(_Candidate("genre", i, i + 1, genres, 0.7, _RANK["genre"]))
                    else:
                        found.append(_Candidate("keyword", i, i + 1, (lexicon.keywords[hit[0]],),
                                                0.6, _RANK["keyword"]))
    return found


def _resolve(candidates: list[_Candidate], n: int) -> list[_Candidate]:
    """Non-overlapping: longest first, then type rank, then confidence."""
    taken = [False] * n
    chosen = []
    for c in sorted(candidates, key=lambda c: (-(c.end - c.start), -c.rank, -c.confidence, c.start)):
        if not any(taken[c.start:c.end]):
            chosen.append(c)
            for k in range(c.start, c.end):
                taken[k] = True
    return chosen


def _keyword_phrases(words: list[Word], chosen: list[_Candidate]) -> list[_Candidate]:
    """Free topics after "about", "with", "involving", "featuring", "set in"."""
    covered = [False] * len(words)
    for c in chosen:
        for k in range(c.start, c.end):
            covered[k] = True
    found = []
    n = len(words)
    for c in range(n):
        w = words[c].norm
        if covered[c]:
            continue
        if w == "set" and c + 1 < n and words[c + 1].norm == "in":
            k = c + 2
        elif w in _PHRASE_CUES and not (w == "about" and _previous(words, c) in ("what", "how")):
            k = c + 1
        else:
            continue
        while k < n and words[k].norm in _PHRASE_SKIP and not covered[k]:
            k += 1
        if k >= n or covered[k] or words[k].norm in _NOT_TOPICS or not words[k].norm.isalpha():
            continue
        end = k
        while (end < n and end - k < 4 and not covered[end] and words[end].norm not in _PHRASE_STOP
               and (end == k or not words[end].gap_before.strip())):
            end += 1
        if end > k and (k == c + 1 or not words[k].gap_before.strip()):
            found.append(_Candidate("keyword", k, end, ("",), 0.7, _RANK["keyword"]))
    return found


def extract_entities(text: str, lexicon: EntityLexicon,
                     context: ParseContext = ParseContext()) -> list[Entity]:
    """Entities of one utterance, sorted by start offset, non-overlapping (see module docstring)."""
    words = tokenize(text)
    if not words:
        return []
    n = len(words)
    norms = [w.norm for w in words]
    gaps_before = [w.gap_before for w in words]
    candidates = _title_candidates(words, lexicon, context)
    candidates += _fuzzy_title_candidates(words, lexicon)
    candidates += _person_candidates(words, lexicon)
    candidates += _phrase_candidates(words, lexicon)
    shown_years = [s.year for s in context.last_shown if s.year]
    for span in find_year_expressions(norms, [w.gap_after for w in words], lexicon.reference_year,
                                      shown_years):
        candidates.append(_Candidate("year", span.start, span.end, (span.value,), span.confidence,
                                     _RANK["year"], year_min=span.year_min, year_max=span.year_max))
    for ref in find_references(norms, gaps_before, context.last_shown):
        candidates.append(_Candidate("reference", ref.start, ref.end, (ref.value,), ref.confidence,
                                     _RANK["reference"], item_ids=ref.item_ids, unwanted=ref.unwanted))
    chosen = _resolve(candidates, n)
    chosen += _keyword_phrases(words, chosen)

    covered = [False] * n
    for c in chosen:
        if c.type in ("title", "person", "reference"):
            for k in range(c.start, c.end):
                covered[k] = True
    negated = negated_words(norms, gaps_before, covered)

    entities = []
    for c in chosen:
        start, end = words[c.start].start, words[c.end - 1].end
        surface = text[start:end]
        polarity = UNWANTED if c.unwanted or negated[c.start] else WANTED
        values = c.values if c.type != "keyword" or c.values != ("",) else (surface.lower(),)
        for value in values:
            entities.append(Entity(
                type=c.type, value=value, text=surface, start=start, end=end, polarity=polarity,
                item_ids=c.item_ids, role=c.role, year_min=c.year_min, year_max=c.year_max,
                confidence=round(c.confidence, 3)))
    entities.sort(key=lambda e: (e.start, -_RANK[e.type], e.value))
    return entities
