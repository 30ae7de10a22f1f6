"""convrec as Rasa custom actions, served by rasa-sdk's action server.

    SANIC_HOST=127.0.0.1 python -m rasa_sdk --actions bot.server.rasa_action_server --port 5055

(bot/server/rasa_action_server.py imports these actions and says how to load their Agent.) A Rasa
assistant lists the actions in its domain and points endpoints.yml's `action_endpoint` at
http://127.0.0.1:5055/webhook; a ready one is in bot/rasa_assistant/.

Each action is a thin adapter, like a channel: Rasa's tracker (conversation id, latest message:
text, intent, entities, metadata) → one `Agent.handle` on convrec's own session for that
conversation (`rasa:<sender_id>`) → Rasa events (SlotSet) and one response: text, buttons with
Rasa payloads (`/reject{"item":"318"}`) and a custom payload `{"items": [...], "action": ...}`.

Rasa's intent says what to do (Rasa's policies already chose the action from it); convrec still
reads the text itself for what a Rasa domain does not model: entities with a polarity ("not a
romance"), references to the shown list ("the second one") and the utterance embedding that
moves the session's interest vector. Button payloads (an `item` entity) go to convrec as payloads.

The Agent comes from outside: the action server's entry module names its factory (`use_agent`)
before rasa-sdk makes the actions, and each action keeps it, because rasa-sdk hands its actions
to the Sanic worker processes pickled, and a worker imports only this module (the factory, a
module-level function, is pickled by name). The agent is made on the first action, in the worker
that runs it, not at import: rasa-sdk also imports this module in Sanic's manager process, which
never runs an action (see bot/server/rasa_action_server.py). So nothing heavy is imported here.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from abc import ABCMeta, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.dialogue.replies import payload
from bot.errors import InputError

if TYPE_CHECKING:  # the agent's module loads torch: not in Sanic's manager process
    from bot.dialogue.agent import Agent

logger = logging.getLogger(__name__)

SESSION_PREFIX = "rasa:"  # convrec session id = prefix + Rasa's sender id
FEEDBACK_INTENTS = ("accept", "reject", "seen")
RECOMMEND_INTENTS = ("request_recommendation", "state_preference", "refine", "ask_more")

AgentFactory = Callable[[], "Agent"]

_agent: Agent | None = None  # the process's one Agent, made on the first action
_agent_factory: AgentFactory | None = None  # what the actions made from now on will use
_agent_lock = threading.Lock()


def use_agent(factory: AgentFactory) -> None:
    """How the actions made from now on get their Agent: `factory()`, once per process, on the
    first action. `factory` must be a module-level function (it is pickled by name)."""
    global _agent_factory
    _agent_factory = factory


def get_agent(factory: AgentFactory | None) -> Agent:
    """The process's one Agent, made by `factory` on first use (see the module docstring)."""
    global _agent
    with _agent_lock:
        if _agent is None:
            if factory is None:
                raise RuntimeError("no agent for convrec's actions: run the action server with "
                                   "--actions bot.server.rasa_action_server")
            _agent = factory()
    return _agent


@dataclass(frozen=True)
class Turn:
    """What one action hands to `Agent.handle`: text or a payload, and Rasa's intent for text."""

    text: str
    intent: str | None = None  # replaces convrec's classifier on text; None for payloads


def latest_intent(tracker: Tracker) -> str:
    return (tracker.latest_message.get("intent") or {}).get("name") or ""


def latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message.get("text") or "").strip()


def item_ids(tracker: Tracker) -> list[str]:
    """Item ids the latest message names with `item` entities (buttons: `/seen{"item":"318"}`)."""
    ids: list[str] = []
    for value in tracker.get_latest_entity_values("item"):
        for item in value if isinstance(value, list) else [value]:
            if str(item) not in ids:
                ids.append(str(item))
    return ids


def user_id(tracker: Tracker) -> str | None:
    """A MovieLens user id for behavior history: the `user_id` slot, else the message's metadata
    `{"user": 15}` (as `convrec serve`'s REST webhook reads it)."""
    value = tracker.get_slot("user_id")
    if value is None:
        value = (tracker.latest_message.get("metadata") or {}).get("user")
    return None if value is None else str(value)


def _item_payload(intent: str, items: list[str]) -> str:
    return payload(intent, item=items if len(items) > 1 else items[0])


def recommend_turn(intent: str, text: str) -> Turn:
    intent = intent if intent in RECOMMEND_INTENTS else "request_recommendation"
    if not text:  # a rule or a follow-up action ran it without a message
        return Turn(payload(intent))
    if text.startswith("/"):  # a button: forward a payload convrec knows, else the bare intent
        # heavy: nlu.parse loads torch, which Sanic's manager process must not (the docstring)
        from nlu.parse import PayloadError, parse_payload

        try:
            known = parse_payload(text) is not None
        except PayloadError:
            known = False
        return Turn(text if known else payload(intent))
    return Turn(text, intent)


def feedback_turn(intent: str, text: str, items: list[str]) -> Turn:
    if items:
        return Turn(_item_payload(intent, items))
    if not text or text.startswith("/"):  # no item named: convrec asks which one
        return Turn(payload(intent))
    return Turn(text, intent)  # "not the second one": convrec resolves the reference


def item_info_turn(text: str, items: list[str]) -> Turn:
    if items:
        return Turn(_item_payload("ask_item_info", items[:1]))
    if not text or text.startswith("/"):
        return Turn(payload("ask_item_info"))
    return Turn(text, "ask_item_info")


def _handle(session_id: str, turn: Turn, user: str | None, agent_factory: AgentFactory | None):
    """Runs in a worker thread: loading the agent and a turn take CPU seconds / milliseconds."""
    agent = get_agent(agent_factory)
    try:
        reply = agent.handle(session_id, turn.text, user, intent=turn.intent)
    except InputError as e:
        return None, None, str(e)
    return reply, agent.state(session_id), None


class ConvrecAction(Action, metaclass=ABCMeta):
    """Base: build the Turn, run it on the conversation's session, answer and set slots.
    Abstract, so rasa-sdk registers only the four actions below."""

    def __init__(self) -> None:
        super().__init__()
        self.agent_factory = _agent_factory  # travels with the action (the module docstring)

    @abstractmethod
    def turn(self, tracker: Tracker) -> Turn:
        raise NotImplementedError

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        turn = self.turn(tracker)
        session_id = SESSION_PREFIX + tracker.sender_id
        reply, state, error = await asyncio.to_thread(_handle, session_id, turn, user_id(tracker),
                                                      self.agent_factory)
        slots = set((domain or {}).get("slots") or {})
        if error is not None:
            logger.warning("%s refused %r for %s: %s", self.name(), turn.text, session_id, error)
            dispatcher.utter_message(text=f"Sorry, I can't use that: {error}.",
                                     json_message={"error": error})
            return _slot_events({"convrec_error": error}, slots)
        dispatcher.utter_message(text=reply.text, buttons=reply.quick_replies,
                                 json_message={"items": reply.items, "action": reply.action})
        return _slot_events({
            "shown_items": [item["id"] for item in state.last_shown],
            "liked_items": list(state.liked),
            "rejected_items": list(state.rejected),
            "seen_items": list(state.seen),
            "focus_item": state.focus_item,
            "convrec_action": reply.action,
            "convrec_error": None,
        }, slots)


def _slot_events(values: dict[str, Any], domain_slots: set[str]) -> list[dict[str, Any]]:
    """SlotSet events for the slots the assistant's domain declares (all when it sent none)."""
    return [SlotSet(name, value) for name, value in values.items()
            if not domain_slots or name in domain_slots]


class ActionRecommend(ConvrecAction):
    """request_recommendation / state_preference / refine / ask_more → items with reasons."""

    def name(self) -> str:
        return "action_recommend"

    def turn(self, tracker: Tracker) -> Turn:
        return recommend_turn(latest_intent(tracker), latest_text(tracker))


class ActionFeedback(ConvrecAction):
    """accept / reject / seen, on the items a button names or that the words point at."""

    def name(self) -> str:
        return "action_feedback"

    def turn(self, tracker: Tracker) -> Turn:
        intent = latest_intent(tracker)
        if intent not in FEEDBACK_INTENTS:
            raise ValueError(f"action_feedback runs after the intents {', '.join(FEEDBACK_INTENTS)}"
                             f"; the latest intent is {intent!r}: fix the assistant's rules")
        return feedback_turn(intent, latest_text(tracker), item_ids(tracker))


class ActionItemInfo(ConvrecAction):
    """A question about an item (director, cast, year, genre, rating, plot) → an answer."""

    def name(self) -> str:
        return "action_item_info"

    def turn(self, tracker: Tracker) -> Turn:
        return item_info_turn(latest_text(tracker), item_ids(tracker))


class ActionResetPreferences(ConvrecAction):
    """Forget what was asked (constraints, interest); keep what was seen and rejected."""

    def name(self) -> str:
        return "action_reset_preferences"

    def turn(self, tracker: Tracker) -> Turn:
        return Turn(payload("reset"))
