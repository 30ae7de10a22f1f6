"""Per-turn latency of convrec in process: 200 scripted turns on the full catalog.

Prints cold start to first reply, p50 / p99 per-turn latency (and the sentence encoder's and
`recommend()`'s shares), peak RSS and the machine.
Usage: python bench/turn_latency.py [--turns 200] [--encoder torch,onnx] [--domain books]

`--domain NAME` runs a schema domain's catalog (data/domains/NAME.yml, built by `convrec data
build --domain NAME`) with a script of its own (`SCRIPTS`; books: Book-Crossing's 271k books, the
scale case of docs/BENCHMARKS.md).

`--encoder torch,onnx` measures both sentence-encoder backends in one run, each in a process of
its own (so that cold start and peak RSS are its own), and prints them side by side.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()  # before the heavy imports: cold start counts them

import os  # noqa: E402

# as `convrec chat` / `convrec serve` run a turn: one BLAS thread (bot/cli/main.py), set before
# numpy loads
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.build import build_agent  # noqa: E402
from bot.config import load_config  # noqa: E402
from nlu.encoder import BACKENDS  # noqa: E402

SCRIPT = [
    "hi",
    "something funny from the 90s, not a romance",
    "more",
    "more like the second one",
    "not the first one",
    "who directed the second one?",
    "older",
    "seen the third one",
    "I loved Heat, anything similar?",
    "less violent",
    "a sci-fi movie with time travel",
    "what is the first one about?",
    "I'll watch the first one",
    "thanks",
    "no more Nolan please, and nothing before 1980",
    "anything but horror",
    "the first two look good",
    "show me more",
    "something like The Matrix",
    "bye",
]

# a schema domain's scripted turns, and a user its behavior history knows (Book-Crossing's most
# active rater); the movie catalog uses SCRIPT and user 42
SCRIPTS = {
    "books": [
        "hi",
        "a mystery novel",
        "more",
        "more like the second one",
        "not the first one",
        "something by stephen king",
        "books after 2000",
        "who wrote the second one?",
        "older",
        "I loved The Firm, anything similar?",
        "a fantasy book with dragons",
        "another one like the first one",
        "I'll read the first one",
        "thanks",
        "anything by agatha christie",
        "nothing before 1990 please",
        "the first two look good",
        "show me more",
        "something like Harry Potter",
        "by dan brwn",
        "bye",
    ],
}
USERS = {"books": "11676"}


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def timed(function, times_ms: list[float]):
    """`function`, appending each call's wall time (ms) to `times_ms`."""

    def wrapper(*args, **kwargs):
        t = time.perf_counter()
        out = function(*args, **kwargs)
        times_ms.append(1000 * (time.perf_counter() - t))
        return out

    return wrapper


def percentile(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 2) if values else 0.0


def compare(backends: list[str], args: argparse.Namespace) -> None:
    """One child process per backend; their JSON side by side, then a table."""
    runs = {}
    for backend in backends:
        command = [sys.executable, __file__, "--encoder", backend, "--turns", str(args.turns),
                   "--threads", str(args.threads), "--cache-size", str(args.cache_size)]
        if args.ranker:
            command += ["--ranker", args.ranker]
        if args.domain:
            command += ["--domain", args.domain]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"the {backend} run failed:\n{done.stderr}")
        runs[backend] = json.loads(done.stdout)
    print(json.dumps(runs, indent=2))
    columns = ("p50_ms", "p99_ms", "mean_ms", "encode_p50_ms", "encode_p99_ms",
               "recommend_p50_ms", "cold_start_s", "peak_rss_mb", "load_average")
    print("\n" + " | ".join(["encoder", *columns]))
    for backend, run in runs.items():
        print(" | ".join([backend, *(str(run[c]) for c in columns)]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (1, as `convrec chat` and `convrec serve` use)")
    parser.add_argument("--cache-size", type=int, default=0,
                        help="utterance embedding cache (config: 4096; 0 = measure encoding)")
    parser.add_argument("--ranker", choices=["linear", "mmoe"],
                        help="override recommender.ranker (default: config.yml's)")
    parser.add_argument("--encoder",
                        help=f"sentence encoder backend(s), comma-separated ({','.join(BACKENDS)}"
                             "): several are measured one after another, each in its own "
                             "process (default: config.yml's)")
    parser.add_argument("--domain", help="a schema domain (data/domains/NAME.yml), e.g. books; "
                                          "default: config.yml's catalog (movies)")
    args = parser.parse_args()
    backends = args.encoder.split(",") if args.encoder else []
    for backend in backends:
        if backend not in BACKENDS:
            parser.error(f"--encoder: unknown backend {backend!r} (known: {', '.join(BACKENDS)})")
    if len(backends) > 1:
        compare(backends, args)
        return

    torch.set_num_threads(args.threads)
    config = load_config(domain=args.domain)
    script = SCRIPTS.get(args.domain, SCRIPT)
    known_user = USERS.get(args.domain, "42")
    state_dir = Path(tempfile.mkdtemp(prefix="convrec-bench-"))
    # The script repeats its utterances; with the embedding cache on, repeats would cost nothing.
    # Off by default, so every turn pays for its encoding as a new utterance would.
    encoder = dataclasses.replace(config.nlu.encoder, cache_size=args.cache_size,
                                  backend=backends[0] if backends else config.nlu.encoder.backend)
    config = dataclasses.replace(config, paths=dataclasses.replace(config.paths, state=state_dir),
                                 nlu=dataclasses.replace(config.nlu, encoder=encoder))
    if args.ranker:
        config = dataclasses.replace(config, recommender=dataclasses.replace(
            config.recommender, ranker=args.ranker))
    agent = build_agent(config)
    agent.handle("bench-cold", script[1])
    cold_start = time.perf_counter() - STARTED
    # the recommender's share of a turn (first pass + ranker + MMR + reasons) and the sentence
    # encoder's (one forward pass: the utterance, its wanted part, keywords), timed apart
    recommend_ms: list[float] = []
    encode_ms: list[float] = []
    agent.recommender.recommend = timed(agent.recommender.recommend, recommend_ms)
    agent.nlu.encoder.encode = timed(agent.nlu.encoder.encode, encode_ms)

    latencies = []
    session = 0
    while len(latencies) < args.turns:
        session += 1
        for text in script:
            if len(latencies) >= args.turns:
                break
            user = known_user if session % 2 == 0 else None
            t = time.perf_counter()
            agent.handle(f"bench-{session}", text, user)
            latencies.append(1000 * (time.perf_counter() - t))
    latencies = np.array(latencies)
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "turns": len(latencies),
        "domain": args.domain or "movies",
        "catalog_items": len(agent.catalog),
        "nearest_neighbour_index": agent.recommender.ann is not None,
        "p50_ms": round(float(np.percentile(latencies, 50)), 2),
        "p99_ms": round(float(np.percentile(latencies, 99)), 2),
        "mean_ms": round(float(latencies.mean()), 2),
        "max_ms": round(float(latencies.max()), 2),
        "ranker": type(agent.recommender.ranker).__name__,
        "encoder": encoder.backend,
        "encode_p50_ms": percentile(encode_ms, 50),
        "encode_p99_ms": percentile(encode_ms, 99),
        "recommend_p50_ms": percentile(recommend_ms, 50),
        "recommend_p99_ms": percentile(recommend_ms, 99),
        "cold_start_s": round(cold_start, 2),
        "peak_rss_mb": round(peak_rss_mb, 1),
        "embedding_cache": args.cache_size,
        "torch_threads": args.threads,
        # the onnx backend serves without them (seconds of import, ~100 MB)
        "sentence_transformers_loaded": "sentence_transformers" in sys.modules,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "machine": machine(),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
