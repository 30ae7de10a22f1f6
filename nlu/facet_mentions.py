"""A schema domain's facet mentions in an utterance, as entity candidates for
`nlu.entities.extract_entities`: facet values and synonyms (nlu/facet_lexicon.py, the longest
phrase at each word) and numeric limits (nlu/comparisons.py, "cheaper" against the numbers of
the items just shown)."""

from __future__ import annotations

from nlu.comparisons import find_comparisons
from nlu.facet_lexicon import MAX_WORDS as MAX_FACET_WORDS
from nlu.facet_lexicon import FacetLexicon
from nlu.types import ParseContext
from nlu.utterance import RANK, Candidate, Word, span_ok


def facet_candidates(text: str, words: list[Word], facets: FacetLexicon,
                      context: ParseContext) -> list[Candidate]:
    """A schema domain's facet values ("project management", "kanban boards", "free plan") and
    numeric limits ("under $10", "at least 4 stars", "cheaper") as candidates."""
    found = []
    n = len(words)
    for i in range(n):
        for j in range(min(n, i + MAX_FACET_WORDS), i, -1):
            if not span_ok(words, i, j):
                continue
            hit = facets.lookup([w.norm for w in words[i:j]])
            if hit is not None:
                found.append(Candidate("facet", i, j, (hit.value,), 1.0, RANK["facet"],
                                       facet=hit.facet))
                break
    shown: dict[str, list[float]] = {}
    for item in context.last_shown:
        for facet in facets.numeric:
            value = item.facets.get(facet.name)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                shown.setdefault(facet.name, []).append(float(value))
    for comparison in find_comparisons(text, facets.numeric, shown):
        inside = [k for k, w in enumerate(words) if w.start < comparison.end
                  and comparison.start < w.end]
        if inside:
            found.append(Candidate(
                "comparison", inside[0], inside[-1] + 1, (comparison.op,), 1.0,
                RANK["comparison"], char_end=max(comparison.end, words[inside[-1]].end),
                facet=comparison.facet, bounds=(comparison.low, comparison.high,
                                                comparison.low_open, comparison.high_open)))
    return found


def bound_fields(bounds: tuple | None) -> dict:
    """A comparison candidate's bounds as Entity fields (none for other candidates)."""
    if bounds is None:
        return {}
    low, high, low_open, high_open = bounds
    return {"low": low, "high": high, "low_open": low_open, "high_open": high_open}
