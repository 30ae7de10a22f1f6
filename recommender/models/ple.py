"""The multi-task ranker's second architecture: Progressive Layered Extraction (PLE).

Paper: Hongyan Tang, Junning Liu, Ming Zhao, Xudong Gong, "Progressive Layered Extraction (PLE):
A Novel Multi-Task Learning (MTL) Model for Personalized Recommendations", RecSys 2020.

MMoE (`recommender/models/mmoe.py`) lets every task read every expert, so a task whose labels
pull the shared experts one way can hurt another (negative transfer; the "seesaw" the paper
names). PLE gives each task experts of its own beside the shared ones:

- Customized Gate Control (CGC), one extraction level: task k's gate (a softmax over its own
  experts and the shared experts) mixes those experts' outputs for task k; a shared gate (a
  softmax over every expert of the level) mixes them for the shared path.
- Progressive extraction: L levels stacked. At level l > 1 task k's experts and gate read task
  k's output of level l − 1, the shared experts and the shared gate read the shared output of
  level l − 1. The last level has no shared gate; each task's output goes to its tower, which
  ends in one logit. `n_levels = 1` is CGC alone.

Input of one example, scaling of the dense features and the id embedding: as in MMoE (the same
interface, so `recommender/training/mmoe_loop.py train_mmoe` trains either).

API (shapes: B examples, F dense features, T tasks, K task experts per task, S shared experts):

    model = PLE(PLEConfig(n_dense=F, n_items=N, n_levels=2, task_experts=1, shared_experts=2))
    logits = model(dense, item_ids)                   # {task: [B]} logits
    gates = model.gate_weights(dense, item_ids)       # [B, T, K + S], the last level's task
                                                      # gates, each row sums to 1
    gates = model.level_gates(dense, item_ids)        # per level: [B, T, K + S]
    # checkpoints that record their architecture: recommender/models/multitask.py
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from recommender.models.mmoe import MultiTaskRanker, mlp
from recommender.models.tasks import TASKS


@dataclass(frozen=True)
class PLEConfig:
    n_dense: int  # F: dense features per example
    n_items: int  # id vocabulary without the padding id 0; 0 = no id embedding at all
    tasks: tuple[str, ...] = TASKS
    id_dim: int = 4  # learned item id embedding, as in MMoEConfig
    # extraction levels; 1 = CGC. On the ranker's valid lists one level was as good as two (mean
    # AUC over tasks: 1 level, K=1, S=2: 0.776, 2 seeds; 2 levels: 0.770 with K=1, S=1, 2 seeds,
    # 0.772 with K=1, S=2, 1 seed) at half the cost
    n_levels: int = 1
    task_experts: int = 1  # K: experts of each task, per level
    shared_experts: int = 2  # S: experts every task reads, per level
    expert_dims: tuple[int, ...] = (64, 32)  # hidden sizes of each expert MLP (every level)
    tower_dims: tuple[int, ...] = (16,)  # hidden sizes of each task tower before its logit
    dropout: float = 0.1
    seed: int = 7  # initial weights: the same config gives the same model


class ExtractionLevel(nn.Module):
    """One CGC level: task experts, shared experts, a gate per task and (unless last) a shared
    gate. Inputs and outputs are per task ([B, D] each) plus the shared path ([B, D])."""

    def __init__(self, input_dim: int, n_tasks: int, config: PLEConfig, last: bool):
        super().__init__()
        sizes = [input_dim, *config.expert_dims]
        self.task_experts = nn.ModuleList(
            nn.ModuleList(mlp(sizes, config.dropout) for _ in range(config.task_experts))
            for _ in range(n_tasks))  # T × K experts
        self.shared_experts = nn.ModuleList(mlp(sizes, config.dropout)
                                            for _ in range(config.shared_experts))  # S experts
        self.task_gates = nn.ModuleList(  # D_in → K + S per task
            nn.Linear(input_dim, config.task_experts + config.shared_experts)
            for _ in range(n_tasks))
        self.shared_gate = (None if last else  # D_in → T·K + S
                            nn.Linear(input_dim, n_tasks * config.task_experts +
                                      config.shared_experts))

    def forward(self, task_inputs: list[torch.Tensor], shared_input: torch.Tensor
                ) -> tuple[list[torch.Tensor], torch.Tensor | None, torch.Tensor]:
        """(T × [B, D_e] task outputs, [B, D_e] shared output or None at the last level,
        [B, T, K + S] task gate weights)."""
        shared = [expert(shared_input) for expert in self.shared_experts]  # S × [B, D_e]
        own = [[expert(x) for expert in experts]  # T × K × [B, D_e]
               for x, experts in zip(task_inputs, self.task_experts)]
        outputs, gates = [], []
        for t, x in enumerate(task_inputs):
            gate = torch.softmax(self.task_gates[t](x), dim=-1)  # [B, K + S]
            experts = torch.stack(own[t] + shared, dim=1)  # [B, K + S, D_e]
            outputs.append(torch.bmm(gate.unsqueeze(1), experts).squeeze(1))  # [B, D_e]
            gates.append(gate)
        shared_out = None
        if self.shared_gate is not None:
            gate = torch.softmax(self.shared_gate(shared_input), dim=-1)  # [B, T·K + S]
            every = torch.stack([e for task in own for e in task] + shared,
                                dim=1)  # [B, T·K + S, D_e], task experts first
            shared_out = torch.bmm(gate.unsqueeze(1), every).squeeze(1)  # [B, D_e]
        return outputs, shared_out, torch.stack(gates, dim=1)  # ..., [B, T, K + S]


class PLE(MultiTaskRanker):
    """PLE over [dense features ‖ item id embedding]; forward returns {task: [B] logits}."""

    architecture = "ple"

    def __init__(self, config: PLEConfig):
        super().__init__()
        if config.n_levels < 1 or config.task_experts < 1 or config.shared_experts < 1:
            raise ValueError(f"PLE needs n_levels, task_experts and shared_experts >= 1: {config}")
        with torch.random.fork_rng():  # seeded init without touching the caller's generator
            torch.manual_seed(config.seed)
            self._build(config)

    def _build(self, config: PLEConfig) -> None:
        input_dim = self._build_inputs(config)
        self.levels = nn.ModuleList(
            ExtractionLevel(input_dim if level == 0 else config.expert_dims[-1], len(self.tasks),
                            config, last=level == config.n_levels - 1)
            for level in range(config.n_levels))
        self._build_towers(config)

    def _extract(self, dense: torch.Tensor, item_ids: torch.Tensor
                 ) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """(T × [B, D_e] the last level's task outputs, L × [B, T, K + S] task gates)."""
        x = self._inputs(dense, item_ids)  # [B, D_in]
        task_inputs, shared, gates = [x] * len(self.tasks), x, []
        for level in self.levels:
            task_inputs, shared, level_gates = level(task_inputs, shared)
            gates.append(level_gates)
        return task_inputs, gates

    def level_gates(self, dense: torch.Tensor, item_ids: torch.Tensor) -> list[torch.Tensor]:
        """Per level, [B, T, K + S] task gate weights (task experts first, then shared)."""
        return self._extract(dense, item_ids)[1]

    def gate_weights(self, dense: torch.Tensor, item_ids: torch.Tensor) -> torch.Tensor:
        """[B, T, K + S] the last level's task gates: how much each task reads its own experts
        (first K) and the shared ones (last S); each row sums to 1."""
        return self.level_gates(dense, item_ids)[-1]

    def forward(self, dense: torch.Tensor, item_ids: torch.Tensor) -> dict[str, torch.Tensor]:
        outputs, _ = self._extract(dense, item_ids)  # T × [B, D_e]
        return {task: tower(outputs[t]).squeeze(-1)  # [B]
                for t, (task, tower) in enumerate(zip(self.tasks, self.towers))}
