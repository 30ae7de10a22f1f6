"""The socket.io channel, speaking rasa-webchat's protocol (path /socket.io).

    client → session_request {"session_id"?}        server → session_confirm "<session id>"
    client → user_uttered {"message", "session_id", "customData"?: {"user"}}
    server → bot_uttered {"text"}                    the reply's text, then, when there are items:
    server → bot_uttered {"attachment": {"type": "template", "payload": {"template_type": "generic",
                          "elements": [{"title", "subtitle", "buttons": [{"title", "type":
                          "postback", "payload"}]}]}}, "custom": {"items"}}
             (rasa-webchat shows the elements as a carousel of cards with buttons; convrec's own
             item fields, as in `convrec chat --json`, are under "custom")
             `quick_replies` [{"content_type": "text", "title", "payload"}] ride on the last one
    server → bot_uttered {"text", "error", "status"} when a message is refused or fails

A refused message is answered, never dropped: rasa-webchat shows the "text" of the error.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from bot.dialogue.replies import Reply, payload
from bot.errors import InputError

RunTurn = Callable[[str, str, str | None], Awaitable[Reply]]
DescribeError = Callable[[BaseException], tuple[int, str]]
CARD_BUTTONS = (("Love it", "accept"), ("Seen it", "seen"), ("Not for me", "reject"))


def carousel_element(item: dict) -> dict:
    """One item as an element of a generic template: the card rasa-webchat draws."""
    title = f"{item['title']} ({item['year']})" if item.get("year") else item["title"]
    genres = ", ".join(item.get("genres") or [])
    subtitle = f"{genres}. {item['reason']}" if genres else item["reason"]
    return {"title": title, "subtitle": subtitle,
            "buttons": [{"title": name, "type": "postback",
                         "payload": payload(intent, item=item["id"])}
                        for name, intent in CARD_BUTTONS]}


def webchat_messages(reply: Reply) -> list[dict]:
    """A Reply as rasa-webchat's bot_uttered events, quick replies on the last one."""
    messages: list[dict] = [{"text": reply.text}]
    if reply.items:
        messages.append({
            "attachment": {"type": "template", "payload": {
                "template_type": "generic",
                "elements": [carousel_element(item) for item in reply.items]}},
            "custom": {"items": reply.items}})
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
