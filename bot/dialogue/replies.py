"""What the bot says: the Reply every channel renders, templates, and answers about an item."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from recommender.domain.catalog import Catalog, Item
from recommender.domain.constraints import Constraints, Range
from recommender.domain.schema import DomainSchema, Facet
from recommender.serving.facet_reasons import (
    CURRENCY_SIGNS,
    mention,
    scale_value,
    show_number,
    show_value,
)


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
    """Reply templates by key; `{noun}` / `{nouns}` are the item noun and its plural, filled in
    every reply. `overlays`: template files read over `path` in order (a schema domain's
    data/replies_domain.yml); `replies`: key → wordings over all of them (a schema's own);
    `extra`: more values every reply may use (a domain's `examples`)."""

    def __init__(self, path: Path, noun: str = "movie", plural: str = "movies",
                 overlays: tuple[Path, ...] = (), replies: dict | None = None,
                 extra: dict | None = None):
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        self.variants: dict[str, list[str]] = {k: list(v) for k, v in data.items()}
        for overlay in overlays:
            more = yaml.safe_load(Path(overlay).read_text(encoding="utf-8")) or {}
            self.variants.update({k: list(v) for k, v in more.items()})
        self.variants.update({k: [v] if isinstance(v, str) else list(v)
                              for k, v in (replies or {}).items()})
        self.common = {"noun": noun, "nouns": plural, **(extra or {})}

    def render(self, key: str, turn: int = 0, **values) -> str:
        variants = self.variants[key]
        return variants[turn % len(variants)].format(**self.common, **values)


OPENING_MAX_VALUES = 100  # a categorical facet with more values is no kind to start from


def opening_facet(catalog: Catalog) -> str | None:
    """The facet a schema domain's opening quick replies offer values of: its first filterable
    categorical facet of at most `OPENING_MAX_VALUES` values (a kind: "crm", "vpn"), else its
    first person facet (an author), else its first categorical one. Book-Crossing's thousands
    of publishers are nothing a reader starts from; its authors are."""
    facets = [(name, f) for name, f in catalog.schema.facets.items() if f.filterable]
    kinds = [name for name, f in facets if f.type == "categorical"]
    for name in kinds:
        if len({item.facets.get(name) for item in catalog.items}) <= OPENING_MAX_VALUES:
            return name
    people = [name for name, f in facets if f.type == "person"]
    return (people or kinds or [None])[0]


def domain_quick_replies(catalog: Catalog, n: int = 3) -> list[dict]:
    """A schema domain's opening quick replies: the `n` most common values of its
    `opening_facet`, and "Surprise me"."""
    schema = catalog.schema
    first = opening_facet(catalog)
    person = first is not None and schema.facets[first].type == "person"
    counts: Counter = Counter()
    for item in catalog.items if first else ():
        held = item.facets.get(first)
        counts.update(held if isinstance(held, (list, tuple)) else [held])
    values = [show_value(v) for v, _ in counts.most_common(n + 1) if v is not None][:n]
    return [{"title": v if person else v.capitalize(),
             "payload": f"something by {v}" if person else f"a {v} {schema.noun}"}
            for v in values] + \
        [{"title": "Surprise me", "payload": payload("request_recommendation", surprise=True)}]


def list_quick_replies(items: list[dict], schema: DomainSchema | None,
                       wanted: dict | None = None) -> list[dict]:
    """What a schema domain's list offers beside Love / Seen / Not: "More like #1" and, for
    each person facet, "More by" the people of the shown items (an author), at most two (a
    list's buttons then stay within the 13 a messenger shows),
    leaving out those already asked for (`wanted`: facet → values; "More" does that)."""
    if schema is None or not items:
        return []
    replies = [{"title": "More like #1", "payload": payload("refine", item=items[0]["id"])}]
    people = [name for name, f in schema.facets.items() if f.type == "person" and f.filterable]
    named, asked = [], {v.lower() for f in people for v in (wanted or {}).get(f, ())}
    for item in items:
        for facet in people:
            for person in (item.get("facets") or {}).get(facet) or ():
                if person.lower() not in {p.lower() for p in named} | asked:
                    named.append(person)
    replies += [{"title": f"More by {person}", "payload": f"something by {person}"}
                for person in named[:2]]
    return replies


def domain_examples(catalog: Catalog, n: int = 3) -> str:
    """"project management, crm or vpn": a few values people may ask for (the quick replies')."""
    values = [r["title"].lower() for r in domain_quick_replies(catalog, n)[:-1]]
    return " or ".join([", ".join(values[:-1]), values[-1]]) if len(values) > 1 else \
        (values[0] if values else catalog.plural)


def answer_about_facets(item: Item, schema: DomainSchema, question: str) -> str:
    """A schema item's facts: the facet a question names ("how much is it" → price), else
    all of them, then the start of its description."""
    q = question.lower()
    named = [n for n, f in schema.facets.items() if f.type != "text"
             and (n.replace("_", " ") in q or (f.unit and f.unit.lower() in q.split()))]
    if not named and re.search(r"\b(cost|price|how much|cheap|expensive)\b", q):
        named = [n for n, f in schema.facets.items() if f.type == "numeric" and f.unit
                 and f.unit[0] in CURRENCY_SIGNS]
    facts = []
    for name in named or [n for n, f in schema.facets.items() if f.type != "text"]:
        value = item.facets.get(name)
        if value is None or value == [] or value is False:
            continue
        shown = ", ".join(str(v) for v in value[:6]) if isinstance(value, list) else value
        facts.append(mention(schema.facets[name], shown))
    text = f"{item.title}: " + ("; ".join(facts) if facts else "I have no details on that") + "."
    if item.plot and not named:
        description = item.plot.split("\n\n")[0]
        text += " " + (description if len(description) <= 300 else
                       description[:300].rsplit(" ", 1)[0] + "…")
    return text


def constraint_summary(c: Constraints, schema: DomainSchema | None = None) -> str:
    """" (comedy, from 1990–1999, not romance)" — what the current request means, or "".
    `schema`: a schema domain's, for the units of its numeric facets ("price under $10")."""
    parts = []
    together = c.together()
    if together:  # "romantic comedy": "comedy and romance"
        parts.append(" and ".join(sorted(g.lower() for g in together)))
    if c.genres_wanted - together:
        parts.append(" or ".join(sorted(g.lower() for g in c.genres_wanted - together)))
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
    for facet, values in sorted(c.facets_wanted.items()):  # a schema domain's facets
        if values:
            parts.append(" or ".join(sorted(show_value(v) if v != "true" else
                                            facet.replace("_", " ") for v in values)))
    for facet, bounds in sorted(c.ranges.items()):
        facet_spec = schema.facets.get(facet) if schema is not None else None
        if facet_spec is not None and facet_spec.order:  # a scale: "certificate PG-13 or lower"
            parts.append(scale_words(facet_spec, bounds))
            continue
        parts.append(range_words(facet, bounds, facet_spec.unit if facet_spec else None))
    negatives = sorted(g.lower() for g in c.genres_unwanted) + sorted(c.people_unwanted) \
        + sorted(c.keywords_unwanted) + sorted(
            show_value(v) if v != "true" else f.replace("_", " ")
            for f, values in c.facets_unwanted.items() for v in values)
    if negatives:
        parts.append("no " + ", no ".join(negatives))
    return f" ({'; '.join(parts)})" if parts else ""


def scale_words(facet: Facet, bounds: Range) -> str:
    """An ordered facet's range in its values: "certificate PG-13 or lower", "certificate R or
    higher", "certificate PG to R"."""
    name = facet.name.replace("_", " ")
    low = None if bounds.low is None else bounds.low + (1 if bounds.low_open else 0)
    high = None if bounds.high is None else bounds.high - (1 if bounds.high_open else 0)
    if low is not None and high is not None:
        return f"{name} {scale_value(facet, low)} to {scale_value(facet, high)}"
    if high is not None:
        return f"{name} {scale_value(facet, high)} or lower"
    return f"{name} {scale_value(facet, low)} or higher"


def range_words(facet: str, bounds: Range, unit: str | None = None) -> str:
    """"price under $10", "rating 4 or more", "minutes 20–40 min" (`unit`: the facet's)."""
    name = facet.replace("_", " ")
    low = show_number(bounds.low, unit) if bounds.low is not None else None
    high = show_number(bounds.high, unit) if bounds.high is not None else None
    if low is not None and high is not None:  # "price $5–$10", "minutes 20–40 min"
        return f"{name} {low}–{high}" if unit and (unit in CURRENCY_SIGNS or " h" in low) else \
            f"{name} {bounds.low:g}–{high}"
    if high is not None:
        return f"{name} under {high}" if bounds.high_open else f"{name} {high} or less"
    return f"{name} over {low}" if bounds.low_open else f"{name} {low} or more"


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
        runtime = item.facets.get("runtime")  # the movie build's, in minutes, where known
        if isinstance(runtime, (int, float)):
            return f"{name} runs {show_number(runtime, 'min')}."
        return f"I don't have its running time, sorry. {_facts(item, name)}"
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
