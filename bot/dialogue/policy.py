"""The dialogue policy: given the updated state and the parse, decide what to do (rules, pure).

It asks one clarifying question before recommending when nothing useful is known (unless the
person insists or has a behavior history), recommends, answers questions about an item,
acknowledges feedback (replacing a rejected or seen item in the shown list), or closes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from bot.dialogue.state import SessionState, target_items
from nlu.types import UNWANTED, Entity, Parse

RECOMMEND_INTENTS = {"request_recommendation", "state_preference", "refine", "ask_more"}
# Intents that change something the person cannot easily undo (a rejected movie never returns,
# goodbye ends the chat): below this confidence the turn is read from its entities instead.
ACTING_INTENTS = {"accept": 0.55, "reject": 0.55, "seen": 0.55, "goodbye": 0.6}
CONTENT_ENTITIES = {"genre", "person", "year", "keyword", "title"}


def interpret(parse: Parse, state: SessionState) -> Parse:
    """The turn as the dialogue reads it: the classifier's intent checked against the entities.

    - "comedy", "tom hanks movies", "the matrix": a fallback (or unsure) intent that names catalog
      things is a request.
    - an unsure accept / reject / seen / goodbye does not act: with a reference to the shown list
      it becomes a question about that item, else a request when it names things, else fallback.
    - feedback on a title that is not on the shown list and came with low confidence ("titanic")
      is a request for something like it.
    - "it" / "that one" guessed as the first shown item mean the item in focus (the one just
      asked about), when there is one on the shown list.
    - a negated pointer at the shown list ("not the second one", "none of these") is a rejection.
    """
    parse = dataclasses.replace(parse, entities=list(parse.entities))
    if parse.intent in ("reset", "restart", "rate") or parse.slots:
        return parse
    shown = [item["id"] for item in state.last_shown]
    if state.focus_item in shown:
        parse.entities = [_refocus(e, state.focus_item) for e in parse.entities]
    kinds = {e.type for e in parse.entities}
    unwanted_shown = [e for e in parse.entities if e.type == "reference" and e.polarity == UNWANTED
                      and set(e.item_ids) & set(shown)]
    if unwanted_shown and parse.intent in ("reject", "refine", "nlu_fallback", "ask_item_info"):
        # "not the second one", "none of these": a negated pointer at the list is a rejection
        return dataclasses.replace(parse, intent="reject")
    names_things = bool(kinds & CONTENT_ENTITIES)
    unsure = parse.confidence < ACTING_INTENTS.get(parse.intent, 0.0)
    titles_off_list = [e for e in parse.entities if e.type == "title"
                       and not set(e.item_ids) & set(shown)]
    if parse.intent in ("accept", "reject", "seen") and titles_off_list \
            and "reference" not in kinds and parse.confidence < 0.8:
        unsure = True
    if parse.intent == "nlu_fallback" or parse.intent == "out_of_scope" and names_things \
            and parse.confidence < 0.8:
        unsure = True
    if not unsure:
        return parse
    if "reference" in kinds and shown:
        intent = "ask_item_info"
    elif names_things:
        intent = "request_recommendation"
    else:
        intent = "nlu_fallback"
    return dataclasses.replace(parse, intent=intent)


def _refocus(entity: Entity, focus: str) -> Entity:
    """A pronoun that the parser guessed as the first shown item (confidence < 1) → the focus."""
    if entity.type == "reference" and entity.confidence < 1.0 and len(entity.item_ids) == 1:
        return dataclasses.replace(entity, item_ids=(focus,))
    return entity


@dataclass(frozen=True)
class Action:
    kind: str  # greet | clarify | recommend | replace | answer | feedback | which_item
    #            nothing_shown | thanks | goodbye | fallback | out_of_scope | reset
    item_ids: tuple[str, ...] = ()  # the items the action is about (feedback, answer, replace)
    feedback: str | None = None  # accepted | rejected | seen | rated
    popular: bool = False  # recommending without knowing anything: popular items


def decide(state: SessionState, parse: Parse, has_history: bool, ask_first: bool) -> Action:
    intent = parse.intent
    targets = tuple(target_items(parse))
    shown_ids = [item["id"] for item in state.last_shown]

    if intent in ("reset", "restart"):
        return Action("reset")
    if intent == "greet":
        return Action("greet")
    if intent == "goodbye":
        return Action("goodbye")
    if intent == "thanks":
        return Action("thanks")
    if intent == "out_of_scope":
        return Action("out_of_scope")

    if intent in ("accept", "reject", "seen", "rate"):
        kind = {"accept": "accepted", "reject": "rejected", "seen": "seen", "rate": "rated"}[intent]
        if not targets:
            if not shown_ids:
                return Action("nothing_shown")
            if intent == "reject":  # "nah, none of these": the whole list goes
                return Action("recommend", feedback=kind)
            return Action("which_item", feedback=kind)
        if kind in ("rejected", "seen") and any(t in shown_ids for t in targets):
            return Action("replace", item_ids=targets, feedback=kind)
        return Action("feedback", item_ids=targets, feedback=kind)

    if intent == "ask_item_info":
        if targets:
            return Action("answer", item_ids=targets[:1])
        if len(shown_ids) == 1:
            return Action("answer", item_ids=(shown_ids[0],))
        if state.focus_item:
            return Action("answer", item_ids=(state.focus_item,))
        if shown_ids:
            return Action("which_item")
        return Action("nothing_shown")

    if intent in RECOMMEND_INTENTS:
        insisted = bool(parse.slots.get("surprise")) or state.asked_clarification
        if state.knows_something(has_history):
            return Action("recommend")
        if ask_first and not insisted:
            return Action("clarify")
        return Action("recommend", popular=True)

    if intent == "nlu_fallback" and state.asked_clarification and not state.shown:
        # the answer to our own question was not understood: do not loop, show popular picks
        return Action("recommend", popular=True)
    return Action("fallback")
