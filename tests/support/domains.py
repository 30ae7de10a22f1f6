"""Schema domains in tests: a config.yml whose domain artifacts go to a temporary folder, the
built movie artifacts (encoder, intent model) shared read-only."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import yaml

from tests.support.rasa_support import ROOT, convrec_config


def domain_config(folder: Path) -> Path:
    """config.yml with absolute paths, sessions in `folder`/state and every schema domain's
    catalog in `folder`/domains/<domain>/ (never data/build)."""
    path = convrec_config(folder)
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["paths"]["domains"] = str(folder / "domains")
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


TOOLS_SCHEMA = ROOT / "data" / "domains" / "tools.yml"


def chat(config: Path, schema: Path, lines: list[str], monkeypatch, capsys) -> list[dict]:
    """`convrec chat --schema SCHEMA --json` in this process, one stdin line per turn: the
    replies' JSON objects, in order."""
    from bot.cli.main import main  # heavy: the command loads the agent's model stack

    stdin = io.TextIOWrapper(io.BytesIO("\n".join(lines).encode() + b"\n"), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stdin)
    assert main(["--config", str(config), "chat", "--schema", str(schema), "--json"]) == 0
    out = capsys.readouterr().out
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]
