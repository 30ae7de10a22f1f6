"""The offline evaluations: `convrec evaluate ranking / tasks / redial / replay / nlu`,
`simulate`, `analyze`.
Each prints JSON (`analyze`: its folder) and writes its report beside a plot."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from bot.build import ensure_catalog, ensure_encoder
from bot.cli.log import log
from bot.config import Config, load_config
from bot.evaluation import nlu, redial, replay, simulator
from recommender.data.build import DataBuildError
from recommender.domain.schema import SchemaError
from recommender.evaluation import analysis, ranking, tasks


def _text_encoder(config: Config) -> Callable[[list[str]], np.ndarray]:
    """The sentence encoder's `encode` for item texts (the recommender never imports nlu/)."""
    encoder = ensure_encoder(config, log)
    return lambda texts: encoder.encode(texts, progress=True)


def _single_threaded() -> None:
    """Offline evaluations on 2 shared cores: one BLAS / torch thread is faster than several
    fighting over small matrices, and repeats its numbers."""
    torch.set_num_threads(1)
    threadpool_limits(limits=1)


def evaluate_ranking(args: argparse.Namespace) -> int:
    """Leave-one-out, full ranking: every baseline and convrec's ranker; JSON + PNG."""
    config = load_config(args.config, args.schema, args.domain)
    if args.threads:
        torch.set_num_threads(args.threads)
    out_dir = Path(args.out) if args.out else config.path("artifacts") / "reports"
    weights = getattr(config.recommender, "task_weights", None)
    if config.schema is not None:
        return _evaluate_domain_ranking(config, out_dir, weights, not args.quiet)
    try:
        if args.dataset == "movielens-small":
            ensure_catalog(config, log)
        encode = _text_encoder(config) if args.dataset == "ml-100k" else None
        result = ranking.run(args.dataset, config.catalog_dir, config.path("artifacts"), out_dir,
                             encode, weights, log=log, progress=not args.quiet)
    except DataBuildError as e:
        log(f"error: {e}")
        return 1
    return _print_ranking(result, out_dir)


def _print_ranking(result: dict, out_dir: Path) -> int:
    """The ranking report's headline numbers as JSON on stdout, with the report's path."""
    shown = {key: result[key] for key in ("dataset", "n_users", "n_items", "models",
                                          "other_models", "seconds", "peak_rss_mb")}
    shown["report"] = str(out_dir / f"ranking-{result['dataset']}.json")
    print(json.dumps(shown, indent=2))
    return 0


def _evaluate_domain_ranking(config: Config, out_dir: Path, weights: dict | None,
                             progress: bool) -> int:
    """`evaluate ranking --schema/--domain`: the same protocol on the domain's build (built
    first when missing), its interactions ordered by time when the schema has a time column."""
    try:
        catalog = ensure_catalog(config, log)
        schema = catalog.schema
        timestamped = schema.interactions is not None \
            and "timestamp" in schema.interactions.fields
        result = ranking.run_domain(config.catalog_dir, schema.name, timestamped, out_dir,
                                    weights, log=log, progress=progress)
    except (DataBuildError, SchemaError) as e:
        log(f"error: {e}")
        return 1
    return _print_ranking(result, out_dir)


def _report(args: argparse.Namespace, evaluate: Callable[[Config, Path], dict]) -> int:
    """One single-threaded evaluation into --out (default <artifacts>/reports): its JSON on
    stdout, or the missing input as one error line and exit status 1."""
    config = load_config(args.config)
    _single_threaded()
    out_dir = Path(args.out) if args.out else config.path("artifacts") / "reports"
    try:
        result = evaluate(config, out_dir)
    except FileNotFoundError as e:
        log(f"error: {e}")
        return 1
    print(json.dumps(result, indent=2))
    return 0


def evaluate_tasks(args: argparse.Namespace) -> int:
    """AUC / logloss per task: single-task models, MMoE and PLE, trained on the same lists."""
    return _report(args, lambda config, out_dir: tasks.evaluate_tasks(
        Path(args.models) if args.models else config.models_dir, config.recommender, out_dir,
        log=log, progress=not args.quiet, seeds=args.seeds))


def evaluate_redial(args: argparse.Namespace) -> int:
    """CRSLab-protocol Recall@k on ReDial-format dialogues; JSON + PNG."""
    return _report(args, lambda config, out_dir: redial.evaluate_redial(
        config, Path(args.data), args.split, args.limit, out_dir, log=log,
        progress=not args.quiet, train_dir=Path(args.train) if args.train else None))


def evaluate_replay(args: argparse.Namespace) -> int:
    """ReDial seeker turns replayed through the agent: transcripts + JSON."""
    return _report(args, lambda config, out_dir: replay.replay(
        config, Path(args.data), out_dir, args.limit, log=log, split=args.split))


def evaluate_nlu(args: argparse.Namespace) -> int:
    """Intent / act / slot / polarity quality: data/nlu.yml held-out and IARD dev (k-fold)."""
    return _report(args, lambda config, out_dir: nlu.evaluate_nlu(
        config, config.root, args.folds, out_dir, log=log))


def simulate(args: argparse.Namespace) -> int:
    """User simulator through the real Agent: success within N turns, configured vs linear."""
    config = load_config(args.config)
    result = simulator.simulate(config, args.n, args.turns, args.seed, not args.no_compare,
                                log=log, people=args.people)
    print(json.dumps(result, indent=2))
    return 0


def analyze(args: argparse.Namespace) -> int:
    """Behavior analysis report (Markdown + PNG plots); prints the folder."""
    config = load_config(args.config)
    if args.threads:
        torch.set_num_threads(args.threads)
    out_dir = Path(args.out) if args.out else config.path("artifacts") / "reports" / "analysis"
    try:
        if args.dataset == "movielens-small":
            ensure_catalog(config, log)
        folder = analysis.analyze(args.dataset, config.catalog_dir, out_dir,
                                  n_segments=args.segments, log=log, progress=not args.quiet)
    except DataBuildError as e:
        log(f"error: {e}")
        return 1
    print(folder)
    return 0
