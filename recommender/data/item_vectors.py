"""Item text vectors, encoded once and cached on disk next to the catalog.

The recommender never imports the NLU: the caller passes the `encode` function (texts → [n, d]).
The cache is keyed by a hash of the item texts, so a rebuilt catalog re-encodes automatically.
A large catalog (over `PART_SIZE` items: 271k books take most of an hour on one core) is encoded
in parts of `PART_SIZE` texts, each saved as it is done under `item_vectors.parts/`, with a log
line per part (done, rate, time left): an interrupted build resumes at the first missing part.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from recommender.domain.catalog import Catalog

Encode = Callable[[list[str]], np.ndarray]


PART_SIZE = 16384  # texts per saved part of a large catalog's encoding


def texts_fingerprint(catalog: Catalog) -> str:
    digest = hashlib.sha256()
    for item, text in zip(catalog.items, catalog.texts()):
        digest.update(item.id.encode())
        digest.update(text.encode())
    return digest.hexdigest()[:16]


def encode_in_parts(texts: list[str], parts_dir: Path, fingerprint: str, encode: Encode,
                    log: Callable[[str], None] = print) -> np.ndarray:
    """[len(texts), d] float32: `encode` over `texts` in parts of `PART_SIZE`, each part saved
    in `parts_dir` as `<fingerprint>-<first row>.npy` when done (written whole, then renamed);
    parts already there are read, parts of another fingerprint removed."""
    parts_dir.mkdir(parents=True, exist_ok=True)
    for stale in parts_dir.glob("*.npy"):
        if not stale.name.startswith(fingerprint + "-"):
            stale.unlink()
    parts, started, encoded = [], time.time(), 0
    for start in range(0, len(texts), PART_SIZE):
        path = parts_dir / f"{fingerprint}-{start:09d}.npy"
        if path.exists():
            parts.append(np.load(path))
            continue
        part = encode(texts[start:start + PART_SIZE]).astype(np.float32)  # [<=PART_SIZE, d]
        np.save(parts_dir / "part.tmp.npy", part)
        os.replace(parts_dir / "part.tmp.npy", path)
        parts.append(part)
        encoded += len(part)
        done = start + len(part)
        rate = encoded / max(time.time() - started, 1e-9)
        log(f"item vectors: {done:,} of {len(texts):,} encoded ({rate:.0f} texts/s, about "
            f"{(len(texts) - done) / rate / 60:.0f} min left; resumable: {parts_dir})")
    return np.concatenate(parts) if parts else np.zeros((0, 0), dtype=np.float32)


def load_or_build(catalog: Catalog, folder: Path, encode: Encode | None,
                  log: Callable[[str], None] = print) -> np.ndarray:
    """[n_items, d] float32 unit vectors, row-aligned with the catalog."""
    folder = Path(folder)
    vectors_path, meta_path = folder / "item_vectors.npy", folder / "item_vectors.json"
    fingerprint = texts_fingerprint(catalog)
    if vectors_path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("fingerprint") == fingerprint:
            # a large catalog's vectors are mapped, not read: a turn touches a few thousand
            # rows (the nearest-neighbour index holds its own copy), start-up reads nothing
            return np.load(vectors_path, mmap_mode="r" if len(catalog) > PART_SIZE else None)
    if encode is None:
        raise FileNotFoundError(
            f"Item vectors at {vectors_path} are missing or stale. Run `convrec train` (or "
            "`make data`) to encode the catalog."
        )
    log(f"Encoding {len(catalog)} item texts (once; cached in {vectors_path}) ...")
    parts_dir = folder / "item_vectors.parts"
    if len(catalog) > PART_SIZE:
        vectors = encode_in_parts(catalog.texts(), parts_dir, fingerprint, encode, log)
    else:
        vectors = encode(catalog.texts()).astype(np.float32)  # [n, d]
    folder.mkdir(parents=True, exist_ok=True)
    np.save(vectors_path, vectors)
    meta_path.write_text(json.dumps({"fingerprint": fingerprint, "n_items": len(catalog),
                                     "dim": int(vectors.shape[1])}))
    shutil.rmtree(parts_dir, ignore_errors=True)
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
