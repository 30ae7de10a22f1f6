"""The `convrec` command: its argument parser, and the dispatch to the command groups.

A group's handlers live in its own module, imported only for the command that runs (each loads
its model stack, and `convrec --help` stays instant): chat.py, parse.py, train.py (data build,
train), data.py (data init, data check: domain schemas), serve.py, voice.py, evaluate.py
(evaluate ranking / tasks / redial, simulate, analyze).
A new command: its parser in `build_parser` with `set_defaults(handler=NAME)`, and
`NAME(args) -> exit status` in its group's module.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

from bot.cli.log import log


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="convrec", description="A conversational recommender.")
    parser.add_argument("--config", help="config file (default: config.yml, or $CONVREC_CONFIG)")
    sub = parser.add_subparsers(dest="command", required=True)

    chat = sub.add_parser("chat", help="chat in the terminal")
    chat.add_argument("--user", type=int, help="a MovieLens user id: use their rating history")
    chat.add_argument("--session", help="session name; the same name resumes the conversation")
    chat.add_argument("--json", action="store_true",
                      help="read one utterance per stdin line, write one JSON object per line")
    add_domain_options(chat)
    chat.set_defaults(handler="chat")

    parse = sub.add_parser("parse", help="print the NLU parse of a text as JSON")
    parse.add_argument("text")
    parse.add_argument("--shown", nargs="*", help="item ids of the last shown list, in order")
    parse.set_defaults(handler="parse")

    data = sub.add_parser("data", help="data recipes")
    data_sub = data.add_subparsers(dest="data_command", required=True)
    build = data_sub.add_parser("build", help="build the catalog and behavior history")
    build.add_argument("--force", action="store_true", help="rebuild even when up to date")
    add_domain_options(build)
    build.set_defaults(handler="data_build")
    init = data_sub.add_parser(
        "init", help="write a first domain schema by inspecting an item table (and an "
                     "interaction table): guessed types with their evidence, for review")
    init.add_argument("--items", required=True, help="the item table (CSV, TSV, JSON Lines, "
                      "JSON, Parquet or a RecBole atomic file)")
    init.add_argument("--interactions", help="the interaction table (user, item, rating, time)")
    init.add_argument("--out", required=True, help="the schema file to write (YAML)")
    init.add_argument("--force", action="store_true", help="overwrite --out when it exists")
    init.set_defaults(handler="data_init")
    check = data_sub.add_parser(
        "check", help="load a domain schema and read its tables: a summary, or the one error "
                      "(file, field, row)")
    check.add_argument("--schema", required=True, help="the schema file (docs/SCHEMA.md)")
    check.set_defaults(handler="data_check")
    evidence = data_sub.add_parser(
        "evidence", help="write the conversation evidence table (mention counts, no text) from "
                         "ReDial-format dialogues, for chats on machines without them")
    evidence.add_argument("--dialogues", required=True,
                          help="folder with train_data.jsonl and movies_with_mentions.csv "
                               "(movie_facts.json, when present, links more movies)")
    evidence.add_argument("--out", help="table file (default: data/conversation_evidence.npz, the "
                                        "one `convrec train` falls back to)")
    evidence.set_defaults(handler="data_evidence")

    train = sub.add_parser("train", help="encode the catalog and train the models")
    train.add_argument("--force", action="store_true", help="retrain even when up to date")
    train.add_argument("--quiet", action="store_true", help="no progress bars")
    train.add_argument("--incremental", action="store_true",
                       help="fine-tune the current ranker on the behavior log's new events "
                            "(a full retrain when the catalog changed)")
    train.add_argument("--max-seconds", type=float, default=60.0,
                       help="--incremental: time budget of the fine-tuning (default 60)")
    add_domain_options(train)
    train.set_defaults(handler="train")

    serve = sub.add_parser("serve", help="serve HTTP: REST, Rasa webhook, socket.io, widget, "
                                         "voice, Alexa")
    serve.add_argument("--host", help="address to listen on (default: server.host, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: server.port, 5005)")
    serve.add_argument("--workers", type=int, help="processes (default: server.workers); more "
                       "than one needs Redis sessions")
    serve.add_argument("--log-level", default="info",
                       choices=["critical", "error", "warning", "info", "debug"])
    serve.add_argument("--access-log", action="store_true", help="log every request")
    add_domain_options(serve)
    serve.set_defaults(handler="serve")

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
    voice.set_defaults(handler="voice")

    # `convrec evaluate ...`: one sub-command per evaluation; each prints JSON and writes a PNG.
    evaluate = sub.add_parser("evaluate", help="offline evaluation: prints JSON, writes a plot")
    evaluate_sub = evaluate.add_subparsers(dest="evaluate_command", required=True)
    ranking = evaluate_sub.add_parser(
        "ranking", help="leave-one-out by time, full ranking: baselines and convrec's ranker")
    ranking.add_argument("--dataset", default="movielens-small",
                         choices=["movielens-small", "ml-100k", "book-crossing"])
    ranking.add_argument("--out", help="report folder (default: <artifacts>/reports)")
    ranking.add_argument("--threads", type=int, help="torch threads (default: torch's choice)")
    ranking.add_argument("--quiet", action="store_true", help="no progress bars")
    add_domain_options(ranking)  # a schema domain's interactions instead of --dataset
    ranking.set_defaults(handler="evaluate_ranking")
    tasks = evaluate_sub.add_parser(
        "tasks", help="AUC and logloss per task on held-out lists: the multi-task ranker against "
                      "single-task models with the same inputs")
    tasks.add_argument("--models", help="models folder holding ranker/ (default: config.yml's "
                                        "<artifacts>/models)")
    tasks.add_argument("--seeds", type=int, default=3,
                       help="train every model this many times (seeds), report mean ± sd")
    tasks.add_argument("--out", help="report folder (default: <artifacts>/reports)")
    tasks.add_argument("--quiet", action="store_true", help="no progress bars")
    tasks.set_defaults(handler="evaluate_tasks")
    redial = evaluate_sub.add_parser(
        "redial", help="CRSLab protocol on ReDial-format dialogues: Recall@1/10/50, full and "
                       "dedup, with popularity and content-only baselines")
    redial.add_argument("--data", required=True,
                        help="folder with *_data.jsonl and movies_with_mentions.csv")
    redial.add_argument("--split", choices=["valid", "test", "dev"],
                        help="valid_data.jsonl (default when present) or test_data.jsonl; dev = "
                             "held-out train conversations, for development")
    redial.add_argument("--train", help="folder whose train_data.jsonl feeds the dialogue log and "
                                        "popularity (default: config.yml's "
                                        "recommender.training.dialogues, else --data)")
    redial.add_argument("--limit", type=int, help="only the first N conversations")
    redial.add_argument("--out", help="report folder (default: <artifacts>/reports)")
    redial.add_argument("--quiet", action="store_true", help="no progress bars")
    redial.set_defaults(handler="evaluate_redial")
    replay = evaluate_sub.add_parser(
        "replay", help="the seeker side of ReDial valid conversations replayed through the agent: "
                       "help-text share, stated-constraint violations, success within 5 turns")
    replay.add_argument("--data", required=True, help="folder with valid_data.jsonl and "
                                                      "movies_with_mentions.csv")
    replay.add_argument("--limit", type=int, default=100, help="conversations (default 100)")
    replay.add_argument("--split", choices=["valid", "train"], default="valid",
                        help="valid (report) or train (look for failures there)")
    replay.add_argument("--out", help="report folder (default: <artifacts>/reports)")
    replay.set_defaults(handler="evaluate_replay")
    nlu = evaluate_sub.add_parser(
        "nlu", help="NLU quality on data/nlu.yml held-out and IARD dev (k-fold over "
                    "conversations): intent accuracy / macro-F1, acts micro-F1, fallback rate, "
                    "per-intent F1, slot recall, polarity accuracy (JSON)")
    nlu.add_argument("--folds", type=int, default=5, help="IARD folds (default 5)")
    nlu.add_argument("--out", help="report folder (default: <artifacts>/reports)")
    nlu.set_defaults(handler="evaluate_nlu")

    simulate = sub.add_parser(
        "simulate", help="simulated people with a hidden target talk to the agent: success rate "
                         "and mean turns to success (JSON)")
    simulate.add_argument("--n", type=int, default=200, help="simulated people (default 200)")
    simulate.add_argument("--turns", type=int, default=5, help="turns each (default 5)")
    simulate.add_argument("--seed", type=int, default=7)
    simulate.add_argument("--no-compare", action="store_true",
                          help="skip the same run with the linear ranker")
    simulate.add_argument("--people", action="store_true",
                          help="talk like people: typos, short replies, changes of mind")
    simulate.set_defaults(handler="simulate")

    analyze = sub.add_parser("analyze", help="behavior analysis: user segments and plots into a "
                                             "folder (Markdown + PNG); prints its path")
    analyze.add_argument("--dataset", default="movielens-small",
                         choices=["movielens-small", "ml-100k", "book-crossing"])
    analyze.add_argument("--segments", type=int, default=6, help="k-means clusters (default 6)")
    analyze.add_argument("--out", help="folder (default: <artifacts>/reports/analysis)")
    analyze.add_argument("--threads", type=int, help="torch threads (default: torch's choice)")
    analyze.add_argument("--quiet", action="store_true", help="no progress bars")
    analyze.set_defaults(handler="analyze")
    return parser


def add_domain_options(parser: argparse.ArgumentParser) -> None:
    """--schema PATH / --domain NAME: a catalog of any domain (docs/SCHEMA.md); default movies."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--schema", help="a domain schema file (docs/SCHEMA.md): its catalog, "
                                        "built into <artifacts>/domains/<domain>/ when missing")
    group.add_argument("--domain", help="a shipped domain: data/domains/NAME.yml (movies: the "
                                        "default catalog)")


def handler(args: argparse.Namespace) -> Callable[[argparse.Namespace], int]:
    """The function that runs the parsed command, from its group's module."""
    if args.command == "chat":
        from bot.cli import chat as group  # heavy: the agent's models (torch, the encoder)
    elif args.command == "parse":
        from bot.cli import parse as group  # heavy: the agent's models (torch, the encoder)
    elif args.command == "data" and args.data_command in ("init", "check"):
        from bot.cli import data as group  # heavy: pandas and the table readers
    elif args.command in ("data", "train"):
        from bot.cli import train as group  # heavy: the training stack (torch, pandas)
    elif args.command == "serve":
        from bot.cli import serve as group  # heavy: the agent's models and the HTTP stack
    elif args.command == "voice":
        from bot.cli import voice as group  # heavy: the agent's models and the voice stack
    else:
        from bot.cli import evaluate as group  # heavy: the evaluation stack (torch, matplotlib)
    return getattr(group, args.handler)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in ("serve", "chat", "voice", "parse"):
        # A turn's matrices are small (one utterance, a few hundred candidates): BLAS thread
        # pools only fight over the cores, more so with many turns at once in a server (a
        # 1-vector matmul took 13 ms instead of 1 ms; a whole chat turn 11 ms instead of 6.4 ms
        # beside one other busy process). Set before numpy loads.
        for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(variable, "1")
    from bot.config import ConfigError  # heavy: bot.config loads torch (after the BLAS setting)

    try:
        return handler(args)(args)
    except ConfigError as e:
        log(f"error in config: {e}")
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
