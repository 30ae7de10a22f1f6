"""`convrec serve --workers N`: N server processes on one port, connections spread by the kernel.

uvicorn's own `--workers` shares one listening socket, and whichever process wakes first accepts
the connections: under a burst of keep-alive connections one worker took all 32 of them and the
other idled (measured: 89 % vs 3 % of a core). Here each worker opens its own socket on the same
port with SO_REUSEPORT, and Linux hands each new connection to one of them by a hash of its
addresses, so the load spreads. Every worker loads its own model (~600 MB) and shares sessions
through Redis (config `stores.sessions`).

The parent only supervises: a worker that dies is started again (at most once every 5 s), and
SIGTERM / SIGINT stop them all (each finishes its requests in flight, then exits). Connections
waiting in a dying worker's accept queue are reset by the kernel unless the sysctl
net.ipv4.tcp_migrate_req is 1, which moves them to another worker's socket.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import signal
import socket
import time
from collections.abc import Callable

import uvicorn


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _worker(host: str, port: int, workers: int, log_level: str, access_log: bool) -> None:
    # the parent only supervises: it never loads the app and the model stack
    from bot.config import load_config  # heavy: loads torch (through the NLU's settings)
    from bot.server.app import create_app, load_serving_agent  # heavy: torch, the NLU, the app

    config = load_config()  # CONVREC_CONFIG, set by the parent
    config = dataclasses.replace(config, server=dataclasses.replace(config.server,
                                                                    workers=workers))
    app = create_app(load_serving_agent(config), config)
    sock = _listen(host, port)
    sock.listen(2048)
    server = uvicorn.Server(uvicorn.Config(app, log_level=log_level, access_log=access_log,
                                           timeout_graceful_shutdown=5))
    server.run(sockets=[sock])


def serve_workers(host: str, port: int, workers: int, log_level: str = "info",
                  access_log: bool = False, log: Callable[[str], None] = print) -> int:
    """Run `workers` processes until SIGTERM / SIGINT; returns the exit status."""
    if not hasattr(socket, "SO_REUSEPORT"):
        raise OSError("several workers need SO_REUSEPORT (Linux, BSD, macOS)")
    probe = _listen(host, port)  # fails now, with the OS's message, if the port is taken
    port = probe.getsockname()[1]
    context = multiprocessing.get_context("spawn")
    stopping = False

    def start(number: int):
        process = context.Process(target=_worker, name=f"convrec-worker-{number}",
                                  args=(host, port, workers, log_level, access_log))
        process.start()
        return process

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    processes = [start(n) for n in range(workers)]
    started = [time.monotonic()] * workers
    probe.close()
    log(f"{workers} workers on port {port} (pids {', '.join(str(p.pid) for p in processes)})")
    try:
        while not stopping:
            time.sleep(0.5)
            for n, process in enumerate(processes):
                if process.is_alive() or stopping:
                    continue
                log(f"worker {process.pid} exited with {process.exitcode}; starting another")
                time.sleep(max(0.0, 5.0 - (time.monotonic() - started[n])))
                processes[n], started[n] = start(n), time.monotonic()
    finally:
        for process in processes:
            if process.is_alive():
                os.kill(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in processes:
            process.join(max(0.1, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join(5)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 0
