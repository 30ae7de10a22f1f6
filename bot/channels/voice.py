"""The voice channel: a recording in, the reply as text and speech out.

It reads a message the way every channel does, only from audio: WAV → 16 kHz samples →
pocketsphinx (with convrec's language model, bot/voice/language_model.py) → the written form the
NLU reads ("nineteen ninety five" → "1995") → `Agent.handle` → a short spoken form of the reply
(`speech_for`), optionally as a WAV file from espeak-ng. Used by `POST /api/voice` and by
`convrec voice`. Assistants that do their own speech recognition send text to `POST /voice`
and get `voice_webhook_reply`: the spoken form, the same as SSML (`ssml_for`, also what Alexa
says) and the reply for a screen. `router` has both routes.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from xml.sax.saxutils import escape

from fastapi import APIRouter, Request

from bot.channels import api_docs as docs
from bot.channels.json_body import json_response, request_json
from bot.channels.rest import read_message
from bot.channels.runtime import ChannelRuntime
from bot.dialogue.agent import Agent
from bot.dialogue.replies import Reply
from bot.errors import InputError
from bot.voice.speech import AudioError, Recognizer, is_silent, synthesize, wav_to_pcm16k
from bot.voice.spoken import to_written


@dataclass
class VoiceTurn:
    transcript: str  # what the recogniser heard
    text: str  # what the agent was given
    reply: Reply
    speech: str  # the reply, as it is spoken
    audio: bytes | None = None  # WAV of `speech`, when asked for

    def to_json(self) -> dict:
        return {"transcript": self.transcript, "text": self.text, "speech": self.speech,
                "reply": self.reply.to_json()}


def _spoken_parts(reply: Reply, max_items: int) -> tuple[str, list[str], str]:
    """(lead sentence, up to `max_items` "Title, from 1993" names, how to go on)."""
    text = reply.text.rstrip(":").rstrip()
    items = reply.items[:max_items]
    names = [f"{i['title']}, from {i['year']}" if i.get("year") else i["title"] for i in items]
    hint = ""
    if items:
        hint = ('Say "tell me about the first one", "not the second one", or "more".'
                if len(items) > 1 else 'Say "I\'ll watch it", "not that one", or "more".')
    return text, names, hint


def speech_for(reply: Reply, max_items: int = 3) -> str:
    """What a voice says: the reply's text, then the items by title and year, then how to go on.

    "Here are some picks (comedy): Groundhog Day, from 1993; Fargo, from 1996; and Clueless,
    from 1995. Say "the first one", "not the second one", or "more"."
    """
    text, names, hint = _spoken_parts(reply, max_items)
    if not names:
        return text
    listed = names[0] if len(names) == 1 else "; ".join(names[:-1]) + f"; and {names[-1]}"
    return f"{text}: {listed}. {hint}"


def ssml(*phrases: str, pause_ms: int = 300) -> str:
    """Phrases as one SSML document, a short pause between them. Every phrase is escaped: a
    title like "Tom & Jerry" or a quoted hint cannot break the markup."""
    escaped = [escape(p, {'"': "&quot;", "'": "&apos;"}) for p in phrases if p]
    return "<speak>" + f' <break time="{pause_ms}ms"/>'.join(escaped) + "</speak>"


def ssml_for(reply: Reply, max_items: int = 3) -> str:
    """`speech_for` as SSML (Alexa, `POST /voice`): the same words, pauses between the items."""
    text, names, hint = _spoken_parts(reply, max_items)
    if not names:
        return ssml(text)
    listed = [f"{name};" for name in names[:-1]] + [
        f"and {names[-1]}." if len(names) > 1 else f"{names[-1]}."]
    return ssml(f"{text}:", *listed, hint)


def voice_webhook_reply(reply: Reply, max_items: int = 3) -> dict:
    """`POST /voice`'s answer: what to say (plain and SSML) and what a screen may show."""
    return {"speech": speech_for(reply, max_items), "ssml": ssml_for(reply, max_items),
            "display": {"session": reply.session, "text": reply.text, "items": reply.items,
                        "quick_replies": reply.quick_replies}}


class VoiceChannel:
    def __init__(self, agent: Agent, recognizer: Recognizer, max_seconds: float = 30.0):
        self.agent = agent
        self.recognizer = recognizer
        self.max_seconds = max_seconds

    def transcribe(self, wav: bytes) -> str:
        try:
            samples = wav_to_pcm16k(wav, self.max_seconds)
        except AudioError as e:
            raise InputError(str(e)) from e
        return "" if is_silent(samples) else self.recognizer.transcribe(samples)

    def turn(self, session_id: str, wav: bytes, user_id: str | None = None,
             speak: bool = False) -> VoiceTurn:
        """One spoken turn. InputError when nothing was recognised or the audio is unusable."""
        transcript = self.transcribe(wav)
        if not transcript:
            raise InputError("no speech recognised in the recording; please say it again")
        text = to_written(transcript)
        reply = self.agent.handle(session_id, text, user_id)
        speech = speech_for(reply)
        return VoiceTurn(transcript, text, reply, speech, synthesize(speech) if speak else None)


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes")


def router(runtime: ChannelRuntime) -> APIRouter:
    """POST /voice (text in, speech out), and POST /api/voice (a recording in) when
    `runtime.voice` has a recogniser."""
    routes = APIRouter()

    @routes.post("/voice", tags=["voice"],
                 summary="Generic voice webhook: text in, speech, SSML and display out",
                 openapi_extra=docs.body(docs.VoiceRequest),
                 responses=docs.answers(docs.VoiceReply, 400, 413, 429, 503))
    async def voice_webhook(request: Request):
        msg = read_message(await request_json(request))
        reply = await runtime.turn(msg.session_id, msg.text, msg.user_id)
        return json_response(voice_webhook_reply(reply))

    recordings = runtime.voice  # set once, when the app is built
    if recordings is not None:
        @routes.post("/api/voice", tags=["voice"],
                     summary="A WAV recording in; transcript, reply and speech out",
                     openapi_extra=docs.body(media_type="audio/wav",
                                             schema={"type": "string", "format": "binary"}),
                     responses=docs.answers(docs.SpokenTurn, 400, 413, 429, 503))
        async def voice_turn(request: Request, session: str, user: str | None = None,
                             speak: str | None = None):
            wav = await request.body()
            if not wav:
                raise InputError("send the recording as the request body (audio/wav)")
            runtime.rate_limits.sender(session)
            turn = await runtime.run(recordings.turn, session, wav, user, _flag(speak))
            runtime.turns += 1
            out = turn.to_json()
            if turn.audio is not None:
                out["audio_wav_base64"] = base64.b64encode(turn.audio).decode("ascii")
            return json_response(out)

    return routes
