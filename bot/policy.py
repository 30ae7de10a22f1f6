"""The dialogue policy: given the updated state and the parse, decide what to do (rules, pure).

It asks one clarifying question before recommending when nothing useful is known (unless the
person insists or has a behavior history), recommends, answers questions about an item,
acknowledges feedback (replacing a rejected or seen item in the shown list), or closes.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.state import SessionState, target_items
from nlu.types import Parse

RECOMMEND_INTENTS = {"request_recommendation", "state_preference", "refine", "ask_more"}


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

    if intent in RECOMMEND_INTENTS or (intent not in ("nlu_fallback",) and parse.entities):
        insisted = bool(parse.slots.get("surprise")) or state.asked_clarification
        if state.knows_something(has_history):
            return Action("recommend")
        if ask_first and not insisted:
            return Action("clarify")
        return Action("recommend", popular=True)

    return Action("fallback")
