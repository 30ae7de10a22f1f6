"""Loading and validating config.yml: one dataclass per section, a clear message per bad key."""

from __future__ import annotations

import dataclasses
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from bot.dialogue.interest import InterestParams
from nlu.encoder import BACKENDS, EncoderConfig
from nlu.encoder_onnx import ONNXRUNTIME
from nlu.intent_classifier import IntentConfig
from recommender.domain.schema import SchemaError, load_schema
from recommender.models.tasks import TASKS
from recommender.serving.recommend import RecommenderConfig
from recommender.training.ranker_config import training_config

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = ROOT / "config.yml"


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Paths:
    artifacts: Path = Path("data/build")
    state: Path = Path("var")
    nlu_data: Path = Path("data/nlu.yml")
    replies: Path = Path("data/replies.yml")
    # a schema domain's built catalog and models: <domains>/<domain>/, relative to `artifacts`
    domains: Path = Path("domains")


@dataclass(frozen=True)
class NluConfig:
    encoder: EncoderConfig = EncoderConfig()
    intent: IntentConfig = IntentConfig()
    fallback_intent: str = "nlu_fallback"
    max_message_chars: int = 2000


@dataclass(frozen=True)
class PolicyConfig:
    recommendations_per_turn: int = 3
    ask_before_recommending: bool = True


@dataclass(frozen=True)
class StoresConfig:
    sessions: str = "sqlite"  # "sqlite" (paths.state) or "redis://HOST:PORT/DB"
    lock_ttl_s: float = 30.0  # redis: a turn's hold on its session lock; a dead worker's expires
    lock_wait_s: float = 10.0  # how long a turn waits for its session's lock, then 503

    @property
    def is_redis(self) -> bool:
        return self.sessions.startswith("redis://")


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 5005
    workers: int = 1  # processes; more than one needs stores.sessions: redis://...
    threads: int = 32  # turns in flight per process (their utterances are encoded together)
    batch_max: int = 16  # utterances per encoder forward pass
    torch_threads: int = 0  # per process; 0 = 1 (turns run in parallel, not inside one)
    max_body_bytes: int = 2_000_000  # voice uploads (POST /api/voice) over this get 413
    max_json_bytes: int = 65_536  # every other request body over this gets 413
    cors_origins: tuple[str, ...] = ()  # pages on other origins allowed to embed the widget
    admin_token_env: str = "CONVREC_ADMIN_TOKEN"  # /admin/* needs "Bearer <that variable>"
    # token buckets, per worker process: a sender (session) may send `rate_limit_burst` messages
    # at once, then `rate_limit_per_minute`; requests without a sender (parse, transcripts) are
    # counted per client IP. 0 = no limit. Over the limit: 429 with Retry-After.
    rate_limit_per_minute: int = 60
    rate_limit_burst: int = 20
    ip_rate_limit_per_minute: int = 600
    ip_rate_limit_burst: int = 60


@dataclass(frozen=True)
class ChannelSwitch:
    enabled: bool = True


@dataclass(frozen=True)
class VoiceChannelConfig:
    enabled: bool = True
    popular_titles: int = 400  # titles in the recogniser's language model, most rated first
    people: int = 300  # directors and actors in it, most rated films first
    max_seconds: float = 30.0  # longer recordings are refused


@dataclass(frozen=True)
class AlexaChannelConfig:
    enabled: bool = True
    verify: bool = True  # check Amazon's request signature; false is for local testing only
    skill_id: str = ""  # when set, requests for any other skill are refused
    max_skew_s: float = 150.0  # request timestamps further from now are refused


@dataclass(frozen=True)
class ChannelsConfig:
    rest: ChannelSwitch = ChannelSwitch()
    socketio: ChannelSwitch = ChannelSwitch()
    widget: ChannelSwitch = ChannelSwitch()
    voice: VoiceChannelConfig = VoiceChannelConfig()
    alexa: AlexaChannelConfig = AlexaChannelConfig()


@dataclass(frozen=True)
class Config:
    domain: str = "movies"
    paths: Paths = Paths()
    nlu: NluConfig = NluConfig()
    state: InterestParams = InterestParams()
    policy: PolicyConfig = PolicyConfig()
    recommender: RecommenderConfig = RecommenderConfig()
    stores: StoresConfig = StoresConfig()
    server: ServerConfig = ServerConfig()
    channels: ChannelsConfig = ChannelsConfig()
    root: Path = ROOT
    # a domain schema (`--schema PATH`, `--domain NAME`, $CONVREC_SCHEMA): the chat's catalog is
    # built from it; None: the movie catalog `convrec data build` builds
    schema: Path | None = None

    def path(self, name: str) -> Path:
        p = getattr(self.paths, name)
        return p if p.is_absolute() else self.root / p

    @property
    def catalog_dir(self) -> Path:
        if self.schema is not None:
            return self.path("artifacts") / self.paths.domains / self.domain
        return self.path("artifacts") / self.domain

    @property
    def ranker_models_dir(self) -> Path:
        """Where the ranker's versions live: per schema domain beside its catalog; the movie
        ranker's in `models_dir`. (The encoder and intent models are shared by every domain.)"""
        return self.catalog_dir / "models" if self.schema is not None else self.models_dir

    @property
    def models_dir(self) -> Path:
        return self.path("artifacts") / "models"


KNOWN_WEIGHTS = {
    "interest", "history", "popularity", "quality", "genre_match", "person_match", "keyword_match",
}
# nlu.pipeline: the components nlu/parse.py NluPipeline is built from, in the one order config.yml
# must list them (the encoder; the entity extractor, whose spans delexicalise the text; the intent
# classifier, which reads the embedding and the delexicalised text), each with the dataclass of its
# parameters (None: it takes none)
PIPELINE_COMPONENTS = {"SentenceEncoder": EncoderConfig, "EntityExtractor": None,
                       "IntentClassifier": IntentConfig}
PIPELINE_ORDER = ", ".join(PIPELINE_COMPONENTS)


RANKERS = ("linear", "mmoe")  # recommender/serving/ranker.py, recommender/serving/mmoe_ranker.py


def _check_ranker_settings(recommender: RecommenderConfig) -> None:
    """recommender.task_weights and anonymous_task_weights: known tasks, numbers >= 0, one > 0
    (anonymous_task_weights may be empty: the same as task_weights); recommender.training: the
    keys of recommender.training.ranker_config.RankerTrainingConfig with their types."""
    mixes = {"task_weights": recommender.task_weights,
             "anonymous_task_weights": recommender.anonymous_task_weights}
    for key, mix in mixes.items():
        if not isinstance(mix, dict):
            raise ConfigError(f"recommender.{key}: expected task: weight pairs, got {mix!r}")
        for task, weight in mix.items():
            if task not in TASKS:
                raise ConfigError(f"recommender.{key}.{task}: unknown task "
                                  f"(known: {', '.join(TASKS)})")
            if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight < 0:
                raise ConfigError(f"recommender.{key}.{task}: expected a number >= 0, "
                                  f"got {weight!r}")
        if (mix or key == "task_weights") and not any(w > 0 for w in mix.values()):
            raise ConfigError(f"recommender.{key}: at least one task needs a weight > 0")
    try:
        training_config(recommender.training)
    except ValueError as e:
        raise ConfigError(f"recommender.training.{e}") from e


def _build(cls, raw, where: str):
    """Build a frozen dataclass from a mapping, refusing unknown keys and wrong types."""
    if raw is None:
        return cls()
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a mapping, got {type(raw).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    values = {}
    for key, value in raw.items():
        if key not in fields:
            raise ConfigError(f"{where}.{key}: unknown key (known: {', '.join(sorted(fields))})")
        default = getattr(cls(), key)
        if isinstance(default, bool):
            ok = isinstance(value, bool)
        elif isinstance(default, float):
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            value = float(value) if ok else value
        elif isinstance(default, int):
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif isinstance(default, Path):
            ok = isinstance(value, str)
            value = Path(value) if ok else value
        elif isinstance(default, str):
            ok = isinstance(value, str)
        elif isinstance(default, dict):
            ok = isinstance(value, dict)
        elif isinstance(default, tuple):
            ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
            value = tuple(value) if ok else value
        else:
            ok = True
        if not ok:
            raise ConfigError(
                f"{where}.{key}: expected {type(default).__name__}, got {value!r}"
            )
        values[key] = value
    return cls(**values)


def _pipeline(pipeline) -> dict[str, object]:
    """nlu.pipeline → {component name: its config (None for EntityExtractor)}. The list must name
    every component of PIPELINE_COMPONENTS once, in that order; absent, every default applies."""
    if pipeline is None:
        return {name: None if cls is None else cls() for name, cls in PIPELINE_COMPONENTS.items()}
    if not isinstance(pipeline, list):
        raise ConfigError(f"nlu.pipeline: expected a list of components ({PIPELINE_ORDER}), "
                          f"got {type(pipeline).__name__}")
    parts: dict[str, object] = {}
    for i, component in enumerate(pipeline):
        if not isinstance(component, dict) or "name" not in component:
            raise ConfigError(f"nlu.pipeline[{i}]: each component needs a 'name'")
        name = component["name"]
        if not isinstance(name, str) or name not in PIPELINE_COMPONENTS:
            raise ConfigError(
                f"nlu.pipeline[{i}]: unknown component {name!r} (known: {PIPELINE_ORDER})"
            )
        if name in parts:
            raise ConfigError(f"nlu.pipeline[{i}]: {name} is listed twice; each component "
                              f"appears once")
        params = {k: v for k, v in component.items() if k != "name"}
        cls = PIPELINE_COMPONENTS[name]
        if cls is None and params:
            raise ConfigError(f"nlu.pipeline[{i}] ({name}) takes no parameters")
        parts[name] = None if cls is None else _build(cls, params, f"nlu.pipeline[{i}]({name})")
    for name in PIPELINE_COMPONENTS:
        if name not in parts:
            raise ConfigError(f"nlu.pipeline: {name} is required (the pipeline is "
                              f"{PIPELINE_ORDER}, in this order)")
    if list(parts) != list(PIPELINE_COMPONENTS):
        raise ConfigError(f"nlu.pipeline: expected the order {PIPELINE_ORDER}, got "
                          f"{', '.join(parts)} (the intent classifier reads the encoder's "
                          f"embedding and the text the entity extractor delexicalised)")
    return parts


def _check_encoder(encoder: EncoderConfig, where: str) -> None:
    """The SentenceEncoder's settings: a known backend whose runtime is installed (looked up,
    not imported), threads >= 1, cache_size >= 0."""
    if encoder.backend not in BACKENDS:
        raise ConfigError(f"{where}.backend: unknown backend {encoder.backend!r} "
                          f"(known: {', '.join(BACKENDS)})")
    if encoder.backend == "onnx" and importlib.util.find_spec("onnxruntime") is None:
        raise ConfigError(f"{where}.backend: onnx needs {ONNXRUNTIME}, which is not installed "
                          f"(make install does it); or set backend: torch")
    if encoder.threads < 1:
        raise ConfigError(f"{where}.threads: must be at least 1, got {encoder.threads}")
    if encoder.cache_size < 0:
        raise ConfigError(f"{where}.cache_size: must be 0 (off) or more, got "
                          f"{encoder.cache_size}")


def _nlu(raw) -> NluConfig:
    raw = dict(raw or {})
    pipeline = raw.pop("pipeline", None)
    parts = _pipeline(pipeline)
    where = ("nlu.pipeline[0](SentenceEncoder)" if pipeline is not None
             else "nlu.pipeline (SentenceEncoder defaults)")
    _check_encoder(parts["SentenceEncoder"], where)
    rest = _build(NluConfig, raw, "nlu")
    return dataclasses.replace(
        rest, encoder=parts["SentenceEncoder"], intent=parts["IntentClassifier"]
    )


def _stores(raw) -> StoresConfig:
    stores = _build(StoresConfig, raw, "stores")
    if stores.sessions != "sqlite":
        url = urlsplit(stores.sessions)
        try:
            port = url.port
        except ValueError:
            port = None
        db = url.path.lstrip("/")
        if url.scheme != "redis" or not url.hostname or port is None or not db.isdigit():
            raise ConfigError(
                f"stores.sessions: expected 'sqlite' or 'redis://HOST:PORT/DB', "
                f"got {stores.sessions!r}")
    for key in ("lock_ttl_s", "lock_wait_s"):
        if getattr(stores, key) <= 0:
            raise ConfigError(f"stores.{key}: must be positive, got {getattr(stores, key)}")
    return stores


def _server(raw) -> ServerConfig:
    server = _build(ServerConfig, raw, "server")
    for key in ("port", "workers", "threads", "batch_max", "max_body_bytes", "max_json_bytes",
                "rate_limit_per_minute", "rate_limit_burst", "ip_rate_limit_per_minute",
                "ip_rate_limit_burst"):
        low = 0 if key == "port" or key.endswith("per_minute") else 1
        if getattr(server, key) < low:
            raise ConfigError(f"server.{key}: must be at least {low}, got {getattr(server, key)}")
    if server.max_json_bytes > server.max_body_bytes:
        raise ConfigError(f"server.max_json_bytes: must not exceed server.max_body_bytes "
                          f"({server.max_body_bytes}), got {server.max_json_bytes}")
    if server.torch_threads < 0:
        raise ConfigError(f"server.torch_threads: must be 0 (auto) or more, got "
                          f"{server.torch_threads}")
    return server


def _channels(raw) -> ChannelsConfig:
    if raw is None:
        return ChannelsConfig()
    if not isinstance(raw, dict):
        raise ConfigError(f"channels: expected a mapping, got {type(raw).__name__}")
    kinds = {f.name: f.type for f in dataclasses.fields(ChannelsConfig)}
    defaults = ChannelsConfig()
    values = {}
    for name, section in raw.items():
        if name not in kinds:
            raise ConfigError(f"channels.{name}: unknown channel (known: {', '.join(kinds)})")
        values[name] = _build(type(getattr(defaults, name)), section, f"channels.{name}")
    channels = dataclasses.replace(defaults, **values)
    if channels.voice.popular_titles < 0 or channels.voice.people < 0:
        raise ConfigError("channels.voice: popular_titles and people must not be negative")
    if channels.alexa.max_skew_s <= 0:
        raise ConfigError("channels.alexa.max_skew_s: must be positive")
    return channels


DOMAINS_DIR = ROOT / "data" / "domains"


def schema_path(schema: str | Path | None = None, domain: str | None = None) -> Path | None:
    """The schema file `--schema PATH` or `--domain NAME` (data/domains/NAME.yml) names; None for
    the movie catalog (neither, or `--domain movies`). Raises ConfigError for an unknown name."""
    if schema is not None and domain is not None:
        raise ConfigError("give --schema PATH or --domain NAME, not both")
    if schema is not None:
        return Path(schema).resolve()
    if domain is None or domain == "movies":
        return None
    path = DOMAINS_DIR / f"{domain}.yml"
    if not path.exists():
        known = sorted(p.stem for p in DOMAINS_DIR.glob("*.yml"))
        raise ConfigError(f"--domain {domain}: no {path} (known: {', '.join(known)})")
    return path


def with_schema(config: Config, schema: Path | None) -> Config:
    """`config` for the domain a schema file declares (its name picks the artifacts folder);
    unchanged for None. Raises ConfigError with the schema's one error (file, field)."""
    if schema is None:
        return config
    try:
        loaded = load_schema(schema)
    except SchemaError as e:
        raise ConfigError(str(e)) from e
    return dataclasses.replace(config, domain=loaded.name, schema=loaded.path)


def load_config(path: Path | str | None = None, schema: str | Path | None = None,
                domain: str | None = None) -> Config:
    """Read config.yml (or $CONVREC_CONFIG); the folder holding it is the root of relative paths.
    `schema` / `domain` (or $CONVREC_SCHEMA, e.g. for server workers): a schema domain."""
    path = Path(path or os.environ.get("CONVREC_CONFIG") or DEFAULT_CONFIG)
    if not path.exists():
        raise ConfigError(f"config file not found: {path}")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: not valid YAML: {e}") from e
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    known = {"domain", "paths", "nlu", "state", "policy", "recommender", "stores", "server",
             "channels"}
    for key in raw:
        if key not in known:
            raise ConfigError(f"{key}: unknown key (known: {', '.join(sorted(known))})")
    recommender = _build(RecommenderConfig, raw.get("recommender"), "recommender")
    for key in recommender.weights:
        if key not in KNOWN_WEIGHTS:
            raise ConfigError(f"recommender.weights.{key}: unknown feature "
                              f"(known: {', '.join(sorted(KNOWN_WEIGHTS))})")
    if recommender.ranker not in RANKERS:
        raise ConfigError(f"recommender.ranker: unknown ranker {recommender.ranker!r} "
                          f"(known: {', '.join(RANKERS)})")
    _check_ranker_settings(recommender)
    for key in ("ann_min_items", "exact_search_max", "ann_pool"):  # nearest-neighbour search
        if getattr(recommender, key) < 1:
            raise ConfigError(f"recommender.{key}: must be at least 1, got "
                              f"{getattr(recommender, key)}")
    state = _build(InterestParams, raw.get("state"), "state")
    if not 0.0 <= state.decay <= 1.0:
        raise ConfigError(f"state.decay: must be within [0, 1], got {state.decay}")
    stores = _stores(raw.get("stores"))
    config = Config(
        domain=raw.get("domain", "movies"),
        paths=_build(Paths, raw.get("paths"), "paths"),
        nlu=_nlu(raw.get("nlu")),
        state=state,
        policy=_build(PolicyConfig, raw.get("policy"), "policy"),
        recommender=recommender,
        stores=stores,
        server=_server(raw.get("server")),
        channels=_channels(raw.get("channels")),
        root=path.resolve().parent,
    )
    chosen = schema_path(schema, domain)
    if chosen is None and domain is None and os.environ.get("CONVREC_SCHEMA"):
        chosen = Path(os.environ["CONVREC_SCHEMA"])
    return with_schema(config, chosen)
