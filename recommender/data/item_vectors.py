"""Item text vectors, encoded once and cached on disk next to the catalog.

The recommender never imports the NLU: the caller passes the `encode` function (texts → [n, d]).
The cache is keyed by a hash of the item texts, so a rebuilt catalog re-encodes automatically.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from recommender.domain.catalog import Catalog

Encode = Callable[[list[str]], np.ndarray]


def texts_fingerprint(catalog: Catalog) -> str:
    digest = hashlib.sha256()
    for item in catalog.items:
        digest.update(item.id.encode())
        digest.update(item.text().encode())
    return digest.hexdigest()[:16]


def load_or_build(catalog: Catalog, folder: Path, encode: Encode | None,
                  log: Callable[[str], None] = print) -> np.ndarray:
    """[n_items, d] float32 unit vectors, row-aligned with the catalog."""
    folder = Path(folder)
    vectors_path, meta_path = folder / "item_vectors.npy", folder / "item_vectors.json"
    fingerprint = texts_fingerprint(catalog)
    if vectors_path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("fingerprint") == fingerprint:
            return np.load(vectors_path, mmap_mode=None)
    if encode is None:
        raise FileNotFoundError(
            f"Item vectors at {vectors_path} are missing or stale. Run `convrec train` (or "
            "`make data`) to encode the catalog."
        )
    log(f"Encoding {len(catalog)} item texts (once; cached in {vectors_path}) ...")
    vectors = encode([item.text() for item in catalog.items]).astype(np.float32)  # [n, d]
    folder.mkdir(parents=True, exist_ok=True)
    np.save(vectors_path, vectors)
    meta_path.write_text(json.dumps({"fingerprint": fingerprint, "n_items": len(catalog),
                                     "dim": int(vectors.shape[1])}))
    return vectors


def cached_text_vectors(texts: list[str], folder: Path, encode: Encode | None,
                        log: Callable[[str], None] = print) -> np.ndarray | None:
    """[n, d] vectors of `texts`, cached in `folder` under a hash of the texts; None when they
    are not cached and there is no `encode` (used for benchmark data sets without a catalog)."""
    folder = Path(folder)
    fingerprint = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    vectors_path, meta_path = folder / "item_vectors.npy", folder / "item_vectors.json"
    if vectors_path.exists() and meta_path.exists():
        if json.loads(meta_path.read_text()).get("fingerprint") == fingerprint:
            return np.load(vectors_path)
    if encode is None:
        return None
    log(f"Encoding {len(texts)} item texts (once; cached in {vectors_path}) ...")
    vectors = encode(texts).astype(np.float32)  # [n, d]
    folder.mkdir(parents=True, exist_ok=True)
    np.save(vectors_path, vectors)
    meta_path.write_text(json.dumps({"fingerprint": fingerprint, "n_items": len(texts),
                                     "dim": int(vectors.shape[1])}))
    return vectors


def genre_prototypes(item_vectors: np.ndarray, genre_masks: dict[str, np.ndarray]
                     ) -> dict[str, np.ndarray]:
    """Unit mean vector of each genre's items (the chat, training and
    evaluation all use these: a genre entity pulls the interest vector toward its prototype)."""
    out = {}
    for genre, mask in genre_masks.items():
        if mask.any():
            mean = item_vectors[mask].mean(axis=0)  # [384]
            out[genre] = (mean / (np.linalg.norm(mean) + 1e-8)).astype(np.float32)
    return out
