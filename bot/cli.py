"""The `convrec` command: chat, parse, data build, train, serve, voice."""

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


def cmd_serve(args) -> int:
    import os

    import uvicorn

    from bot.config import ConfigError, load_config

    if args.config:
        os.environ["CONVREC_CONFIG"] = os.path.abspath(args.config)
    config = load_config()
    server = config.server
    host = args.host or server.host
    port = server.port if args.port is None else args.port
    workers = args.workers or server.workers
    if workers > 1 and not config.stores.is_redis:
        raise ConfigError("--workers > 1 needs stores.sessions: redis://HOST:PORT/DB in the "
                          "config (SQLite sessions live in one process)")
    log(f"convrec serving on http://{host}:{port} ({workers} worker"
        f"{'s' if workers > 1 else ''}, sessions: {config.stores.sessions})")
    if workers == 1:
        from bot.server import create_app, load_serving_agent

        app = create_app(load_serving_agent(config, log), config)
        uvicorn.run(app, host=host, port=port, log_level=args.log_level,
                    access_log=args.access_log, timeout_graceful_shutdown=5)
        return 0
    os.environ["CONVREC_SERVER_WORKERS"] = str(workers)  # each worker sizes its torch threads
    uvicorn.run("bot.server:app_factory", factory=True, host=host, port=port, workers=workers,
                log_level=args.log_level, access_log=args.access_log,
                timeout_graceful_shutdown=5)
    return 0


def cmd_voice(args) -> int:
    import shutil
    import subprocess
    import tempfile
    from pathlib import Path

    from bot.agent import Agent, InputError
    from bot.assemble import ensure_recognizer
    from bot.channels.voice import VoiceChannel
    from bot.config import load_config
    from bot.speech import synthesize

    config = load_config(args.config)
    agent = Agent.load(config, log=log)
    channel = VoiceChannel(agent, ensure_recognizer(config, agent.catalog, log),
                           config.channels.voice.max_seconds)
    session = args.session or f"voice-{uuid.uuid4().hex[:8]}"
    user = str(args.user) if args.user is not None else None

    def recordings():
        for path in args.files:
            yield path, Path(path).read_bytes()
        for text in args.say or []:
            yield f"(espeak-ng: {text!r})", synthesize(text, voice=args.voice)
        if args.mic:
            if not shutil.which("rec"):
                raise SystemExit("--mic needs sox's `rec` (apt-get install sox)")
            while True:
                input("Press Enter and speak (Ctrl-C to stop) ...")
                with tempfile.NamedTemporaryFile(suffix=".wav") as f:
                    # record until 1.5 s of silence after speech, at most 15 s
                    subprocess.run(["rec", "-q", "-c", "1", "-r", "16000", "-b", "16", f.name,
                                    "silence", "1", "0.1", "2%", "1", "1.5", "2%", "trim", "0",
                                    "15"], check=True)
                    yield "(microphone)", Path(f.name).read_bytes()

    for source, wav in recordings():
        try:
            turn = channel.turn(session, wav, user, speak=args.speak)
        except InputError as e:
            print(f"{source}: ! {e}", flush=True)
            continue
        if args.json:
            print(json.dumps({"source": source, **turn.to_json()}, ensure_ascii=False),
                  flush=True)
        else:
            print(f"{source}\n  heard: {turn.transcript}\n  convrec: {turn.speech}", flush=True)
        if args.speak and turn.audio and shutil.which("play"):
            with tempfile.NamedTemporaryFile(suffix=".wav") as f:
                f.write(turn.audio)
                f.flush()
                subprocess.run(["play", "-q", f.name], check=False)
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
                                         "--mic")
    voice.add_argument("files", nargs="*", help="WAV recordings, one turn each, in order")
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
