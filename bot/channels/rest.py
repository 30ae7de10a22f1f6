"""The REST channel: convrec's own JSON API (Rasa's formats: bot/channels/rasa.py).

    POST /api/message            {"session", "text", "user"?}      → Reply JSON
    GET  /api/sessions/{session}                                   → the conversation so far

Only reading requests and rendering replies lives here; the server routes, `Agent.handle` talks.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import InputError


@dataclass(frozen=True)
class Message:
    session_id: str
    text: str
    user_id: str | None = None


def read_user(value) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InputError("'user' must be a MovieLens user id (a number or a string)")
    return str(value)


def require_session(value, key: str) -> str:
    """A session id as sent: 1 to 200 characters of printable text (it keys the stores)."""
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise InputError(f"'{key}' is required: a session id of 1 to 200 characters")
    if not value.isprintable():  # also refuses lone surrogates, which no store can encode
        raise InputError(f"'{key}' must be printable text (no control characters or lone "
                         "surrogates)")
    return value


def json_object(body, keys: str) -> dict:
    """The request body as a JSON object; `keys` names what it must hold, for the message."""
    if not isinstance(body, dict):
        raise InputError(f"expected a JSON object with {keys}")
    return body


def required_text(body: dict, key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str):
        raise InputError(f"'{key}' is required and must be a string")
    return value


def read_message(body) -> Message:
    """convrec's own request: {"session": "abc", "text": "a thriller", "user": "15"}."""
    body = json_object(body, "'session' and 'text'")
    text = required_text(body, "text")
    return Message(require_session(body.get("session"), "session"), text,
                   read_user(body.get("user")))


def item_line(position: int, item: dict) -> str:
    year = f" ({item['year']})" if item.get("year") else ""
    return f"{position}. {item['title']}{year}: {item['reason']}"


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
