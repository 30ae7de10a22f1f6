"""Sentence embeddings cached on disk by text: ReDial turns and movie titles are encoded once."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

Log = Callable[[str], None]


def cached_encoder(encode: Callable[[list[str]], np.ndarray], path: Path, log: Log = print
                   ) -> Callable[[list[str]], np.ndarray]:
    """encode(texts) with an on-disk cache (npz of text hashes and vectors) at `path`."""
    path = Path(path)
    cache: dict[str, np.ndarray] = {}
    if path.exists():
        data = np.load(path)
        cache = dict(zip(data["keys"].tolist(), data["vectors"]))

    def key(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()[:20]

    def cached(texts: list[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if key(t) not in cache))
        if missing:
            log(f"encoding {len(missing)} texts (cached in {path}) ...")
            for text, vector in zip(missing, encode(missing)):
                cache[key(text)] = vector.astype(np.float32)
            path.parent.mkdir(parents=True, exist_ok=True)
            keys = sorted(cache)
            np.savez(path, keys=np.array(keys), vectors=np.stack([cache[k] for k in keys]))
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.stack([cache[key(t)] for t in texts])

    return cached
