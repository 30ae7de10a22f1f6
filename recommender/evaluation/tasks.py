"""`convrec evaluate tasks`: AUC and logloss per task on held-out lists, for single-task models,
MMoE and PLE trained in one run on the same examples, with the same seeds and early stopping.

The examples are the ones `convrec train` built (examples.npz beside the model): lists of users
and conversations split by a hash of the user / conversation id into train / valid / test, so the
test lists come from people and dialogues the models never fitted on. For each seed:

- single-task: the same MMoE code and settings with one task (one gate, one tower), one model
  per task;
- mmoe: MMoE (Ma et al., KDD 2018) on all tasks, the configured shape;
- ple: PLE (Tang et al., RecSys 2020) on all tasks, the configured `ple_*` shape;

each trained on the train lists with early stopping on the valid lists' mean AUC (the settings of
the model card, its seed replaced). The trained ranker is known to move with its seed, so every
number is a mean ± sd over seeds; `best_on_valid` names the model with the best mean valid AUC
over tasks (the choice that does not look at the test lists). Also reported: the deployed
checkpoint itself (one number), the linear first-pass score's AUC (the v1 ranker; no
probability, so no logloss) and, for `accept`, each source (simulated conversations, ReDial
dialogues) apart.

AUC pools every labelled example of a task; "group AUC" averages the AUC inside each list (what
a ranker of one list cares about; lists with one class only are skipped).
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from recommender.evaluation import metrics
from recommender.models.multitask import load_checkpoint
from recommender.models.tasks import TASKS
from recommender.serving.mmoe_ranker import CARD_FILE, MODEL_FILE, ranker_dir
from recommender.serving.ranker import DEFAULT_WEIGHTS, FEATURES
from recommender.training.examples import SOURCES, SPLITS
from recommender.training.incremental import examples_folder
from recommender.training.mmoe_loop import TaskData, predict
from recommender.training.ranker import EXAMPLES_FILE
from recommender.training.ranker_config import RankerTrainingConfig
from recommender.training.ranker_mmoe import fit_mmoe, task_data

MODELS = ("single_task", "mmoe", "ple")  # trained per seed in this run
Log = Callable[[str], None]


def group_auc(labels: np.ndarray, scores: np.ndarray, groups: np.ndarray) -> float:
    """Mean AUC within groups that hold both classes (NaN when none does)."""
    values = []
    order = np.argsort(groups, kind="stable")
    labels, scores, groups = labels[order], scores[order], groups[order]
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    for start, end in zip(starts, np.r_[starts[1:], len(groups)]):
        y = labels[start:end]
        if 0 < y.sum() < len(y):
            values.append(metrics.auc(y, scores[start:end]))
    return float(np.mean(values)) if values else float("nan")


def scores_report(labels: np.ndarray, scores: np.ndarray, groups: np.ndarray,
                  probabilities: bool = True) -> dict:
    out = {"auc": round(metrics.auc(labels, scores), 4),
           "group_auc": round(group_auc(labels, scores, groups), 4),
           "n": int(len(labels)), "positives": int(labels.sum())}
    if probabilities:
        out["logloss"] = round(metrics.logloss(labels, scores), 4)
    return out


def mean_sd(reports: list[dict]) -> dict:
    """Reports of one model over seeds → each number's mean and (n − 1) standard deviation
    (`<key>_sd`, 0 for one seed); counts (n, positives) are the same in every seed."""
    out: dict = {"seeds": len(reports)}
    for key in reports[0]:
        values = np.array([r[key] for r in reports], dtype=float)
        if key in ("n", "positives"):
            out[key] = int(values[0])
            continue
        out[key] = round(float(values.mean()), 4)
        out[f"{key}_sd"] = round(float(values.std(ddof=1)) if len(values) > 1 else 0.0, 4)
    return out


def _predictions(arrays: dict[str, np.ndarray], settings: RankerTrainingConfig, n_items: int,
                 data: dict[str, TaskData], log: Log, progress: bool
                 ) -> tuple[dict[str, dict[str, dict[str, np.ndarray]]], dict[str, int]]:
    """{model: {split: {task: probabilities [b]}}} and each model's best epoch, for one seed."""
    out: dict = {model: {split: {} for split in data} for model in MODELS}
    epochs: dict[str, int] = {}
    runs = [("single_task", "mmoe", (task,)) for task in TASKS] + [
        ("mmoe", "mmoe", TASKS), ("ple", "ple", TASKS)]
    for model_name, architecture, tasks in runs:
        started = time.perf_counter()
        log(f"tasks: seed {settings.seed}: {model_name} ({architecture}) on {', '.join(tasks)} ...")
        model, history = fit_mmoe(arrays, dataclasses.replace(settings, architecture=architecture),
                                  n_items, tasks, None, log, progress)
        for split, split_data in data.items():
            out[model_name][split].update(predict(model, split_data.dense, split_data.item_ids))
        best = max(history, key=lambda r: r.get("valid_metric", 0))["epoch"] if history else 0
        epochs[model_name if len(tasks) > 1 else f"{model_name}/{tasks[0]}"] = best
        log(f"tasks: seed {settings.seed}: {model_name} on {', '.join(tasks)}: best epoch {best}, "
            f"{time.perf_counter() - started:.0f} s")
    return out, epochs


def evaluate_tasks(models_dir: Path, recommender_config, out_dir: Path, log: Log = print,
                   progress: bool = True, seeds: int = 3) -> dict:
    """Train single-task, MMoE and PLE models `seeds` times (the card's seed, + 1, ...) on the
    examples of the ranker in `models_dir`; write tasks.json and tasks.png to `out_dir`."""
    started = time.perf_counter()
    folder = ranker_dir(models_dir)
    for name in (MODEL_FILE, CARD_FILE):
        if not (folder / name).exists():
            raise FileNotFoundError(f"{folder / name} is missing: set recommender.ranker: mmoe "
                                    "and run `convrec train`")
    card = json.loads((folder / CARD_FILE).read_text())
    # an incremental version keeps no lists of its own: those of the full training it came from
    examples = examples_folder(folder, card)
    if examples is None:
        raise FileNotFoundError(f"no {EXAMPLES_FILE} for {folder} (nor the full training its card "
                                "names): run `convrec train --force`")
    known = {f.name for f in dataclasses.fields(RankerTrainingConfig)}
    settings = RankerTrainingConfig(**{k: v for k, v in card["settings"].items() if k in known})
    arrays = dict(np.load(examples / EXAMPLES_FILE))
    data = {split: task_data(arrays, split) for split in ("valid", "test")}
    test = data["test"]
    is_test = arrays["split"] == SPLITS.index("test")
    groups, sources = arrays["group"][is_test], arrays["source"][is_test]
    log(f"tasks: {len(np.unique(groups))} test lists from {examples / EXAMPLES_FILE}; "
        f"{seeds} seed(s) × (single-task per task, MMoE, PLE)")

    deployed, _ = load_checkpoint(folder / MODEL_FILE)
    deployed_p = predict(deployed, test.dense, test.item_ids)
    linear = arrays["dense"][is_test][:, :len(FEATURES)] @ np.array(
        [{**DEFAULT_WEIGHTS, **recommender_config.weights}[f] for f in FEATURES])  # [b]

    runs, epochs = [], []
    for seed in range(settings.seed, settings.seed + seeds):
        predictions, best = _predictions(arrays, dataclasses.replace(settings, seed=seed),
                                         int(card["n_items"]), data, log, progress)
        runs.append(predictions)
        epochs.append(best)

    result: dict = {"n_test_lists": int(len(np.unique(groups))),
                    "seeds": list(range(settings.seed, settings.seed + seeds)),
                    "deployed_architecture": deployed.architecture,
                    "ple_shape": {"levels": settings.ple_levels,
                                  "task_experts": settings.ple_task_experts,
                                  "shared_experts": settings.ple_shared_experts},
                    "tasks": {}, "best_epochs": epochs}
    valid_auc: dict[str, list[list[float]]] = {model: [] for model in MODELS}
    for t, task in enumerate(TASKS):
        is_known = test.mask[:, t].numpy() > 0
        if not is_known.any():
            continue
        labels = test.labels[:, t].numpy()
        entry: dict = {model: mean_sd([scores_report(labels[is_known], run[model]["test"][task][
            is_known], groups[is_known]) for run in runs]) for model in MODELS}
        entry["deployed"] = scores_report(labels[is_known], deployed_p[task][is_known],
                                          groups[is_known])
        entry["linear_first_pass"] = scores_report(labels[is_known], linear[is_known],
                                                   groups[is_known], False)
        entry["winner"] = max(MODELS, key=lambda m: entry[m]["auc"])
        if task == "accept":
            entry["by_source"] = {}
            for k, source in enumerate(SOURCES):
                where = is_known & (sources == k)
                if where.any():
                    entry["by_source"][source] = {model: mean_sd([scores_report(
                        labels[where], run[model]["test"][task][where], groups[where])
                        for run in runs]) for model in MODELS}
        result["tasks"][task] = entry
        valid = data["valid"]
        valid_known = valid.mask[:, t].numpy() > 0
        if valid_known.any():
            for model in MODELS:
                values = [metrics.auc(valid.labels[:, t].numpy()[valid_known],
                                      run[model]["valid"][task][valid_known]) for run in runs]
                valid_auc[model].append(values)
                spread = mean_sd([{"valid_auc": v} for v in values])
                entry[model].update(valid_auc=spread["valid_auc"],
                                    valid_auc_sd=spread["valid_auc_sd"])
    result["mean_auc_over_tasks"] = {
        model: {"valid": round(float(np.mean(valid_auc[model])), 4),
                "test": round(float(np.mean([result["tasks"][t][model]["auc"]
                                             for t in result["tasks"]])), 4)}
        for model in MODELS}
    result["best_on_valid"] = max(MODELS, key=lambda m: result["mean_auc_over_tasks"][m]["valid"])
    result["seconds"] = round(time.perf_counter() - started, 1)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "tasks.json").write_text(json.dumps(result, indent=2))
    plot_tasks(result, out_dir / "tasks.png")
    log("tasks: test AUC mean ± sd over seeds: " + "; ".join(
        f"{task} " + ", ".join(f"{m} {e[m]['auc']:.3f}±{e[m]['auc_sd']:.3f}" for m in MODELS)
        for task, e in result["tasks"].items()))
    log(f"tasks: best mean valid AUC: {result['best_on_valid']}; report {out_dir / 'tasks.json'}, "
        f"plot {out_dir / 'tasks.png'}")
    return result


def plot_tasks(result: dict, path: Path) -> None:
    import matplotlib  # heavy: matplotlib, only for the report's plot

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # heavy: matplotlib

    tasks = list(result["tasks"])
    models = (*MODELS, "linear_first_pass")
    width = 0.8 / len(models)
    figure, axes = plt.subplots(1, 3, figsize=(14, 4))
    for axis, metric in zip(axes, ("auc", "group_auc", "logloss")):
        x = np.arange(len(tasks))
        for i, model in enumerate(models):
            values = [result["tasks"][t][model].get(metric, np.nan) for t in tasks]
            errors = [result["tasks"][t][model].get(f"{metric}_sd", 0.0) for t in tasks]
            axis.bar(x + (i - (len(models) - 1) / 2) * width, values, width, yerr=errors,
                     capsize=2, label=model)
        axis.set_xticks(x, tasks)
        axis.set_title(f"held-out {metric}, mean ± sd over {len(result['seeds'])} seeds"
                       + (" (lower is better)" if metric == "logloss" else ""), fontsize=9)
        axis.grid(axis="y", alpha=0.3)
        if metric != "logloss":
            axis.set_ylim(0.4, 1.0)
    axes[0].legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
