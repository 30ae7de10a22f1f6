"""Wiring the conversational ranker's training and evaluation to the NLU and the chat's state
update: the recommender receives these as plain callables and never imports `nlu` or `bot`.

- `session_updater(config)`: the chat's interest update (bot/dialogue/interest.py) as
  `(vector, [(kind, vector, sign)]) -> vector`;
- `constraints_extractor(lexicon)`: an utterance → the Constraints the chat would record
  (genres, people, keywords with their polarity; nlu/entities.py);
- `cached_encoder(encoder, path)`: sentence embeddings cached on disk by text (ReDial turns and
  movie titles are encoded once);
- `train_ranker(...)`: `convrec train`'s ranker step, with ReDial-format dialogues when present.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bot.config import Config
from bot.dialogue.interest import Signal, update_interest
from nlu.types import WANTED
from recommender.domain.constraints import Constraints

Log = Callable[[str], None]


def session_updater(config: Config):
    params = config.state

    def update(vector, signals):
        return update_interest(vector, [Signal(kind, v, sign) for kind, v, sign in signals],
                               params)

    return update


def constraints_extractor(lexicon) -> Callable[[str], Constraints]:
    from nlu.entities import extract_entities

    def constraints_of(text: str) -> Constraints:
        c = Constraints()
        for entity in extract_entities(text, lexicon):
            wanted = entity.polarity == WANTED
            if entity.type == "genre":
                (c.genres_wanted if wanted else c.genres_unwanted).add(entity.value)
            elif entity.type == "person":
                (c.people_wanted if wanted else c.people_unwanted).add(entity.value)
            elif entity.type == "keyword":
                (c.keywords_wanted if wanted else c.keywords_unwanted).add(entity.value)
        return c

    return constraints_of


def cached_encoder(encode: Callable[[list[str]], np.ndarray], path: Path, log: Log = print
                   ) -> Callable[[list[str]], np.ndarray]:
    """encode(texts) with an on-disk cache (npz of text hashes and vectors) at `path`."""
    path = Path(path)
    cache: dict[str, np.ndarray] = {}
    if path.exists():
        data = np.load(path)
        cache = dict(zip(data["keys"].tolist(), data["vectors"]))

    def key(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()[:20]

    def cached(texts: list[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if key(t) not in cache))
        if missing:
            log(f"encoding {len(missing)} texts (cached in {path}) ...")
            for text, vector in zip(missing, encode(missing)):
                cache[key(text)] = vector.astype(np.float32)
            path.parent.mkdir(parents=True, exist_ok=True)
            keys = sorted(cache)
            np.savez(path, keys=np.array(keys), vectors=np.stack([cache[k] for k in keys]))
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.stack([cache[key(t)] for t in texts])

    return cached


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
    from recommender.data.history import BehaviorHistory
    from recommender.serving.mmoe_ranker import CARD_FILE, ranker_dir
    from recommender.training.ranker import (
        fingerprint,
        is_current,
        train_conversational_ranker,
        training_config,
    )

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
        from bot.evaluation.redial import dialogue_lists_builder

        dialogue_lists = dialogue_lists_builder(config, catalog, vectors, history, dialogues,
                                                encode, log, progress)
    card = train_conversational_ranker(
        catalog, vectors, history, encode, session_updater(config), config.recommender,
        settings, folder, expected, dialogue_lists, log=log, progress=progress)
    return card


def card_summary(card: dict) -> str:
    return json.dumps({"test": {t: v["auc"] for t, v in card["metrics"]["test"].items()},
                       "seconds": card["training_seconds"]})
