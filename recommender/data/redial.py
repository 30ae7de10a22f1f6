"""ReDial-format dialogues (Li et al., NeurIPS 2018): reading, linking to the catalog, and the
recommendation targets of the CRSLab protocol (Zhou et al., ACL 2021 demo). Pure, no NLU.

A ReDial conversation is a seeker (the initiator) talking to a recommender (the respondent);
movies are written `@<movieId>` in the messages. The protocol: consecutive messages of one sender
form one turn (as CRSLab merges them); every movie mentioned at a recommender turn is one target;
its context is every earlier turn, with `@ids` replaced by movie names. "dedup" drops the targets
already mentioned earlier in the same conversation (re-suggesting a movie the seeker just named
is easy and inflates "full").
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from recommender.data.titles import normalize_title
from recommender.domain.catalog import Catalog

MENTION = re.compile(r"@(\d+)")
_NAME_YEAR = re.compile(r"^(?P<title>.*?)\s*\((?P<year>\d{4})\)\s*$")
SEEKER, RECOMMENDER = "seeker", "recommender"


@dataclass(frozen=True)
class RedialMovie:
    redial_id: str
    title: str  # without the year
    year: int | None

    @property
    def name(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title


@dataclass(frozen=True)
class Turn:
    role: str  # SEEKER | RECOMMENDER
    text: str  # merged messages, `@ids` replaced by movie names
    mentions: tuple[str, ...]  # ReDial ids in order of mention, without repeats


@dataclass(frozen=True)
class RecTarget:
    """One movie the recommender mentioned, with everything said before that turn."""

    conversation_id: str
    turn_index: int
    target: str  # ReDial id
    context: tuple[Turn, ...]  # all earlier turns, oldest first
    repeated: bool  # mentioned earlier in this conversation (dropped in "dedup")


def parse_movie_name(name: str) -> tuple[str, int | None]:
    """'Whip It  (2009)' -> ('Whip It', 2009); 'How to Train Your Dragon ' -> (..., None)."""
    name = " ".join(name.split())
    match = _NAME_YEAR.match(name)
    if match:
        return match["title"].strip(), int(match["year"])
    return name, None


def read_movies(path: Path) -> list[RedialMovie]:
    """`movies_with_mentions.csv`. Its `nbMentions` counts the test split too: never read here."""
    with Path(path).open(encoding="utf-8", newline="") as f:
        return [RedialMovie(row["movieId"], *parse_movie_name(row["movieName"]))
                for row in csv.DictReader(f)]


def read_dialogues(path: Path) -> list[dict]:
    with Path(path).open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def link_movies(movies: list[RedialMovie], catalog: Catalog) -> np.ndarray:
    """[n_movies] catalog row per ReDial movie, -1 when not linked.

    Normalised title + same year, unique in the catalog; a movie without a year links when its
    title names exactly one catalog item. Ambiguity stays unlinked rather than guessed.
    """
    by_key: dict[str, list[tuple[int, int | None]]] = defaultdict(list)
    for row, item in enumerate(catalog.items):
        by_key[normalize_title(item.title)].append((row, item.year))
    rows = np.full(len(movies), -1, dtype=np.int64)
    for i, movie in enumerate(movies):
        candidates = by_key.get(normalize_title(movie.title), [])
        if movie.year is not None:
            candidates = [c for c in candidates if c[1] == movie.year]
        if len(candidates) == 1:
            rows[i] = candidates[0][0]
    return rows


def _clean(text: str) -> str:
    return " ".join(text.replace("&quot;", '"').replace("&amp;", "&").split())


def dialogue_turns(conversation: dict, names: dict[str, str]) -> list[Turn]:
    """Merge consecutive messages of one sender into turns; `@id` -> the movie's name.

    names: ReDial id -> display name (from movies_with_mentions.csv; the conversation's own
    `movieMentions` fills gaps).
    """
    own = {str(k): " ".join(str(v).split()) for k, v in
           (conversation.get("movieMentions") or {}).items() if v}
    seeker = conversation.get("initiatorWorkerId")
    groups: list[tuple[str, list[str]]] = []
    for message in conversation.get("messages", []):
        role = SEEKER if message.get("senderWorkerId") == seeker else RECOMMENDER
        if groups and groups[-1][0] == role:
            groups[-1][1].append(message.get("text", ""))
        else:
            groups.append((role, [message.get("text", "")]))
    turns = []
    for role, texts in groups:
        raw = " ".join(texts)
        mentions = tuple(dict.fromkeys(MENTION.findall(raw)))
        text = MENTION.sub(lambda m: names.get(m[1]) or own.get(m[1]) or "a movie", raw)
        turns.append(Turn(role, _clean(text), mentions))
    return turns


def recommendation_targets(conversation: dict, names: dict[str, str],
                           candidates: set[str] | None = None) -> list[RecTarget]:
    """Every movie mentioned at a recommender turn, with its context (all earlier turns).

    candidates: ReDial ids that can be ranked; a mention outside it is no target (it could never
    be recalled). `repeated` marks targets mentioned earlier by anyone in the conversation.
    """
    turns = dialogue_turns(conversation, names)
    conversation_id = str(conversation.get("conversationId", ""))
    targets: list[RecTarget] = []
    mentioned: set[str] = set()
    for index, turn in enumerate(turns):
        if turn.role == RECOMMENDER:
            for movie in turn.mentions:
                if candidates is None or movie in candidates:
                    targets.append(RecTarget(conversation_id, index, movie, tuple(turns[:index]),
                                             movie in mentioned))
        mentioned.update(turn.mentions)
    return targets


def seeker_labels(conversation: dict) -> dict[str, dict[str, int]]:
    """{ReDial id: {suggested, seen, liked}} from the seeker's questionnaire; 0/1, 2 = unsaid.

    The two questionnaires disagree at times; the seeker's own answers win, the recommender's
    fill what the seeker did not answer (missing, or 2).
    """
    labels: dict[str, dict[str, int]] = {}
    for key in ("respondentQuestions", "initiatorQuestions"):
        answers = conversation.get(key)
        if isinstance(answers, dict):
            for movie, values in answers.items():
                known = labels.setdefault(str(movie), {"suggested": 2, "seen": 2, "liked": 2})
                for field in ("suggested", "seen", "liked"):
                    value = int(values.get(field, 2))
                    if value != 2:
                        known[field] = value
    return labels


def mention_counts(conversations: Iterable[dict], role: str | None = RECOMMENDER) -> Counter:
    """How often each ReDial id is mentioned (at turns of `role`, or any role when None), counted
    once per conversation. Popularity for the protocol: count it on TRAIN conversations only."""
    counts: Counter = Counter()
    for conversation in conversations:
        seen: set[str] = set()
        for turn in dialogue_turns(conversation, {}):
            if role is None or turn.role == role:
                seen.update(turn.mentions)
        counts.update(seen)
    return counts


def recall_at(ranks: np.ndarray, ks: tuple[int, ...] = (1, 10, 50)) -> dict[str, float]:
    """ranks: [n_targets] 0-based rank of each target. {"recall@k": share with rank < k}."""
    ranks = np.asarray(ranks)
    if len(ranks) == 0:
        return {f"recall@{k}": 0.0 for k in ks}
    return {f"recall@{k}": round(float((ranks < k).mean()), 4) for k in ks}
