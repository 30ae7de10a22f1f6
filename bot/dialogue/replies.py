"""What the bot says: the Reply every channel renders, templates, and answers about an item."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from recommender.domain.catalog import Item
from recommender.domain.constraints import Constraints


@dataclass
class Reply:
    """One bot turn. `items` carry id, title, year, genres, reason, score (see Recommendation)."""

    session: str
    text: str
    items: list[dict] = field(default_factory=list)
    quick_replies: list[dict] = field(default_factory=list)  # {"title", "payload"}
    intent: dict = field(default_factory=dict)  # {"name", "confidence"}
    entities: list[dict] = field(default_factory=list)
    action: str = ""  # what the policy decided: recommend, clarify, answer, ...
    relaxed: list[str] = field(default_factory=list)  # limits loosened to find items, in words

    def to_json(self) -> dict:
        return {"session": self.session, "intent": self.intent, "entities": self.entities,
                "text": self.text, "items": self.items, "quick_replies": self.quick_replies}


def payload(intent: str, **slots) -> str:
    """Rasa's quick-reply convention: `/intent{"slot": "value"}`."""
    return f"/{intent}{json.dumps(slots, separators=(',', ':'))}" if slots else f"/{intent}"


def item_quick_replies(items: list[dict]) -> list[dict]:
    replies = []
    for position, item in enumerate(items, start=1):
        item_id = item["id"]
        replies.append({"title": f"Love #{position}", "payload": payload("accept", item=item_id)})
        replies.append({"title": f"Seen #{position}", "payload": payload("seen", item=item_id)})
        replies.append({"title": f"Not #{position}", "payload": payload("reject", item=item_id)})
    replies.append({"title": "More", "payload": payload("ask_more")})
    return replies


MOOD_QUICK_REPLIES = [
    {"title": "Something funny", "payload": "something funny"},
    {"title": "A thriller", "payload": "a thriller"},
    {"title": "Sci-fi", "payload": "a sci-fi movie"},
    {"title": "Surprise me", "payload": payload("request_recommendation", surprise=True)},
]


class Templates:
    def __init__(self, path: Path):
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        self.variants: dict[str, list[str]] = {k: list(v) for k, v in data.items()}

    def render(self, key: str, turn: int = 0, **values) -> str:
        variants = self.variants[key]
        return variants[turn % len(variants)].format(**values)


def constraint_summary(c: Constraints) -> str:
    """" (comedy, from 1990–1999, not romance)" — what the current request means, or ""."""
    parts = []
    if c.genres_wanted:
        parts.append(" or ".join(sorted(g.lower() for g in c.genres_wanted)))
    if c.people_wanted:
        parts.append("with " + ", ".join(sorted(c.people_wanted)))
    if c.keywords_wanted:
        parts.append("about " + ", ".join(sorted(c.keywords_wanted)))
    if c.year_min is not None and c.year_max is not None:
        parts.append(f"from {c.year_min}" if c.year_min == c.year_max
                     else f"from {c.year_min}–{c.year_max}")
    elif c.year_max is not None:
        parts.append(f"up to {c.year_max}")
    elif c.year_min is not None:
        parts.append(f"from {c.year_min} on")
    negatives = sorted(g.lower() for g in c.genres_unwanted) + sorted(c.people_unwanted) \
        + sorted(c.keywords_unwanted)
    if negatives:
        parts.append("no " + ", no ".join(negatives))
    return f" ({'; '.join(parts)})" if parts else ""


def answer_about(item: Item, question: str) -> str:
    """Answer a question about one item from the catalog's facts; say so when a fact is missing."""
    q = question.lower()
    name = f"{item.title} ({item.year})" if item.year else item.title
    if re.search(r"\b(about|plot|story|happens|synopsis|summary)\b", q):
        if item.plot:
            plot = item.plot if len(item.plot) <= 400 else item.plot[:400].rsplit(" ", 1)[0] + "…"
            return f"{name}: {plot}"
        return _facts(item, name) + " I have no plot summary for it."
    if re.search(r"\b(how long|runtime|running time|minutes|length)\b", q):
        return f"I don't have running times, sorry. {_facts(item, name)}"
    if re.search(r"\b(netflix|hulu|prime|disney|stream|streaming|where can i (watch|see))\b", q):
        return f"I don't know where {item.title} is streaming, sorry."
    if re.search(r"\b(direct|director|directed|made it|who made)\b", q):
        return (f"{name} was directed by {', '.join(item.directors)}." if item.directors
                else f"I don't know who directed {name}.")
    if re.search(
        r"\b(cast|star|stars|starring|actor|actors|actress|who'?s in|who is in|plays)\b", q
    ):
        return (f"The cast of {name} includes {', '.join(item.cast[:6])}." if item.cast
                else f"I don't have the cast of {name}.")
    if re.search(r"\b(when|year|how old|released|come out|came out)\b", q):
        return (f"{item.title} came out in {item.year}." if item.year
                else f"I don't know when {item.title} came out.")
    if re.search(r"\b(genre|kind of|type of)\b", q):
        return f"{name} is {', '.join(g.lower() for g in item.genres) or 'of no listed genre'}."
    if re.search(r"\b(good|rating|rated|worth|score)\b", q):
        if item.mean_rating:
            return (f"{name} averages {item.mean_rating:.1f}/5 over {item.n_ratings} "
                    "MovieLens ratings.")
        return f"I have no ratings for {name}."
    if item.plot:
        plot = item.plot if len(item.plot) <= 400 else item.plot[:400].rsplit(" ", 1)[0] + "…"
        return f"{name}: {plot}"
    return _facts(item, name)


def _facts(item: Item, name: str) -> str:
    """"Heat (1995): action, crime; directed by Michael Mann; 3.9/5 over 120 ratings." """
    facts = [", ".join(g.lower() for g in item.genres)]
    if item.directors:
        facts.append(f"directed by {', '.join(item.directors)}")
    if item.mean_rating:
        facts.append(f"{item.mean_rating:.1f}/5 over {item.n_ratings} MovieLens ratings")
    return f"{name}: " + "; ".join(f for f in facts if f) + "."
