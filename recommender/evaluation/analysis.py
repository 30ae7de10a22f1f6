"""`convrec analyze`: behavior patterns of a data set, as a Markdown report with PNG plots.

- user segments: k-means (scikit-learn, k-means++ init, seeded) on SASRec history
  representations (`recommender/models/sasrec.py`, trained here on every user's full history for
  a fixed number of epochs); each segment is described by its size, activity, mean rating, the
  genres it over-indexes on (lift = share of the segment's interactions / share of everyone's) and
  example titles (items at least 5 of its interactions went to, by p_seg · log(p_seg / p_all):
  common in the segment and more common there than overall);
- plots: rating distribution, activity over time (when the data has timestamps), segment sizes
  with their top genres, item popularity long tail, and a 2-D PCA map of the representations.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from recommender.data.datasets import Interactions, load_dataset
from recommender.data.splits import user_bounds
from recommender.models.sasrec import SASRecConfig, save_checkpoint
from recommender.training.sasrec_loop import train_sasrec

ANALYSIS_SASREC = {  # fixed epochs (about what validation chose in `evaluate ranking`)
    "movielens-small": SASRecConfig(batch_size=64, learning_rate=3e-3, dropout=0.3,
                                    windows_per_user=3, epochs=15),
    "ml-100k": SASRecConfig(batch_size=64, learning_rate=3e-3, dropout=0.3,
                            windows_per_user=3, epochs=10),
    "book-crossing": SASRecConfig(batch_size=256, learning_rate=3e-3, dropout=0.3, epochs=4,
                                  max_len=20, hidden=32, min_item_count=20),
}


def user_sequences(data: Interactions) -> list[np.ndarray]:
    bounds = user_bounds(data.users, data.n_users)  # [U + 1]
    return [data.items[bounds[u]:bounds[u + 1]] for u in range(data.n_users)]


def segment_users(representations: np.ndarray, n_segments: int, seed: int = 7
                  ) -> tuple[np.ndarray, float]:
    """(segment of each user [U], silhouette score on up to 5,000 users)."""
    from sklearn.cluster import KMeans  # heavy: scikit-learn, only when segmenting
    from sklearn.metrics import silhouette_score  # heavy: scikit-learn
    from sklearn.preprocessing import StandardScaler  # heavy: scikit-learn

    features = StandardScaler().fit_transform(representations)  # [U, d]
    labels = KMeans(n_segments, n_init=10, random_state=seed).fit_predict(features)  # [U]
    sample = min(5000, len(labels))
    silhouette = silhouette_score(features, labels, sample_size=sample, random_state=seed)
    return labels, float(silhouette)


def describe_segments(data: Interactions, segments: np.ndarray, n_segments: int) -> list[dict]:
    """Size, activity, mean rating, top genres by lift and example titles of each segment."""
    segment_of_row = segments[data.users]  # [n]
    item_counts = np.bincount(data.items, minlength=data.n_items)  # [I]
    genre_all = Counter(g for i in data.items for g in data.item_genres[i])
    total = max(sum(genre_all.values()), 1)
    described = []
    for s in range(n_segments):
        rows = segment_of_row == s  # [n]
        users = np.flatnonzero(segments == s)
        items = data.items[rows]
        counts = np.bincount(items, minlength=data.n_items)  # [I]
        genres = Counter(g for i in items for g in data.item_genres[i])
        seg_total = max(sum(genres.values()), 1)
        lift = {g: (c / seg_total) / (genre_all[g] / total) for g, c in genres.items()
                if c >= 20}
        top_genres = sorted(lift, key=lambda g: (-lift[g], g))[:3]
        p_segment = counts / max(rows.sum(), 1)  # [I]
        p_all = np.maximum(item_counts / len(data.items), 1e-12)  # [I]
        eligible = np.flatnonzero(counts >= 5)
        # distinctive AND common in the segment: p_seg · log(p_seg / p_all), a KL term
        weight = p_segment[eligible] * np.log(p_segment[eligible] / p_all[eligible])
        examples = eligible[np.argsort(-weight, kind="stable")][:5]
        explicit = data.explicit[rows]
        described.append({
            "segment": s, "users": int(len(users)),
            "mean_history_length": round(float(rows.sum() / max(len(users), 1)), 1),
            "mean_rating": (round(float(data.ratings[rows][explicit].mean()), 2)
                            if explicit.any() else None),
            "top_genres": [{"genre": g, "lift": round(lift[g], 2)} for g in top_genres],
            "example_titles": [data.item_titles[i] for i in examples],
        })
    return described


def _plots(data: Interactions, segments: list[dict], representations: np.ndarray,
           labels: np.ndarray, out_dir: Path) -> list[tuple[str, str]]:
    import matplotlib  # heavy: matplotlib, only for the report's plots

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # heavy: matplotlib
    from sklearn.decomposition import PCA  # heavy: scikit-learn, only for the map's axes

    written = []

    def save(figure, name: str, caption: str):
        figure.tight_layout()
        figure.savefig(out_dir / name, dpi=110)
        plt.close(figure)
        written.append((name, caption))

    figure, axis = plt.subplots(figsize=(6, 3.5))
    values, counts = np.unique(data.ratings, return_counts=True)
    axis.bar([f"{v:g}" for v in values], counts)
    axis.set(xlabel="rating (0 = implicit)" if (data.ratings == 0).any() else "rating",
             ylabel="interactions", title=f"{data.name}: rating distribution")
    save(figure, "ratings.png", "Rating distribution")

    if data.timestamps is not None:
        months = (data.timestamps // (86400 * 30.44)).astype(np.int64)  # [n] months since 1970
        month_index, month_counts = np.unique(months, return_counts=True)
        figure, axis = plt.subplots(figsize=(7, 3.5))
        axis.plot(1970 + month_index / 12.0, month_counts)
        axis.set(xlabel="year", ylabel="interactions per month",
                 title=f"{data.name}: activity over time")
        save(figure, "activity.png", "Activity over time (interactions per month)")

    figure, axis = plt.subplots(figsize=(8, 0.6 * len(segments) + 1.2))
    names = [f"{s['segment']}: " + (", ".join(g["genre"] for g in s["top_genres"]) or "-")
             for s in segments]
    bars = axis.barh(names[::-1], [s["users"] for s in segments][::-1])
    axis.bar_label(bars, fontsize=8)
    axis.set(xlabel="users", title=f"{data.name}: segment sizes (segment: top genres by lift)")
    save(figure, "segments.png", "Segment sizes, labelled with each segment's top genres")

    counts = np.sort(np.bincount(data.items, minlength=data.n_items))[::-1]  # [I]
    figure, axis = plt.subplots(figsize=(6, 3.5))
    axis.loglog(np.arange(1, len(counts) + 1), np.maximum(counts, 0.8))
    axis.set(xlabel="item rank by popularity", ylabel="interactions",
             title=f"{data.name}: item popularity long tail")
    save(figure, "long_tail.png", "Item popularity long tail (log-log)")

    points = PCA(2, random_state=7).fit_transform(representations)  # [U, 2]
    figure, axis = plt.subplots(figsize=(5.5, 4.5))
    shown = np.random.default_rng(7).permutation(len(points))[:5000]
    scatter = axis.scatter(points[shown, 0], points[shown, 1], c=labels[shown], s=6,
                           cmap="tab10")
    axis.legend(*scatter.legend_elements(), title="segment", fontsize=7)
    axis.set(title=f"{data.name}: history representations (PCA)")
    save(figure, "representations.png", "SASRec history representations, first two PCA axes")
    return written


def long_tail_share(data: Interactions, top: float = 0.2) -> float:
    """Share of interactions that go to the most popular `top` share of interacted items."""
    counts = np.sort(np.bincount(data.items, minlength=data.n_items))[::-1]
    counts = counts[counts > 0]
    return float(counts[:max(1, int(len(counts) * top))].sum() / max(counts.sum(), 1))


def write_markdown(data: Interactions, segments: list[dict], silhouette: float,
                   plots: list[tuple[str, str]], info: dict, out_dir: Path) -> Path:
    lines = [f"# Behavior analysis: {data.name}", "",
             f"{len(data.users):,} interactions, {data.n_users:,} users, {data.n_items:,} items. "
             f"Order within a user: {data.ordering}. The top 20 % of items get "
             f"{100 * info['top20_share']:.1f} % of the interactions.", "",
             f"Segments: k-means (k = {len(segments)}) on SASRec history representations "
             f"(d = {info['hidden']}, {info['epochs']} epochs on full histories, "
             f"{info['sasrec_seconds']} s); silhouette {silhouette:.3f} "
             "(near 0: overlapping segments, read them as tendencies, not types).", "",
             "| segment | users | mean history | mean rating | top genres (lift) | examples |",
             "| --- | ---: | ---: | ---: | --- | --- |"]
    for s in segments:
        genres = ", ".join(f"{g['genre']} ({g['lift']:.2f})" for g in s["top_genres"]) or "-"
        examples = "; ".join(s["example_titles"][:3]).replace("|", "/")
        rating = "-" if s["mean_rating"] is None else f"{s['mean_rating']:.2f}"
        lines.append(f"| {s['segment']} | {s['users']:,} | {s['mean_history_length']} | "
                     f"{rating} | {genres} | {examples} |")
    lines.append("")
    for name, caption in plots:
        lines += [f"## {caption}", "", f"![{caption}]({name})", ""]
    lines += ["## Notes", ""] + [f"- {note}" for note in data.notes] + [""]
    path = out_dir / "report.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def analyze(dataset: str, movies_dir: Path, out_dir: Path, n_segments: int = 6,
            log: Callable[[str], None] = print, progress: bool = True) -> Path:
    """Write report.md, segments.json and the PNG plots into out_dir/<dataset>; return it."""
    data = load_dataset(dataset, movies_dir, log=log)
    out_dir = Path(out_dir) / dataset
    out_dir.mkdir(parents=True, exist_ok=True)
    config = ANALYSIS_SASREC[dataset]
    sequences = user_sequences(data)
    started = time.perf_counter()
    model, history = train_sasrec(sequences, data.n_items, config, log=log, progress=progress)
    save_checkpoint(out_dir / "sasrec-full-history.pt", model, history)
    seconds = round(time.perf_counter() - started, 1)
    representations = np.concatenate([model.represent(sequences[s:s + 1024])
                                      for s in range(0, len(sequences), 1024)])  # [U, d]
    labels, silhouette = segment_users(representations, n_segments, config.seed)
    segments = describe_segments(data, labels, n_segments)
    plots = _plots(data, segments, representations, labels, out_dir)
    info = {"hidden": config.hidden, "epochs": config.epochs, "sasrec_seconds": seconds,
            "top20_share": long_tail_share(data)}
    path = write_markdown(data, segments, silhouette, plots, info, out_dir)
    (out_dir / "segments.json").write_text(json.dumps({
        "dataset": data.name, "silhouette": round(silhouette, 4), "segments": segments,
        "sasrec": dataclasses.asdict(config), "written": datetime.now(UTC).isoformat(
            timespec="seconds")}, indent=2, ensure_ascii=False))
    log(f"analysis written to {path}")
    return out_dir
