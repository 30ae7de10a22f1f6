"""The multi-task ranker (MMoE): gates, masked losses with exact values, a tiny training run."""

import math

import numpy as np
import pytest
import torch

from recommender.models.mmoe import MMoE, MMoEConfig, load_checkpoint, save_checkpoint
from recommender.training.mmoe_loop import (
    TaskData,
    TrainConfig,
    binary_task_loss,
    evaluate_loss,
    listwise_task_loss,
    mix_scores,
    predict,
    train_mmoe,
)


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


def test_gates_sum_to_one_per_task():
    model = MMoE(MMoEConfig(n_dense=4, n_items=20, n_experts=5))
    data = toy_data(32)
    gates = model.gate_weights(data.dense, data.item_ids)  # [32, 3, 5]
    assert gates.shape == (32, 3, 5)
    assert torch.allclose(gates.sum(dim=-1), torch.ones(32, 3), atol=1e-6)
    assert (gates >= 0).all()
    logits = model(data.dense, data.item_ids)
    assert set(logits) == {"accept", "like", "interact"}
    assert all(v.shape == (32,) for v in logits.values())


def test_binary_loss_ignores_missing_labels():
    logits = torch.tensor([0.0, 2.0, -50.0])
    labels = torch.tensor([1.0, 0.0, 1.0])
    mask = torch.tensor([1.0, 1.0, 0.0])  # the third (a huge loss) is unlabelled
    expected = (math.log(2) + math.log(1 + math.exp(2.0))) / 2
    assert binary_task_loss(logits, labels, mask).item() == pytest.approx(expected, rel=1e-6)
    assert binary_task_loss(logits, labels, torch.zeros(3)).item() == 0.0


def test_listwise_loss_by_hand():
    # group 0: logits [0, ln 3] positive the second → -log(3/4); group 1: one positive of two
    # equal logits → log 2; the unlabelled fifth example is ignored
    logits = torch.tensor([0.0, math.log(3.0), 1.0, 1.0, 100.0])
    labels = torch.tensor([0.0, 1.0, 1.0, 0.0, 0.0])
    mask = torch.tensor([1.0, 1.0, 1.0, 1.0, 0.0])
    groups = torch.tensor([0, 0, 5, 5, 5])
    expected = (-math.log(3 / 4) + math.log(2)) / 2
    loss = listwise_task_loss(logits, labels, mask, groups)
    assert loss.item() == pytest.approx(expected, rel=1e-6)


def test_mix_scores_drops_untrained_heads():
    probabilities = {"accept": np.array([0.9, 0.1]), "like": np.array([0.2, 0.6]),
                     "interact": np.array([0.5, 0.5])}
    weights = {"accept": 2.0, "like": 1.0, "interact": 1.0}
    assert mix_scores(probabilities, weights).tolist() == pytest.approx([0.625, 0.325])
    assert mix_scores(probabilities, weights, ("like", "interact")).tolist() == pytest.approx(
        [0.35, 0.55])
    with pytest.raises(ValueError):
        mix_scores(probabilities, {"like": 0.0})


def test_tiny_training_lowers_loss_and_repeats_exactly(tmp_path):
    train, valid = toy_data(400, seed=1), toy_data(200, seed=2)
    config = TrainConfig(epochs=6, batch_size=100, learning_rate=1e-2, patience=8,
                         listwise_tasks=("interact",))
    runs = []
    for _ in range(2):
        model = MMoE(MMoEConfig(n_dense=4, n_items=20, n_experts=3, expert_dims=(16,),
                                tower_dims=(8,), dropout=0.0))
        model.set_scaling(train.dense)
        untrained, _ = evaluate_loss(model, valid, config)
        history = train_mmoe(model, train, valid, config, log=lambda _: None, progress=False)
        runs.append(history)
    assert runs[0][-1]["valid_loss"] < 0.8 * untrained
    assert [h["valid_loss"] for h in runs[0]] == [h["valid_loss"] for h in runs[1]]
    assert model.trained_tasks == ("accept", "like", "interact")

    path = tmp_path / "mmoe.pt"
    save_checkpoint(path, model, {"features": ["a", "b", "c", "d"]})
    loaded, extra = load_checkpoint(path)
    assert extra == {"features": ["a", "b", "c", "d"]}
    before = predict(model, valid.dense, valid.item_ids)
    after = predict(loaded, valid.dense, valid.item_ids)
    assert np.array_equal(before["like"], after["like"])
    assert loaded.trained_tasks == model.trained_tasks


def test_task_without_labels_is_not_trained():
    data = toy_data(100)
    data.mask[:, 0] = 0.0
    model = MMoE(MMoEConfig(n_dense=4, n_items=0))
    train_mmoe(model, data, config=TrainConfig(epochs=1), log=lambda _: None, progress=False)
    assert model.trained_tasks == ("like", "interact")
