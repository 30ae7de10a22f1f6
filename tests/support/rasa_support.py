"""Helpers for the tests that start real servers (rasa-sdk's action server, `rasa run`).

Every server binds 127.0.0.1 on a free port, is waited for with a deadline, and is always stopped
(its whole process group: Sanic starts worker processes).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
RASA_DIR = ROOT / "bot" / "rasa_assistant"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def convrec_config(folder: Path) -> Path:
    """config.yml with absolute paths to the built artifacts and a session store in `folder`."""
    raw = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    paths = raw.setdefault("paths", {})
    for key, default in (("artifacts", "data/build"), ("nlu_data", "data/nlu.yml"),
                         ("replies", "data/replies.yml")):
        paths[key] = str((ROOT / paths.get(key, default)).resolve())
    paths["state"] = str(folder / "state")
    path = folder / "config.yml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def http(method: str, url: str, body: dict | None = None, timeout: float = 120.0):
    """(status, parsed JSON or text) of one request; HTTP errors are returned, not raised."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode("utf-8", "replace")


def log_tail(path: Path, chars: int = 4000) -> str:
    return path.read_text(encoding="utf-8", errors="replace")[-chars:] if path.exists() else ""


@contextmanager
def running(command: list[str], env: dict, log_path: Path, ready_url: str, timeout: float,
            cwd: Path = ROOT):
    """Start `command` in its own process group, wait until `ready_url` answers, stop it after."""
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{command[:4]} exited with {process.returncode}:\n"
                                   f"{log_tail(log_path)}")
            try:
                with urllib.request.urlopen(ready_url, timeout=2):
                    break
            except (OSError, urllib.error.URLError):
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{ready_url} not up after {timeout:.0f} s:\n"
                                   f"{log_tail(log_path)}")
            time.sleep(0.3)
        yield process
    finally:
        stop(process)


def stop(process: subprocess.Popen, grace: float = 15.0) -> None:
    """SIGTERM the process group this test started, then SIGKILL what is left after `grace`."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # Sanic workers left behind, if any
    except ProcessLookupError:
        pass
    process.wait(5)


def listening_addresses(port: int) -> set[str]:
    """IPv4 / IPv6 addresses with a socket listening on `port` (from /proc/net/tcp*)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.partition(":")
            if state != "0A" or int(hex_port, 16) != port:  # 0A = LISTEN
                continue
            if len(address) == 8:
                found.add(socket.inet_ntop(socket.AF_INET, bytes.fromhex(address)[::-1]))
            else:
                words = [bytes.fromhex(address[i:i + 8])[::-1] for i in range(0, 32, 8)]
                found.add(socket.inet_ntop(socket.AF_INET6, b"".join(words)))
    return found


def action_server_command(port: int) -> list[str]:
    return [sys.executable, "-m", "rasa_sdk", "--actions", "bot.server.rasa_action_server",
            "--port", str(port)]


def action_server_env(config_path: Path) -> dict:
    return {**os.environ, "SANIC_HOST": "127.0.0.1", "CONVREC_CONFIG": str(config_path),
            "PYTHONPATH": str(ROOT)}


def domain() -> dict:
    return yaml.safe_load((RASA_DIR / "domain.yml").read_text(encoding="utf-8"))


def action_call(action: str, sender: str, text: str, intent: str,
                entities: list[dict] | None = None, slots: dict | None = None,
                metadata: dict | None = None) -> dict:
    """The JSON Rasa 3.6 POSTs to the action server's /webhook (RemoteAction's request)."""
    now = time.time()
    parse = {"text": text, "intent": {"name": intent, "confidence": 0.97},
             "intent_ranking": [{"name": intent, "confidence": 0.97}],
             "entities": entities or [], "message_id": f"m{int(now * 1e6)}",
             "metadata": metadata or {}}
    return {
        "next_action": action,
        "sender_id": sender,
        "version": "3.6.21",
        "domain": domain(),
        "tracker": {
            "sender_id": sender,
            "slots": slots or {},
            "latest_message": parse,
            "latest_event_time": now,
            "followup_action": None,
            "paused": False,
            "events": [
                {"event": "action", "timestamp": now - 1, "name": "action_listen"},
                {"event": "user", "timestamp": now, "text": text, "parse_data": parse,
                 "input_channel": "rest"},
            ],
            "latest_input_channel": "rest",
            "active_loop": {},
            "latest_action": {"action_name": "action_listen"},
            "latest_action_name": "action_listen",
        },
    }
