"""`convrec simulate --n 200 --turns 5`: simulated people with a hidden target movie talk to the
real Agent (NLU → state → policy → recommender → reply), and we count how often the target is
shown within N turns.

A simulated person is a new user (no history). Their target is drawn from the catalog's movies
with at least `min_ratings` MovieLens ratings (ones a person could plausibly have in mind). They
speak from the target's attributes only (recommender/training/conversations.py: genre, decade,
director or actor, a plot keyword, a movie they loved — taken from a real MovieLens user who rated
the target ≥ 4 — never the target's title), one utterance per turn, and say "show me more" once
they run out.
Success = the target is among the items of a reply within `turns` turns.

The same people and targets talk to the configured ranker and, when asked, to the linear ranker
(same agent otherwise), so the two success rates are paired.
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bot.build import build_agent
from bot.config import Config
from bot.dialogue.agent import Agent
from recommender.data.history import LIKED_RATING
from recommender.serving.ranker import LinearRanker
from recommender.serving.recommend import Recommender
from recommender.training.conversations import ConversationPlan, plan_conversation, plot_keywords

Log = Callable[[str], None]


def sample_plans(agent, n: int, turns: int, seed: int, min_ratings: int = 20
                 ) -> list[ConversationPlan]:
    catalog, history = agent.catalog, agent.recommender.history
    rng = np.random.default_rng(seed)
    eligible = np.flatnonzero((catalog.popularity >= min_ratings) & (catalog.years > 0))
    targets = rng.choice(eligible, size=min(n, len(eligible)), replace=False)
    keyword_df = plot_keywords(catalog)
    likers: dict[int, list[str]] = {}
    for user in history.users:
        one = history.user(user)
        for row in one.item_rows[one.ratings >= LIKED_RATING]:
            likers.setdefault(int(row), []).append(user)
    plans = []
    for target in targets.tolist():
        fans = likers.get(target, [])
        liked = np.zeros(0, dtype=np.int64)
        if fans:
            fan = history.user(fans[int(rng.integers(len(fans)))])
            liked = fan.item_rows[(fan.ratings >= LIKED_RATING) & (fan.item_rows != target)]
        plans.append(plan_conversation(catalog, "simulated", target, liked, keyword_df, rng,
                                       n_turns=turns))
    return plans


def run_plans(agent, plans: list[ConversationPlan], turns: int, prefix: str) -> dict:
    """Success rate, mean turns to success, cumulative success by turn."""
    success_turn: list[int | None] = []
    for i, plan in enumerate(plans):
        session = f"{prefix}-{i}"
        target_id = agent.catalog.items[plan.target_row].id
        found = None
        for turn in range(turns):
            text = plan.turns[turn].text if turn < len(plan.turns) else "show me more"
            reply = agent.handle(session, text)
            if any(item["id"] == target_id for item in reply.items):
                found = turn + 1
                break
        success_turn.append(found)
    hits = [t for t in success_turn if t is not None]
    return {
        "success_rate": round(len(hits) / max(len(plans), 1), 4),
        "mean_turns_to_success": round(float(np.mean(hits)), 3) if hits else None,
        "success_by_turn": [round(sum(1 for t in hits if t <= k) / max(len(plans), 1), 4)
                            for k in range(1, turns + 1)],
        "_success": [t is not None for t in success_turn],
    }


def simulate(config: Config, n: int, turns: int, seed: int, compare: bool,
             log: Log = print) -> dict:
    started = time.perf_counter()
    state_dir = Path(tempfile.mkdtemp(prefix="convrec-simulate-"))
    config = dataclasses.replace(config, paths=dataclasses.replace(config.paths, state=state_dir))
    agent = build_agent(config, log=log)
    name = type(agent.recommender.ranker).__name__
    plans = sample_plans(agent, n, turns, seed)
    log(f"simulate: {len(plans)} hidden targets, up to {turns} turns, ranker {name}")
    models = {config.recommender.ranker: run_plans(agent, plans, turns, "sim")}
    if compare and config.recommender.ranker != "linear":
        recommender = agent.recommender
        linear = Recommender(recommender.catalog, recommender.item_vectors, recommender.history,
                             dataclasses.replace(config.recommender, ranker="linear"),
                             ranker=LinearRanker(config.recommender.weights))
        linear_agent = Agent(config, agent.catalog, linear, agent.nlu, agent.store,
                             agent.templates)
        models["linear"] = run_plans(linear_agent, plans, turns, "sim-linear")
    result = {"n": len(plans), "turns": turns, "seed": seed,
              "ranker_class": name, "models": {}}
    for key, value in models.items():
        result["models"][key] = {k: v for k, v in value.items() if not k.startswith("_")}
    if len(models) == 2:
        a, b = (np.array(v["_success"]) for v in models.values())
        result["paired"] = {"both": int((a & b).sum()), "only_" + list(models)[0]: int((a & ~b)
                                                                                       .sum()),
                            "only_linear": int((~a & b).sum()), "neither": int((~a & ~b).sum())}
    utterances = [turn.kind for plan in plans for turn in plan.turns]
    result["utterance_kinds"] = {k: utterances.count(k) for k in sorted(set(utterances))}
    result["seconds"] = round(time.perf_counter() - started, 1)
    agent.store.close()
    return result
