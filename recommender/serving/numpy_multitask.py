"""What every numpy copy of a multi-task ranker shares (NumpyMMoE in mmoe_ranker.py, NumpyPLE in
numpy_ple.py): input scaling, scoring a request's candidates, occlusions, and the mixing of the
task heads.

A subclass holds the trained weights as numpy arrays (every Linear as (W [out, in], b [out]),
dropout off) and defines `forward(x [n, D_in]) → {task: logits [n]}`; `NumpyHeads` adds the rest.
"""

from __future__ import annotations

import numpy as np

from recommender.serving.threads import one_blas_thread

Linear = tuple[np.ndarray, np.ndarray]  # (W [out, in], b [out])


def relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0.0)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -30.0, 30.0)))


def softmax_rows(x: np.ndarray) -> np.ndarray:
    """[n, k] → [n, k], each row sums to 1."""
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def run_mlp(x: np.ndarray, layers: list[Linear]) -> np.ndarray:
    """Linear → ReLU for every layer (recommender/models/mmoe.py `mlp` at inference)."""
    for w, b in layers:
        x = relu(x @ w.T + b)  # [n, out]
    return x


def run_tower(x: np.ndarray, layers: list[Linear]) -> np.ndarray:
    """Hidden layers with ReLU, then the final [1, h] layer → [n] logits."""
    x = run_mlp(x, layers[:-1])  # [n, h]
    w_out, b_out = layers[-1]
    return x @ w_out[0] + b_out[0]  # [n]


def torch_linears(module) -> list[Linear]:
    """Every nn.Linear inside `module`, in order, as float32 numpy (W, b)."""
    from torch import nn  # heavy: torch, only when a trained model is loaded

    return [(m.weight.detach().numpy().astype(np.float32),
             m.bias.detach().numpy().astype(np.float32))
            for m in module.modules() if isinstance(m, nn.Linear)]


def torch_common(model) -> dict:
    """The fields every numpy copy takes from a trained torch model."""
    return {"tasks": tuple(model.tasks), "trained_tasks": tuple(model.trained_tasks),
            "dense_mean": model.dense_mean.numpy().astype(np.float32),
            "dense_std": model.dense_std.numpy().astype(np.float32),
            "id_embedding": (model.item_embedding.weight.detach().numpy().astype(np.float32)
                             if model.item_embedding is not None else None)}


def head_statistics(logits: dict[str, np.ndarray]) -> dict[str, tuple[float, float]]:
    """{task: (mean, std)} of each head's logits over one request's candidates."""
    return {task: (float(value.mean()), float(value.std()) + 1e-6)
            for task, value in logits.items()}


def mix_heads(logits: dict[str, np.ndarray], weights: dict[str, float],
              trained: tuple[str, ...], statistics: dict[str, tuple[float, float]]
              ) -> np.ndarray:
    """Σ_t w_t z_t / Σ_t w_t over trained heads with w_t > 0; z_t = (logit_t − μ_t) / σ_t with
    the request's statistics. Standardised, so that a weight says how much a head counts: the
    heads' probabilities live on very different scales (accept is rare, like is common), and a
    mix of raw probabilities lets the common task decide."""
    names = [t for t in trained if weights.get(t, 0.0) > 0]
    if not names:
        raise ValueError(f"no trained task with a positive weight: {weights}")
    total = sum(weights[t] for t in names)
    return sum(weights[t] / total * (logits[t] - statistics[t][0]) / statistics[t][1]
               for t in names).astype(np.float32)  # [n]


class NumpyHeads:
    """Scoring and occlusion for a numpy multi-task model. Needs `trained_tasks`, `dense_mean`,
    `dense_std` [F], `id_embedding` [n_items + 1, id_dim] or None, and `forward`."""

    trained_tasks: tuple[str, ...]
    dense_mean: np.ndarray
    dense_std: np.ndarray
    id_embedding: np.ndarray | None

    def forward(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """x: [n, D_in] standardised dense features ‖ id embedding → {task: logits [n]}."""
        raise NotImplementedError

    def inputs(self, dense: np.ndarray, item_ids: np.ndarray) -> np.ndarray:
        x = (dense - self.dense_mean) / self.dense_std  # [n, F]
        if self.id_embedding is not None:
            x = np.concatenate([x, self.id_embedding[item_ids]], axis=1)  # [n, F + id_dim]
        return x.astype(np.float32)

    def score(self, dense: np.ndarray, item_ids: np.ndarray, weights: dict[str, float],
              statistics: dict[str, tuple[float, float]] | None = None
              ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """(mixed score [n], {task: probability [n]}) of one request's candidates; the heads
        are standardised with `statistics` (default: these candidates' own)."""
        with one_blas_thread():
            logits = self.forward(self.inputs(dense, item_ids))
        statistics = statistics or head_statistics(logits)
        return (mix_heads(logits, weights, self.trained_tasks, statistics),
                {task: sigmoid(value) for task, value in logits.items()})

    def statistics(self, dense: np.ndarray, item_ids: np.ndarray
                   ) -> dict[str, tuple[float, float]]:
        with one_blas_thread():
            return head_statistics(self.forward(self.inputs(dense, item_ids)))

    def occlusion(self, dense: np.ndarray, item_ids: np.ndarray, weights: dict[str, float],
                  groups: dict[str, np.ndarray],
                  statistics: dict[str, tuple[float, float]] | None = None
                  ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """(score [n], {group: score − score with the group's inputs at their training mean}).

        Group columns index the dense features; the group "item" also takes away the id
        embedding. All groups go through the network in one stacked batch, and every block is
        mixed with the same heads' statistics (given: the request's; else these candidates'),
        so the differences are exact."""
        with one_blas_thread():
            x = self.inputs(dense, item_ids)  # [n, D]
            n, n_dense = len(x), len(self.dense_mean)
            names = list(groups) + (["item"] if "item" not in groups and
                                    self.id_embedding is not None else [])
            stacked = np.tile(x, (len(names) + 1, 1))  # [(G + 1) n, D]
            for g, name in enumerate(names, start=1):
                block = stacked[g * n:(g + 1) * n]
                block[:, groups.get(name, np.zeros(0, dtype=np.int64))] = 0.0  # the mean
                if name == "item":
                    block[:, n_dense:] = 0.0  # no id embedding
            logits = self.forward(stacked)
        statistics = statistics or head_statistics({task: value[:n]
                                                    for task, value in logits.items()})
        scores = mix_heads(logits, weights, self.trained_tasks, statistics).reshape(-1, n)
        return scores[0], {name: scores[0] - scores[g] for g, name in enumerate(names, start=1)}
