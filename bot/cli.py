"""The `convrec` command: chat, parse, data build, train."""

from __future__ import annotations

import argparse
import json
import sys
import uuid


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_chat(args) -> int:
    from bot.agent import Agent
    from bot.channels import shell
    from bot.config import load_config

    config = load_config(args.config)
    agent = Agent.load(config, log=log)
    user = str(args.user) if args.user is not None else None
    if user is not None and not agent.recommender.history.has_user(user):
        log(f"error: unknown user {user!r}: MovieLens user ids run from 1 to "
            f"{len(agent.recommender.history.users)}")
        return 2
    session = args.session or f"shell-{uuid.uuid4().hex[:8]}"
    return shell.main(agent, session, user, args.json,
                      config.path("state") / "shell_history.txt")


def cmd_parse(args) -> int:
    from bot.agent import Agent
    from bot.config import load_config
    from nlu.types import ParseContext, ShownItem

    agent = Agent.load(load_config(args.config), log=log)
    shown = tuple(ShownItem(i, agent.catalog.get(i).title, agent.catalog.get(i).year)
                  for i in (args.shown or []) if i in agent.catalog)
    parse = agent.nlu.parse(args.text, ParseContext(shown))
    print(json.dumps(parse.to_json(), ensure_ascii=False, indent=2))
    return 0


def cmd_data_build(args) -> int:
    from bot.config import load_config
    from recommender.data_build import DataBuildError, build_movies

    config = load_config(args.config)
    try:
        build_movies(config.catalog_dir, force=args.force, log=log)
    except DataBuildError as e:
        log(f"error: {e}")
        return 1
    return 0


def cmd_train(args) -> int:
    from bot.assemble import ensure_catalog, ensure_intent_model
    from bot.config import load_config
    from nlu.encoder import SentenceEncoder
    from nlu.train import train_intents
    from recommender import item_vectors

    config = load_config(args.config)
    catalog = ensure_catalog(config, log)
    encoder = SentenceEncoder(config.nlu.encoder)
    item_vectors.load_or_build(catalog, config.catalog_dir,
                               lambda texts: encoder.encode(texts, progress=True), log=log)
    if args.force:
        train_intents(config.path("nlu_data"), encoder, config.nlu.intent,
                      config.nlu.fallback_intent, config.models_dir / "intent", log=log)
    else:
        ensure_intent_model(config, encoder, log)
    log("Everything config.yml asks for is trained.")
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
    train.set_defaults(func=cmd_train)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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
