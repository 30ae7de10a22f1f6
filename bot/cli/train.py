"""`convrec data build` and `convrec train`: build what the agent loads — the catalog and
behavior history, then the sentence encoder's ONNX graph (onnx backend), the item vectors, the
intent classifier and the configured ranker."""

from __future__ import annotations

import argparse

from bot.build import ensure_catalog, ensure_encoder, ensure_intent_model
from bot.cli.log import log
from bot.config import load_config
from bot.training.ranker import train_ranker, train_ranker_incremental
from nlu.encoder_onnx import OnnxEncoderError
from nlu.train import train_intents
from recommender.data import item_vectors
from recommender.data.build import DataBuildError, build_movies


def data_build(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    try:
        build_movies(config.catalog_dir, force=args.force, log=log)
    except DataBuildError as e:
        log(f"error: {e}")
        return 1
    return 0


def train(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if getattr(args, "incremental", False) and args.force:
        log("error: --incremental and --force exclude each other (--force: a full retrain)")
        return 2
    catalog = ensure_catalog(config, log)
    try:
        encoder = ensure_encoder(config, log)  # exported once, skipped when current
    except OnnxEncoderError as e:
        log(f"error: {e}")
        return 1
    vectors = item_vectors.load_or_build(catalog, config.catalog_dir,
                                         lambda texts: encoder.encode(texts, progress=True),
                                         log=log)
    if args.force:  # the seekers' messages as written: see bot/build.py ensure_intent_model
        train_intents(config.path("nlu_data"), encoder, config.nlu.intent,
                      config.nlu.fallback_intent, config.models_dir / "intent", log=log)
    else:
        ensure_intent_model(config, encoder, log)
    # the conversational multi-task ranker (SASRec + MMoE) when recommender.ranker is mmoe;
    # --incremental: fine-tuned on the behavior log's new events (full when the catalog changed)
    progress = not getattr(args, "quiet", False)
    if getattr(args, "incremental", False):
        train_ranker_incremental(config, catalog, vectors, encoder, args.max_seconds, log,
                                 progress=progress)
    else:
        train_ranker(config, catalog, vectors, encoder, args.force, log, progress=progress)
    log("Everything config.yml asks for is trained.")
    return 0
