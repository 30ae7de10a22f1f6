"""`convrec train`'s ranker step: SASRec + MMoE when config.yml asks for the mmoe ranker and
they are stale, with ReDial-format `accept` lists (bot/training/dialogue_lists.py) when the
configured dialogues are present."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bot.config import Config
from bot.training.conversation_rules import session_updater
from bot.training.dialogue_lists import dialogue_lists_builder
from bot.training.text_cache import cached_encoder
from recommender.data.history import BehaviorHistory
from recommender.serving.mmoe_ranker import CARD_FILE, ranker_dir
from recommender.training.ranker import train_conversational_ranker
from recommender.training.ranker_card import fingerprint, is_current
from recommender.training.ranker_config import training_config

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
    return files if all(f.exists() for f in files) else []


def train_ranker(config: Config, catalog, vectors: np.ndarray, encoder, force: bool,
                 log: Log, progress: bool = True) -> dict | None:
    """Train SASRec + MMoE when config.yml asks for the mmoe ranker and they are stale.
    Returns the model card, or None when nothing was trained."""
    if config.recommender.ranker != "mmoe":
        return None
    settings = training_config(config.recommender.training)
    folder = ranker_dir(config.models_dir)
    dialogues = dialogue_dir(config, settings.dialogues)
    files = dialogue_files(dialogues)
    if dialogues is not None and not files:
        log(f"ranker: no ReDial-format dialogues at {dialogues} (train_data.jsonl and "
            "movies_with_mentions.csv); training on simulated conversations only.")
    expected = fingerprint(catalog, vectors, config.catalog_dir / "ratings.npz", settings, files)
    if not force and is_current(folder, expected):
        log(f"ranker: up to date ({folder / CARD_FILE}).")
        return None
    history = BehaviorHistory.load(config.catalog_dir, catalog)
    encode = cached_encoder(encoder.encode, config.path("artifacts") / "cache" /
                            "ranker_texts.npz", log)
    dialogue_lists = None
    if files:
        dialogue_lists = dialogue_lists_builder(config, catalog, vectors, history, dialogues,
                                                encode, log, progress)
    card = train_conversational_ranker(
        catalog, vectors, history, encode, session_updater(config), config.recommender,
        settings, folder, expected, dialogue_lists, log=log, progress=progress)
    return card


def card_summary(card: dict) -> str:
    return json.dumps({"test": {t: v["auc"] for t, v in card["metrics"]["test"].items()},
                       "seconds": card["training_seconds"]})
