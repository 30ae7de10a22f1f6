"""`convrec train --incremental`: fine-tune the current ranker on the behavior log's new events.

The current version's multi-task model (MMoE or PLE, whichever its checkpoint holds;
recommender/serving/model_versions.py) is trained further on the `accept` / `interact` / `like`
lists of the events past its high-water mark
(recommender/training/log_examples.py), mixed with a replay sample of the train lists of the
full training it descends from (its examples.npz), so that a few dozen new lists nudge the model
instead of overwriting it. Epochs run until `max_seconds` is spent or `epochs` are done; the
dense-feature scaling and the SASRec history model stay as they were (a full retrain refits
them). The new version gets the base's SASRec, projection and fingerprint, and a card that says
what it was tuned on, its high-water mark, and the held-out AUC before and after.

When the catalog is not the one the base was trained on, there is nothing to fine-tune:
`needs_full_retrain` says why and the caller runs the full training instead.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from recommender.data.behavior_log import LogEvent, summary
from recommender.data.history import BehaviorHistory
from recommender.domain.catalog import Catalog
from recommender.models.multitask import load_checkpoint, save_checkpoint
from recommender.serving.mmoe_ranker import (
    CARD_FILE,
    EVIDENCE_FILE,
    MODEL_FILE,
    PROJECTION_FILE,
    SASREC_FILE,
    load_mmoe_ranker,
)
from recommender.serving.recommend import Recommender, RecommenderConfig
from recommender.training.examples import SPLITS, ExampleLists, ExampleSettings
from recommender.training.log_examples import all_candidates, log_lists
from recommender.training.mmoe_loop import TaskData, _batches, multitask_loss
from recommender.training.ranker import EXAMPLES_FILE
from recommender.training.ranker_config import RankerTrainingConfig
from recommender.training.ranker_mmoe import LISTWISE, mean_auc, task_data

Log = Callable[[str], None]


@dataclasses.dataclass(frozen=True)
class FineTuneSettings:
    max_seconds: float = 60.0  # the whole run's budget; epochs stop when it is spent
    epochs: int = 4
    learning_rate: float = 0.0003
    replay_rows: int = 20_000  # base train rows mixed in (whole lists)
    log_repeats: int = 4  # each log list counts this many times per epoch


def needs_full_retrain(card: dict, catalog: Catalog) -> str | None:
    """Why the base model cannot be fine-tuned for this catalog (None: it can)."""
    base = (card.get("data") or {}).get("catalog_fingerprint")
    if base != catalog.manifest.get("fingerprint"):
        return f"the catalog changed (model: {base}, catalog: " \
               f"{catalog.manifest.get('fingerprint')})"
    if card.get("n_items") != len(catalog):
        return f"the model is for {card.get('n_items')} items, the catalog has {len(catalog)}"
    return None


def examples_folder(base: Path, card: dict) -> Path | None:
    """The folder holding the example lists the base descends from (its own, or its
    ancestor full training's, which the card names)."""
    if (base / EXAMPLES_FILE).exists():
        return base
    named = card.get("examples_from")
    return Path(named) if named and (Path(named) / EXAMPLES_FILE).exists() else None


def replay_sample(arrays: dict[str, np.ndarray], rows: int, seed: int) -> dict[str, np.ndarray]:
    """Whole train lists, drawn at random until about `rows` rows."""
    train = arrays["split"] == SPLITS.index("train")
    groups = np.unique(arrays["group"][train])
    rng = np.random.default_rng(seed)
    order = rng.permutation(groups)
    sizes = np.bincount(arrays["group"][train])[order]
    chosen = order[:int(np.searchsorted(np.cumsum(sizes), rows)) + 1]
    where = train & np.isin(arrays["group"], chosen)
    return {k: v[where] for k, v in arrays.items()}


def _concat(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Example arrays one after another, list ids renumbered so they stay apart."""
    out, offset = [], 0
    for part in parts:
        _, group = np.unique(part["group"], return_inverse=True)
        out.append({**part, "group": group + offset})
        offset += int(group.max()) + 1 if len(group) else 0
    return {k: np.concatenate([p[k] for p in out]) for k in out[0]}


def fine_tune(model, data: TaskData, settings: FineTuneSettings, config: RankerTrainingConfig,
              deadline: float, log: Log, valid: TaskData | None = None) -> list[dict]:
    """Adam on `data` in place, keeping the model's scaling; one record per epoch. With
    `valid`, the weights of the epoch with the best mean AUC there are kept (at least one
    epoch's: the point is to learn from the new events, the base stays a version behind)."""
    torch.manual_seed(config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=settings.learning_rate,
                                 weight_decay=config.weight_decay)
    listwise = tuple(t for t in model.tasks if t in LISTWISE)
    history, best = [], None
    for epoch in range(1, settings.epochs + 1):
        if time.monotonic() >= deadline:
            break
        model.train()
        total, seen = 0.0, 0
        for index in _batches(data, config.batch_size, generator):
            batch = data.take(index)
            loss, _ = multitask_loss(model(batch.dense, batch.item_ids), batch, model.tasks,
                                     listwise)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += float(loss.detach()) * len(index)
            seen += len(index)
            if time.monotonic() >= deadline:
                break
        record = {"epoch": epoch, "train_loss": round(total / max(seen, 1), 5)}
        if valid is not None:
            record["valid_mean_auc"] = round(mean_auc(model, valid), 4)
            if best is None or record["valid_mean_auc"] > best[0]:
                best = (record["valid_mean_auc"], copy.deepcopy(model.state_dict()))
        history.append(record)
        log(f"incremental: {record}")
    if best is not None:
        model.load_state_dict(best[1])
    model.eval()
    return history


def train_incremental(base: Path, out: Path, base_version: str, catalog: Catalog,
                      item_vectors: np.ndarray, history: BehaviorHistory,
                      events: list[LogEvent], recommender_config: RecommenderConfig,
                      config: RankerTrainingConfig, settings: FineTuneSettings,
                      log: Log = print) -> dict | None:
    """Fine-tune the model in `base` on `events` (already past its mark) into `out`; returns
    the new card, or None when the events give no labelled list (nothing written)."""
    started = time.monotonic()
    deadline = started + settings.max_seconds
    card = json.loads((base / CARD_FILE).read_text())
    ranker = load_mmoe_ranker(base, item_vectors, recommender_config.task_weights, catalog.years)
    first_pass = all_candidates(Recommender(catalog, item_vectors, history, recommender_config))
    example_settings = ExampleSettings(config.n_future, config.conversations_per_user,
                                       config.turns, config.shown, config.sampled,
                                       config.max_users, config.seed)
    lists = ExampleLists()
    counts = log_lists(first_pass, ranker.builder, events, example_settings, lists,
                       split="train")
    if not lists.split:
        log(f"incremental: no labelled list in {len(events)} new events; nothing to tune")
        return None
    new = lists.arrays()
    parts = [new] * settings.log_repeats
    source = examples_folder(base, card)
    test = valid = None
    if source is not None:
        base_arrays = dict(np.load(source / EXAMPLES_FILE))
        parts.append(replay_sample(base_arrays, settings.replay_rows, config.seed))
        test, valid = task_data(base_arrays, "test"), task_data(base_arrays, "valid")
    data = _concat(parts)
    model, extra = load_checkpoint(base / MODEL_FILE)
    before = mean_auc(model, test) if test is not None else None
    torch_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        epochs = fine_tune(model, task_data(data, "train"), settings, config, deadline, log,
                           valid)
    finally:
        torch.set_num_threads(torch_threads)
    after = mean_auc(model, test) if test is not None else None
    out.mkdir(parents=True, exist_ok=True)
    save_checkpoint(out / MODEL_FILE, model, extra)
    for name in (PROJECTION_FILE, SASREC_FILE, EVIDENCE_FILE):
        if (base / name).exists():
            shutil.copy2(base / name, out / name)
    marks = summary(events)
    previous_log = card.get("behavior_log") or {}
    card = {**card, "kind": "incremental", "base_version": base_version,
            "examples_from": str(source) if source is not None else None,
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "behavior_log": {**marks, "lists": counts,
                             "earlier": {k: previous_log.get(k) for k in
                                         ("events", "high_water_mark", "newest_time")}},
            "fine_tune": {"epochs": epochs, "rows": int(len(data["dense"])),
                          "log_rows": int(len(new["dense"])),
                          "replay_rows": int(len(data["dense"]) - settings.log_repeats *
                                             len(new["dense"])),
                          "test_mean_auc_before": before, "test_mean_auc_after": after,
                          "seconds": round(time.monotonic() - started, 1),
                          "settings": dataclasses.asdict(settings)}}
    (out / CARD_FILE).write_text(json.dumps(card, indent=2))
    log(f"incremental: {counts['accept_lists']} accept lists, {counts['like_labels']} like "
        f"labels from {len(events)} events; test mean AUC {before} -> {after}; "
        f"{card['fine_tune']['seconds']} s")
    return card
