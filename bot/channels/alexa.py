"""The Alexa channel: custom-skill request JSON in, Alexa response JSON out.

The skill's interaction model (bot/channels/alexa_model.json) catches what a person says in one
AMAZON.SearchQuery slot, `query`, under a few intents that each stand for a carrier phrase
("not {query}" is RejectIntent); the channel puts the phrase back and convrec's own NLU does the
rest. Built-in intents become the message a person would have typed. Every Alexa session is a
convrec session `alexa:<sessionId>`. The request's signature is checked before this runs
(bot/channels/alexa_verify.py). `router` has the route, POST /webhooks/alexa.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request

from bot.channels import api_docs as docs
from bot.channels.json_body import json_response, read_json
from bot.channels.runtime import ChannelRuntime
from bot.channels.voice import ssml, ssml_for
from bot.dialogue.replies import Reply
from bot.errors import HttpError, InputError

BUILT_IN_MESSAGES = {
    "AMAZON.StopIntent": "/goodbye",
    "AMAZON.CancelIntent": "/goodbye",
    "AMAZON.NextIntent": "/ask_more",
    "AMAZON.MoreIntent": "/ask_more",
    "AMAZON.StartOverIntent": "/reset",
    "AMAZON.YesIntent": "yes please",
    "AMAZON.NoIntent": "no thanks",
    "AMAZON.HelpIntent": "help",
    "AMAZON.FallbackIntent": "help",
    "AMAZON.NavigateHomeIntent": "/reset",
}
# Alexa sends only the slot, not the words around it: each custom intent of the interaction
# model stands for its carrier phrase, put back in front of the slot ("not" + "the second one").
CARRIERS = {
    "ChatIntent": "", "RejectIntent": "not", "SeenIntent": "I've seen", "LikeIntent": "I loved",
    "AcceptIntent": "I'll watch", "AboutIntent": "tell me about", "DirectorIntent": "who directed",
    "CastIntent": "who is in", "MoreLikeIntent": "more like",
}
REPROMPT = "What would you like to watch?"


@dataclass(frozen=True)
class AlexaTurn:
    session_id: str
    text: str | None  # None: nothing to say (the session ended on Alexa's side)
    application_id: str


def read_request(body: dict) -> AlexaTurn:
    """An Alexa request → the convrec session and the message to handle; InputError if malformed."""
    if not isinstance(body, dict) or not isinstance(body.get("request"), dict):
        raise InputError("not an Alexa request: no 'request' object")
    request = body["request"]
    session = body.get("session") or {}
    system = (body.get("context") or {}).get("System") or {}
    session_id = session.get("sessionId") or (system.get("device") or {}).get("deviceId")
    if not session_id:
        raise InputError("Alexa request without session.sessionId")
    application_id = ((session.get("application") or {}).get("applicationId")
                      or (system.get("application") or {}).get("applicationId") or "")
    kind = request.get("type")

    def turn(text: str | None) -> AlexaTurn:
        return AlexaTurn(f"alexa:{session_id}", text, application_id)

    if kind == "LaunchRequest":
        return turn("/greet")
    if kind == "SessionEndedRequest":
        return turn(None)
    if kind != "IntentRequest":
        raise InputError(f"unsupported Alexa request type {kind!r}")
    intent = request.get("intent") or {}
    name = intent.get("name", "")
    if name in BUILT_IN_MESSAGES:
        return turn(BUILT_IN_MESSAGES[name])
    if name in CARRIERS:
        query = (((intent.get("slots") or {}).get("query") or {}).get("value") or "").strip()
        # an empty slot reaches the agent as an empty message: its refusal is said aloud
        return turn(f"{CARRIERS[name]} {query}".strip() if query else "")
    raise InputError(f"unknown intent {name!r} for this skill")


def speech_response(speech_ssml: str, end_session: bool, card: str | None = None) -> dict:
    response: dict = {"outputSpeech": {"type": "SSML", "ssml": speech_ssml},
                      "shouldEndSession": end_session}
    if not end_session:
        response["reprompt"] = {"outputSpeech": {"type": "SSML", "ssml": ssml(REPROMPT)}}
    if card:
        response["card"] = {"type": "Simple", "title": "convrec", "content": card}
    return {"version": "1.0", "sessionAttributes": {}, "response": response}


def render(reply: Reply) -> dict:
    """SSML for the reply (titles and years of up to three items) and a card with reasons."""
    lines = [reply.text] + [
        f"{n}. {i['title']}" + (f" ({i['year']})" if i.get("year") else "") + f" - {i['reason']}"
        for n, i in enumerate(reply.items, start=1)]
    return speech_response(ssml_for(reply), end_session=reply.action == "goodbye",
                           card="\n".join(lines) if reply.items else None)


def render_error(message: str) -> dict:
    """A refused message, said aloud (Alexa cannot show an HTTP error to the person)."""
    return speech_response(ssml(message), end_session=False)


def empty_response() -> dict:
    """The answer to SessionEndedRequest: Alexa wants a 200 with no speech."""
    return {"version": "1.0", "response": {}}


def router(runtime: ChannelRuntime, skill_id: str = "") -> APIRouter:
    """POST /webhooks/alexa. Requests are verified with `runtime.alexa_verifier` (None: not
    verified, local testing only); `skill_id` (config channels.alexa.skill_id), when set, is the
    only skill served."""
    routes = APIRouter()
    agent = runtime.agent

    @routes.post("/webhooks/alexa", tags=["voice"],
                 summary="Alexa custom skill (signature checked unless channels.alexa.verify "
                         "is false)",
                 openapi_extra=docs.body(schema={"type": "object",
                                                 "description": "an Alexa request"}),
                 responses=docs.answers(None, 400, 413, 429))
    async def alexa_webhook(request: Request):
        raw = await request.body()
        if runtime.alexa_verifier is not None:
            body = await runtime.run(runtime.alexa_verifier.verify, request.headers, raw)
        else:  # channels.alexa.verify: false — local testing only
            body = read_json(raw)
        turn = read_request(body)
        if skill_id and turn.application_id != skill_id:
            raise HttpError(400, "this server does not serve that Alexa skill")
        if turn.text is None:
            return empty_response()
        try:
            reply = await runtime.turn(turn.session_id, turn.text, None)
        except InputError as e:  # said aloud, and kept in the session's events
            await runtime.run(agent.store.log_error, turn.session_id, str(e))
            return json_response(render_error(str(e)))
        return json_response(render(reply))

    return routes
