"""Session state, and `update(state, parse)`: what one parsed turn changes (pure).

The state holds the interest vector, hard constraints, liked / rejected / seen items and the last
shown list. `update` returns a new state plus the feedback events the turn produced; the agent
persists both. References ("the second one") are already resolved to item ids by the NLU.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from bot.dialogue.carryover import carry_over, is_reversal
from bot.dialogue.interest import InterestParams, Signal, update_interest
from bot.dialogue.occasions import ends_occasion, occasion_named
from nlu.compound_genres import compound_genres
from nlu.types import WANTED, Entity, Parse
from recommender.domain.constraints import Constraints, Range

FEEDBACK_INTENTS = {"accept": "accepted", "reject": "rejected", "seen": "seen"}
PREFERENCE_INTENTS = {"request_recommendation", "state_preference", "refine", "ask_more"}
# how hard a soft wish ("less violent", "not too gory") turns the interest: as much as naming
# two genres. With one, the ranker's other evidence outweighed it on a freshly trained build
# ("an action movie" → "less violent": the same 5 of 10 Horror / War / Crime films); with two,
# 5 → 3 there and 4 → 3 on another build (tests/nlu/test_soft_wishes.py)
SOFT_WISH_GENRES = 2.0
# words that say "recommend something" without saying what: their embedding is no preference
GENERIC_WORDS = set("""
a an the me i im i'm you we us my some something anything any movie movies film films flick
recommend recommendation recommendations suggest suggestion suggestions watch watching see
good great nice cool please pls can could would should will what which whats what's give show
tell find get want wanna need looking for to of for tonight today now maybe idea ideas one ones
hi hey hello ok okay so just else more other another another's new let lets let's do have got
is are be it that this there here like really very kind sort
first second third fourth fifth last one two three number both all them those these
surprise random whatever bored idea
""".split())


@dataclass
class SessionState:
    session_id: str
    user_id: str | None = None
    interest_vector: np.ndarray | None = None  # [d] unit vector
    constraints: Constraints = field(default_factory=Constraints)
    liked: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)
    positive_items: list[str] = field(default_factory=list)  # liked or pointed at, oldest first
    shown: list[str] = field(default_factory=list)  # every item shown in this session
    last_shown: list[dict] = field(default_factory=list)  # the last list, as shown (item dicts)
    focus_item: str | None = None  # the item last talked about
    asked_clarification: bool = False
    turn: int = 0
    # the bot's side: what it last asked (bot/dialogue/short_replies.py: "item", "list",
    # "more_like_it", "more", "preference", "which" or None), the person last talked about, how
    # many replies in a row were the help text, and whether the person described what they want
    last_question: str | None = None
    focus_person: str | None = None
    help_streak: int = 0
    described: bool = False
    occasion_genres: list[str] = field(default_factory=list)  # "date night" → Romance, Comedy
    # the occasion in force (bot/dialogue/occasions.py: "kids", "relax", ...) and the genres it
    # ruled out itself (not the person), which go when it ends
    occasion: str | None = None
    occasion_avoided: list[str] = field(default_factory=list)

    def knows_something(self, has_history: bool) -> bool:
        return (self.interest_vector is not None or not self.constraints.is_empty()
                or bool(self.positive_items) or has_history)

    def excluded(self) -> set[str]:
        return set(self.rejected) | set(self.seen) | set(self.shown)

    def copy(self) -> SessionState:
        """A deep copy, as `copy.deepcopy` makes it, field by field (its generic walk over the
        shown items' dicts cost ~0.1 ms a turn)."""
        return dataclasses.replace(self, **{f.name: _copied(getattr(self, f.name))
                                            for f in dataclasses.fields(self)})

    def to_json(self) -> dict:
        return {
            "session_id": self.session_id,
            "user_id": self.user_id,
            "interest_vector": None if self.interest_vector is None
            else rounded(self.interest_vector, 6),
            "constraints": self.constraints.to_json(),
            "liked": self.liked, "rejected": self.rejected, "seen": self.seen,
            "positive_items": self.positive_items, "shown": self.shown,
            "last_shown": self.last_shown, "focus_item": self.focus_item,
            "asked_clarification": self.asked_clarification, "turn": self.turn,
            "last_question": self.last_question, "focus_person": self.focus_person,
            "help_streak": self.help_streak, "described": self.described,
            "occasion_genres": self.occasion_genres,
            "occasion": self.occasion, "occasion_avoided": self.occasion_avoided,
        }

    @staticmethod
    def from_json(d: dict) -> SessionState:
        vector = d.get("interest_vector")
        return SessionState(
            session_id=d["session_id"], user_id=d.get("user_id"),
            interest_vector=None if vector is None else np.array(vector, dtype=np.float32),
            constraints=Constraints.from_json(d.get("constraints", {})),
            liked=list(d.get("liked", [])), rejected=list(d.get("rejected", [])),
            seen=list(d.get("seen", [])), positive_items=list(d.get("positive_items", [])),
            shown=list(d.get("shown", [])), last_shown=list(d.get("last_shown", [])),
            focus_item=d.get("focus_item"),
            asked_clarification=bool(d.get("asked_clarification", False)),
            turn=int(d.get("turn", 0)),
            last_question=d.get("last_question"), focus_person=d.get("focus_person"),
            help_streak=int(d.get("help_streak", 0)), described=bool(d.get("described", False)),
            occasion_genres=list(d.get("occasion_genres", [])),
            occasion=d.get("occasion"), occasion_avoided=list(d.get("occasion_avoided", [])),
        )


def _copied(value):
    """A deep copy of a state field: arrays, constraints, JSON-like lists / dicts / sets of
    immutable values; anything else through `copy.deepcopy`."""
    if value is None or isinstance(value, (str, int, float)):  # immutable (bool is an int)
        return value
    if isinstance(value, list):
        return [_copied(v) for v in value]
    if isinstance(value, dict):
        return {k: _copied(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, Constraints):
        return value.copy()
    return copy.deepcopy(value)


def rounded(values: np.ndarray, digits: int) -> list[float]:
    """`[round(float(x), digits) for x in values]`, value for value, ~20x faster for float32.

    For a float32 x and digits <= 12, x * 10**digits is exact in float64 (24 + 2.33 * digits
    mantissa bits <= 53), so `rint` rounds the exact value half to even as `round` does, and
    the division is correctly rounded like `round`'s decimal-to-float step."""
    values = np.asarray(values)
    if values.dtype == np.float32 and 0 <= digits <= 12:
        return np.round(values.astype(np.float64), digits).tolist()
    return [round(float(x), digits) for x in values]


@dataclass(frozen=True)
class FeedbackEvent:
    item_id: str
    kind: str  # "accepted" | "rejected" | "seen" | "rated"
    value: float | None = None  # the rating for "rated"


# words around a mood that describe nothing: "no actually something happy", "just something light"
MOOD_FILLERS = set("no nah actually instead rather then just maybe kinda bit little a lot".split())


def has_content(text: str) -> bool:
    """True when the utterance says something beyond "recommend me a movie"."""
    words = re.findall(r"[a-z0-9']+", text.lower())
    return any(w not in GENERIC_WORDS for w in words)


def only_moods(parse: Parse) -> bool:
    """Does the message say nothing but soft wishes ("something happy", "no actually something
    light")? Then its sentence vector is no description to steer by: "happy" sits next to
    the title Happiness (1998), a bleak film; the wish's own direction (an "attribute" signal)
    steers instead."""
    moods = [e for e in parse.entities if e.type == "attribute"]
    if not moods:
        return False
    rest = list(parse.text.lower())
    for e in moods:
        rest[e.start:e.end] = " " * (e.end - e.start)
    words = re.findall(r"[a-z0-9']+", "".join(rest))
    return all(w in GENERIC_WORDS or w in MOOD_FILLERS for w in words)


def _add(items: list[str], item_id: str) -> None:
    if item_id not in items:
        items.append(item_id)


def _remove(items: list[str], item_id: str) -> None:
    if item_id in items:
        items.remove(item_id)


def target_items(parse: Parse) -> list[str]:
    """Item ids the turn points at: references to the shown list, then titles."""
    ids: list[str] = []
    for entity in parse.entities:
        if entity.type in ("reference", "title"):
            ids.extend(i for i in entity.item_ids if i not in ids)
    return ids


def update(state: SessionState, parse: Parse, params: InterestParams,
           item_vector: Callable[[str], np.ndarray | None],
           genre_vector: Callable[[str], np.ndarray | None]
           ) -> tuple[SessionState, list[FeedbackEvent]]:
    """Apply one parsed turn. Pure: returns a new state and the feedback events of the turn."""
    state = state.copy()
    state.turn += 1
    intent = parse.intent
    events: list[FeedbackEvent] = []
    signals: list[Signal] = []
    c = state.constraints
    targets = target_items(parse)

    def feedback(item_id: str, kind: str, value: float | None = None) -> None:
        events.append(FeedbackEvent(item_id, kind, value))
        vector = item_vector(item_id)
        if kind in ("accepted",) or (kind == "rated" and value is not None and value >= 4):
            _add(state.liked, item_id)
            _add(state.positive_items, item_id)
            _remove(state.rejected, item_id)
            if vector is not None:
                signals.append(Signal("liked", vector))
        elif kind == "rejected" or (kind == "rated" and value is not None and value <= 2):
            _add(state.rejected, item_id)
            _remove(state.liked, item_id)
            _remove(state.positive_items, item_id)
            if vector is not None:
                signals.append(Signal("rejected", vector, -1.0))
        if kind in ("seen", "rated"):
            _add(state.seen, item_id)

    if intent in FEEDBACK_INTENTS:
        for item_id in targets:
            feedback(item_id, FEEDBACK_INTENTS[intent])
    elif intent == "rate":
        rating = parse.slots.get("rating")
        value = float(rating) if isinstance(rating, (int, float)) else None
        for item_id in targets:
            feedback(item_id, "rated", value)

    if intent in PREFERENCE_INTENTS:
        subject = [e for e in parse.entities if e.polarity == WANTED
                   and e.type in ("genre", "person", "keyword", "title", "facet")]
        # carry-over (bot/dialogue/carryover.py): a new value of a kind already wanted replaces
        # it, another kind adds, a reversal takes back what was wanted; year limits and dislikes
        # stay. A replaced subject starts a new topic: the interest and pointed items go too;
        # so does a reversal, whose mood may have lived in the interest alone ("something sad"
        # → "no actually something happy": happy, not sad and happy).
        reversal = is_reversal(parse.text)
        replaced = carry_over(c, parse.entities, parse.text, refining=intent == "refine")
        if (replaced and (subject or intent == "request_recommendation")) or reversal:
            state.positive_items = []
            state.interest_vector = None
        named = parse.slots.get("occasion")
        in_force = occasion_named(state.occasion)
        if named or (in_force and ends_occasion(in_force, parse.entities, reversal)):
            end_occasion(state)
        if named and occasion_named(named) is not None:
            state.occasion = named
            state.occasion_avoided = [g for g in occasion_named(named).avoid
                                      if g not in c.genres_unwanted]
        record_constraints(c, parse.entities)
        for entity in parse.entities:
            wanted = entity.polarity == WANTED
            if entity.type == "genre":
                vector = genre_vector(entity.value)
                if vector is not None:
                    signals.append(Signal("attribute", vector, 1.0 if wanted else -1.0))
            elif entity.type == "keyword":
                vector = parse.keyword_vectors.get(entity.value)
                if vector is not None:  # "less violent": away from what "violent" means
                    signals.append(Signal("attribute", vector, 1.0 if wanted else -1.0))
            elif entity.type == "attribute":  # NLU (issue 14): a soft wish's genre direction
                # ("less violent": away from Horror, War, Crime), as much as SOFT_WISH_GENRES
                # genres named in all
                total = sum(abs(weight) for _, weight in entity.weights)
                for genre, weight in entity.weights:
                    vector = genre_vector(genre)
                    if vector is not None:
                        signals.append(Signal("attribute", vector,
                                              SOFT_WISH_GENRES * weight / total))
            elif entity.type == "unknown_title" and wanted:
                # a film the catalog lacks that continues one it has ("john wick 4"): go by
                # that one (the reply says so); its sequel's fan has seen it
                for item_id in entity.item_ids:
                    _add(state.positive_items, item_id)
                    _add(state.seen, item_id)
                    vector = item_vector(item_id)
                    if vector is not None:
                        signals.append(Signal("reference", vector))
            elif entity.type in ("title", "reference"):
                for item_id in entity.item_ids:
                    vector = item_vector(item_id)
                    if wanted:
                        _add(state.positive_items, item_id)
                        if entity.type == "title":
                            _add(state.seen, item_id)  # they know it: do not suggest it back
                        if vector is not None:
                            signals.append(Signal("reference", vector))
                    else:
                        feedback(item_id, "rejected")
        if parse.slots.get("soft_genres"):
            state.occasion_genres = list(parse.slots["soft_genres"])
        for genre in parse.slots.get("soft_genres", ()):  # an occasion's genres: a pull only
            vector = genre_vector(genre)
            if vector is not None:
                signals.append(Signal("attribute", vector))
        if has_content(parse.text) and parse.embedding is not None:
            utterance = parse.wanted_embedding if parse.wanted_embedding is not None \
                else parse.embedding
            if np.any(utterance) and not only_moods(parse):  # all-zero: all said was unwanted
                signals.append(Signal("utterance", utterance))
            if np.any(utterance):
                state.described = True
    elif intent not in ("reset", "restart"):
        # a dislike or a year limit holds whatever the turn's intent ("not that one, no horror"
        # reads as reject; "seen it, anything older?" as seen)
        record_constraints(c, [e for e in parse.entities if e.type in ("year", "comparison") or (
            e.polarity != WANTED and e.type in ("genre", "person", "keyword", "facet"))])

    if targets:
        state.focus_item = targets[0]
    people = [e.value for e in parse.entities if e.type == "person" and e.polarity == WANTED]
    if people:
        state.focus_person = people[-1]
    state.interest_vector = update_interest(state.interest_vector, signals, params)
    return state, events


def end_occasion(state: SessionState) -> None:
    """The occasion in force ends, in place: its soft genres go, and so do the genres it ruled
    out itself (the person's own dislikes stay)."""
    state.constraints.genres_unwanted.difference_update(state.occasion_avoided)
    state.occasion, state.occasion_avoided, state.occasion_genres = None, [], []


def record_constraints(c: Constraints, entities: Iterable[Entity]) -> None:
    """Entities → hard constraints, in place: the one rule the chat's turns and the ranker's
    training on recorded dialogues share (bot/training/conversation_rules.py).

    A genre, person or keyword joins its wanted or unwanted set by its polarity and leaves the
    other one ("no horror" after "horror" flips it); a year range sets the bounds. In a schema
    domain a facet value does the same within its facet, and a wanted numeric limit narrows the
    facet's range (`merged_range`). Genres said as one compound ("romantic comedy") are wanted
    together (`compound_genres`)."""
    entities = list(entities)
    sets = {"genre": (c.genres_wanted, c.genres_unwanted),
            "person": (c.people_wanted, c.people_unwanted),
            "keyword": (c.keywords_wanted, c.keywords_unwanted)}
    for entity in entities:
        wanted = entity.polarity == WANTED
        if entity.type in sets:
            wanted_set, unwanted_set = sets[entity.type]
            (wanted_set if wanted else unwanted_set).add(entity.value)
            (unwanted_set if wanted else wanted_set).discard(entity.value)
        elif entity.type == "year":
            _apply_years(c, entity.year_min, entity.year_max, wanted)
        elif entity.type == "facet" and entity.facet:  # a schema domain's facet value
            wanted_set = c.facets_wanted.setdefault(entity.facet, set())
            unwanted_set = c.facets_unwanted.setdefault(entity.facet, set())
            (wanted_set if wanted else unwanted_set).add(entity.value)
            (unwanted_set if wanted else wanted_set).discard(entity.value)
        elif entity.type == "comparison" and entity.facet and wanted:
            c.ranges[entity.facet] = merged_range(c.ranges.get(entity.facet), entity)
    compound = compound_genres(entities)
    if compound:  # "romantic comedy": both genres, not either
        c.genres_together = compound
    c.genres_together &= c.genres_wanted


def merged_range(old: Range | None, entity: Entity) -> Range:
    """A numeric limit on top of the facet's range: "under $10" sets the top and keeps a bottom
    said before ("over $5"), "at least 4" the bottom; "between" replaces both."""
    new = Range(entity.low, entity.high, bool(entity.low_open), bool(entity.high_open))
    if old is None or entity.value == "between":
        return new
    if entity.value == "below":
        return Range(old.low, new.high, old.low_open, new.high_open)
    return Range(new.low, old.high, new.low_open, old.high_open)


def _apply_years(c: Constraints, year_min: int | None, year_max: int | None,
                 wanted: bool) -> None:
    """A wanted range replaces the bounds; an unwanted open range flips into its complement."""
    if wanted:
        c.year_min, c.year_max = year_min, year_max
    elif year_min is None and year_max is not None:  # "nothing before 1980"
        c.year_min, c.year_max = year_max + 1, None
    elif year_max is None and year_min is not None:  # "nothing recent"
        c.year_min, c.year_max = None, year_min - 1
    # an unwanted closed range ("not from the 90s") cannot be a single interval: left soft


def reset_preferences(state: SessionState) -> SessionState:
    """Forget what was asked (constraints, interest), keep what was seen and rejected."""
    state = state.copy()
    state.interest_vector = None
    state.constraints = Constraints()
    state.positive_items = []
    state.described = False
    state.focus_person = None
    state.occasion_genres = []
    state.occasion, state.occasion_avoided = None, []
    state.last_shown = []
    state.asked_clarification = False
    return state
