"""Reading a request body as JSON, with an error that says what was wrong with it."""

from __future__ import annotations

import json

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
