"""A numpy copy of a trained PLE (`recommender/models/ple.py`, Tang et al., RecSys 2020) for the
chat: the same logits as the torch model, without autograd or torch dispatch.

Shapes: n candidates, D_in input width, T tasks, K experts per task and S shared experts per
level, D_e an expert's output width. Scoring, occlusions and the mixing of heads:
`recommender/serving/numpy_multitask.py NumpyHeads`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recommender.serving.numpy_multitask import (
    Linear,
    NumpyHeads,
    run_mlp,
    run_tower,
    softmax_rows,
    torch_common,
    torch_linears,
)


@dataclass
class NumpyLevel:
    """One extraction level (`recommender.models.ple.ExtractionLevel`)."""

    task_experts: list[list[list[Linear]]]  # T × K × layers
    shared_experts: list[list[Linear]]  # S × layers
    task_gates: list[Linear]  # T × ([K + S, D], [K + S])
    shared_gate: Linear | None  # ([T·K + S, D], [T·K + S]); None at the last level

    def forward(self, task_inputs: list[np.ndarray], shared_input: np.ndarray
                ) -> tuple[list[np.ndarray], np.ndarray | None]:
        """(T × [n, D_e] task outputs, [n, D_e] shared output or None)."""
        shared = [run_mlp(shared_input, layers) for layers in self.shared_experts]  # S×[n, D_e]
        own = [[run_mlp(x, layers) for layers in experts]  # T × K × [n, D_e]
               for x, experts in zip(task_inputs, self.task_experts)]
        outputs = []
        for t, x in enumerate(task_inputs):
            w, b = self.task_gates[t]
            gate = softmax_rows(x @ w.T + b)  # [n, K + S]
            experts = np.stack(own[t] + shared, axis=1)  # [n, K + S, D_e]
            outputs.append(np.einsum("ne,ned->nd", gate, experts))  # [n, D_e]
        if self.shared_gate is None:
            return outputs, None
        w, b = self.shared_gate
        gate = softmax_rows(shared_input @ w.T + b)  # [n, T·K + S]
        every = np.stack([e for task in own for e in task] + shared, axis=1)  # [n, T·K + S, D_e]
        return outputs, np.einsum("ne,ned->nd", gate, every)  # ..., [n, D_e]


@dataclass
class NumpyPLE(NumpyHeads):
    """The weights of a trained `recommender.models.ple.PLE`, for inference."""

    tasks: tuple[str, ...]
    trained_tasks: tuple[str, ...]
    dense_mean: np.ndarray  # [F]
    dense_std: np.ndarray  # [F]
    id_embedding: np.ndarray | None  # [n_items + 1, id_dim]; row 0 = no id
    levels: list[NumpyLevel]
    towers: list[list[Linear]]  # T × (hidden layers…, final [1, h])

    @staticmethod
    def from_torch(model) -> NumpyPLE:
        levels = [NumpyLevel([[torch_linears(e) for e in experts]
                              for experts in level.task_experts],
                             [torch_linears(e) for e in level.shared_experts],
                             [torch_linears(g)[0] for g in level.task_gates],
                             torch_linears(level.shared_gate)[0]
                             if level.shared_gate is not None else None)
                  for level in model.levels]
        return NumpyPLE(**torch_common(model), levels=levels,
                        towers=[torch_linears(t) for t in model.towers])

    def forward(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """x: [n, D_in] standardised dense features ‖ id embedding → {task: logits [n]}."""
        task_inputs, shared = [x] * len(self.tasks), x
        for level in self.levels:
            task_inputs, shared = level.forward(task_inputs, shared)
        return {task: run_tower(task_inputs[t], self.towers[t])  # [n]
                for t, task in enumerate(self.tasks)}
