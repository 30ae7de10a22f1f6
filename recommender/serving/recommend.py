"""`Recommender.recommend(request) -> list[Recommendation]`.

Candidates from a cheap first pass over the whole catalog (interest vector, history evidence,
popularity) within the hard constraints → the configured ranker → MMR diversity → top-k, each with
a reason built from the features that drove its score.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from recommender.data.history import BehaviorHistory
from recommender.domain.catalog import Catalog, Item
from recommender.domain.constraints import ConstraintIndex, Constraints
from recommender.serving.ann import HnswIndex, IvfIndex
from recommender.serving.diversity import mmr
from recommender.serving.explain import ReasonFacts, reason_for
from recommender.serving.facet_reasons import facet_reason, matched_facets
from recommender.serving.ranker import (
    DEFAULT_TASK_WEIGHTS,
    DEFAULT_WEIGHTS,
    FEATURES,
    CandidateFeatures,
    LinearRanker,
    Ranker,
    RankingContext,
)
from recommender.serving.text_search import (
    SPARE_PICKS,
    distinct_titles,
    keyword_pattern,
    keyword_positions,
    keyword_rows,
)


@dataclass(frozen=True)
class RecommenderConfig:
    ranker: str = "linear"
    candidates: int = 300
    weights: dict = field(default_factory=dict)
    diversity: float = 0.25
    min_ratings_for_quality: int = 10
    # multi-task ranker (recommender/serving/mmoe_ranker.py): mix of the task heads' probabilities
    task_weights: dict = field(default_factory=lambda: dict(DEFAULT_TASK_WEIGHTS))
    # ... for a person without a user id or behavior history (empty: the same as task_weights)
    anonymous_task_weights: dict = field(default_factory=dict)
    # `convrec train` settings of the multi-task ranker (recommender/training/ranker_config.py)
    training: dict = field(default_factory=dict)
    # a catalog of at least `ann_min_items` items gets a nearest-neighbour index (ann.py); a
    # turn whose allowed items number over `exact_search_max` reads the interest cosine of the
    # index's `ann_pool` closest allowed items (and of the popular and history-related ones)
    # instead of every item's
    ann_min_items: int = 50000
    exact_search_max: int = 20000
    ann_pool: int = 1000


@dataclass
class RecommendRequest:
    interest_vector: np.ndarray | None  # [d] unit vector, or None when nothing is known yet
    constraints: Constraints
    positive_items: list[str] = field(default_factory=list)  # liked / pointed at, oldest first
    excluded_items: set[str] = field(default_factory=set)  # rejected, seen, already shown
    user_id: str | None = None  # a user of the behavior history
    k: int = 3
    # nothing specific is known (no history, no liked item, no wanted genre / person / keyword /
    # years): well-liked, reasonably recent items across genres (`Recommender.cold_start_rows`)
    cold_start: bool = False
    described: bool = False  # the person described what they want (for the reasons)
    # genres that fit the occasion a cold start was asked for ("date night"): its picks come
    # from them when enough of them are allowed
    prefer_genres: tuple[str, ...] = ()
    # genres one of which every item must have (hard), beside the constraints: the occasion's
    # ("with my 8 year old": a children's film), kept when the person's own genre wish changes
    required_genres: tuple[str, ...] = ()
    # (facet, highest value) on ordered scales every item must respect, beside the constraints:
    # the occasion's ("with my kids": nothing rated above PG-13); no effect on a catalog without
    # that scale
    ceilings: tuple[tuple[str, str], ...] = ()


@dataclass
class Candidates:
    """What the first pass hands the ranker, plus what the reasons need."""

    features: CandidateFeatures  # [c] candidates
    context: RankingContext
    history_anchor: np.ndarray  # [n_items] row of the strongest history seed, -1 none
    positive_rows: np.ndarray  # [p] session items liked / pointed at (the last 10)
    first_pass: np.ndarray  # [c] the linear first-pass score of each candidate


@dataclass
class Recommendation:
    item: Item
    score: float
    reason: str
    contributions: dict[str, float]

    def to_json(self) -> dict:
        return {"id": self.item.id, "title": self.item.title, "year": self.item.year,
                "genres": list(self.item.genres), "reason": self.reason,
                "score": round(float(self.score), 4),
                "facets": dict(self.item.facets)}  # {} when it has none: the key is always there


INTEREST_SHARE = 0.35  # of a cold start's ranking: enough to tell openers apart, not to let a
#                       word ("parents" ~ "Kids") outrank well-liked films


def cold_start_relevance(scores: np.ndarray, interest: np.ndarray,
                         interest_vector: np.ndarray | None) -> np.ndarray:
    """[c] what a cold start ranks by: the ranker's score and, when the person said anything
    (an interest vector), the fit to it, each standardised over the candidates, mixed
    `1 - INTEREST_SHARE` to `INTEREST_SHARE`.
    Within the cold-start pool the ranker's score is mostly popularity and rating, the same for
    every opener; the fit is what tells "date night" from "after a bad day"."""
    def standard(x: np.ndarray) -> np.ndarray:
        spread = float(x.std())
        return (x - x.mean()) / spread if spread > 0 else np.zeros_like(x)
    if interest_vector is None:
        return scores
    return (1.0 - INTEREST_SHARE) * standard(scores) + INTEREST_SHARE * standard(interest)


class Recommender:
    def __init__(self, catalog: Catalog, item_vectors: np.ndarray, history: BehaviorHistory,
                 config: RecommenderConfig = RecommenderConfig(), ranker: Ranker | None = None,
                 ann: IvfIndex | HnswIndex | None = None):
        self.catalog = catalog
        self.ann = ann  # None: exact search (a small catalog, or no index built)
        self.item_vectors = item_vectors  # [n_items, d]
        self.history = history
        self.config = config
        self.ranker = ranker or LinearRanker(config.weights)
        weights = {**DEFAULT_WEIGHTS, **config.weights}
        self.first_pass_weights = np.array([weights[f] for f in FEATURES], dtype=np.float32)
        self.constraint_index = ConstraintIndex(catalog)
        if catalog.facet_schema is not None:  # the facets' inverted indexes now, not in a turn
            facets = catalog.facet_schema.facets
            self.constraint_index.warm(
                [n for n, f in facets.items()
                 if f.type in ("categorical", "multi_categorical", "person", "boolean")],
                [n for n, f in facets.items() if f.type == "numeric" or f.order])
        counts = catalog.popularity  # [n_items]
        self.popularity = np.log1p(counts) / np.log1p(max(counts.max(), 1.0))  # [n_items]
        means = np.array([i.mean_rating or 0.0 for i in catalog.items], dtype=np.float32)
        global_mean = float((means * counts).sum() / max(counts.sum(), 1.0))
        m = config.min_ratings_for_quality
        shrunk = (means * counts + global_mean * m) / (counts + m)  # [n_items] Bayesian mean
        self.quality = np.clip((shrunk - global_mean) / 1.5, -1.0, 1.0).astype(np.float32)
        self.mean_rating = global_mean  # stars: "well rated" means above it
        self.cold_start_rows = self._cold_start_rows(counts, m)
        # with an index: the items a first pass always considers, best prior first (popularity
        # and quality by the first pass's weights), so a popular item far from the interest
        # vector still competes
        prior = weights["popularity"] * self.popularity + weights["quality"] * self.quality
        self.prior_order = np.argsort(-prior, kind="stable")[:config.ann_pool] \
            if ann is not None else np.zeros(0, dtype=np.int64)
        self.similar_cosine = self._similar_cosine()
        # genres as unit rows [n_items, n_genres]: the cold start spreads its picks over them
        genre_columns = np.stack([self.constraint_index.genre_masks[g] for g in catalog.genres],
                                 axis=1).astype(np.float32) if catalog.genres else \
            np.zeros((len(catalog), 1), dtype=np.float32)
        norms = np.linalg.norm(genre_columns, axis=1, keepdims=True)
        self.genre_rows = genre_columns / np.maximum(norms, 1.0)
        # all item texts in one string: one regex pass finds a keyword in every item at once
        texts = [text.lower().replace("\n", " ") for text in catalog.texts()]
        self.all_text = "\n".join(texts)
        self.text_starts = np.cumsum([0] + [len(t) + 1 for t in texts[:-1]])  # [n_items]
        self._user_evidence: OrderedDict[str, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._keyword_cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def _cold_start_rows(self, counts: np.ndarray, min_ratings: int) -> np.ndarray:
        """[n_items] bool: items a cold start may show: rated above the catalog's mean (shrunk),
        by at least `min_ratings` people, from the median year of such items on (the catalog's
        own "reasonably recent", not a fixed year)."""
        liked = (self.quality > 0) & (counts >= min_ratings) & (self.catalog.years > 0)
        if not liked.any():
            return liked
        recent = float(np.median(self.catalog.years[liked]))
        return liked & (self.catalog.years >= recent)

    def _cold_start_allowed(self, allowed: np.ndarray, genres: tuple[str, ...], enough: int
                            ) -> np.ndarray:
        """[n_items] bool: the allowed items a cold start picks from: well liked and recent,
        of the preferred genres; each narrowing only when `enough` items remain."""
        narrowed = allowed & self.cold_start_rows
        if narrowed.sum() < enough:
            return allowed
        masks = self.constraint_index.genre_masks
        fitting = np.zeros_like(narrowed)
        for genre in genres:
            if genre in masks:
                fitting |= masks[genre]
        return narrowed & fitting if (narrowed & fitting).sum() >= enough else narrowed

    def _similar_cosine(self, pairs: int = 4000) -> float:
        """The cosine above which two items count as "close": the 90th percentile over random
        item pairs (seeded, so the same catalog gives the same threshold)."""
        n = len(self.item_vectors)
        if n < 2:
            return 1.0
        rng = np.random.default_rng(0)
        a, b = rng.integers(n, size=pairs), rng.integers(n, size=pairs)
        keep = a != b
        cosines = (self.item_vectors[a[keep]] * self.item_vectors[b[keep]]).sum(axis=1)
        return float(np.percentile(cosines, 90))

    # -- evidence from behavior ------------------------------------------------------------
    def _user_history_evidence(self, user_id: str) -> tuple[np.ndarray, np.ndarray]:
        """([n_items] evidence in [0, 1], [n_items] row of the strongest seed); cached per user."""
        if user_id in self._user_evidence:
            return self._user_evidence[user_id]
        seeds = self.history.user(user_id).liked_rows(limit=50)
        evidence, anchor = self._seed_evidence(seeds)
        self._user_evidence[user_id] = (evidence, anchor)
        if len(self._user_evidence) > 256:
            self._user_evidence.popitem(last=False)
        return evidence, anchor

    def _seed_evidence(self, seeds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = len(self.catalog)
        if len(seeds) == 0:
            return np.zeros(n, dtype=np.float32), np.full(n, -1)
        if self.ann is not None:  # a large catalog: only the items sharing a user with a seed
            return self._sparse_seed_evidence(seeds)
        similarity = self.history.item_similarity(seeds)  # [n_items, n_seeds]
        evidence = similarity.mean(axis=1)  # [n_items]
        top = evidence.max()
        evidence = evidence / top if top > 0 else evidence
        return evidence.astype(np.float32), seeds[similarity.argmax(axis=1)]

    def _sparse_seed_evidence(self, seeds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`_seed_evidence`, value for value, computed on the items that share a user with a
        seed (every other item's evidence is 0, its anchor the first seed, as argmax says)."""
        n = len(self.catalog)
        evidence, anchor = np.zeros(n, dtype=np.float32), np.full(n, seeds[0])
        rows, similarity = self.history.item_similarity_rows(seeds)  # [m], [m, n_seeds]
        if len(rows) == 0:
            return evidence, anchor
        evidence[rows] = similarity.mean(axis=1)
        top = evidence.max()
        evidence = evidence / top if top > 0 else evidence
        anchor[rows] = seeds[similarity.argmax(axis=1)]
        return evidence.astype(np.float32), anchor

    # -- the call ----------------------------------------------------------------------------
    def candidates(self, request: RecommendRequest) -> Candidates | None:
        """The first pass: every feature on every allowed item, mixed linearly; the best
        `candidates` of them with what a ranker may know. None when nothing is allowed."""
        catalog, n = self.catalog, len(self.catalog)
        known_user = request.user_id is not None and self.history.has_user(request.user_id)
        excluded = catalog.rows(request.excluded_items)
        if known_user:  # what they rated, they have watched
            excluded = np.concatenate([excluded, self.history.user(request.user_id).item_rows])
        allowed = self.constraint_index.allowed(request.constraints, excluded)  # [n_items]
        if request.required_genres:
            allowed &= self.constraint_index.any_genre(request.required_genres)
        for facet, value in request.ceilings:
            allowed &= self.constraint_index.at_most(facet, value)
        if not allowed.any():
            return None
        if request.cold_start:
            allowed = self._cold_start_allowed(allowed, request.prefer_genres, 3 * request.k)

        history = np.zeros(n, dtype=np.float32)
        history_anchor = np.full(n, -1)
        if known_user:
            history, history_anchor = self._user_history_evidence(request.user_id)
        positive_rows = catalog.rows(request.positive_items[-10:])
        if len(positive_rows):
            session_evidence, session_anchor = self._seed_evidence(positive_rows)
            stronger = session_evidence >= history
            history = np.maximum(history, session_evidence)
            history_anchor = np.where(stronger, session_anchor, history_anchor)

        interest = np.zeros(n, dtype=np.float32)
        allowed_rows = np.flatnonzero(allowed)  # [a]
        if request.interest_vector is None:
            pass
        elif self.ann is None:  # a catalog small enough for one exact pass
            interest = self.item_vectors @ request.interest_vector  # [n_items]
        elif len(allowed_rows) > self.config.exact_search_max:
            allowed_rows = self._pool(request.interest_vector, allowed, history, interest,
                                      sorted(request.constraints.keywords_wanted))
        else:  # few allowed items of a large catalog: exact, on them only
            interest[allowed_rows] = self.item_vectors[allowed_rows] @ request.interest_vector
        all_features = self._features(allowed_rows, interest, history, request.constraints)
        first_pass = all_features.matrix() @ self.first_pass_weights  # [a]
        n_candidates = min(self.config.candidates, len(allowed_rows))
        top = np.argpartition(-first_pass, n_candidates - 1)[:n_candidates]  # [c]
        context = RankingContext(request.interest_vector, request.user_id,
                                 self.history.user(request.user_id).item_rows if known_user
                                 else np.zeros(0, dtype=np.int64),
                                 session_rows=catalog.rows(request.positive_items))
        return Candidates(all_features.take(top), context, history_anchor, positive_rows,
                          first_pass[top])

    def _pool(self, interest_vector: np.ndarray, allowed: np.ndarray, history: np.ndarray,
              interest: np.ndarray, keywords: list[str] = ()) -> np.ndarray:
        """[p] sorted rows a first pass over a large catalog scores: the index's `ann_pool`
        allowed items closest to the interest vector, the allowed ones among the best by
        popularity and quality, the `ann_pool` with the most history evidence, and the
        `ann_pool` best allowed items whose text holds a wanted keyword. Fills `interest`
        ([n_items]) at those rows, exact cosines."""
        want = self.config.ann_pool
        found, cosines = self.ann.search(self.item_vectors, interest_vector, want, allowed)
        interest[found] = cosines
        extra = [self.prior_order[allowed[self.prior_order]]]
        evidence = np.flatnonzero(history > 0)
        if len(evidence) > want:
            evidence = evidence[np.argpartition(-history[evidence], want - 1)[:want]]
        extra.append(evidence[allowed[evidence]])
        extra.append(keyword_rows([self._keyword_hits(k) for k in keywords], allowed,
                                  self.popularity + self.quality, want))
        extra = np.setdiff1d(np.concatenate(extra), found)
        interest[extra] = self.item_vectors[extra] @ interest_vector
        return np.union1d(found, extra)

    def recommend(self, request: RecommendRequest) -> list[Recommendation]:
        catalog = self.catalog
        found = self.candidates(request)
        if found is None:
            return []
        features, context = found.features, found.context
        history_anchor, positive_rows = found.history_anchor, found.positive_rows
        rows = features.rows  # [c]
        scores = self.ranker.score(features, context)  # [c]
        # a schema catalog may list one book several times (editions): a few spare picks, so
        # that a title shown twice, or one the person turned down, can be left out
        k = request.k + (SPARE_PICKS if catalog.schema is not None else 0)
        if request.cold_start:  # spread over genres too: item and genre similarity, halves
            vectors = np.hstack([self.item_vectors[rows], self.genre_rows[rows]]) / np.sqrt(2.0)
            picked = mmr(cold_start_relevance(scores, features.interest, request.interest_vector),
                         vectors, k, max(self.config.diversity, 0.5))
        else:
            picked = mmr(scores, self.item_vectors[rows], k, self.config.diversity)
        if catalog.schema is not None:
            picked = distinct_titles([catalog.items[int(rows[p])].title for p in picked],
                                     {catalog.get(i).title for i in request.excluded_items
                                      if i in catalog}, picked)[:request.k]
        # explained: the picked items only (a ranker may explain by re-scoring, e.g. occlusion)
        contributions = self.ranker.contributions(features.take(np.array(picked, dtype=np.int64)),
                                                  context)

        positive_vectors = self.item_vectors[positive_rows] if len(positive_rows) else None
        facts = ReasonFacts(self.mean_rating, self.config.min_ratings_for_quality,
                            described=request.described)
        results = []
        for i, position in enumerate(picked):
            row = int(rows[position])
            item = catalog.items[row]
            parts = {name: float(values[i]) for name, values in contributions.items()}
            anchor_row = int(history_anchor[row])
            history_title = catalog.items[anchor_row].title if anchor_row >= 0 else None
            similar_title = None
            if positive_vectors is not None:
                cosines = positive_vectors @ self.item_vectors[row]  # [p]
                closest = int(np.argmax(cosines))
                if cosines[closest] >= self.similar_cosine:  # only a real likeness is quoted
                    similar_title = catalog.items[int(positive_rows[closest])].title
            if catalog.schema is not None:  # a schema domain: the facets that matched first
                reason = facet_reason(item, catalog.schema, parts, request.constraints,
                                      history_title, similar_title, facts)
            else:
                # the movie catalog's runtime, certificate, language the person limited
                said = tuple(matched_facets(item, catalog.facet_schema, request.constraints)) \
                    if catalog.facet_schema is not None and request.constraints.has_facets() \
                    else ()
                reason = reason_for(item, parts, request.constraints, history_title,
                                    similar_title, facts, said)
            results.append(Recommendation(item, float(scores[position]), reason, parts))
        return results

    def item_features(self, rows: np.ndarray, interest_vector: np.ndarray | None,
                      seed_rows: np.ndarray, constraints: Constraints) -> CandidateFeatures:
        """The first pass's features of given catalog rows (no filtering): interest cosine,
        ItemKNN evidence from `seed_rows` (what the person liked), popularity, quality and the
        matches of `constraints`. Used where a caller ranks items of its own (ReDial)."""
        interest = (self.item_vectors[rows] @ interest_vector if interest_vector is not None
                    else np.zeros(len(rows), dtype=np.float32))  # [r]
        full_interest = np.zeros(len(self.catalog), dtype=np.float32)
        full_interest[rows] = interest
        evidence, _ = self._seed_evidence(np.asarray(seed_rows, dtype=np.int64))  # [n_items]
        return self._features(np.asarray(rows, dtype=np.int64), full_interest, evidence,
                              constraints)

    def _features(self, rows: np.ndarray, interest: np.ndarray, history: np.ndarray,
                  constraints: Constraints) -> CandidateFeatures:
        c = len(rows)
        genre_match = np.zeros(c, dtype=np.float32)
        if constraints.genres_wanted:
            masks = self.constraint_index.genre_masks
            for g in constraints.genres_wanted:
                if g in masks:
                    genre_match += masks[g][rows]
            genre_match /= len(constraints.genres_wanted)
        if constraints.facets_wanted and self.catalog.schema is not None:
            # a schema domain's genres: its wanted facet values (the movie catalog keeps its
            # genres; a language it filters on every candidate has)
            genre_match = self.constraint_index.facet_match(constraints, rows)
        person_match = np.zeros(c, dtype=np.float32)
        for person in constraints.people_wanted:
            person_match = np.maximum(person_match, self.constraint_index.person_mask(person)[rows])
        keyword_match = np.zeros(c, dtype=np.float32)
        # sorted: set order changes between processes, and so would the float sum
        keywords = [(k, 1.0) for k in sorted(constraints.keywords_wanted)]
        keywords += [(k, -1.0) for k in sorted(constraints.keywords_unwanted)]
        for keyword, sign in keywords:
            keyword_match += sign * self._keyword_hits(keyword)[rows] / len(keywords)
        return CandidateFeatures(rows=rows, interest=interest[rows], history=history[rows],
                                 popularity=self.popularity[rows], quality=self.quality[rows],
                                 genre_match=genre_match, person_match=person_match,
                                 keyword_match=keyword_match)

    def _keyword_hits(self, keyword: str) -> np.ndarray:
        """[n_items] float 0/1: the keyword occurs in the item's text. Cached per keyword."""
        hits = self._keyword_cache.get(keyword)
        if hits is None:
            positions = keyword_positions(keyword_pattern(keyword), self.all_text)
            hits = np.zeros(len(self.catalog), dtype=np.float32)
            hits[np.searchsorted(self.text_starts, positions, side="right") - 1] = 1.0
            self._keyword_cache[keyword] = hits
            if len(self._keyword_cache) > 1024:
                self._keyword_cache.popitem(last=False)
        return hits

    def similar_items(self, item_id: str, k: int = 5) -> list[Item]:
        row = self.catalog.index[item_id]
        similarity = self.item_vectors @ self.item_vectors[row]  # [n_items]
        similarity[row] = -np.inf
        return [self.catalog.items[int(r)] for r in np.argsort(-similarity)[:k]]
