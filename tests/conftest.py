"""Shared fixtures: a real Agent on the real built catalog, with its session store in a temp dir."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "datasets"


def config_with_state(state_dir: Path):
    from bot.config import load_config

    config = load_config(ROOT / "config.yml")
    return dataclasses.replace(config, paths=dataclasses.replace(config.paths, state=state_dir))


@pytest.fixture(scope="session")
def agent_config(tmp_path_factory):
    config = config_with_state(tmp_path_factory.mktemp("state"))
    if not (config.catalog_dir / "items.jsonl").exists():
        pytest.fail("The catalog is not built: run `make test` (it builds data and models first).")
    return config


@pytest.fixture(scope="session")
def agent(agent_config):
    from bot.agent import Agent

    return Agent.load(agent_config)


@pytest.fixture
def session_id(request):
    return f"test-{request.node.name}"
