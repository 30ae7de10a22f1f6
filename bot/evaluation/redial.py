"""`convrec evaluate redial --data DIR`: the CRSLab recommendation protocol on ReDial-format
dialogues. (The `accept` lists `convrec train` builds from the same files, read the same way, are
in bot/training/dialogue_lists.py.)

Protocol (recommender/data/redial.py): every movie mentioned at a recommender turn is a target; the
context is every earlier turn (`@ids` → names); all ReDial movies of DIR/movies_with_mentions.csv
are ranked; Recall@1/10/50 over all targets ("full") and over targets not mentioned earlier in
the conversation ("dedup"). Ties count against the target.

Models, all in the same run and from the same context state:
- convrec: the trained conversational MMoE ranker (config.yml's task mix for an anonymous
  person, `anonymous_task_weights`, as the chat uses for one) over
  recommender/training/redial_inputs.py inputs; the linear ranker's weights over the same cross
  features when no trained model exists (said in the log and the report);
- popularity: mentions at recommender turns in DIR/train_data.jsonl (ties: MovieLens ratings);
- content: cosine of the session interest vector and the movies' text vectors.

The evaluated split (valid_data.jsonl, or test_data.jsonl) is read only here: nothing is fitted or
tuned on it; the dialogue log, the popularity counts and the training lists come from
train_data.jsonl only.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from tqdm import tqdm

from bot.build import ensure_catalog, ensure_encoder
from bot.config import Config
from bot.training.ranker import dialogue_dir
from bot.training.redial_context import RedialContext
from bot.training.text_cache import cached_encoder
from recommender.data import item_vectors
from recommender.data.history import BehaviorHistory
from recommender.data.redial import (
    RECOMMENDER,
    mention_counts,
    read_dialogues,
    recall_at,
)
from recommender.serving.inputs import CROSS, InputBuilder, InputLayout, fit_text_projection
from recommender.serving.mmoe_ranker import MODEL_FILE, load_mmoe_ranker, ranker_dir
from recommender.serving.ranker import DEFAULT_WEIGHTS
from recommender.training.examples import split_of
from recommender.training.redial_inputs import (
    candidate_inputs,
    target_ranks,
)

Log = Callable[[str], None]
ANCHORS = {  # published, "full" protocol; dedup R@10 where reported (docs/BENCHMARKS.md)
    "UniCRS": {"full": {"recall@1": 0.051, "recall@10": 0.224, "recall@50": 0.428},
               "dedup": {"recall@10": 0.180}},
    "ReFICR": {"full": {"recall@1": 0.061, "recall@10": 0.305, "recall@50": 0.532},
               "dedup": {"recall@10": 0.213}},
}
ABLATIONS = {  # input groups set to their training mean (a typical value) at scoring time
    "without_movielens": ("history", "popularity", "quality", "sasrec", "movielens_ease",
                          "has_history", "history_vector"),
    "without_dialogue_log": ("dialogue_popularity", "dialogue_evidence", "dialogue_ease",
                             "dialogue_genre", "dialogue_words"),
    "without_text": ("interest", "item_text", "interest_x_item", "has_interest",
                     "interest_vector"),
    "without_mentioned": ("mentioned",),
}


# ---------------------------------------------------------------- evaluation

def load_scorer(config: Config, vectors: np.ndarray, catalog_years: np.ndarray, log: Log):
    """(NumpyMMoE or None, InputBuilder, description)."""
    folder = ranker_dir(config.models_dir)
    if (folder / MODEL_FILE).exists():
        ranker = load_mmoe_ranker(folder, vectors, config.recommender.task_weights,
                                  catalog_years)
        return ranker.model, ranker.builder, f"mmoe ({folder / MODEL_FILE})"
    log(f"redial: no trained ranker at {folder / MODEL_FILE}: convrec's numbers are the linear "
        "ranker's weights over the same features (run `convrec train` with "
        "recommender.ranker: mmoe).")
    builder = InputBuilder(InputLayout(16, 0), fit_text_projection(vectors, 16), vectors)
    return None, builder, "linear (no trained model)"


def linear_scores(cross: dict[str, np.ndarray], weights: dict) -> np.ndarray:
    merged = {**DEFAULT_WEIGHTS, **weights}
    return sum(merged[name] * cross[name] for name in DEFAULT_WEIGHTS)  # [n]


def neutralise(dense: np.ndarray, model, builder: InputBuilder, names: tuple[str, ...]
               ) -> np.ndarray:
    """Columns of the named input groups set to the training mean."""
    out = dense.copy()
    start = 0
    for name, width in builder.layout.column_groups:
        if name in names:
            out[:, start:start + width] = model.dense_mean[start:start + width]
        start += width
    return out


def train_folder(config: Config, folder: Path, train: Path | None) -> Path:
    """Where the train conversations come from: `train` when given, else the dialogues
    `convrec train` learned from (config.yml recommender.training.dialogues) when present, else
    the evaluated folder's own train_data.jsonl."""
    if train is not None:
        return Path(train)
    configured = dialogue_dir(config, config.recommender.training.get("dialogues", ""))
    if configured is not None and (configured / "train_data.jsonl").exists():
        return configured
    return folder


def evaluate_redial(config: Config, folder: Path, split: str | None, limit: int | None,
                    out_dir: Path, log: Log = print, progress: bool = True,
                    train_dir: Path | None = None) -> dict:
    started = time.perf_counter()
    folder = Path(folder)
    split = split or ("valid" if (folder / "valid_data.jsonl").exists() else "test")
    train_dir = train_folder(config, folder, train_dir)
    # "dev": the train conversations the ranker did not fit on (hash buckets valid + test of
    # recommender/training/examples.py: split_of), each reading the dialogue log without its own
    # fold — for development, so that the real valid / test split is read once per reported
    # setting
    dev = split == "dev"
    evaluated_path = train_dir / "train_data.jsonl" if dev else folder / f"{split}_data.jsonl"
    for path in (evaluated_path, folder / "movies_with_mentions.csv"):
        if not path.exists():
            raise FileNotFoundError(f"{path} is missing (DIR must hold ReDial-format "
                                    "*_data.jsonl and movies_with_mentions.csv)")
    catalog = ensure_catalog(config, log)
    encoder = ensure_encoder(config, log)
    vectors = item_vectors.load_or_build(catalog, config.catalog_dir,
                                         lambda texts: encoder.encode(texts, progress=True),
                                         log=log)
    history = BehaviorHistory.load(config.catalog_dir, catalog)
    encode = cached_encoder(encoder.encode, config.path("artifacts") / "cache" /
                            "redial_texts.npz", log)
    train_path = train_dir / "train_data.jsonl"
    train = read_dialogues(train_path) if train_path.exists() else []
    if not train:
        log(f"redial: no {train_path}: no dialogue log, and popularity falls back to MovieLens "
            "ratings")
    else:
        log(f"redial: dialogue log and popularity from {len(train)} conversations of "
            f"{train_path}")
    context = RedialContext(config, catalog, vectors, history, folder, train, encode, log,
                            facts_dir=train_dir)
    conversations = read_dialogues(evaluated_path)
    if dev:
        conversations = [c for c in conversations
                         if split_of(f"redial:{c.get('conversationId')}") != "train"]
    conversations = conversations[:limit] if limit else conversations
    targets = context.targets(conversations)
    log(f"redial: {len(conversations)} conversations of {evaluated_path.name}, "
        f"{len(targets)} targets")
    model, builder, description = load_scorer(config, vectors, catalog.years, log)
    # a ReDial seeker is anonymous (no user id, no history): the chat's mix for such a person
    weights = config.recommender.anonymous_task_weights or config.recommender.task_weights
    utterances = context.utterance_vectors(targets)

    items = context.items
    recommender_counts = mention_counts(train, RECOMMENDER)
    movielens = np.where(items.rows >= 0, catalog.popularity[np.maximum(items.rows, 0)], 0.0)
    popularity = np.array([recommender_counts.get(m.redial_id, 0) for m in items.movies],
                          dtype=np.float64) + movielens / (movielens.max() + 1.0)  # [n]
    own_mentions = {}  # dev: each conversation's own recommender mentions, left out
    if dev:
        for c in train:
            counts = mention_counts([c], RECOMMENDER)
            own_mentions[str(c.get("conversationId"))] = np.array(
                [counts.get(m.redial_id, 0) for m in items.movies], dtype=np.float64)
    rankings = {name: [] for name in ("convrec", "popularity", "content", "accept_head",
                                      *ABLATIONS)}
    positions = []
    for target in tqdm(targets, desc="redial targets", leave=False, disable=not progress):
        state = context.state(target, utterances)
        leave_out = target.conversation_id if dev else None  # dev: its fold is not in the log
        dense, cross = candidate_inputs(state, items, context.recommender, builder,
                                        context.log_for(leave_out), context.movielens)
        position = items.index[target.target]
        positions.append(position)
        if model is not None:
            scores, probabilities = model.score(dense, items.item_ids, weights)
            rankings["accept_head"].append(probabilities["accept"])
            for name, columns in ABLATIONS.items():
                rankings[name].append(model.score(neutralise(dense, model, builder, columns),
                                                  items.item_ids, weights)[0])
        else:
            scores = linear_scores(cross, config.recommender.weights)
        rankings["convrec"].append(scores)
        own = own_mentions.get(leave_out) if dev else None
        rankings["popularity"].append(popularity if own is None else popularity - own)
        rankings["content"].append(cross["interest"])
    dedup = np.array([not t.repeated for t in targets], dtype=bool)
    positions = np.array(positions, dtype=np.int64)

    def columns(name: str) -> dict:
        if not rankings[name]:
            return {}
        ranks = np.concatenate([target_ranks(np.stack(rankings[name][i:i + 256]),
                                             positions[i:i + 256])
                                for i in range(0, len(positions), 256)])
        return {"full": recall_at(ranks), "dedup": recall_at(ranks[dedup])}

    convrec = columns("convrec")
    result = {
        "full": convrec.get("full", recall_at(np.zeros(0))),
        "dedup": convrec.get("dedup", recall_at(np.zeros(0))),
        "n_targets": {"full": int(len(targets)), "dedup": int(dedup.sum())},
        "baselines": {"popularity": columns("popularity"), "content": columns("content")},
    }
    report = {**result, "model": description,
              "split": "train_data.jsonl (dev: held-out hash buckets)" if dev
              else evaluated_path.name,
              "conversations": len(conversations), "limit": limit,
              "task_weights": weights, "published_anchors": ANCHORS,
              "accept_head_only": columns("accept_head"),
              "ablations_at_scoring_time": {name: columns(name) for name in ABLATIONS},
              "linked_movies": int((items.rows >= 0).sum()), "n_movies": len(items),
              "linked_targets": {"full": float((items.rows[positions] >= 0).mean())
                                 if len(positions) else 0.0},
              "dialogue_log_conversations": len(train), "train_dialogues": str(train_path),
              "input_columns": list(CROSS),
              "seconds": round(time.perf_counter() - started, 1)}
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, png_path = out_dir / f"redial-{split}.json", out_dir / f"redial-{split}.png"
    json_path.write_text(json.dumps(report, indent=2))
    plot_redial(report, png_path)
    log(f"redial: report {json_path}, plot {png_path}")
    return result


def plot_redial(report: dict, path: Path) -> None:
    import matplotlib  # heavy: matplotlib (~0.1 s), only to draw the report

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # heavy: as above, after choosing the file-only backend

    models = {"convrec": {"full": report["full"], "dedup": report["dedup"]},
              **report["baselines"]}
    ks = ("recall@1", "recall@10", "recall@50")
    figure, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for axis, column in zip(axes, ("full", "dedup")):
        x = np.arange(len(ks))
        for i, (name, values) in enumerate(models.items()):
            if column in values:
                axis.bar(x + (i - 1) * 0.25, [values[column][k] for k in ks], 0.25, label=name)
        for marker, (anchor, values) in zip(("k_", "r_"), ANCHORS.items()):
            points = [(j, values[column][k]) for j, k in enumerate(ks) if k in values[column]]
            if points:
                axis.plot(*zip(*points), marker, markersize=18, mew=2, label=anchor)
        axis.set_xticks(x, ks)
        axis.set_title(f"ReDial {report['split']}: {column} "
                       f"({report['n_targets'][column]} targets)")
        axis.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel("recall")
    axes[1].legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
