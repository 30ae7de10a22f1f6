"""The API's documentation: the shapes of requests and replies, `/openapi.json` and `/docs`.

The routes read raw bodies themselves (so every refusal carries convrec's own message), so
FastAPI cannot see what they take. These pydantic models only describe the wire shapes for
OpenAPI: `body(Model)` is a route's `openapi_extra`, `answers(Model)` its `responses`.
`/docs` is a small page of our own (bot/channels/web/docs.html + docs.js) that lists the
endpoints from /openapi.json: it loads nothing from another host, and is served with the same
Content-Security-Policy as the chat page (FastAPI's Swagger page would load from a CDN).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import models_json_schema

COMPONENTS = "#/components/schemas/{model}"
_request_models: list[type[BaseModel]] = []


class Shape(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


# -- convrec's own API ---------------------------------------------------------------------------
class MessageRequest(Shape):
    session: str = Field(description="session id, 1 to 200 characters; the same id continues "
                                     "the conversation", examples=["s1"])
    text: str = Field(description="what the person said, or a quick-reply payload such as "
                                  '/reject{"item":"745"}; at most nlu.max_message_chars',
                      examples=["something funny from the 90s, not a romance"])
    user: str | int | None = Field(None, description="a MovieLens user id: recommend with "
                                                     "their rating history")


class Item(Shape):
    id: str
    title: str
    year: int | None
    genres: list[str]
    reason: str = Field(description="why it was picked, in words")
    score: float
    facets: dict | None = Field(None, description="its facet values by facet name, where the "
                                "catalog has them: a movie's runtime (minutes), certificate, "
                                "languages, countries; a schema domain's facets")


class Button(Shape):
    title: str
    payload: str = Field(description='sent back as the text: /accept{"item":"1197"}, /ask_more')


class Intent(Shape):
    name: str
    confidence: float


class Entity(Shape):
    model_config = ConfigDict(extra="allow")
    type: str = Field(description="title | person | genre | year | keyword | reference")
    value: str
    text: str
    start: int
    end: int
    polarity: Literal["wanted", "unwanted"] = "wanted"


class Reply(Shape):
    session: str
    intent: Intent
    entities: list[Entity]
    text: str
    items: list[Item]
    quick_replies: list[Button]


class TranscriptMessage(Shape):
    sender: Literal["user", "bot"] = Field(alias="from")
    turn: int
    text: str
    items: list[Item] | None = Field(None, description="bot messages only")
    quick_replies: list[Button] | None = Field(None, description="bot messages only")


class Transcript(Shape):
    session: str
    messages: list[TranscriptMessage]


class Error(Shape):
    error: str = Field(description="what went wrong, for a person to read",
                       examples=["message too long (2400 characters; the limit is 2000)"])


class Health(Shape):
    status: Literal["ok"]
    pid: int
    store: str
    items: int
    model: str | None = Field(None, description="the ranker version this worker serves "
                                                "(\"flat\": the build's own; null: linear)")


# -- Rasa's formats ------------------------------------------------------------------------------
class RasaMetadata(Shape):
    model_config = ConfigDict(extra="allow")
    user: str | int | None = Field(None, description="a MovieLens user id")


class RasaWebhookRequest(Shape):
    sender: str = Field(description="the conversation (session) id")
    message: str
    metadata: RasaMetadata | None = None


class RasaCustom(Shape):
    items: list[Item]


class RasaMessage(Shape):
    recipient_id: str
    text: str = Field(description="the reply, then one line per item")
    buttons: list[Button] | None = Field(None, description="the quick replies, when any")
    custom: RasaCustom


class ParseRequest(Shape):
    text: str
    shown: list[str] | None = Field(None, description="ids of the list last shown, in order, "
                                                      'for references such as "the second one"')


class RasaEntity(Shape):
    model_config = ConfigDict(extra="allow")
    entity: str = Field(description="title | person | genre | year | keyword | reference")
    value: str
    start: int
    end: int
    role: str | None = Field(None, description="director | actor, for people")
    confidence_entity: float
    extractor: str


class ParseResult(Shape):
    text: str
    intent: Intent
    intent_ranking: list[Intent]
    entities: list[RasaEntity]


# -- voice -------------------------------------------------------------------------------------
class VoiceRequest(MessageRequest):
    pass


class Display(Shape):
    session: str
    text: str
    items: list[Item]
    quick_replies: list[Button]


class VoiceReply(Shape):
    speech: str = Field(description="the reply as spoken: text, up to three titles, a hint")
    ssml: str = Field(description="the same words as SSML (<speak>...</speak>), escaped")
    display: Display


class SpokenTurn(Shape):
    transcript: str = Field(description="what the recogniser heard")
    text: str = Field(description="what the agent was given (numbers as digits)")
    speech: str
    reply: Reply
    audio_wav_base64: str | None = Field(None, description="with speak=1: the spoken reply")


# -- admin -------------------------------------------------------------------------------------
class RetrainRequest(Shape):
    force: bool = Field(True, description="retrain everything (false: only what is stale, "
                                          "as `convrec train` without --force)")
    incremental: bool = Field(False, description="fine-tune the ranker on the behavior log's "
                                                 "events since its last training instead")
    max_seconds: float | None = Field(None, description="incremental: time budget (default 60)")


class RetrainJob(Shape):
    id: str
    status: Literal["running", "succeeded", "failed", "unknown"]
    force: bool
    pid: int
    command: list[str]
    started: float
    finished: float | None
    returncode: int | None
    log: str
    log_tail: str | None = None
    incremental: bool = False
    model_version: str | None = Field(None, description="the ranker version the job made, once "
                                                        "the worker that started it serves it")


class RetrainJobs(Shape):
    jobs: list[RetrainJob]


class UserRemoved(Shape):
    user: str
    sessions: list[str]
    removed: dict[str, int] = Field(description="rows removed: sessions, events, feedback, "
                                                "behavior_log")


# -- helpers for routes ----------------------------------------------------------------------
def body(model: type[BaseModel] | None = None, media_type: str = "application/json",
         schema: dict | None = None, description: str = "") -> dict[str, Any]:
    """`openapi_extra` documenting a request body the route reads itself."""
    if model is not None:
        _request_models.append(model)
        schema = {"$ref": COMPONENTS.format(model=model.__name__)}
    return {"requestBody": {"required": True, "description": description,
                            "content": {media_type: {"schema": schema or {}}}}}


def answers(model: type[BaseModel] | None, *errors: int, status: int = 200,
            description: str = "") -> dict[int | str, dict]:
    """`responses` of a route: its answer and the errors (all `{"error"}`) it may give."""
    ok: dict = {"description": description or "OK"}
    if model is not None:
        ok["model"] = model
    out: dict[int | str, dict] = {status: ok}
    for code in errors:
        out[code] = {"model": Error, "description": ERROR_TEXT.get(code, "error")}
    return out


ERROR_TEXT = {400: "bad input: malformed JSON, a missing field, an unusable message",
              401: "no or wrong bearer token", 403: "the admin API is off",
              404: "not found", 409: "conflict", 413: "body too large",
              429: "rate limit (Retry-After says when to retry)",
              503: "session busy (Retry-After: 1)"}


def install_openapi(api, description: str) -> None:
    """Make `api.openapi()` include the request models the routes documented with `body`."""

    def openapi() -> dict:
        if api.openapi_schema:
            return api.openapi_schema
        schema = get_openapi(title=api.title, version=api.version, description=description,
                             routes=api.routes)
        models = list(dict.fromkeys(_request_models))
        _, definitions = models_json_schema([(m, "validation") for m in models],
                                            ref_template=COMPONENTS)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, definition in definitions.get("$defs", {}).items():
            components.setdefault(name, definition)
        # a bad path or query parameter is answered 400 {"error"} (bot/server/http_errors.py),
        # not 422
        error = {"description": ERROR_TEXT[400], "content": {"application/json": {
            "schema": {"$ref": COMPONENTS.format(model="Error")}}}}
        schema["components"]["securitySchemes"] = {"bearer": {"type": "http",
                                                               "scheme": "bearer"}}
        for path, operations in schema.get("paths", {}).items():
            for operation in operations.values():
                responses = operation.get("responses", {})
                if responses.pop("422", None) is not None:
                    responses.setdefault("400", error)
                if path.startswith(("/admin/", "/users/")):  # bot/server/security.py checks these
                    operation["security"] = [{"bearer": []}]
                    for code in (401, 403):
                        responses[str(code)] = {**error, "description": ERROR_TEXT[code]}
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        components.setdefault("Error", Error.model_json_schema())
        api.openapi_schema = schema
        return schema

    api.openapi = openapi
