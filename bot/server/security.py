"""What the HTTP server guards, in one place: the admin token, request size, rate limits,
browser headers and which other origins may call the API (CORS).

- `/admin/*` and `/users/*` want `Authorization: Bearer <token>`, the token read at start from
  the environment variable that `server.admin_token_env` names (CONVREC_ADMIN_TOKEN). With the
  variable unset the admin API is off (403), never open. Tokens are compared in constant time.
- Request bodies over `server.max_json_bytes` (voice uploads: `server.max_body_bytes`) are
  refused with 413 before they are read whole.
- Each sender (session) gets a token bucket of `server.rate_limit_burst` messages refilled at
  `server.rate_limit_per_minute`; requests without a sender, per client IP. Over it: 429 with
  Retry-After. The buckets live in each worker process (N workers: up to N times the rate).
- Every response says `nosniff` and `no-referrer`; the chat page and the API docs page also get
  a Content-Security-Policy that allows their own scripts only, and may not be framed.
- Only the page's own origin and `server.cors_origins` may call the API from a browser.
  Conversations are reached by session id: the widget makes one with crypto.randomUUID().
"""

from __future__ import annotations

import hmac
import json
import math
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from bot.config import ServerConfig

PROTECTED_PREFIXES = ("/admin", "/users")  # the admin API: the bearer token or nothing
PAGES = ("/", "/index.html", "/docs")  # HTML pages: strict Content-Security-Policy
UPLOAD_PATHS = ("/api/voice",)  # audio bodies: server.max_body_bytes; JSON: max_json_bytes
PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")


class AdminAuth:
    def __init__(self, config: ServerConfig, environ: dict | None = None):
        environ = os.environ if environ is None else environ
        self.variable = config.admin_token_env
        self.token = environ.get(self.variable) or None

    def check(self, authorization: str | None) -> tuple[int, str] | None:
        """None when allowed; else (status, message) to answer."""
        if self.token is None:
            return 403, f"the admin API is off: set {self.variable} before starting the server"
        scheme, _, given = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(),
                                                                self.token.encode()):
            return 401, "admin API: send 'Authorization: Bearer <token>'"
        return None


def _json_response(status: int, message: str, extra_headers: list | None = None):
    body = json.dumps({"error": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"x-content-type-options", b"nosniff"),
               (b"content-length", str(len(body)).encode())] + (extra_headers or [])
    return ({"type": "http.response.start", "status": status, "headers": headers},
            {"type": "http.response.body", "body": body})


class GuardMiddleware:
    """ASGI middleware: body size limit, admin token on /admin/*, security headers."""

    def __init__(self, app, config: ServerConfig, admin: AdminAuth):
        self.app = app
        self.max_upload = config.max_body_bytes
        self.max_json = config.max_json_bytes
        self.admin = admin

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        path = scope.get("path", "")
        if any(path == p or path.startswith(p + "/") for p in PROTECTED_PREFIXES):
            refused = self.admin.check(headers.get("authorization"))
            if refused is not None:
                extra = [(b"www-authenticate", b"Bearer")] if refused[0] == 401 else []
                for message in _json_response(*refused, extra):
                    await send(message)
                return
        limit = self.max_upload if path in UPLOAD_PATHS else self.max_json
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            for message in _json_response(413, f"request body over {limit} bytes"):
                await send(message)
            return

        if scope.get("method") in ("POST", "PUT", "PATCH"):
            # read the body here, up to the limit, so an oversized one never reaches a route
            body, more = b"", True
            while more:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                body += message.get("body", b"")
                more = message.get("more_body", False)
                if len(body) > limit:
                    for message in _json_response(413, f"request body over {limit} bytes"):
                        await send(message)
                    return
            replayed = False

            async def replay():
                nonlocal replayed
                if not replayed:
                    replayed = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()
        else:
            replay = receive

        async def guarded_send(message):
            if message["type"] == "http.response.start":
                extra = [(b"x-content-type-options", b"nosniff"),
                         (b"referrer-policy", b"no-referrer")]
                if path in PAGES:
                    extra += [(b"content-security-policy", PAGE_POLICY.encode()),
                              (b"x-frame-options", b"DENY")]
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)

        await self.app(scope, replay, guarded_send)


def origin_allowed(config: ServerConfig):
    """socket.io's origin check: the page's own origin, or one listed in server.cors_origins."""
    listed = set(config.cors_origins)

    def allowed(origin: str | None, environ: dict) -> bool:
        if origin is None:
            return True
        own = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        return origin == own or origin in listed

    return allowed


class RateLimited(Exception):
    """Too many requests from one sender or client; `retry_after` seconds until the next may go."""

    def __init__(self, message: str, retry_after: float):
        super().__init__(message)
        self.retry_after = retry_after

    @property
    def retry_after_header(self) -> str:
        return str(max(1, math.ceil(self.retry_after)))


class TokenBuckets:
    """One token bucket per key: `burst` tokens, refilled at `per_minute / 60` a second.

    `per_minute` 0 turns the limit off. Keys idle long enough to be full again carry no
    information, so they are dropped when more than `max_keys` are held (oldest first).
    """

    def __init__(self, per_minute: int, burst: int, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = 100_000):
        self.rate = per_minute / 60.0  # tokens per second
        self.burst = float(burst)
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key: tokens, at
        self._guard = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def take(self, key: str) -> float:
        """Spend one token of `key`: 0.0 when allowed, else the seconds until one is there."""
        if not self.enabled:
            return 0.0
        now = self.clock()
        with self._guard:
            tokens, at = self._buckets.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - at) * self.rate)
            wait = 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate
            self._buckets[key] = (tokens - 1.0 if wait == 0.0 else tokens, now)
            if len(self._buckets) > self.max_keys:
                self._prune(now)
        return wait

    def _prune(self, now: float) -> None:
        """Oldest first: drop buckets that are full again; past `max_keys`, drop any (that key's
        sender is forgiven: memory stays bounded however many keys a client invents)."""
        full_after = self.burst / self.rate  # seconds idle after which a bucket is full again
        while len(self._buckets) > self.max_keys // 2:
            key, (_, at) = next(iter(self._buckets.items()))
            if now - at < full_after and len(self._buckets) <= self.max_keys:
                break
            del self._buckets[key]


class RateLimits:
    """The server's two limits: per sender (session id) and per client IP."""

    def __init__(self, config: ServerConfig, clock: Callable[[], float] = time.monotonic):
        self.config = config
        self.senders = TokenBuckets(config.rate_limit_per_minute, config.rate_limit_burst, clock)
        self.clients = TokenBuckets(config.ip_rate_limit_per_minute, config.ip_rate_limit_burst,
                                    clock)

    def sender(self, session_id: str) -> None:
        """Raise RateLimited when this session sent too many messages."""
        wait = self.senders.take(session_id)
        if wait:
            raise RateLimited(
                f"too many messages in session {session_id[:80]!r}: at most "
                f"{self.config.rate_limit_per_minute} a minute (bursts of "
                f"{self.config.rate_limit_burst}); retry in {math.ceil(wait)} s", wait)

    def client(self, address: str | None) -> None:
        """Raise RateLimited when this client IP sent too many requests without a sender."""
        wait = self.clients.take(address or "unknown")
        if wait:
            raise RateLimited(
                f"too many requests from {address}: at most "
                f"{self.config.ip_rate_limit_per_minute} a minute (bursts of "
                f"{self.config.ip_rate_limit_burst}); retry in {math.ceil(wait)} s", wait)
