"""`convrec chat`: the agent in the terminal (interactive, or one JSON object per line)."""

from __future__ import annotations

import argparse
import uuid

from bot.build import build_agent
from bot.channels import shell
from bot.cli.log import log
from bot.config import load_config
from recommender.domain.schema import SchemaError


def chat(args: argparse.Namespace) -> int:
    config = load_config(args.config, args.schema, args.domain)
    try:
        agent = build_agent(config, log=log)
    except SchemaError as e:  # a table's cell, found while building the domain's catalog
        log(f"error: {e}")
        return 1
    user = str(args.user) if args.user is not None else None
    if user is not None and not agent.recommender.history.has_user(user):
        log(f"error: unknown user {user!r}: MovieLens user ids run from 1 to "
            f"{len(agent.recommender.history.users)}")
        return 2
    session = args.session or f"shell-{uuid.uuid4().hex[:8]}"
    return shell.main(agent, session, user, args.json,
                      config.path("state") / "shell_history.txt")
