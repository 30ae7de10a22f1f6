"""Training and prediction for the multi-task ranker (`recommender/models/mmoe.py`, MMoE: Ma et al.,
KDD 2018, or `recommender/models/ple.py`, PLE: Tang et al., RecSys 2020; any model with the
interface of `recommender/models/multitask.py`): the examples as tensors, the per-task losses,
batches that keep lists whole, the training loop with early stopping, prediction and the mixing
of task probabilities.

API (shapes: B examples, F dense features, T tasks):

    data = TaskData(dense=[B, F] float, item_ids=[B] long (catalog row + 1; 0 = no id),
                    labels=[B, T] float in {0, 1}, mask=[B, T] float, 1 = label known,
                    groups=[B] long or None (one id per list, e.g. per user or per turn))
    history = train_mmoe(model, data, valid=TaskData(...), config=TrainConfig(...))
    probabilities = predict(model, dense, item_ids)   # {task: np.ndarray [B]}
    score = mix_scores(probabilities, weights)        # np.ndarray [B]

Task order in `labels`/`mask` columns is `model.config.tasks`. A task whose label is missing for
an example (accept outside conversations, like for unrated items) has mask 0 there and adds
nothing to the loss. Tasks listed in `TrainConfig.listwise_tasks` use softmax cross-entropy within
each group (every labelled positive against the labelled examples of its group); others use
binary cross-entropy. `train_mmoe` fits the model's dense-feature scaling on the training data
and records in `model.trained_tasks` which tasks saw at least one label: `mix_scores` drops
untrained heads and renormalises the remaining weights.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from recommender.models.multitask import MultiTaskModel


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 20
    batch_size: int = 1024  # examples; with groups, whole groups are packed up to this size
    learning_rate: float = 3e-3
    weight_decay: float = 1e-5
    id_weight_decay: float = 1e-4  # stronger L2 on id embeddings: few labels per item
    patience: int = 3  # epochs without a better validation value before stopping
    seed: int = 7
    listwise_tasks: tuple[str, ...] = ()
    task_weights: dict = field(default_factory=dict)  # loss weight per task, default 1


@dataclass
class TaskData:
    """Training or validation examples as tensors (see the module docstring for shapes)."""

    dense: torch.Tensor  # [B, F] float32
    item_ids: torch.Tensor  # [B] int64, catalog row + 1, 0 = no id
    labels: torch.Tensor  # [B, T] float32 in {0, 1}
    mask: torch.Tensor  # [B, T] float32, 1 where the label is known
    groups: torch.Tensor | None = None  # [B] int64 list ids, needed by listwise tasks

    def __len__(self) -> int:
        return self.dense.shape[0]

    def take(self, index: torch.Tensor) -> TaskData:
        groups = self.groups[index] if self.groups is not None else None  # [b]
        return TaskData(self.dense[index], self.item_ids[index], self.labels[index],
                        self.mask[index], groups)


# ---------------------------------------------------------------- pure math: losses and mixing

def binary_task_loss(logits: torch.Tensor, labels: torch.Tensor,
                     mask: torch.Tensor) -> torch.Tensor:
    """Mean binary cross-entropy over examples with a known label; 0 when there are none."""
    losses = nn.functional.binary_cross_entropy_with_logits(
        logits, labels, reduction="none")  # [B]
    return (losses * mask).sum() / mask.sum().clamp_min(1.0)  # []


def listwise_task_loss(logits: torch.Tensor, labels: torch.Tensor, mask: torch.Tensor,
                       groups: torch.Tensor) -> torch.Tensor:
    """Softmax cross-entropy within groups: each labelled positive against the labelled examples
    of its group (−log softmax), averaged over positives; 0 when there are none."""
    _, group_index = torch.unique(groups, return_inverse=True)  # [B] in 0..G-1
    n_groups = int(group_index.max()) + 1 if len(group_index) else 0
    masked = logits.masked_fill(mask == 0, float("-inf"))  # [B]
    group_max = torch.full((n_groups,), float("-inf"), dtype=logits.dtype).scatter_reduce(
        0, group_index, masked, reduce="amax")  # [G]
    group_max = torch.where(torch.isfinite(group_max), group_max, torch.zeros_like(group_max))
    exp = torch.exp(masked - group_max[group_index])  # [B], 0 where unlabelled
    group_sum = torch.zeros(n_groups, dtype=logits.dtype).index_add(0, group_index, exp)  # [G]
    log_norm = torch.log(group_sum.clamp_min(1e-30)) + group_max  # [G]
    positive = labels * mask  # [B]
    nll = (log_norm[group_index] - logits) * positive  # [B], 0 where not a labelled positive
    return nll.sum() / positive.sum().clamp_min(1.0)  # []


def multitask_loss(logits: dict[str, torch.Tensor], batch: TaskData, tasks: tuple[str, ...],
                   listwise_tasks: tuple[str, ...] = (),
                   task_weights: dict | None = None) -> tuple[torch.Tensor, dict[str, float]]:
    """Weighted sum of per-task losses (masked); also returns each task's loss as a float."""
    total, parts = torch.zeros(()), {}
    for t, task in enumerate(tasks):
        labels, mask = batch.labels[:, t], batch.mask[:, t]  # [B], [B]
        if task in listwise_tasks:
            if batch.groups is None:
                raise ValueError(f"task {task!r} is listwise but the examples have no groups")
            loss = listwise_task_loss(logits[task], labels, mask, batch.groups)  # []
        else:
            loss = binary_task_loss(logits[task], labels, mask)  # []
        parts[task] = float(loss.detach())
        total = total + (task_weights or {}).get(task, 1.0) * loss  # []
    return total, parts


def mix_scores(probabilities: dict[str, np.ndarray], weights: dict[str, float],
               tasks: tuple[str, ...] | None = None) -> np.ndarray:
    """Σ_t w_t · p_t / Σ_t w_t over the tasks in `tasks` (default: all given) with w_t > 0.

    Pass `model.trained_tasks` as `tasks` so a head that never saw a label adds no noise."""
    names = [t for t in (tasks or probabilities) if weights.get(t, 0.0) > 0 and t in probabilities]
    if not names:
        raise ValueError(f"no task with a positive weight among {sorted(probabilities)}: "
                         f"weights {weights}")
    total = sum(weights[t] for t in names)
    return sum(weights[t] * probabilities[t] for t in names) / total  # [B]


# ---------------------------------------------------------------- training and prediction

def _batches(data: TaskData, batch_size: int, generator: torch.Generator | None):
    """Index batches; with groups, whole groups stay together (needed by listwise losses)."""
    if data.groups is None:
        order = (torch.randperm(len(data), generator=generator) if generator is not None
                 else torch.arange(len(data)))  # [B]
        yield from torch.split(order, batch_size)
        return
    sorted_groups, by_group = torch.sort(data.groups, stable=True)  # [B], [B]
    _, counts = torch.unique_consecutive(sorted_groups, return_counts=True)  # [G]
    members = list(torch.split(by_group, counts.tolist()))
    group_order = (torch.randperm(len(members), generator=generator) if generator is not None
                   else torch.arange(len(members)))  # [G]
    batch, size = [], 0
    for g in group_order.tolist():
        batch.append(members[g])
        size += len(members[g])
        if size >= batch_size:
            yield torch.cat(batch)
            batch, size = [], 0
    if batch:
        yield torch.cat(batch)


@torch.no_grad()
def evaluate_loss(model: MultiTaskModel, data: TaskData, config: TrainConfig) -> tuple[float, dict]:
    """Mean multi-task loss over `data` in eval mode (weighted by batch size)."""
    model.eval()
    total, parts, seen = 0.0, {task: 0.0 for task in model.tasks}, 0
    for index in _batches(data, config.batch_size, None):
        batch = data.take(index)
        loss, batch_parts = multitask_loss(model(batch.dense, batch.item_ids), batch, model.tasks,
                                           config.listwise_tasks, config.task_weights)
        total += float(loss) * len(index)
        for task in parts:
            parts[task] += batch_parts[task] * len(index)
        seen += len(index)
    return total / max(seen, 1), {task: value / max(seen, 1) for task, value in parts.items()}


def train_mmoe(model: MultiTaskModel, train: TaskData, valid: TaskData | None = None,
               config: TrainConfig = TrainConfig(),
               validate: Callable[[MultiTaskModel], float] | None = None,
               log: Callable[[str], None] = print, progress: bool = True) -> list[dict]:
    """Train in place with Adam; return one record per epoch.

    Early stopping watches `validate(model)` (higher is better, e.g. NDCG@10) when given, else the
    validation loss (lower is better); the best epoch's weights are restored at the end. The same
    seed and data give the same numbers twice (single-threaded determinism of torch on CPU)."""
    torch.manual_seed(config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    model.set_scaling(train.dense)
    model.trained_tasks = tuple(t for i, t in enumerate(model.tasks) if train.mask[:, i].sum() > 0)
    id_params = list(model.item_embedding.parameters()) if model.item_embedding is not None else []
    id_ids = {id(p) for p in id_params}
    other = [p for p in model.parameters() if id(p) not in id_ids]
    optimizer = torch.optim.Adam(
        [{"params": other, "weight_decay": config.weight_decay},
         {"params": id_params, "weight_decay": config.id_weight_decay}],
        lr=config.learning_rate)
    history, best_value, best_state, stale = [], None, None, 0
    name = model.architecture
    for epoch in range(1, config.epochs + 1):
        started, model_loss, n_seen = time.perf_counter(), 0.0, 0
        model.train()
        batches = list(_batches(train, config.batch_size, generator))
        for index in tqdm(batches, desc=f"{name} epoch {epoch}", leave=False, disable=not progress):
            batch = train.take(index)
            loss, _ = multitask_loss(model(batch.dense, batch.item_ids), batch, model.tasks,
                                     config.listwise_tasks, config.task_weights)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            model_loss += float(loss.detach()) * len(index)
            n_seen += len(index)
        record = {"epoch": epoch, "train_loss": model_loss / max(n_seen, 1)}
        if valid is not None:
            record["valid_loss"], record["valid_task_loss"] = evaluate_loss(model, valid, config)
        if validate is not None:
            record["valid_metric"] = float(validate(model))
        record["seconds"] = round(time.perf_counter() - started, 2)
        history.append(record)
        log(f"{name} " + " ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}"
                               for k, v in record.items() if k != "valid_task_loss"))
        value = (record.get("valid_metric") if validate is not None
                 else -record["valid_loss"] if valid is not None else None)
        if value is None:
            continue
        if best_value is None or value > best_value:
            best_value, best_state, stale = value, copy.deepcopy(model.state_dict()), 0
        else:
            stale += 1
            if stale >= config.patience:
                log(f"{name} early stop after epoch {epoch} (best {best_value:.4f})")
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return history


@torch.no_grad()
def predict(model: MultiTaskModel, dense: torch.Tensor, item_ids: torch.Tensor,
            batch_size: int = 8192) -> dict[str, np.ndarray]:
    """{task: [B] probabilities} in eval mode."""
    model.eval()
    outputs: dict[str, list[np.ndarray]] = {task: [] for task in model.tasks}
    for start in range(0, dense.shape[0], batch_size):
        logits = model(dense[start:start + batch_size], item_ids[start:start + batch_size])
        for task, value in logits.items():
            outputs[task].append(torch.sigmoid(value).numpy())  # [b]
    return {task: np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
            for task, parts in outputs.items()}
