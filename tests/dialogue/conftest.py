"""Fixtures of the scripted conversations (test_talk*.py)."""

from __future__ import annotations

import itertools

import pytest


@pytest.fixture
def talk(agent, session_id):
    """talk("a comedy", "ok") → the replies, in order, of one session."""
    counter = itertools.count()

    def run(*texts):
        session = f"{session_id}-{next(counter)}"
        return [agent.handle(session, text) for text in texts]
    return run


@pytest.fixture
def help_text(agent):
    return set(agent.templates.variants["fallback"])
