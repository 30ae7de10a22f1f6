"""The multi-task ranker: Multi-gate Mixture-of-Experts (MMoE).

Paper: Jiaqi Ma, Zhe Zhao, Xinyang Yi, Jilin Chen, Lichan Hong, Ed H. Chi, "Modeling Task
Relationships in Multi-task Learning with Multi-gate Mixture-of-Experts", KDD 2018.

Shared experts read one input vector per (context, candidate item) example; each task has its own
softmax gate over the experts (the gate weights of one example sum to one) and its own tower that
ends in one logit. The final ranking score mixes the tasks' probabilities with configured weights.

Input of one example: a dense feature vector (whatever the caller builds: session vector,
history representation, item text vector, cross features, base-model scores ...) concatenated with
a learned id embedding of the candidate item. Dense features are standardised inside the model
with a mean/std stored as buffers (fitted on the training data by
`recommender.training.mmoe_loop.train_mmoe`), so callers pass raw features at training and at
serving time alike.

API (shapes: B examples, F dense features, T tasks, E experts):

    config = MMoEConfig(n_dense=F, n_items=N, tasks=("accept", "like", "interact"))
    model = MMoE(config)
    logits = model(dense, item_ids)                   # {task: [B]} logits
    gates = model.gate_weights(dense, item_ids)       # [B, T, E], each row sums to 1
    save_checkpoint(path, model, extra={...}); model, extra = load_checkpoint(path)

`model.trained_tasks` names the tasks that saw at least one label in training. Training, the
losses, prediction and the mixing of task probabilities: `recommender/training/mmoe_loop.py`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn

from recommender.models.tasks import TASKS


@dataclass(frozen=True)
class MMoEConfig:
    n_dense: int  # F: dense features per example
    n_items: int  # id vocabulary without the padding id 0; 0 = no id embedding at all
    tasks: tuple[str, ...] = TASKS
    id_dim: int = 4  # learned item id embedding; small (few labels per item); 0 items = none
    n_experts: int = 4
    expert_dims: tuple[int, ...] = (64, 32)  # hidden sizes of each expert MLP
    tower_dims: tuple[int, ...] = (16,)  # hidden sizes of each task tower before its logit
    dropout: float = 0.1
    seed: int = 7  # initial weights: the same config gives the same model


def mlp(sizes: list[int], dropout: float) -> nn.Sequential:
    """Linear → ReLU → Dropout for each consecutive pair of sizes."""
    layers: list[nn.Module] = []
    for size_in, size_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(size_in, size_out), nn.ReLU(), nn.Dropout(dropout)]
    return nn.Sequential(*layers)


class MultiTaskRanker(nn.Module):
    """What every multi-task ranker here shares (MMoE, PLE): the dense features'
    standardisation, the item id embedding in front, one tower per task behind."""

    def _build_inputs(self, config) -> int:
        """Config, tasks, scaling buffers (set by `set_scaling`) and the id embedding; returns
        the width of [dense ‖ id embedding]."""
        self.config = config
        self.tasks = tuple(config.tasks)
        self.trained_tasks: tuple[str, ...] = ()
        self.register_buffer("dense_mean", torch.zeros(config.n_dense))  # [F]
        self.register_buffer("dense_std", torch.ones(config.n_dense))  # [F]
        self.item_embedding = (nn.Embedding(config.n_items + 1, config.id_dim, padding_idx=0)
                               if config.n_items > 0 else None)  # [n_items + 1, id_dim]
        if self.item_embedding is not None:
            nn.init.normal_(self.item_embedding.weight, std=0.01)
            with torch.no_grad():
                self.item_embedding.weight[0].zero_()  # [id_dim], the padding id
        return config.n_dense + (config.id_dim if config.n_items > 0 else 0)

    def _build_towers(self, config) -> None:
        """One MLP tower per task: [B, expert_dims[-1]] → [B, 1] logit."""
        tower_sizes = [config.expert_dims[-1], *config.tower_dims]
        self.towers = nn.ModuleList(nn.Sequential(mlp(tower_sizes, config.dropout),
                                                  nn.Linear(tower_sizes[-1], 1))
                                    for _ in self.tasks)

    def set_scaling(self, dense: torch.Tensor) -> None:
        """Standardise dense features with the mean/std of `dense` ([B, F])."""
        with torch.no_grad():
            self.dense_mean.copy_(dense.mean(dim=0))  # [F]
            self.dense_std.copy_(dense.std(dim=0).clamp_min(1e-6))  # [F]

    def _inputs(self, dense: torch.Tensor, item_ids: torch.Tensor) -> torch.Tensor:
        x = (dense - self.dense_mean) / self.dense_std  # [B, F]
        if self.item_embedding is not None:
            x = torch.cat([x, self.item_embedding(item_ids)], dim=1)  # [B, F + id_dim]
        return x


class MMoE(MultiTaskRanker):
    """MMoE over [dense features ‖ item id embedding]; forward returns {task: [B] logits}."""

    architecture = "mmoe"  # recommender/models/multitask.py

    def __init__(self, config: MMoEConfig):
        super().__init__()
        with torch.random.fork_rng():  # seeded init without touching the caller's generator
            torch.manual_seed(config.seed)
            self._build(config)

    def _build(self, config: MMoEConfig) -> None:
        input_dim = self._build_inputs(config)
        expert_sizes = [input_dim, *config.expert_dims]
        self.experts = nn.ModuleList(mlp(expert_sizes, config.dropout)
                                     for _ in range(config.n_experts))
        self.gates = nn.ModuleList(nn.Linear(input_dim, config.n_experts)  # D_in → E per task
                                   for _ in self.tasks)
        self._build_towers(config)

    def _gates(self, x: torch.Tensor) -> torch.Tensor:
        logits = torch.stack([gate(x) for gate in self.gates], dim=1)  # [B, T, E]
        return torch.softmax(logits, dim=-1)  # [B, T, E], sums to 1 over experts

    def gate_weights(self, dense: torch.Tensor, item_ids: torch.Tensor) -> torch.Tensor:
        """[B, T, E] softmax gate weights: how much each task reads each expert."""
        return self._gates(self._inputs(dense, item_ids))  # [B, T, E]

    def forward(self, dense: torch.Tensor, item_ids: torch.Tensor) -> dict[str, torch.Tensor]:
        x = self._inputs(dense, item_ids)  # [B, D_in]
        experts = torch.stack([expert(x) for expert in self.experts], dim=1)  # [B, E, D_e]
        gates = self._gates(x)  # [B, T, E]
        mixed = torch.bmm(gates, experts)  # [B, T, E] @ [B, E, D_e] → [B, T, D_e]
        return {task: tower(mixed[:, t]).squeeze(-1)  # [B]
                for t, (task, tower) in enumerate(zip(self.tasks, self.towers))}


# ---------------------------------------------------------------- checkpoints

def save_checkpoint(path: Path, model: MMoE, extra: dict | None = None) -> None:
    """Weights, config, trained tasks and caller metadata (plain JSON-like values) in one file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    config = asdict(model.config)
    torch.save({"config": config, "state": model.state_dict(),
                "trained_tasks": list(model.trained_tasks), "extra": extra or {}}, path)


def load_checkpoint(path: Path) -> tuple[MMoE, dict]:
    """(model in eval mode, extra) from `save_checkpoint`."""
    saved = torch.load(Path(path), map_location="cpu", weights_only=True)
    if saved.get("architecture", "mmoe") != "mmoe":
        raise ValueError(f"{path} holds a {saved['architecture']!r} model, not an MMoE: load it "
                         "with recommender.models.multitask.load_checkpoint")
    raw = saved["config"]
    config = MMoEConfig(**{**raw, "tasks": tuple(raw["tasks"]),
                           "expert_dims": tuple(raw["expert_dims"]),
                           "tower_dims": tuple(raw["tower_dims"])})
    model = MMoE(config)
    model.load_state_dict(saved["state"])
    model.trained_tasks = tuple(saved["trained_tasks"])
    model.eval()
    return model, saved["extra"]
