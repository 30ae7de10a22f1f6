"""The terminal channel: `convrec chat --json` as a real process, and the number shortcuts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.channels.shell import render_reply, shortcut
from bot.dialogue.replies import Reply

ROOT = Path(__file__).resolve().parents[2]

SHOWN = [{"id": "10", "title": "Heat", "year": 1995, "genres": ["Crime"], "reason": "r",
          "score": 1.0},
         {"id": "20", "title": "Up", "year": 2009, "genres": ["Animation"], "reason": "r",
          "score": 0.9}]


def test_number_shortcuts_become_payloads():
    assert shortcut("+2", SHOWN) == '/accept{"item":"20"}'
    assert shortcut("-1", SHOWN) == '/reject{"item":"10"}'
    assert shortcut("s1", SHOWN) == '/seen{"item":"10"}'
    assert shortcut("?2", SHOWN) == "tell me about Up"
    assert shortcut("-3", SHOWN) == "-3"  # no third item: left as text
    assert shortcut("2 more", SHOWN) == "2 more"


def test_items_render_as_a_numbered_list_with_reasons():
    text = render_reply(Reply("s", "Here:", SHOWN), color=False)
    assert "1. Heat (1995)" in text and "2. Up (2009)" in text and text.count("↳ r") == 2


def test_json_mode_survives_bad_input_and_answers(agent_config, tmp_path):
    lines = [b"", b"x" * 100_000, b"hello\x07there", b"\xff\xfe broken", b'{"not": "text"',
             b"something funny from the 90s, not a romance", b"/reject{\"item\": \"nope\"}",
             b"more"]
    env = {**os.environ, "CONVREC_CONFIG": str(tmp_path / "config.yml")}
    config_text = (ROOT / "config.yml").read_text()
    config_text = config_text.replace("state: var", f"state: {tmp_path / 'state'}")
    config_text = config_text.replace("artifacts: data/build", f"artifacts: {ROOT / 'data/build'}")
    for key in ("nlu_data", "replies"):
        config_text = config_text.replace(f"{key}: data/", f"{key}: {ROOT / 'data'}/")
    (tmp_path / "config.yml").write_text(config_text)
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli.main", "chat", "--json", "--session", "json-test"],
        input=b"\n".join(lines) + b"\n", capture_output=True, env=env, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    out = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert len(out) == len(lines), "one JSON object per input line, nothing else on stdout"
    assert "empty" in out[0]["error"]
    assert "too long" in out[1]["error"]
    assert "control characters" in out[2]["error"]
    assert "UTF-8" in out[3]["error"]
    assert "error" not in out[4]  # broken JSON that is not a payload is just text
    reply = out[5]
    assert set(reply) == {"session", "intent", "entities", "text", "items", "quick_replies"}
    assert reply["session"] == "json-test" and len(reply["items"]) == 3
    assert set(reply["intent"]) == {"name", "confidence"}
    assert all(set(i) - {"facets"} == {"id", "title", "year", "genres", "reason", "score"}
               for i in reply["items"])
    assert all(set(q) == {"title", "payload"} for q in reply["quick_replies"])
    assert "unknown item" in out[6]["error"]
    assert out[7]["items"], "the shell kept running after every bad line"
