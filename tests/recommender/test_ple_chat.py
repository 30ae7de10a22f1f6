"""A PLE trained by `convrec train`'s code serves the chat (the numpy copy giving the torch
model's probabilities) and fine-tunes incrementally on the behavior log into a PLE again."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import torch

from bot.build import build_agent
from bot.training.conversation_rules import session_updater
from recommender.data.behavior_log import TurnContext, parse_rows
from recommender.data.history import BehaviorHistory
from recommender.data.item_vectors import load_or_build
from recommender.domain.catalog import Catalog
from recommender.models.multitask import load_checkpoint
from recommender.models.ple import PLE
from recommender.serving.mmoe_ranker import CARD_FILE, MODEL_FILE, MMoERanker, load_mmoe_ranker
from recommender.serving.model_versions import FLAT, ModelVersions
from recommender.serving.numpy_ple import NumpyPLE
from recommender.training.incremental import FineTuneSettings, train_incremental
from recommender.training.log_examples import request_of
from recommender.training.mmoe_loop import predict
from recommender.training.ranker import train_conversational_ranker
from recommender.training.ranker_config import RankerTrainingConfig


def fake_encode(texts: list[str]) -> np.ndarray:
    rows = [np.random.default_rng(abs(hash(t)) % 2**32).normal(size=384) for t in texts]
    vectors = np.array(rows, dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


SETTINGS = RankerTrainingConfig(max_users=16, sasrec=False, epochs=3, patience=4,
                                conversations_per_user=2, batch_size=256, architecture="ple",
                                ple_levels=2)


def test_a_ple_serves_the_chat_and_fine_tunes_on_its_log(agent_config, tmp_path):
    artifacts = tmp_path / "artifacts"
    (artifacts / "models").mkdir(parents=True)
    (artifacts / agent_config.domain).symlink_to(agent_config.catalog_dir)
    (artifacts / "models" / "intent").symlink_to(agent_config.models_dir / "intent")
    root = artifacts / "models" / "ranker"
    catalog = Catalog.load(agent_config.catalog_dir)
    card = train_conversational_ranker(
        catalog, load_or_build(catalog, agent_config.catalog_dir, None),
        BehaviorHistory.load(agent_config.catalog_dir, catalog), fake_encode,
        session_updater(agent_config), agent_config.recommender, SETTINGS, root, "test",
        log=lambda m: None, progress=False)
    assert card["architecture"] == "ple" and card["model"].startswith("PLE")
    config = dataclasses.replace(
        agent_config, paths=dataclasses.replace(agent_config.paths, artifacts=artifacts,
                                                state=tmp_path / "state"),
        recommender=dataclasses.replace(agent_config.recommender, ranker="mmoe"))
    agent = build_agent(config)
    try:
        ranker = agent.recommender.ranker
        assert isinstance(ranker, MMoERanker) and isinstance(ranker.model, NumpyPLE)
        shown = agent.handle("ple", "a crime thriller from the 90s").items
        assert shown and all(item["reason"] and 1990 <= item["year"] <= 1999 for item in shown)
        agent.handle("ple", f'/reject{{"item": "{shown[0]["id"]}"}}')
        agent.handle("ple", f'/accept{{"item": "{shown[1]["id"]}"}}')

        # what the chat served is what the torch model says, for the list it showed
        context = TurnContext.from_json(agent.store.behavior_log()[-1]["context"])
        found = agent.recommender.candidates(request_of(context, None))
        torch_model, _ = load_checkpoint(root / MODEL_FILE)
        assert isinstance(torch_model, PLE)
        dense = ranker.dense(found.features, found.context)
        expected = predict(torch_model, torch.as_tensor(dense),
                           torch.as_tensor(found.features.rows + 1))
        served = ranker.task_probabilities(found.features, found.context)
        for task in torch_model.tasks:
            assert np.allclose(served[task], expected[task], atol=1e-6)

        versions = ModelVersions(root)
        staging = versions.staging()
        tuned = train_incremental(
            root, staging, FLAT, agent.catalog, agent.recommender.item_vectors,
            agent.recommender.history, parse_rows(agent.store.behavior_log()),
            config.recommender, SETTINGS,
            FineTuneSettings(max_seconds=60, epochs=2, replay_rows=2000, learning_rate=0.003),
            log=lambda m: None)
        version = versions.publish(staging)
    finally:
        agent.store.close()
    assert tuned["fine_tune"]["log_rows"] > 0
    folder = versions.folder(version)
    assert json.loads((folder / CARD_FILE).read_text())["architecture"] == "ple"
    new_model, _ = load_checkpoint(folder / MODEL_FILE)
    assert isinstance(new_model, PLE)
    assert not all(torch.equal(a, b) for a, b in zip(new_model.state_dict().values(),
                                                     torch_model.state_dict().values()))
    new_ranker = load_mmoe_ranker(folder, agent.recommender.item_vectors,
                                  config.recommender.task_weights, agent.catalog.years)
    assert isinstance(new_ranker.model, NumpyPLE)
