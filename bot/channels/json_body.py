"""JSON request bodies in, JSON answers out, with errors that say what was wrong with a body."""

from __future__ import annotations

import json

from fastapi import Request
from fastapi.responses import JSONResponse

from bot.errors import InputError


def read_json(raw: bytes):
    """A request body as JSON; InputError saying whether the bytes or the JSON were wrong."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"the request body is not valid UTF-8 (byte {e.start}); send JSON "
                         "encoded as UTF-8") from e
    try:
        return json.loads(text)
    except ValueError as e:
        raise InputError(f"the request body is not valid JSON: {e}") from e


async def request_json(request: Request):
    """The request's whole body, read as JSON (`read_json`)."""
    return read_json(await request.body())


def json_response(content) -> JSONResponse:
    """Plain JSON, skipping FastAPI's field-by-field encoder (the replies are plain already)."""
    return JSONResponse(content)
