"""`convrec train` for the conversational multi-task ranker: SASRec, the example lists, the MMoE,
checkpoints and a model card. Skipped when up to date (fingerprint of data, code and settings).

Order: hold out each user's future (recommender/training/examples.py) → SASRec on the past
(validation NDCG@10 on the valid users' next item, early stopping) → example lists (histories,
simulated conversations, ReDial-format dialogues when configured and present) → MMoE with
`interact` listwise, `accept` and `like` binary (validation: mean AUC over tasks, early stopping,
a checkpoint per epoch) → test AUC / logloss per task → model card.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from recommender.data.history import BehaviorHistory
from recommender.domain.catalog import Catalog
from recommender.evaluation import metrics
from recommender.models.mmoe import (
    MMoE,
    MMoEConfig,
    TaskData,
    TrainConfig,
    predict,
    save_checkpoint,
    train_mmoe,
)
from recommender.models.tasks import TASKS
from recommender.serving.history_encoder import HistoryEncoder
from recommender.serving.inputs import InputBuilder, InputLayout, fit_text_projection
from recommender.serving.mmoe_ranker import CARD_FILE, MODEL_FILE, PROJECTION_FILE, SASREC_FILE
from recommender.serving.recommend import Recommender, RecommenderConfig
from recommender.training.examples import (
    SPLITS,
    ExampleLists,
    ExampleSettings,
    conversation_lists,
    history_lists,
    hold_out_future,
    ranker_users,
    split_of,
)

CODE_VERSION = "3"  # bump when example building or training changes meaning
EXAMPLES_FILE = "examples.npz"
# `interact` is a softmax over each list (the next item is one of them); `accept` and `like` are
# binary: measured on held-out lists, listwise `accept` ranked a list no better and gave scores
# that do not compare across lists (pooled AUC 0.68 vs 0.75 binary).
LISTWISE = ("interact",)
Log = Callable[[str], None]


MMOE_DEFAULTS = MMoEConfig(n_dense=0, n_items=0)


@dataclass(frozen=True)
class RankerTrainingConfig:
    """config.yml `recommender.training` (every key optional)."""

    seed: int = 7
    # examples (recommender/training/examples.py)
    n_future: int = 5
    conversations_per_user: int = 2
    turns: int = 3
    shown: int = 3
    sampled: int = 20
    max_users: int = 0  # 0 = all users
    text_dims: int = 16  # item text / interest vectors reduced to their top principal directions
    history_dims: int = 8  # SASRec's history representation, reduced the same way
    # ReDial-format dialogues for `accept` lists (train_data.jsonl + movies_with_mentions.csv);
    # relative to config.yml's folder; skipped with a log line when absent
    dialogues: str = ""
    # SASRec (recommender/models/sasrec.py)
    sasrec: bool = True
    sasrec_hidden: int = 64
    sasrec_epochs: int = 15
    sasrec_patience: int = 2
    sasrec_min_count: int = 3  # items rated fewer times in the past are no SASRec target
    # MMoE (recommender/models/mmoe.py)
    epochs: int = 20
    patience: int = 3
    batch_size: int = 1024
    learning_rate: float = 0.003
    # the model's shape: MMoEConfig's defaults (recommender/models/mmoe.py), one copy
    n_experts: int = MMOE_DEFAULTS.n_experts
    expert_hidden: int = MMOE_DEFAULTS.expert_dims[0]
    expert_out: int = MMOE_DEFAULTS.expert_dims[1]
    tower_hidden: int = MMOE_DEFAULTS.tower_dims[0]
    id_dim: int = MMOE_DEFAULTS.id_dim
    id_weight_decay: float = 0.01  # strongly decayed id embeddings: few labels per item
    weight_decay: float = 0.00001
    dropout: float = MMOE_DEFAULTS.dropout


def training_config(raw: dict) -> RankerTrainingConfig:
    """From the config.yml mapping; unknown keys and wrong types raise ValueError."""
    fields = {f.name: f for f in dataclasses.fields(RankerTrainingConfig)}
    defaults = RankerTrainingConfig()
    values = {}
    for key, value in (raw or {}).items():
        if key not in fields:
            raise ValueError(f"{key}: unknown key (known: {', '.join(sorted(fields))})")
        default = getattr(defaults, key)
        kind = type(default)
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value, ok = float(value), True
        if not ok:
            raise ValueError(f"{key}: expected {kind.__name__}, got {value!r}")
        values[key] = value
    return RankerTrainingConfig(**values)


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def fingerprint(catalog: Catalog, item_vectors: np.ndarray, ratings_file: Path,
                config: RankerTrainingConfig, dialogue_files: list[Path]) -> str:
    parts = {
        "code": CODE_VERSION,
        "catalog": catalog.manifest.get("fingerprint", str(len(catalog))),
        "vectors": hashlib.sha256(np.ascontiguousarray(item_vectors[:: max(1, len(item_vectors)
                                                                       // 512)]).tobytes())
        .hexdigest()[:16],
        "ratings": file_digest(ratings_file) if Path(ratings_file).exists() else "",
        "config": asdict(config),
        "dialogues": [file_digest(p) for p in dialogue_files],
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


def is_current(folder: Path, expected: str) -> bool:
    card = Path(folder) / CARD_FILE
    if not (card.exists() and (Path(folder) / MODEL_FILE).exists()):
        return False
    return json.loads(card.read_text()).get("fingerprint") == expected


# ---------------------------------------------------------------- SASRec

def train_history_model(past: BehaviorHistory, future: dict, config: RankerTrainingConfig,
                        folder: Path, log: Log, progress: bool):
    from recommender.models.sasrec import SASRecConfig, train_sasrec

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


# ---------------------------------------------------------------- MMoE

def task_data(arrays: dict[str, np.ndarray], split: str) -> TaskData:
    where = arrays["split"] == SPLITS.index(split)
    return TaskData(torch.as_tensor(arrays["dense"][where]),
                    torch.as_tensor(arrays["item_ids"][where]),
                    torch.as_tensor(arrays["labels"][where]),
                    torch.as_tensor(arrays["mask"][where]),
                    torch.as_tensor(arrays["group"][where]))


def task_metrics(model: MMoE, data: TaskData, tasks: tuple[str, ...] | None = None) -> dict:
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


def mean_auc(model: MMoE, data: TaskData) -> float:
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


def fit_mmoe(arrays: dict[str, np.ndarray], config: RankerTrainingConfig, n_items: int,
             tasks: tuple[str, ...], folder: Path | None, log: Log, progress: bool
             ) -> tuple[MMoE, list[dict]]:
    """Train an MMoE on the train split for `tasks` (one task = a single-task baseline with the
    same inputs and code), early stopping on the valid split's mean AUC."""
    columns = [TASKS.index(t) for t in tasks]
    train, valid = task_data(arrays, "train"), task_data(arrays, "valid")
    train = TaskData(train.dense, train.item_ids, train.labels[:, columns],
                     train.mask[:, columns], train.groups)
    valid = TaskData(valid.dense, valid.item_ids, valid.labels[:, columns],
                     valid.mask[:, columns], valid.groups)
    model = MMoE(mmoe_config(config, train.dense.shape[1], n_items, tasks))
    epoch = [0]

    def validate(m: MMoE) -> float:
        epoch[0] += 1
        if folder is not None:  # a checkpoint per epoch; the best is restored at the end
            save_checkpoint(folder / "checkpoints" / f"mmoe-epoch{epoch[0]:02d}.pt", m)
        return mean_auc(m, valid)

    history = train_mmoe(model, train, valid, TrainConfig(
        epochs=config.epochs, batch_size=config.batch_size, learning_rate=config.learning_rate,
        weight_decay=config.weight_decay, id_weight_decay=config.id_weight_decay,
        patience=config.patience, seed=config.seed,
        listwise_tasks=tuple(t for t in tasks if t in LISTWISE)),
        validate=validate, log=log, progress=progress)
    return model, history


# ---------------------------------------------------------------- the whole run

def data_versions(catalog: Catalog) -> dict:
    manifest = catalog.manifest
    return {"catalog_fingerprint": manifest.get("fingerprint"),
            "built_at": manifest.get("built_at"),
            "sources": [{k: s.get(k) for k in ("key", "package", "version", "sha256")}
                        for s in manifest.get("sources", [])],
            "counts": manifest.get("counts")}


def train_conversational_ranker(*args, **kwargs) -> dict:
    """See `_train`. Runs single-threaded (torch and BLAS): on 2 shared cores, threads fighting
    over small matrices cost far more than they bring, and one thread makes the numbers repeat."""
    from threadpoolctl import threadpool_limits

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
        log: Log = print, progress: bool = True) -> dict:
    """Train SASRec and the MMoE into `folder`; return the model card (also written there)."""
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
                           catalog.years)
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
        "model": "MMoE (Ma et al., KDD 2018) over conversation, SASRec history (Kang & McAuley, "
                 "ICDM 2018), item text and cross features; recommender/serving/mmoe_ranker.py",
        "fingerprint": fingerprint_value,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "n_items": len(catalog),
        "tasks": list(TASKS), "trained_tasks": list(model.trained_tasks),
        "data": data_versions(catalog),
        "dialogues": dialogues,
        "simulated_conversations": simulated,
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


def mixed_auc(model: MMoE, data: TaskData, weights: dict) -> dict:
    """AUC of the configured mix of heads (standardised within each list, as the chat mixes
    them: recommender.serving.mmoe_ranker.mix_heads) against each task's labels."""
    from recommender.serving.mmoe_ranker import head_statistics, mix_heads

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


def example_counts(arrays: dict[str, np.ndarray]) -> dict:
    from recommender.training.examples import SOURCES

    lists, rows = {}, {}
    groups = arrays["group"]
    first = np.r_[True, groups[1:] != groups[:-1]]
    for s, split in enumerate(SPLITS):
        for k, source in enumerate(SOURCES):
            where = (arrays["split"] == s) & (arrays["source"] == k)
            if where.any():
                lists[f"{split}/{source}"] = int((where & first).sum())
                rows[f"{split}/{source}"] = int(where.sum())
    labelled = {task: int(arrays["mask"][:, t].sum()) for t, task in enumerate(TASKS)}
    positives = {task: int((arrays["labels"][:, t] * arrays["mask"][:, t]).sum())
                 for t, task in enumerate(TASKS)}
    return {"lists": lists, "rows": rows, "labelled": labelled, "positives": positives,
            "columns": int(arrays["dense"].shape[1])}
