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

With `people=True` they talk more like people do (`Speech`, seeded): a typo in some words, a short
reply ("ok", "lol", "nah", "sure") after some lists instead of their next hint, and a change of
mind (a first request for a genre the target does not have, then "actually, …" with the real
hint). Every turn is also checked like the replay's (bot/evaluation/replay.py): the share answered
with the generic help text, and the share whose items break a constraint the person stated.

The same people and targets talk to the configured ranker and, when asked, to the linear ranker
(same agent otherwise), so the two success rates are paired.
"""

from __future__ import annotations

import dataclasses
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.build import build_agent
from bot.config import Config
from bot.dialogue.agent import Agent
from bot.evaluation.replay import StatedConstraints, TurnCounts, check_turn
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


SHORT_REPLIES = ("ok", "lol", "nah", "sure", "hmm", "ya")
WORD = re.compile(r"[a-z]{5,}")


@dataclass(frozen=True)
class Speech:
    """How often a simulated person talks like people do (probabilities per turn or word)."""

    typo: float = 0.1  # per word of 5+ letters: two neighbouring letters swapped
    short_reply: float = 0.25  # after a list without the target: a short reply, not a hint
    change_of_mind: float = 0.2  # per conversation: a decoy genre first, then "actually, ..."


def with_typos(text: str, rate: float, rng: np.random.Generator) -> str:
    """Swap two neighbouring letters inside some words of 5+ letters ("comedy" → "comdey")."""
    def swap(match: re.Match) -> str:
        word = match.group(0)
        if rng.random() >= rate:
            return word
        i = int(rng.integers(1, len(word) - 2))
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return WORD.sub(swap, text)


def utterances(plan: ConversationPlan, catalog, speech: Speech | None,
               rng: np.random.Generator) -> list[str]:
    """The person's hints in order (typos included), a decoy genre first on a change of mind."""
    texts = [t.text for t in plan.turns]
    if speech is None:
        return texts
    texts = [with_typos(t, speech.typo, rng) for t in texts]
    if texts and rng.random() < speech.change_of_mind:
        target_genres = set(catalog.items[plan.target_row].genres)
        decoys = [g for g in ("Horror", "Western", "Musical", "Documentary", "War")
                  if g not in target_genres]
        decoy = decoys[int(rng.integers(len(decoys)))].lower()
        texts = [f"a {decoy} movie", f"no actually, {texts[0]}", *texts[1:]]
    return texts


def run_plans(agent, plans: list[ConversationPlan], turns: int, prefix: str,
              speech: Speech | None = None, seed: int = 0) -> dict:
    """Success rate, mean turns to success, cumulative success by turn; help-text and
    stated-constraint violation shares over all turns."""
    success_turn: list[int | None] = []
    counts = TurnCounts()
    rng = np.random.default_rng(seed)
    for i, plan in enumerate(plans):
        session = f"{prefix}-{i}"
        target_id = agent.catalog.items[plan.target_row].id
        hints = iter(utterances(plan, agent.catalog, speech, rng))
        found, reply, previous, stated = None, None, None, StatedConstraints()
        counts.conversations += 1
        for turn in range(turns):
            if speech is not None and reply is not None and reply.items \
                    and rng.random() < speech.short_reply:
                text = SHORT_REPLIES[int(rng.integers(len(SHORT_REPLIES)))]
            else:
                text = next(hints, "show me more")
            reply = agent.handle(session, text)
            check_turn(counts, stated, text, reply, agent.catalog, previous)
            previous = reply.action
            if any(item["id"] == target_id for item in reply.items):
                found = turn + 1
                break
        success_turn.append(found)
        counts.successes += found is not None
    hits = [t for t in success_turn if t is not None]
    checks = counts.summary()
    return {
        "help_share": checks["help_share"],
        "help_twice_in_a_row": checks["help_twice_in_a_row"],
        "violation_share": checks["violation_share"],
        "turns_checked": checks["turns"],
        "violation_examples": checks["violation_examples"][:5],
        "success_rate": round(len(hits) / max(len(plans), 1), 4),
        "mean_turns_to_success": round(float(np.mean(hits)), 3) if hits else None,
        "success_by_turn": [round(sum(1 for t in hits if t <= k) / max(len(plans), 1), 4)
                            for k in range(1, turns + 1)],
        "_success": [t is not None for t in success_turn],
    }


def simulate(config: Config, n: int, turns: int, seed: int, compare: bool,
             log: Log = print, people: bool = False) -> dict:
    started = time.perf_counter()
    state_dir = Path(tempfile.mkdtemp(prefix="convrec-simulate-"))
    config = dataclasses.replace(config, paths=dataclasses.replace(config.paths, state=state_dir))
    agent = build_agent(config, log=log)
    name = type(agent.recommender.ranker).__name__
    plans = sample_plans(agent, n, turns, seed)
    log(f"simulate: {len(plans)} hidden targets, up to {turns} turns, ranker {name}")
    speech = Speech() if people else None
    models = {config.recommender.ranker: run_plans(agent, plans, turns, "sim", speech, seed)}
    if compare and config.recommender.ranker != "linear":
        recommender = agent.recommender
        linear = Recommender(recommender.catalog, recommender.item_vectors, recommender.history,
                             dataclasses.replace(config.recommender, ranker="linear"),
                             ranker=LinearRanker(config.recommender.weights))
        linear_agent = Agent(config, agent.catalog, linear, agent.nlu, agent.store,
                             agent.templates)
        models["linear"] = run_plans(linear_agent, plans, turns, "sim-linear", speech, seed)
    result = {"n": len(plans), "turns": turns, "seed": seed, "people": people,
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
