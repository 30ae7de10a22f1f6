"""Titles the catalog lacks: say so instead of matching the wrong film.

After overlaps are resolved (`nlu.entities`), three patterns turn title candidates, or plain
capitalised words, into an "unknown_title" candidate whose value is the surface text:
- a title followed by a year that none of its films has (±1): "Parasite (2019)" is not
  Parasite (1982); the year is part of the unknown title;
- two titles with nothing between them: "Top Gun Maverick" is not Top Gun + Maverick (1994);
- capitalised words that are no entity, after a title cue ("seen Oppenheimer", "I liked
  Parasite and Get Out", "what about Barbie"): up to MAX_WORDS words.
"""

from __future__ import annotations

from nlu.entity_words import STOPWORDS, TITLE_CUE_BIGRAMS, TITLE_CUES
from nlu.utterance import RANK, Candidate, Word, joined

UNKNOWN_TITLE = "unknown_title"
MAX_WORDS = 5
YEAR_SLACK = 1  # release years differ by one between sources
_JOINERS = frozenset(("and", "or", "&"))


def _unknown(start: int, end: int, char_end: int | None = None) -> Candidate:
    return Candidate(UNKNOWN_TITLE, start, end, ("",), 0.7, RANK[UNKNOWN_TITLE],
                     char_end=char_end)


def _years_fit(title: Candidate, year: Candidate, item_years: dict[str, int]) -> bool:
    years = [item_years[i] for i in title.item_ids if i in item_years]
    return not years or any(year.year_min - YEAR_SLACK <= y <= year.year_max + YEAR_SLACK
                            for y in years)


def _cued(words: list[Word], i: int) -> bool:
    """A title cue before word i: "seen X", "liked X", "what about X", "X and" after a title."""
    before = words[i - 1].norm if i > 0 and joined(words[i].gap_before) else ""
    before2 = words[i - 2].norm if i > 1 and joined(words[i - 1].gap_before) else ""
    return before in TITLE_CUES or f"{before2} {before}" in TITLE_CUE_BIGRAMS


def mark_unknown_titles(words: list[Word], chosen: list[Candidate], item_years: dict[str, int]
                        ) -> list[Candidate]:
    """`chosen` (resolved, non-overlapping candidates) with the patterns above rewritten."""
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
            added.append(_unknown(c.start, after.end))
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
    return sorted(kept, key=lambda c: c.start)
