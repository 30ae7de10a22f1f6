"""What recommendation dialogues say about catalog items, as a compact table the chat can read.

The ReDial ranking reads the dialogue log (recommender/data/dialogue_log.py) over ReDial movie
ids. The chat and every training list over the catalog read this table instead: the same
conversation evidence over catalog items, without any message text. Built from a conversation ×
catalog-item mention matrix X (binary: the conversation mentioned the item):
- `counts` [m]: conversations mentioning each item → `dialogue_popularity`;
- `co_mentions` [m, m] = XᵀX off the diagonal → `dialogue_evidence` (co-mentions with the seeds);
- `ease` [m, m]: EASE weights B (Steck, WWW 2019) fitted on X, the `top_k` largest per row kept
  → `dialogue_ease` (Σ_seeds B[seed, ·]).
Each feature is scaled as the dialogue log scales it (`scaled_log`), so a model trained on
ReDial lists reads the chat's columns on the same scale.

Shipped: `data/conversation_evidence.npz` is built from ReDial's train split (CC BY 4.0; counts
only) by `convrec data evidence`, so a new user's chat has it; `convrec train` builds a fresh one
from its configured dialogues when they are present. Pure numpy / scipy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

from recommender.data.dialogue_log import mention_matrix, scaled_log
from recommender.models.baselines import ease_weights

__all__ = ["CatalogEvidence", "ConversationEvidence", "mention_matrix", "top_k_rows"]

TOP_K = 64  # EASE weights kept per item: enough for Σ over a few seeds, small on disk
COLUMNS = ("dialogue_popularity", "dialogue_evidence", "dialogue_ease")
RECENT_SEEDS = 20  # the person's most recent items that count as seeds


def top_k_rows(dense: np.ndarray, k: int) -> sparse.csr_matrix:
    """[m, m] → sparse with the k largest entries of each row (ties: any k of them)."""
    m = dense.shape[0]
    k = min(k, m)
    if m == 0 or k == 0:
        return sparse.csr_matrix((m, m), dtype=np.float32)
    columns = np.argpartition(-dense, k - 1, axis=1)[:, :k]  # [m, k]
    values = np.take_along_axis(dense, columns, axis=1)  # [m, k]
    rows = np.repeat(np.arange(m), k)
    kept = values.ravel() > 0
    return sparse.csr_matrix((values.ravel()[kept].astype(np.float32),
                              (rows[kept], columns.ravel()[kept])), shape=(m, m))


@dataclass
class ConversationEvidence:
    """The table over `item_ids` (catalog ids of the items at least one conversation mentions)."""

    item_ids: list[str]  # [m]
    counts: np.ndarray  # [m] float32 conversations mentioning the item
    co_mentions: sparse.csr_matrix  # [m, m] conversations mentioning both, 0 on the diagonal
    ease: sparse.csr_matrix  # [m, m] EASE weights, top_k per row
    meta: dict

    @staticmethod
    def from_mentions(mentions: sparse.spmatrix, item_ids: list[str], meta: dict,
                      regularization: float = 20.0, top_k: int = TOP_K
                      ) -> ConversationEvidence:
        """mentions: [conversations, c] binary over the catalog ids `item_ids` [c]."""
        x = sparse.csr_matrix(mentions, dtype=np.float32)
        x.data[:] = 1.0
        counts = np.asarray(x.sum(axis=0)).ravel()  # [c]
        used = np.flatnonzero(counts > 0)  # [m]
        x = x[:, used]
        gram = (x.T @ x).tocsr()  # [m, m]
        gram.setdiag(0.0)
        gram.eliminate_zeros()
        weights = ease_weights(x, regularization) if len(used) else np.zeros((0, 0))
        return ConversationEvidence([item_ids[i] for i in used], counts[used].astype(np.float32),
                                    gram.astype(np.float32), top_k_rows(weights, top_k),
                                    {**meta, "conversations": int(mentions.shape[0]),
                                     "items": int(len(used)), "ease_regularization":
                                     regularization, "ease_top_k": top_k})

    # -- files ------------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        _save(path, item_ids=np.array(self.item_ids), counts=self.counts,
              co_mentions=self.co_mentions, ease=self.ease, meta=self.meta)

    @staticmethod
    def load(path: Path) -> ConversationEvidence:
        arrays = _load(path)
        return ConversationEvidence([str(i) for i in arrays["item_ids"]], arrays["counts"],
                                    arrays["co_mentions"], arrays["ease"], arrays["meta"])

    def for_catalog(self, index: dict[str, int], n_items: int) -> CatalogEvidence:
        """The table over catalog rows (`index`: catalog id → row); unknown ids are dropped."""
        rows = np.array([index.get(i, -1) for i in self.item_ids], dtype=np.int64)  # [m]
        known = np.flatnonzero(rows >= 0)
        return CatalogEvidence(rows[known], self.counts[known],
                               self.co_mentions[known][:, known].tocsr(),
                               self.ease[known][:, known].tocsr(), n_items, self.meta)


class CatalogEvidence:
    """The table's features over the whole catalog: each [n_items] float32, 0 for items no
    conversation mentioned."""

    def __init__(self, rows: np.ndarray, counts: np.ndarray, co_mentions: sparse.csr_matrix,
                 ease: sparse.csr_matrix, n_items: int, meta: dict):
        self.rows, self.n_items, self.meta = rows, n_items, meta  # rows: [m] catalog rows
        self.position = np.full(n_items, -1, dtype=np.int64)  # [n_items] → table position
        self.position[rows] = np.arange(len(rows))
        self.counts, self.co_mentions, self.ease = counts, co_mentions, ease
        self._popularity = self._spread(scaled_log(counts))

    def save(self, path: Path) -> None:
        """Beside a trained ranker (rows of the catalog it was trained for)."""
        _save(path, rows=self.rows, counts=self.counts, co_mentions=self.co_mentions,
              ease=self.ease, meta={**self.meta, "n_items": self.n_items})

    @staticmethod
    def load(path: Path) -> CatalogEvidence:
        arrays = _load(path)
        return CatalogEvidence(arrays["rows"].astype(np.int64), arrays["counts"],
                               arrays["co_mentions"], arrays["ease"],
                               int(arrays["meta"]["n_items"]), arrays["meta"])

    def _spread(self, values: np.ndarray) -> np.ndarray:
        out = np.zeros(self.n_items, dtype=np.float32)
        out[self.rows] = values
        return out

    def _seeds(self, seed_rows: np.ndarray) -> np.ndarray:
        seeds = self.position[np.asarray(seed_rows, dtype=np.int64)[-RECENT_SEEDS:]]
        return np.unique(seeds[seeds >= 0])

    def features(self, seed_rows: np.ndarray) -> dict[str, np.ndarray]:
        """The dialogue columns for a person whose recent items are `seed_rows` (oldest first;
        the last RECENT_SEEDS count): {name: [n_items]}."""
        seeds = self._seeds(seed_rows)
        if len(seeds) == 0:
            zeros = np.zeros(self.n_items, dtype=np.float32)
            return {"dialogue_popularity": self._popularity, "dialogue_evidence": zeros,
                    "dialogue_ease": zeros}
        co = np.asarray(self.co_mentions[seeds].sum(axis=0)).ravel()  # [m]
        ease = np.asarray(self.ease[seeds].sum(axis=0)).ravel()  # [m]
        return {"dialogue_popularity": self._popularity,
                "dialogue_evidence": self._spread(scaled_log(co)),
                "dialogue_ease": self._spread(ease.astype(np.float32))}


def _save(path: Path, **arrays) -> None:
    """One compressed .npz (written to a temporary name, then renamed): sparse matrices as
    their CSR parts, `meta` as JSON, EASE weights as float16."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, value in arrays.items():
        if sparse.issparse(value):
            data = value.data.astype(np.float16 if name == "ease" else np.float32)
            out |= {f"{name}_data": data, f"{name}_indices": value.indices.astype(np.int32),
                    f"{name}_indptr": value.indptr.astype(np.int64),
                    f"{name}_shape": np.array(value.shape)}
        elif name == "meta":
            out["meta"] = np.array(json.dumps(value))
        else:
            out[name] = value
    partial = path.with_name(path.name + ".partial.npz")
    np.savez_compressed(partial, **out)
    partial.replace(path)


def _load(path: Path) -> dict:
    with np.load(Path(path), allow_pickle=False) as f:
        arrays = {name: f[name] for name in f.files}
    out = {"meta": json.loads(str(arrays.pop("meta")))}
    for name in [n[:-len("_data")] for n in arrays if n.endswith("_data")]:
        out[name] = sparse.csr_matrix(
            (arrays.pop(f"{name}_data").astype(np.float32), arrays.pop(f"{name}_indices"),
             arrays.pop(f"{name}_indptr")), shape=tuple(arrays.pop(f"{name}_shape")))
    return out | arrays
