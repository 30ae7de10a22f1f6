"""`convrec evaluate tasks`: AUC and logloss per task on held-out lists, for the trained
multi-task ranker against single-task models with the same inputs.

The examples are the ones `convrec train` built (examples.npz beside the model): lists of users
and conversations split by a hash of the user / conversation id into train / valid / test, so the
test lists come from people and dialogues the models never fitted on. Each single-task model is
the same MMoE code and settings with one task (one gate, one tower), trained on the same train
lists with early stopping on the same valid lists. Also reported: the linear first-pass score's
AUC (the v1 ranker; it is no probability, so no logloss) and, for `accept`, each source
(simulated conversations, ReDial dialogues) apart.

AUC pools every labelled example of a task; "group AUC" averages the AUC inside each list (what
a ranker of one list cares about; lists with one class only are skipped).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from recommender.evaluation import metrics
from recommender.models.mmoe import load_checkpoint
from recommender.models.tasks import TASKS
from recommender.serving.mmoe_ranker import CARD_FILE, MODEL_FILE, ranker_dir
from recommender.serving.ranker import DEFAULT_WEIGHTS, FEATURES
from recommender.training.examples import SOURCES, SPLITS
from recommender.training.incremental import examples_folder
from recommender.training.mmoe_loop import predict
from recommender.training.ranker import EXAMPLES_FILE
from recommender.training.ranker_config import RankerTrainingConfig
from recommender.training.ranker_mmoe import fit_mmoe, task_data


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


def evaluate_tasks(models_dir: Path, recommender_config, out_dir: Path,
                   log: Callable[[str], None] = print, progress: bool = True) -> dict:
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
    settings = RankerTrainingConfig(**card["settings"])
    arrays = dict(np.load(examples / EXAMPLES_FILE))
    model, _ = load_checkpoint(folder / MODEL_FILE)
    test = task_data(arrays, "test")
    is_test = arrays["split"] == SPLITS.index("test")
    groups = arrays["group"][is_test]
    sources = arrays["source"][is_test]
    linear = arrays["dense"][is_test][:, :len(FEATURES)] @ np.array(
        [{**DEFAULT_WEIGHTS, **recommender_config.weights}[f] for f in FEATURES])  # [b]
    multi = predict(model, test.dense, test.item_ids)
    result: dict = {"tasks": {}, "n_test_lists": int(len(np.unique(groups)))}
    for t, task in enumerate(TASKS):
        known = test.mask[:, t].numpy() > 0
        if not known.any():
            continue
        labels = test.labels[:, t].numpy()[known]
        log(f"tasks: single-task model for {task} ...")
        single, _ = fit_mmoe(arrays, settings, int(card["n_items"]), (task,), None, log,
                             progress)
        single_p = predict(single, test.dense, test.item_ids)[task]
        entry = {
            "multi_task": scores_report(labels, multi[task][known], groups[known]),
            "single_task": scores_report(labels, single_p[known], groups[known]),
            "linear_first_pass": scores_report(labels, linear[known], groups[known], False),
        }
        if task == "accept":
            entry["by_source"] = {}
            for k, source in enumerate(SOURCES):
                where = known & (sources == k)
                if where.any():
                    entry["by_source"][source] = {
                        "multi_task": scores_report(test.labels[:, t].numpy()[where],
                                                    multi[task][where], groups[where]),
                        "single_task": scores_report(test.labels[:, t].numpy()[where],
                                                     single_p[where], groups[where]),
                        "linear_first_pass": scores_report(test.labels[:, t].numpy()[where],
                                                           linear[where], groups[where], False)}
        result["tasks"][task] = entry
    result["seconds"] = round(time.perf_counter() - started, 1)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "tasks.json").write_text(json.dumps(result, indent=2))
    plot_tasks(result, out_dir / "tasks.png")
    log(f"tasks: report {out_dir / 'tasks.json'}, plot {out_dir / 'tasks.png'}")
    return result


def plot_tasks(result: dict, path: Path) -> None:
    import matplotlib  # heavy: matplotlib, only for the report's plot

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # heavy: matplotlib

    tasks = list(result["tasks"])
    models = ("multi_task", "single_task", "linear_first_pass")
    figure, axes = plt.subplots(1, 3, figsize=(13, 4))
    for axis, metric in zip(axes, ("auc", "group_auc", "logloss")):
        x = np.arange(len(tasks))
        for i, model in enumerate(models):
            values = [result["tasks"][t][model].get(metric, np.nan) for t in tasks]
            axis.bar(x + (i - 1) * 0.27, values, 0.27, label=model)
        axis.set_xticks(x, tasks)
        axis.set_title(f"held-out {metric}" + (" (lower is better)" if metric == "logloss"
                                                 else ""))
        axis.grid(axis="y", alpha=0.3)
        if metric != "logloss":
            axis.set_ylim(0.4, 1.0)
    axes[0].legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
