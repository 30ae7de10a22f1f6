"""Helpers for tests that serve over HTTP: free ports, a temp config, and servers that always stop.

Everything listens on 127.0.0.1 only, waits in bounded loops and is stopped by the test that
started it (context managers), also when the test fails.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import redis
import uvicorn

ROOT = Path(__file__).resolve().parents[2]
LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def write_config(folder: Path, state: Path, extra: str = "", **replace: str) -> Path:
    """config.yml with absolute data paths, sessions in `state`, `replace` applied to its text
    ("old line": "new line"), and `extra` YAML appended."""
    text = (ROOT / "config.yml").read_text()
    text = text.replace("state: var", f"state: {state}")
    text = text.replace("artifacts: data/build", f"artifacts: {ROOT / 'data/build'}")
    for key in ("nlu_data", "replies"):
        text = text.replace(f"{key}: data/", f"{key}: {ROOT / 'data'}/")
    for old, new in replace.items():
        assert old in text, f"config.yml has no {old!r}"
        text = text.replace(old, new)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.yml"
    path.write_text(text + extra)
    return path


def wait_healthy(base: str, timeout_s: float, process: subprocess.Popen | None = None,
                 log: Path | None = None) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            tail = log.read_text()[-3000:] if log else ""
            raise RuntimeError(f"server exited with {process.returncode}:\n{tail}")
        try:
            r = httpx.get(f"{base}/health", timeout=2.0)
            if r.status_code == 200:
                return r.json()
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    tail = log.read_text()[-3000:] if log else ""
    raise TimeoutError(f"server at {base} not healthy after {timeout_s:.0f} s:\n{tail}")


class ServerProcess:
    """`convrec serve` as a real process (its own model load), on a free loopback port."""

    def __init__(self, config: Path, log: Path, workers: int = 1, env: dict | None = None,
                 timeout_s: float = 240.0):
        self.config, self.log_path, self.workers = config, log, workers
        self.env = {**os.environ, **(env or {})}
        self.timeout_s = timeout_s
        self.port = free_port()
        self.base = f"http://{LOOPBACK}:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> ServerProcess:
        self._log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli.main", "--config", str(self.config), "serve",
             "--host", LOOPBACK, "--port", str(self.port), "--workers", str(self.workers),
             "--log-level", "warning"],
            cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True)  # its own process group: workers die with it
        wait_healthy(self.base, self.timeout_s, self.process, self.log_path)
        return self

    def kill9(self) -> None:
        """Crash it: SIGKILL to the whole group, no shutdown handlers run."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=20)
        if getattr(self, "_log", None):
            self._log.close()

    def __enter__(self) -> ServerProcess:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()


class InProcessServer:
    """uvicorn serving an ASGI app in a thread of the test process (shares the test's agent)."""

    def __init__(self, app):
        self.port = free_port()
        self.base = f"http://{LOOPBACK}:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host=LOOPBACK, port=self.port,
                                                    log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, name="test-server", daemon=True)

    def __enter__(self) -> InProcessServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                self.__exit__()
                raise RuntimeError("in-process server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


class RedisServer:
    """redis-server on a free loopback port, its files in a temp folder; AOF on (durable)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://{LOOPBACK}:{self.port}/0"
        self.process: subprocess.Popen | None = None

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    def start(self) -> RedisServer:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            ["redis-server", "--bind", LOOPBACK, "--port", str(self.port), "--dir",
             str(self.folder), "--appendonly", "yes", "--appendfsync", "always", "--save", "",
             "--protected-mode", "yes", "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        client = redis.Redis(host=LOOPBACK, port=self.port)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.1)
        client.close()
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


@contextlib.contextmanager
def client(base: str, timeout_s: float = 60.0):
    with httpx.Client(base_url=base, timeout=timeout_s) as c:
        yield c
