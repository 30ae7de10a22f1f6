"""What the HTTP server guards, in one place: the admin token, request size, browser headers and
which other origins may call the API (CORS).

- `/admin/*` wants `Authorization: Bearer <token>`, the token read at start from the environment
  variable that `server.admin_token_env` names (CONVREC_ADMIN_TOKEN). With the variable unset the
  admin API is off (403), never open. Tokens are compared in constant time.
- Request bodies over `server.max_body_bytes` are refused with 413 before they are read whole.
- Every response says `nosniff` and `no-referrer`; the chat page also gets a Content-Security-
  Policy that allows its own scripts only, and may not be framed by other sites.
- Only the page's own origin and `server.cors_origins` may call the API from a browser.
  Conversations are reached by session id: the widget makes one with crypto.randomUUID().
"""

from __future__ import annotations

import hmac
import json
import os

from bot.config import ServerConfig

ADMIN_PREFIX = "/admin"
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
        self.max_body = config.max_body_bytes
        self.admin = admin

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        path = scope.get("path", "")
        if path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"):
            refused = self.admin.check(headers.get("authorization"))
            if refused is not None:
                extra = [(b"www-authenticate", b"Bearer")] if refused[0] == 401 else []
                for message in _json_response(*refused, extra):
                    await send(message)
                return
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            for message in _json_response(413, f"request body over {self.max_body} bytes"):
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
                if len(body) > self.max_body:
                    for message in _json_response(413, f"request body over {self.max_body} "
                                                       "bytes"):
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
                if path in ("/", "/index.html"):
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
