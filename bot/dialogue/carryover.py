"""How constraints carry from one turn to the next (pure): add, replace, relax, reset; the person a
pronoun means; reversals.

Rules, applied to the session's constraints with the turn's entities:
- add: a wanted value of a kind not mentioned before joins the others ("westerns" → "with clint
  eastwood": a western with Clint Eastwood, both hold);
- replace: a wanted value of a kind already wanted replaces that kind's hard values ("a comedy"
  → "a horror movie": horror). Values of one kind are any-of, so keeping the old ones beside a
  new one would let a list of only the old kind through, and the person would see their new
  wish ignored ("comedy" → "I also like horror" → three comedies). So a message that says it
  adds ("and", "also", "too", "or") or refines ("romance" → "something funnier") replaces the
  hard values too, but keeps the topic: the interest, which still leans to the old values,
  stays (a funny romance ranks first), where a plain new request starts over;
- a year limit holds until a new one replaces it, whatever else the person asks;
- an unwanted value holds until the same value is wanted again (`record_constraints`);
- reversal ("no actually something happy", "scratch that, a comedy"): what was wanted before
  (genres, keywords, the interest) goes; dislikes, year limits, seen and rejected items stay;
- reset: the reset intent (bot/dialogue/state.py `reset_preferences`);
- relax (`relaxations`): when nothing fits, the kinds the person did not name in this turn are
  dropped one at a time, oldest rule first; year limits and dislikes are never dropped silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from nlu.types import WANTED, Entity
from recommender.domain.constraints import Constraints

KINDS = ("genre", "keyword", "person")  # the kinds of wanted values, in the order they relax
_ADDING = re.compile(r"\b(and|also|too|as well|plus|or|both)\b")
_REVERSAL = re.compile(r"^\W*(?:(?:no|nah|nope|wait|hmm+|oh)\W+)*(actually|instead|rather|"
                       r"on second thought|second thoughts|changed my mind|change of plan|"
                       r"scratch that|forget that|never mind that)\b")
_PERSON_POINTER = re.compile(r"\b(he|him|his|she|her|hers|that (director|actor|actress|guy|"
                             r"woman|man)|the (director|actor|actress)|same (director|actor|"
                             r"actress))\b")
_MORE_OF = re.compile(r"\b(else|more|other|others|another|filmography)\b|\b(movies?|films?|"
                      r"anything|something|stuff)\b.*\b(by|with|from|starring)\b")


def _wanted(entities: Iterable[Entity], kind: str) -> list[Entity]:
    """The turn's wanted values of `kind`, less those the same turn also rules out ("is that
    the animated classic? she doesn't care for animated films": not a wish for animation)."""
    entities = list(entities)
    ruled_out = {(e.value, e.facet) for e in entities if e.type == kind and e.polarity != WANTED}
    return [e for e in entities if e.type == kind and e.polarity == WANTED
            and (e.value, e.facet) not in ruled_out]


def _values(c: Constraints, kind: str) -> set[str]:
    return {"genre": c.genres_wanted, "person": c.people_wanted,
            "keyword": c.keywords_wanted}[kind]


def is_reversal(text: str) -> bool:
    """"no actually something happy", "actually, a comedy", "scratch that": the turn takes back
    what was wanted before."""
    return bool(_REVERSAL.search(text.lower()))


def adds(text: str) -> bool:
    """The message adds to what was wanted ("and sci-fi too", "also with Tom Hanks")."""
    return bool(_ADDING.search(text.lower()))


def carry_over(c: Constraints, entities: list[Entity], text: str, refining: bool = False
               ) -> list[str]:
    """Clear, in place, the wanted values this turn replaces; return the kinds whose replacement
    starts a new topic (the caller then drops the interest and the pointed items).

    refining: the turn narrows the request ("something funnier", the refine intent): a new genre
    or keyword replaces the old hard values but keeps the topic (not returned); a new person
    starts one ("one by Danny Boyle" after a Nolan list means Boyle). A message that says it
    adds ("and sci-fi too") keeps the topic likewise. A schema domain's facet values are
    replaced only by a plain request, as before.

    `record_constraints` then records the turn's entities on top: together they add, replace or
    keep as the module docstring says."""
    if is_reversal(text):
        replaced = [k for k in KINDS if _values(c, k)] + \
            [facet_kind(f) for f, values in c.facets_wanted.items() if values]
        for kind in ("genre", "keyword"):
            _values(c, kind).clear()
        c.facets_wanted.clear()
        if _wanted(entities, "person"):
            c.people_wanted.clear()
        return replaced
    adding = adds(text)
    replaced = []
    for kind in KINDS:
        new = {e.value for e in _wanted(entities, kind)}
        old = _values(c, kind)
        if new and old and not old <= new:
            old.intersection_update(new)
            replaced.append(kind)
    for facet in {e.facet for e in _wanted(entities, "facet")}:  # per facet, like a genre
        new = {e.value for e in _wanted(entities, "facet") if e.facet == facet}
        old = c.facets_wanted.get(facet, set())
        if old and not old <= new and not refining and not adding:
            old.intersection_update(new)
            replaced.append(facet_kind(facet))
    if adding:
        return []
    return [k for k in replaced if k == "person"] if refining else replaced


def facet_kind(facet: str) -> str:
    """A schema domain's facet as a kind of wanted value ("facet:category")."""
    return f"facet:{facet}"


def range_kind(facet: str) -> str:
    """A schema domain's numeric facet as a kind of limit ("range:price")."""
    return f"range:{facet}"


def person_in_focus(text: str, entities: list[Entity], focus_person: str | None,
                    focus_directors: tuple[str, ...] = ()) -> str | None:
    """The person "he / she / that director" means, when the message names nobody: the person in
    focus, else the director of the item in focus. None when the message points at no one.

    Only a message that asks for their films counts ("what else did he make", "more with her"),
    not "he was great in it"."""
    if any(e.type == "person" for e in entities):
        return None
    lowered = text.lower()
    pointer = _PERSON_POINTER.search(lowered)
    if pointer is None or not _MORE_OF.search(lowered):
        return None
    if "director" in pointer.group(0) and focus_directors:
        return focus_directors[0]
    return focus_person or (focus_directors[0] if focus_directors else None)


def relaxations(c: Constraints, named_now: set[str]
                ) -> list[tuple[list[str], str, Constraints]]:
    """Looser versions of `c` to try, in order, when nothing fits: each drops one more wanted
    kind that the person did not name in this turn (`named_now`: kinds of this turn's wanted
    entities); then, for a schema domain, each numeric limit not said in this turn ("a crm with a
    free plan" after "under $10" for project tools: no CRM is that cheap). Returns [(kinds
    dropped, what was dropped in words, looser constraints)]. Year limits and dislikes stay."""
    steps = []
    looser = c.copy()
    kinds: list[str] = []
    dropped: list[str] = []
    for kind in KINDS:
        values = _values(looser, kind)
        if values and kind not in named_now:
            kinds.append(kind)
            dropped.append(" / ".join(sorted(values)))
            values.clear()
            steps.append((list(kinds), ", ".join(dropped), looser.copy()))
    for facet in sorted(looser.facets_wanted):  # a schema domain's facet values, schema-blind
        values = looser.facets_wanted[facet]
        if values and facet_kind(facet) not in named_now:
            kinds.append(facet_kind(facet))
            dropped.append(" / ".join(sorted(values)))
            values.clear()
            steps.append((list(kinds), ", ".join(dropped), looser.copy()))
    for facet in sorted(looser.ranges):  # then a schema domain's numeric limits said before
        if range_kind(facet) not in named_now:
            kinds.append(range_kind(facet))
            dropped.append(f"the {facet.replace('_', ' ')} limit")
            del looser.ranges[facet]
            steps.append((list(kinds), ", ".join(dropped), looser.copy()))
    return steps


def at_catalog_edge(c: Constraints, last_year: int, first_year: int) -> bool:
    """The year limits ask for what the catalog cannot hold (after its last or before its first
    year)."""
    return (c.year_min is not None and c.year_min > last_year) or \
        (c.year_max is not None and c.year_max < first_year)
