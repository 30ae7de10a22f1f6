"""Load on the HTTP server: N concurrent sessions chatting (closed loop), turns/s and latency.

Starts `convrec serve` (its own temp sessions; `--redis` also starts a temp redis-server and
shares sessions between `--workers`), or targets a running server with `--url`. Each simulated
person goes through a scripted conversation (requests, "more", references, feedback buttons),
sending the next message when the answer arrives. The utterance embedding cache is off in the
started server, so every typed message pays for its encoding.

The default is the issue's bounded load: 32 people at once, one session of 20 turns each (after
an unmeasured warm-up of 4 turns each on other sessions); turns/s is all turns over the wall
time from the first send to the last answer. `--seconds S` instead keeps them going for S
seconds, each starting a new session after the 16-line script.

Rate limit: a bench session sends at most `--turns` messages, and the started server's
`server.rate_limit_burst` is raised to that when it is lower, so no session is ever held back
(a 429 would count as an error). The limiter itself stays on, so its cost is measured.

Prints turns/s, p50/p90/p99/max latency, errors, the load average before the run and the
machine. The client runs on the same machine: its CPU counts against the server's. It also
prints the CPU time the server (all workers, and redis-server) and the client used per turn:
that is steadier than turns/s when other work shares the machine; and the peak resident memory
of the server it started (all its processes; redis-server apart).

`--rate R` paces the people so that together they send R turns/s (each waits for its answer
before the next message, as a person would): latency at a given load. A person whose answer
comes after their next scheduled send starts the next wait from the answer, so the delivered
rate is a few per cent under R (measured: R = 100 gave 94.5 turns/s, R = 106 gave 101).
Without it they send as fast as answers come: the most turns/s the server gives, at the latency
that costs.

`--swap` (with `--seconds`): the started server runs on a private copy of the built artifacts
and, while the people chat, gets `POST /admin/retrain {"incremental": true}` (the ranker
fine-tuned on the behavior log the load itself writes, in a child process at nice 10), which
ends with every worker serving the new version, then `POST /admin/rollback` (a second swap).
Also prints the latency of the turns sent while the retrain ran and within a second of each
swap, and the versions the server served.

Usage: python bench/load.py [--sessions 32] [--turns 20] [--seconds 30] [--workers 2] [--redis]
                            [--rate 100] [--swap]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.support starts servers on free loopback ports

from load_swaps import SWAP_TOKEN, SWAP_WORKERS, swap_models, swap_report  # noqa: E402

from tests.support.serving import RedisServer, ServerProcess, write_config  # noqa: E402

# {n} in a payload is item n of the last shown list
SCRIPT = [
    "hi",
    "something funny from the 90s, not a romance",
    "more",
    '/reject{{"item": "{1}"}}',
    "more like the second one",
    "who directed the first one?",
    "older",
    '/seen{{"item": "{2}"}}',
    "a sci-fi movie with time travel",
    "anything but horror",
    "show me more",
    "I loved Heat, anything similar?",
    '/accept{{"item": "{1}"}}',
    "a thriller with Tom Hanks",
    "not the first one",
    "thanks",
]


def machine() -> str:
    cpu = platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def next_line(line: str, shown: list[dict]) -> str | None:
    """A script line made sendable: payload placeholders filled from the shown items ({n} is
    item n of the last list), or None when it refers to a list not shown yet."""
    if "{" in line and "item" in line:
        if not shown:
            return None
        ids = [i["id"] for i in shown]
        return line.format(*([None] + ids + [ids[-1]] * 3))
    return line


async def send(http: httpx.AsyncClient, session: str, line: str, errors: list[str]):
    """One turn: (seconds, reply JSON or None)."""
    started = time.perf_counter()
    body = None
    try:
        r = await http.post("/api/message", json={"session": session, "text": line})
        if r.status_code == 200:
            body = r.json()
        else:
            errors.append(f"{r.status_code}: {r.text[:200]}")
    except httpx.HTTPError as e:
        errors.append(f"{type(e).__name__}: {e}")
    return time.perf_counter() - started, body


async def conversation(http: httpx.AsyncClient, session: str, turns: int,
                       latencies: list[float] | None, errors: list[str]) -> None:
    """One session of exactly `turns` turns, the script cycled (closed loop)."""
    shown: list[dict] = []
    sent, position = 0, 0
    while sent < turns:
        line = next_line(SCRIPT[position % len(SCRIPT)], shown)
        position += 1
        if line is None:
            continue
        seconds, body = await send(http, session, line, errors)
        sent += 1
        if latencies is not None:
            latencies.append(seconds)
        if body and body["items"]:
            shown = body["items"]


async def person(http: httpx.AsyncClient, number: int, stop_at: float, measure_from: float,
                 latencies: list[float], errors: list[str], interval: float,
                 stamps: list[tuple[float, float]] | None = None) -> None:
    """One person for a time (--seconds): the script again and again, each round a new session.
    With `interval` > 0 they send a message every `interval` seconds on average (but never
    before the answer to the last one came: a person reads first); with 0, right after each
    answer (closed loop)."""
    rng = random.Random(number)
    next_send = time.perf_counter() + rng.uniform(0, interval)
    round_ = 0
    while time.perf_counter() < stop_at:
        session, shown = f"load-{number}-{round_}", []
        for line in SCRIPT:
            line = next_line(line, shown)
            if line is None:  # a script line that does not apply: no send, no time slot
                continue
            if interval:
                await asyncio.sleep(max(0.0, next_send - time.perf_counter()))
                next_send = max(next_send, time.perf_counter()) + rng.expovariate(1 / interval)
            if time.perf_counter() >= stop_at:
                return
            started = time.perf_counter()
            seconds, body = await send(http, session, line, errors)
            if started >= measure_from:
                latencies.append(seconds)
                if stamps is not None:  # (wall-clock send time, seconds)
                    stamps.append((time.time() - seconds, seconds))
            if body and body["items"]:
                shown = body["items"]
        round_ += 1


async def run_load(base: str, sessions: int, seconds: float, warmup: float, rate: float,
                   group: int | None = None, pids: tuple[int, ...] = (),
                   swaps: dict | None = None):
    """--seconds mode: people chat for `warmup` + `seconds`; only the last `seconds` count.
    `swaps`: retrain and roll back meanwhile (--swap); filled with what happened when."""
    latencies: list[float] = []
    errors: list[str] = []
    cpu: dict[str, float] = {}
    interval = sessions / rate if rate else 0.0
    limits = httpx.Limits(max_connections=sessions, max_keepalive_connections=sessions)

    async def meter():  # CPU used by the server and by this client while measuring
        await asyncio.sleep(warmup)
        server0, client0 = cpu_seconds(group, pids), time.process_time()
        await asyncio.sleep(seconds)
        cpu["server"] = cpu_seconds(group, pids) - server0
        cpu["client"] = time.process_time() - client0

    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        start = time.perf_counter()
        measure_from, stop_at = start + warmup, start + warmup + seconds
        extra = [swap_models(base, warmup, swaps)] if swaps is not None else []
        if swaps is not None:
            swaps["stop_at"] = time.time() + warmup + seconds
        stamps = swaps.setdefault("stamps", []) if swaps is not None else None
        await asyncio.gather(meter(), *extra, *(
            person(http, n, stop_at, measure_from, latencies, errors, interval, stamps)
            for n in range(sessions)))
    return latencies, errors, seconds, cpu


async def run_bounded(base: str, sessions: int, turns: int, warmup_turns: int,
                      group: int | None = None, pids: tuple[int, ...] = ()):
    """The bounded load: `sessions` people at once, `turns` turns each on a fresh session."""
    latencies: list[float] = []
    errors: list[str] = []
    limits = httpx.Limits(max_connections=sessions, max_keepalive_connections=sessions)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        if warmup_turns:  # connections open, code paths warm; not measured
            await asyncio.gather(*(conversation(http, f"warm-{n}", warmup_turns, None, errors)
                                   for n in range(sessions)))
        warm_errors = len(errors)
        server0, client0 = cpu_seconds(group, pids), time.process_time()
        start = time.perf_counter()
        await asyncio.gather(*(conversation(http, f"load-{n}", turns, latencies, errors)
                               for n in range(sessions)))
        wall = time.perf_counter() - start
        cpu = {"server": cpu_seconds(group, pids) - server0,
               "client": time.process_time() - client0}
    if warm_errors:
        errors.insert(0, f"({warm_errors} errors during the warm-up)")
    return latencies, errors, wall, cpu


def cpu_seconds(group: int | None = None, pids: tuple[int, ...] = ()) -> float:
    """User + system CPU seconds used so far by a process group (a server and its workers)
    and by the given pids (redis-server)."""
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, pgrp = int(entry.name), int(fields[2])
        if (group is not None and pgrp == group) or pid in pids:
            total += (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    return total


def peak_rss_mb(group: int, pids: tuple[int, ...] = ()) -> tuple[float, float]:
    """(sum, largest) of the peak resident memory (VmHWM) of a process group's processes and
    of the given pids, in MB."""
    peaks = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            pgrp = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[2])
            if pgrp != group and int(entry.name) not in pids:
                continue
            status = (entry / "status").read_text()
        except OSError:
            continue
        found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
        if found:
            peaks.append(int(found.group(1)) / 1024)
    return sum(peaks), max(peaks, default=0.0)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=32, help="concurrent people")
    parser.add_argument("--turns", type=int, default=20, help="turns per person (bounded load)")
    parser.add_argument("--warmup-turns", type=int, default=4,
                        help="unmeasured turns per person first (bounded load)")
    parser.add_argument("--seconds", type=float, help="run for this long instead of --turns")
    parser.add_argument("--warmup", type=float, default=5.0,
                        help="unmeasured seconds first (with --seconds)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--redis", action="store_true", help="sessions in a temp redis-server")
    parser.add_argument("--threads", type=int, help="server.threads (turns in flight/worker)")
    parser.add_argument("--batch-max", type=int,
                        help="server.batch_max (utterances per encoder forward pass)")
    parser.add_argument("--ranker", help="recommender.ranker for this run (default: config.yml's)")
    parser.add_argument("--rate", type=float, default=0.0, help="turns/s all people together aim "
                        "at (Poisson sends); 0 = as fast as answers come (closed loop)")
    parser.add_argument("--url", help="load a running server instead of starting one")
    parser.add_argument("--swap", action="store_true",
                        help="retrain (incremental) and roll back while loading (--seconds)")
    args = parser.parse_args()
    swaps: dict | None = {} if args.swap else None
    SWAP_WORKERS[0] = args.workers

    load_before = os.getloadavg()
    print(f"machine: {machine()}")
    print(f"load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}")
    if args.rate and not args.seconds:
        parser.error("--rate paces a timed run: give --seconds too")
    if args.swap and (not args.seconds or args.url):
        parser.error("--swap needs --seconds and a server this bench starts")

    def load(base: str, group: int | None = None, pids: tuple[int, ...] = ()):
        if args.seconds:
            return asyncio.run(run_load(base, args.sessions, args.seconds, args.warmup,
                                        args.rate, group, pids, swaps))
        return asyncio.run(run_bounded(base, args.sessions, args.turns, args.warmup_turns,
                                       group, pids))

    if args.url:
        print("rate limit: the server's own (a 429 counts as an error)")
        latencies, errors, seconds, cpu = load(args.url)
        report(args, latencies, errors, seconds, "external server", cpu)
        return
    folder = Path(tempfile.mkdtemp(prefix="convrec-load-"))
    redis = RedisServer(folder / "redis").start() if args.redis or args.workers > 1 else None
    try:
        replace = {"      cache_size: 4096 ": "      cache_size: 0 "}
        if redis:
            replace["  sessions: sqlite "] = f"  sessions: {redis.url} "
        if args.threads:
            replace["  threads: 32 "] = f"  threads: {args.threads} "
        if args.batch_max:
            replace["  batch_max: 16 "] = f"  batch_max: {args.batch_max} "
        per_session = args.turns if not args.seconds else len(SCRIPT)
        burst = int(re.search(r"^  rate_limit_burst: (\d+)", (ROOT / "config.yml").read_text(),
                              re.M).group(1))
        if per_session > burst:  # a bench session must never be held back by the limit
            replace[f"  rate_limit_burst: {burst} "] = f"  rate_limit_burst: {per_session} "
            burst = per_session
        env = {}
        if args.swap:  # new model versions go to a private copy, never to data/build
            build = ROOT / "data" / "build"
            for name in ("movies", "ml-100k", "models", "cache"):
                shutil.copytree(build / name, folder / "build" / name)
            replace[f"artifacts: {build}"] = f"artifacts: {folder / 'build'}"
            replace["    dialogues: ../shared/datasets/redial-train "] = \
                f"    dialogues: {ROOT.parent / 'shared/datasets/redial-train'} "
            env["CONVREC_ADMIN_TOKEN"] = SWAP_TOKEN
        config = write_config(folder, folder / "state", **replace)
        text = config.read_text()
        minute = re.search(r"^  rate_limit_per_minute: (\d+)", text, re.M).group(1)
        print(f"rate limit: {minute}/min per session, burst {burst}; each bench session sends "
              f"at most {per_session} turns, so none is limited")
        ranker = re.search(r"^  ranker: (\w+)", text, re.M).group(1)
        if args.ranker:
            config.write_text(text.replace(f"  ranker: {ranker} ", f"  ranker: {args.ranker} ", 1))
            ranker = args.ranker
        started = time.perf_counter()
        with ServerProcess(config, folder / "server.log", workers=args.workers,
                           env=env) as server:
            print(f"server: {args.workers} worker(s), sessions in "
                  f"{'redis' if redis else 'sqlite'}, ranker {ranker}, up in "
                  f"{time.perf_counter() - started:.0f} s")
            latencies, errors, seconds, cpu = load(
                server.base, group=server.process.pid,
                pids=(redis.process.pid,) if redis else ())
            rss = peak_rss_mb(server.process.pid)  # the server's processes, without redis
        report(args, latencies, errors, seconds,
               f"{args.workers} worker(s), {'redis' if redis else 'sqlite'}, ranker {ranker}", cpu,
               rss)
        if swaps is not None:
            swap_report(swaps, percentile)
    finally:
        if redis:
            redis.stop()
        shutil.rmtree(folder, ignore_errors=True)


def report(args, latencies, errors, seconds, setup, cpu,
           rss: tuple[float, float] | None = None) -> None:
    if not latencies:
        print("no turns measured", errors[:5])
        return
    ms = [1000 * x for x in latencies]
    load_after = os.getloadavg()
    pace = f"aiming at {args.rate:.0f} turns/s" if args.rate else "closed loop (no pauses)"
    if args.seconds:
        shape = f"{seconds:.0f} s measured after {args.warmup:.0f} s warm-up"
    else:
        shape = (f"{args.turns} turns each ({seconds:.1f} s wall) after {args.warmup_turns} "
                 "warm-up turns each")
    print(f"setup: {setup}; {args.sessions} concurrent sessions, {pace}; {shape}")
    print(f"turns: {len(ms)}  turns/s: {len(ms) / seconds:.1f}  errors: {len(errors)}")
    print(f"latency ms: p50 {statistics.median(ms):.0f}  p90 {percentile(ms, 0.9):.0f}  "
          f"p99 {percentile(ms, 0.99):.0f}  max {max(ms):.0f}")
    if cpu.get("server"):
        per_turn = {k: 1000 * v / len(ms) for k, v in cpu.items()}
        cores = os.cpu_count() or 1
        print(f"CPU per turn: server {per_turn['server']:.1f} ms (with redis-server if used), "
              f"this client {per_turn['client']:.1f} ms -> {cores} idle cores would give about "
              f"{1000 * cores / (per_turn['server'] + per_turn['client']):.0f} turns/s")
    if rss:
        print(f"server peak RSS: {rss[0]:.0f} MB over its processes (largest {rss[1]:.0f} MB)")
    print(f"load average after: {load_after[0]:.2f}")
    for e in errors[:5]:
        print("error:", e)


if __name__ == "__main__":
    main()
