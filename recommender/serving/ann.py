"""An approximate nearest-neighbour index over the item vectors.

For a large catalog (271k books × 384 floats = 416 MB), the exact cosine of every item to the
interest vector is one pass over all of memory per turn (~30-40 ms on one core). Two indexes
answer "the items closest to this vector" from a small part of the catalog instead:

- `HnswIndex` (default when the pinned `hnswlib` is installed): a navigable small-world graph;
  recall@100 against exact search 0.96 at ef 200 on Book-Crossing's real item vectors
  (docs/BENCHMARKS.md), ~2 ms a query; saved as `ann_index.hnsw` + `ann_index.json`;
- `IvfIndex` (plain numpy, no dependency): an inverted file of k-means lists, read best list
  first until enough allowed items are found; on sentence vectors of short titles its recall
  is much lower (0.71 reading 3 % of the catalog), so it is the fallback only.

Either returns exact cosines (the vectors' own); what is approximate is which items are looked
at. A search takes the hard constraints as a mask and never comes back empty while allowed
items exist. Built at `convrec data build` time into the domain folder, loaded at start-up.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

INDEX_FILE = "ann_index.npz"  # IvfIndex
HNSW_FILE, HNSW_META = "ann_index.hnsw", "ann_index.json"  # HnswIndex
HNSW_M, HNSW_EF_CONSTRUCTION, HNSW_EF = 16, 100, 200  # graph degree, build and search breadth


@dataclass(frozen=True)
class IvfIndex:
    """`centroids` [n_lists, d] unit rows; `order` [n_items] int32 item rows grouped by list;
    `offsets` [n_lists + 1]: list j holds `order[offsets[j]:offsets[j + 1]]`; `fingerprint`:
    the item vectors it was built on (item_vectors.json)."""

    centroids: np.ndarray
    order: np.ndarray
    offsets: np.ndarray
    fingerprint: str = ""

    @property
    def n_items(self) -> int:
        return len(self.order)

    def search(self, vectors: np.ndarray, query: np.ndarray, want: int,
               allowed: np.ndarray | None = None, min_lists: int = 8
               ) -> tuple[np.ndarray, np.ndarray]:
        """(rows [r] int64, cosines [r] float32) of the items in the lists closest to `query`
        ([d] unit), at least `min_lists` lists and then list by list until `want` allowed
        items ([n_items] bool, None: all) are found or every list is read. `vectors`: the
        [n_items, d] matrix the index was built on. Rows in list order, not sorted."""
        by_closeness = np.argsort(-(self.centroids @ query))  # [n_lists]
        if allowed is None:
            counts = np.diff(self.offsets)[by_closeness]
        else:  # allowed items per list (~1 ms for 271k items), in closeness order
            running = np.concatenate([[0], np.cumsum(allowed[self.order], dtype=np.int64)])
            counts = (running[self.offsets[1:]] - running[self.offsets[:-1]])[by_closeness]
        reached = np.searchsorted(np.cumsum(counts), want) + 1  # lists until `want`
        n_lists = int(min(len(by_closeness), max(min_lists, reached)))
        picked = by_closeness[:n_lists]
        rows = np.concatenate([self.order[self.offsets[j]:self.offsets[j + 1]] for j in picked])
        if allowed is not None:
            rows = rows[allowed[rows]]
        rows = rows.astype(np.int64)
        return rows, vectors[rows] @ query

    def save(self, path: Path) -> None:
        """Written whole to a temporary file, then renamed over `path`."""
        path = Path(path)
        temporary = path.with_name(path.name + ".tmp")
        with temporary.open("wb") as f:
            np.savez(f, centroids=self.centroids, order=self.order, offsets=self.offsets,
                     meta=np.array(json.dumps({"fingerprint": self.fingerprint})))
        os.replace(temporary, path)

    @staticmethod
    def load(path: Path) -> IvfIndex:
        data = np.load(path, allow_pickle=False)
        meta = json.loads(str(data["meta"]))
        return IvfIndex(data["centroids"], data["order"], data["offsets"], meta["fingerprint"])


def build_ivf(vectors: np.ndarray, n_lists: int | None = None, iterations: int = 10,
              sample: int = 65536, seed: int = 0, fingerprint: str = "") -> IvfIndex:
    """An IvfIndex over `vectors` ([n, d] unit rows): spherical k-means with `n_lists`
    centroids (default about 2·sqrt(n)) fitted on a seeded sample of `sample` rows, then
    every row filed under its closest centroid. Deterministic for a seed."""
    n = len(vectors)
    n_lists = max(1, min(n, n_lists or int(2 * np.sqrt(n))))
    rng = np.random.default_rng(seed)
    train = vectors[np.sort(rng.choice(n, size=min(n, max(sample, n_lists)), replace=False))]
    centroids = train[rng.choice(len(train), size=n_lists, replace=False)].copy()
    for _ in range(iterations):
        assigned = _closest(train, centroids)
        sums = np.zeros_like(centroids)
        np.add.at(sums, assigned, train)
        empty = np.bincount(assigned, minlength=n_lists) == 0
        sums[empty] = centroids[empty]  # a centroid nobody chose stays where it was
        centroids = (sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
                     ).astype(np.float32)
    assigned = _closest(vectors, centroids)  # [n]
    order = np.argsort(assigned, kind="stable").astype(np.int32)
    offsets = np.concatenate([[0], np.cumsum(np.bincount(assigned, minlength=n_lists))])
    return IvfIndex(centroids, order, offsets.astype(np.int64), fingerprint)


def _closest(vectors: np.ndarray, centroids: np.ndarray, chunk: int = 32768) -> np.ndarray:
    """[n] int64: the centroid of highest cosine for each row, in chunks (bounded memory)."""
    return np.concatenate([np.argmax(vectors[s:s + chunk] @ centroids.T, axis=1)
                           for s in range(0, len(vectors), chunk)]) if len(vectors) else \
        np.zeros(0, dtype=np.int64)


def recall_at(index: IvfIndex, vectors: np.ndarray, queries: np.ndarray, k: int = 100,
              want: int = 1000) -> float:
    """Mean share of the exact top-`k` items (by cosine) that `index.search(want)` also ranks
    in its top `k`, over `queries` ([q, d] unit rows)."""
    hits = []
    for query in queries:
        exact = np.argpartition(-(vectors @ query), k - 1)[:k]
        rows, cosines = index.search(vectors, query, want)
        found = rows[np.argsort(-cosines)[:k]]
        hits.append(len(np.intersect1d(exact, found)) / k)
    return float(np.mean(hits)) if hits else 0.0


class HnswIndex:
    """An hnswlib graph over the item vectors (inner product = cosine on unit rows)."""

    def __init__(self, graph, fingerprint: str = ""):
        self.graph = graph
        self.fingerprint = fingerprint
        self.n_items = graph.get_current_count()

    def search(self, vectors: np.ndarray, query: np.ndarray, want: int,
               allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(rows [r] int64, exact cosines [r] float32): the graph's `want` items closest to
        `query`, the allowed ones among them; when a filter leaves under a quarter of `want`,
        asked again for four times as many (at most twice)."""
        k = min(want, self.n_items)
        for _ in range(3):
            labels, _ = self.graph.knn_query(query[None, :], k=k)  # [1, k]
            rows = labels[0].astype(np.int64)
            if allowed is not None:
                rows = rows[allowed[rows]]
            if len(rows) * 4 >= min(want, self.n_items) or k == self.n_items:
                break
            k = min(self.n_items, 4 * k)  # hnswlib searches max(ef, k) wide
        return rows, vectors[rows] @ query


def hnswlib_module():
    """The hnswlib module, or None when it is not installed (IvfIndex is used then)."""
    try:
        import hnswlib  # optional: the graph index; without it the numpy inverted file
    except ImportError:
        return None
    return hnswlib


def build_hnsw(vectors: np.ndarray, fingerprint: str = "", threads: int = 1) -> HnswIndex:
    """An HnswIndex over `vectors` ([n, d] unit rows), seeded (~4 min for 271k on one core)."""
    hnswlib = hnswlib_module()
    graph = hnswlib.Index(space="ip", dim=vectors.shape[1])
    graph.init_index(max_elements=len(vectors), ef_construction=HNSW_EF_CONSTRUCTION,
                     M=HNSW_M, random_seed=0)
    graph.set_num_threads(threads)
    graph.add_items(vectors, np.arange(len(vectors)))
    graph.set_ef(HNSW_EF)
    return HnswIndex(graph, fingerprint)


def save_hnsw(index: HnswIndex, folder: Path) -> None:
    """The graph (written whole, then renamed) and its fingerprint and dimension."""
    folder = Path(folder)
    temporary = folder / (HNSW_FILE + ".tmp")
    index.graph.save_index(str(temporary))
    os.replace(temporary, folder / HNSW_FILE)
    (folder / HNSW_META).write_text(json.dumps({"fingerprint": index.fingerprint,
                                                "dim": index.graph.dim}))


def load_hnsw(folder: Path, fingerprint: str, n_items: int) -> HnswIndex | None:
    """The graph saved in `folder`, or None (no hnswlib, no file, or other vectors)."""
    folder = Path(folder)
    hnswlib = hnswlib_module()
    if hnswlib is None or not (folder / HNSW_FILE).exists() or not (folder / HNSW_META).exists():
        return None
    if json.loads((folder / HNSW_META).read_text()).get("fingerprint") != fingerprint:
        return None
    graph = hnswlib.Index(space="ip", dim=int(_hnsw_dim(folder)))
    graph.load_index(str(folder / HNSW_FILE), max_elements=n_items)
    graph.set_num_threads(1)
    graph.set_ef(HNSW_EF)
    return HnswIndex(graph, fingerprint)


def _hnsw_dim(folder: Path) -> int:
    return json.loads((Path(folder) / HNSW_META).read_text()).get("dim", 384)


def load_index(folder: Path, fingerprint: str) -> IvfIndex | None:
    """The IvfIndex saved in `folder`, or None when there is none or it was built on other
    vectors."""
    path = Path(folder) / INDEX_FILE
    if not path.exists():
        return None
    index = IvfIndex.load(path)
    return index if index.fingerprint == fingerprint else None


def ensure_index(folder: Path, vectors: np.ndarray, min_items: int,
                 log=print) -> IvfIndex | HnswIndex | None:
    """The index of the item vectors in `folder` (item_vectors.json names their fingerprint):
    loaded, or built and saved when missing or stale — an HnswIndex when hnswlib is installed,
    else an IvfIndex; None for a catalog under `min_items` items (exact search is fast enough
    there)."""
    if len(vectors) < min_items:
        return None
    folder = Path(folder)
    meta_path = folder / "item_vectors.json"
    fingerprint = json.loads(meta_path.read_text()).get("fingerprint", "") \
        if meta_path.exists() else ""
    if hnswlib_module() is not None:
        index = load_hnsw(folder, fingerprint, len(vectors))
        if index is None:
            log(f"Building the nearest-neighbour graph of {len(vectors):,} item vectors (once; "
                f"{folder / HNSW_FILE}; ~4 min for 271k) ...")
            index = build_hnsw(vectors, fingerprint)
            save_hnsw(index, folder)
        return index
    index = load_index(folder, fingerprint)
    if index is None:
        log(f"Building the nearest-neighbour index of {len(vectors):,} item vectors (once; "
            f"{folder / INDEX_FILE}) ...")
        index = build_ivf(vectors, fingerprint=fingerprint)
        index.save(folder / INDEX_FILE)
    return index
