"""Rasa's wire formats, so existing Rasa clients talk to convrec unchanged.

    POST /webhooks/rest/webhook  {"sender", "message", "metadata"?: {"user"}}
        → [{"recipient_id", "text", "buttons"?: [{"title", "payload"}], "custom": {"items"}}]
    POST /model/parse            {"text", "shown"?: [item ids]}
        → {"text", "intent": {"name", "confidence"}, "intent_ranking", "entities": [...]}

A reply is one message: its text (the reply, then one line per item, so a plain Rasa client that
shows only "text" still shows the picks), the quick replies as Rasa `buttons`, and the items with
every field of `convrec chat --json` under `custom.items` (empty when there are none).
Reading requests, rendering replies and the routes (`router`) live here; the server runs the
turns (bot/channels/runtime.py), `Agent.handle` talks.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from bot.channels import api_docs as docs
from bot.channels.json_body import json_response, request_json
from bot.channels.rest import (
    Message,
    item_line,
    json_object,
    read_user,
    require_session,
    required_text,
)
from bot.channels.runtime import ChannelRuntime
from bot.dialogue.replies import Reply
from bot.errors import InputError
from nlu.types import Parse

EXTRACTOR = "convrec.EntityExtractor"  # what Rasa clients see as each entity's `extractor`


def read_webhook(body) -> Message:
    """Rasa's REST webhook request: {"sender": "abc", "message": "hi", "metadata": {"user": 15}}."""
    body = json_object(body, "'sender' and 'message'")
    message = required_text(body, "message")
    metadata = body.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise InputError("'metadata' must be an object")
    return Message(require_session(body.get("sender"), "sender"), message,
                   read_user(metadata.get("user")))


def webhook_messages(reply: Reply, recipient_id: str) -> list[dict]:
    """A Reply as Rasa's REST channel answers it: one bot message (see the module docstring)."""
    lines = [reply.text] + [item_line(n, item) for n, item in enumerate(reply.items, start=1)]
    message: dict = {"recipient_id": recipient_id, "text": "\n".join(lines)}
    if reply.quick_replies:
        message["buttons"] = [{"title": q["title"], "payload": q["payload"]}
                              for q in reply.quick_replies]
    message["custom"] = {"items": reply.items}
    return [message]


def read_parse(body) -> tuple[str, tuple[str, ...]]:
    """/model/parse's request: the text, and optionally the ids of the list last shown (in order)
    that "the second one" refers to."""
    body = json_object(body, "'text'")
    text = required_text(body, "text")
    shown = body.get("shown") or []
    if not isinstance(shown, list) or not all(isinstance(i, str) for i in shown):
        raise InputError("'shown' must be a list of item ids (strings)")
    return text, tuple(shown)


def parse_result(parse: Parse) -> dict:
    """convrec's parse in Rasa's shape. Entities keep convrec's extra fields (polarity, the
    surface text, year bounds, resolved item ids) beside Rasa's; `role` is a person's role."""
    out = parse.to_json()
    entities = []
    for entity in parse.entities:
        fields = entity.to_json()
        rasa = {"entity": fields.pop("type"), "value": fields.pop("value"),
                "start": fields.pop("start"), "end": fields.pop("end"),
                "confidence_entity": fields.pop("confidence", 1.0), "extractor": EXTRACTOR}
        if "role" in fields:
            rasa["role"] = fields.pop("role")
        entities.append({**rasa, **fields})
    out["entities"] = entities
    return out


def router(runtime: ChannelRuntime) -> APIRouter:
    """POST /webhooks/rest/webhook and POST /model/parse, on `runtime`'s agent."""
    routes = APIRouter()
    agent = runtime.agent

    @routes.post("/webhooks/rest/webhook", tags=["rasa"],
                 summary="Rasa's REST channel: one bot message with the items under custom",
                 openapi_extra=docs.body(docs.RasaWebhookRequest),
                 responses={**docs.answers(None, 400, 413, 429, 503),
                            200: {"model": list[docs.RasaMessage], "description": "OK"}})
    async def rasa_webhook(request: Request):
        msg = read_webhook(await request_json(request))
        reply = await runtime.turn(msg.session_id, msg.text, msg.user_id)
        return json_response(webhook_messages(reply, msg.session_id))

    @routes.post("/model/parse", tags=["rasa"],
                 summary="Rasa's parse: intent, intent ranking and entities of a text",
                 openapi_extra=docs.body(docs.ParseRequest),
                 responses=docs.answers(docs.ParseResult, 400, 413, 429))
    async def model_parse(request: Request):
        runtime.client(request)
        text, shown = read_parse(await request_json(request))
        return json_response(parse_result(await runtime.run(agent.parse, text, shown)))

    return routes
