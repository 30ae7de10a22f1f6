"""Loading and validating config.yml: one dataclass per section, a clear message per bad key."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.interest import InterestParams
from nlu.encoder import EncoderConfig
from nlu.intent_classifier import IntentConfig
from recommender.recommend import RecommenderConfig

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
    sessions: str = "sqlite"


@dataclass(frozen=True)
class Config:
    domain: str = "movies"
    paths: Paths = Paths()
    nlu: NluConfig = NluConfig()
    state: InterestParams = InterestParams()
    policy: PolicyConfig = PolicyConfig()
    recommender: RecommenderConfig = RecommenderConfig()
    stores: StoresConfig = StoresConfig()
    root: Path = ROOT

    def path(self, name: str) -> Path:
        p = getattr(self.paths, name)
        return p if p.is_absolute() else self.root / p

    @property
    def catalog_dir(self) -> Path:
        return self.path("artifacts") / self.domain

    @property
    def models_dir(self) -> Path:
        return self.path("artifacts") / "models"


KNOWN_WEIGHTS = {
    "interest", "history", "popularity", "quality", "genre_match", "person_match", "keyword_match",
}
PIPELINE_COMPONENTS = {"SentenceEncoder": EncoderConfig, "EntityExtractor": None,
                       "IntentClassifier": IntentConfig}


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
        else:
            ok = True
        if not ok:
            raise ConfigError(
                f"{where}.{key}: expected {type(default).__name__}, got {value!r}"
            )
        values[key] = value
    return cls(**values)


def _nlu(raw) -> NluConfig:
    raw = dict(raw or {})
    pipeline = raw.pop("pipeline", None) or []
    parts = {}
    for i, component in enumerate(pipeline):
        if not isinstance(component, dict) or "name" not in component:
            raise ConfigError(f"nlu.pipeline[{i}]: each component needs a 'name'")
        name = component["name"]
        if name not in PIPELINE_COMPONENTS:
            raise ConfigError(
                f"nlu.pipeline[{i}]: unknown component {name!r} "
                f"(known: {', '.join(PIPELINE_COMPONENTS)})"
            )
        params = {k: v for k, v in component.items() if k != "name"}
        cls = PIPELINE_COMPONENTS[name]
        if cls is None:
            if params:
                raise ConfigError(f"nlu.pipeline[{i}] ({name}) takes no parameters")
            continue
        parts[name] = _build(cls, params, f"nlu.pipeline[{i}]({name})")
    rest = _build(NluConfig, {k: v for k, v in raw.items()}, "nlu")
    return dataclasses.replace(
        rest,
        encoder=parts.get("SentenceEncoder", EncoderConfig()),
        intent=parts.get("IntentClassifier", IntentConfig()),
    )


def load_config(path: Path | str | None = None) -> Config:
    """Read config.yml (or $CONVREC_CONFIG); the folder holding it is the root of relative paths."""
    path = Path(path or os.environ.get("CONVREC_CONFIG") or DEFAULT_CONFIG)
    if not path.exists():
        raise ConfigError(f"config file not found: {path}")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: not valid YAML: {e}") from e
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    known = {"domain", "paths", "nlu", "state", "policy", "recommender", "stores"}
    for key in raw:
        if key not in known:
            raise ConfigError(f"{key}: unknown key (known: {', '.join(sorted(known))})")
    recommender = _build(RecommenderConfig, raw.get("recommender"), "recommender")
    for key in recommender.weights:
        if key not in KNOWN_WEIGHTS:
            raise ConfigError(
                f"recommender.weights.{key}: unknown feature (known: {', '.join(sorted(KNOWN_WEIGHTS))})"
            )
    if recommender.ranker not in ("linear",):
        raise ConfigError(f"recommender.ranker: unknown ranker {recommender.ranker!r} (known: linear)")
    state = _build(InterestParams, raw.get("state"), "state")
    if not 0.0 <= state.decay <= 1.0:
        raise ConfigError(f"state.decay: must be within [0, 1], got {state.decay}")
    stores = _build(StoresConfig, raw.get("stores"), "stores")
    if stores.sessions != "sqlite":
        raise ConfigError(f"stores.sessions: only 'sqlite' is supported yet, got {stores.sessions!r}")
    return Config(
        domain=raw.get("domain", "movies"),
        paths=_build(Paths, raw.get("paths"), "paths"),
        nlu=_nlu(raw.get("nlu")),
        state=state,
        policy=_build(PolicyConfig, raw.get("policy"), "policy"),
        recommender=recommender,
        stores=stores,
        root=path.resolve().parent,
    )
