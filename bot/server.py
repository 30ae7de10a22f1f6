"""The HTTP server: routes → channel adapters (bot/channels/) → `Agent.handle`.

One ASGI app: FastAPI for HTTP, python-socketio for /socket.io, both in front of one Agent.
Turns run in a thread pool (`server.threads`); the utterances of concurrent turns are encoded
together (bot/batching.py). Every refused or failed request gets a JSON body
`{"error": "<message>"}` with its status: 400 bad input, 401/403 admin, 404, 413 too large,
503 session busy (retry), 500 internal (logged with its traceback, and in the session's events).

Run it with `convrec serve` (uvicorn; `--workers N` processes, each with its own model, sharing
sessions through Redis), or build the app in process with `create_app(agent, config)`.
"""

from __future__ import annotations

import base64
import json
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

from bot.agent import Agent, InputError
from bot.alexa_verify import AlexaVerificationError, AlexaVerifier
from bot.channels import alexa, rest
from bot.channels import socketio as socketio_channel
from bot.config import Config, ConfigError
from bot.replies import Reply
from bot.security import AdminAuth, GuardMiddleware, origin_allowed
from bot.speech import AudioError
from bot.store import SessionBusy, StoreError

log = logging.getLogger("convrec.server")
WEB = Path(__file__).resolve().parent / "channels" / "web"


class HttpError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def describe_error(error: BaseException) -> tuple[int, str]:
    """(HTTP status, message for the client). Unexpected errors are logged here, in full."""
    if isinstance(error, HttpError):
        return error.status, str(error)
    if isinstance(error, (InputError, AudioError, AlexaVerificationError)):
        return 400, str(error)
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
    voice: object | None = None  # bot.channels.voice.VoiceChannel, when enabled
    alexa_verifier: AlexaVerifier | None = None
    started: float = field(default_factory=time.time)
    turns: int = 0
    errors: int = 0

    async def run(self, func, *args):
        return await anyio.to_thread.run_sync(func, *args, limiter=self.limiter)

    async def turn(self, session_id: str, text: str, user_id: str | None) -> Reply:
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


async def _json_body(request: Request):
    raw = await request.body()
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as e:
        raise InputError(f"the request body is not valid JSON: {e}") from e


def _json(content) -> JSONResponse:
    """Plain JSON, skipping FastAPI's field-by-field encoder (the replies are plain already)."""
    return JSONResponse(content)


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes")


def create_app(agent: Agent, config: Config, *, voice=None,
               alexa_verifier: AlexaVerifier | None = None, environ: dict | None = None):
    """The ASGI app. `voice` (a VoiceChannel) and `alexa_verifier` are built from config when
    not given; tests pass a verifier that trusts their own certificate chain."""
    import socketio

    channels = config.channels
    runtime = Runtime(agent, config, anyio.CapacityLimiter(config.server.threads))
    if channels.voice.enabled:
        runtime.voice = voice or _voice_channel(agent, config)
    if channels.alexa.enabled and channels.alexa.verify:
        runtime.alexa_verifier = alexa_verifier or AlexaVerifier(
            max_skew_s=channels.alexa.max_skew_s)

    api = FastAPI(title="convrec", docs_url=None, redoc_url=None, openapi_url=None)
    api.state.runtime = runtime

    @api.exception_handler(Exception)
    async def any_error(request: Request, error: Exception):
        status, message = describe_error(error)
        if status >= 500:
            runtime.errors += 1
        headers = {"Retry-After": "1"} if status == 503 else None
        return JSONResponse({"error": message}, status_code=status, headers=headers)

    for kind in (HttpError, InputError, AudioError, AlexaVerificationError, SessionBusy,
                 StoreError):
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

    @api.get("/health")
    async def health():
        return {"status": "ok", "pid": os.getpid(), "store": agent.store.describe(),
                "items": len(agent.catalog)}

    # -- REST --------------------------------------------------------------------------------
    if channels.rest.enabled:
        @api.post("/api/message")
        async def message(request: Request):
            msg = rest.read_message(await _json_body(request))
            return _json((await runtime.turn(msg.session_id, msg.text, msg.user_id)).to_json())

        @api.get("/api/sessions/{session_id}")
        async def session_history(session_id: str):
            events = await runtime.run(agent.store.events, session_id)
            return _json({"session": session_id, "messages": rest.transcript(events)})

        @api.post("/webhooks/rest/webhook")
        async def rasa_webhook(request: Request):
            msg = rest.read_rasa(await _json_body(request))
            reply = await runtime.turn(msg.session_id, msg.text, msg.user_id)
            return _json(rest.rasa_messages(reply, msg.session_id))

    # -- voice -------------------------------------------------------------------------------
    if runtime.voice is not None:
        @api.post("/api/voice")
        async def voice_turn(request: Request, session: str, user: str | None = None,
                             speak: str | None = None):
            wav = await request.body()
            if not wav:
                raise InputError("send the recording as the request body (audio/wav)")
            turn = await runtime.run(runtime.voice.turn, session, wav, user, _flag(speak))
            runtime.turns += 1
            out = turn.to_json()
            if turn.audio is not None:
                out["audio_wav_base64"] = base64.b64encode(turn.audio).decode("ascii")
            return _json(out)

    # -- Alexa -------------------------------------------------------------------------------
    if channels.alexa.enabled:
        @api.post("/webhooks/alexa")
        async def alexa_webhook(request: Request):
            raw = await request.body()
            if runtime.alexa_verifier is not None:
                body = await runtime.run(runtime.alexa_verifier.verify, request.headers, raw)
            else:  # channels.alexa.verify: false — local testing only
                body = await _json_body(request)
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

    # -- the widget --------------------------------------------------------------------------
    if channels.widget.enabled:
        @api.get("/")
        async def page():
            return FileResponse(WEB / "index.html", media_type="text/html")

        @api.get("/widget.js")
        async def widget_js():
            return FileResponse(WEB / "widget.js", media_type="text/javascript",
                                headers={"Cache-Control": "no-cache"})

        @api.get("/widget.css")
        async def widget_css():
            return FileResponse(WEB / "widget.css", media_type="text/css",
                                headers={"Cache-Control": "no-cache"})

    # -- admin (bot/security.py checks the token before these run) ----------------------------
    @api.get("/admin/stats")
    async def stats():
        encoder = agent.nlu.encoder
        return {"pid": os.getpid(), "uptime_s": round(time.time() - runtime.started, 1),
                "turns": runtime.turns, "errors": runtime.errors,
                "store": agent.store.describe(),
                "encoder_batches": getattr(encoder, "batches", None),
                "encoder_texts": getattr(encoder, "texts", None)}

    @api.get("/admin/sessions/{session_id}")
    async def admin_session(session_id: str):
        state = await runtime.run(agent.store.load_state, session_id)
        if state is None:
            raise HttpError(404, f"no session {session_id!r}")
        events = await runtime.run(agent.store.events, session_id)
        return {"session": session_id, "state": state, "events": events}

    @api.get("/admin/feedback")
    async def admin_feedback(limit: int = 100):
        rows = await runtime.run(agent.store.behavior_log)
        return {"behavior_log": rows[-max(1, min(limit, 10_000)):]}

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
    from bot.assemble import ensure_recognizer
    from bot.channels.voice import VoiceChannel

    recognizer = ensure_recognizer(config, agent.catalog, log=log.info)
    return VoiceChannel(agent, recognizer, config.channels.voice.max_seconds)


def load_serving_agent(config: Config, log_message=log.info) -> Agent:
    """An agent set up for serving: torch threads per process, utterances micro-batched."""
    import torch

    from bot.assemble import assemble_agent
    from bot.batching import MicroBatchEncoder

    server = config.server
    if server.workers > 1 and not config.stores.is_redis:
        raise ConfigError("server.workers > 1 needs stores.sessions: redis://HOST:PORT/DB "
                          "(SQLite sessions live in one process)")
    # One torch thread per process: with many turns in flight, a multi-threaded torch pool only
    # fights the request threads for the cores (measured: 18 vs 122 turns/s on 2 cores).
    torch.set_num_threads(server.torch_threads or 1)
    return assemble_agent(config, log_message,
                          wrap_encoder=lambda e: MicroBatchEncoder(e, server.batch_max))


def app_factory():
    """For uvicorn (`convrec serve`): each worker process builds its own agent and app."""
    from bot.config import load_config

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    config = load_config()
    overrides = os.environ.get("CONVREC_SERVER_WORKERS")
    if overrides:
        import dataclasses

        config = dataclasses.replace(config, server=dataclasses.replace(
            config.server, workers=int(overrides)))
    return create_app(load_serving_agent(config), config)
