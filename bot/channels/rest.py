"""The REST channel: convrec's own JSON API (Rasa's formats: bot/channels/rasa.py).

    POST /api/message            {"session", "text", "user"?}      → Reply JSON
    GET  /api/sessions/{session}                                   → the conversation so far

Reading requests, rendering replies and the routes (`router`) live here; the server runs the
turns (bot/channels/runtime.py), `Agent.handle` talks.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request

from bot.channels import api_docs as docs
from bot.channels.json_body import json_response, request_json
from bot.channels.runtime import ChannelRuntime
from bot.errors import HttpError, InputError


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


def router(runtime: ChannelRuntime) -> APIRouter:
    """POST /api/message and GET /api/sessions/{session_id}, on `runtime`'s agent."""
    routes = APIRouter()
    agent = runtime.agent

    @routes.post("/api/message", tags=["chat"], summary="One turn of a conversation",
                 openapi_extra=docs.body(docs.MessageRequest),
                 responses=docs.answers(docs.Reply, 400, 413, 429, 503))
    async def message(request: Request):
        msg = read_message(await request_json(request))
        return json_response(
            (await runtime.turn(msg.session_id, msg.text, msg.user_id)).to_json())

    @routes.get("/api/sessions/{session_id}", tags=["chat"],
                summary="The conversation so far (what the person saw)",
                responses=docs.answers(docs.Transcript, 404, 429))
    async def session_history(session_id: str, request: Request):
        runtime.client(request)
        events = await runtime.run(agent.store.events, session_id)
        if not events:
            raise HttpError(404, f"no session {session_id!r}: nothing was said in it yet")
        return json_response({"session": session_id, "messages": transcript(events)})

    return routes
