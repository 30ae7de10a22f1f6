"""The `accept` lists `convrec train` adds from ReDial-format dialogues (train_data.jsonl)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from tqdm import tqdm

from bot.config import Config
from bot.training.redial_context import RedialContext
from recommender.data.history import BehaviorHistory
from recommender.data.redial import read_dialogues, seeker_labels
from recommender.models.tasks import TASKS
from recommender.serving.inputs import InputBuilder
from recommender.training.examples import ExampleLists, split_of
from recommender.training.redial_inputs import accepted, candidate_inputs

Log = Callable[[str], None]


def dialogue_lists_builder(config: Config, catalog, vectors: np.ndarray,
                           history: BehaviorHistory, folder: Path, encode: Callable, log: Log,
                           progress: bool = True):
    """For `convrec train`: a function (builder, lists) → counts that appends `accept` lists
    from DIR/train_data.jsonl: each accepted recommender mention against `sampled` movies drawn
    uniformly from all ReDial movies (the evaluation ranks all of them), with dialogue-log
    features read from the log of the other folds. No "hard" negatives picked by a feature: a
    list whose negatives were chosen for high popularity teaches that popularity marks a
    negative (tried: dedup Recall@10 fell from ~0.08 to 0.035 on held-out train conversations;
    300 uniform negatives instead of 100 also scored lower there, 0.143 vs 0.149)."""

    def build(builder: InputBuilder, lists: ExampleLists, sampled: int = 100,
              seed: int = 7) -> dict:
        started = time.perf_counter()
        train = read_dialogues(folder / "train_data.jsonl")
        context = RedialContext(config, catalog, vectors, history, folder, train, encode, log)
        rng = np.random.default_rng(seed)
        targets = context.targets(train)
        labels = {str(c.get("conversationId")): seeker_labels(c) for c in train}
        kept = [t for t in targets if accepted(t, labels[t.conversation_id])]
        utterances = context.utterance_vectors(kept)
        n = len(context.items)
        for target in tqdm(kept, desc="ranker lists: ReDial", leave=False, disable=not progress):
            state = context.state(target, utterances)
            dense, _ = candidate_inputs(state, context.items, context.recommender, builder,
                                        context.log_for(target.conversation_id),
                                        context.movielens)
            positive = context.items.index[target.target]
            others = rng.choice(n - 1, sampled, replace=False)  # [sampled] ≠ positive below
            picked = np.r_[positive, others + (others >= positive)]
            label = np.zeros((len(picked), len(TASKS)), dtype=np.float32)
            mask = np.zeros_like(label)
            label[0, 0], mask[:, 0] = 1.0, 1.0
            lists.add(dense[picked], context.items.item_ids[picked], label, mask,
                      split_of(f"redial:{target.conversation_id}"), "dialogue")
        return {"folder": str(folder), "conversations": len(train), "targets": len(targets),
                "accepted_targets": len(kept), "linked_movies": int((context.items.rows >= 0)
                                                                     .sum()),
                "seconds": round(time.perf_counter() - started, 1)}

    return build
