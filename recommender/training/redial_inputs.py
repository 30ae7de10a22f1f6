"""Ranking ReDial movies from a conversation: the conversational ranker's inputs over the ReDial
candidate set, for the CRSLab-protocol evaluation and for `accept` training lists.

Candidates are all ReDial movies (`movies_with_mentions.csv`); a movie linked to the catalog
(normalised title + year, `recommender.data.redial.link_movies`) has the catalog's text vector, id
embedding and behavior features; an unlinked one has a title-only text vector and no id.

What the context gives (all of it from earlier turns, never from the target's own turn):
- the session interest vector, built as the chat builds it: each seeker utterance's embedding,
  the genre prototypes of the genres it names, and every movie mentioned so far as a reference;
- the constraints the seeker stated (genres, people, keywords; injected NLU extraction);
- behavior evidence through the mentioned movies: ItemKNN over MovieLens ratings (`history`),
  EASE over MovieLens ratings (`movielens_ease`), SASRec over the mentioned sequence (`sasrec`,
  history representation), and what TRAIN dialogues say (recommender/data/dialogue_log.py:
  co-mentions, EASE over conversations, suggestions after the same genres and words, popularity);
- `mentioned`: the movie was already mentioned in this conversation; `suggested_before`: by
  the recommender; `year`: its release year (from the ReDial name).

The dialogue log is the TRAIN conversations only; a training list reads the log of the other
folds (`FoldedDialogueLogs`), so a label never leaks into its own features. `nbMentions` of the
csv counts the test split and is never read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from recommender.data.dialogue_log import DialogueLog, context_words
from recommender.data.redial import SEEKER, RecTarget, RedialMovie
from recommender.data.redial_facts import FactMatches, facts_item
from recommender.domain.constraints import Constraints
from recommender.models.baselines import SeedEASE
from recommender.serving.inputs import InputBuilder, scaled_years
from recommender.serving.ranker import CandidateFeatures
from recommender.serving.recommend import Recommender
from recommender.training.conversations import UpdateSession

ConstraintsOf = Callable[[str], Constraints]  # seeker utterance → what it asks for


@dataclass
class RedialItems:
    """The candidate set: every ReDial movie, in csv order."""

    movies: list[RedialMovie]
    rows: np.ndarray  # [n] catalog row, -1 unlinked
    vectors: np.ndarray  # [n, 384] catalog text vector if linked, else its facts' or title's
    facts: FactMatches | None = None  # constraint matches of the unlinked movies with facts

    def __post_init__(self):
        self.index = {m.redial_id: i for i, m in enumerate(self.movies)}
        self.linked = (self.rows >= 0).astype(np.float32)  # [n]
        self.item_ids = np.where(self.rows >= 0, self.rows + 1, 0).astype(np.int64)  # [n]
        self.years = scaled_years(np.array([m.year or 0 for m in self.movies]))  # [n]

    def __len__(self) -> int:
        return len(self.movies)

    @property
    def names(self) -> dict[str, str]:
        return {m.redial_id: m.name for m in self.movies}


def redial_items(movies: list[RedialMovie], rows: np.ndarray, item_vectors: np.ndarray,
                 encode: Callable[[list[str]], np.ndarray],
                 facts: dict[str, dict] | None = None) -> RedialItems:
    """Text vectors: the catalog's for linked movies; for the rest, the text of an item built
    from their facts (recommender/data/redial_facts.py) when `facts` has them, else
    `encode("Title (Year)")`."""
    facts = facts or {}
    vectors = np.zeros((len(movies), item_vectors.shape[1]), dtype=np.float32)
    vectors[rows >= 0] = item_vectors[rows[rows >= 0]]
    unlinked = np.flatnonzero(rows < 0)
    with_facts = np.array([i for i in unlinked if movies[i].redial_id in facts], dtype=np.int64)
    fact_items = [facts_item(movies[i], facts[movies[i].redial_id]) for i in with_facts]
    texts = {int(i): item.text() for i, item in zip(with_facts, fact_items)}
    if len(unlinked):
        vectors[unlinked] = encode([texts.get(int(i), movies[i].name) for i in unlinked])
    matches = FactMatches(with_facts, fact_items) if len(with_facts) else None
    return RedialItems(movies, rows, vectors, matches)


class MovieLensEASE(SeedEASE):
    """EASE (Steck, WWW 2019) over MovieLens ratings, restricted to the linked ReDial movies:
    score(movie) = Σ_seeds B[seed, movie] for the linked movies the context mentioned; zero for
    unlinked movies and when no seed is linked."""

    def __init__(self, interactions, items: RedialItems, regularization: float = 200.0):
        linked = np.flatnonzero(items.rows >= 0)  # [l] candidate indices
        matrix = sparse.csr_matrix(interactions)[:, items.rows[linked]]  # [users, l]
        super().__init__(matrix, linked, len(items), regularization)


@dataclass
class ContextState:
    interest_vector: np.ndarray | None
    constraints: Constraints
    mentioned: list[int]  # candidate indices mentioned so far, in order, no repeats
    suggested: set[int]  # those mentioned at a recommender turn
    words: set[str]  # content words of every earlier turn (dialogue_log.context_words)


def context_state(context: tuple, items: RedialItems, utterance_vectors: dict[str, np.ndarray],
                  genre_vectors: dict[str, np.ndarray], constraints_of: ConstraintsOf,
                  update_session: UpdateSession) -> ContextState:
    """Replay the earlier turns the way the chat's state update does."""
    vector, constraints, mentioned, suggested = None, Constraints(), [], set()
    for turn in context:
        signals: list[tuple[str, np.ndarray, float]] = []
        if turn.role == SEEKER and turn.text:
            said = constraints_of(turn.text)
            constraints.genres_wanted |= said.genres_wanted
            constraints.genres_unwanted |= said.genres_unwanted
            constraints.people_wanted |= said.people_wanted
            constraints.people_unwanted |= said.people_unwanted
            constraints.keywords_wanted |= said.keywords_wanted
            constraints.keywords_unwanted |= said.keywords_unwanted
            # sorted: a set's order changes from process to process, and so would the float sum
            signals += [("attribute", genre_vectors[g], 1.0) for g in sorted(said.genres_wanted)
                        if g in genre_vectors]
            signals += [("attribute", genre_vectors[g], -1.0)
                        for g in sorted(said.genres_unwanted) if g in genre_vectors]
            signals.append(("utterance", utterance_vectors[turn.text], 1.0))
        for movie in turn.mentions:
            if movie in items.index:
                index = items.index[movie]
                signals.append(("reference", items.vectors[index], 1.0))
                if index not in mentioned:
                    mentioned.append(index)
                if turn.role != SEEKER:
                    suggested.add(index)
        vector = update_session(vector, signals)
    words = context_words(turn.text for turn in context)
    return ContextState(vector, constraints, mentioned, suggested, words)


def candidate_inputs(state: ContextState, items: RedialItems, recommender: Recommender,
                     builder: InputBuilder, log: DialogueLog | None,
                     movielens: MovieLensEASE | None = None
                     ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(model input rows [n, F] for every ReDial movie, the cross features by name {[n]}).
    `log`: the dialogue log this context may read (never one holding its own conversation)."""
    n = len(items)
    linked_index = np.flatnonzero(items.rows >= 0)  # [l]
    linked_rows = items.rows[linked_index]  # [l]
    mentioned = np.array(state.mentioned, dtype=np.int64)
    seed_rows = items.rows[mentioned][items.rows[mentioned] >= 0] if len(mentioned) \
        else np.zeros(0, dtype=np.int64)
    catalog_side = recommender.item_features(linked_rows, state.interest_vector, seed_rows,
                                             state.constraints)
    columns = {}
    for name in ("history", "popularity", "quality", "genre_match", "person_match",
                 "keyword_match"):
        column = np.zeros(n, dtype=np.float32)
        column[linked_index] = getattr(catalog_side, name)
        columns[name] = column
    if items.facts is not None:  # unlinked movies with facts: the same matches from them
        wanted = state.constraints
        columns["genre_match"][items.facts.rows] = items.facts.genre_match(wanted.genres_wanted)
        columns["person_match"][items.facts.rows] = items.facts.person_match(
            wanted.people_wanted)
        columns["keyword_match"][items.facts.rows] = items.facts.keyword_match(
            wanted.keywords_wanted, wanted.keywords_unwanted)
    columns["interest"] = (items.vectors @ state.interest_vector if state.interest_vector
                           is not None else np.zeros(n)).astype(np.float32)
    features = CandidateFeatures(rows=np.where(items.rows >= 0, items.rows, 0), **columns)
    extra = {"mentioned": np.zeros(n, dtype=np.float32),
             "suggested_before": np.zeros(n, dtype=np.float32), "year": items.years}
    extra["mentioned"][mentioned] = 1.0
    extra["suggested_before"][sorted(state.suggested)] = 1.0
    if log is not None:
        extra.update(log.features(mentioned, state.constraints.genres_wanted, state.words))
    if movielens is not None:
        extra["movielens_ease"] = movielens.scores(mentioned)
    state_of_history = builder.history_state(seed_rows)
    sasrec = np.zeros(n, dtype=np.float32)
    if builder.history_encoder is not None and state_of_history is not None:
        sasrec[linked_index] = builder.history_encoder.scores(state_of_history, linked_rows)
    extra["sasrec"] = sasrec
    dense = builder.dense(features, state.interest_vector, seed_rows, extra,
                          item_vectors=items.vectors, linked=items.linked)
    return dense, {**columns, **extra}


def target_ranks(scores: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """[b] 0-based rank of each target in its row of scores [b, n]; ties count against it."""
    target_scores = scores[np.arange(len(targets)), targets]  # [b]
    return ((scores >= target_scores[:, None]).sum(axis=1) - 1).astype(np.int64)


def accepted(target: RecTarget, labels: dict[str, dict[str, int]]) -> bool:
    """A suggestion counts as accepted unless the seeker said they did not like it."""
    return labels.get(target.target, {}).get("liked", 2) != 0
