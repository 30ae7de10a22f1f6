"""Building a ready Agent from config.yml: load what is built, build what is missing.

Order: catalog and ratings (`data build`, needs the package index once) → the sentence encoder
(its ONNX graph exported once, when config.yml's backend is onnx) → item vectors (encoded once,
cached) → the ranker config.yml names (`mmoe` loads the model `convrec train` wrote, and
falls back to `linear` with a log line when it is missing) → intent classifier (trained from
data/nlu.yml when absent or stale) → agent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bot.config import DOMAINS_DIR, Config, load_config
from bot.dialogue.agent import Agent
from bot.dialogue.replies import Templates, domain_examples
from bot.stores.sqlite import SessionStore
from bot.voice.language_model import ensure_voice_model
from bot.voice.speech import Recognizer
from nlu import encoder_export, intent_encoder
from nlu.encoder import SentenceEncoder
from nlu.entities import EntityLexicon
from nlu.facet_lexicon import FacetLexicon
from nlu.intent_classifier import IntentClassifier
from nlu.item_nouns import ItemNouns
from nlu.lexicon_cache import cached_lexicon
from nlu.parse import NluPipeline
from nlu.schema_lexicon import schema_lexicon
from nlu.train import ENCODER_FOLDER, is_current, train_intents
from recommender.data import item_vectors
from recommender.data.domain_build import build_domain, is_built
from recommender.data.history import BehaviorHistory
from recommender.domain.catalog import Catalog
from recommender.domain.schema import item_facets_schema, load_schema
from recommender.serving.ann import ensure_index
from recommender.serving.mmoe_ranker import (
    CARD_FILE,
    MODEL_FILE,
    PROJECTION_FILE,
    load_ranker,
    ranker_root,
)
from recommender.serving.model_versions import ModelVersions, VersionError
from recommender.serving.recommend import Recommender

Log = Callable[[str], None]
DOMAIN_REPLIES = "replies_domain.yml"  # beside paths.replies: a schema domain's wordings
MOVIE_SCHEMA = DOMAINS_DIR / "movies.yml"  # describes the movie catalog's facets


def ensure_catalog(config: Config, log: Log) -> Catalog:
    """The catalog config.yml's domain names: the movie catalog, or a schema domain's (built
    from its schema when missing or older than the schema and its tables; `catalog.schema` set)."""
    if config.schema is not None:
        schema = load_schema(config.schema)
        if not is_built(schema, config.catalog_dir):
            log(f"Building the {schema.name} catalog from {schema.path} ...")
            build_domain(schema, config.catalog_dir, log=log)
        catalog = Catalog.load(config.catalog_dir)
        catalog.schema = schema
        return catalog
    if not (config.catalog_dir / "items.jsonl").exists():
        # heavy: pandas (~0.1 s of every start-up), only when the catalog is missing
        from recommender.data.build import build_movies

        log("No catalog yet: building it from the pinned data packages (once) ...")
        build_movies(config.catalog_dir, log=log)
    catalog = Catalog.load(config.catalog_dir)
    # runtime, certificate, languages, countries: filtered on and named in reasons
    catalog.extra_facets = item_facets_schema(load_schema(MOVIE_SCHEMA), catalog.items)
    return catalog


def ensure_encoder(config: Config, log: Log) -> SentenceEncoder:
    """The sentence encoder config.yml names. For the onnx backend its graph is exported first
    when missing or stale (nlu/encoder_export.py, into <artifacts>/models/encoder; `convrec
    train` does it once); a failed export raises, it never falls back to torch."""
    folder = config.models_dir / "encoder"
    if config.nlu.encoder.backend == "onnx" and not encoder_export.is_current(folder):
        log(f"Exporting the sentence encoder to ONNX (once; cached in {folder}) ...")
        encoder_export.export(folder, log=log)
    return SentenceEncoder(config.nlu.encoder, folder)


def ensure_intent_model(config: Config, encoder: SentenceEncoder, log: Log) -> IntentClassifier:
    """The intent head, trained first when missing or stale. The real seekers' messages
    (nlu.pipeline IntentClassifier.seeker_data) train as written, titles in: delexicalised by
    the catalog's lexicon, as parse() reads a message, the held-out macro-F1 on data/nlu.yml fell
    from 0.805 to 0.768 (docs/BENCHMARKS.md), so they are not."""
    folder = config.models_dir / "intent"
    nlu_path = config.path("nlu_data")
    if not is_current(nlu_path, config.nlu.intent, folder):
        log(f"Training the intent classifier from {nlu_path} ...")
        train_intents(nlu_path, encoder, config.nlu.intent, config.nlu.fallback_intent, folder,
                      log=log)
    return IntentClassifier.load(folder, threshold=config.nlu.intent.threshold)


def make_store(config: Config):
    """The session store config.yml asks for: SQLite in paths.state (default) or Redis."""
    if config.stores.is_redis:
        # optional: the redis client (~50 ms of every start-up), only for redis:// sessions
        from bot.stores.redis import RedisSessionStore

        return RedisSessionStore(config.stores.sessions, lock_ttl_s=config.stores.lock_ttl_s,
                                 lock_wait_s=config.stores.lock_wait_s)
    return SessionStore(config.path("state") / "sessions.sqlite",
                        lock_wait_s=config.stores.lock_wait_s)


def servable_ranker(config: Config, log: Log) -> tuple[str | None, Path | None]:
    """(version id, folder) of the ranker version to serve: the current one, or — when it is
    half-written or corrupt (recommender/serving/model_versions.py) — the newest earlier one
    that is whole, with a log line; (None, None) when none is (load_ranker says what it does)."""
    if config.recommender.ranker != "mmoe":
        return None, None
    versions = ModelVersions(ranker_root(config.ranker_models_dir))
    pointer = versions.pointer()
    for version in [pointer["current"], *reversed(pointer["history"])]:
        if version is None:
            continue
        try:
            return version, versions.verify(version, (MODEL_FILE, PROJECTION_FILE, CARD_FILE))
        except VersionError as e:
            log(f"ranker: {e}; trying the version before it")
            logging.getLogger("convrec.ranker").warning("%s; trying the version before it", e)
    return None, None


def build_agent(config: Config | None = None, log: Log = lambda message: None,
                wrap_encoder: Callable | None = None) -> Agent:
    """The Agent for `config` (default: config.yml or $CONVREC_CONFIG), building what is missing.

    `wrap_encoder(encoder)` may wrap the utterance encoder the NLU uses (the server batches
    the utterances of concurrent turns through it); item vectors always use the plain one."""
    config = config or load_config()
    catalog = ensure_catalog(config, log)
    encoder = ensure_encoder(config, log)
    vectors = item_vectors.load_or_build(
        catalog, config.catalog_dir, lambda texts: encoder.encode(texts, progress=True), log=log)
    history = load_history(config, catalog)
    ranker_name = config.recommender.ranker
    if catalog.schema is not None and catalog.schema.interactions is None:
        log(f"{catalog.schema.name}: no interaction table, so the linear ranker (content, "
            f"facets and popularity; recommender.weights)")
        ranker_name = "linear"
    version, folder = servable_ranker(config, log) if ranker_name == "mmoe" else (None, None)
    ranker = load_ranker(ranker_name, config.ranker_models_dir, vectors,
                         config.recommender.weights, config.recommender.task_weights, log,
                         catalog.years, folder, config.recommender.anonymous_task_weights)
    ranker.model_version = version  # what /health reports (bot/server/reload.py)
    # a large schema catalog: a nearest-neighbour index (built by `data build`, else here once)
    ann = ensure_index(config.catalog_dir, vectors, config.recommender.ann_min_items, log) \
        if catalog.schema is not None else None
    recommender = Recommender(catalog, vectors, history, config.recommender, ranker=ranker,
                              ann=ann)
    utterance_encoder = wrap_encoder(encoder) if wrap_encoder else encoder
    if catalog.schema is not None:  # the facets' values, synonyms and numeric limits too
        lexicon = cached_lexicon(config.catalog_dir, catalog.schema.path,
                                 lambda: schema_lexicon(catalog), log)
    else:
        lexicon = EntityLexicon.from_catalog(catalog)
        if catalog.extra_facets is not None:  # "in French", "under two hours", "PG-13 at most"
            lexicon.facets = FacetLexicon.build(catalog.extra_facets, catalog)
    schema = catalog.schema
    item_nouns = (ItemNouns.build(schema.noun, schema.plural, schema.nouns, schema.verbs)
                  if schema is not None else None)  # "a mystery novel" read as a request
    nlu = NluPipeline(utterance_encoder, lexicon, ensure_intent_model(config, encoder, log),
                      item_nouns, intent_encoder.load(config.models_dir / "intent" / ENCODER_FOLDER,
                                                      config.nlu.encoder))
    encoder.encode(["warm up"])  # load the model now, not on the first message
    if nlu.intent_encoder is not None:
        nlu.intent_encoder.encode(["warm up"])
    store = make_store(config)
    templates = make_templates(config, catalog)
    return Agent(config, catalog, recommender, nlu, store, templates)


def load_history(config: Config, catalog: Catalog) -> BehaviorHistory:
    """The behavior history: ratings.npz, or, for a schema domain without interactions, an
    empty one (no user is known; the history feature is 0)."""
    if catalog.schema is not None and not (config.catalog_dir / "ratings.npz").exists():
        empty = np.zeros(0, dtype=np.int64)
        return BehaviorHistory(catalog, empty, empty, np.zeros(0, dtype=np.float32), empty)
    return BehaviorHistory.load(config.catalog_dir, catalog)


def make_templates(config: Config, catalog: Catalog) -> Templates:
    """data/replies.yml with the catalog's noun; for a schema domain, data/replies_domain.yml
    over it and the schema's `replies` over both."""
    if catalog.schema is None:
        return Templates(config.path("replies"))
    schema = catalog.schema
    return Templates(config.path("replies"), schema.noun, schema.plural,
                     overlays=(config.path("replies").parent / DOMAIN_REPLIES,),
                     replies=dict(schema.replies),
                     extra={"examples": domain_examples(catalog)})


def ensure_recognizer(config: Config, catalog: Catalog, log: Log):
    """The offline speech recogniser with convrec's language model (built when missing)."""
    voice = config.channels.voice
    model = ensure_voice_model(config.path("nlu_data"), catalog, config.catalog_dir,
                               config.models_dir / "voice", voice.popular_titles, voice.people,
                               log=log)
    return Recognizer(model.lm, model.dictionary)
