"""`convrec parse TEXT`: the NLU parse of one text as JSON (no shell, no session)."""

from __future__ import annotations

import argparse
import json

from bot.build import build_agent
from bot.cli.log import log
from bot.config import load_config
from bot.errors import InputError


def parse(args: argparse.Namespace) -> int:
    agent = build_agent(load_config(args.config), log=log)
    try:
        parsed = agent.parse(args.text, tuple(args.shown or ()))
    except InputError as e:
        log(f"error: {e}")
        return 2
    print(json.dumps(parsed.to_json(), ensure_ascii=False, indent=2))
    return 0
