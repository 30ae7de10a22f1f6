"""PLE beside MMoE: gates and shapes, a tiny training run that learns, checkpoints that say
which architecture they hold, the numpy copy the chat serves against torch, the config switch,
and the evaluation's mean ± sd."""

from __future__ import annotations

import dataclasses
import json
import re
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import yaml

from bot.config import ConfigError, load_config
from recommender.evaluation import metrics
from recommender.evaluation.tasks import evaluate_tasks, mean_sd
from recommender.models import mmoe
from recommender.models.mmoe import MMoE, MMoEConfig
from recommender.models.multitask import build_model, load_checkpoint, save_checkpoint
from recommender.models.ple import PLE, PLEConfig
from recommender.serving.inputs import InputBuilder, InputLayout, fit_text_projection
from recommender.serving.mmoe_ranker import (
    CARD_FILE,
    MODEL_FILE,
    MMoERanker,
    NumpyMMoE,
    numpy_model,
)
from recommender.serving.numpy_ple import NumpyPLE
from recommender.serving.ranker import CandidateFeatures, RankingContext
from recommender.training.examples import SPLITS
from recommender.training.mmoe_loop import TaskData, TrainConfig, predict, train_mmoe
from recommender.training.ranker import EXAMPLES_FILE
from recommender.training.ranker_config import RankerTrainingConfig, training_config
from recommender.training.ranker_mmoe import fit_mmoe


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny models: one torch thread is faster, and a busy 2-core machine does not stall them."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def toy_data(n=400, seed=0):
    """Three tasks from two features; 'accept' known for a third of the examples only."""
    generator = torch.Generator().manual_seed(seed)
    dense = torch.randn(n, 4, generator=generator)  # [n, 4]
    item_ids = torch.randint(1, 21, (n,), generator=generator)  # [n]
    labels = torch.stack([(dense[:, 0] > 0), (dense[:, 1] > 0), (dense[:, 0] + dense[:, 1] > 0)],
                         dim=1).float()  # [n, 3]
    mask = torch.ones(n, 3)  # [n, 3]
    mask[n // 3:, 0] = 0.0
    groups = torch.arange(n) // 10  # [n]
    return TaskData(dense, item_ids, labels, mask, groups)


@pytest.mark.parametrize("levels", [1, 2, 3])
def test_every_level_has_task_gates_that_sum_to_one(levels):
    model = PLE(PLEConfig(n_dense=4, n_items=20, n_levels=levels, task_experts=2,
                          shared_experts=3)).eval()
    data = toy_data(16)
    gates = model.level_gates(data.dense, data.item_ids)
    assert len(gates) == levels
    for level in gates:  # [16, T, K + S]: 2 own experts + 3 shared for each of 3 tasks
        assert level.shape == (16, 3, 5)
        assert torch.allclose(level.sum(dim=-1), torch.ones(16, 3), atol=1e-6)
        assert (level >= 0).all()
    assert torch.equal(model.gate_weights(data.dense, data.item_ids), gates[-1])
    logits = model(data.dense, data.item_ids)
    assert set(logits) == {"accept", "like", "interact"}
    assert all(v.shape == (16,) for v in logits.values())
    # the last level has no shared gate: nothing reads a shared output after it
    assert model.levels[-1].shared_gate is None
    assert all(level.shared_gate is not None for level in model.levels[:-1])


def test_a_task_reads_its_own_experts_and_the_shared_ones_only():
    """Changing task `like`'s own expert changes `like` alone (CGC, one level)."""
    model = PLE(PLEConfig(n_dense=4, n_items=0, n_levels=1, dropout=0.0)).eval()
    data = toy_data(8)
    before = model(data.dense, data.item_ids)
    with torch.no_grad():
        for p in model.levels[0].task_experts[1].parameters():  # task 1 = like
            p.add_(0.5)
    after = model(data.dense, data.item_ids)
    assert torch.equal(before["accept"], after["accept"])
    assert torch.equal(before["interact"], after["interact"])
    assert not torch.allclose(before["like"], after["like"])


def test_same_config_same_model_and_bad_shapes_are_refused():
    a, b = PLE(PLEConfig(n_dense=4, n_items=5)), PLE(PLEConfig(n_dense=4, n_items=5))
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(),
                                                   b.state_dict().values()))
    with pytest.raises(ValueError, match="shared_experts"):
        PLE(PLEConfig(n_dense=4, n_items=5, shared_experts=0))


def test_tiny_training_beats_chance_and_repeats_exactly():
    train, valid = toy_data(400, seed=1), toy_data(200, seed=2)
    config = TrainConfig(epochs=8, batch_size=100, learning_rate=1e-2, patience=8,
                         listwise_tasks=("interact",))
    runs = []
    for _ in range(2):
        model = PLE(PLEConfig(n_dense=4, n_items=20, expert_dims=(16,), tower_dims=(8,),
                              dropout=0.0))
        runs.append(train_mmoe(model, train, valid, config, log=lambda _: None, progress=False))
    assert [h["valid_loss"] for h in runs[0]] == [h["valid_loss"] for h in runs[1]]
    assert model.trained_tasks == ("accept", "like", "interact")
    probabilities = predict(model, valid.dense, valid.item_ids)
    for t, task in enumerate(model.tasks):
        known = valid.mask[:, t].numpy() > 0
        auc = metrics.auc(valid.labels[known, t].numpy(), probabilities[task][known])
        assert auc > 0.9, (task, auc)  # chance is 0.5; each label is a sign of the inputs


def test_checkpoints_record_their_architecture(tmp_path):
    ple = PLE(PLEConfig(n_dense=4, n_items=20, n_levels=2, task_experts=2, expert_dims=(8, 6)))
    ple.trained_tasks = ("like",)
    save_checkpoint(tmp_path / "ple.pt", ple, {"columns": 4})
    loaded, extra = load_checkpoint(tmp_path / "ple.pt")
    assert isinstance(loaded, PLE) and loaded.config == ple.config and extra == {"columns": 4}
    assert loaded.trained_tasks == ("like",) and not loaded.training
    data = toy_data(12)
    ple.eval()
    assert all(torch.equal(ple(data.dense, data.item_ids)[t], v)
               for t, v in loaded(data.dense, data.item_ids).items())
    # a checkpoint MMoE's own save wrote (no architecture recorded) still loads, as an MMoE
    old = MMoE(MMoEConfig(n_dense=4, n_items=20))
    mmoe.save_checkpoint(tmp_path / "old.pt", old)
    assert isinstance(load_checkpoint(tmp_path / "old.pt")[0], MMoE)
    with pytest.raises(ValueError, match="holds a 'ple' model, not an MMoE"):
        mmoe.load_checkpoint(tmp_path / "ple.pt")
    with pytest.raises(ValueError, match="unknown architecture 'tree'"):
        build_model("tree", n_dense=4, n_items=0)


# ---------------------------------------------------------------- serving

def tiny_ple(n_dense: int, n_items: int = 10, levels: int = 2) -> PLE:
    model = PLE(PLEConfig(n_dense=n_dense, n_items=n_items, n_levels=levels, task_experts=2,
                          shared_experts=2, seed=3))
    model.trained_tasks = model.tasks
    with torch.no_grad():
        model.dense_mean.copy_(torch.linspace(-0.5, 0.5, n_dense))
        model.dense_std.copy_(torch.linspace(0.5, 2.0, n_dense))
    return model.eval()


@pytest.mark.parametrize("levels", [1, 2])
def test_numpy_ple_matches_torch(levels):
    model = tiny_ple(12, levels=levels)
    numpy_copy = numpy_model(model)
    assert isinstance(numpy_copy, NumpyPLE)
    dense, ids = torch.randn(9, 12), torch.randint(0, 11, (9,))
    weights = {"accept": 1.0, "like": 0.3, "interact": 0.3}
    score, probabilities = numpy_copy.score(dense.numpy(), ids.numpy(), weights)
    logits = model(dense, ids)
    for task in model.tasks:
        assert np.allclose(probabilities[task], torch.sigmoid(logits[task]).detach().numpy(),
                           atol=1e-6)
    raw = {t: v.detach().numpy() for t, v in logits.items()}
    z = {t: (v - v.mean()) / (v.std() + 1e-6) for t, v in raw.items()}
    assert np.allclose(score, (z["accept"] + 0.3 * z["like"] + 0.3 * z["interact"]) / 1.6,
                       atol=1e-5)
    assert isinstance(numpy_model(MMoE(MMoEConfig(n_dense=12, n_items=10))), NumpyMMoE)


def test_the_chat_ranker_serves_a_ple_with_exact_occlusions():
    layout = InputLayout(4, 0)
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(10, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    builder = InputBuilder(layout, fit_text_projection(vectors, layout.text_dims), vectors,
                           item_years=np.arange(1990, 2000))
    model = tiny_ple(layout.width)
    ranker = MMoERanker(numpy_model(model), builder, {"accept": 1.0, "like": 0.3,
                                                      "interact": 0.3})
    n = 6
    features = CandidateFeatures(rows=np.arange(n), interest=rng.random(n).astype(np.float32),
                                 history=rng.random(n).astype(np.float32),
                                 popularity=rng.random(n).astype(np.float32),
                                 quality=rng.random(n).astype(np.float32) - 0.5,
                                 genre_match=np.array([1, 0, 1, 0, 1, 0], dtype=np.float32),
                                 person_match=np.array([0, 1, 0, 0, 0, 1], dtype=np.float32),
                                 keyword_match=np.zeros(n, dtype=np.float32))
    context = RankingContext(vectors[2], None, np.zeros(0, dtype=np.int64))
    scores = ranker.score(features, context)
    dense = ranker.dense(features, context)
    torch_p = predict(model, torch.as_tensor(dense), torch.as_tensor(features.rows + 1))
    served = ranker.task_probabilities(features, context)
    for task in model.tasks:
        assert np.allclose(served[task], torch_p[task], atol=1e-6)
    parts = ranker.contributions(features, context)
    statistics = ranker.model.statistics(dense, features.rows + 1)
    person = ranker.groups["person_match"]
    without = dense.copy()
    without[:, person] = ranker.model.dense_mean[person]
    lowered, _ = ranker.model.score(without, features.rows + 1, ranker.task_weights, statistics)
    # float32 through two levels, then divided by the heads' spread: equal to 1e-4 of a spread
    assert np.allclose(parts["person_match"], (scores - lowered) / scores.std(), atol=1e-4)


# ---------------------------------------------------------------- training config

def toy_arrays(n=600, seed=0) -> dict[str, np.ndarray]:
    """examples.npz-like arrays: lists of 10, split train / valid / test by list."""
    data = toy_data(n, seed)
    group = data.groups.numpy()
    return {"dense": data.dense.numpy(), "item_ids": data.item_ids.numpy(),
            "labels": data.labels.numpy(), "mask": data.mask.numpy(), "group": group,
            "split": np.array([SPLITS.index("valid") if g % 5 == 3 else
                               SPLITS.index("test") if g % 5 == 4 else 0 for g in group],
                              dtype=np.int8),
            "source": np.zeros(n, dtype=np.int8)}


def test_the_configured_architecture_is_the_one_trained(tmp_path):
    settings = RankerTrainingConfig(architecture="ple", ple_levels=1, ple_task_experts=2,
                                    ple_shared_experts=1, epochs=2, batch_size=100, id_dim=2)
    model, history = fit_mmoe(toy_arrays(), settings, 20, ("accept", "like", "interact"),
                              tmp_path, lambda _: None, False)
    assert isinstance(model, PLE) and len(history) == 2
    assert (model.config.n_levels, model.config.task_experts, model.config.shared_experts,
            model.config.id_dim) == (1, 2, 1, 2)
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == [
        "ple-epoch01.pt", "ple-epoch02.pt"]
    single, _ = fit_mmoe(toy_arrays(), RankerTrainingConfig(epochs=1, batch_size=100), 20,
                         ("like",), None, lambda _: None, False)
    assert isinstance(single, MMoE) and single.tasks == ("like",)


@pytest.mark.parametrize("training, fragment", [
    ({"architecture": "xgboost"}, "recommender.training.architecture: unknown multi-task "
                                  "architecture 'xgboost' (known: mmoe, ple)"),
    ({"architecture": 2}, "recommender.training.architecture: expected str"),
    ({"architecture": "ple", "ple_levels": 0}, "recommender.training.ple_levels: expected an "
                                               "integer >= 1, got 0"),
    ({"ple_shared_experts": -1}, "recommender.training.ple_shared_experts"),
])
def test_architecture_settings_are_validated(tmp_path, training, fragment):
    path = tmp_path / "config.yml"
    path.write_text(yaml.safe_dump({"recommender": {"training": training}}))
    with pytest.raises(ConfigError, match=re.escape(fragment)):
        load_config(path)


def test_the_default_architecture_is_mmoe_and_ple_is_accepted():
    assert training_config({}).architecture == "mmoe"
    assert training_config({"architecture": "ple", "ple_levels": 1}).ple_levels == 1


def test_mean_and_sd_over_seeds():
    reports = [{"auc": 0.7, "n": 10, "positives": 4}, {"auc": 0.8, "n": 10, "positives": 4},
               {"auc": 0.9, "n": 10, "positives": 4}]
    assert mean_sd(reports) == {"seeds": 3, "auc": 0.8, "auc_sd": 0.1, "n": 10, "positives": 4}
    assert mean_sd(reports[:1]) == {"seeds": 1, "auc": 0.7, "auc_sd": 0.0, "n": 10,
                                    "positives": 4}


def test_the_tasks_evaluation_trains_every_model_per_seed(tmp_path):
    """`convrec evaluate tasks` on a tiny examples folder: single-task, MMoE and PLE per task
    with mean ± sd over the seeds, the deployed checkpoint and a choice made on valid lists."""
    arrays = toy_arrays(900, seed=4)
    arrays["dense"] = np.concatenate([arrays["dense"], arrays["dense"][:, :3]], axis=1)  # 7
    folder = tmp_path / "models" / "ranker"
    folder.mkdir(parents=True)
    np.savez(folder / EXAMPLES_FILE, **arrays)
    settings = RankerTrainingConfig(epochs=2, batch_size=100, id_dim=2, expert_hidden=8,
                                    expert_out=8, tower_hidden=4, ple_levels=2)
    deployed = MMoE(MMoEConfig(n_dense=7, n_items=20))
    save_checkpoint(folder / MODEL_FILE, deployed)
    (folder / CARD_FILE).write_text(json.dumps({"n_items": 20,
                                                "settings": dataclasses.asdict(settings)}))
    lines = []
    result = evaluate_tasks(tmp_path / "models", SimpleNamespace(weights={}), tmp_path / "out",
                            log=lines.append, progress=False, seeds=2)
    assert result["seeds"] == [7, 8] and result["ple_shape"]["levels"] == 2
    for task in ("accept", "like", "interact"):
        entry = result["tasks"][task]
        for model in ("single_task", "mmoe", "ple"):
            assert entry[model]["seeds"] == 2 and entry[model]["auc_sd"] >= 0
            assert 0.0 <= entry[model]["valid_auc"] <= 1.0
        assert entry["mmoe"]["auc"] != entry["ple"]["auc"]
        assert "auc" in entry["deployed"] and "logloss" not in entry["linear_first_pass"]
    assert set(result["tasks"]["accept"]["by_source"]) == {"history"}
    assert result["best_on_valid"] in ("single_task", "mmoe", "ple")
    assert (tmp_path / "out" / "tasks.json").exists() and (tmp_path / "out" / "tasks.png").exists()
    assert any("seed 8: ple (ple)" in line for line in lines)
    # single-task models: 3 per seed, one per task; MMoE and PLE: one each
    assert sorted(result["best_epochs"][0]) == ["mmoe", "ple", "single_task/accept",
                                                "single_task/interact", "single_task/like"]
