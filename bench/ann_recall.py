"""Recall@100 of the nearest-neighbour index (recommender/serving/ann.py) against exact search.

Usage: python bench/ann_recall.py --domain books [--queries 500] [--want 1000] [--parts]
        [--index hnsw|ivf]

Queries: `--queries` item vectors drawn at random (seeded; what "more like this one" asks) and
the sentence-encoded requests of bench/turn_latency.py's script for the domain (what a message
asks). For each, the exact top 100 by cosine over every item vector, and the top 100 of the
index's search with the chat's settings (`want` allowed items, `recommender.ann_pool`); prints
the mean recall, the search time and the exact time, as JSON.

`--index`: the graph (hnsw, default when hnswlib is installed, as the chat uses) or the numpy
inverted file (ivf). `--parts`: measure on the item vectors encoded so far
(`item_vectors.parts/` of a build still running); for ivf, `want` is scaled to the same share of
the catalog (1000 of 271k → 0.37 %).
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.turn_latency import SCRIPTS  # noqa: E402
from bot.build import ensure_encoder  # noqa: E402
from bot.config import load_config  # noqa: E402
from recommender.serving.ann import build_hnsw, build_ivf, hnswlib_module, recall_at  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--domain", required=True)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--want", type=int, help="allowed items a search gathers (default: "
                                                 "recommender.ann_pool)")
    parser.add_argument("--index", choices=["hnsw", "ivf"],
                        default="hnsw" if hnswlib_module() is not None else "ivf")
    parser.add_argument("--parts", action="store_true",
                        help="the item vectors encoded so far by a running build")
    args = parser.parse_args()
    config = load_config(domain=args.domain)
    folder = config.catalog_dir
    want = args.want or config.recommender.ann_pool
    n_catalog = json.loads((folder / "manifest.json").read_text())["n_items"]
    if args.parts:
        parts = sorted((folder / "item_vectors.parts").glob("*-*.npy"))
        vectors = np.concatenate([np.load(p) for p in parts])
        if args.index == "ivf":
            want = max(100, round(want * len(vectors) / n_catalog))
    else:
        vectors = np.load(folder / "item_vectors.npy")
    started = time.perf_counter()
    index = build_hnsw(vectors) if args.index == "hnsw" else build_ivf(vectors)
    build_s = time.perf_counter() - started
    rng = np.random.default_rng(0)
    item_queries = vectors[rng.choice(len(vectors), size=min(args.queries, len(vectors)),
                                      replace=False)]
    encoder = ensure_encoder(config, print)
    texts = [t for t in SCRIPTS.get(args.domain, []) if len(t.split()) > 2]
    text_queries = encoder.encode(texts) if texts else np.zeros((0, vectors.shape[1]))
    timings = {}
    for name, run in (("index", lambda q: index.search(vectors, q, want)),
                      ("exact", lambda q: vectors @ q)):
        started = time.perf_counter()
        for query in item_queries[:100]:
            run(query)
        timings[name] = round(1000 * (time.perf_counter() - started) / 100, 2)
    print(json.dumps({
        "index": args.index, "items": len(vectors), "catalog_items": n_catalog,
        "want": want, "index_build_s": round(build_s, 1),
        "recall_at_100_item_queries": round(recall_at(index, vectors, item_queries, 100,
                                                      want), 4),
        "recall_at_100_message_queries": round(recall_at(index, vectors, text_queries, 100,
                                                         want), 4),
        "message_queries": len(text_queries), "item_queries": len(item_queries),
        "search_ms": timings["index"], "exact_ms": timings["exact"],
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }, indent=2))


if __name__ == "__main__":
    main()
