"""The HTTP server: one ASGI app assembled from the channels' routes, in front of one Agent.

FastAPI for HTTP, python-socketio for /socket.io. Each channel owns its routes (`router()` of
bot/channels/rest.py, rasa.py, voice.py, alexa.py, widget.py); this module builds the `Runtime`
they share (bot/channels/runtime.py says what they use of it), mounts the routers of the channels
config.yml enables, and adds /health, the admin routes (bot/server/admin.py), the error answers
(bot/server/http_errors.py: every refused or failed request gets `{"error": "<message>"}` with its
status), CORS and the guard (bot/server/security.py: sizes, rate limits, admin token, headers).
Turns run in a thread pool (`server.threads`); the utterances of concurrent turns are encoded
together (bot/server/batching.py), and the rest of a turn computes one turn at a time
(bot/server/gate.py).

Run it with `convrec serve` (uvicorn; `--workers N` processes, each with its own model, sharing
sessions through Redis: bot/server/workers.py), or build the app in process with `create_app`.
The API's documented shapes are in bot/channels/api_docs.py.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field

import anyio
import socketio
import torch
from fastapi import FastAPI, Request
from starlette.middleware.cors import CORSMiddleware

from bot.build import build_agent, ensure_recognizer
from bot.channels import alexa, rasa, rest, widget
from bot.channels import api_docs as docs
from bot.channels import socketio as socketio_channel
from bot.channels import voice as voice_routes
from bot.channels.alexa_verify import AlexaVerifier
from bot.channels.voice import VoiceChannel
from bot.config import Config, ConfigError, load_config
from bot.dialogue.agent import Agent
from bot.dialogue.replies import Reply
from bot.errors import InputError
from bot.server.admin import add_admin_routes
from bot.server.batching import MicroBatchEncoder
from bot.server.gate import TurnGate
from bot.server.http_errors import describe_error, install_error_handlers
from bot.server.reload import ModelReloader
from bot.server.retrain import RetrainJobs, train_command
from bot.server.security import AdminAuth, GuardMiddleware, RateLimits, origin_allowed
from bot.stores.sqlite import SessionBusy

log = logging.getLogger("convrec.server")
DESCRIPTION = ("A conversational movie recommender. Every error is JSON {\"error\": message} "
               "with its status. /admin/* and /users/* want Authorization: Bearer <token>.")


@dataclass
class Runtime:
    """What the routes share: the agent, the thread pool's limit, the channels, counters.
    The channels' routes see it as a bot.channels.runtime.ChannelRuntime."""

    agent: Agent
    config: Config
    limiter: anyio.CapacityLimiter
    rate_limits: RateLimits
    voice: VoiceChannel | None = None  # when channels.voice is on
    alexa_verifier: AlexaVerifier | None = None
    models: ModelReloader | None = None  # live reload of the ranker (bot/server/reload.py)
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

    def count_error(self) -> None:
        """One more request answered 5xx (/admin/stats)."""
        self.errors += 1


def create_app(agent: Agent, config: Config, *, voice: VoiceChannel | None = None,
               alexa_verifier: AlexaVerifier | None = None, environ: dict | None = None,
               retrain: RetrainJobs | None = None, models: ModelReloader | None = None):
    """The ASGI app. `voice` (a VoiceChannel) and `alexa_verifier` are built from config when
    not given; tests pass a verifier that trusts their own certificate chain. `retrain`: the
    retrain jobs (default: `convrec train` on $CONVREC_CONFIG, records in paths.state).
    `models`: the ranker's live reload (default: following <models>/ranker's version pointer,
    polled once a second; none for the linear ranker)."""
    channels = config.channels
    runtime = Runtime(agent, config, anyio.CapacityLimiter(config.server.threads),
                      RateLimits(config.server))
    runtime.models = models if models is not None else ModelReloader.for_agent(agent, config)
    if runtime.models is not None:
        runtime.models.start()
    if channels.voice.enabled:
        runtime.voice = voice or _voice_channel(agent, config)
    if channels.alexa.enabled and channels.alexa.verify:
        runtime.alexa_verifier = alexa_verifier or AlexaVerifier(
            max_skew_s=channels.alexa.max_skew_s)
    environ = os.environ if environ is None else environ
    retrain = retrain or RetrainJobs(config.path("state") / "retrain",
                                     train_command(environ.get("CONVREC_CONFIG")),
                                     runtime.models)

    api = FastAPI(title="convrec", version="1", docs_url=None, redoc_url=None,
                  openapi_url="/openapi.json")
    docs.install_openapi(api, DESCRIPTION)
    api.state.runtime = runtime
    install_error_handlers(api, runtime.count_error)

    @api.get("/health", summary="Liveness: this worker's pid, its store, the catalog size, "
                                "the ranker version it serves",
             responses=docs.answers(docs.Health))
    async def health():
        return {"status": "ok", "pid": os.getpid(), "store": agent.store.describe(),
                "items": len(agent.catalog),
                "model": runtime.models.version if runtime.models is not None else None}

    if channels.rest.enabled:  # convrec's REST API and Rasa's formats
        api.include_router(rest.router(runtime))
        api.include_router(rasa.router(runtime))
    if channels.voice.enabled:
        api.include_router(voice_routes.router(runtime))
    if channels.alexa.enabled:
        api.include_router(alexa.router(runtime, channels.alexa.skill_id))
    api.include_router(widget.router(channels.widget.enabled))
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


def _voice_channel(agent: Agent, config: Config) -> VoiceChannel:
    recognizer = ensure_recognizer(config, agent.catalog, log=log.info)
    return VoiceChannel(agent, recognizer, config.channels.voice.max_seconds)


def load_serving_agent(config: Config, log_message=log.info) -> Agent:
    """An agent set up for serving: torch threads per process, utterances micro-batched, one
    turn computing at a time (the others wait, or wait for their utterances' batch)."""
    if not logging.getLogger().handlers:  # errors with tracebacks go to stderr, timestamped
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    server = config.server
    if server.workers > 1 and not config.stores.is_redis:
        raise ConfigError("server.workers > 1 needs stores.sessions: redis://HOST:PORT/DB "
                          "(SQLite sessions live in one process)")
    # One torch thread per process: with many turns in flight, a multi-threaded torch pool only
    # fights the request threads for the cores (measured: 18 vs 122 turns/s on 2 cores).
    torch.set_num_threads(server.torch_threads or 1)
    # one turn computes at a time, the next while a turn waits for its utterances' batch
    # (bench/load.py --seconds 20, 32 people in a closed loop, 2 cores, 2026-12-03: without
    # and with the gate, 158 -> 189 turns/s and p99 445 -> 265 ms with the torch encoder,
    # 187 -> 221 turns/s and p99 442 -> 228 ms with the onnx one)
    gate = TurnGate()
    agent = build_agent(config, log_message,
                        wrap_encoder=lambda e: MicroBatchEncoder(e, server.batch_max, gate=gate))
    agent.turn_gate = gate.held
    return agent


def app_factory():
    """For running under another ASGI server (`uvicorn --factory bot.server.app:app_factory`, one
    process each): the app for config.yml (or $CONVREC_CONFIG). `convrec serve` is the usual
    way."""
    config = load_config()
    return create_app(load_serving_agent(config), config)
