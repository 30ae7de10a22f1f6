"""The HTTP server: routes → channel adapters (bot/channels/) → `Agent.handle`.

One ASGI app: FastAPI for HTTP, python-socketio for /socket.io, both in front of one Agent.
Turns run in a thread pool (`server.threads`); the utterances of concurrent turns are encoded
together (bot/server/batching.py). Every refused or failed request gets a JSON body
`{"error": "<message>"}` with its status: 400 bad input, 401/403 admin, 404, 409 conflict,
413 too large, 429 rate limit (Retry-After), 503 session busy (Retry-After), 500 internal
(logged with its traceback, and in the session's events).

Run it with `convrec serve` (uvicorn; `--workers N` processes, each with its own model, sharing
sessions through Redis: bot/server/workers.py), or build the app in process with `create_app`.
The admin routes are in bot/server/admin.py, the API's documented shapes in bot/channels/api_docs.py.
"""

from __future__ import annotations

import base64
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware

from bot.channels import alexa, rasa, rest
from bot.channels import api_docs as docs
from bot.channels import socketio as socketio_channel
from bot.channels.alexa_verify import AlexaVerificationError, AlexaVerifier
from bot.channels.json_body import read_json
from bot.channels.voice import voice_webhook_reply
from bot.config import Config, ConfigError
from bot.dialogue.agent import Agent
from bot.dialogue.replies import Reply
from bot.errors import HttpError, InputError
from bot.server.admin import add_admin_routes
from bot.server.retrain import RetrainBusy, RetrainJobs, train_command
from bot.server.security import AdminAuth, GuardMiddleware, RateLimited, RateLimits, origin_allowed
from bot.stores.sqlite import SessionBusy, StoreError
from bot.voice.speech import AudioError

log = logging.getLogger("convrec.server")
WEB = Path(__file__).resolve().parents[1] / "channels" / "web"
DESCRIPTION = ("A conversational movie recommender. Every error is JSON {\"error\": message} "
               "with its status. /admin/* and /users/* want Authorization: Bearer <token>.")


def describe_error(error: BaseException) -> tuple[int, str]:
    """(HTTP status, message for the client). Unexpected errors are logged here, in full."""
    if isinstance(error, HttpError):
        return error.status, str(error)
    if isinstance(error, (InputError, AudioError, AlexaVerificationError)):
        return 400, str(error)
    if isinstance(error, RetrainBusy):
        return 409, str(error)
    if isinstance(error, RateLimited):
        return 429, str(error)
    if isinstance(error, SessionBusy):
        return 503, str(error)
    if isinstance(error, StoreError):
        log.error("store refused a turn: %s", error)
        return 500, str(error)
    log.error("internal error", exc_info=error)
    return 500, f"internal error ({type(error).__name__}); the server log has the details"


@dataclass
class Runtime:
    """What the routes share: the agent, the thread pool's limit, the channels, counters."""

    agent: Agent
    config: Config
    limiter: anyio.CapacityLimiter
    rate_limits: RateLimits
    voice: object | None = None  # bot.channels.voice.VoiceChannel, when enabled
    alexa_verifier: AlexaVerifier | None = None
    started: float = field(default_factory=time.time)
    turns: int = 0
    errors: int = 0

    async def run(self, func, *args):
        return await anyio.to_thread.run_sync(func, *args, limiter=self.limiter)

    async def turn(self, session_id: str, text: str, user_id: str | None) -> Reply:
        self.rate_limits.sender(session_id)
        try:
            reply = await self.run(self.agent.handle, session_id, text, user_id)
        except (InputError, SessionBusy):
            raise  # the person's to fix, or to retry: the answer says so
        except Exception as e:  # a failure of ours: kept in the session's events too
            await self.run(self.agent.store.log_error, session_id,
                           f"{type(e).__name__}: {e}", {"text": text[:200]})
            raise
        self.turns += 1
        return reply

    def client(self, request: Request) -> None:
        """Count a request that names no sender against its client IP (429 over the limit)."""
        self.rate_limits.client(request.client.host if request.client else None)


async def _json_body(request: Request):
    return read_json(await request.body())


def _json(content) -> JSONResponse:
    """Plain JSON, skipping FastAPI's field-by-field encoder (the replies are plain already)."""
    return JSONResponse(content)


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes")


def _page_route(name: str, media_type: str):
    """A GET route answering one file of bot/channels/web/ (revalidated on every load)."""

    async def page() -> FileResponse:
        return FileResponse(WEB / name, media_type=media_type,
                            headers={"Cache-Control": "no-cache"})

    return page


def create_app(agent: Agent, config: Config, *, voice=None,
               alexa_verifier: AlexaVerifier | None = None, environ: dict | None = None,
               retrain: RetrainJobs | None = None):
    """The ASGI app. `voice` (a VoiceChannel) and `alexa_verifier` are built from config when
    not given; tests pass a verifier that trusts their own certificate chain. `retrain`: the
    retrain jobs (default: `convrec train` on $CONVREC_CONFIG, records in paths.state)."""
    import socketio

    channels = config.channels
    runtime = Runtime(agent, config, anyio.CapacityLimiter(config.server.threads),
                      RateLimits(config.server))
    if channels.voice.enabled:
        runtime.voice = voice or _voice_channel(agent, config)
    if channels.alexa.enabled and channels.alexa.verify:
        runtime.alexa_verifier = alexa_verifier or AlexaVerifier(
            max_skew_s=channels.alexa.max_skew_s)
    environ = os.environ if environ is None else environ
    retrain = retrain or RetrainJobs(config.path("state") / "retrain",
                                     train_command(environ.get("CONVREC_CONFIG")))

    api = FastAPI(title="convrec", version="1", docs_url=None, redoc_url=None,
                  openapi_url="/openapi.json")
    docs.install_openapi(api, DESCRIPTION)
    api.state.runtime = runtime

    @api.exception_handler(Exception)
    async def any_error(request: Request, error: Exception):
        status, message = describe_error(error)
        if status >= 500:
            runtime.errors += 1
        headers = None
        if status == 503:
            headers = {"Retry-After": "1"}
        elif isinstance(error, RateLimited):
            headers = {"Retry-After": error.retry_after_header}
        return JSONResponse({"error": message}, status_code=status, headers=headers)

    for kind in (HttpError, InputError, AudioError, AlexaVerificationError, SessionBusy,
                 StoreError, RateLimited, RetrainBusy):
        api.add_exception_handler(kind, any_error)

    @api.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException):
        message = {404: f"no such endpoint: {request.method} {request.url.path}",
                   405: f"{request.method} is not allowed on {request.url.path}"}.get(
            error.status_code, str(error.detail))
        return JSONResponse({"error": message}, status_code=error.status_code)

    @api.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError):
        first = error.errors()[0] if error.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return JSONResponse({"error": f"{where}: {first.get('msg', 'invalid request')}"},
                            status_code=400)

    @api.get("/health", summary="Liveness: this worker's pid, its store, the catalog size",
             responses=docs.answers(docs.Health))
    async def health():
        return {"status": "ok", "pid": os.getpid(), "store": agent.store.describe(),
                "items": len(agent.catalog)}

    # -- REST and Rasa -------------------------------------------------------------------------
    if channels.rest.enabled:
        @api.post("/api/message", tags=["chat"], summary="One turn of a conversation",
                  openapi_extra=docs.body(docs.MessageRequest),
                  responses=docs.answers(docs.Reply, 400, 413, 429, 503))
        async def message(request: Request):
            msg = rest.read_message(await _json_body(request))
            return _json((await runtime.turn(msg.session_id, msg.text, msg.user_id)).to_json())

        @api.get("/api/sessions/{session_id}", tags=["chat"],
                 summary="The conversation so far (what the person saw)",
                 responses=docs.answers(docs.Transcript, 404, 429))
        async def session_history(session_id: str, request: Request):
            runtime.client(request)
            events = await runtime.run(agent.store.events, session_id)
            if not events:
                raise HttpError(404, f"no session {session_id!r}: nothing was said in it yet")
            return _json({"session": session_id, "messages": rest.transcript(events)})

        @api.post("/webhooks/rest/webhook", tags=["rasa"],
                  summary="Rasa's REST channel: one bot message with the items under custom",
                  openapi_extra=docs.body(docs.RasaWebhookRequest),
                  responses={**docs.answers(None, 400, 413, 429, 503),
                             200: {"model": list[docs.RasaMessage], "description": "OK"}})
        async def rasa_webhook(request: Request):
            msg = rasa.read_webhook(await _json_body(request))
            reply = await runtime.turn(msg.session_id, msg.text, msg.user_id)
            return _json(rasa.webhook_messages(reply, msg.session_id))

        @api.post("/model/parse", tags=["rasa"],
                  summary="Rasa's parse: intent, intent ranking and entities of a text",
                  openapi_extra=docs.body(docs.ParseRequest),
                  responses=docs.answers(docs.ParseResult, 400, 413, 429))
        async def model_parse(request: Request):
            runtime.client(request)
            text, shown = rasa.read_parse(await _json_body(request))
            return _json(rasa.parse_result(await runtime.run(agent.parse, text, shown)))

    # -- voice -------------------------------------------------------------------------------
    if channels.voice.enabled:
        @api.post("/voice", tags=["voice"],
                  summary="Generic voice webhook: text in, speech, SSML and display out",
                  openapi_extra=docs.body(docs.VoiceRequest),
                  responses=docs.answers(docs.VoiceReply, 400, 413, 429, 503))
        async def voice_webhook(request: Request):
            msg = rest.read_message(await _json_body(request))
            reply = await runtime.turn(msg.session_id, msg.text, msg.user_id)
            return _json(voice_webhook_reply(reply))

    if runtime.voice is not None:
        @api.post("/api/voice", tags=["voice"],
                  summary="A WAV recording in; transcript, reply and speech out",
                  openapi_extra=docs.body(media_type="audio/wav",
                                          schema={"type": "string", "format": "binary"}),
                  responses=docs.answers(docs.SpokenTurn, 400, 413, 429, 503))
        async def voice_turn(request: Request, session: str, user: str | None = None,
                             speak: str | None = None):
            wav = await request.body()
            if not wav:
                raise InputError("send the recording as the request body (audio/wav)")
            runtime.rate_limits.sender(session)
            turn = await runtime.run(runtime.voice.turn, session, wav, user, _flag(speak))
            runtime.turns += 1
            out = turn.to_json()
            if turn.audio is not None:
                out["audio_wav_base64"] = base64.b64encode(turn.audio).decode("ascii")
            return _json(out)

    # -- Alexa -------------------------------------------------------------------------------
    if channels.alexa.enabled:
        @api.post("/webhooks/alexa", tags=["voice"],
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
            turn = alexa.read_request(body)
            skill = channels.alexa.skill_id
            if skill and turn.application_id != skill:
                raise HttpError(400, "this server does not serve that Alexa skill")
            if turn.text is None:
                return alexa.empty_response()
            try:
                reply = await runtime.turn(turn.session_id, turn.text, None)
            except InputError as e:  # said aloud, and kept in the session's events
                await runtime.run(agent.store.log_error, turn.session_id, str(e))
                return _json(alexa.render_error(str(e)))
            return _json(alexa.render(reply))

    # -- pages: the widget, the API docs ------------------------------------------------------
    pages = {"/docs": ("docs.html", "text/html"), "/docs.js": ("docs.js", "text/javascript"),
             "/docs.css": ("docs.css", "text/css")}
    if channels.widget.enabled:
        pages.update({"/": ("index.html", "text/html"),
                      "/widget.js": ("widget.js", "text/javascript"),
                      "/widget.css": ("widget.css", "text/css")})
    for route, (name, media_type) in pages.items():
        api.add_api_route(route, _page_route(name, media_type), methods=["GET"],
                          include_in_schema=False)

    add_admin_routes(api, runtime, retrain)

    if channels.rest.enabled or channels.voice.enabled:
        api.add_middleware(CORSMiddleware, allow_origins=list(config.server.cors_origins),
                           allow_methods=["GET", "POST"], allow_headers=["content-type"])
    app = GuardMiddleware(api, config.server, AdminAuth(config.server, environ))
    if channels.socketio.enabled:
        sio = socketio.AsyncServer(async_mode="asgi",
                                   cors_allowed_origins=origin_allowed(config.server))
        socketio_channel.register(sio, runtime.turn, describe_error)
        app = socketio.ASGIApp(sio, other_asgi_app=app, socketio_path="socket.io")
    return app


def _voice_channel(agent: Agent, config: Config):
    from bot.build import ensure_recognizer
    from bot.channels.voice import VoiceChannel

    recognizer = ensure_recognizer(config, agent.catalog, log=log.info)
    return VoiceChannel(agent, recognizer, config.channels.voice.max_seconds)


def load_serving_agent(config: Config, log_message=log.info) -> Agent:
    """An agent set up for serving: torch threads per process, utterances micro-batched."""
    import torch

    from bot.build import build_agent
    from bot.server.batching import MicroBatchEncoder

    if not logging.getLogger().handlers:  # errors with tracebacks go to stderr, timestamped
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    server = config.server
    if server.workers > 1 and not config.stores.is_redis:
        raise ConfigError("server.workers > 1 needs stores.sessions: redis://HOST:PORT/DB "
                          "(SQLite sessions live in one process)")
    # One torch thread per process: with many turns in flight, a multi-threaded torch pool only
    # fights the request threads for the cores (measured: 18 vs 122 turns/s on 2 cores).
    torch.set_num_threads(server.torch_threads or 1)
    return build_agent(config, log_message,
                          wrap_encoder=lambda e: MicroBatchEncoder(e, server.batch_max))


def app_factory():
    """For running under another ASGI server (`uvicorn --factory bot.server.app:app_factory`, one
    process each): the app for config.yml (or $CONVREC_CONFIG). `convrec serve` is the usual way."""
    from bot.config import load_config

    config = load_config()
    return create_app(load_serving_agent(config), config)
