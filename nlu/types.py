"""What understanding one utterance produces: an intent, entities with polarity, an embedding."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

WANTED = "wanted"
UNWANTED = "unwanted"

# Intent names, shared by data/nlu.yml, the classifier, the policy and Rasa's domain.
INTENTS = (
    "request_recommendation",  # "recommend me a movie", "what should I watch tonight"
    "state_preference",  # "I love Tarantino", "I'm into sci-fi", "The Matrix is my favourite"
    "accept",  # "I'll watch that one", "sounds great, the first one"
    "reject",  # "not that one", "nah, something else", "I don't like the second"
    "seen",  # "I've seen it", "already watched the second one"
    "ask_item_info",  # "who directed it?", "what is the second one about?", "when was it made"
    "refine",  # "older", "less violent", "more like the second one", "something funnier"
    "ask_more",  # "more", "show me others", "what else"
    "greet",
    "goodbye",
    "thanks",
    "out_of_scope",  # "what's the weather", "book me a flight"
    "reset",  # "start over", "forget what I said", "new search"
)
FALLBACK_INTENT = "nlu_fallback"


@dataclass(frozen=True)
class Entity:
    """One thing the person mentioned.

    type: "title" | "person" | "genre" | "year" | "keyword" | "reference", or
        "unknown_title" (a title the catalog lacks; value: its surface text) and "attribute"
        (a soft wish: value "violence:down" style, `weights` its genre direction)
    value: canonical value — item id (title), full name (person), catalog genre name (genre),
        "1990-1999" style range (year), lower-cased phrase (keyword),
        "2" / "1,2" / "last" (reference)
    text: the surface text it came from; start/end are character offsets into the utterance.
    polarity: WANTED or UNWANTED ("not a romance", "no more Nolan", "anything but horror").
    item_ids: resolved item ids (titles and references to the last shown list).
    role: for people, "director" | "actor" | None when unknown.
    year_min / year_max: inclusive bounds for year entities (None = open).
    """

    type: str
    value: str
    text: str
    start: int
    end: int
    polarity: str = WANTED
    item_ids: tuple[str, ...] = ()
    role: str | None = None
    year_min: int | None = None
    year_max: int | None = None
    confidence: float = 1.0
    # attribute (a soft wish, nlu/soft_wishes.py): signed genre weights of its direction,
    # (("Horror", -1.0), ("War", -1.0), ...) for "less violent"
    weights: tuple[tuple[str, float], ...] = ()
    # a schema domain: "facet" (value: the facet value, "true" for a boolean) and "comparison"
    # (value: "below" / "above" / "between"; low / high the numbers, None open; *_open: the bound
    # itself is out) name their facet here
    facet: str | None = None
    low: float | None = None
    high: float | None = None
    low_open: bool | None = None
    high_open: bool | None = None

    def to_json(self) -> dict:
        d = asdict(self)
        d["item_ids"] = list(self.item_ids)
        d["weights"] = [list(w) for w in self.weights]
        return {k: v for k, v in d.items() if v is not None and v != []}


@dataclass(frozen=True)
class ShownItem:
    """An item of the last list shown to the person, as the parser needs it for references."""

    id: str
    title: str
    year: int | None = None
    facets: dict = field(default_factory=dict, compare=False, hash=False)  # schema domains


# what the bot's last message did, as the intent head reads it (nlu/dialogue_context.py):
# "greet" (nothing yet, or only a greeting), "recommend" (it named items), "ask" (a question about
# the person's taste, or which item they mean), "answer" (facts about an item, an acknowledgement)
BOT_ACTS = ("greet", "recommend", "ask", "answer")


@dataclass(frozen=True)
class ParseContext:
    """What the parser may look at besides the text: the last shown list, in display order, and
    the dialogue around the message. bot_act None: a message read alone (`convrec parse`, the
    held-out evaluation): the intent head then reads it as it did before it knew any context."""

    last_shown: tuple[ShownItem, ...] = ()
    bot_act: str | None = None  # one of BOT_ACTS
    recommended_before: bool = False  # any item shown in the conversation so far

    def __post_init__(self):
        if self.bot_act is not None and self.bot_act not in BOT_ACTS:
            raise ValueError(f"bot_act {self.bot_act!r} is not one of {BOT_ACTS}")


@dataclass(frozen=True)
class Act:
    """One dialogue act of a message: "I've seen that one, who is in the second?" holds two.

    intent: one of INTENTS; confidence: the multi-label head's probability for it;
    start / end: the character span of the clause it was read from (the whole text when the
    message was not split). Entities whose span lies inside [start, end) belong to this act.
    """

    intent: str
    confidence: float
    start: int = 0
    end: int = 0


@dataclass
class Parse:
    text: str
    intent: str
    confidence: float
    entities: list[Entity] = field(default_factory=list)
    embedding: np.ndarray | None = None  # [384], L2-normalised utterance embedding
    # [384] embedding of what the person wants: the utterance with unwanted mentions cut out, so
    # "not a romance" does not pull the interest vector toward romances. None: same as embedding.
    wanted_embedding: np.ndarray | None = None
    intent_ranking: list[tuple[str, float]] = field(default_factory=list)
    slots: dict = field(default_factory=dict)  # payload fields ("rating": 4.5), for the policy
    keyword_vectors: dict = field(default_factory=dict)  # keyword value → [384] embedding
    # every act of the message in text order (several for "seen it, who is in the second?");
    # empty: one act, `intent`. `intent` stays the main act (Rasa's top intent).
    acts: list[Act] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "text": self.text,
            "intent": {"name": self.intent, "confidence": round(float(self.confidence), 4)},
            "intent_ranking": [
                {"name": n, "confidence": round(float(c), 4)} for n, c in self.intent_ranking
            ],
            "entities": [e.to_json() for e in self.entities],
            # every act in text order, with the span of the clause it was read from
            "acts": [{"name": a.intent, "confidence": round(float(a.confidence), 4),
                      "start": a.start, "end": a.end} for a in self.acts],
        }
