"""`convrec train`'s ranker step: SASRec + MMoE when config.yml asks for the mmoe ranker and
they are stale, with ReDial-format `accept` lists (bot/training/dialogue_lists.py) when the
configured dialogues are present, and the lists of the configured store's behavior log
(recommender/training/log_examples.py). `--incremental` fine-tunes the current version on the
log's events past its high-water mark instead (recommender/training/incremental.py).

Every training writes a new version (recommender/serving/model_versions.py): a staging folder,
sealed and pointed at only when complete, so a running server never loads half a model."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bot.build import make_store
from bot.config import Config
from bot.training.conversation_rules import session_updater
from bot.training.dialogue_lists import dialogue_lists_builder
from bot.training.evidence import SHIPPED as SHIPPED_EVIDENCE
from bot.training.evidence import training_evidence
from bot.training.text_cache import cached_encoder
from recommender.data.behavior_log import LogEvent, accepted_items, after_mark, parse_rows
from recommender.data.history import BehaviorHistory
from recommender.data.redial_facts import FACTS_FILE
from recommender.domain.schema import SchemaError
from recommender.serving.mmoe_ranker import CARD_FILE, MODEL_FILE, load_mmoe_ranker, ranker_root
from recommender.serving.model_versions import ModelVersions
from recommender.training.incremental import (
    FineTuneSettings,
    needs_full_retrain,
    train_incremental,
)
from recommender.training.log_examples import extend_history
from recommender.training.ranker import train_conversational_ranker
from recommender.training.ranker_card import fingerprint, is_current
from recommender.training.ranker_config import RankerTrainingConfig, training_config

Log = Callable[[str], None]


def dialogue_dir(config: Config, raw: str) -> Path | None:
    if not raw:
        return None
    path = Path(raw)
    return path if path.is_absolute() else config.root / path


def dialogue_files(folder: Path | None) -> list[Path]:
    if folder is None:
        return []
    files = [folder / "train_data.jsonl", folder / "movies_with_mentions.csv"]
    if not all(f.exists() for f in files):
        return []
    return files + [f for f in (folder / FACTS_FILE,) if f.exists()]


def domain_training(config: Config, catalog) -> RankerTrainingConfig:
    """config.yml's `recommender.training`, with a schema domain's own `training:` keys over it
    (Book-Crossing's 92k readers and 271k books: `max_users`, `sasrec_min_count`). A bad key
    is a SchemaError naming the schema file."""
    schema = catalog.schema
    if schema is None or not schema.training:
        return training_config(config.recommender.training)
    try:
        return training_config({**config.recommender.training, **schema.training})
    except ValueError as error:
        raise SchemaError(schema.path, "training", str(error)) from None


def train_ranker(config: Config, catalog, vectors: np.ndarray, encoder, force: bool,
                 log: Log, progress: bool = True) -> dict | None:
    """Train SASRec + MMoE when config.yml asks for the mmoe ranker and they are stale.
    Returns the model card, or None when nothing was trained."""
    if config.recommender.ranker != "mmoe":
        return None
    settings = domain_training(config, catalog)
    versions = ModelVersions(ranker_root(config.ranker_models_dir))
    folder = versions.current_folder()
    movies = catalog.schema is None  # ReDial's dialogues and evidence are about movies only
    dialogues = dialogue_dir(config, settings.dialogues) if movies else None
    files = dialogue_files(dialogues)
    if dialogues is not None and not files:
        log(f"ranker: no ReDial-format dialogues at {dialogues} (train_data.jsonl and "
            "movies_with_mentions.csv); training on simulated conversations only.")
    shipped = [SHIPPED_EVIDENCE] if movies and not files and SHIPPED_EVIDENCE.exists() else []
    expected = fingerprint(catalog, vectors, config.catalog_dir / "ratings.npz", settings,
                           files + shipped)
    if not force and is_current(folder, expected):
        log(f"ranker: up to date ({folder / CARD_FILE}).")
        return None
    history = BehaviorHistory.load(config.catalog_dir, catalog)
    events = read_behavior_log(config)
    history, added = extend_history(history, accepted_items(events))
    log(f"ranker: behavior log: {len(events)} events; {added} accepted items extend "
        "users' histories")
    encode = cached_encoder(encoder.encode, config.path("artifacts") / "cache" /
                            "ranker_texts.npz", log)
    dialogue_lists = None
    if files:
        dialogue_lists = dialogue_lists_builder(config, catalog, vectors, history, dialogues,
                                                encode, log, progress)
    evidence, evidence_source = training_evidence(catalog, dialogues if files else None, log) \
        if movies else (None, "none: no conversation data for this domain")
    staging = versions.staging()
    card = train_conversational_ranker(
        catalog, vectors, history, encode, session_updater(config), config.recommender,
        settings, staging, expected, dialogue_lists, log=log, progress=progress,
        log_events=events, log_notes={"history_items_added": added},
        conversation_evidence=evidence, evidence_source=evidence_source)
    log(f"ranker: version {publish(versions, staging, config, catalog, vectors)} is current")
    return card


def publish(versions: ModelVersions, staging: Path, config: Config, catalog,
            vectors: np.ndarray) -> str:
    """Load the staged ranker as a server would (a version that does not load is never pointed
    at: the staging folder is deleted and the error raised), then publish it."""
    try:
        load_mmoe_ranker(staging, vectors, config.recommender.task_weights, catalog.years)
    except Exception:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return versions.publish(staging)


def read_behavior_log(config: Config) -> list[LogEvent]:
    """Every event of the configured store's behavior log, oldest first (a forgotten user's
    rows are gone from the store, so they are never read)."""
    store = make_store(config)
    try:
        return parse_rows(store.behavior_log())
    finally:
        store.close()


def train_ranker_incremental(config: Config, catalog, vectors: np.ndarray, encoder,
                             max_seconds: float, log: Log, progress: bool = True
                             ) -> dict | None:
    """Fine-tune the current ranker on the log's events past its high-water mark, within
    `max_seconds`, into a new version; a full retrain when there is no model yet or the catalog
    changed. Returns the new card, or None when there was nothing new."""
    if config.recommender.ranker != "mmoe":
        return None
    versions = ModelVersions(ranker_root(config.ranker_models_dir))
    base = versions.current_folder()
    card_path = base / CARD_FILE
    reason = None if (base / MODEL_FILE).exists() and card_path.exists() else "no trained model"
    card = json.loads(card_path.read_text()) if reason is None else {}
    reason = reason or needs_full_retrain(card, catalog)
    if reason is not None:
        log(f"ranker: full retrain instead of incremental: {reason}")
        return train_ranker(config, catalog, vectors, encoder, True, log, progress)
    mark = (card.get("behavior_log") or {}).get("high_water_mark")
    events = after_mark(read_behavior_log(config), mark)
    log(f"ranker: {len(events)} behavior-log events past the high-water mark {mark!r}")
    if not events:
        return None
    staging = versions.staging()
    history = BehaviorHistory.load(config.catalog_dir, catalog)
    try:
        new_card = train_incremental(
            base, staging, versions.current_id(), catalog, vectors, history, events,
            config.recommender, domain_training(config, catalog),
            FineTuneSettings(max_seconds=max_seconds), log)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if new_card is None:
        shutil.rmtree(staging, ignore_errors=True)
        return None
    log(f"ranker: version {publish(versions, staging, config, catalog, vectors)} is current")
    return new_card


def card_summary(card: dict) -> str:
    return json.dumps({"test": {t: v["auc"] for t, v in card["metrics"]["test"].items()},
                       "seconds": card["training_seconds"]})
