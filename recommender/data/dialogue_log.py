"""What earlier dialogues say about movies: the dialogue log of the ReDial ranking features.

Built from TRAIN conversations only (ReDial format). Per candidate movie, for one context:
- `popularity`: log(1 + conversations mentioning it), scaled by the most mentioned movie;
- `evidence`: log(1 + Σ_seeds co-mentions) with the movies the context mentioned (seeds);
- `ease`: Σ_seeds B[seed, movie] of EASE (Steck, WWW 2019) fitted on the conversation × movie
  matrix: co-mentions with the popularity of both sides taken out, so a movie that appears in
  every conversation is not "related" to everything;
- `genre`: how often recommenders suggested the movie after the seeker asked for the genres the
  context asked for (e.g. "horror" → It, Get Out); it covers movies the catalog does not have,
  whose genres are unknown otherwise;
- `words`: the same for the context's words (idf-weighted counts of (word, suggested movie)
  pairs, each word's count shrunk by `word_shrinkage`): "superhero", "pixar", "scary".

Leakage: features of a training conversation must not see that conversation's own mentions.
`FoldedDialogueLogs` fits one log per fold on the other folds; a training list of a
conversation reads the log of its fold. The evaluation reads the log of all train conversations
(the evaluated split is never in it). Pure numpy / scipy: the genres of an utterance arrive as a
callable (the NLU lives in `nlu/`).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from recommender.data.redial import RECOMMENDER, SEEKER, dialogue_turns
from recommender.models.baselines import SeedEASE

GenresOf = Callable[[str], set[str]]  # utterance → genres the seeker asks for
_WORD = re.compile(r"[a-z][a-z']+")
# function words and chat filler: they say nothing about which movie fits
STOPWORDS = frozenset("""
a about after again all also am an and any are as at be been but by can could did do does dont
don't for from get got had has have he her hi him his how i i'd i'll i'm im if in is it it's its
just know like lol me more movie movies much my no not of oh ok okay on one or our out really
right seen she so some something sure than thank thanks that that's the their them then there
they think this to too very want was watch watched we well were what when which who will with
would yeah yes you you're your film films good great hello hey see
""".split())


def context_words(texts: Iterable[str]) -> set[str]:
    """Lower-cased content words of the texts (no stopwords, no one-letter words)."""
    return {w for text in texts for w in _WORD.findall(text.lower()) if w not in STOPWORDS}


def mention_matrix(conversations: list[dict], row_of: dict[str, int], n_items: int
                   ) -> sparse.csr_matrix:
    """[conversations, n_items] 1 where a ReDial-format conversation mentions the item
    (`row_of`: ReDial movie id → column: a candidate or a catalog row; other mentions are
    dropped)."""
    users, items = [], []
    for i, conversation in enumerate(conversations):
        rows = sorted({row_of[m] for turn in dialogue_turns(conversation, {})
                       for m in turn.mentions if m in row_of})
        users += [i] * len(rows)
        items += rows
    return sparse.csr_matrix((np.ones(len(users), dtype=np.float32), (users, items)),
                             shape=(len(conversations), n_items))


@dataclass(frozen=True)
class DialogueLogSettings:
    ease_regularization: float = 20.0  # λ of the conversation × movie EASE
    word_shrinkage: float = 5.0  # count(word, movie) / (count(word) + this)
    min_word_count: int = 2  # rarer words are ignored
    folds: int = 5


def scaled_log(counts: np.ndarray) -> np.ndarray:
    """log(1 + c) / log(1 + max c): [0, 1]."""
    counts = np.maximum(counts, 0.0)
    return (np.log1p(counts) / np.log1p(max(float(counts.max()), 1.0))).astype(np.float32)


class DialogueLog:
    """The features above from `conversations` over `n_movies` candidates (`index`: ReDial id →
    candidate index)."""

    def __init__(self, conversations: list[dict], index: dict[str, int], n_movies: int,
                 genres_of: GenresOf | None = None,
                 settings: DialogueLogSettings = DialogueLogSettings()):
        self.settings = settings
        self.n_movies = n_movies
        self.matrix = mention_matrix(conversations, index, n_movies)  # [conversations, n]
        self.item_matrix = self.matrix.T.tocsr()  # [n_movies, n_conversations]
        self.counts = np.asarray(self.matrix.sum(axis=0)).ravel()  # [n_movies]
        used = np.flatnonzero(self.counts > 0)  # [u] movies the log knows
        self._ease = SeedEASE(self.matrix[:, used], used, n_movies, settings.ease_regularization)
        self._fit_suggestions(conversations, index, genres_of)

    def _fit_suggestions(self, conversations: list[dict], index: dict[str, int],
                         genres_of: GenresOf | None) -> None:
        """(genre, suggested movie) and (word, suggested movie) counts over the recommendation
        targets (recommender/data/redial.py): each movie mentioned at a recommender turn, against
        the genres the seeker asked for and the words said in the turns before it. One pass per
        conversation, the context growing turn by turn."""
        genre_pairs: dict[tuple[str, int], int] = {}
        word_pairs: dict[tuple[str, int], int] = {}
        word_counts: dict[str, int] = {}
        n_targets = 0
        for conversation in conversations:
            genres: set[str] = set()  # asked for so far
            words: set[str] = set()  # said so far
            for turn in dialogue_turns(conversation, {}):
                if turn.role == RECOMMENDER:
                    for movie in (index[m] for m in turn.mentions if m in index):
                        n_targets += 1
                        for genre in genres:
                            genre_pairs[genre, movie] = genre_pairs.get((genre, movie), 0) + 1
                        for word in words:
                            word_pairs[word, movie] = word_pairs.get((word, movie), 0) + 1
                            word_counts[word] = word_counts.get(word, 0) + 1
                if turn.role == SEEKER and turn.text and genres_of is not None:
                    genres |= genres_of(turn.text)
                words |= context_words([turn.text])
        self.genres = sorted({genre for genre, _ in genre_pairs})
        genre_row = {g: i for i, g in enumerate(self.genres)}
        self.genre_counts = np.zeros((len(self.genres), self.n_movies), dtype=np.float32)
        for (genre, movie), count in genre_pairs.items():
            self.genre_counts[genre_row[genre], movie] = count  # [n_genres, n_movies]
        kept = sorted(w for w, c in word_counts.items() if c >= self.settings.min_word_count)
        self.words = {w: i for i, w in enumerate(kept)}
        rows, cols, values = [], [], []
        for (word, movie), count in word_pairs.items():
            if word in self.words:
                total = word_counts[word]
                idf = np.log(max(n_targets, 1) / total)
                rows.append(self.words[word])
                cols.append(movie)
                values.append(idf * count / (total + self.settings.word_shrinkage))
        self.word_scores = sparse.csr_matrix(
            (np.array(values, dtype=np.float32), (rows, cols)),
            shape=(len(self.words), self.n_movies))  # [n_words, n_movies]

    # -- features of one context: each [n_movies] float32 ------------------------------------
    def popularity(self) -> np.ndarray:
        return scaled_log(self.counts)

    def evidence(self, seeds: np.ndarray) -> np.ndarray:
        """Co-mentions with the seeds; a seed is no evidence for itself."""
        if len(seeds) == 0:
            return np.zeros(self.n_movies, dtype=np.float32)
        together = self.matrix[:, seeds].sum(axis=1)  # [n_conversations, 1]: seeds per conv
        co = np.asarray(self.item_matrix @ together).ravel()  # [n] Σ_seeds co-mentions
        co[seeds] -= self.counts[seeds]  # a movie's co-mentions with itself
        return scaled_log(co)

    def ease(self, seeds: np.ndarray) -> np.ndarray:
        return self._ease.scores(seeds)

    def genre(self, genres: Iterable[str]) -> np.ndarray:
        rows = [self.genres.index(g) for g in sorted(set(genres)) if g in self.genres]
        if not rows:
            return np.zeros(self.n_movies, dtype=np.float32)
        return scaled_log(self.genre_counts[rows].sum(axis=0))

    def words_score(self, words: Iterable[str]) -> np.ndarray:
        rows = sorted(self.words[w] for w in set(words) if w in self.words)
        if not rows:
            return np.zeros(self.n_movies, dtype=np.float32)
        return np.asarray(self.word_scores[rows].sum(axis=0)).ravel().astype(np.float32)

    def features(self, seeds: np.ndarray, genres: Iterable[str], words: Iterable[str]
                 ) -> dict[str, np.ndarray]:
        """The model's dialogue columns for one context (names as in ranker_inputs.CROSS)."""
        return {"dialogue_popularity": self.popularity(),
                "dialogue_evidence": self.evidence(seeds),
                "dialogue_ease": self.ease(seeds),
                "dialogue_genre": self.genre(genres),
                "dialogue_words": self.words_score(words)}


def fold_of(conversation_id: str, folds: int) -> int:
    """A fixed fold per conversation id (crc32: the same in every process)."""
    return zlib.crc32(conversation_id.encode()) % folds


class FoldedDialogueLogs:
    """One DialogueLog per fold, each fitted on the other folds' conversations, so a training
    conversation's features never count its own mentions; `all` is fitted on every conversation
    (for scoring conversations outside the log). Each is fitted when first asked for (the
    evaluation of another split needs only `all`, training lists only the folds), and the
    genres of an utterance are read once for all of them."""

    def __init__(self, conversations: list[dict], index: dict[str, int], n_movies: int,
                 genres_of: GenresOf | None = None,
                 settings: DialogueLogSettings = DialogueLogSettings()):
        self.settings = settings
        self.conversations = conversations
        self.ids = [str(c.get("conversationId", i)) for i, c in enumerate(conversations)]
        self.fold = {cid: fold_of(cid, settings.folds) for cid in self.ids}
        self.index, self.n_movies = index, n_movies
        self.genres_of = _memoised(genres_of) if genres_of is not None else None
        self._logs: dict[int | None, DialogueLog] = {}  # fold left out (None: none) → log

    def _log(self, left_out: int | None) -> DialogueLog:
        if left_out not in self._logs:
            kept = [c for c, cid in zip(self.conversations, self.ids)
                    if self.fold[cid] != left_out]
            self._logs[left_out] = DialogueLog(kept, self.index, self.n_movies, self.genres_of,
                                               self.settings)
        return self._logs[left_out]

    @property
    def all(self) -> DialogueLog:
        return self._log(None)

    def for_conversation(self, conversation_id: str | None) -> DialogueLog:
        """The log that does not contain `conversation_id` (all, for other conversations)."""
        if conversation_id is None or conversation_id not in self.fold:
            return self.all
        return self._log(self.fold[conversation_id])


def _memoised(genres_of: GenresOf) -> GenresOf:
    cache: dict[str, set[str]] = {}

    def cached(text: str) -> set[str]:
        if text not in cache:
            cache[text] = set(genres_of(text))
        return cache[text]

    return cached
