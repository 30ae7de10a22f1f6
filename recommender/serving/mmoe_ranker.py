"""The conversational multi-task ranker: the `Ranker` protocol backed by a trained MMoE or PLE.

Model: MMoE (Ma et al., "Modeling Task Relationships in Multi-task Learning with Multi-gate
Mixture-of-Experts", KDD 2018; `recommender/models/mmoe.py`) or PLE (Tang et al., "Progressive
Layered Extraction", RecSys 2020; `recommender/models/ple.py`, numpy copy in numpy_ple.py),
whichever the checkpoint holds (config.yml `recommender.training.architecture` chose at
training), over `recommender/serving/inputs.py` rows, with a SASRec history representation
(Kang & McAuley, ICDM 2018; `recommender/models/sasrec.py`) of the person's history plus what
they liked in the session.
Score = Σ_t w_t z_t / Σ_t w_t over the task heads (accept, like, interact), w from config.yml
`recommender.task_weights`, z_t the head's logit standardised over the request's candidates
(`mix_heads`).

Serving runs a numpy copy of the trained weights (no autograd, no torch dispatch, one BLAS
thread: a few hundred candidates per turn cost about a millisecond). `contributions` are
occlusions: for each reason group (recommender/serving/inputs.py GROUP_OF), how much the item's
score drops when that group's inputs are set to their training mean (a typical candidate), in
units of the candidates' score spread. A reason is quoted only when its group really lifted the
item's score: take the group away and the score falls by that much, exactly.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from recommender.data.conversation_evidence import CatalogEvidence
from recommender.serving.history_encoder import HistoryEncoder
from recommender.serving.inputs import InputBuilder, InputLayout, TextProjection
from recommender.serving.model_versions import ModelVersions
from recommender.serving.numpy_multitask import (
    NumpyHeads,
    head_statistics,
    mix_heads,
    relu,
    run_mlp,
    run_tower,
    softmax_rows,
    torch_common,
    torch_linears,
)
from recommender.serving.numpy_ple import NumpyPLE
from recommender.serving.ranker import CandidateFeatures, LinearRanker, Ranker, RankingContext
from recommender.serving.threads import one_blas_thread

# MODEL_FILE keeps its name for either architecture: the checkpoint records which it holds
MODEL_FILE, SASREC_FILE, PROJECTION_FILE, CARD_FILE = (
    "mmoe.pt", "sasrec.pt", "projection.npz", "model_card.json")
EVIDENCE_FILE = "conversation_evidence.npz"  # what dialogues say about the catalog's items


@dataclass
class NumpyMMoE(NumpyHeads):
    """The weights of a trained `recommender.models.mmoe.MMoE`, for inference.

    Every Linear is (W [out, in], b [out]); each expert and each tower hidden layer is followed
    by a ReLU; dropout is off at inference. Scoring and occlusions: `NumpyHeads`.
    """

    tasks: tuple[str, ...]
    trained_tasks: tuple[str, ...]
    dense_mean: np.ndarray  # [F]
    dense_std: np.ndarray  # [F]
    id_embedding: np.ndarray | None  # [n_items + 1, id_dim]; row 0 = no id
    experts: list[list[tuple[np.ndarray, np.ndarray]]]  # E × layers
    gates: list[tuple[np.ndarray, np.ndarray]]  # T × ([E, D_in], [E])
    towers: list[list[tuple[np.ndarray, np.ndarray]]]  # T × (hidden layers…, final [1, h])

    @staticmethod
    def from_torch(model) -> NumpyMMoE:
        return NumpyMMoE(**torch_common(model),
                         experts=[torch_linears(e) for e in model.experts],
                         gates=[torch_linears(g)[0] for g in model.gates],
                         towers=[torch_linears(t) for t in model.towers])

    def __post_init__(self):
        # every expert's first layer and every gate read x: one matmul does them all
        firsts = [layers[0] for layers in self.experts] + list(self.gates)
        self.first_weight = np.concatenate([w for w, _ in firsts])  # [E·H1 + T·E, D]
        self.first_bias = np.concatenate([b for _, b in firsts])  # [E·H1 + T·E]
        self.first_sizes = [len(b) for _, b in firsts]

    def forward(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """x: [n, D_in] standardised dense features ‖ id embedding → {task: logits [n]}."""
        n_experts = len(self.experts)
        first = np.split(x @ self.first_weight.T + self.first_bias,
                         np.cumsum(self.first_sizes)[:-1], axis=1)  # E × [n, H1], T × [n, E]
        experts = [run_mlp(relu(first[e]), layers[1:])  # [n, D_e]
                   for e, layers in enumerate(self.experts)]
        expert_out = np.stack(experts, axis=1)  # [n, E, D_e]
        logits = {}
        for t, task in enumerate(self.tasks):
            gate = softmax_rows(first[n_experts + t])  # [n, E], rows sum to 1
            h = np.einsum("ne,ned->nd", gate, expert_out)  # [n, D_e]
            logits[task] = run_tower(h, self.towers[t])  # [n]
        return logits


def numpy_model(model) -> NumpyHeads:
    """The numpy copy of a trained torch MMoE or PLE (recommender/models/multitask.py)."""
    kinds = {"mmoe": NumpyMMoE, "ple": NumpyPLE}
    if model.architecture not in kinds:
        raise ValueError(f"no numpy copy for architecture {model.architecture!r}")
    return kinds[model.architecture].from_torch(model)


def usable_mix(weights: dict[str, float], trained: tuple[str, ...],
               fallback: dict[str, float]) -> dict[str, float]:
    """`weights` when some trained head has a positive weight in it, else `fallback`: a domain
    without conversations never trains `accept`, so a mix of `accept` alone would score nothing."""
    if any(weights.get(task, 0.0) > 0 for task in trained):
        return dict(weights)
    return dict(fallback)


class MMoERanker:
    """`Ranker` over the catalog: `score` and `contributions` for the first pass's candidates."""

    def __init__(self, model: NumpyHeads, builder: InputBuilder, task_weights: dict[str, float],
                 anonymous_task_weights: dict[str, float] | None = None):
        self.model = model
        self.builder = builder
        self.task_weights = dict(task_weights)
        # a person with no behavior history: the like / interact heads learned from MovieLens
        # users' histories and only extrapolate here (docs/BENCHMARKS.md, ReDial dev split)
        self.anonymous_task_weights = usable_mix(anonymous_task_weights or task_weights,
                                                 model.trained_tasks, self.task_weights)
        self.groups = builder.layout.group_index()
        # what `score` saw last in this thread (the server runs turns concurrently)
        self._last = threading.local()

    def dense(self, features: CandidateFeatures, context: RankingContext) -> np.ndarray:
        """[n, F] model input rows (before standardisation) for the candidates."""
        rows = np.concatenate([context.history_rows, context.session_rows]).astype(np.int64)
        return self.builder.dense(features, context.interest_vector, rows)

    def weights_for(self, context: RankingContext) -> dict[str, float]:
        """The task mix for this person: `anonymous_task_weights` without a user id and history."""
        if context.user_id is None and len(context.history_rows) == 0:
            return self.anonymous_task_weights
        return self.task_weights

    # -- the protocol ------------------------------------------------------------------------
    def score(self, features: CandidateFeatures, context: RankingContext) -> np.ndarray:
        dense = self.dense(features, context)
        with one_blas_thread():
            logits = self.model.forward(self.model.inputs(dense, features.rows + 1))
        statistics = head_statistics(logits)
        score = mix_heads(logits, self.weights_for(context), self.model.trained_tasks,
                          statistics)
        # `contributions` of the picked items follows, with the same context: it re-scores them
        # on the scale of all candidates (per thread: the server runs turns concurrently)
        self._last.scale = (context, statistics, float(score.std()))
        return score  # [n]

    def task_probabilities(self, features: CandidateFeatures, context: RankingContext
                           ) -> dict[str, np.ndarray]:
        return self.model.score(self.dense(features, context), features.rows + 1,
                                self.weights_for(context))[1]  # {task: [n]}

    def contributions(self, features: CandidateFeatures,
                      context: RankingContext | None = None) -> dict[str, np.ndarray]:
        """Occlusion per reason group for `features` (the picked items, or all candidates), on
        the scale of the candidates `score` last saw with this context."""
        if context is None:  # the protocol allows it; without a context nothing is known
            context = RankingContext(None, None, np.zeros(0, dtype=np.int64))
        dense, ids = self.dense(features, context), features.rows + 1
        last = getattr(self._last, "scale", None)
        if last is not None and last[0] is context:
            statistics, spread = last[1], last[2]
        else:
            statistics = self.model.statistics(dense, ids)
            spread = None
        score, parts = self.model.occlusion(dense, ids, self.weights_for(context), self.groups,
                                            statistics)
        # a group that knows nothing about this request is no reason ("close to what you
        # described" when nothing was described): its inputs hold "unknown", not evidence
        if context.interest_vector is None:
            parts["interest"] = np.zeros_like(score)
        if len(context.history_rows) + len(context.session_rows) == 0:
            parts["history"] = np.zeros_like(score)
        return in_spread_units(score if spread is None else spread, parts)


def in_spread_units(score: np.ndarray | float, parts: dict[str, np.ndarray]
                    ) -> dict[str, np.ndarray]:
    """Contributions divided by the candidates' score standard deviation (given, or of `score`),
    so that the explainer's threshold means "lifted this item by a noticeable share of the
    spread" for any score scale."""
    if isinstance(score, float):
        spread = score
    else:
        spread = float(score.std()) if len(score) > 1 else 0.0
    scale = 1.0 / spread if spread > 1e-9 else 1.0
    return {group: (values * scale).astype(np.float32) for group, values in parts.items()}


# ---------------------------------------------------------------- loading

def ranker_dir(models_dir: Path) -> Path:
    """The current version of the ranker (recommender/serving/model_versions.py): the folder
    <models>/ranker/versions/<id> its pointer names, or <models>/ranker before any version."""
    return ModelVersions(ranker_root(models_dir)).current_folder()


def ranker_root(models_dir: Path) -> Path:
    """Where the ranker's versions live."""
    return Path(models_dir) / "ranker"


def load_mmoe_ranker(folder: Path, item_vectors: np.ndarray, task_weights: dict[str, float],
                     item_years: np.ndarray | None = None,
                     anonymous_task_weights: dict[str, float] | None = None) -> MMoERanker:
    """item_years: [n_items] release years (catalog.years; ≤ 0 unknown)."""
    # heavy: torch, only to read the checkpoint (serving itself runs numpy)
    from recommender.models.multitask import load_checkpoint

    folder = Path(folder)
    model, extra = load_checkpoint(folder / MODEL_FILE)
    projection_data = np.load(folder / PROJECTION_FILE)
    projection = TextProjection(projection_data["mean"], projection_data["basis"])
    layout = InputLayout(int(extra["text_dims"]), int(extra["history_dims"]))
    history_encoder, history_projection = None, None
    if layout.history_dims > 0 and (folder / SASREC_FILE).exists():
        from recommender.models.sasrec import load_checkpoint as load_sasrec  # heavy: torch

        sasrec, _ = load_sasrec(folder / SASREC_FILE)
        history_encoder = HistoryEncoder(sasrec)
        history_projection = TextProjection(projection_data["history_mean"],
                                            projection_data["history_basis"])
    evidence = (CatalogEvidence.load(folder / EVIDENCE_FILE)
                if (folder / EVIDENCE_FILE).exists() else None)
    builder = InputBuilder(layout, projection, item_vectors, history_encoder, history_projection,
                           item_years, evidence)
    return MMoERanker(numpy_model(model), builder, task_weights, anonymous_task_weights)


def load_ranker(name: str, models_dir: Path, item_vectors: np.ndarray,
                linear_weights: dict[str, float], task_weights: dict[str, float],
                log: Callable[[str], None] = print,
                item_years: np.ndarray | None = None, folder: Path | None = None,
                anonymous_task_weights: dict[str, float] | None = None) -> Ranker:
    """The ranker config.yml asks for; `mmoe` falls back to `linear`, saying so (through `log`
    and the `convrec.ranker` logger), when its model is missing or does not fit this catalog.
    `folder`: the mmoe version to load (default: the current one, `ranker_dir`)."""
    def warn(message: str) -> None:
        logging.getLogger("convrec.ranker").warning(message)
        log(message)

    if name == "mmoe":
        folder = Path(folder) if folder is not None else ranker_dir(models_dir)
        if not (folder / MODEL_FILE).exists():
            warn(f"ranker: recommender.ranker is 'mmoe' but there is no trained model at "
                f"{folder / MODEL_FILE}; using the linear ranker (run `convrec train`).")
        else:
            card = folder / CARD_FILE
            n_items = json.loads(card.read_text()).get("n_items") if card.exists() else None
            if n_items is not None and n_items != len(item_vectors):
                warn(f"ranker: the trained model at {folder} is for {n_items} items, the catalog "
                    f"has {len(item_vectors)}; using the linear ranker (run `convrec train`).")
            else:
                return load_mmoe_ranker(folder, item_vectors, task_weights, item_years,
                                        anonymous_task_weights)
    return LinearRanker(linear_weights)
