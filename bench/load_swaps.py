"""`bench/load.py --swap`: a retrain and a rollback while the load runs, and what the turns
sent meanwhile took (see load.py's docstring)."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable

import httpx

SWAP_TOKEN = "load-bench-token"
SWAP_WORKERS = [1]  # --workers, for every_worker


async def swap_models(base: str, warmup: float, swaps: dict) -> None:
    """A retrain (incremental, ends with the new version served) and a rollback, while the
    people chat; records the wall-clock times and versions in `swaps`."""
    auth = {"Authorization": f"Bearer {SWAP_TOKEN}"}
    async with httpx.AsyncClient(base_url=base, timeout=120) as http:
        await asyncio.sleep(warmup + 3.0)
        swaps["before"] = (await http.get("/health")).json()["model"]
        swaps["retrain_start"] = time.time()
        job = (await http.post("/admin/retrain", json={"incremental": True, "max_seconds": 20},
                               headers=auth)).json()
        while job["status"] == "running":
            await asyncio.sleep(0.5)
            job = (await http.get(f"/admin/retrain/{job['id']}", headers=auth)).json()
        swaps["retrain_end"] = job["finished"]
        swaps["retrain"] = {k: job.get(k) for k in ("status", "model_version")}
        swaps["retrain_all_workers"] = await every_worker(base, job.get("model_version"))
        await asyncio.sleep(3.0)
        swaps["rollback_at"] = time.time()
        answer = await http.post("/admin/rollback", headers=auth)
        swaps["rollback"] = answer.json()
        swaps["rollback_all_workers"] = await every_worker(base, answer.json().get("version"))


async def every_worker(base: str, version: str | None, timeout_s: float = 15.0) -> dict:
    """Ask /health over fresh connections (the kernel spreads them over the workers) until
    every worker seen says `version`: {pid: version}, and the seconds it took."""
    started, seen = time.perf_counter(), {}
    while time.perf_counter() - started < timeout_s:
        async with httpx.AsyncClient(base_url=base, timeout=10) as fresh:
            health = (await fresh.get("/health")).json()
        seen[health["pid"]] = health["model"]
        if len(seen) >= SWAP_WORKERS[0] and set(seen.values()) == {version}:
            break
        await asyncio.sleep(0.05)
    return {"workers": seen, "seconds": round(time.perf_counter() - started, 2)}


def swap_report(swaps: dict, percentile: Callable[[list[float], float], float]) -> None:
    """Latency of the turns sent during the retrain and within a second of each swap."""
    stamps = swaps.get("stamps", [])

    def line(name: str, start: float, end: float) -> None:
        ms = [1000 * s for t, s in stamps if start <= t <= end]
        if ms:
            print(f"  {name}: {len(ms)} turns, p50 {statistics.median(ms):.0f} ms, "
                  f"p99 {percentile(ms, 0.99):.0f} ms, max {max(ms):.0f} ms")
        else:
            print(f"  {name}: no turns")

    print(f"swaps: served {swaps.get('before')} -> retrain {swaps.get('retrain')}, every "
          f"worker {swaps.get('retrain_all_workers')} -> rollback {swaps.get('rollback')}, every "
          f"worker {swaps.get('rollback_all_workers')}")
    if swaps.get("rollback_at", float("inf")) + 1 > swaps.get("stop_at", 0):
        print("  (a swap came within 1 s of the end of the measured time: give more --seconds)")
    if "retrain_end" in swaps:
        line("while the retrain ran", swaps["retrain_start"], swaps["retrain_end"])
        line("within 1 s of the retrain's swap", swaps["retrain_end"] - 1, swaps["retrain_end"] + 1)
    if "rollback_at" in swaps:
        line("within 1 s of the rollback's swap", swaps["rollback_at"] - 1,
             swaps["rollback_at"] + 1)
