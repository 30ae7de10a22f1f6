"""`convrec voice`: spoken turns from WAV files, espeak-ng (--say) or the microphone."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

from bot.build import build_agent, ensure_recognizer
from bot.channels.voice import VoiceChannel
from bot.cli.log import log
from bot.config import load_config
from bot.errors import InputError
from bot.voice.speech import synthesize


def voice(args: argparse.Namespace) -> int:
    """`convrec voice`: spoken turns from WAV files, espeak-ng (--say) or the microphone;
    --out writes each spoken reply. Exit status 1 when a turn was not understood."""
    inputs = list(args.files) + list(args.inputs or [])
    missing = [p for p in inputs if not Path(p).is_file()]
    if missing:
        log(f"error: no such recording: {missing[0]}")
        return 2
    if not (inputs or args.say or args.mic):
        log("error: nothing to listen to: give WAV files (--in FILE), --say TEXT or --mic")
        return 2
    config = load_config(args.config)
    agent = build_agent(config, log=log)
    channel = VoiceChannel(agent, ensure_recognizer(config, agent.catalog, log),
                           config.channels.voice.max_seconds)
    session = args.session or f"voice-{uuid.uuid4().hex[:8]}"
    user = str(args.user) if args.user is not None else None

    def recordings():
        for path in inputs:
            yield path, Path(path).read_bytes()
        for text in args.say or []:
            yield f"(espeak-ng: {text!r})", synthesize(text, voice=args.voice)
        if args.mic:
            if not shutil.which("rec"):
                raise SystemExit("--mic needs sox's `rec` (apt-get install sox)")
            while True:
                input("Press Enter and speak (Ctrl-C to stop) ...")
                with tempfile.NamedTemporaryFile(suffix=".wav") as f:
                    # record until 1.5 s of silence after speech, at most 15 s
                    subprocess.run(["rec", "-q", "-c", "1", "-r", "16000", "-b", "16", f.name,
                                    "silence", "1", "0.1", "2%", "1", "1.5", "2%", "trim", "0",
                                    "15"], check=True)
                    yield "(microphone)", Path(f.name).read_bytes()

    failed = 0
    for number, (source, wav) in enumerate(recordings(), start=1):
        try:
            turn = channel.turn(session, wav, user, speak=args.speak or bool(args.out))
        except InputError as e:
            failed += 1
            if args.json:
                print(json.dumps({"source": source, "error": str(e)}, ensure_ascii=False),
                      flush=True)
            else:
                print(f"{source}: ! {e}", flush=True)
            continue
        if args.out:
            # one turn: exactly --out; several: reply.1.wav, reply.2.wav, ... beside it
            out = Path(args.out)
            if len(inputs) + len(args.say or []) > 1 or args.mic:
                out = out.with_name(f"{out.stem}.{number}{out.suffix or '.wav'}")
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(turn.audio)
        written = {"reply_wav": str(out)} if args.out else {}
        if args.json:
            print(json.dumps({"source": source, **turn.to_json(), **written},
                             ensure_ascii=False), flush=True)
        else:
            print(f"{source}\n  heard: {turn.transcript}\n  convrec: {turn.speech}" +
                  (f"\n  spoken reply: {out}" if args.out else ""), flush=True)
        if args.speak and turn.audio and shutil.which("play"):
            with tempfile.NamedTemporaryFile(suffix=".wav") as f:
                f.write(turn.audio)
                f.flush()
                subprocess.run(["play", "-q", f.name], check=False)
    return 1 if failed else 0
