"""What a channel's routes need from the server that serves them, as an interface.

A channel owns its routes (each module's `router()`), but not the server: the thread pool, the
rate limits, the counters and the error log are bot/server/'s. `ChannelRuntime` is the part of
it the routes use; bot/server/app.py's `Runtime` is one. Channels never import bot.server.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from fastapi import Request

from bot.channels.alexa_verify import AlexaVerifier
from bot.dialogue.agent import Agent
from bot.dialogue.replies import Reply

T = TypeVar("T")


class SenderLimits(Protocol):
    def sender(self, session_id: str) -> None:
        """Count one request of this session; RateLimited (429) when it is over its limit."""


class SpokenTurn(Protocol):
    """bot.channels.voice.VoiceTurn as its route uses it."""

    @property
    def audio(self) -> bytes | None: ...

    def to_json(self) -> dict: ...


class SpeechTurns(Protocol):
    """bot.channels.voice.VoiceChannel as its route uses it (named by its shape, since
    bot/channels/voice.py, which defines it, imports this module for its route)."""

    def turn(self, session_id: str, wav: bytes, user_id: str | None = None,
             speak: bool = False) -> SpokenTurn: ...


class ChannelRuntime(Protocol):
    """The server's side of the routes: one per app, shared by every route and request."""

    turns: int  # turns answered by this process (/admin/stats)

    @property
    def agent(self) -> Agent: ...

    @property
    def voice(self) -> SpeechTurns | None:
        """The recording → reply channel; None when channels.voice is off."""

    @property
    def alexa_verifier(self) -> AlexaVerifier | None:
        """Checks Alexa's signatures; None when channels.alexa.verify is off."""

    @property
    def rate_limits(self) -> SenderLimits: ...

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        """`func(*args)` in the server's thread pool (turns and store calls block)."""

    async def turn(self, session_id: str, text: str, user_id: str | None) -> Reply:
        """One turn of `Agent.handle`, rate limited per session; a failure of the server's own
        is kept in the session's events before it is raised."""

    def client(self, request: Request) -> None:
        """Count a request that names no session against its client IP (429 over the limit)."""
