"""The Rasa assistant end to end: `rasa run` (REST channel) → convrec's action server → items.

Needs the Rasa venv and a trained assistant: `make rasa-test` builds both and sets
CONVREC_RASA_MODEL; without them these tests skip. Both servers bind 127.0.0.1 on free ports.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.rasa_support import (
    RASA_DIR,
    ROOT,
    action_server_command,
    action_server_env,
    convrec_config,
    free_port,
    http,
    listening_addresses,
    running,
)

RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
MODEL = Path(os.environ.get("CONVREC_RASA_MODEL", ROOT / "data/build/rasa/models/convrec.tar.gz"))

pytestmark = pytest.mark.skipif(
    "CONVREC_RASA_MODEL" not in os.environ or not RASA.exists() or not MODEL.exists(),
    reason="needs the Rasa venv and a trained assistant: run `make rasa-test`")


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, agent_config):
    folder = tmp_path_factory.mktemp("rasa")
    action_port, rasa_port = free_port(), free_port()
    endpoints = folder / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n')
    rasa_env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
    rasa_command = [str(RASA), "run", "--model", str(MODEL.resolve()), "--endpoints",
                    str(endpoints), "--credentials", str(RASA_DIR / "credentials.yml"),
                    "--interface", "127.0.0.1", "--port", str(rasa_port)]
    with running(action_server_command(action_port), action_server_env(convrec_config(folder)),
                 folder / "action_server.log", f"http://127.0.0.1:{action_port}/health", 90), \
         running(rasa_command, rasa_env, folder / "rasa.log", f"http://127.0.0.1:{rasa_port}/",
                 300, cwd=folder):
        yield {"url": f"http://127.0.0.1:{rasa_port}", "port": rasa_port,
               "action_port": action_port, "log": folder / "rasa.log"}


def say(assistant, sender: str, message: str) -> list[dict]:
    status, messages = http("POST", assistant["url"] + "/webhooks/rest/webhook",
                            {"sender": sender, "message": message}, timeout=300)
    assert status == 200 and isinstance(messages, list), messages
    return messages


def reply_items(messages: list[dict]) -> list[dict]:
    customs = [m["custom"] for m in messages if "custom" in m]
    assert len(customs) == 1, messages
    return customs[0]["items"]


def reply_text(messages: list[dict]) -> str:
    return " ".join(m["text"] for m in messages if m.get("text"))


def test_both_servers_bind_loopback_only(assistant):
    assert listening_addresses(assistant["port"]) == {"127.0.0.1"}
    assert listening_addresses(assistant["action_port"]) == {"127.0.0.1"}


def test_rasa_answers_with_convrec_recommendations(assistant):
    sender = "ci-conversation"
    greeting = say(assistant, sender, "hi")
    assert "what you feel like watching" in reply_text(greeting)  # Rasa's own response

    first = say(assistant, sender, "something funny from the 90s, not a romance")
    shown = reply_items(first)
    assert len(shown) == 3, first
    for item in shown:
        assert 1990 <= item["year"] <= 1999 and "Romance" not in item["genres"], item
        assert item["reason"]
    buttons = [b for m in first for b in m.get("buttons", [])]
    rejected = shown[0]["id"]
    reject_button = f'/reject{{"item":"{rejected}"}}'
    assert reject_button in {b["payload"] for b in buttons}

    # the button's payload goes through Rasa's NLU (intent reject, entity item) to action_feedback
    second = reply_items(say(assistant, sender, reject_button))
    assert len(second) == 3 and rejected not in [i["id"] for i in second]

    answer = reply_text(say(assistant, sender, "who directed the second one?"))
    assert second[1]["title"] in answer and "direct" in answer

    more = reply_items(say(assistant, sender, "show me more"))
    assert more and rejected not in [i["id"] for i in more]
