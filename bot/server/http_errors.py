"""Exceptions → HTTP answers: every refused or failed request gets `{"error": "<message>"}`.

400 bad input, 404 no such endpoint, 405, 409 conflict (a retrain running), 429 rate limit
(Retry-After), 503 session busy (Retry-After: 1), 500 internal (logged with its traceback here).
The socket.io channel answers with the same (status, message) in its `bot_uttered` error event.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.channels.alexa_verify import AlexaVerificationError
from bot.errors import HttpError, InputError
from bot.server.retrain import RetrainBusy
from bot.server.security import RateLimited
from bot.stores.sqlite import SessionBusy, StoreError
from bot.voice.speech import AudioError

log = logging.getLogger("convrec.server")


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


def install_error_handlers(api: FastAPI, count_internal_error: Callable[[], None]) -> None:
    """Answer every error of `api` as JSON; `count_internal_error()` runs once per 5xx."""

    @api.exception_handler(Exception)
    async def any_error(request: Request, error: Exception):
        status, message = describe_error(error)
        if status >= 500:
            count_internal_error()
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
