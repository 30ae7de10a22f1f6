"""The conversational ranker's model card: the fingerprint that says whether a trained folder is
current (data, code and settings), and what the card records of the data and the examples."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

import numpy as np

from recommender.domain.catalog import Catalog
from recommender.models.tasks import TASKS
from recommender.serving.mmoe_ranker import CARD_FILE, MODEL_FILE
from recommender.training.examples import SOURCES, SPLITS
from recommender.training.ranker_config import RankerTrainingConfig

CODE_VERSION = "4"  # bump when example building or training changes meaning


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def fingerprint(catalog: Catalog, item_vectors: np.ndarray, ratings_file: Path,
                config: RankerTrainingConfig, dialogue_files: list[Path]) -> str:
    parts = {
        "code": CODE_VERSION,
        "catalog": catalog.manifest.get("fingerprint", str(len(catalog))),
        "vectors": hashlib.sha256(np.ascontiguousarray(item_vectors[:: max(1, len(item_vectors)
                                                                       // 512)]).tobytes())
        .hexdigest()[:16],
        "ratings": file_digest(ratings_file) if Path(ratings_file).exists() else "",
        "config": asdict(config),
        "dialogues": [file_digest(p) for p in dialogue_files],
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


def is_current(folder: Path, expected: str) -> bool:
    card = Path(folder) / CARD_FILE
    if not (card.exists() and (Path(folder) / MODEL_FILE).exists()):
        return False
    return json.loads(card.read_text()).get("fingerprint") == expected


def data_versions(catalog: Catalog) -> dict:
    manifest = catalog.manifest
    return {"catalog_fingerprint": manifest.get("fingerprint"),
            "built_at": manifest.get("built_at"),
            "sources": [{k: s.get(k) for k in ("key", "package", "version", "sha256")}
                        for s in manifest.get("sources", [])],
            "counts": manifest.get("counts")}


def example_counts(arrays: dict[str, np.ndarray]) -> dict:
    lists, rows = {}, {}
    groups = arrays["group"]
    first = np.r_[True, groups[1:] != groups[:-1]]
    for s, split in enumerate(SPLITS):
        for k, source in enumerate(SOURCES):
            where = (arrays["split"] == s) & (arrays["source"] == k)
            if where.any():
                lists[f"{split}/{source}"] = int((where & first).sum())
                rows[f"{split}/{source}"] = int(where.sum())
    labelled = {task: int(arrays["mask"][:, t].sum()) for t, task in enumerate(TASKS)}
    positives = {task: int((arrays["labels"][:, t] * arrays["mask"][:, t]).sum())
                 for t, task in enumerate(TASKS)}
    return {"lists": lists, "rows": rows, "labelled": labelled, "positives": positives,
            "columns": int(arrays["dense"].shape[1])}
