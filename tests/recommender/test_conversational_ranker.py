"""The conversational multi-task ranker: simulated conversations that never leak the target, the
numpy MMoE against torch, truthful contributions, a tiny training run, and the chat using it."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter

import numpy as np
import pytest
import torch
import yaml

from bot.build import build_agent
from bot.config import ConfigError, load_config
from bot.training.conversation_rules import session_updater
from recommender.data.history import BehaviorHistory
from recommender.data.item_vectors import load_or_build
from recommender.domain.catalog import Catalog, Item
from recommender.models.mmoe import MMoE, MMoEConfig
from recommender.models.sasrec import SASRec, SASRecConfig
from recommender.serving.history_encoder import HistoryEncoder
from recommender.serving.inputs import InputBuilder, InputLayout, fit_text_projection
from recommender.serving.mmoe_ranker import MMoERanker, NumpyMMoE
from recommender.serving.ranker import CandidateFeatures, LinearRanker, RankingContext
from recommender.training.conversations import (
    SessionState,
    apply_turn,
    candidate_turns,
    plan_conversation,
    plot_keywords,
    title_words,
)
from recommender.training.ranker import train_conversational_ranker
from recommender.training.ranker_config import RankerTrainingConfig


def tiny_catalog() -> Catalog:
    plot = "A retired thief plans one last heist in Los Angeles while a detective hunts him."
    return Catalog([
        Item("1", "Heat", 1995, ("Action", "Crime", "Thriller"), ("Michael Mann",),
             ("Al Pacino", "Robert De Niro"), plot=plot, n_ratings=100),
        Item("2", "Thief", 1981, ("Crime", "Drama"), ("Michael Mann",), ("James Caan",),
             plot="A safecracker takes one last heist job.", n_ratings=20),
        Item("3", "Heat Wave", 1990, ("Drama",), ("Kevin Hooks",), plot="A riot.", n_ratings=5),
        Item("4", "Ronin", 1998, ("Action", "Crime"), ("John Frankenheimer",), ("Robert De Niro",),
             plot="Mercenaries chase a briefcase across France.", n_ratings=50),
    ])


def leaks(text: str, title: str) -> bool:
    return re.search(r"\b" + re.escape(title.lower()) + r"\b", text.lower()) is not None


def test_utterances_speak_of_attributes_never_of_the_title():
    catalog = tiny_catalog()
    keyword_df = Counter({"heist": 3, "detective": 3, "safecracker": 3, "heat": 3})
    for seed in range(30):
        rng = np.random.default_rng(seed)
        liked = [(1, catalog.items[1]), (2, catalog.items[2]), (3, catalog.items[3])]
        turns = candidate_turns(catalog.items[0], liked, keyword_df, rng)
        kinds = {t.kind for t in turns}
        assert {"genre", "decade", "director", "actor", "keyword", "liked"} <= kinds
        for turn in turns:
            assert not leaks(turn.text, "Heat"), turn.text
            assert turn.keyword is None or turn.keyword not in title_words("Heat")
        # "Heat Wave" shares a title word with the target: never offered as a loved movie
        assert all(t.liked_row != 2 for t in turns)


def test_simulated_constraints_are_true_of_the_target():
    catalog = tiny_catalog()
    vectors = np.eye(4, 8, dtype=np.float32)
    plan = plan_conversation(catalog, "u", 0, np.array([1, 3]),
                             Counter({"heist": 3, "detective": 3}), np.random.default_rng(1), 6)
    state = SessionState()
    for turn in plan.turns:
        state = apply_turn(state, turn, vectors[0], catalog, vectors, {},
                           lambda v, signals: signals[-1][1])
    target = catalog.items[0]
    c = state.constraints
    assert c.genres_wanted <= set(target.genres)
    assert c.year_min is None or c.year_min <= target.year <= c.year_max
    assert c.people_wanted <= set(target.directors) | set(target.cast)
    assert "1" not in state.positive_items


def test_real_catalog_plans_never_name_their_target(agent_config):
    catalog = Catalog.load(agent_config.catalog_dir)
    keyword_df = plot_keywords(catalog)
    rng = np.random.default_rng(3)
    targets = rng.choice(np.flatnonzero(catalog.popularity >= 5), 400, replace=False)
    for target in targets:
        liked = rng.choice(len(catalog), 20, replace=False)
        plan = plan_conversation(catalog, "u", int(target), liked, keyword_df, rng, 6)
        title = catalog.items[int(target)].title
        for turn in plan.turns:
            assert not leaks(turn.text, title), (title, turn.text)
            assert turn.liked_row != int(target)


# ---------------------------------------------------------------- the model and the adapter

def tiny_model(n_dense: int, n_items: int = 10) -> MMoE:
    model = MMoE(MMoEConfig(n_dense=n_dense, n_items=n_items, id_dim=4, seed=3))
    model.trained_tasks = model.tasks
    with torch.no_grad():
        model.dense_mean.copy_(torch.linspace(-0.5, 0.5, n_dense))
        model.dense_std.copy_(torch.linspace(0.5, 2.0, n_dense))
    return model.eval()


def test_numpy_mmoe_matches_torch():
    model = tiny_model(12)
    numpy_model = NumpyMMoE.from_torch(model)
    dense, ids = torch.randn(9, 12), torch.randint(0, 11, (9,))
    weights = {"accept": 1.0, "like": 0.3, "interact": 0.3}
    score, probabilities = numpy_model.score(dense.numpy(), ids.numpy(), weights)
    logits = model(dense, ids)
    for task in model.tasks:
        assert np.allclose(probabilities[task], torch.sigmoid(logits[task]).detach().numpy(),
                           atol=1e-6)
    raw = {t: v.detach().numpy() for t, v in logits.items()}
    z = {t: (v - v.mean()) / (v.std() + 1e-6) for t, v in raw.items()}
    assert np.allclose(score, (z["accept"] + 0.3 * z["like"] + 0.3 * z["interact"]) / 1.6,
                       atol=1e-5)


def test_numpy_sasrec_matches_torch():
    sasrec = SASRec(SASRecConfig(max_len=8, hidden=16, n_heads=2), np.arange(0, 30, 2), 40)
    encoder = HistoryEncoder(sasrec)
    for n in (1, 5, 8, 12):  # shorter than, equal to and longer than the window
        rows = np.random.default_rng(n).integers(0, 40, n)
        assert np.allclose(encoder.hidden_state(rows), sasrec.represent([rows])[0], atol=1e-5)
    state = encoder.represent(np.array([2, 4, 6]))
    scores = encoder.scores(state, np.array([2, 3]))  # 3 is outside the vocabulary
    assert scores[1] == 0.0 and scores[0] != 0.0


def tiny_ranker(layout=InputLayout(4, 0)) -> tuple[MMoERanker, CandidateFeatures]:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(10, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    builder = InputBuilder(layout, fit_text_projection(vectors, layout.text_dims), vectors,
                           item_years=np.arange(1990, 2000))
    ranker = MMoERanker(NumpyMMoE.from_torch(tiny_model(layout.width)), builder,
                        {"accept": 1.0, "like": 0.3, "interact": 0.3})
    n = 6
    features = CandidateFeatures(rows=np.arange(n), interest=rng.random(n).astype(np.float32),
                                 history=rng.random(n).astype(np.float32),
                                 popularity=rng.random(n).astype(np.float32),
                                 quality=rng.random(n).astype(np.float32) - 0.5,
                                 genre_match=np.array([1, 0, 1, 0, 1, 0], dtype=np.float32),
                                 person_match=np.array([0, 1, 0, 0, 0, 1], dtype=np.float32),
                                 keyword_match=np.zeros(n, dtype=np.float32))
    return ranker, features


def test_adapter_scores_every_candidate_and_explains_with_known_reasons():
    ranker, features = tiny_ranker()
    context = RankingContext(ranker.builder.item_vectors[3], None, np.zeros(0, dtype=np.int64))
    scores = ranker.score(features, context)
    assert scores.shape == (6,) and np.isfinite(scores).all()
    parts = ranker.contributions(features, context)
    assert set(parts) <= {"interest", "history", "popularity", "quality", "genre_match",
                          "person_match", "keyword_match", "mentioned", "item"}
    assert all(v.shape == (6,) for v in parts.values())
    # the picked items alone (as `recommend` asks) get the parts they have among all candidates
    ranker.score(features, context)
    picked = ranker.contributions(features.take(np.array([4, 1])), context)
    for group in parts:
        assert np.allclose(picked[group], parts[group][[4, 1]], atol=1e-4)


def test_a_person_without_history_gets_the_anonymous_mix():
    """Anonymous (no user id, no history): only the accept head; a known user: the full mix."""
    ranker, features = tiny_ranker()
    ranker.anonymous_task_weights = {"accept": 1.0, "like": 0.0, "interact": 0.0}
    interest = ranker.builder.item_vectors[3]
    anonymous = RankingContext(interest, None, np.zeros(0, dtype=np.int64),
                               session_rows=np.array([2]))
    known = RankingContext(interest, "15", np.array([1, 2]))
    assert ranker.weights_for(anonymous) == {"accept": 1.0, "like": 0.0, "interact": 0.0}
    assert ranker.weights_for(known) == {"accept": 1.0, "like": 0.3, "interact": 0.3}
    dense = ranker.dense(features, anonymous)
    accept_only = ranker.model.score(dense, features.rows + 1, {"accept": 1.0})[0]
    np.testing.assert_allclose(ranker.score(features, anonymous), accept_only, rtol=1e-5)


def test_nothing_said_and_nothing_liked_are_no_reasons():
    ranker, features = tiny_ranker()
    parts = ranker.contributions(features, RankingContext(None, None, np.zeros(0, dtype=int)))
    assert not parts["interest"].any() and not parts["history"].any()
    assert parts["person_match"].any()


def test_contributions_are_exact_occlusions():
    """A group's contribution is exactly what the score loses without it (in spread units)."""
    ranker, features = tiny_ranker()
    context = RankingContext(ranker.builder.item_vectors[2], None, np.zeros(0, dtype=np.int64))
    dense, ids, weights = ranker.dense(features, context), features.rows + 1, ranker.task_weights
    statistics = ranker.model.statistics(dense, ids)  # the heads' scale for this request
    scores, _ = ranker.model.score(dense, ids, weights)
    parts = ranker.contributions(features, context)
    person = ranker.groups["person_match"]
    without = dense.copy()
    without[:, person] = ranker.model.dense_mean[person]
    lowered, _ = ranker.model.score(without, ids, weights, statistics)
    assert np.allclose(parts["person_match"], (scores - lowered) / scores.std(), atol=1e-5)
    no_ids = np.zeros(6, dtype=np.int64)
    no_id, _ = ranker.model.score(dense, no_ids, weights, statistics)
    item = ranker.groups["item"]
    no_id_text = dense.copy()
    no_id_text[:, item] = ranker.model.dense_mean[item]
    both, _ = ranker.model.score(no_id_text, no_ids, weights, statistics)
    assert np.allclose(parts["item"], (scores - both) / scores.std(), atol=1e-5)
    assert not np.allclose(no_id, scores)


def test_a_quoted_reason_is_a_feature_that_raised_the_score():
    """Truthfulness on the model itself: for each candidate, taking away (to the training mean)
    a feature group with a clearly positive contribution lowers that candidate's score."""
    ranker, features = tiny_ranker()
    context = RankingContext(ranker.builder.item_vectors[3], None, np.zeros(0, dtype=np.int64))
    scores = ranker.score(features, context)
    parts = ranker.contributions(features, context)
    dense = ranker.dense(features, context)
    statistics = ranker.model.statistics(dense, features.rows + 1)
    checked = 0
    for group, columns in ranker.groups.items():
        for i in np.flatnonzero(parts[group] > 0.1):
            neutral = dense[i:i + 1].copy()
            neutral[0, columns] = ranker.model.dense_mean[columns]
            ids = features.rows[i:i + 1] + 1 if group != "item" else np.zeros(1, dtype=np.int64)
            lowered, _ = ranker.model.score(neutral, ids, ranker.task_weights, statistics)
            assert lowered[0] < scores[i], (group, i)
            checked += 1
    assert checked >= 3


# ---------------------------------------------------------------- training and the chat

def fake_encode(texts: list[str]) -> np.ndarray:
    rows = [np.random.default_rng(abs(hash(t)) % 2**32).normal(size=384) for t in texts]
    vectors = np.array(rows, dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def tiny_training(agent_config, folder):
    catalog = Catalog.load(agent_config.catalog_dir)
    vectors = load_or_build(catalog, agent_config.catalog_dir, None)
    history = BehaviorHistory.load(agent_config.catalog_dir, catalog)
    settings = RankerTrainingConfig(max_users=16, sasrec=False, epochs=4, patience=4,
                                    conversations_per_user=2, batch_size=256)
    return train_conversational_ranker(catalog, vectors, history, fake_encode,
                                       session_updater(agent_config), agent_config.recommender,
                                       settings, folder, "test", log=lambda m: None,
                                       progress=False)


def test_tiny_training_run_lowers_its_loss_and_repeats_itself(agent_config, tmp_path):
    card = tiny_training(agent_config, tmp_path / "a")
    losses = [epoch["train_loss"] for epoch in card["mmoe"]["history"]]
    assert losses[-1] < losses[0]
    assert card["examples"]["positives"]["accept"] > 0
    assert card["examples"]["positives"]["interact"] > 0
    again = tiny_training(agent_config, tmp_path / "b")
    assert [e["train_loss"] for e in again["mmoe"]["history"]] == losses
    assert (tmp_path / "a" / "model_card.json").exists()
    assert list((tmp_path / "a" / "checkpoints").glob("mmoe-epoch*.pt"))


def artifacts_with_models(agent_config, tmp_path, with_ranker: bool):
    """An artifacts folder sharing the built catalog and intent model, with or without a
    (tiny) trained ranker."""
    artifacts = tmp_path / "artifacts"
    (artifacts / "models").mkdir(parents=True)
    (artifacts / agent_config.domain).symlink_to(agent_config.catalog_dir)
    (artifacts / "models" / "intent").symlink_to(agent_config.models_dir / "intent")
    if with_ranker:
        tiny_training(agent_config, artifacts / "models" / "ranker")
    config = dataclasses.replace(
        agent_config, paths=dataclasses.replace(agent_config.paths, artifacts=artifacts,
                                                state=tmp_path / "state"),
        recommender=dataclasses.replace(agent_config.recommender, ranker="mmoe"))
    return config


def test_the_chat_uses_the_mmoe_ranker_when_configured(agent_config, tmp_path):
    config = artifacts_with_models(agent_config, tmp_path, with_ranker=True)
    agent = build_agent(config)
    assert isinstance(agent.recommender.ranker, MMoERanker)
    reply = agent.handle("mmoe-chat", "a crime thriller from the 90s")
    assert reply.action == "recommend" and reply.items
    for item in reply.items:
        assert item["reason"] and 1990 <= item["year"] <= 1999
    agent.store.close()


def test_missing_model_falls_back_to_linear_and_says_so(agent_config, tmp_path, caplog):
    config = artifacts_with_models(agent_config, tmp_path, with_ranker=False)
    messages = []
    agent = build_agent(config, log=messages.append)
    assert type(agent.recommender.ranker) is LinearRanker
    assert any("no trained model" in m and "linear" in m for m in messages)
    assert agent.handle("fallback", "a crime thriller").items
    agent.store.close()


@pytest.mark.parametrize("recommender, fragment", [
    ({"ranker": "deep"}, "recommender.ranker"),
    ({"task_weights": {"click": 1.0}}, "recommender.task_weights.click"),
    ({"task_weights": {"accept": -1}}, "recommender.task_weights.accept"),
    ({"task_weights": {"accept": 0}}, "at least one"),
    ({"anonymous_task_weights": {"accept": 0, "like": 0}}, "anonymous_task_weights: at least"),
    ({"anonymous_task_weights": {"clicks": 1}}, "recommender.anonymous_task_weights.clicks"),
    ({"training": {"epochz": 3}}, "recommender.training.epochz"),
    ({"training": {"epochs": "many"}}, "recommender.training.epochs"),
])
def test_ranker_settings_are_validated(tmp_path, recommender, fragment):
    path = tmp_path / "config.yml"
    path.write_text(yaml.safe_dump({"recommender": recommender}))
    with pytest.raises(ConfigError, match=re.escape(fragment)):
        load_config(path)
