"""Offline speech in and out: pocketsphinx recognition with convrec's language model, espeak-ng
speech, and reading WAV files into the 16 kHz mono 16-bit samples the recogniser wants.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import threading
import wave
from pathlib import Path

import numpy as np
from pocketsphinx import Decoder

SAMPLE_RATE = 16_000


class AudioError(ValueError):
    """Audio the recogniser cannot use (not a WAV file, empty, too long); fit to show a person."""


def wav_to_pcm16k(data: bytes, max_seconds: float = 30.0) -> bytes:
    """A PCM WAV file (8/16/32-bit, any rate, mono or stereo) → 16 kHz mono int16 bytes."""
    from scipy.signal import resample_poly  # heavy: scipy.signal takes ~0.5 s to import

    try:
        with wave.open(io.BytesIO(data)) as w:
            channels, width, rate = w.getnchannels(), w.getsampwidth(), w.getframerate()
            frames = w.readframes(w.getnframes())
    except (wave.Error, EOFError) as e:
        raise AudioError(f"not a PCM WAV file: {e}") from e
    if width not in (1, 2, 4) or not frames:
        raise AudioError("the WAV file is empty or not 8/16/32-bit PCM")
    if len(frames) / (width * channels * rate) > max_seconds:
        raise AudioError(f"recording too long (the limit is {max_seconds:.0f} s)")
    dtype = {1: np.uint8, 2: np.int16, 4: np.int32}[width]
    samples = np.frombuffer(frames, dtype=dtype).astype(np.float32)  # [n * channels]
    if width == 1:
        samples = (samples - 128.0) * 256.0
    elif width == 4:
        samples /= 65536.0
    samples = samples.reshape(-1, channels).mean(axis=1)  # [n] mono
    if rate != SAMPLE_RATE:
        g = np.gcd(rate, SAMPLE_RATE)
        samples = resample_poly(samples, SAMPLE_RATE // g, rate // g)
    return np.clip(np.round(samples), -32768, 32767).astype(np.int16).tobytes()


def is_silent(pcm16k: bytes, threshold_dbfs: float = -45.0) -> bool:
    """True when no 30 ms frame of the recording is louder than threshold_dbfs (RMS): the
    recogniser would only hallucinate words into it."""
    samples = np.frombuffer(pcm16k, dtype=np.int16).astype(np.float32)
    frame = 480  # 30 ms
    n = len(samples) // frame
    if n == 0:
        return True
    rms = np.sqrt((samples[: n * frame].reshape(n, frame) ** 2).mean(axis=1))  # [n]
    return bool(20 * np.log10(rms.max() / 32768 + 1e-12) < threshold_dbfs)


class Recognizer:
    """pocketsphinx with the default US English acoustic model and the given language model.

    One decoder, used by one thread at a time (pocketsphinx decoders are not thread-safe).
    """

    def __init__(self, lm: Path | None, dictionary: Path | None):
        options = {"samprate": SAMPLE_RATE, "loglevel": "FATAL"}
        if lm is not None:
            options.update(lm=str(lm), dict=str(dictionary))
        self._decoder = Decoder(**options)
        self._lock = threading.Lock()

    def transcribe(self, pcm16k: bytes) -> str:
        """16 kHz mono int16 samples → the best hypothesis, lower case ("" when none)."""
        with self._lock:
            self._decoder.start_utt()
            self._decoder.process_raw(pcm16k, full_utt=True)
            self._decoder.end_utt()
            hyp = self._decoder.hyp()
        return "" if hyp is None else " ".join(hyp.hypstr.split())


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


def synthesize(text: str, voice: str = "en-us", words_per_minute: int = 160) -> bytes:
    """Speech for `text` as a WAV file (espeak-ng, 22.05 kHz mono 16-bit)."""
    if not espeak_available():
        raise RuntimeError("espeak-ng is not installed (apt-get install espeak-ng)")
    result = subprocess.run(["espeak-ng", "-v", voice, "-s", str(words_per_minute), "--stdout"],
                            input=text.encode("utf-8"), capture_output=True, timeout=60,
                            check=False)
    if result.returncode != 0 or not result.stdout:
        raise RuntimeError(f"espeak-ng failed: {result.stderr.decode(errors='replace')[-300:]}")
    return _fix_wav_sizes(result.stdout)


def _fix_wav_sizes(data: bytes) -> bytes:
    """espeak-ng writing to a pipe cannot seek back, so its WAV header says 'unknown length'
    (0xFFFFFFFF); rewrite the RIFF and data sizes so every reader accepts the file."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return data
    out = bytearray(data)
    out[4:8] = (len(out) - 8).to_bytes(4, "little")
    position = 12
    while position + 8 <= len(out):
        chunk, size = bytes(out[position:position + 4]), int.from_bytes(
            out[position + 4:position + 8], "little")
        if chunk == b"data":
            out[position + 4:position + 8] = (len(out) - position - 8).to_bytes(4, "little")
            break
        position += 8 + size + (size & 1)
    return bytes(out)
