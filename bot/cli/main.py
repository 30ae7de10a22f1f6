"""The `convrec` command: chat, parse, data build, train, serve, voice, evaluate, analyze."""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from pathlib import Path


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_serve(args) -> int:
    from bot.cli.serve import serve

    return serve(args, log)


def cmd_voice(args) -> int:
    from bot.cli.serve import voice

    return voice(args, log)


def cmd_chat(args) -> int:
    from bot.build import build_agent
    from bot.channels import shell
    from bot.config import load_config

    config = load_config(args.config)
    agent = build_agent(config, log=log)
    user = str(args.user) if args.user is not None else None
    if user is not None and not agent.recommender.history.has_user(user):
        log(f"error: unknown user {user!r}: MovieLens user ids run from 1 to "
            f"{len(agent.recommender.history.users)}")
        return 2
    session = args.session or f"shell-{uuid.uuid4().hex[:8]}"
    return shell.main(agent, session, user, args.json,
                      config.path("state") / "shell_history.txt")


def cmd_parse(args) -> int:
    from bot.build import build_agent
    from bot.config import load_config
    from bot.errors import InputError

    agent = build_agent(load_config(args.config), log=log)
    try:
        parse = agent.parse(args.text, tuple(args.shown or ()))
    except InputError as e:
        log(f"error: {e}")
        return 2
    print(json.dumps(parse.to_json(), ensure_ascii=False, indent=2))
    return 0


def cmd_data_build(args) -> int:
    from bot.config import load_config
    from recommender.data.build import DataBuildError, build_movies

    config = load_config(args.config)
    try:
        build_movies(config.catalog_dir, force=args.force, log=log)
    except DataBuildError as e:
        log(f"error: {e}")
        return 1
    return 0


def cmd_train(args) -> int:
    from bot.build import ensure_catalog, ensure_intent_model
    from bot.config import load_config
    from bot.training.ranker import train_ranker
    from nlu.encoder import SentenceEncoder
    from nlu.train import train_intents
    from recommender.data import item_vectors

    config = load_config(args.config)
    catalog = ensure_catalog(config, log)
    encoder = SentenceEncoder(config.nlu.encoder)
    vectors = item_vectors.load_or_build(catalog, config.catalog_dir,
                                         lambda texts: encoder.encode(texts, progress=True),
                                         log=log)
    if args.force:
        train_intents(config.path("nlu_data"), encoder, config.nlu.intent,
                      config.nlu.fallback_intent, config.models_dir / "intent", log=log)
    else:
        ensure_intent_model(config, encoder, log)
    # the conversational multi-task ranker (SASRec + MMoE) when recommender.serving.ranker is mmoe
    train_ranker(config, catalog, vectors, encoder, args.force, log,
                 progress=not getattr(args, "quiet", False))
    log("Everything config.yml asks for is trained.")
    return 0


def _text_encoder(config):
    """The sentence encoder's `encode` for item texts (the recommender never imports nlu/)."""
    from nlu.encoder import SentenceEncoder

    encoder = SentenceEncoder(config.nlu.encoder)
    return lambda texts: encoder.encode(texts, progress=True)


def cmd_evaluate_ranking(args) -> int:
    """Leave-one-out, full ranking: every baseline and convrec's ranker; JSON + PNG."""
    import torch

    from bot.build import ensure_catalog
    from bot.config import load_config
    from recommender.data.build import DataBuildError
    from recommender.evaluation.ranking import run

    config = load_config(args.config)
    if args.threads:
        torch.set_num_threads(args.threads)
    out_dir = Path(args.out) if args.out else config.path("artifacts") / "reports"
    try:
        if args.dataset == "movielens-small":
            ensure_catalog(config, log)
        encode = _text_encoder(config) if args.dataset == "ml-100k" else None
        # the task-head mix of the chat ranker's config, when config.yml has one
        weights = getattr(config.recommender, "task_weights", None)
        result = run(args.dataset, config.catalog_dir, config.path("artifacts"), out_dir,
                     encode, weights, log=log, progress=not args.quiet)
    except DataBuildError as e:
        log(f"error: {e}")
        return 1
    shown = {key: result[key] for key in ("dataset", "n_users", "n_items", "models",
                                          "other_models", "seconds", "peak_rss_mb")}
    shown["report"] = str(out_dir / f"ranking-{args.dataset}.json")
    print(json.dumps(shown, indent=2))
    return 0


def _single_threaded() -> None:
    """Offline evaluations on 2 shared cores: one BLAS / torch thread is faster than several
    fighting over small matrices, and repeats its numbers."""
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(1)
    threadpool_limits(limits=1)


def cmd_evaluate_tasks(args) -> int:
    """AUC / logloss per task: the trained multi-task ranker against single-task models."""
    from bot.config import load_config
    from recommender.evaluation.tasks import evaluate_tasks

    config = load_config(args.config)
    _single_threaded()
    out_dir = Path(args.out) if args.out else config.path("artifacts") / "reports"
    try:
        result = evaluate_tasks(config.models_dir, config.recommender, out_dir, log=log,
                                progress=not args.quiet)
    except FileNotFoundError as e:
        log(f"error: {e}")
        return 1
    print(json.dumps(result, indent=2))
    return 0


def cmd_evaluate_redial(args) -> int:
    """CRSLab-protocol Recall@k on ReDial-format dialogues; JSON + PNG."""
    from bot.config import load_config
    from bot.evaluation.redial import evaluate_redial

    config = load_config(args.config)
    _single_threaded()
    out_dir = Path(args.out) if args.out else config.path("artifacts") / "reports"
    try:
        result = evaluate_redial(config, Path(args.data), args.split, args.limit, out_dir,
                                 log=log, progress=not args.quiet)
    except FileNotFoundError as e:
        log(f"error: {e}")
        return 1
    print(json.dumps(result, indent=2))
    return 0


def cmd_simulate(args) -> int:
    """User simulator through the real Agent: success within N turns, configured vs linear."""
    from bot.config import load_config
    from bot.evaluation.simulator import simulate

    config = load_config(args.config)
    result = simulate(config, args.n, args.turns, args.seed, not args.no_compare, log=log)
    print(json.dumps(result, indent=2))
    return 0


def cmd_analyze(args) -> int:
    """Behavior analysis report (Markdown + PNG plots); prints the folder."""
    import torch

    from bot.build import ensure_catalog
    from bot.config import load_config
    from recommender.data.build import DataBuildError
    from recommender.evaluation.analysis import analyze

    config = load_config(args.config)
    if args.threads:
        torch.set_num_threads(args.threads)
    out_dir = Path(args.out) if args.out else config.path("artifacts") / "reports" / "analysis"
    try:
        if args.dataset == "movielens-small":
            ensure_catalog(config, log)
        folder = analyze(args.dataset, config.catalog_dir, out_dir, n_segments=args.segments,
                         log=log, progress=not args.quiet)
    except DataBuildError as e:
        log(f"error: {e}")
        return 1
    print(folder)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="convrec", description="A conversational recommender.")
    parser.add_argument("--config", help="config file (default: config.yml, or $CONVREC_CONFIG)")
    sub = parser.add_subparsers(dest="command", required=True)

    chat = sub.add_parser("chat", help="chat in the terminal")
    chat.add_argument("--user", type=int, help="a MovieLens user id: use their rating history")
    chat.add_argument("--session", help="session name; the same name resumes the conversation")
    chat.add_argument("--json", action="store_true",
                      help="read one utterance per stdin line, write one JSON object per line")
    chat.set_defaults(func=cmd_chat)

    parse = sub.add_parser("parse", help="print the NLU parse of a text as JSON")
    parse.add_argument("text")
    parse.add_argument("--shown", nargs="*", help="item ids of the last shown list, in order")
    parse.set_defaults(func=cmd_parse)

    data = sub.add_parser("data", help="data recipes")
    data_sub = data.add_subparsers(dest="data_command", required=True)
    build = data_sub.add_parser("build", help="build the catalog and behavior history")
    build.add_argument("--force", action="store_true", help="rebuild even when up to date")
    build.set_defaults(func=cmd_data_build)

    train = sub.add_parser("train", help="encode the catalog and train the models")
    train.add_argument("--force", action="store_true", help="retrain even when up to date")
    train.add_argument("--quiet", action="store_true", help="no progress bars")
    train.set_defaults(func=cmd_train)

    serve = sub.add_parser("serve", help="serve HTTP: REST, Rasa webhook, socket.io, widget, "
                                         "voice, Alexa")
    serve.add_argument("--host", help="address to listen on (default: server.host, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: server.port, 5005)")
    serve.add_argument("--workers", type=int, help="processes (default: server.workers); more "
                       "than one needs Redis sessions")
    serve.add_argument("--log-level", default="info",
                       choices=["critical", "error", "warning", "info", "debug"])
    serve.add_argument("--access-log", action="store_true", help="log every request")
    serve.set_defaults(func=cmd_serve)

    voice = sub.add_parser("voice", help="talk by voice: WAV files, --say TEXT (espeak-ng), or "
                                         "--mic; --out writes the spoken reply")
    voice.add_argument("files", nargs="*", help="WAV recordings, one turn each, in order")
    voice.add_argument("--in", dest="inputs", action="append", metavar="FILE",
                       help="a WAV recording (same as a positional FILE); repeatable")
    voice.add_argument("--out", metavar="FILE", help="write the spoken reply as a WAV file "
                       "(several turns: FILE's name with .1, .2, ... before the suffix)")
    voice.add_argument("--say", action="append", help="synthesize TEXT with espeak-ng and "
                       "recognise it (a loopback test without a microphone); repeatable")
    voice.add_argument("--voice", default="en-us+f2", help="espeak-ng voice for --say")
    voice.add_argument("--mic", action="store_true", help="record turns from the microphone "
                       "(sox `rec`)")
    voice.add_argument("--speak", action="store_true", help="speak the replies (espeak-ng)")
    voice.add_argument("--session", help="session name; the same name resumes the conversation")
    voice.add_argument("--user", type=int, help="a MovieLens user id")
    voice.add_argument("--json", action="store_true", help="one JSON object per turn")
    voice.set_defaults(func=cmd_voice)

    # `convrec evaluate ...`: one sub-command per evaluation; each prints JSON and writes a PNG.
    # Further evaluations (tasks, redial) add their parser to `evaluate_sub` here.
    evaluate = sub.add_parser("evaluate", help="offline evaluation: prints JSON, writes a plot")
    evaluate_sub = evaluate.add_subparsers(dest="evaluate_command", required=True)
    ranking = evaluate_sub.add_parser(
        "ranking", help="leave-one-out by time, full ranking: baselines and convrec's ranker")
    ranking.add_argument("--dataset", default="movielens-small",
                         choices=["movielens-small", "ml-100k", "book-crossing"])
    ranking.add_argument("--out", help="report folder (default: <artifacts>/reports)")
    ranking.add_argument("--threads", type=int, help="torch threads (default: torch's choice)")
    ranking.add_argument("--quiet", action="store_true", help="no progress bars")
    ranking.set_defaults(func=cmd_evaluate_ranking)
    tasks = evaluate_sub.add_parser(
        "tasks", help="AUC and logloss per task on held-out lists: the multi-task ranker against "
                      "single-task models with the same inputs")
    tasks.add_argument("--out", help="report folder (default: <artifacts>/reports)")
    tasks.add_argument("--quiet", action="store_true", help="no progress bars")
    tasks.set_defaults(func=cmd_evaluate_tasks)
    redial = evaluate_sub.add_parser(
        "redial", help="CRSLab protocol on ReDial-format dialogues: Recall@1/10/50, full and "
                       "dedup, with popularity and content-only baselines")
    redial.add_argument("--data", required=True,
                        help="folder with *_data.jsonl and movies_with_mentions.csv")
    redial.add_argument("--split", choices=["valid", "test", "dev"],
                        help="valid_data.jsonl (default when present) or test_data.jsonl; dev = "
                             "held-out train conversations, for development")
    redial.add_argument("--limit", type=int, help="only the first N conversations")
    redial.add_argument("--out", help="report folder (default: <artifacts>/reports)")
    redial.add_argument("--quiet", action="store_true", help="no progress bars")
    redial.set_defaults(func=cmd_evaluate_redial)

    simulate = sub.add_parser(
        "simulate", help="simulated people with a hidden target talk to the agent: success rate "
                         "and mean turns to success (JSON)")
    simulate.add_argument("--n", type=int, default=200, help="simulated people (default 200)")
    simulate.add_argument("--turns", type=int, default=5, help="turns each (default 5)")
    simulate.add_argument("--seed", type=int, default=7)
    simulate.add_argument("--no-compare", action="store_true",
                          help="skip the same run with the linear ranker")
    simulate.set_defaults(func=cmd_simulate)

    analyze = sub.add_parser("analyze", help="behavior analysis: user segments and plots into a "
                                             "folder (Markdown + PNG); prints its path")
    analyze.add_argument("--dataset", default="movielens-small",
                         choices=["movielens-small", "ml-100k", "book-crossing"])
    analyze.add_argument("--segments", type=int, default=6, help="k-means clusters (default 6)")
    analyze.add_argument("--out", help="folder (default: <artifacts>/reports/analysis)")
    analyze.add_argument("--threads", type=int, help="torch threads (default: torch's choice)")
    analyze.add_argument("--quiet", action="store_true", help="no progress bars")
    analyze.set_defaults(func=cmd_analyze)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in ("serve", "chat", "voice", "parse"):
        # A turn's matrices are small (one utterance, a few hundred candidates): BLAS thread
        # pools only fight over the cores, more so with many turns at once in a server (a
        # 1-vector matmul took 13 ms instead of 1 ms; a whole chat turn 11 ms instead of 6.4 ms
        # beside one other busy process). Set before numpy loads.
        import os

        for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(variable, "1")
    from bot.config import ConfigError

    try:
        return args.func(args)
    except ConfigError as e:
        log(f"error in config: {e}")
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
