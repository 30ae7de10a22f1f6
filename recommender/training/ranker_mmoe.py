"""The conversational ranker's multi-task step (MMoE or PLE, config.yml
`recommender.training.architecture`): the example arrays (`recommender/training/examples.py`)
as tensors, training on the train split with early stopping on the valid split's mean AUC, and
AUC / logloss per task (also of the configured mix of heads) on held-out lists."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from recommender.evaluation import metrics
from recommender.models.mmoe import MMoEConfig
from recommender.models.multitask import MultiTaskModel, build_model, save_checkpoint
from recommender.models.ple import PLEConfig
from recommender.models.tasks import TASKS
from recommender.serving.mmoe_ranker import head_statistics, mix_heads
from recommender.training.examples import SPLITS
from recommender.training.mmoe_loop import TaskData, TrainConfig, predict, train_mmoe
from recommender.training.ranker_config import RankerTrainingConfig

# `interact` is a softmax over each list (the next item is one of them); `accept` and `like` are
# binary: measured on held-out lists, listwise `accept` ranked a list no better and gave scores
# that do not compare across lists (pooled AUC 0.68 vs 0.75 binary).
LISTWISE = ("interact",)
Log = Callable[[str], None]


def task_data(arrays: dict[str, np.ndarray], split: str) -> TaskData:
    where = arrays["split"] == SPLITS.index(split)
    return TaskData(torch.as_tensor(arrays["dense"][where]),
                    torch.as_tensor(arrays["item_ids"][where]),
                    torch.as_tensor(arrays["labels"][where]),
                    torch.as_tensor(arrays["mask"][where]),
                    torch.as_tensor(arrays["group"][where]))


def task_metrics(model: MultiTaskModel, data: TaskData,
                 tasks: tuple[str, ...] | None = None) -> dict:
    """{task: {"auc", "logloss", "n", "positives"}} over the examples with a known label."""
    probabilities = predict(model, data.dense, data.item_ids)
    out = {}
    for t, task in enumerate(model.tasks):
        if tasks is not None and task not in tasks:
            continue
        known = data.mask[:, t].numpy() > 0
        labels = data.labels[:, t].numpy()[known]
        p = probabilities[task][known]
        out[task] = {"auc": round(metrics.auc(labels, p), 4) if known.any() else None,
                     "logloss": round(metrics.logloss(labels, p), 4) if known.any() else None,
                     "n": int(known.sum()), "positives": int(labels.sum())}
    return out


def mean_auc(model: MultiTaskModel, data: TaskData) -> float:
    values = [v["auc"] for task, v in task_metrics(model, data).items()
              if task in model.trained_tasks and v["auc"] is not None and np.isfinite(v["auc"])]
    return float(np.mean(values)) if values else 0.0


def mmoe_config(config: RankerTrainingConfig, n_dense: int, n_items: int,
                tasks: tuple[str, ...] = TASKS) -> MMoEConfig:
    return MMoEConfig(n_dense=n_dense, n_items=n_items, tasks=tasks, id_dim=config.id_dim,
                      n_experts=config.n_experts,
                      expert_dims=(config.expert_hidden, config.expert_out),
                      tower_dims=(config.tower_hidden,), dropout=config.dropout,
                      seed=config.seed)


def ple_config(config: RankerTrainingConfig, n_dense: int, n_items: int,
               tasks: tuple[str, ...] = TASKS) -> PLEConfig:
    return PLEConfig(n_dense=n_dense, n_items=n_items, tasks=tasks, id_dim=config.id_dim,
                     n_levels=config.ple_levels, task_experts=config.ple_task_experts,
                     shared_experts=config.ple_shared_experts,
                     expert_dims=(config.expert_hidden, config.expert_out),
                     tower_dims=(config.tower_hidden,), dropout=config.dropout,
                     seed=config.seed)


def new_model(config: RankerTrainingConfig, n_dense: int, n_items: int,
              tasks: tuple[str, ...] = TASKS) -> MultiTaskModel:
    """A fresh model of `config.architecture` with the configured shape."""
    shape = (mmoe_config if config.architecture == "mmoe" else ple_config)(
        config, n_dense, n_items, tasks)
    return build_model(config.architecture, **dataclasses.asdict(shape))


def fit_mmoe(arrays: dict[str, np.ndarray], config: RankerTrainingConfig, n_items: int,
             tasks: tuple[str, ...], folder: Path | None, log: Log, progress: bool
             ) -> tuple[MultiTaskModel, list[dict]]:
    """Train the configured architecture on the train split for `tasks` (one task = a
    single-task baseline with the same inputs and code), early stopping on the valid split's
    mean AUC."""
    columns = [TASKS.index(t) for t in tasks]
    train, valid = task_data(arrays, "train"), task_data(arrays, "valid")
    train = TaskData(train.dense, train.item_ids, train.labels[:, columns],
                     train.mask[:, columns], train.groups)
    valid = TaskData(valid.dense, valid.item_ids, valid.labels[:, columns],
                     valid.mask[:, columns], valid.groups)
    model = new_model(config, train.dense.shape[1], n_items, tasks)
    epoch = [0]

    def validate(m: MultiTaskModel) -> float:
        epoch[0] += 1
        if folder is not None:  # a checkpoint per epoch; the best is restored at the end
            save_checkpoint(folder / "checkpoints" / f"{m.architecture}-epoch{epoch[0]:02d}.pt",
                            m)
        return mean_auc(m, valid)

    history = train_mmoe(model, train, valid, TrainConfig(
        epochs=config.epochs, batch_size=config.batch_size, learning_rate=config.learning_rate,
        weight_decay=config.weight_decay, id_weight_decay=config.id_weight_decay,
        patience=config.patience, seed=config.seed,
        listwise_tasks=tuple(t for t in tasks if t in LISTWISE)),
        validate=validate, log=log, progress=progress)
    return model, history


def mixed_auc(model: MultiTaskModel, data: TaskData, weights: dict) -> dict:
    """AUC of the configured mix of heads (standardised within each list, as the chat mixes
    them: recommender.serving.mmoe_ranker.mix_heads) against each task's labels."""
    with torch.no_grad():
        logits = {task: value.numpy() for task, value in
                  model(data.dense, data.item_ids).items()}  # {task: [B]}
    groups = data.groups.numpy()
    mixed = np.zeros(len(groups), dtype=np.float32)
    for group in np.unique(groups):
        where = groups == group
        part = {task: value[where] for task, value in logits.items()}
        mixed[where] = mix_heads(part, weights, model.trained_tasks, head_statistics(part))
    out = {}
    for t, task in enumerate(model.tasks):
        known = data.mask[:, t].numpy() > 0
        if known.any():
            out[task] = round(metrics.auc(data.labels[:, t].numpy()[known], mixed[known]), 4)
    return out
