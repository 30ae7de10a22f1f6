"""Occasions and moods a vague opener names ("date night", "with my kids", "after a bad day"),
and the genres that usually fit them (pure).

The genres are soft: they pull the interest vector toward their prototypes (the turn still
recommends across genres); `avoid` genres are hard for that turn's request, as a parent would
expect ("with my 8 year old": no horror).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Occasion:
    name: str
    genres: tuple[str, ...]  # catalog genre names that fit (soft)
    avoid: tuple[str, ...] = ()  # catalog genre names that do not fit (hard)
    phrase: str = ""  # how a reply names it: "For {phrase}, a few ... picks"


OCCASIONS: tuple[tuple[re.Pattern, Occasion], ...] = tuple(
    (re.compile(pattern), occasion) for pattern, occasion in (
        (r"\b(date|anniversary|girlfriend|boyfriend|wife|husband|romantic|valentine'?s?)\b",
         Occasion("date", ("Romance", "Comedy"), ("Horror",), phrase="date night")),
        (r"\b(kids?|children|child|family|\d+ ?(year|yr)s? ?old|sleepover|toddler|son|daughter)\b",
         Occasion("kids", ("Children", "Animation"), ("Horror",), phrase="the kids")),
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
