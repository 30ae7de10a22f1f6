"""`POST /admin/retrain`: `convrec train` in a background process, one at a time per machine.

A job is a child process running `convrec train --quiet` (with `--force` unless asked not to)
on the server's config, at low CPU priority so that serving keeps its latency. Its output goes
to `<paths.state>/retrain/<id>.log` and its status to `<id>.json`, so any worker of the machine
can answer for it (the next request may reach another worker).

One job at a time: the job holds an exclusive `flock` on `<paths.state>/retrain/lock`, and the
child inherits it, so the lock lasts as long as the training itself, even if the worker that
started it dies. A second request meanwhile gets `RetrainBusy` (HTTP 409).

Training writes a new ranker version and points at it (recommender/serving/model_versions.py);
every worker follows the pointer (bot/server/reload.py), and the worker that started the job
loads it as soon as the job succeeds, so the job's record ends with the version it made
(`model_version`) once this worker serves it. `incremental` runs `convrec train --incremental
--max-seconds S` (fine-tuning on the behavior log's new events) instead.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
JOB_ID = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{6}$")


class RetrainBusy(RuntimeError):
    """A retrain is already running on this machine."""


def train_command(config_path: str | None = None) -> list[str]:
    """`convrec [--config PATH] train --quiet`, at nice 10 where `nice` exists."""
    command = [sys.executable, "-m", "bot.cli.main"]
    if config_path:
        command += ["--config", config_path]
    command += ["train", "--quiet"]
    nice = shutil.which("nice")
    return [nice, "-n", "10", *command] if nice else command


class RetrainJobs:
    """Start, watch and list retrain jobs whose records live in `folder`."""

    def __init__(self, folder: Path, command: list[str], models=None):
        self.folder = Path(folder)
        self.command = list(command)
        self.models = models  # bot.server.reload.ModelReloader: reloads when a job succeeds

    def start(self, force: bool = True, incremental: bool = False,
              max_seconds: float | None = None) -> dict:
        """Start a job and return its record (status "running"); RetrainBusy if one runs."""
        self.folder.mkdir(parents=True, exist_ok=True)
        lock = os.open(self.folder / "lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(lock)
            running = [j["id"] for j in self.jobs() if j["status"] == "running"]
            raise RetrainBusy("a retrain is already running" +
                              (f" (job {running[0]})" if running else "") +
                              "; wait for it to finish") from None
        job_id = time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)
        command = self.command + (["--force"] if force and not incremental else [])
        if incremental:
            command += ["--incremental"] + ([] if max_seconds is None else
                                            ["--max-seconds", f"{max_seconds:g}"])
        log_path = self.folder / f"{job_id}.log"
        try:
            with open(log_path, "wb") as log:
                process = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.DEVNULL,
                                           stdout=log, stderr=subprocess.STDOUT,
                                           pass_fds=(lock,))
        except OSError:
            os.close(lock)
            raise
        record = {"id": job_id, "status": "running", "force": force and not incremental,
                  "incremental": incremental, "pid": process.pid,
                  "command": command, "started": time.time(), "finished": None,
                  "returncode": None, "log": str(log_path)}
        self._write(record)
        threading.Thread(target=self._watch, args=(process, record, lock),
                         name=f"retrain-{job_id}", daemon=True).start()
        return record

    def _watch(self, process: subprocess.Popen, record: dict, lock: int) -> None:
        try:
            returncode = process.wait()
            version = None
            if returncode == 0 and self.models is not None:
                try:  # serve what it made now, without waiting for the next poll
                    version = self.models.reload()["version"]
                except Exception as e:  # refused: said in the log, the old model stays
                    version = f"refused: {e}"
            record = {**record, "status": "succeeded" if returncode == 0 else "failed",
                      "returncode": returncode, "finished": time.time(),
                      "model_version": version}
            self._write(record)  # before the lock goes: whoever gets it next sees the outcome
        finally:
            os.close(lock)

    def _write(self, record: dict) -> None:
        path = self.folder / f"{record['id']}.json"
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(record))
        temporary.replace(path)  # readers never see half a record

    def get(self, job_id: str) -> dict | None:
        """A job's record with the last 2,000 characters of its log; None if there is none."""
        if not JOB_ID.match(job_id):
            return None
        path = self.folder / f"{job_id}.json"
        if not path.exists():
            return None
        record = self._settle(json.loads(path.read_text()))
        log = Path(record["log"])
        record["log_tail"] = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        return record

    def jobs(self) -> list[dict]:
        """Every job's record, newest first."""
        if not self.folder.exists():
            return []
        records = [json.loads(p.read_text()) for p in self.folder.glob("*.json")]
        return sorted((self._settle(r) for r in records), key=lambda r: r["started"],
                      reverse=True)

    def _settle(self, record: dict) -> dict:
        """A job still "running" while nobody holds the lock lost its watcher (the worker that
        started it died): say so rather than "running" forever."""
        if record["status"] != "running" or not (self.folder / "lock").exists():
            return record
        lock = os.open(self.folder / "lock", os.O_RDWR)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return record  # held: it is running
        finally:
            os.close(lock)  # closing lets go of a lock taken just now
        # free: finished or dead; its watcher may have written the outcome since we read
        path = self.folder / f"{record['id']}.json"
        fresh = json.loads(path.read_text())
        return fresh if fresh["status"] != "running" else {**fresh, "status": "unknown"}
