"""A short reason per recommended item, built from what actually drove its score (pure).

A reason states only what is true of the item and drove its place:
- "well rated (4.2/5)" only above the catalog's mean rating (`ReasonFacts.mean_rating`) and with
  enough ratings to mean something;
- "close to what you described" only when the person described something (`described`);
- "close to X" only when X was liked or mentioned in the session and the item's vector is
  really close to X's (cosine ≥ `ReasonFacts.similar_cosine`, measured per request);
- "popular (N ratings)" only above the catalog's popularity threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

from recommender.domain.catalog import Item
from recommender.domain.constraints import Constraints

GENRE_WORDS = {"Children": "family", "Film-Noir": "noir", "IMAX": "IMAX"}


def article(phrase: str) -> str:
    return ("an " if phrase[:1].lower() in "aeiou" else "a ") + phrase


@dataclass(frozen=True)
class ReasonFacts:
    """The thresholds a reason is held to, from the catalog (recommender/serving/recommend.py).

    mean_rating: the catalog's mean rating (stars, ratings-weighted); min_ratings: ratings an
    item needs before its mean is quoted; popular_ratings: ratings that make an item "popular";
    described: the person described what they want (an utterance shaped the interest)."""

    mean_rating: float = 0.0
    min_ratings: int = 10
    popular_ratings: int = 20
    described: bool = True


def well_rated(item: Item, facts: ReasonFacts) -> bool:
    """Rated above the catalog's mean by enough people for "well rated" to be true."""
    return bool(item.mean_rating) and item.mean_rating > facts.mean_rating \
        and item.n_ratings >= facts.min_ratings


def reason_for(item: Item, contributions: dict[str, float], constraints: Constraints,
               history_anchor: str | None, similar_anchor: str | None,
               facts: ReasonFacts = ReasonFacts(), facets: tuple[str, ...] = ()) -> str:
    """Compose "because you liked Heat; a crime thriller from the 90s" from the top drivers.

    contributions: this item's per-feature score shares (feature → weight * value).
    history_anchor: title of the history item with the strongest item-item link, if any.
    similar_anchor: title of a session item the person liked or pointed at, when the item is
    really close to it (the caller checks the similarity), else None.
    facets: mentions of the facets the person limited that the item meets ("1 h 38 min", "in
    French"), right after the genre and year ("a comedy film; 1 h 38 min; in French; ...").
    """
    drivers = sorted(((v, k) for k, v in contributions.items() if v > 0.02), reverse=True)
    parts: list[str] = []
    for _, feature in drivers[:3]:
        if feature == "history" and history_anchor:
            parts.append(f"people who liked {history_anchor} also liked it")
        elif feature == "interest" and similar_anchor:
            parts.append(f"close to {similar_anchor}")
        elif feature == "interest" and facts.described:
            parts.append("close to what you described")
        elif feature == "person_match":
            wanted = {p.lower() for p in constraints.people_wanted}
            directors = [p for p in item.directors if p.lower() in wanted]
            actors = [p for p in item.cast if p.lower() in wanted]
            if directors:
                parts.append(f"directed by {directors[0]}")
            elif actors:
                parts.append(f"with {actors[0]}")
        elif feature == "keyword_match" and constraints.keywords_wanted:
            parts.append("mentions " + ", ".join(sorted(constraints.keywords_wanted)[:2]))
        elif feature == "popularity" and item.n_ratings >= facts.popular_ratings:
            parts.append(f"popular ({item.n_ratings} MovieLens ratings)")
        elif feature == "quality" and well_rated(item, facts):
            parts.append(f"well rated ({item.mean_rating:.1f}/5)")
    matched = [GENRE_WORDS.get(g, g.lower()) for g in item.genres if g in constraints.genres_wanted]
    has_year_bound = constraints.year_min is not None or constraints.year_max is not None
    if matched or (has_year_bound and item.year):
        label = article(" / ".join(matched) + " film") if matched else ""
        if has_year_bound and item.year:
            label = f"{label} from {item.year}".strip()
        parts.insert(0, label)
    at = 1 if matched or (has_year_bound and item.year) else 0
    parts[at:at] = [f for f in facets if f not in parts]
    if not parts:
        parts.append(f"well rated ({item.mean_rating:.1f}/5)" if well_rated(item, facts)
                     else "a pick to start with")
    return "; ".join(dict.fromkeys(parts))
