"""Titles the catalog lacks: say so instead of matching the wrong film.

After overlaps are resolved (`nlu.entities`), three patterns turn title candidates, or plain
capitalised words, into an "unknown_title" candidate whose value is the surface text:
- a title followed by a year that none of its films has (±1): "Parasite (2019)" is not
  Parasite (1982); the year is part of the unknown title (no relation to the catalog's film);
- two titles with nothing between them: "Top Gun Maverick" is not Top Gun + Maverick (1994);
- a title followed by a sequel number the catalog's title lacks: "john wick 4", "Dune Part Two",
  "John Wick: Chapter 2" are not John Wick or Dune (a part the catalog holds, "toy story 3",
  "the godfather part 2", matched the longer title already);
- a title after "new" / "latest" / "upcoming" whose films are all older than the catalog's last
  `NEW_YEARS` years: "the new Dune movie" is not Dune (1984) in a catalog that ends in 2016
  ("the new Star Wars" may be The Force Awakens (2015) there, and stays a title);
- capitalised words that are no entity, after a title cue ("seen Oppenheimer", "I liked
  Parasite and Get Out", "what about Barbie"): up to MAX_WORDS words;
- lower-case words, as most people type, only where nothing else can be meant: after a strong cue
  ("what about tenet", "have you seen oppenheimer", "i liked parasite and get out") up to the end
  of the clause, none of them an entity, a pronoun or a word for a film's parts or a time
  ("what about tonight", "liked the acting", "saw it with my wife" stay no title).

An unknown title of the second, third and fourth patterns keeps the catalog film it continues as
its item ids ("john wick 4" → John Wick (2014)): the chat goes by that film, saying so.
"""

from __future__ import annotations

from nlu.entity_words import (
    NEW_CUES,
    NUMBER_FOLLOWERS,
    STOPWORDS,
    TITLE_CUE_BIGRAMS,
    TITLE_CUES,
)
from nlu.normalize import is_number
from nlu.utterance import RANK, Candidate, Word, joined

UNKNOWN_TITLE = "unknown_title"
MAX_WORDS = 5
YEAR_SLACK = 1  # release years differ by one between sources
_JOINERS = frozenset(("and", "or", "&"))
# lower case: the cues after which an unknown phrase is a title (not "like": "i like dogs")
_LOWER_CUES = frozenset("seen saw watched rewatched loved liked enjoyed adored hated".split())
_LOWER_CUE_BIGRAMS = frozenset(("what about", "how about", "movie called", "film called"))
_CLAUSE_ENDS = frozenset("and but or because so though although since when while if then".split())
# no title in lower case: pronouns, a film's parts, times, people around the viewer, vague words
NOT_TITLE_WORDS = frozenset("""
my your his her our their me you him them it its this that these those one ones all both
acting actors actor actress cast plot story ending end ending music soundtrack score script
characters character effects visuals cinematography dialogue scenes scene part parts sequel
sequels original remake trailer book series show shows episode season movie movies film films
tonight today tomorrow yesterday now later weekend night morning evening time times again
twice once before already recently lately ago last week year years month
wife husband kids kid children son daughter friends friend family girlfriend boyfriend mom dad
something anything else other others another more different instead too either
""".split())
_NOT_FIRST = frozenset("""with for in at on to from by about of into over after before during
like as than because since until a an""".split())  # "the" may start a title ("the batman")


def _unknown(start: int, end: int, char_end: int | None = None,
             related: tuple[str, ...] = ()) -> Candidate:
    """An unknown title over words[start:end]; `related`: the catalog's film(s) it continues
    ("john wick 4" → John Wick), kept as its item ids so the chat can go by them."""
    return Candidate(UNKNOWN_TITLE, start, end, ("",), 0.7, RANK[UNKNOWN_TITLE],
                     char_end=char_end, item_ids=related)


_PART_WORDS = frozenset(("part", "chapter", "episode", "vol", "volume"))
_SEQUEL_GAPS = frozenset(("", ":", "-"))
MAX_SEQUEL = 12  # "ocean's 13" is past the number words normalize.py maps; digits count anyway
NEW_YEARS = 3  # "the new X": a film of the catalog's last NEW_YEARS years may be the one meant


def sequel_end(words: list[Word], k: int) -> int | None:
    """The end (exclusive) of a sequel marker that starts at word k right after a title ("4",
    "II", "part two", ": Chapter 2"), or None. "seen toy story 2 times" is no marker."""
    if k >= len(words) or words[k].gap_before.strip() not in _SEQUEL_GAPS:
        return None
    end = None
    if words[k].norm in _PART_WORDS and k + 1 < len(words) and is_number(words[k + 1].norm):
        end = k + 2
    elif is_number(words[k].norm) and words[k].key.isdigit() \
            and 2 <= int(words[k].key) <= MAX_SEQUEL:
        end = k + 1
    if end is None or (end < len(words) and words[end].norm in NUMBER_FOLLOWERS):
        return None
    return end


def _years_fit(title: Candidate, year: Candidate, item_years: dict[str, int]) -> bool:
    years = [item_years[i] for i in title.item_ids if i in item_years]
    return not years or any(year.year_min - YEAR_SLACK <= y <= year.year_max + YEAR_SLACK
                            for y in years)


def _newer_than_catalog(words: list[Word], title: Candidate, item_years: dict[str, int],
                        newest_year: int | None) -> bool:
    """Is the title named as a new film ("the new Dune") while every film of that title in the
    catalog is older than its last NEW_YEARS years?"""
    k = title.start - 1
    if newest_year is None or k < 0 or words[k].norm not in NEW_CUES \
            or not joined(words[title.start].gap_before):
        return False
    years = [item_years[i] for i in title.item_ids if i in item_years]
    return bool(years) and max(years) <= newest_year - NEW_YEARS


def _cued(words: list[Word], i: int) -> bool:
    """A title cue before word i: "seen X", "liked X", "what about X", "X and" after a title."""
    before = words[i - 1].norm if i > 0 and joined(words[i].gap_before) else ""
    before2 = words[i - 2].norm if i > 1 and joined(words[i - 1].gap_before) else ""
    return before in TITLE_CUES or f"{before2} {before}" in TITLE_CUE_BIGRAMS


def mark_unknown_titles(words: list[Word], chosen: list[Candidate], item_years: dict[str, int],
                        newest_year: int | None = None) -> list[Candidate]:
    """`chosen` (resolved, non-overlapping candidates) with the patterns above rewritten;
    `newest_year`: the catalog's newest item year (no "new X" pattern without it)."""
    out = sorted(chosen, key=lambda c: c.start)
    by_start = {c.start: c for c in out}
    drop: set[int] = set()
    added = []
    for c in out:
        if c.type != "title" or id(c) in drop:
            continue
        after = by_start.get(c.end)
        if (after is not None and after.type == "year" and after.end == c.end + 1
                and after.year_min is not None and after.year_min == after.year_max
                and not _years_fit(c, after, item_years)):
            closing = words[after.end - 1].gap_after.startswith(")")
            char_end = words[after.end - 1].end + 1 if closing else None
            drop.update((id(c), id(after)))
            added.append(_unknown(c.start, after.end, char_end))
        elif (after is not None and after.type == "title" and joined(words[c.end].gap_before)
              and words[c.end].capital):
            drop.update((id(c), id(after)))
            added.append(_unknown(c.start, after.end, related=c.item_ids[:1]))  # Top Gun
        elif (end := sequel_end(words, c.end)) is not None:
            drop.add(id(c))
            drop.update(id(o) for o in out if c.end <= o.start < end)
            added.append(_unknown(c.start, end, related=c.item_ids[:1]))
        elif (_newer_than_catalog(words, c, item_years, newest_year)
              and not any(o.start <= c.start - 1 < o.end for o in out)):
            drop.add(id(c))
            added.append(_unknown(c.start - 1, c.end, related=c.item_ids[:1]))
    kept = [c for c in out if id(c) not in drop] + added
    taken = {k for c in kept for k in range(c.start, c.end)}
    follows_title = {c.end for c in kept if c.type in ("title", UNKNOWN_TITLE)}
    i = 0
    while i < len(words):
        joins_title = (i > 0 and words[i - 1].norm in _JOINERS and i - 1 in follows_title)
        if i in taken or not words[i].capital or not (_cued(words, i) or joins_title):
            i += 1
            continue
        j = i
        while (j < len(words) and j - i < MAX_WORDS and j not in taken and words[j].capital
               and (j == i or joined(words[j].gap_before))):
            j += 1
        if j - i >= 2 or any(w.norm not in STOPWORDS for w in words[i:j]):  # "Get Out", not "It"
            kept.append(_unknown(i, j))
            taken.update(range(i, j))
        i = max(j, i + 1)
    kept += _lower_case_unknowns(words, kept, taken, follows_title)
    return sorted(kept, key=lambda c: c.start)


def _lower_cued(words: list[Word], i: int) -> bool:
    before = words[i - 1].norm if i > 0 and joined(words[i].gap_before) else ""
    before2 = words[i - 2].norm if i > 1 and joined(words[i - 1].gap_before) else ""
    return before in _LOWER_CUES or f"{before2} {before}" in _LOWER_CUE_BIGRAMS


def _lower_case_unknowns(words: list[Word], kept: list[Candidate], taken: set[int],
                         follows_title: set[int]) -> list[Candidate]:
    """Lower-case unknown titles (the last pattern of the module docstring): the span runs from
    a cued word to the end of its clause (punctuation, a joining word or the message's end),
    takes no word another candidate took, and has a content word, none of NOT_TITLE_WORDS."""
    added = []
    for i in range(len(words)):
        joins_title = i > 1 and words[i - 1].norm in _JOINERS and i - 1 in follows_title
        if (i in taken or words[i].capital or words[i].norm in _NOT_FIRST
                or not (_lower_cued(words, i) or joins_title)):
            continue
        j = i
        while (j < len(words) and j not in taken and words[j].norm not in _CLAUSE_ENDS
               and (j == i or joined(words[j].gap_before))):
            j += 1
        clause_ends = j == len(words) or words[j].norm in _CLAUSE_ENDS \
            or not joined(words[j].gap_before)
        span = words[i:j]
        content = [w for w in span if w.norm not in STOPWORDS]
        if (clause_ends and 0 < j - i <= MAX_WORDS - 1 and (content or joins_title and j - i > 1)
                and not any(w.norm in NOT_TITLE_WORDS or w.norm.isdigit() for w in span)):
            added.append(_unknown(i, j))  # "get out" after "parasite and": function words only
            taken.update(range(i, j))
            follows_title.add(j)
    return added
