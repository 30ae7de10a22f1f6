"""SASRec's history representation at serving time: a numpy forward pass of a trained
`recommender.models.sasrec.SASRec` (Kang & McAuley, "Self-Attentive Sequential Recommendation",
ICDM 2018) over one sequence of catalog rows, with a per-sequence cache."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from recommender.serving.threads import one_blas_thread


def _relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0.0)


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float = 1e-5
                ) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


class HistoryEncoder:
    """SASRec (`recommender/models/sasrec.py`) history representation and next-item scores, as a
    numpy forward pass over one sequence of catalog rows (torch dispatch costs more than the math
    for one 50-item sequence, and oversubscribed threads cost far more).

    Padding never influences a real position (real items attend to earlier real items only), so
    only the real suffix is computed, at the positions it has in the left-padded window.
    """

    def __init__(self, sasrec, cache_size: int = 1024):
        def array(t) -> np.ndarray:
            return t.detach().numpy().astype(np.float32)

        self.model = sasrec
        self.max_len = sasrec.config.max_len
        self.n_heads = sasrec.config.n_heads
        self.token_of = sasrec.token_of.numpy()  # [n_items]
        self.vocabulary_size = len(sasrec.vocabulary)
        self.item_weights = array(sasrec.item_embedding.weight)  # [V + 2, d]
        self.positions = array(sasrec.position_embedding.weight)  # [L, d]
        self.blocks = [{name: array(value) for name, value in block.state_dict().items()}
                       for block in sasrec.blocks]
        self.final_norm = (array(sasrec.final_norm.weight), array(sasrec.final_norm.bias))
        self._cache: OrderedDict[tuple, tuple[np.ndarray, float, float]] = OrderedDict()
        self.cache_size = cache_size

    @property
    def dims(self) -> int:
        return int(self.item_weights.shape[1])

    def vocabulary_embeddings(self) -> np.ndarray:
        """[V, d] output embeddings of the items the model can predict."""
        return self.item_weights[1:self.vocabulary_size + 1]

    def hidden_state(self, rows: np.ndarray) -> np.ndarray:
        """[d] hidden state at the last position of the sequence's last max_len items."""
        tokens = self.token_of[np.asarray(rows, dtype=np.int64)[-self.max_len:]]  # [n]
        n, d = len(tokens), self.dims
        x = self.item_weights[tokens] * np.float32(d ** 0.5) + self.positions[self.max_len - n:]
        causal = np.tril(np.ones((n, n), dtype=bool))  # [n, n]
        head = d // self.n_heads
        for p in self.blocks:
            normed = _layer_norm(x, p["attention_norm.weight"], p["attention_norm.bias"])
            qkv = normed @ p["qkv.weight"].T + p["qkv.bias"]  # [n, 3d]
            q, k, v = (qkv[:, i * d:(i + 1) * d].reshape(n, self.n_heads, head).transpose(1, 0, 2)
                       for i in range(3))  # 3 × [h, n, d/h]
            logits = q @ k.transpose(0, 2, 1) / np.sqrt(head)  # [h, n, n]
            logits = np.where(causal, logits, -np.inf)
            weights = np.exp(logits - logits.max(axis=-1, keepdims=True))
            weights /= weights.sum(axis=-1, keepdims=True)  # [h, n, n]
            attended = (weights @ v).transpose(1, 0, 2).reshape(n, d)  # [n, d]
            x = x + attended @ p["attention_out.weight"].T + p["attention_out.bias"]  # [n, d]
            normed = _layer_norm(x, p["feed_forward_norm.weight"], p["feed_forward_norm.bias"])
            inner = _relu(normed @ p["feed_forward.0.weight"].T + p["feed_forward.0.bias"])
            x = x + inner @ p["feed_forward.3.weight"].T + p["feed_forward.3.bias"]  # [n, d]
        return _layer_norm(x[-1], *self.final_norm).astype(np.float32)  # [d]

    def represent(self, rows: np.ndarray) -> tuple[np.ndarray, float, float] | None:
        """(hidden [d], mean and std of its logits over the vocabulary); None for no rows."""
        if len(rows) == 0:
            return None
        key = tuple(int(r) for r in rows[-self.max_len:])
        cached = self._cache.get(key)
        if cached is None:
            with one_blas_thread():
                hidden = self.hidden_state(np.asarray(key, dtype=np.int64))  # [d]
                logits = self.item_weights[1:self.vocabulary_size + 1] @ hidden  # [V]
            cached = (hidden, float(logits.mean()), float(logits.std() + 1e-6))
            self._cache[key] = cached
            if len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return cached

    def scores(self, state: tuple[np.ndarray, float, float] | None, rows: np.ndarray
               ) -> np.ndarray:
        """[n] standardised next-item logits of the candidates; 0 out of vocabulary or no state."""
        out = np.zeros(len(rows), dtype=np.float32)
        if state is None or len(rows) == 0:
            return out
        hidden, mean, std = state
        tokens = self.token_of[rows]  # [n]
        known = tokens <= self.vocabulary_size  # [n]
        out[known] = (self.item_weights[tokens[known]] @ hidden - mean) / std
        return out
