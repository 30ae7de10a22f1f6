"""Word error rate of the offline recogniser on synthesized requests, and whether the NLU still
understands what was heard.

24 requests (written for this benchmark, not taken from the language model's templates) are
spoken by espeak-ng in several voices and recognised by pocketsphinx twice: with its general
English language model and with convrec's (bot/voice/language_model.py). WER is word edits /
reference words over the whole set; "understood" is the share of requests whose transcript parses
to the same intent and the same entities (type, value, polarity) as the written request.

Synthetic speech is not people: these numbers compare language models on the same audio, they
do not promise a WER for real voices and microphones.

Usage: python bench/voice_wer.py [--voices en-us en-us+f2 ...]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.build import (
    build_agent,
    ensure_recognizer,  # noqa: E402
)
from bot.config import load_config  # noqa: E402
from bot.dialogue.agent import Agent  # noqa: E402
from bot.voice.speech import Recognizer, synthesize, wav_to_pcm16k  # noqa: E402
from bot.voice.spoken import to_spoken, to_written, word_error_rate  # noqa: E402

REQUESTS = [
    "recommend me a funny movie from the nineties",
    "something like The Matrix but newer",
    "not the second one",
    "who directed the third one",
    "a thriller with Tom Hanks",
    "movies directed by Christopher Nolan",
    "anything but horror",
    "I loved Pulp Fiction",
    "something from 1995",
    "show me more",
    "a horror movie from the eighties",
    "tell me about the first one",
    "I want a romantic comedy for tonight",
    "have you got any westerns",
    "something scary but not too violent",
    "I've already seen the first one",
    "a family movie with animation",
    "more like the second one please",
    "I'd like a war film from the seventies",
    "any good science fiction with aliens",
    "what is the third one about",
    "I'll watch the first one",
    "a crime drama with Robert De Niro",
    "no more musicals please",
]
VOICES = ["en-us", "en-us+f2", "en-us+f3", "en-us+m3", "en-us+klatt"]


def meaning(agent: Agent, text: str) -> tuple:
    parse = agent.nlu.parse(text)
    return parse.intent, sorted((e.type, str(e.value), e.polarity) for e in parse.entities)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--voices", nargs="*", default=VOICES)
    args = parser.parse_args()
    config = load_config()
    agent = build_agent(config)
    ours = ensure_recognizer(config, agent.catalog, log=print)
    general = Recognizer(None, None)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; "
          f"{len(REQUESTS)} requests x {len(args.voices)} voices (espeak-ng, 160 wpm)")
    expected = {text: meaning(agent, text) for text in REQUESTS}
    totals = {"general": [0, 0, 0], "convrec": [0, 0, 0]}  # edits, words, understood
    seconds = {"general": 0.0, "convrec": 0.0}
    print(f"{'voice':<14}{'general LM WER':>16}{'convrec LM WER':>16}{'understood':>12}")
    for voice in args.voices:
        row = {"general": [0, 0, 0], "convrec": [0, 0, 0]}
        for text in REQUESTS:
            pcm = wav_to_pcm16k(synthesize(text, voice=voice))
            reference = " ".join(to_spoken(text))
            for name, recognizer in (("general", general), ("convrec", ours)):
                started = time.perf_counter()
                heard = recognizer.transcribe(pcm)
                seconds[name] += time.perf_counter() - started
                edits, words = word_error_rate(reference, heard)
                understood = meaning(agent, to_written(heard)) == expected[text] if heard else False
                for target in (row[name], totals[name]):
                    target[0] += edits
                    target[1] += words
                    target[2] += understood
        print(f"{voice:<14}{row['general'][0] / row['general'][1]:>16.3f}"
              f"{row['convrec'][0] / row['convrec'][1]:>16.3f}"
              f"{row['convrec'][2]:>9}/{len(REQUESTS)}")
    n = len(REQUESTS) * len(args.voices)
    for name, (edits, words, understood) in totals.items():
        print(f"{name} LM: WER {edits / words:.3f} ({edits}/{words} words), understood "
              f"{understood}/{n} ({understood / n:.0%}), {1000 * seconds[name] / n:.0f} ms "
              f"per request")


if __name__ == "__main__":
    main()
