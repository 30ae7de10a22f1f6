"""The closed loop, measured: simulated people chat with a running server, their feedback goes to
the behavior log, the ranker is fine-tuned on it and reloaded live, and the next round starts —
against a control server whose ranker never retrains, in the same run, with the same people.

Two `convrec serve` processes (SQLite sessions each): the learning arm on a private copy of the
built artifacts (it writes new model versions), the control arm on data/build itself (read
only). After each round but the last, the learning arm gets `POST /admin/retrain
{"incremental": true, "max_seconds": S}` (`convrec train --incremental`: the events since the
last version's high-water mark), and the next round starts once its /health names the new
version: no restart.

A simulated person is a held-out MovieLens user: one of the users whose ranker example lists
are in the `valid` or `test` split (recommender/training/examples.py split_of), so the MMoE never
trained on their lists (valid lists chose its early-stopping epoch; SASRec did see their past
ratings). Each person talks in one round only. Their hidden taste is every movie they rated
≥ 4. They ask for one of those movies (a target with ≥ 20 ratings) from its attributes only
(recommender/training/conversations.py plan_conversation: genre, decade, people, a plot
keyword, another movie they loved; never its title), anonymously (no user id: the recommender
does not know their history). After each answer: a shown movie they like → `/accept` it, done;
else `/reject` the first shown one (the chat replaces it) and look again; then the next
utterance ("show me more" when the plan runs out). At most `--turns` messages before the accept.

Per round and arm: success (an accept within the turns), accept rate (accepts / lists shown),
mean turns (messages until the accept, `--turns` when none). Rounds use different people; both
arms get the same ones. At the end: the paired difference of success over the rounds after the
first retrain, with a 95 % bootstrap interval over people.

Usage: python bench/loop.py [--rounds 4] [--people 40] [--turns 5] [--max-seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.support starts servers on free loopback ports

from recommender.data.history import LIKED_RATING, BehaviorHistory  # noqa: E402
from recommender.domain.catalog import Catalog  # noqa: E402
from recommender.training.conversations import plan_conversation, plot_keywords  # noqa: E402
from recommender.training.examples import split_of  # noqa: E402
from tests.support.serving import ServerProcess, write_config  # noqa: E402

TOKEN = "loop-bench-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BUILD = ROOT / "data" / "build"
COPIED = ("movies", "ml-100k", "models", "cache")  # what a server and `convrec train` read


def people(catalog: Catalog, history: BehaviorHistory, n: int, seed: int) -> list[dict]:
    """Held-out users (valid and test splits), each with a hidden taste and a plan toward one
    liked movie."""
    rng = np.random.default_rng(seed)
    keyword_df = plot_keywords(catalog)
    users = [u for u in sorted(history.users, key=int)
             if split_of(f"user:{u}") in ("valid", "test")]
    out = []
    for user in rng.permutation(users).tolist():
        one = history.user(user)
        liked = one.item_rows[one.ratings >= LIKED_RATING]
        targets = [r for r in liked.tolist()
                   if catalog.popularity[r] >= 20 and catalog.years[r] > 0]
        if not targets:
            continue
        target = int(rng.choice(targets))
        plan = plan_conversation(catalog, user, target, liked[liked != target], keyword_df, rng,
                                 n_turns=5)
        if plan.turns:
            out.append({"user": user, "likes": {catalog.items[r].id for r in liked.tolist()},
                        "utterances": [t.text for t in plan.turns]})
        if len(out) == n:
            break
    return out


async def chat(http: httpx.AsyncClient, session: str, person: dict, turns: int) -> dict:
    """One conversation: {"success", "turns", "lists", "accepts"}."""
    utterances = list(person["utterances"])
    sent, lists = 0, 0

    async def say(text: str) -> list[dict]:
        r = await http.post("/api/message", json={"session": session, "text": text})
        r.raise_for_status()
        return r.json()["items"]

    while sent < turns:
        items = await say(utterances.pop(0) if utterances else "show me more")
        sent += 1
        while items:
            lists += 1
            liked = [i["id"] for i in items if i["id"] in person["likes"]]
            if liked:
                await say(f'/accept{{"item": "{liked[0]}"}}')
                return {"success": True, "turns": sent, "lists": lists, "accepts": 1}
            if sent >= turns:
                break
            items = await say(f'/reject{{"item": "{items[0]["id"]}"}}')
            sent += 1
    return {"success": False, "turns": turns, "lists": lists, "accepts": 0}


async def run_arm(base: str, crowd: list[dict], prefix: str, turns: int, parallel: int
                  ) -> list[dict]:
    limit = asyncio.Semaphore(parallel)
    async with httpx.AsyncClient(base_url=base, timeout=120) as http:
        async def one(n: int, person: dict) -> dict:
            async with limit:
                return await chat(http, f"{prefix}-{n}", person, turns)
        return await asyncio.gather(*(one(n, p) for n, p in enumerate(crowd)))


def row(results: list[dict]) -> dict:
    lists = sum(r["lists"] for r in results)
    return {"success": float(np.mean([r["success"] for r in results])),
            "accept_rate": sum(r["accepts"] for r in results) / max(lists, 1),
            "turns": float(np.mean([r["turns"] for r in results]))}


def retrain(base: str, max_seconds: float) -> dict:
    """POST /admin/retrain (incremental) and wait until the job is done and served."""
    started = time.perf_counter()
    with httpx.Client(base_url=base, timeout=60) as http:
        job = http.post("/admin/retrain", json={"incremental": True, "max_seconds": max_seconds},
                        headers=AUTH).json()
        while job["status"] == "running":
            time.sleep(0.5)
            job = http.get(f"/admin/retrain/{job['id']}", headers=AUTH).json()
        serving = http.get("/health").json()["model"]
    tail = [line for line in job.get("log_tail", "").splitlines() if "incremental:" in line]
    return {"status": job["status"], "version": job.get("model_version"), "serving": serving,
            "seconds": round(time.perf_counter() - started, 1),
            "summary": tail[-1] if tail else job.get("log_tail", "")[-300:]}


def bootstrap(differences: np.ndarray, seed: int, n: int = 2000) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    means = [rng.choice(differences, len(differences)).mean() for _ in range(n)]
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--people", type=int, default=45, help="people per round")
    parser.add_argument("--turns", type=int, default=5, help="messages before giving up")
    parser.add_argument("--max-seconds", type=float, default=20.0,
                        help="time budget of each incremental fine-tuning")
    parser.add_argument("--parallel", type=int, default=8, help="people at once per arm")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")

    catalog = Catalog.load(BUILD / "movies")
    history = BehaviorHistory.load(BUILD / "movies", catalog)
    crowd = people(catalog, history, args.rounds * args.people, args.seed)
    if len(crowd) < args.rounds * args.people:
        sys.exit(f"only {len(crowd)} held-out people; ask for fewer")

    folder = Path(tempfile.mkdtemp(prefix="convrec-loop-"))
    try:
        artifacts = folder / "build"
        for name in COPIED:
            shutil.copytree(BUILD / name, artifacts / name)
        dialogues = "    dialogues: ../shared/datasets/redial-train "
        absolute = f"    dialogues: {ROOT.parent / 'shared/datasets/redial-train'} "
        learn_config = write_config(folder / "learn", folder / "learn" / "state", **{
            f"artifacts: {BUILD}": f"artifacts: {artifacts}", dialogues: absolute})
        control_config = write_config(folder / "control", folder / "control" / "state",
                                      **{dialogues: absolute})
        env = {"CONVREC_ADMIN_TOKEN": TOKEN}
        started = time.perf_counter()
        with ServerProcess(learn_config, folder / "learn.log", env=env) as learn, \
                ServerProcess(control_config, folder / "control.log", env=env) as control:
            print(f"servers up in {time.perf_counter() - started:.0f} s; {args.rounds} rounds "
                  f"of {args.people} people, at most {args.turns} messages each")
            print(f"| round | arm | model | success@{args.turns} | accept rate | mean turns |")
            print("| --- | --- | --- | --- | --- | --- |")
            paired = []
            for r in range(args.rounds):
                group = crowd[r * args.people:(r + 1) * args.people]
                learned, same = asyncio.run(_both(learn.base, control.base, group, r, args))
                versions = [httpx.get(f"{s.base}/health").json()["model"]
                            for s in (learn, control)]
                for arm, results, model in (("learning", learned, versions[0]),
                                            ("control", same, versions[1])):
                    m = row(results)
                    print(f"| {r} | {arm} | {model} | {m['success']:.3f} | "
                          f"{m['accept_rate']:.3f} | {m['turns']:.2f} |", flush=True)
                if r > 0:
                    paired.extend(int(a["success"]) - int(b["success"])
                                  for a, b in zip(learned, same))
                if r < args.rounds - 1:
                    job = retrain(learn.base, args.max_seconds)
                    print(f"retrain after round {r}: {job}", flush=True)
        if paired:
            difference = np.array(paired, dtype=np.float64)
            low, high = bootstrap(difference, args.seed)
            print(f"rounds 1-{args.rounds - 1}: success learning - control = "
                  f"{difference.mean():+.3f} (95% bootstrap interval {low:+.3f} .. {high:+.3f}) "
                  f"over {len(difference)} paired people")
        print(f"total {time.perf_counter() - started:.0f} s")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def _both(learn: str, control: str, group: list[dict], r: int, args):
    return await asyncio.gather(run_arm(learn, group, f"learn-r{r}", args.turns, args.parallel),
                                run_arm(control, group, f"control-r{r}", args.turns,
                                        args.parallel))


if __name__ == "__main__":
    main()
