"""The conversational multi-task ranker's input: one dense vector per (conversation state,
candidate item), shared by training, the chat and the ReDial evaluation (pure functions).

Layout of a row (`InputLayout` names every column):

    per candidate: the cross features — the first pass's `CandidateFeatures` (interest cosine,
                   history evidence, popularity, quality, genre / person / keyword match), the
                   SASRec next-item score of the candidate, dialogue-log popularity and
                   co-mention evidence, "already mentioned in this conversation" — then
                   `linked` (the item is in the catalog), the item text vector reduced by a fixed
                   projection [k], and its elementwise product with the reduced interest vector [k]
    per request:   has_interest, has_history, the reduced session interest vector [k] and the
                   history representation (SASRec hidden state reduced to its top principal
                   directions in the SASRec item-embedding space, [h]; zeros for a new user)

The per-request columns are the same for every candidate of one request; a numpy forward can
apply the first layer to them once. The learned item id embedding is not here: the MMoE adds it.

The projection is the top-k principal directions of the catalog's item text vectors (content
only: no interactions, no labels), so it is fitted once and stored beside the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recommender.serving.ranker import FEATURES, CandidateFeatures

# cross features beyond the first pass's: zero where the source does not exist (the dialogue
# columns come from the dialogue log over ReDial candidates, recommender/data/dialogue_log.py, and
# from the conversation evidence table over catalog items,
# recommender/data/conversation_evidence.py: popularity, evidence, ease; `movielens_ease` is
# computed over the ReDial candidates only; `mentioned` / `suggested_before` (mentioned earlier in
# the conversation / by the recommender) are zero in the chat because mentioned and shown items
# are never candidates).
# `year` is the release year scaled as (year - 1990) / 30, 0 when unknown.
EXTRA_CROSS = ("sasrec", "year", "dialogue_popularity", "dialogue_evidence", "dialogue_ease",
               "dialogue_genre", "dialogue_words", "movielens_ease", "mentioned",
               "suggested_before")
CROSS = FEATURES + EXTRA_CROSS

# which reason a column's contribution counts toward (`recommender.serving.explain` knows these
# names); "item" is the item's own appeal (text direction, id embedding): never quoted as a reason
GROUP_OF = {
    "interest": "interest", "history": "history", "popularity": "popularity",
    "quality": "quality", "genre_match": "genre_match", "person_match": "person_match",
    "keyword_match": "keyword_match", "sasrec": "history", "dialogue_popularity": "popularity",
    "dialogue_evidence": "history", "dialogue_ease": "history", "dialogue_genre": "genre_match",
    "dialogue_words": "keyword_match", "movielens_ease": "history", "mentioned": "mentioned",
    "suggested_before": "mentioned",
    "year": "item", "linked": "item",
    "item_text": "item", "interest_x_item": "interest", "has_interest": "interest",
    "has_history": "history", "interest_vector": "interest", "history_vector": "history",
    "item_id": "item",
}


@dataclass(frozen=True)
class TextProjection:
    """x → (x − mean) @ basis.T: [384] → [k]."""

    mean: np.ndarray  # [384]
    basis: np.ndarray  # [k, 384], orthonormal rows

    @property
    def dims(self) -> int:
        return int(self.basis.shape[0])

    def __call__(self, vectors: np.ndarray) -> np.ndarray:
        return ((vectors - self.mean) @ self.basis.T).astype(np.float32)  # [..., k]


def fit_text_projection(item_vectors: np.ndarray, dims: int) -> TextProjection:
    """Top-`dims` principal directions of the item vectors ([n, 384]); signs fixed so that each
    direction's largest coordinate is positive (the same vectors give the same projection)."""
    mean = item_vectors.mean(axis=0)  # [384]
    _, _, vt = np.linalg.svd(item_vectors - mean, full_matrices=False)  # vt: [384, 384]
    basis = vt[:dims]  # [k, 384]
    signs = np.sign(basis[np.arange(len(basis)), np.abs(basis).argmax(axis=1)])  # [k]
    return TextProjection(mean.astype(np.float32), (basis * signs[:, None]).astype(np.float32))


@dataclass(frozen=True)
class InputLayout:
    text_dims: int  # k
    history_dims: int  # h of the (reduced) history representation (0 = none)

    @property
    def column_groups(self) -> list[tuple[str, int]]:
        """(name, width) in column order."""
        k = self.text_dims
        return ([(name, 1) for name in CROSS] + [("linked", 1), ("item_text", k),
                                                  ("interest_x_item", k)]
                + [("has_interest", 1), ("has_history", 1), ("interest_vector", k),
                   ("history_vector", self.history_dims)])

    @property
    def n_candidate_columns(self) -> int:
        return len(CROSS) + 1 + 2 * self.text_dims

    @property
    def width(self) -> int:
        return sum(width for _, width in self.column_groups)

    def group_index(self) -> dict[str, np.ndarray]:
        """{reason group: column indices}."""
        out: dict[str, list[int]] = {}
        start = 0
        for name, width in self.column_groups:
            out.setdefault(GROUP_OF[name], []).extend(range(start, start + width))
            start += width
        return {group: np.array(columns, dtype=np.int64) for group, columns in out.items()}


@dataclass
class RequestInputs:
    """The per-request part: what is known about the person now."""

    interest_vector: np.ndarray | None  # [384] unit vector or None
    history_vector: np.ndarray | None  # [d] SASRec hidden state or None (new user, no likes)


def scaled_years(years: np.ndarray) -> np.ndarray:
    """(year - 1990) / 30; 0 where the year is unknown (≤ 0)."""
    years = np.asarray(years, dtype=np.float32)
    return np.where(years > 0, (years - 1990.0) / 30.0, 0.0).astype(np.float32)


def cross_matrix(features: CandidateFeatures, extra: dict[str, np.ndarray] | None = None
                 ) -> np.ndarray:
    """[n, len(CROSS)]: the first-pass features, then EXTRA_CROSS (zeros where not given)."""
    n = len(features.rows)
    extra = extra or {}
    columns = [getattr(features, name) for name in FEATURES]
    columns += [extra.get(name, np.zeros(n, dtype=np.float32)) for name in EXTRA_CROSS]
    return np.stack(columns, axis=1).astype(np.float32)  # [n, C]


def dense_inputs(layout: InputLayout, projection: TextProjection, cross: np.ndarray,
                 item_text: np.ndarray, linked: np.ndarray, request: RequestInputs
                 ) -> np.ndarray:
    """[n, layout.width] float32 rows for n candidates of one request.

    cross: [n, C] (`cross_matrix`); item_text: [n, k] projected candidate text vectors;
    linked: [n] 1 where the candidate is a catalog item.
    """
    n, k = len(cross), layout.text_dims
    has_interest = request.interest_vector is not None
    interest = projection(request.interest_vector) if has_interest \
        else np.zeros(k, dtype=np.float32)  # [k]
    has_history = request.history_vector is not None and layout.history_dims > 0
    history = (np.asarray(request.history_vector, dtype=np.float32) if has_history
               else np.zeros(layout.history_dims, dtype=np.float32))  # [d]
    per_request = np.concatenate([[float(has_interest), float(has_history)], interest, history])
    return np.concatenate([
        cross,  # [n, C]
        linked.reshape(n, 1).astype(np.float32),  # [n, 1]
        item_text,  # [n, k]
        item_text * interest,  # [n, k]
        np.broadcast_to(per_request.astype(np.float32), (n, len(per_request))),  # [n, R]
    ], axis=1).astype(np.float32)  # [n, width]


class InputBuilder:
    """Model input rows for catalog candidates: the cross features, the candidates' text vectors
    and what is known about the person (interest vector; SASRec state of history + session).

    history_encoder: anything with `represent(rows) -> state | None`, `scores(state, rows) -> [n]`
    and `dims` (recommender.serving.history_encoder.HistoryEncoder), or None for no history model.
    conversation_evidence: anything with `features(seed_rows) -> {column: [n_items]}` for the
    dialogue columns (recommender.data.conversation_evidence.CatalogEvidence), or None (zeros).
    """

    def __init__(self, layout: InputLayout, projection: TextProjection,
                 item_vectors: np.ndarray, history_encoder=None,
                 history_projection: TextProjection | None = None,
                 item_years: np.ndarray | None = None, conversation_evidence=None):
        self.conversation_evidence = conversation_evidence
        self.item_years = (scaled_years(item_years) if item_years is not None
                           else np.zeros(len(item_vectors), dtype=np.float32))  # [n_items]
        self.layout = layout
        self.projection = projection
        self.item_vectors = item_vectors  # [n_items, 384]
        self.history_encoder = history_encoder
        # SASRec's hidden state [d] → [layout.history_dims]: a few hidden dimensions are enough
        # and 64 raw ones overfit the few thousand training lists
        self.history_projection = history_projection
        self._item_text: np.ndarray | None = None
        self._other_text: tuple[np.ndarray, np.ndarray] | None = None  # (vectors, projection)

    def history_state(self, rows: np.ndarray):
        if self.history_encoder is None or len(rows) == 0:
            return None
        return self.history_encoder.represent(np.asarray(rows, dtype=np.int64))

    def dense(self, features: CandidateFeatures, interest_vector: np.ndarray | None,
              history_rows: np.ndarray, extra: dict[str, np.ndarray] | None = None,
              item_vectors: np.ndarray | None = None, linked: np.ndarray | None = None
              ) -> np.ndarray:
        """[n, width]. history_rows: catalog rows of history then session likes, oldest first.
        item_vectors / linked: for candidates outside the catalog (ReDial); by default the
        catalog's vectors of `features.rows` and all linked."""
        n = len(features.rows)
        state = self.history_state(history_rows)
        extra = dict(extra or {})
        if "year" not in extra:
            extra["year"] = self.item_years[features.rows]
        if "sasrec" not in extra and self.history_encoder is not None:
            extra["sasrec"] = self.history_encoder.scores(state, features.rows)
        if self.conversation_evidence is not None and item_vectors is None:
            # catalog candidates: what dialogues say about them, seeded by the person's items
            for name, column in self.conversation_evidence.features(history_rows).items():
                extra.setdefault(name, column[features.rows])
        if item_vectors is None:  # catalog items: their projection is computed once
            if self._item_text is None:
                self._item_text = self.projection(self.item_vectors)  # [n_items, k]
            item_text = self._item_text[features.rows]  # [n, k]
        else:  # other candidates (ReDial): the same array comes back for every context
            if self._other_text is None or self._other_text[0] is not item_vectors:
                self._other_text = (item_vectors, self.projection(item_vectors))
            item_text = self._other_text[1]  # [n, k]
        linked = np.ones(n, dtype=np.float32) if linked is None else linked
        history = None if state is None else state[0]  # [d]
        if history is not None and self.history_projection is not None:
            history = self.history_projection(history)  # [history_dims]
        request = RequestInputs(interest_vector, history)
        return dense_inputs(self.layout, self.projection, cross_matrix(features, extra),
                            item_text, linked, request)
