"""The socket.io channel, speaking rasa-webchat's protocol (path /socket.io).

    client → session_request {"session_id"?}        server → session_confirm "<session id>"
    client → user_uttered {"message", "session_id", "customData"?: {"user"}}
    server → bot_uttered {"text", "quick_replies"?: [{"content_type", "title", "payload"}],
                          "custom"?: {"item"}}  (one per message: the text, then each item)
    server → bot_uttered {"text", "error", "status"} when a message is refused or fails

A refused message is answered, never dropped: rasa-webchat shows the "text" of the error.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from bot.agent import InputError
from bot.channels.rest import item_line
from bot.replies import Reply

RunTurn = Callable[[str, str, str | None], Awaitable[Reply]]
DescribeError = Callable[[BaseException], tuple[int, str]]


def webchat_messages(reply: Reply) -> list[dict]:
    """A Reply as rasa-webchat's bot_uttered events, quick replies on the last one."""
    messages: list[dict] = [{"text": reply.text}]
    for position, item in enumerate(reply.items, start=1):
        messages.append({"text": item_line(position, item), "custom": {"item": item}})
    if reply.quick_replies:
        messages[-1]["quick_replies"] = [
            {"content_type": "text", "title": q["title"], "payload": q["payload"]}
            for q in reply.quick_replies]
    return messages


def register(sio, run_turn: RunTurn, describe_error: DescribeError) -> None:
    """Attach the channel's event handlers to a python-socketio AsyncServer."""

    @sio.on("session_request")
    async def session_request(sid, data=None):
        requested = (data or {}).get("session_id") if isinstance(data, dict) else None
        session_id = requested if isinstance(requested, str) and requested else uuid.uuid4().hex
        await sio.save_session(sid, {"session_id": session_id})
        await sio.emit("session_confirm", session_id, to=sid)

    @sio.on("user_uttered")
    async def user_uttered(sid, data=None):
        data = data if isinstance(data, dict) else {}
        saved = await sio.get_session(sid)
        session_id = data.get("session_id") or saved.get("session_id") or sid
        custom = data.get("customData") if isinstance(data.get("customData"), dict) else {}
        user = custom.get("user")
        try:
            message = data.get("message")
            if not isinstance(message, str):
                raise InputError("user_uttered needs a 'message' string")
            reply = await run_turn(str(session_id), message, None if user is None else str(user))
        except Exception as e:  # answered with its message (describe_error logs the unexpected)
            status, text = describe_error(e)
            await sio.emit("bot_uttered", {"text": text, "error": text, "status": status}, to=sid)
            return
        for message in webchat_messages(reply):
            await sio.emit("bot_uttered", message, to=sid)
