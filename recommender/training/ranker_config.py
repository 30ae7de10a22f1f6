"""config.yml `recommender.training`: the settings of `convrec train`'s conversational ranker
(examples, SASRec, MMoE), read and checked by `training_config`."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from recommender.models.mmoe import MMoEConfig
from recommender.models.multitask import ARCHITECTURES
from recommender.models.ple import PLEConfig

MMOE_DEFAULTS = MMoEConfig(n_dense=0, n_items=0)
PLE_DEFAULTS = PLEConfig(n_dense=0, n_items=0)


@dataclass(frozen=True)
class RankerTrainingConfig:
    """config.yml `recommender.training` (every key optional)."""

    seed: int = 7
    # examples (recommender/training/examples.py)
    n_future: int = 5
    conversations_per_user: int = 2
    turns: int = 3
    shown: int = 3
    sampled: int = 20
    max_users: int = 0  # 0 = all users
    text_dims: int = 16  # item text / interest vectors reduced to their top principal directions
    history_dims: int = 8  # SASRec's history representation, reduced the same way
    # ReDial-format dialogues for `accept` lists (train_data.jsonl + movies_with_mentions.csv);
    # relative to config.yml's folder; skipped with a log line when absent
    dialogues: str = ""
    # SASRec (recommender/models/sasrec.py)
    sasrec: bool = True
    sasrec_hidden: int = 64
    sasrec_epochs: int = 15
    sasrec_patience: int = 2
    sasrec_min_count: int = 3  # items rated fewer times in the past are no SASRec target
    # the multi-task ranker: "mmoe" (recommender/models/mmoe.py) or "ple"
    # (recommender/models/ple.py); the settings below apply to both unless named ple_
    architecture: str = "mmoe"
    epochs: int = 20
    patience: int = 3
    batch_size: int = 1024
    learning_rate: float = 0.003
    # the model's shape: MMoEConfig's defaults (recommender/models/mmoe.py), one copy
    n_experts: int = MMOE_DEFAULTS.n_experts
    expert_hidden: int = MMOE_DEFAULTS.expert_dims[0]
    expert_out: int = MMOE_DEFAULTS.expert_dims[1]
    tower_hidden: int = MMOE_DEFAULTS.tower_dims[0]
    id_dim: int = MMOE_DEFAULTS.id_dim
    id_weight_decay: float = 0.01  # strongly decayed id embeddings: few labels per item
    weight_decay: float = 0.00001
    dropout: float = MMOE_DEFAULTS.dropout
    # PLE only: extraction levels (1 = CGC), experts of each task and shared experts per level
    ple_levels: int = PLE_DEFAULTS.n_levels
    ple_task_experts: int = PLE_DEFAULTS.task_experts
    ple_shared_experts: int = PLE_DEFAULTS.shared_experts


def training_config(raw: dict) -> RankerTrainingConfig:
    """From the config.yml mapping; unknown keys and wrong types raise ValueError."""
    fields = {f.name: f for f in dataclasses.fields(RankerTrainingConfig)}
    defaults = RankerTrainingConfig()
    values = {}
    for key, value in (raw or {}).items():
        if key not in fields:
            raise ValueError(f"{key}: unknown key (known: {', '.join(sorted(fields))})")
        default = getattr(defaults, key)
        kind = type(default)
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value, ok = float(value), True
        if not ok:
            raise ValueError(f"{key}: expected {kind.__name__}, got {value!r}")
        values[key] = value
    architecture = values.get("architecture", defaults.architecture)
    if architecture not in ARCHITECTURES:
        raise ValueError(f"architecture: unknown multi-task architecture {architecture!r} "
                         f"(known: {', '.join(ARCHITECTURES)})")
    for key in ("ple_levels", "ple_task_experts", "ple_shared_experts"):
        if values.get(key, 1) < 1:
            raise ValueError(f"{key}: expected an integer >= 1, got {values[key]!r}")
    return RankerTrainingConfig(**values)
