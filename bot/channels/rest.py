"""The REST channel: convrec's own JSON API, and Rasa's REST webhook for existing Rasa clients.

    POST /api/message            {"session", "text", "user"?}      → Reply JSON
    GET  /api/sessions/{session}                                   → the conversation so far
    POST /webhooks/rest/webhook  {"sender", "message", "metadata"?} → Rasa's list of bot messages

Only reading requests and rendering replies lives here; the server routes, `Agent.handle` talks.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.agent import InputError
from bot.replies import Reply


@dataclass(frozen=True)
class Message:
    session_id: str
    text: str
    user_id: str | None = None


def _user(value) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InputError("'user' must be a MovieLens user id (a number or a string)")
    return str(value)


def _session(value, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"'{key}' is required: a session id of 1 to 200 characters")
    return value


def read_message(body) -> Message:
    """convrec's own request: {"session": "abc", "text": "a thriller", "user": "15"}."""
    if not isinstance(body, dict):
        raise InputError("expected a JSON object with 'session' and 'text'")
    text = body.get("text")
    if not isinstance(text, str):
        raise InputError("'text' is required and must be a string")
    return Message(_session(body.get("session"), "session"), text, _user(body.get("user")))


def read_rasa(body) -> Message:
    """Rasa's REST webhook request: {"sender": "abc", "message": "hi", "metadata": {"user": 15}}."""
    if not isinstance(body, dict):
        raise InputError("expected a JSON object with 'sender' and 'message'")
    message = body.get("message")
    if not isinstance(message, str):
        raise InputError("'message' is required and must be a string")
    metadata = body.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise InputError("'metadata' must be an object")
    return Message(_session(body.get("sender"), "sender"), message, _user(metadata.get("user")))


def item_line(position: int, item: dict) -> str:
    year = f" ({item['year']})" if item.get("year") else ""
    return f"{position}. {item['title']}{year}: {item['reason']}"


def rasa_messages(reply: Reply, recipient_id: str) -> list[dict]:
    """A Reply as Rasa's REST channel answers: one message for the text, one per item (text for
    any client, the item itself under "custom"), quick replies as buttons on the last one."""
    messages = [{"recipient_id": recipient_id, "text": reply.text}]
    for position, item in enumerate(reply.items, start=1):
        messages.append({"recipient_id": recipient_id, "text": item_line(position, item),
                         "custom": {"item": item}})
    if reply.quick_replies:
        messages[-1]["buttons"] = [{"title": q["title"], "payload": q["payload"]}
                                   for q in reply.quick_replies]
    return messages


def transcript(events: list[dict]) -> list[dict]:
    """Stored events → what the person saw: {"from": "user", "text"} and {"from": "bot", text,
    items, quick_replies}, in order. Errors and internal fields (state, timings) stay out."""
    out = []
    for event in events:
        data = event["data"]
        if event["kind"] == "user":
            out.append({"from": "user", "text": data["text"], "turn": event["turn"]})
        elif event["kind"] == "bot":
            out.append({"from": "bot", "turn": event["turn"], "text": data["text"],
                        "items": data.get("items", []),
                        "quick_replies": data.get("quick_replies", [])})
    return out
