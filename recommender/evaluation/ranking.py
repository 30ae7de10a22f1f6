"""`convrec evaluate ranking`: leave-one-out by time, FULL ranking, every baseline and convrec's
ranker in the same run.

Protocol (see `recommender/data/splits.py`, `recommender/evaluation/full_ranking.py`): each user
with ≥ 3 interactions holds out the last item (test) and the one before it (validation); models
rank ALL items with the user's training items removed; HR@10 and NDCG@10 on the test items.

Order of work, each step leak-free:
1. valid stage: fit popularity, ItemKNN, EASE, SASRec (and content-only) on histories without the
   last two items; tune ItemKNN k / EASE λ / SASRec epochs on the validation items;
2. extra stage(s): refit the base models without each user's last 3 (4, ...) items, with step
   1's choices, to get more training lists whose targets all come before the validation item;
3. train convrec's ranker (MMoE over the base models' candidates and features,
   `recommender/evaluation/behavior_ranker.py`) on those lists and on the validation items of
   most users, early-stopped on the other users' validation items;
4. test stage: refit every base model on histories without the last item, with step 1's choices;
5. score the test items with every base model and with convrec's ranker over the test-stage
   candidates; write JSON + a PNG bar plot.
"""

from __future__ import annotations

import json
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from recommender.data.datasets import Interactions, load_dataset, load_domain
from recommender.data.item_vectors import cached_text_vectors
from recommender.data.splits import hold_out_from_end, leave_one_out
from recommender.evaluation.base_models import BaseModels, BaseSettings
from recommender.evaluation.behavior_ranker import (
    CandidateLists,
    candidate_lists,
    labels_for,
    ranks_in_lists,
    task_data,
    text_pca,
)
from recommender.evaluation.full_ranking import summary
from recommender.evaluation.metrics import ndcg_at_k, ndcg_per_query
from recommender.models.mmoe import MMoE, MMoEConfig, save_checkpoint
from recommender.models.sasrec import SASRecConfig
from recommender.training.mmoe_loop import TaskData, TrainConfig, mix_scores, predict, train_mmoe

BASELINES = ("popularity", "itemknn", "ease", "sasrec")
DEFAULT_TASK_WEIGHTS = {"interact": 1.0, "like": 0.2, "accept": 1.0}


@dataclass(frozen=True)
class RankingSettings:
    base: BaseSettings = BaseSettings()
    per_model: int = 50  # candidates from each base model's top list
    text_dims: int = 16  # PCA components of the item text vector
    # n_dense / n_items filled at run time; dropout 0.3 + weight decay 1e-4 chosen by 5-fold
    # cross-validation over movielens-small's validation-stage lists (never the test items);
    # id_dim 16: the setting the reported numbers were measured with (MMoEConfig's default, 4,
    # is the chat ranker's)
    mmoe: MMoEConfig = MMoEConfig(n_dense=0, n_items=0, dropout=0.3, id_dim=16)
    train: TrainConfig = TrainConfig(epochs=40, batch_size=4096, learning_rate=2e-3,
                                     weight_decay=1e-4, patience=5, listwise_tasks=("interact",))
    extra_stages: int = 1  # earlier hold-outs (3rd-to-last item, ...) adding training lists
    ranker_users: int = 6000  # validation-stage users (seeded sample) the ranker learns from
    early_stop_share: float = 0.15  # of those, held out for early stopping
    batch_users: int = 256  # users per candidate batch
    task_weights: dict = field(default_factory=lambda: dict(DEFAULT_TASK_WEIGHTS))


# chosen on movielens-small validation NDCG@10 (1 window/user: 0.048; 3 windows: 0.062-0.063)
SASREC = SASRecConfig(batch_size=64, learning_rate=3e-3, dropout=0.3, windows_per_user=3,
                      epochs=40, patience=3)
LARGE_CATALOG = 50_000  # items: above this, a domain is evaluated with Book-Crossing's settings

DATASET_SETTINGS = {
    "movielens-small": RankingSettings(base=BaseSettings(sasrec=SASREC)),
    "ml-100k": RankingSettings(base=BaseSettings(sasrec=SASREC)),
    # 340k ISBNs: EASE's item × item inverse and SASRec's full softmax only over the ISBNs with
    # ≥ 20 training interactions (7.5k items, a third of the interactions); the order within a
    # user is random there, so SASRec reads 20 items with d = 32 (a 2-core budget)
    "book-crossing": RankingSettings(
        base=BaseSettings(min_item_count=20, ease_lambdas=(50.0, 200.0, 1000.0),
                          tune_users=3000,
                          sasrec=replace(SASREC, batch_size=256, epochs=10, patience=2,
                                         max_len=20, hidden=32, windows_per_user=1)),
        ranker_users=8000, batch_users=128, extra_stages=0),
}


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def collect(base: BaseModels, users: np.ndarray, settings: RankingSettings,
            item_text: np.ndarray | None) -> CandidateLists:
    parts = [candidate_lists(base, users[s:s + settings.batch_users], settings.per_model,
                             item_text)
             for s in range(0, len(users), settings.batch_users)]
    return CandidateLists(np.concatenate([p.users for p in parts]),
                          np.concatenate([p.items for p in parts]),
                          np.concatenate([p.dense for p in parts]), parts[0].feature_names)


def stage_labels(stage) -> tuple[dict, dict]:
    """{user: held-out item}, {user: 1.0/0.0 liked} (explicit ratings only)."""
    data = stage.data
    target_of = dict(zip(stage.users.tolist(), stage.targets.tolist()))
    liked = data.liked()[stage.target_rows]
    explicit = data.explicit[stage.target_rows]
    liked_of = {int(u): float(v) for u, v, e in zip(stage.users, liked, explicit) if e}
    return target_of, liked_of


def stage_task_data(base: BaseModels, users: np.ndarray, settings: RankingSettings, item_text,
                    group_offset: int) -> tuple[CandidateLists, TaskData]:
    """Candidate lists of `users` in `base`'s stage with their labels; list ids shifted by
    `group_offset` so lists of one user from different stages stay separate softmax groups."""
    lists = collect(base, users, settings, item_text)
    data = task_data(lists, *labels_for(lists, *stage_labels(base.stage), settings.mmoe.tasks))
    data.groups = data.groups + group_offset
    return lists, data


def concat_task_data(parts: list[TaskData]) -> TaskData:
    return TaskData(*(torch.cat([getattr(p, name) for p in parts])
                      for name in ("dense", "item_ids", "labels", "mask", "groups")))


def train_ranker(base: BaseModels, extra: list[BaseModels], settings: RankingSettings,
                 item_text, checkpoint_dir: Path, log, progress: bool) -> tuple[MMoE, dict]:
    """Train on the validation items of most users (plus, from `extra` stages, each user's
    earlier held-out items); early-stop on the validation items of the other users."""
    stage = base.stage
    rng = np.random.default_rng(settings.base.seed)
    chosen = rng.permutation(stage.users)[:settings.ranker_users]  # [r]
    n_stop = max(1, int(len(chosen) * settings.early_stop_share))
    stop_users, train_users = np.sort(chosen[:n_stop]), np.sort(chosen[n_stop:])
    target_of, _ = stage_labels(stage)
    train_lists, train = stage_task_data(base, train_users, settings, item_text, 0)
    stop_lists, stop = stage_task_data(base, stop_users, settings, item_text, 0)
    interact = settings.mmoe.tasks.index("interact")
    in_lists = float(train.labels[:, interact].sum()) / len(train_users)
    parts, n_lists = [train], len(train_users)
    for index, extra_base in enumerate(extra, start=1):
        # earlier hold-outs: every chosen user (stop users too: a different, earlier item)
        users = np.intersect1d(extra_base.stage.users, chosen)
        parts.append(stage_task_data(extra_base, users, settings, item_text,
                                     index * stage.data.n_users)[1])
        n_lists += len(users)
    train = concat_task_data(parts)
    log(f"ranker: {n_lists} training lists ({len(train):,} rows, "
        f"{len(train_lists.feature_names)} features; validation item among the candidates for "
        f"{100 * in_lists:.1f} %), {len(stop_users)} early-stopping lists")
    model = MMoE(replace(settings.mmoe, n_dense=train.dense.shape[1],
                         n_items=stage.data.n_items))

    def validate(model: MMoE) -> float:
        probabilities = predict(model, stop.dense, stop.item_ids)
        scores = mix_scores(probabilities, settings.task_weights, model.trained_tasks)
        _, ranks = ranks_in_lists(stop_lists, scores, target_of, stage.data.n_items)
        return ndcg_at_k(ranks, 10)

    history = train_mmoe(model, train, None, settings.train, validate=validate, log=log,
                         progress=progress)
    save_checkpoint(checkpoint_dir / "convrec-ranker.pt", model,
                    {"features": train_lists.feature_names, "history": history})
    info = {"training_lists": n_lists, "early_stopping_lists": len(stop_users),
            "extra_stages": len(extra),
            "features": len(train_lists.feature_names), "epochs": len(history),
            "best_valid_ndcg@10": round(max(h["valid_metric"] for h in history), 4),
            "validation_item_in_candidates": round(in_lists, 4)}
    return model, info


def score_test_stage(model: MMoE, base: BaseModels, settings: RankingSettings, item_text,
                     progress: bool = True) -> tuple[dict[str, np.ndarray], np.ndarray, float]:
    """One pass over the test users, each base model scoring every item once: ({model: [m]
    full-ranking ranks} for every base model and for convrec (mixed score), [m] ranks by the
    interact head alone, share of test items among the candidates)."""
    stage = base.stage
    target_of, _ = stage_labels(stage)
    ranks: dict[str, list[np.ndarray]] = {}
    interact, found = [], 0
    bar = tqdm(range(0, len(stage.users), settings.batch_users), desc="test users",
               leave=False, disable=not progress)
    for start in bar:
        users = stage.users[start:start + settings.batch_users]
        lists = candidate_lists(base, users, settings.per_model, item_text,
                                stage.targets[start:start + settings.batch_users])
        probabilities = predict(model, torch.from_numpy(lists.dense),
                                torch.from_numpy(lists.items + 1))
        mixed = mix_scores(probabilities, settings.task_weights, model.trained_tasks)
        listed, convrec = ranks_in_lists(lists, mixed, target_of, stage.data.n_items)
        if not np.array_equal(listed, users):
            raise RuntimeError("candidate lists lost a user")  # would bias the comparison
        interact.append(ranks_in_lists(lists, probabilities["interact"], target_of,
                                       stage.data.n_items)[1])
        found += int((convrec < stage.data.n_items).sum())
        for name, value in {**lists.model_ranks, "convrec": convrec}.items():
            ranks.setdefault(name, []).append(value)
    return ({name: np.concatenate(parts) for name, parts in ranks.items()},
            np.concatenate(interact), found / max(len(stage.users), 1))


def paired_difference(a: np.ndarray, b: np.ndarray) -> dict:
    """Mean NDCG@10 difference a − b over the same users, with its standard error."""
    diff = ndcg_per_query(a, 10) - ndcg_per_query(b, 10)  # [m]
    return {"mean": round(float(diff.mean()), 4),
            "se": round(float(diff.std(ddof=1) / np.sqrt(len(diff))), 4)}


def evaluate_ranking(data: Interactions, settings: RankingSettings, out_dir: Path,
                     item_vectors: np.ndarray | None = None,
                     log: Callable[[str], None] = print, progress: bool = True) -> dict:
    """Run the whole protocol on `data`; write JSON + PNG into `out_dir`; return the result."""
    started = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    checkpoint_dir = out_dir / "checkpoints" / data.name
    item_text = text_pca(item_vectors, settings.text_dims) if item_vectors is not None else None

    # Leak-freedom: the valid stage never sees a validation or test item in training; the
    # ranker learns from validation items only; the test stage never trains on a test item and
    # reuses every choice made on validation (k, λ, epochs, the ranker's weights) unchanged.
    log("valid stage: fitting base models on histories without the last two items")
    base = BaseModels(leave_one_out(data, "valid"), settings.base, item_vectors=item_vectors,
                      checkpoint_dir=checkpoint_dir, log=log, progress=progress)
    tuned, valid_seconds = base.tuned, dict(base.seconds)
    extra = []
    for position in range(3, 3 + settings.extra_stages):
        log(f"extra stage: refitting base models without each user's last {position} items "
            "(more training lists for the ranker; targets before the validation item)")
        extra.append(BaseModels(hold_out_from_end(data, position), settings.base, tuned=tuned,
                                item_vectors=item_vectors, log=log, progress=progress))
    model, ranker_info = train_ranker(base, extra, settings, item_text, checkpoint_dir, log,
                                      progress)
    del base, extra  # free the earlier stages' models before the refit (Book-Crossing memory)

    log("test stage: refitting base models on histories without the last item")
    # the ranker is frozen here; test items are only ever scored, never fitted or tuned on
    base = BaseModels(leave_one_out(data, "test"), settings.base, tuned=tuned,
                      item_vectors=item_vectors, checkpoint_dir=checkpoint_dir, log=log,
                      progress=progress)
    stage = base.stage
    ranks, interact_ranks, recall = score_test_stage(model, base, settings, item_text,
                                                       progress)
    for name, value in ranks.items():
        log(f"{name}: {summary(value)}")
    convrec_ranks = ranks["convrec"]

    best = max(BASELINES, key=lambda n: summary(ranks[n])["ndcg@10"])
    result = {
        "dataset": data.name, "n_users": int(data.n_users), "n_items": int(data.n_items),
        "models": {name: summary(ranks[name]) for name in ("convrec",) + BASELINES},
        "other_models": ({"content": summary(ranks["content"])} if "content" in ranks else {}),
        "convrec_interact_head_only": summary(interact_ranks),
        "convrec_minus_best_baseline_ndcg@10": {"baseline": best,
                                                **paired_difference(convrec_ranks, ranks[best])},
        "n_evaluated_users": int(len(stage.users)), "n_interactions": int(len(data.users)),
        "protocol": "leave-one-out by time (ordering: " + data.ordering + "), full ranking over "
                    "all items, seen items removed, ties against the target",
        "tuned": {"itemknn_k": tuned.itemknn_k, "ease_lambda": tuned.ease_lambda,
                  "sasrec_epochs": tuned.sasrec_epochs, "valid_ndcg@10": tuned.valid_ndcg},
        "restricted_item_set": restricted_items(base, settings),
        "ranker": {**ranker_info, "test_item_in_candidates": round(recall, 4),
                   "candidates_per_model": settings.per_model,
                   "task_weights": settings.task_weights,
                   "trained_tasks": list(model.trained_tasks)},
        "fit_seconds": {"valid": valid_seconds, "test": base.seconds},
        "notes": data.notes, "sources": data.sources,
        "seconds": round(time.perf_counter() - started, 1), "peak_rss_mb": peak_rss_mb(),
        "torch_threads": torch.get_num_threads(),
    }
    write_report(result, out_dir)
    return result


def restricted_items(base: BaseModels, settings: RankingSettings) -> dict:
    """EASE / SASRec item sets when they do not cover the catalog, with what that rules out."""
    kept = len(base.ease.item_set)
    if kept == base.stage.data.n_items or settings.base.min_item_count <= 1:
        return {}
    in_set = np.isin(base.stage.targets, base.ease.item_set)
    share = float(base.train[:, base.ease.item_set].sum() / max(base.train.sum(), 1))
    return {"models": ["ease", "sasrec"], "min_item_count": settings.base.min_item_count,
            "items_kept": kept, "interactions_share": round(share, 4),
            "test_targets_reachable": round(float(in_set.mean()), 4)}


def write_report(result: dict, out_dir: Path) -> None:
    """`ranking-<dataset>.json` and `ranking-<dataset>.png` (HR@10 and NDCG@10 per model)."""
    import matplotlib  # heavy: matplotlib, only for the report's plot

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # heavy: matplotlib

    stem = out_dir / f"ranking-{result['dataset']}"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    models = {**result["models"], **result["other_models"]}
    names = list(models)
    x = np.arange(len(names))
    figure, axis = plt.subplots(figsize=(8, 4))
    for offset, metric in ((-0.2, "hr@10"), (0.2, "ndcg@10")):
        values = [models[n][metric] for n in names]
        bars = axis.bar(x + offset, values, 0.4, label=metric.upper().replace("@", "@"))
        axis.bar_label(bars, fmt="%.3f", fontsize=7)
    axis.set_xticks(x, names)
    axis.set_title(f"{result['dataset']}: leave-one-out, full ranking over "
                   f"{result['n_items']:,} items ({result['n_evaluated_users']:,} users)")
    axis.legend()
    figure.tight_layout()
    figure.savefig(stem.with_suffix(".png"), dpi=120)
    plt.close(figure)


def item_texts(data: Interactions) -> list[str]:
    """What an item is embedded from when the data set has no built catalog: title + genres."""
    return [f"{title}. {', '.join(genres)}." if genres else title
            for title, genres in zip(data.item_titles, data.item_genres)]


def run(dataset: str, movies_dir: Path, artifacts_dir: Path, out_dir: Path,
        encode: Callable[[list[str]], np.ndarray] | None = None,
        task_weights: dict | None = None,
        log: Callable[[str], None] = print, progress: bool = True) -> dict:
    """Load `dataset`, get item text vectors (movielens-small: the catalog's cached vectors;
    ml-100k: titles + genres through the injected `encode`, cached; book-crossing: none, its
    340k titles would take too long to encode on 2 cores, so the ranker uses id embeddings and
    the base models only), run the protocol, return the result. `task_weights` mixes the
    ranker's task heads (config.yml); default DEFAULT_TASK_WEIGHTS."""
    started = time.perf_counter()
    data = load_dataset(dataset, movies_dir, log=log)
    vectors = None
    if dataset == "movielens-small":
        path = movies_dir / "item_vectors.npy"
        vectors = np.load(path) if path.exists() else None
    elif dataset == "ml-100k":
        vectors = cached_text_vectors(item_texts(data), artifacts_dir / dataset, encode, log)
    return _run(data, DATASET_SETTINGS[dataset], vectors, out_dir, task_weights, started, log,
                progress)


def run_domain(folder: Path, name: str, timestamped: bool, out_dir: Path,
               task_weights: dict | None = None,
               log: Callable[[str], None] = print, progress: bool = True) -> dict:
    """The same protocol on a schema domain's build in `folder` (items.jsonl, ratings.npz and,
    when built, item_vectors.npy). A catalog over LARGE_CATALOG items gets Book-Crossing's
    settings (EASE and SASRec over the items with ≥ 20 training interactions)."""
    started = time.perf_counter()
    data = load_domain(folder, name, timestamped)
    log(f"{name}: {len(data.users):,} interactions, {data.n_users:,} users, "
        f"{data.n_items:,} items ({data.ordering})")
    path = Path(folder) / "item_vectors.npy"
    vectors = np.load(path) if path.exists() else None
    if vectors is not None and len(vectors) != data.n_items:
        log(f"{name}: item_vectors.npy has {len(vectors):,} rows for {data.n_items:,} items; "
            f"not used (rebuild with `convrec data build --schema ... --force`)")
        vectors = None
    settings = DATASET_SETTINGS["book-crossing" if data.n_items > LARGE_CATALOG
                                else "movielens-small"]
    return _run(data, settings, vectors, out_dir, task_weights, started, log, progress)


def _run(data: Interactions, settings: RankingSettings, vectors: np.ndarray | None,
         out_dir: Path, task_weights: dict | None, started: float,
         log: Callable[[str], None], progress: bool) -> dict:
    if vectors is None:
        log(f"{data.name}: no item text vectors; the ranker uses id embeddings, no content "
            f"model")
    if task_weights:
        settings = replace(settings, task_weights=dict(task_weights))
    result = evaluate_ranking(data, settings, out_dir, vectors, log, progress)
    result["seconds"] = round(time.perf_counter() - started, 1)  # loading and encoding included
    write_report(result, out_dir)
    return result
