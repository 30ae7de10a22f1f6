"""Training SASRec (`recommender/models/sasrec.py`; Kang & McAuley, ICDM 2018) on each user's
item sequence.

Unlike the paper's sampled binary cross-entropy, training uses FULL softmax cross-entropy over the
whole item vocabulary at every position (as in Klenitskiy & Vasilev, RecSys 2023, which found it
much stronger). Each user contributes the last `max_len` + 1 items of their history per epoch
(the paper's choice; `windows_per_user` > 1 adds older, non-overlapping windows). The vocabulary
is the items with at least `min_item_count` training interactions.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from recommender.models.sasrec import SASRec, SASRecConfig, save_checkpoint


def training_windows(sequences: list[np.ndarray], max_len: int,
                     windows_per_user: int = 1) -> list[np.ndarray]:
    """Up to `windows_per_user` non-overlapping windows of max_len + 1 items, cut from the end of
    each sequence (input = window[:-1], targets = window[1:]); with enough windows every item
    after a sequence's first is predicted exactly once."""
    windows = []
    for items in sequences:
        end, taken = len(items), 0
        while end >= 2 and taken < windows_per_user:
            taken += 1
            start = max(0, end - max_len - 1)
            windows.append(items[start:end])
            end = start + 1  # the next window ends where this one's inputs begin
            if start == 0:
                break
    return windows


def window_batch(model: SASRec, windows: list[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
    """(inputs [B, L], targets [B, L]) as tokens; target 0 = no loss (padding or out of vocab)."""
    inputs = model.tokens([w[:-1] for w in windows])  # [B, L]
    targets = model.tokens([w[1:] for w in windows])  # [B, L]
    targets[targets > len(model.vocabulary)] = 0  # an item outside the vocabulary is no target
    return inputs, targets


def window_loss(model: SASRec, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Full softmax cross-entropy over the vocabulary at every position with a target."""
    hidden = model.encode(inputs)  # [B, L, d]
    where = targets > 0  # [B, L]
    logits = model.vocabulary_logits(hidden[where])  # [N, V]
    return nn.functional.cross_entropy(logits, targets[where] - 1)  # []


def train_sasrec(sequences: list[np.ndarray], n_items: int, config: SASRecConfig = SASRecConfig(),
                 validate: Callable[[SASRec], float] | None = None, epochs: int | None = None,
                 checkpoint: Path | None = None, log: Callable[[str], None] = print,
                 progress: bool = True) -> tuple[SASRec, list[dict]]:
    """Train on each user's training sequence; return (model with the best epoch's weights,
    one record per epoch). `validate(model)` (higher is better, e.g. NDCG@10 on held-out items)
    drives early stopping; without it, exactly `epochs` (default config.epochs) are run, which is
    how the test stage reuses the epoch count chosen on validation."""
    counts = np.bincount(np.concatenate([s for s in sequences if len(s)] or [np.zeros(0, int)]),
                         minlength=n_items)  # [I]
    vocabulary = np.flatnonzero(counts >= max(config.min_item_count, 1))  # [V]
    model = SASRec(config, vocabulary, n_items)
    torch.manual_seed(config.seed)
    generator = np.random.default_rng(config.seed)
    windows = training_windows(sequences, config.max_len, config.windows_per_user)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate,
                                 weight_decay=config.weight_decay)
    history, best, best_state, stale = [], None, None, 0
    for epoch in range(1, (epochs or config.epochs) + 1):
        started, total, n_batches = time.perf_counter(), 0.0, 0
        model.train()
        order = generator.permutation(len(windows))
        steps = range(0, len(order), config.batch_size)
        bar = tqdm(steps, desc=f"sasrec epoch {epoch}", leave=False, disable=not progress)
        for start in bar:
            inputs, targets = window_batch(model, [windows[i] for i in
                                                   order[start:start + config.batch_size]])
            if not (targets > 0).any():
                continue
            loss = window_loss(model, inputs, targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total, n_batches = total + float(loss.detach()), n_batches + 1
            bar.set_postfix(loss=f"{total / n_batches:.3f}", refresh=False)
        record = {"epoch": epoch, "train_loss": round(total / max(n_batches, 1), 4)}
        if validate is not None:
            record["valid_ndcg@10"] = round(float(validate(model)), 4)
        record["seconds"] = round(time.perf_counter() - started, 1)
        history.append(record)
        log("sasrec " + " ".join(f"{k}={v}" for k, v in record.items()))
        if validate is None:
            continue
        if best is None or record["valid_ndcg@10"] > best:
            best, best_state, stale = record["valid_ndcg@10"], copy.deepcopy(model.state_dict()), 0
        else:
            stale += 1
            if stale >= config.patience:
                log(f"sasrec early stop after epoch {epoch} (best NDCG@10 {best})")
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    if checkpoint is not None:
        save_checkpoint(checkpoint, model, history)
    return model, history


def best_epoch(history: list[dict]) -> int:
    """The epoch with the best validation NDCG@10 (the first one on ties)."""
    return max(history, key=lambda r: (r.get("valid_ndcg@10", 0.0), -r["epoch"]))["epoch"]
