"""`convrec train` for the conversational multi-task ranker: SASRec, the example lists, the MMoE
or PLE (config.yml `recommender.training.architecture`), checkpoints and a model card. Skipped
when up to date (fingerprint of data, code and settings).

Order: hold out each user's future (recommender/training/examples.py) → SASRec on the past
(validation NDCG@10 on the valid users' next item, early stopping) → example lists (histories,
simulated conversations, ReDial-format dialogues when configured and present) → MMoE / PLE with
`interact` listwise, `accept` and `like` binary (validation: mean AUC over tasks, early stopping,
a checkpoint per epoch) → test AUC / logloss per task → model card.

The settings: `ranker_config.py`; the multi-task step: `ranker_mmoe.py`; the fingerprint and what
the card records of the data and the examples: `ranker_card.py` (all in recommender/training/).
"""

from __future__ import annotations

import dataclasses
import json
import platform
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from recommender.data.behavior_log import LogEvent, summary
from recommender.data.conversation_evidence import CatalogEvidence
from recommender.data.history import BehaviorHistory
from recommender.domain.catalog import Catalog
from recommender.evaluation import metrics
from recommender.models.multitask import save_checkpoint
from recommender.models.sasrec import SASRecConfig
from recommender.models.tasks import TASKS
from recommender.serving.history_encoder import HistoryEncoder
from recommender.serving.inputs import InputBuilder, InputLayout, fit_text_projection
from recommender.serving.mmoe_ranker import (
    CARD_FILE,
    EVIDENCE_FILE,
    MODEL_FILE,
    PROJECTION_FILE,
    SASREC_FILE,
)
from recommender.serving.recommend import Recommender, RecommenderConfig
from recommender.training.examples import (
    ExampleLists,
    ExampleSettings,
    conversation_lists,
    history_lists,
    hold_out_future,
    ranker_users,
    split_of,
)
from recommender.training.log_examples import all_candidates, log_lists
from recommender.training.ranker_card import data_versions, example_counts
from recommender.training.ranker_config import RankerTrainingConfig
from recommender.training.ranker_mmoe import Log, fit_mmoe, mixed_auc, task_data, task_metrics
from recommender.training.sasrec_loop import train_sasrec

EXAMPLES_FILE = "examples.npz"
ARCHITECTURE_NAMES = {"mmoe": "MMoE (Ma et al., KDD 2018)",
                      "ple": "PLE (Tang et al., RecSys 2020)"}


# ---------------------------------------------------------------- SASRec

def train_history_model(past: BehaviorHistory, future: dict, config: RankerTrainingConfig,
                        folder: Path, log: Log, progress: bool):
    users = sorted(past.users, key=lambda u: (len(u), u))
    sequences = [past.user(u).item_rows for u in users]
    valid_users = [u for u in users if u in future and split_of(f"user:{u}") == "valid"]
    n_items = len(past.catalog)

    def validate(model) -> float:
        seqs = [past.user(u).item_rows for u in valid_users]
        scores = model.score(seqs)  # [b, n_items]
        targets = np.array([future[u][0][0] for u in valid_users])
        seen = np.zeros_like(scores, dtype=bool)
        for i, s in enumerate(seqs):
            seen[i, s] = True
        seen[np.arange(len(targets)), targets] = False
        scores[~np.isfinite(scores)] = -1e9
        # NDCG without a cut-off: with ~70 validation users NDCG@10 is 0 for the first epochs
        # and early stopping would stop on a tie at 0
        ranks = metrics.target_ranks(scores, targets, seen)
        return metrics.ndcg_at_k(ranks, len(past.catalog))

    sasrec_config = SASRecConfig(hidden=config.sasrec_hidden, epochs=config.sasrec_epochs,
                                 patience=config.sasrec_patience, seed=config.seed,
                                 min_item_count=config.sasrec_min_count)
    model, history = train_sasrec(sequences, n_items, sasrec_config,
                                  validate=validate if valid_users else None,
                                  checkpoint=folder / SASREC_FILE, log=log, progress=progress)
    return model, history


# ---------------------------------------------------------------- the whole run

def train_conversational_ranker(*args, **kwargs) -> dict:
    """See `_train`. Runs single-threaded (torch and BLAS): on 2 shared cores, threads fighting
    over small matrices cost far more than they bring, and one thread makes the numbers repeat."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            return _train(*args, **kwargs)
    finally:
        torch.set_num_threads(threads)


def _train(
        catalog: Catalog, item_vectors: np.ndarray, history: BehaviorHistory,
        encode: Callable[[list[str]], np.ndarray],
        update_session: Callable, recommender_config: RecommenderConfig,
        config: RankerTrainingConfig, folder: Path, fingerprint_value: str,
        dialogue_lists: Callable[[InputBuilder, ExampleLists], dict] | None = None,
        log: Log = print, progress: bool = True, log_events: list[LogEvent] | None = None,
        log_notes: dict | None = None, conversation_evidence: CatalogEvidence | None = None,
        evidence_source: str = "none") -> dict:
    """Train SASRec and the MMoE into `folder`; return the model card (also written there).
    `log_events`: the behavior log's events (recommender/training/log_examples.py), whose
    `accept` / `interact` / `like` lists join the others; `log_notes`: more for the card's
    `behavior_log` (e.g. how many accepted items extended `history`);
    `conversation_evidence`: the dialogue columns of catalog candidates (saved beside the
    model: the chat reads the same table)."""
    started = time.perf_counter()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(config.seed)
    seconds: dict[str, float] = {}

    past, future = hold_out_future(history, config.n_future)
    history_encoder, sasrec_history = None, []
    if config.sasrec:
        t = time.perf_counter()
        log(f"ranker: SASRec on {len(past.users)} users' past ratings ...")
        sasrec, sasrec_history = train_history_model(past, future, config, folder, log, progress)
        history_encoder = HistoryEncoder(sasrec)
        seconds["sasrec"] = round(time.perf_counter() - t, 1)

    projection = fit_text_projection(item_vectors, config.text_dims)
    history_projection = (fit_text_projection(history_encoder.vocabulary_embeddings(),
                                              config.history_dims) if history_encoder else None)
    np.savez(folder / PROJECTION_FILE, mean=projection.mean, basis=projection.basis,
             **({"history_mean": history_projection.mean,
                 "history_basis": history_projection.basis} if history_projection else {}))
    layout = InputLayout(config.text_dims, config.history_dims if history_encoder else 0)
    builder = InputBuilder(layout, projection, item_vectors, history_encoder, history_projection,
                           catalog.years, conversation_evidence)
    if conversation_evidence is not None:
        conversation_evidence.save(folder / EVIDENCE_FILE)
    first_pass = Recommender(catalog, item_vectors, past, dataclasses.replace(
        recommender_config, ranker="linear"))

    t = time.perf_counter()
    settings = ExampleSettings(config.n_future, config.conversations_per_user, config.turns,
                               config.shown, config.sampled, config.max_users, config.seed)
    users = ranker_users(future, settings)
    lists = ExampleLists()
    history_lists(first_pass, builder, future, users, settings, lists, progress)
    simulated = conversation_lists(first_pass, builder, future, users, encode, update_session,
                                   settings, lists, log, progress)
    dialogues = dialogue_lists(builder, lists) if dialogue_lists is not None else None
    behavior = {**summary(log_events or []), **(log_notes or {})}
    if log_events:
        behavior["lists"] = log_lists(all_candidates(first_pass), builder, log_events, settings,
                                      lists)
        log("ranker: behavior log " + json.dumps(behavior["lists"]))
    arrays = lists.arrays()
    np.savez_compressed(folder / EXAMPLES_FILE, **arrays)
    seconds["examples"] = round(time.perf_counter() - t, 1)
    counts = example_counts(arrays)
    log("ranker: examples " + json.dumps(counts["lists"]))

    t = time.perf_counter()
    model, mmoe_history = fit_mmoe(arrays, config, len(catalog), TASKS, folder, log, progress)
    seconds["mmoe"] = round(time.perf_counter() - t, 1)
    test = task_data(arrays, "test")
    test_metrics = task_metrics(model, test)
    extra = {"text_dims": layout.text_dims, "history_dims": layout.history_dims,
             "fingerprint": fingerprint_value, "columns": layout.width}
    save_checkpoint(folder / MODEL_FILE, model, extra)
    seconds["total"] = round(time.perf_counter() - started, 1)
    card = {
        "model": f"{ARCHITECTURE_NAMES[model.architecture]} over conversation, SASRec history "
                 "(Kang & McAuley, ICDM 2018), item text and cross features; "
                 "recommender/serving/mmoe_ranker.py",
        "architecture": model.architecture,
        "fingerprint": fingerprint_value,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "n_items": len(catalog),
        "tasks": list(TASKS), "trained_tasks": list(model.trained_tasks),
        "data": data_versions(catalog),
        "dialogues": dialogues,
        "conversation_evidence": {"built_from": evidence_source,
                                  **(conversation_evidence.meta if conversation_evidence
                                     is not None else {})},
        "simulated_conversations": simulated,
        "behavior_log": behavior,
        "kind": "full",
        "examples": counts,
        "settings": asdict(config),
        "input_columns": layout.width,
        "sasrec": {"history": sasrec_history},
        "mmoe": {"history": mmoe_history,
                 "best_epoch": max(mmoe_history, key=lambda r: r.get("valid_metric", 0))["epoch"]
                 if mmoe_history else None},
        "metrics": {"test": test_metrics,
                    "test_mixed_auc": mixed_auc(model, test,
                                                recommender_config.task_weights)},
        "training_seconds": seconds,
        "machine": f"{platform.machine()}, {torch.get_num_threads()} torch threads, "
                   f"torch {torch.__version__}",
    }
    (folder / CARD_FILE).write_text(json.dumps(card, indent=2))
    log(f"ranker: trained in {seconds['total']:.0f} s; test " + json.dumps(
        {task: v["auc"] for task, v in test_metrics.items()}) + f"; card {folder / CARD_FILE}")
    return card
