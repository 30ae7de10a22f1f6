"""Where a turn's time goes: each stage of `Agent.handle`, timed apart over scripted turns.

    .venv/bin/python bench/turn_profile.py [--turns 400] [--json out.json]

Every stage is a function or method found by its qualified name in the loaded modules of bot/,
nlu/ and recommender/ and wrapped with a wall-clock timer (no profiler overhead: one
`perf_counter` pair per call). Times are inclusive (the NLU stage contains the encoder) and are
given per turn (a stage's total time / number of turns), so the rows of one level add up to the
turn minus what no stage covers ("the rest": the store lock, the session cache, reply objects).
The script is bench/turn_latency.py's; the embedding cache is off so every turn pays its encoding.
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from turn_latency import SCRIPT, machine  # noqa: E402

from bot.build import build_agent  # noqa: E402
from bot.config import load_config  # noqa: E402

# (label, depth, qualified names: the first one found is timed)
STAGES = (
    ("turn (Agent.handle)", 0, ("Agent.handle",)),
    ("NLU parse", 1, ("NluPipeline.parse",)),
    ("entities (lexicon, titles, negation, references)", 2, ("extract_entities",)),
    ("sentence encoder", 2, ("SentenceEncoder.encode",)),
    ("intent classifier", 2, ("IntentClassifier.predict_acts", "IntentClassifier.predict")),
    ("policy.interpret + policy.decide", 1, ("interpret", "decide")),
    ("state update (constraints, interest vector)", 1, ("update",)),
    ("recommend()", 1, ("Recommender.recommend",)),
    ("candidates: constraint filter, features, first pass", 2, ("Recommender.candidates",)),
    ("ranker (MMoE forward)", 2, ("MMoERanker.score", "LinearRanker.score")),
    ("MMR diversity", 2, ("mmr",)),
    ("reasons", 2, ("reason_for",)),
    ("reply text (templates)", 1, ("Templates.render",)),
    ("state → JSON", 1, ("SessionState.to_json",)),
    ("store write (SQLite, one transaction)", 1, ("SessionStore.save_turn",)),
)


def project_modules() -> list:
    return [m for name, m in list(sys.modules.items())
            if m is not None and name.split(".")[0] in ("bot", "nlu", "recommender")]


def wrap(qualname: str, totals: dict, calls: dict) -> bool:
    """Time every call of the function or method `qualname` (found in the loaded project
    modules; module-level functions are replaced wherever they were imported by name)."""
    owner_name, _, attribute = qualname.rpartition(".")
    found = False
    for module in project_modules():
        if owner_name:
            owner = getattr(module, owner_name, None)
            if not isinstance(owner, type) or owner.__module__ != module.__name__:
                continue
            function = owner.__dict__.get(attribute)
            if function is None:
                continue
            setattr(owner, attribute, timer(function, qualname, totals, calls))
            return True
        function = module.__dict__.get(attribute)
        if callable(function) and getattr(function, "__qualname__", "") == attribute:
            original = function
            wrapped = timer(original, qualname, totals, calls)
            for other in project_modules():  # every `from x import f` holds its own reference
                if other.__dict__.get(attribute) is original:
                    setattr(other, attribute, wrapped)
            found = True
            break
    return found


def timer(function, key: str, totals: dict, calls: dict):
    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            totals[key] += time.perf_counter() - started
            calls[key] += 1

    timed.__wrapped__ = function
    return timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--turns", type=int, default=400)
    parser.add_argument("--json", help="also write the result to this file")
    args = parser.parse_args()

    config = load_config()
    state_dir = Path(tempfile.mkdtemp(prefix="convrec-profile-"))
    config = dataclasses.replace(
        config, paths=dataclasses.replace(config.paths, state=state_dir),
        nlu=dataclasses.replace(config.nlu, encoder=dataclasses.replace(
            config.nlu.encoder, cache_size=0)))
    agent = build_agent(config)
    agent.handle("profile-warm", "something funny from the 90s")

    totals: dict[str, float] = defaultdict(float)
    calls: dict[str, int] = defaultdict(int)
    missing = []
    for label, _, names in STAGES:
        if not any(wrap(name, totals, calls) for name in names):
            missing.append(label)

    turns = 0
    session = 0
    while turns < args.turns:
        session += 1
        for text in SCRIPT:
            if turns >= args.turns:
                break
            agent.handle(f"profile-{session}", text, "42" if session % 2 == 0 else None)
            turns += 1

    rows = []
    for label, depth, names in STAGES:
        seconds = sum(totals[name] for name in names)
        rows.append({"stage": label, "depth": depth,
                     "ms_per_turn": round(1000 * seconds / turns, 3),
                     "calls_per_turn": round(sum(calls[n] for n in names) / turns, 2)})
    turn_ms = rows[0]["ms_per_turn"]
    covered = sum(r["ms_per_turn"] for r in rows if r["depth"] == 1)
    result = {"turns": turns, "stages": rows, "rest_ms_per_turn": round(turn_ms - covered, 3),
              "not_found": missing, "encoder": config.nlu.encoder.backend,
              "ranker": type(agent.recommender.ranker).__name__,
              "load_average": [round(x, 2) for x in os.getloadavg()], "machine": machine()}
    print(json.dumps(result, indent=2))
    print("\n| stage | ms / turn | share | calls / turn |\n| --- | ---: | ---: | ---: |")
    for row in rows:
        share = f"{100 * row['ms_per_turn'] / turn_ms:.0f} %" if turn_ms else ""
        indent = "  " * row["depth"] + ("· " if row["depth"] else "")
        print(f"| {indent}{row['stage']} | {row['ms_per_turn']:.2f} | {share} "
              f"| {row['calls_per_turn']} |")
    print(f"| the rest (lock, session cache, reply objects) | {result['rest_ms_per_turn']:.2f} "
          f"| | |")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    if missing:
        print(f"not found (not timed): {', '.join(missing)}", file=sys.stderr)
    print(f"mean over {turns} turns; {result['machine']}; load average {result['load_average']}")


if __name__ == "__main__":
    main()
