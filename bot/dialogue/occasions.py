"""Occasions and moods a vague opener names ("date night", "with my kids", "after a bad day"),
and the genres that usually fit them (pure).

The genres are soft: they pull the interest vector toward their prototypes (the turn still
recommends across genres); `avoid` genres are hard while the occasion is in force, as a parent
would expect ("with my 8 year old": no horror); `require` genres too: every pick has one of them
("with my 8 year old": a children's film; Animation alone would let adult animation through:
Perfect Blue for "a horror movie" with the kids). A `ceiling` on an ordered facet too, where the
catalog has it: with the kids, nothing rated above PG-13 (about a fifth of the films have a
certificate; a children's film without one still passes).

How long an occasion is in force (`ends_occasion`): an occasion that says who is watching
(`holds`: the kids) holds for the rest of the topic, through refinements and new wishes ("no
animated stuff": still for kids, just not animated), until a reset or another occasion; a mood
or a setting ("a rainy sunday") is replaced by the next request that names what the person
wants ("a horror movie": horror, the occasion's own "no horror" goes with it) or takes the
request back ("no actually ..."). Its exclusions were the occasion's, not the person's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from nlu.types import WANTED, Entity


@dataclass(frozen=True)
class Occasion:
    name: str
    genres: tuple[str, ...]  # catalog genre names that fit (soft)
    avoid: tuple[str, ...] = ()  # catalog genre names that do not fit (hard)
    phrase: str = ""  # how a reply names it: "For {phrase}, a few ... picks"
    require: tuple[str, ...] = ()  # catalog genre names one of which every pick has (hard)
    holds: bool = False  # says who is watching: holds through later requests of the topic
    ceiling: tuple[str, str] | None = None  # (facet, highest value on its scale) (hard)


OCCASIONS: tuple[tuple[re.Pattern, Occasion], ...] = tuple(
    (re.compile(pattern), occasion) for pattern, occasion in (
        (r"\b(date|anniversary|girlfriend|boyfriend|wife|husband|romantic|valentine'?s?)\b",
         Occasion("date", ("Romance", "Comedy"), ("Horror",), phrase="date night")),
        (r"\b(kids?|children|child|family|\d+ ?(year|yr)s? ?old|sleepover|toddler|son|daughter)\b",
         Occasion("kids", ("Children", "Animation"), ("Horror",), phrase="the kids",
                  require=("Children",), holds=True, ceiling=("certificate", "PG-13"))),
        (r"\b(bad day|rough (day|week)|cheer (me )?up|uplifting|feel ?good|happy|sad day|"
         r"down|depressed|light|lighthearted|upbeat|fun)\b",
         Occasion("cheer up", ("Comedy", "Adventure", "Animation"), ("Horror",),
                  phrase="cheering up")),
        (r"\b(friends|party|group|guys night|girls night)\b",
         Occasion("friends", ("Comedy", "Action"), (), "a night with friends")),
        (r"\b(parents|mom|dad|grandma|grandpa|grandparents)\b",
         Occasion("parents", ("Drama", "Comedy"), ("Horror",), phrase="watching with parents")),
        (r"\b(relax|relaxing|chill|before bed|lazy|cozy|rainy)\b",
         Occasion("relax", ("Comedy", "Drama", "Animation"), ("Horror",),
                  phrase="a relaxed watch")),
        (r"\b(flight|plane|trip|road trip)\b",
         Occasion("travel", ("Adventure", "Comedy", "Action"), (), "a trip")),
    ))


def occasion_of(text: str) -> Occasion | None:
    """The first occasion the text names, or None."""
    lowered = text.lower()
    for pattern, occasion in OCCASIONS:
        if pattern.search(lowered):
            return occasion
    return None


def occasion_phrase(name: str) -> str:
    """How a reply names the occasion called `name` ("date" → "date night")."""
    for _, occasion in OCCASIONS:
        if occasion.name == name:
            return occasion.phrase or name
    return name


def occasion_named(name: str | None) -> Occasion | None:
    """The occasion called `name` ("kids"), or None."""
    return next((o for _, o in OCCASIONS if o.name == name), None)


# what a person can ask for: naming one of these replaces a mood occasion
_WISHES = {"genre", "person", "keyword", "title", "attribute", "facet"}


def ends_occasion(occasion: Occasion, entities: Iterable[Entity], reversal: bool) -> bool:
    """Whether a request turn with `entities` (a reversal: "no actually ...") ends the occasion
    in force: never for one that `holds` (who is watching does not change with a wish); for a
    mood or setting, when the turn names something wanted or takes the request back."""
    if occasion.holds:
        return False
    return reversal or any(e.type in _WISHES and e.polarity == WANTED for e in entities)
