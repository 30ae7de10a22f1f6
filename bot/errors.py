"""The errors a person or a client can cause, and the check every incoming message passes.

Channels import only this (and the agent's public types) to tell a bad request from a failure:
`InputError` is the person's to fix (HTTP 400, or said in the chat), `HttpError` carries its own
status. Everything else is a failure of ours, answered 500 and logged.
"""

from __future__ import annotations

import unicodedata


class InputError(ValueError):
    """A message the agent refuses, with a message fit to show the person."""


def clean_message(text: str, max_chars: int) -> str:
    """Validate one incoming message; raise InputError with a clear message when it is unusable."""
    if not isinstance(text, str):
        raise InputError("the message must be text")
    if len(text) > max_chars:
        raise InputError(f"message too long ({len(text)} characters; the limit is {max_chars})")
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in text):
        raise InputError("the message contains control characters; please send plain text")
    if any(unicodedata.category(ch) == "Cs" for ch in text):  # "\ud800" from JSON: not UTF-8
        raise InputError("the message is not valid Unicode (a lone surrogate); please send "
                         "plain text")
    text = " ".join(text.split())
    if not text:
        raise InputError("empty message: say what you would like to watch")
    return text


class HttpError(Exception):
    """A refusal with its HTTP status (404 no such session, 400 wrong skill, ...)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status

