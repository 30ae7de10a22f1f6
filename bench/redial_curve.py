"""What more dialogue buys: the ranker trained on the first N conversations of a ReDial-format
train split, for several N, each scored on the evaluated split by `convrec evaluate redial` (the
CRSLab protocol, full and dedup Recall@10/50, popularity and content baselines in the same run).

For each N: a folder with the first N conversations (plus movies_with_mentions.csv and, when
present, movie_facts.json), a config copy whose `recommender.training.dialogues` points at it and
whose artifacts share the built catalog, encoder and intent model (links) but get their own
ranker; `convrec train`, then `convrec evaluate redial`. The dialogue log, popularity and the
conversation evidence of each run come from its N conversations only.

Usage: python bench/redial_curve.py --train ../shared/datasets/redial-train \\
           --data ../shared/datasets/redial-dev [--sizes 500,1000,2000,3986] [--split valid]
Prints one JSON line per size and a table; writes <out>/curve.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SHARED_BUILD = ("movies", "cache", "models/encoder", "models/intent", "models/voice")


def subset(train: Path, n: int, out: Path) -> Path:
    """A dialogue folder holding the first n conversations of train/train_data.jsonl."""
    out.mkdir(parents=True, exist_ok=True)
    lines = [line for line in (train / "train_data.jsonl").read_text(encoding="utf-8")
             .splitlines() if line.strip()]
    (out / "train_data.jsonl").write_text("\n".join(lines[:n]) + "\n", encoding="utf-8")
    for name in ("movies_with_mentions.csv", "movie_facts.json"):
        if (train / name).exists() and not (out / name).exists():
            (out / name).symlink_to((train / name).resolve())
    return out


def run_config(base: Path, dialogues: Path, artifacts: Path, out: Path) -> Path:
    """A config copy: its own ranker, everything else shared with the base build."""
    config = yaml.safe_load(base.read_text())
    built = (base.parent / config["paths"]["artifacts"]).resolve()
    for part in SHARED_BUILD:
        target, link = built / part, artifacts / part
        if target.exists() and not link.exists():
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(target)
    config["paths"] = {key: str((base.parent / value).resolve())
                       for key, value in config["paths"].items()}
    config["paths"]["artifacts"] = str(artifacts)
    config["paths"]["state"] = str(artifacts / "var")
    seeker = config["nlu"]["pipeline"][2].get("seeker_data")
    if seeker:
        config["nlu"]["pipeline"][2]["seeker_data"] = str((base.parent / seeker).resolve())
    config["recommender"]["training"]["dialogues"] = str(dialogues)
    out.write_text(yaml.safe_dump(config, sort_keys=False))
    return out


def convrec(*args: str) -> None:
    command = [str(Path(sys.executable).parent / "convrec"), *args]
    subprocess.run(command, check=True, cwd=ROOT, env={**os.environ, "TQDM_DISABLE": "1"})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", type=Path, required=True, help="ReDial-format train folder")
    parser.add_argument("--data", type=Path, required=True, help="folder of the evaluated split")
    parser.add_argument("--split", default="valid", choices=["valid", "test"])
    parser.add_argument("--sizes", default="500,1000,2000,3986")
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml")
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "build" / "reports" / "curve")
    args = parser.parse_args()
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        started = time.perf_counter()
        work = args.out / f"n{n}"
        dialogues = subset(args.train.resolve(), n, work / "dialogues")
        config = run_config(args.config.resolve(), dialogues, work / "build",
                            work / "config.yml")
        convrec("--config", str(config), "train", "--quiet")
        train_seconds = time.perf_counter() - started
        convrec("--config", str(config), "evaluate", "redial", "--data", str(args.data),
                "--split", args.split, "--quiet", "--out", str(work / "reports"))
        report = json.loads((work / "reports" / f"redial-{args.split}.json").read_text())
        row = {"conversations": n, "train_seconds": round(train_seconds, 1),
               **{f"{column}_{k}": report[column][k] for column in ("full", "dedup")
                  for k in ("recall@10", "recall@50")},
               **{f"accept_head_{column}_{k}": report["accept_head_only"][column][k]
                  for column in ("full", "dedup") for k in ("recall@10", "recall@50")},
               "task_weights": report["task_weights"],
               "popularity_dedup_recall@10": report["baselines"]["popularity"]["dedup"]
               ["recall@10"]}
        rows.append(row)
        print(json.dumps(row), flush=True)
    (args.out / "curve.json").write_text(json.dumps(rows, indent=2))
    print(f"{'conversations':>13} {'full R@10':>9} {'full R@50':>9} {'dedup R@10':>10} "
          f"{'dedup R@50':>10} {'pop dedup R@10':>14}")
    for r in rows:
        print(f"{r['conversations']:>13} {r['full_recall@10']:>9.3f} {r['full_recall@50']:>9.3f} "
              f"{r['dedup_recall@10']:>10.3f} {r['dedup_recall@50']:>10.3f} "
              f"{r['popularity_dedup_recall@10']:>14.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
