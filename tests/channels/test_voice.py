"""Offline voice: spoken ↔ written forms, the domain language model, and spoken turns end to end
(espeak-ng speaks, pocketsphinx listens, the agent answers). Word error rate is measured by
bench/voice_wer.py, not here."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import wave
from xml.etree import ElementTree

import httpx
import numpy as np
import pytest

from bot.channels.voice import speech_for, ssml_for
from bot.dialogue.replies import Reply
from bot.voice.language_model import ipa_to_cmu, spoken_title
from bot.voice.speech import is_silent, synthesize, wav_to_pcm16k
from bot.voice.spoken import number_words, to_spoken, to_written, word_error_rate, year_words
from tests.support import ROOT

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                  reason="espeak-ng is not installed (apt-get install espeak-ng)")


def test_numbers_and_years_as_said():
    assert number_words(42) == "forty two"
    assert number_words(305) == "three hundred five"
    assert year_words(1995) == "nineteen ninety five"
    assert year_words(1905) == "nineteen oh five"
    assert year_words(2005) == "two thousand five"
    assert year_words(2012) == "twenty twelve"
    assert year_words(1900) == "nineteen hundred"


def test_written_to_spoken_and_back():
    spoken = " ".join(to_spoken("A sci-fi comedy from the 90s, not before 1985 & the 2nd one"))
    assert spoken == ("a sci fi comedy from the nineties not before nineteen eighty five and "
                      "the second one")
    assert to_written(spoken) == ("a sci fi comedy from the nineties not before 1985 and the "
                                  "second one")
    assert to_written("movies from the twenty tens or nineteen eighties") == \
        "movies from the 2010s or 1980s"
    assert to_written("two thousand one a space odyssey") == "2001 a space odyssey"
    assert to_written("the first two and twenty one jump street") == \
        "the first two and twenty one jump street"


def test_word_error_rate_counts_edits():
    assert word_error_rate("a funny movie from the nineties", "a funny movie from the nineties") \
        == (0, 6)
    assert word_error_rate("not the second one", "the third one") == (2, 4)
    assert word_error_rate("show me more", "") == (3, 3)


def test_titles_as_said_and_espeak_phonemes_in_cmu_phones():
    assert spoken_title("Star Wars: Episode IV - A New Hope") == ["star", "wars"]
    assert spoken_title("Rocky II") == ["rocky", "two"]
    assert ipa_to_cmu("ɡ_ɹ_ˈɑː_m_ɪ_t") == "G R AA M IH T"
    assert ipa_to_cmu("b_ɹ_ə_k_ˈoʊ_v_ɪ_tʃ") == "B R AH K OW V IH CH"
    assert ipa_to_cmu("q_☃") is None


def _wav(samples: np.ndarray, rate: int, channels: int = 1) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.astype(np.int16).tobytes())
    return out.getvalue()


def test_wav_files_become_16k_mono():
    tone = (8000 * np.sin(np.arange(44100) * 2 * np.pi * 440 / 44100)).astype(np.int16)
    stereo = np.repeat(tone, 2)  # [n * 2] interleaved
    pcm = np.frombuffer(wav_to_pcm16k(_wav(stereo, 44100, channels=2)), dtype=np.int16)
    assert len(pcm) == 16000 and 7000 < np.abs(pcm).max() < 8500
    with pytest.raises(ValueError, match="not a PCM WAV"):
        wav_to_pcm16k(b"RIFF....nonsense")
    with pytest.raises(ValueError, match="too long"):
        wav_to_pcm16k(_wav(np.zeros(16000 * 3), 16000), max_seconds=2)


@needs_espeak
def test_spoken_request_over_http_gets_nineties_comedies(live_server):
    wav = synthesize("recommend me a funny movie from the nineties", voice="en-us+f2")
    r = httpx.post(f"{live_server.base}/api/voice", params={"session": "voice-1", "speak": "1"},
                   content=wav, headers={"content-type": "audio/wav"}, timeout=120)
    assert r.status_code == 200, r.text
    out = r.json()
    assert "funny" in out["transcript"] and "nineties" in out["transcript"]
    items = out["reply"]["items"]
    assert len(items) == 3 and all(1990 <= i["year"] <= 1999 for i in items)
    assert items[0]["title"] in out["speech"]
    assert out["audio_wav_base64"]


@needs_espeak
def test_spoken_follow_up_resolves_against_the_shown_list(live_server):
    def say(text):
        r = httpx.post(f"{live_server.base}/api/voice", params={"session": "voice-2"},
                       content=synthesize(text, voice="en-us+f2"), timeout=120)
        assert r.status_code == 200, r.text
        return r.json()

    first = say("a thriller with Tom Hanks")
    assert first["reply"]["items"]
    about = say("who directed the third one")
    assert about["reply"]["intent"]["name"] == "ask_item_info"
    assert first["reply"]["items"][2]["title"] in about["reply"]["text"]


def test_unusable_audio_gets_a_clear_error(live_server):
    r = httpx.post(f"{live_server.base}/api/voice", params={"session": "v"}, content=b"hello",
                   timeout=30)
    assert r.status_code == 400 and "WAV" in r.json()["error"]
    silence = _wav(np.zeros(16000), 16000)
    r = httpx.post(f"{live_server.base}/api/voice", params={"session": "v"}, content=silence,
                   timeout=30)
    assert r.status_code == 400 and "no speech" in r.json()["error"]
    r = httpx.post(f"{live_server.base}/api/voice", content=silence, timeout=30)
    assert r.status_code == 400 and "session" in r.json()["error"]


def test_generic_voice_webhook_speaks_ssml_and_shows_items(live_server):
    r = httpx.post(f"{live_server.base}/voice", timeout=120,
                   json={"session": "voice-hook", "text": "a comedy from the nineties"})
    assert r.status_code == 200, r.text
    out = r.json()
    assert set(out) == {"speech", "ssml", "display"}
    items = out["display"]["items"]
    assert len(items) == 3 and all(1990 <= i["year"] <= 1999 for i in items)
    assert set(items[0]) - {"facets"} == {"id", "title", "year", "genres", "reason", "score"}
    assert out["display"]["text"] and out["display"]["quick_replies"]
    assert all(i["title"] in out["speech"] for i in items)
    ssml = out["ssml"]
    assert ssml.startswith("<speak>") and ssml.endswith("</speak>")
    ElementTree.fromstring(ssml)  # well-formed XML, whatever the titles hold
    spoken = "".join(ElementTree.fromstring(ssml).itertext())
    assert all(i["title"] in spoken for i in items)
    assert ssml.count("<break") == 4  # lead, three items, hint

    r = httpx.post(f"{live_server.base}/voice", json={"session": "voice-hook", "text": ""},
                   timeout=30)
    assert r.status_code == 400 and "empty message" in r.json()["error"]


def test_ssml_escapes_titles_and_says_at_most_three_items():
    items = [{"id": str(n), "title": f"Tom & Jerry <{n}> \"Live\"", "year": 1990 + n,
              "genres": ["Comedy"], "reason": "funny", "score": 1.0} for n in range(5)]
    reply = Reply("s", "Here are some picks (comedy):", items)
    ssml = ssml_for(reply)
    root = ElementTree.fromstring(ssml)  # would fail on a raw & or <
    spoken = "".join(root.itertext())
    assert 'Tom & Jerry <2> "Live", from 1992' in spoken
    assert "<3>" not in spoken and "<4>" not in spoken  # at most three items said
    assert spoken == speech_for(reply)  # the same words as the plain speech
    assert "&amp;" in ssml and "&lt;0&gt;" in ssml and "&quot;Live&quot;" in ssml
    assert ssml_for(Reply("s", "Hello & welcome")) == "<speak>Hello &amp; welcome</speak>"


@needs_espeak
def test_convrec_voice_wav_in_wav_out(tmp_path):
    """The whole offline loop as a person would run it: espeak-ng says the request into a WAV,
    `convrec voice --in ... --out ...` (a real process) transcribes it, answers, and writes
    the spoken reply."""
    request = tmp_path / "request.wav"
    subprocess.run(["espeak-ng", "-v", "en-us+f2", "-s", "160", "-w", str(request),
                    "recommend me a funny movie from the nineties"], check=True, timeout=60)
    reply_wav = tmp_path / "reply.wav"
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli.main", "voice", "--in", str(request),
         "--out", str(reply_wav), "--json", "--session", "voice-cli"],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    turn = json.loads(done.stdout.strip().splitlines()[-1])
    assert "funny" in turn["transcript"] and "nineties" in turn["transcript"]
    items = turn["reply"]["items"]
    assert len(items) == 3
    assert all(1990 <= i["year"] <= 1999 and "Comedy" in i["genres"] for i in items)
    assert items[0]["title"] in turn["speech"]
    assert turn["reply_wav"] == str(reply_wav)

    with wave.open(str(reply_wav)) as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2
        seconds = w.getnframes() / w.getframerate()
    assert seconds > 3.0, "the reply names three movies: more than a blip"
    assert not is_silent(wav_to_pcm16k(reply_wav.read_bytes(), max_seconds=120))

    silent = tmp_path / "silence.wav"
    silent.write_bytes(_wav(np.zeros(16000), 16000))
    refused = subprocess.run(
        [sys.executable, "-m", "bot.cli.main", "voice", "--in", str(silent), "--out",
         str(tmp_path / "nothing.wav")], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert refused.returncode == 1 and "no speech recognised" in refused.stdout
    assert not (tmp_path / "nothing.wav").exists()
