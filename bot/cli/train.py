"""`convrec data build`, `convrec data evidence` and `convrec train`: build what the agent loads
— the catalog and behavior history, the conversation evidence table, then the sentence encoder's
ONNX graph (onnx backend), the item vectors, the intent classifier and the configured ranker."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.build import ensure_catalog, ensure_encoder, ensure_intent_model
from bot.cli.log import log
from bot.config import Config, load_config
from bot.training.evidence import SHIPPED as SHIPPED_EVIDENCE
from bot.training.evidence import evidence_from_dialogues
from bot.training.ranker import train_ranker, train_ranker_incremental
from nlu.encoder_onnx import OnnxEncoderError
from nlu.lexicon_cache import cached_lexicon
from nlu.schema_lexicon import schema_lexicon
from nlu.train import train_intents
from recommender.data import item_vectors
from recommender.data.build import DataBuildError, build_movies
from recommender.data.domain_build import build_domain, is_built
from recommender.domain.schema import SchemaError, load_schema
from recommender.serving.ann import ensure_index


def data_build(args: argparse.Namespace) -> int:
    config = load_config(args.config, getattr(args, "schema", None), getattr(args, "domain", None))
    if config.schema is not None:
        return data_build_domain(config, args.force)
    try:
        build_movies(config.catalog_dir, force=args.force, log=log)
    except DataBuildError as e:
        log(f"error: {e}")
        return 1
    return 0


def data_build_domain(config: Config, force: bool) -> int:
    """`data build --schema/--domain`: the domain's catalog (and ratings), its item vectors, a
    large catalog's nearest-neighbour index and the entity lexicon (cached beside them)."""
    schema = load_schema(config.schema)
    try:
        if force or not is_built(schema, config.catalog_dir):
            build_domain(schema, config.catalog_dir, log=log)
        else:
            log(f"The {schema.name} catalog in {config.catalog_dir} is up to date (--force "
                f"rebuilds it).")
        catalog = ensure_catalog(config, log)
        encoder = ensure_encoder(config, log)
    except (SchemaError, OnnxEncoderError) as e:
        log(f"error: {e}")
        return 1
    vectors = item_vectors.load_or_build(catalog, config.catalog_dir,
                                         lambda texts: encoder.encode(texts, progress=True),
                                         log=log)
    # what start-up would otherwise build once: the nearest-neighbour index of a large
    # catalog, and the entity lexicon (nlu/lexicon_cache.py)
    ensure_index(config.catalog_dir, vectors, config.recommender.ann_min_items, log)
    cached_lexicon(config.catalog_dir, schema.path, lambda: schema_lexicon(catalog), log)
    return 0


def data_evidence(args: argparse.Namespace) -> int:
    """The conversation evidence table from ReDial-format dialogues (bot/training/evidence.py)."""
    config = load_config(args.config)
    folder = Path(args.dialogues)
    missing = [name for name in ("train_data.jsonl", "movies_with_mentions.csv")
               if not (folder / name).exists()]
    if missing:
        log(f"error: {folder} has no {' or '.join(missing)}")
        return 1
    out = Path(args.out) if args.out else SHIPPED_EVIDENCE
    evidence_from_dialogues(folder, ensure_catalog(config, log), log).save(out)
    log(f"conversation evidence: wrote {out} ({out.stat().st_size / 1e6:.1f} MB)")
    return 0


def train(args: argparse.Namespace) -> int:
    config = load_config(args.config, getattr(args, "schema", None), getattr(args, "domain", None))
    if getattr(args, "incremental", False) and args.force:
        log("error: --incremental and --force exclude each other (--force: a full retrain)")
        return 2
    try:
        catalog = ensure_catalog(config, log)
    except SchemaError as e:
        log(f"error: {e}")
        return 1
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
    if catalog.schema is not None and catalog.schema.interactions is None:
        log(f"{catalog.schema.name}: no interaction table, so no ranker to train: the chat "
            f"ranks with the linear ranker (content, facets and popularity).")
        log("Everything the domain needs is built.")
        return 0
    # a schema domain with interactions trains its own ranker into its folder (from its history
    # and simulated conversations; ReDial's movie dialogues are not read)
    # the conversational multi-task ranker (SASRec + MMoE) when recommender.ranker is mmoe;
    # --incremental: fine-tuned on the behavior log's new events (full when the catalog changed)
    progress = not getattr(args, "quiet", False)
    try:
        if getattr(args, "incremental", False):
            train_ranker_incremental(config, catalog, vectors, encoder, args.max_seconds, log,
                                     progress=progress)
        else:
            train_ranker(config, catalog, vectors, encoder, args.force, log, progress=progress)
    except SchemaError as e:  # a schema's `training:` key that config.yml does not know
        log(f"error: {e}")
        return 1
    log("Everything config.yml asks for is trained.")
    return 0
