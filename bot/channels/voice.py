"""The voice channel: a recording in, the reply as text and speech out.

It reads a message the way every channel does, only from audio: WAV → 16 kHz samples →
pocketsphinx (with convrec's language model, bot/voice_lm.py) → the written form the NLU reads
("nineteen ninety five" → "1995") → `Agent.handle` → a short spoken form of the reply
(`speech_for`), optionally as a WAV file from espeak-ng. Used by `POST /api/voice` and by
`convrec voice`.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.agent import Agent, InputError
from bot.replies import Reply
from bot.speech import AudioError, Recognizer, is_silent, synthesize, wav_to_pcm16k
from bot.spoken import to_written


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


def speech_for(reply: Reply, max_items: int = 3) -> str:
    """What a voice says: the reply's text, then the items by title and year, then how to go on.

    "Here are some picks (comedy): Groundhog Day, from 1993; Fargo, from 1996; and Clueless,
    from 1995. Say "the first one", "not the second one", or "more"."
    """
    text = reply.text.rstrip(":").rstrip()
    items = reply.items[:max_items]
    if not items:
        return text
    names = [f"{i['title']}, from {i['year']}" if i.get("year") else i["title"] for i in items]
    listed = names[0] if len(names) == 1 else "; ".join(names[:-1]) + f"; and {names[-1]}"
    hint = ('Say "tell me about the first one", "not the second one", or "more".'
            if len(items) > 1 else 'Say "I\'ll watch it", "not that one", or "more".')
    return f"{text}: {listed}. {hint}"


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
