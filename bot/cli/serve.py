"""`convrec serve`: the HTTP server, one process or N workers sharing Redis sessions."""

from __future__ import annotations

import argparse
import os

import uvicorn

from bot.build import make_store
from bot.cli.log import log
from bot.config import ConfigError, load_config, schema_path
from bot.server.app import create_app, load_serving_agent
from bot.server.workers import serve_workers


def serve(args: argparse.Namespace) -> int:
    """`convrec serve`: one process, or N workers (bot/server/workers.py) sharing Redis sessions."""
    if args.config:
        os.environ["CONVREC_CONFIG"] = os.path.abspath(args.config)
    chosen = schema_path(getattr(args, "schema", None), getattr(args, "domain", None))
    if chosen is not None:  # every worker loads the config again: it reads the schema from here
        os.environ["CONVREC_SCHEMA"] = str(chosen)
    config = load_config()
    server = config.server
    host = args.host or server.host
    port = server.port if args.port is None else args.port
    workers = args.workers or server.workers
    if workers > 1 and not config.stores.is_redis:
        raise ConfigError("--workers > 1 needs stores.sessions: redis://HOST:PORT/DB in the "
                          "config (SQLite sessions live in one process)")
    if config.stores.is_redis:
        try:
            make_store(config).close()  # unreachable Redis: said once, before any model loads
        except Exception as e:
            log(f"error: cannot reach the session store {config.stores.sessions}: {e}")
            return 1
    log(f"convrec serving on http://{host}:{port} ({workers} worker"
        f"{'s' if workers > 1 else ''}, sessions: {config.stores.sessions})")
    if workers == 1:
        app = create_app(load_serving_agent(config, log), config)
        uvicorn.run(app, host=host, port=port, log_level=args.log_level,
                    access_log=args.access_log, timeout_graceful_shutdown=5)
        return 0
    # one socket per worker (SO_REUSEPORT): connections balanced
    return serve_workers(host, port, workers, args.log_level, args.access_log, log)
