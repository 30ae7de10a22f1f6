"""Shared fixtures: a real Agent on the real built catalog, with its session store in a temp dir."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tests.support import ADMIN_TOKEN, ROOT


def config_with_state(state_dir: Path):
    from bot.config import load_config  # heavy: loads torch; tests without an agent skip it

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
    from bot.build import build_agent  # heavy: the agent's model stack, once per session

    return build_agent(agent_config)


@pytest.fixture
def session_id(request):
    return f"test-{request.node.name}"


# -- serving (bot/server/app.py): one in-process server on the shared agent, every channel on ------


@pytest.fixture(scope="session")
def alexa_chain():
    from tests.support.alexa_certs import make_chain  # heavy: cryptography, only for serving

    return make_chain()


@pytest.fixture(scope="session")
def live_server(agent, agent_config, alexa_chain):
    """The HTTP server (REST, Rasa webhook, socket.io, widget, voice, Alexa, admin) on 127.0.0.1,
    in this process, around the shared agent. Alexa requests are verified against the test's
    own certificate chain, at the test's fixed clock."""
    # heavy: the HTTP stack (fastapi, socket.io, cryptography), only for the serving tests
    from bot.channels.alexa_verify import AlexaVerifier
    from bot.server.app import create_app
    from tests.support.alexa_certs import NOW
    from tests.support.serving import InProcessServer

    verifier = AlexaVerifier(fetch=lambda url: alexa_chain.pem, trust_roots=[alexa_chain.root],
                             clock=lambda: NOW.timestamp())
    app = create_app(agent, agent_config, alexa_verifier=verifier,
                     environ={"CONVREC_ADMIN_TOKEN": ADMIN_TOKEN})
    with InProcessServer(app) as server:
        yield server
