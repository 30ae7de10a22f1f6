"""Simulated conversations from real behavior histories: the `accept` task's training examples,
and the plans the user simulator (`convrec simulate`) speaks from. Pure; no NLU.

A simulated person has a real MovieLens history and a hidden target: a movie they really rated
≥ 4 later (held out of the behavior data the recommender sees). They ask for it the way people
do in the chat, from its attributes only — a genre, its decade, its director or an actor, a
keyword from its plot, a movie they loved before ("I loved Heat") — never by its title: no
utterance contains the target's title or a title word, keywords are never title words, and a
"loved" movie never shares the target's title (tested).

The session state is built the way the chat builds it: the constraints each utterance states,
the mentioned movies as liked references, and the interest vector updated with the utterance
embedding, the liked item vectors and genre prototypes. Text encoding and the update rule are
injected (`encode`, `update_session`), so the recommender never imports the NLU or the bot.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from recommender.domain.catalog import Catalog, Item
from recommender.domain.constraints import Constraints

Encode = Callable[[list[str]], np.ndarray]  # texts → [n, 384] unit rows
# (interest vector or None, [(signal kind, [384] vector, sign)]) → new interest vector or None;
# kinds as in bot/dialogue/interest.py: "utterance", "reference", "attribute", "liked", "rejected"
UpdateSession = Callable[[np.ndarray | None, list[tuple[str, np.ndarray, float]]],
                         np.ndarray | None]

GENRE_WORDS = {
    "Action": "action movie", "Adventure": "adventure", "Animation": "animated movie",
    "Children": "kids movie", "Comedy": "comedy", "Crime": "crime movie",
    "Documentary": "documentary", "Drama": "drama", "Fantasy": "fantasy movie",
    "Film-Noir": "film noir", "Horror": "horror movie", "IMAX": "", "Musical": "musical",
    "Mystery": "mystery", "Romance": "romance", "Sci-Fi": "sci-fi movie",
    "Thriller": "thriller", "War": "war movie", "Western": "western",
}
_STOP = set("""
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had
has have having he her here hers herself him himself his how i if in into is it its itself just
me more most my myself no nor not now of off on once only or other our ours out over own same she
should so some such than that the their theirs them then there these they this those through to
too under until up very was we were what when where which while who whom why will with would you
your yours film films movie story later back finds tells takes gets goes one two three new first
last years year time named becomes begins find meet meets help life man woman men women world
young old son daughter wife husband father mother friend friends family home house day night
""".split())
_WORD = re.compile(r"[a-z][a-z'-]{3,}")


@dataclass(frozen=True)
class SimulatedTurn:
    """One utterance and what it states (exactly what the chat's NLU would extract)."""

    text: str
    kind: str  # "genre" | "decade" | "director" | "actor" | "keyword" | "liked"
    genres: tuple[str, ...] = ()
    year_range: tuple[int, int] | None = None
    person: str | None = None
    keyword: str | None = None
    liked_row: int | None = None


@dataclass
class ConversationPlan:
    user_id: str
    target_row: int
    turns: list[SimulatedTurn] = field(default_factory=list)


def title_words(title: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9']+", title.lower()) if len(w) > 2}


def plot_keywords(catalog: Catalog, min_items: int = 3, max_share: float = 0.02
                  ) -> Counter:
    """Document frequency of plot words: a keyword must be known (≥ min_items plots) yet rare
    (≤ max_share of plots) to say something about a movie."""
    counts: Counter = Counter()
    for item in catalog.items:
        if item.plot:
            counts.update(set(_WORD.findall(item.plot.lower())) - _STOP)
    n_plots = max(1, sum(1 for item in catalog.items if item.plot))
    return Counter({w: c for w, c in counts.items() if min_items <= c <= max_share * n_plots})


def decade_words(year: int) -> tuple[str, tuple[int, int]]:
    decade = year - year % 10
    label = f"the {decade % 100:02d}s" if 1930 <= decade < 2000 else f"the {decade}s"
    return label, (decade, decade + 9)


def candidate_turns(target: Item, liked: list[tuple[int, Item]], keyword_df: Counter,
                    rng: np.random.Generator) -> list[SimulatedTurn]:
    """Every kind of utterance the target's attributes allow, one of each kind, shuffled."""
    banned = title_words(target.title)
    turns: list[SimulatedTurn] = []
    genres = [g for g in target.genres if GENRE_WORDS.get(g)]
    if genres:
        picked = tuple(rng.choice(genres, size=min(len(genres), 1 + int(rng.random() < 0.3)),
                                  replace=False).tolist())
        words = " or ".join(GENRE_WORDS[g] for g in picked)
        template = ["I'm in the mood for a {}", "recommend me a {}", "I want to watch a {}",
                    "any good {} to watch?"][int(rng.integers(4))]
        turns.append(SimulatedTurn(template.format(words), "genre", genres=picked))
    if target.year:
        label, years = decade_words(target.year)
        template = ["something from {}", "preferably from {}", "I'd like one from {}"]
        turns.append(SimulatedTurn(template[int(rng.integers(3))].format(label), "decade",
                                   year_range=years))
    directors = [d for d in target.directors if not (title_words(d) & banned)]
    if directors:
        turns.append(SimulatedTurn(f"maybe something directed by {directors[0]}", "director",
                                   person=directors[0]))
    actors = [a for a in target.cast[:3] if not (title_words(a) & banned)]
    if actors:
        actor = actors[int(rng.integers(len(actors)))]
        turns.append(SimulatedTurn(f"I like movies with {actor}", "actor", person=actor))
    if target.plot:
        words = [w for w in set(_WORD.findall(target.plot.lower())) - _STOP
                 if w in keyword_df and w not in banned and not any(w in b or b in w
                                                                    for b in banned)]
        if words:
            words.sort(key=lambda w: (keyword_df[w], w))  # rarest first
            word = words[int(rng.integers(min(3, len(words))))]
            turns.append(SimulatedTurn(f"a movie about {word}", "keyword", keyword=word))
    target_title = target.title.lower()
    liked = [(row, i) for row, i in liked if i.title.lower() != target_title
             and not (title_words(i.title) & banned)]
    if liked:
        row, choice = liked[int(rng.integers(len(liked)))]
        template = ["I loved {}", "I really liked {}, anything similar?",
                    "something like {}"][int(rng.integers(3))]
        turns.append(SimulatedTurn(template.format(choice.title), "liked", liked_row=row))
    # last guard: no utterance names the target, whatever template or name produced it
    title = re.compile(r"\b" + re.escape(target.title.lower()) + r"\b")
    turns = [t for t in turns if not title.search(t.text.lower())]
    order = rng.permutation(len(turns))
    return [turns[i] for i in order]


def plan_conversation(catalog: Catalog, user_id: str, target_row: int, liked_rows: np.ndarray,
                      keyword_df: Counter, rng: np.random.Generator, n_turns: int = 3
                      ) -> ConversationPlan:
    """Up to `n_turns` utterances; a genre request tends to come first, as in real chats."""
    target = catalog.items[target_row]
    liked = [(int(r), catalog.items[int(r)]) for r in liked_rows[-20:] if int(r) != target_row]
    turns = candidate_turns(target, liked, keyword_df, rng)
    first = [t for t in turns if t.kind == "genre" and rng.random() < 0.7]
    resolved = (first + [t for t in turns if t not in first])[:n_turns]
    return ConversationPlan(user_id, target_row, resolved)


@dataclass
class SessionState:
    """What the chat's state holds after the turns so far (bot/dialogue/state.py, simplified)."""

    interest_vector: np.ndarray | None = None
    constraints: Constraints = field(default_factory=Constraints)
    positive_items: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)


def apply_turn(state: SessionState, turn: SimulatedTurn, utterance_vector: np.ndarray,
               catalog: Catalog, item_vectors: np.ndarray, genre_vectors: dict[str, np.ndarray],
               update_session: UpdateSession) -> SessionState:
    """The state after one simulated utterance (a new object; `state` is not changed)."""
    c = state.constraints
    constraints = Constraints(set(c.genres_wanted), set(c.genres_unwanted), set(c.people_wanted),
                              set(c.people_unwanted), set(c.keywords_wanted),
                              set(c.keywords_unwanted), c.year_min, c.year_max)
    positive, seen = list(state.positive_items), set(state.seen)
    signals: list[tuple[str, np.ndarray, float]] = []
    if turn.genres:
        constraints.genres_wanted = set(turn.genres)  # a new genre request replaces the old
        signals += [("attribute", genre_vectors[g], 1.0) for g in turn.genres
                    if g in genre_vectors]
    if turn.year_range:
        constraints.year_min, constraints.year_max = turn.year_range
    if turn.person:
        constraints.people_wanted.add(turn.person)
    if turn.kind == "keyword" and turn.keyword:
        constraints.keywords_wanted.add(turn.keyword)
    if turn.liked_row is not None and turn.liked_row >= 0:
        item_id = catalog.items[turn.liked_row].id
        if item_id not in positive:
            positive.append(item_id)
        seen.add(item_id)
        signals.append(("reference", item_vectors[turn.liked_row], 1.0))
    signals.append(("utterance", utterance_vector, 1.0))
    vector = update_session(state.interest_vector, signals)
    return SessionState(vector, constraints, positive, seen)
