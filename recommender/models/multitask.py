"""The multi-task ranker's architectures (MMoE, PLE) behind one interface, and checkpoints that
record which one they hold.

Both models read (dense [B, F], item_ids [B]) and return {task: [B] logits}; both standardise the
dense features with buffers `dense_mean` / `dense_std` [F] (`set_scaling`), have an optional
`item_embedding` and a `gate_weights` [B, T, n] whose rows sum to one. Training
(`recommender/training/mmoe_loop.py`) and serving (`recommender/serving/`) rely on that only.

    model = build_model("ple", n_dense=F, n_items=N, tasks=TASKS, n_levels=2, ...)
    save_checkpoint(path, model, extra={...}); model, extra = load_checkpoint(path)

A checkpoint is {"architecture", "config", "state", "trained_tasks", "extra"}; one without
"architecture" (written by `recommender.models.mmoe.save_checkpoint`) holds an MMoE.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Protocol

import torch
from torch import nn

from recommender.models.mmoe import MMoE, MMoEConfig
from recommender.models.ple import PLE, PLEConfig

ARCHITECTURES: dict[str, tuple[type[nn.Module], type]] = {
    "mmoe": (MMoE, MMoEConfig),  # Ma et al., KDD 2018
    "ple": (PLE, PLEConfig),  # Tang et al., RecSys 2020
}


class MultiTaskModel(Protocol):
    """What training and serving use of a multi-task ranker (an `nn.Module`)."""

    architecture: str
    config: MMoEConfig | PLEConfig
    tasks: tuple[str, ...]
    trained_tasks: tuple[str, ...]
    item_embedding: nn.Embedding | None
    dense_mean: torch.Tensor  # [F]
    dense_std: torch.Tensor  # [F]

    def __call__(self, dense: torch.Tensor, item_ids: torch.Tensor
                 ) -> dict[str, torch.Tensor]: ...

    def set_scaling(self, dense: torch.Tensor) -> None: ...

    def gate_weights(self, dense: torch.Tensor, item_ids: torch.Tensor) -> torch.Tensor: ...


def build_model(architecture: str, **settings) -> MultiTaskModel:
    """A fresh model of `architecture` ("mmoe" or "ple") from its config's fields."""
    if architecture not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {architecture!r} "
                         f"(known: {', '.join(ARCHITECTURES)})")
    model_class, config_class = ARCHITECTURES[architecture]
    return model_class(config_class(**settings))


def save_checkpoint(path: Path, model: MultiTaskModel, extra: dict | None = None) -> None:
    """Architecture, config, weights, trained tasks and caller metadata (plain JSON-like
    values) in one file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"architecture": model.architecture, "config": dataclasses.asdict(model.config),
                "state": model.state_dict(), "trained_tasks": list(model.trained_tasks),
                "extra": extra or {}}, path)


def load_checkpoint(path: Path) -> tuple[MultiTaskModel, dict]:
    """(model in eval mode, extra) from `save_checkpoint` (or MMoE's own)."""
    saved = torch.load(Path(path), map_location="cpu", weights_only=True)
    architecture = saved.get("architecture", "mmoe")
    if architecture not in ARCHITECTURES:
        raise ValueError(f"{path}: unknown architecture {architecture!r} "
                         f"(known: {', '.join(ARCHITECTURES)})")
    settings = {key: tuple(value) if isinstance(value, list) else value
                for key, value in saved["config"].items()}  # JSON-like lists back to tuples
    model = build_model(architecture, **settings)
    model.load_state_dict(saved["state"])
    model.trained_tasks = tuple(saved["trained_tasks"])
    model.eval()
    return model, saved["extra"]
