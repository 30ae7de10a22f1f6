"""Schema domains in tests: a config.yml whose domain artifacts go to a temporary folder, the
built movie artifacts (encoder, intent model) shared read-only."""

from __future__ import annotations

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
