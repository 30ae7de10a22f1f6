"""Everything a ReDial conversation is read with, built once: the ReDial movies linked to the
catalog, the dialogue log of the training conversations, and the chat's own rules (interest
update, entities → constraints) — shared by `convrec train`'s dialogue lists and by
`convrec evaluate redial`, so both read a conversation the same way."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bot.config import Config
from bot.training.conversation_rules import constraints_extractor, session_updater
from nlu.entities import EntityLexicon
from recommender.data.dialogue_log import FoldedDialogueLogs
from recommender.data.history import BehaviorHistory
from recommender.data.item_vectors import genre_prototypes
from recommender.data.redial import (
    SEEKER,
    link_movies,
    read_movies,
    recommendation_targets,
)
from recommender.data.redial_facts import FACTS_FILE, link_by_imdb, read_facts
from recommender.serving.recommend import Recommender
from recommender.training.redial_inputs import (
    MovieLensEASE,
    RedialItems,
    context_state,
    redial_items,
)

Log = Callable[[str], None]


class RedialContext:
    """Everything the ReDial ranking reads, built once: items, the dialogue log, encoders."""

    def __init__(self, config: Config, catalog, vectors: np.ndarray, history: BehaviorHistory,
                 folder: Path, train: list[dict], encode: Callable, log: Log,
                 facts_dir: Path | None = None):
        self.movies = read_movies(folder / "movies_with_mentions.csv")
        facts = read_facts(Path(facts_dir or folder) / FACTS_FILE)
        by_title = link_movies(self.movies, catalog)
        rows = link_by_imdb(self.movies, facts, catalog, by_title)
        unlinked = [m for m, row in zip(self.movies, rows) if row < 0]
        log(f"redial: {len(self.movies)} movies, {int((rows >= 0).sum())} linked to the catalog "
            f"({int((by_title >= 0).sum())} by title + year, the rest by IMDb id); of the "
            f"{len(unlinked)} others, {sum(m.redial_id in facts for m in unlinked)} have facts "
            f"({FACTS_FILE})")
        self.items: RedialItems = redial_items(self.movies, rows, vectors, encode, facts)
        self.names = self.items.names
        self.candidates = set(self.items.index)
        self.train = train
        self.recommender = Recommender(catalog, vectors, history, config.recommender)
        self.genre_vectors = genre_prototypes(vectors,
                                              self.recommender.constraint_index.genre_masks)
        # each turn is read once, however many later targets replay it (never mutated after)
        self.constraints_of = functools.lru_cache(maxsize=None)(
            constraints_extractor(EntityLexicon.from_catalog(catalog)))
        # the dialogue log: one per fold for training lists, all of train for other dialogues
        self.logs = (FoldedDialogueLogs(train, self.items.index, len(self.items),
                                        lambda text: self.constraints_of(text).genres_wanted)
                     if train else None)
        self.movielens = MovieLensEASE(history.matrix, self.items)
        self.update_session = session_updater(config)
        self.encode = encode

    def targets(self, conversations: list[dict]):
        return [t for c in conversations
                for t in recommendation_targets(c, self.names, self.candidates)]

    def utterance_vectors(self, targets) -> dict[str, np.ndarray]:
        """The sentence vectors of the seekers' turns (the interest update reads only those:
        recommender/training/redial_inputs.py context_state), each text once."""
        texts = sorted({turn.text for t in targets for turn in t.context
                        if turn.text and turn.role == SEEKER})
        return dict(zip(texts, self.encode(texts))) if texts else {}

    def log_for(self, conversation_id: str | None):
        """The dialogue log a conversation may read: without its own fold when it is a train
        conversation; None when there are no train dialogues."""
        return None if self.logs is None else self.logs.for_conversation(conversation_id)

    def state(self, target, vectors: dict[str, np.ndarray]):
        return context_state(target.context, self.items, vectors, self.genre_vectors,
                             self.constraints_of, self.update_session)
