"""The commands' progress and error lines: on stderr, so that stdout carries only the output."""

from __future__ import annotations

import sys


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
