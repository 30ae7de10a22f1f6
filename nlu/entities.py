"""Entities in one utterance: titles, people, genres, years, keywords, references, with polarity.

Rule and lexicon based (no model) and fast: a 30-word utterance takes about half a millisecond
against the 9,000-film catalog. The steps:

1. tokenize (`nlu.utterance`): words with character offsets, normalised forms, the punctuation
   around each word, whether its capital letter carries information and whether it is quoted.
2. candidates: word n-grams (n ≤ 10) are looked up in the title, person, genre and keyword
   indexes (`nlu.lexicon`); titles need evidence when they are ordinary words and typos are
   looked up around unknown words (`nlu.title_mentions`); year expressions
   (`nlu.time_expressions`) and references to the last shown list (`nlu.references`) are parsed.
   Misspelt names and surnames after "by" / "with" come from `nlu.fuzzy_people`.
3. resolve overlaps: longest span first, then type (reference > title > person > year > genre >
   keyword), then confidence. Only genres may share a span ("rom-com" → Romance and Comedy).
   Then titles the catalog lacks become "unknown_title" (`nlu.unknown_titles`: a year that
   contradicts the film's, two titles back to back, capitalised words after a title cue).
4. free keywords: what follows "about", "with", "involving", "featuring", "set in" and is no
   other entity ("a movie about a dog" → "dog", "with heart" → "heart").
5. polarity: entities inside a negation's scope (`nlu.negation`) are UNWANTED.
6. soft wishes ("less violent", "uplifting", "not too scary") replace the keywords they cover
   with "attribute" entities carrying genre weights (`nlu.soft_wishes`).

People: full names of directors and cast (any case); a surname alone for well-known people
("Nolan", "Kubrick", "Hanks") when no namesake, first name or ordinary word competes. role is
"director" for anyone who directed a catalog film, unless the text says "starring", "with",
"actor"... before the name; "actor" otherwise.
"""

from __future__ import annotations

from rapidfuzz import process
from rapidfuzz.distance import OSA

from nlu.entity_words import (
    ACTOR_CUES,
    ADJECTIVE_KEYWORDS,
    DIRECTOR_CUES,
    FOLLOWERS_OK,
    MOVIE_NOUNS,
    STOPWORDS,
)
from nlu.facet_mentions import bound_fields, facet_candidates
from nlu.fuzzy_people import SURNAME_CUES
from nlu.lexicon import COMMON, EntityLexicon
from nlu.negation import dissented_words, negated_words
from nlu.references import find_references
from nlu.soft_wishes import SoftWish, find_soft_wishes
from nlu.time_expressions import find_year_expressions
from nlu.title_mentions import fuzzy_title_candidates, looks_like_typo, title_candidates
from nlu.types import UNWANTED, WANTED, Entity, ParseContext
from nlu.unknown_titles import UNKNOWN_TITLE, mark_unknown_titles
from nlu.utterance import RANK, Candidate, Word, joined, previous_word, span_ok, tokenize

__all__ = ["EntityLexicon", "extract_entities", "tokenize", "Word"]

_STRONG_ACTOR_CUES = frozenset(
    "starring stars star actor actress played plays acting acted cast".split()
)
_PHRASE_CUES = frozenset(("about", "with", "involving", "featuring"))
_PHRASE_SKIP = frozenset(("a", "an", "the", "some", "lots", "lot", "of", "plenty", "more"))
_PHRASE_STOP_WORDS = """please pls plz thanks lol haha though either good great really watching
    seems sounds looks reviews"""
_PHRASE_STOP = STOPWORDS | MOVIE_NOUNS | frozenset(_PHRASE_STOP_WORDS.split())
_NOT_TOPICS = frozenset(  # "with my wife", "about it" are no topics
    """my your his her their our me him them us you it that this those these friends family wife
    husband kids girlfriend boyfriend partner""".split()
)
_FUZZY_GENRE_MIN = 5


def _person_candidates(words: list[Word], lexicon: EntityLexicon) -> list[Candidate]:
    found = []
    n = len(words)
    for i in range(n):
        longest = lexicon.person_first_len.get(words[i].norm, 0)
        for length in range(min(longest, n - i), 0, -1):
            j = i + length
            if not span_ok(words, i, j):
                continue
            entry = lexicon.persons.get(" ".join(w.norm for w in words[i:j]))
            if entry is None or (entry.guard == COMMON and not all(w.capital for w in words[i:j])):
                continue
            if (
                entry.surname_only
                and i > 0
                and joined(words[i].gap_before)
                and (words[i - 1].capital or words[i - 1].norm in lexicon.first_names)
            ):
                continue  # "Kelly Clarkson", "Patrick Bateman": someone else with that surname
            if (
                entry.surname_only
                and j < n
                and joined(words[j].gap_before)
                and (words[j].norm in lexicon.surnames)
            ):
                continue  # "tobey mcguire": a first name here
            cues = {previous_word(words, i), previous_word(words, i, 2)}
            rank = RANK["person"]
            if (
                cues & _STRONG_ACTOR_CUES
                or (cues & ACTOR_CUES and entry.n_acted)
                or not entry.n_directed
            ):
                role = "actor"
            else:
                role = "director"
            if cues & (ACTOR_CUES | DIRECTOR_CUES):
                rank = RANK["title"] + 0.5  # "with Ed Wood" is the man, not the film
            confidence = 0.9 if entry.surname_only else 1.0
            found.append(Candidate("person", i, j, (entry.name,), confidence, rank, role=role))
            break
    return found


def _role(words: list[Word], i: int, entry) -> tuple[str, float]:
    """(role, rank) of a person mention at word i from the cue words before it."""
    cues = {previous_word(words, i), previous_word(words, i, 2)}
    role = "actor" if (cues & _STRONG_ACTOR_CUES or (cues & ACTOR_CUES and entry.n_acted)
                       or not entry.n_directed) else "director"
    # "with Ed Wood" is the man, not the film
    rank = RANK["title"] + 0.5 if cues & (ACTOR_CUES | DIRECTOR_CUES) else RANK["person"]
    return role, rank


def _fuzzy_person_candidates(words: list[Word], lexicon: EntityLexicon,
                             exact: list[Candidate]) -> list[Candidate]:
    """Misspelt two-word names and surnames after "by" / "with" / "starring" (nlu/fuzzy_people),
    where no exact name was found."""
    if lexicon.people is None:
        return []
    taken = {k for c in exact for k in range(c.start, c.end)}
    found = []
    for i in range(len(words)):
        if i in taken:
            continue
        key = None
        if i + 1 < len(words) and i + 1 not in taken and span_ok(words, i, i + 2):
            key = lexicon.people.pair(words[i].norm, words[i + 1].norm)
            length = 2
        if key is None and previous_word(words, i) in SURNAME_CUES:
            key = lexicon.people.surname(words[i].norm, words[i].capital,
                                         directed=previous_word(words, i) in DIRECTOR_CUES)
            length = 1
        if key is None:
            continue
        if key in lexicon.people.facet_values:  # a schema domain's person facet: an author
            facet, value = lexicon.people.facet_values[key]
            found.append(Candidate("facet", i, i + length, (value,), 0.8, RANK["facet"],
                                   facet=facet))
            taken.update(range(i, i + length))
            continue
        entry = lexicon.persons[key]
        role, rank = _role(words, i, entry)
        found.append(Candidate("person", i, i + length, (entry.name,), 0.8, rank, role=role))
        taken.update(range(i, i + length))
    return found


def _adjective_ok(words: list[Word], i: int, lexicon: EntityLexicon) -> bool:
    """An adjectival keyword must describe a film: "dark movies", "too long", not "long time"."""
    if previous_word(words, i) in ("how", "so", "as"):  # "how long is it", "so long as"
        return False
    if i + 1 >= len(words) or words[i + 1].gap_before.strip():
        return True
    following = words[i + 1].norm
    return following in FOLLOWERS_OK or following in lexicon.genres or following in lexicon.keywords


def _phrase_candidates(words: list[Word], lexicon: EntityLexicon) -> list[Candidate]:
    found = []
    n = len(words)
    for i in range(n):
        longest = lexicon.phrase_first_len.get(words[i].norm, 0)
        for length in range(min(longest, n - i), 0, -1):
            j = i + length
            if not span_ok(words, i, j):
                continue
            phrase = " ".join(w.norm for w in words[i:j])
            if phrase in lexicon.genres:
                found.append(Candidate("genre", i, j, lexicon.genres[phrase], 1.0, RANK["genre"]))
                break
            if phrase in lexicon.keywords:
                if (
                    length == 1
                    and phrase in ADJECTIVE_KEYWORDS
                    and not _adjective_ok(words, i, lexicon)
                ):
                    continue
                found.append(
                    Candidate("keyword", i, j, (lexicon.keywords[phrase],), 0.9, RANK["keyword"])
                )
                break
        else:
            norm = words[i].norm
            if len(norm) >= _FUZZY_GENRE_MIN and looks_like_typo(norm, lexicon):
                hit = process.extractOne(
                    norm, lexicon.single_phrase_words, scorer=OSA.distance, score_cutoff=1
                )
                if hit:
                    genres = lexicon.genres.get(hit[0])
                    if genres:
                        found.append(Candidate("genre", i, i + 1, genres, 0.7, RANK["genre"]))
                    else:
                        found.append(
                            Candidate(
                                "keyword",
                                i,
                                i + 1,
                                (lexicon.keywords[hit[0]],),
                                0.6,
                                RANK["keyword"],
                            )
                        )
    return found


def _resolve(candidates: list[Candidate], n: int) -> list[Candidate]:
    """Non-overlapping: longest first, then type rank, then confidence."""
    taken = [False] * n
    chosen = []
    for c in sorted(
        candidates, key=lambda c: (-(c.end - c.start), -c.rank, -c.confidence, c.start)
    ):
        if not any(taken[c.start : c.end]):
            chosen.append(c)
            for k in range(c.start, c.end):
                taken[k] = True
    return chosen


def _keyword_phrases(words: list[Word], chosen: list[Candidate]) -> list[Candidate]:
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
        elif w in _PHRASE_CUES and not (
            w == "about" and previous_word(words, c) in ("what", "how")
        ):
            k = c + 1
        else:
            continue
        while k < n and words[k].norm in _PHRASE_SKIP and not covered[k]:
            k += 1
        if (
            k >= n
            or covered[k]
            or words[k].norm in _NOT_TOPICS
            or not words[k].norm.isalpha()
            or words[k].capital
        ):  # "with Deniro": a name we do not know
            continue
        end = k
        while (
            end < n
            and end - k < 4
            and not covered[end]
            and words[end].norm not in _PHRASE_STOP
            and (end == k or not words[end].gap_before.strip())
        ):
            end += 1
        if end > k and (k == c + 1 or not words[k].gap_before.strip()):
            found.append(Candidate("keyword", k, end, ("",), 0.7, RANK["keyword"]))
    return found


def extract_entities(
    text: str, lexicon: EntityLexicon, context: ParseContext = ParseContext()
) -> list[Entity]:
    """Entities of one utterance, sorted by start offset, non-overlapping (see module docstring)."""
    words = tokenize(text)
    if not words:
        return []
    n = len(words)
    norms = [w.norm for w in words]
    gaps_before = [w.gap_before for w in words]
    candidates = title_candidates(words, lexicon, context)
    candidates += fuzzy_title_candidates(words, lexicon)
    people = _person_candidates(words, lexicon)
    candidates += people + _fuzzy_person_candidates(words, lexicon, people)
    candidates += _phrase_candidates(words, lexicon)
    shown_years = [s.year for s in context.last_shown if s.year]
    for span in find_year_expressions(
        norms, [w.gap_after for w in words], lexicon.reference_year, shown_years
    ):
        candidates.append(
            Candidate(
                "year",
                span.start,
                span.end,
                (span.value,),
                span.confidence,
                RANK["year"],
                year_min=span.year_min,
                year_max=span.year_max,
            )
        )
    for ref in find_references(norms, gaps_before, context.last_shown):
        candidates.append(
            Candidate(
                "reference",
                ref.start,
                ref.end,
                (ref.value,),
                ref.confidence,
                RANK["reference"],
                item_ids=ref.item_ids,
                unwanted=ref.unwanted,
            )
        )
    if lexicon.facets is not None:
        candidates += facet_candidates(text, words, lexicon.facets, context)
    chosen = mark_unknown_titles(words, _resolve(candidates, n), lexicon.item_years,
                                 lexicon.reference_year)
    chosen += _keyword_phrases(words, chosen)

    covered = [False] * n
    for c in chosen:
        if c.type in ("title", "person", "reference", UNKNOWN_TITLE):
            for k in range(c.start, c.end):
                covered[k] = True
    negated = [forward or back for forward, back in zip(
        negated_words(norms, gaps_before, covered), dissented_words(norms, gaps_before, covered))]

    entities = []
    for c in chosen:
        start, end = words[c.start].start, c.char_end or words[c.end - 1].end
        surface = text[start:end]
        polarity = UNWANTED if c.unwanted or negated[c.start] else WANTED
        values = c.values
        if c.values == ("",):  # free keywords and unknown titles are named by their text
            values = (surface if c.type == UNKNOWN_TITLE else surface.lower(),)
        for value in values:
            entities.append(
                Entity(
                    type=c.type,
                    value=value,
                    text=surface,
                    start=start,
                    end=end,
                    polarity=polarity,
                    item_ids=c.item_ids,
                    role=c.role,
                    year_min=c.year_min,
                    year_max=c.year_max,
                    confidence=round(c.confidence, 3),
                    facet=c.facet,
                    **bound_fields(c.bounds),
                )
            )
    entities = _with_soft_wishes(text, words, negated, entities)
    entities.sort(key=lambda e: (e.start, -RANK[e.type], e.value))
    return entities


def _with_soft_wishes(text: str, words: list[Word], negated: list[bool],
                      entities: list[Entity]) -> list[Entity]:
    """Soft wishes (nlu/soft_wishes.py) as attribute entities, replacing the keywords (and, for
    a lowering wish, the genres) they cover: "not too scary" lowers Horror, excludes nothing."""
    out = list(entities)
    for wish in find_soft_wishes(text):
        if any(e.type not in ("keyword", "genre") and e.start < wish.end and wish.start < e.end
               for e in out):
            continue  # part of a title or name ("The Dark Knight")
        inside = [e for e in out if e.start >= wish.start and e.end <= wish.end]
        head = next((k for k, w in enumerate(words) if w.start < wish.end <= w.end), None)
        sign = wish.sign
        if head is not None and negated[head] and not wish.modified:
            sign = -sign  # "I don't want anything violent"
        if sign > 0 and any(e.type == "genre" and e.polarity == WANTED for e in inside):
            continue  # "something scary" already says Horror
        wish = SoftWish(wish.start, wish.end, wish.direction, sign, wish.modified)
        out = [e for e in out if not any(e is x for x in inside)]
        out.append(Entity(type="attribute", value=wish.value, text=text[wish.start:wish.end],
                          start=wish.start, end=wish.end,
                          polarity=WANTED if sign > 0 else UNWANTED, weights=wish.weights))
    return out
