"""The behavior log as training data (pure): log rows → events → labelled lists.

The chat writes one behavior-log row per feedback event (bot/stores: SQLite table
`behavior_log`, Redis stream `convrec:behavior_log`): who (a MovieLens user id, or
`session:<id>`), which item, the event (`accepted`, `rejected`, `seen`, `rated`), a value (the
rating), the time, the session and a compact `context`: what the person had been shown when
they gave the feedback and the state that list was recommended from (`encode_context`):

    {"shown": [item ids of the list, in order], "turn": n, "interest": base64 float16 [384]
     or null, "constraints": Constraints.to_json(), "positive": [item ids, at most 10],
     "excluded": [item ids, at most 200, besides the shown list]}

High-water mark: every row has an `id` that grows with every write (SQLite row id, Redis stream
id "ms-seq"); a training run records the newest id it read and the next one reads past it
(`mark_key` orders both kinds), so an event of a session still in progress is read exactly once.

Labels (`labelled_lists`): the feedback events on one shown list become one list of examples —
`accept` = 1 for an accepted item, 0 for a rejected one and, when the person accepted one of the
list, 0 for the others shown with it (they chose another); `interact` = the accepted item among
the list (a listwise label, the person's next item). `rated` events become `like` labels
(rating ≥ LIKED_RATING). `seen` says nothing about taste: counted, never labelled.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from recommender.data.history import LIKED_RATING

EVENT_KINDS = ("accepted", "rejected", "seen", "rated")
MAX_POSITIVE = 10  # the ranker's session evidence reads the last 10 liked items
MAX_EXCLUDED = 200


# ---------------------------------------------------------------- the context of a turn

def encode_vector(vector: np.ndarray | None) -> str | None:
    """[d] float vector → base64 of its float16 bytes (2·d bytes; 384 dims: 1,024 characters)."""
    if vector is None:
        return None
    return base64.b64encode(np.asarray(vector, dtype=np.float16).tobytes()).decode("ascii")


def decode_vector(text: str | None) -> np.ndarray | None:
    """Inverse of `encode_vector`: [d] float32, renormalised to unit length (float16 rounding)."""
    if not text:
        return None
    vector = np.frombuffer(base64.b64decode(text), dtype=np.float16).astype(np.float32)
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


def encode_context(shown: list[str], turn: int, interest_vector: np.ndarray | None,
                   constraints: dict, positive_items: list[str], excluded: Iterable[str]) -> dict:
    """The compact context stored with a feedback row (see the module docstring)."""
    shown = list(shown)
    others = sorted(set(excluded) - set(shown))[:MAX_EXCLUDED]
    return {"shown": shown, "turn": int(turn), "interest": encode_vector(interest_vector),
            "constraints": constraints, "positive": list(positive_items)[-MAX_POSITIVE:],
            "excluded": others}


@dataclass(frozen=True)
class TurnContext:
    """A decoded context: what the request that produced the shown list knew."""

    shown: tuple[str, ...]
    turn: int
    interest_vector: np.ndarray | None  # [d] unit vector
    constraints: dict  # Constraints.to_json()
    positive_items: tuple[str, ...]
    excluded: frozenset[str]  # besides the shown list

    @staticmethod
    def from_json(d: dict | None) -> TurnContext | None:
        if not d:
            return None
        return TurnContext(tuple(d["shown"]), int(d.get("turn", 0)),
                           decode_vector(d.get("interest")), dict(d.get("constraints") or {}),
                           tuple(d.get("positive") or ()), frozenset(d.get("excluded") or ()))


# ---------------------------------------------------------------- events and marks

@dataclass(frozen=True)
class LogEvent:
    mark: int | str  # the row's id: SQLite row id, or Redis stream id "ms-seq"
    owner: str  # MovieLens user id, or "session:<id>"
    session_id: str | None
    item_id: str
    kind: str  # one of EVENT_KINDS
    value: float | None
    ts: float  # seconds since the epoch
    context: TurnContext | None

    @property
    def known_user(self) -> str | None:
        """The MovieLens user id when the owner is one, else None."""
        return None if self.owner.startswith("session:") else self.owner


def mark_key(mark: int | str | None) -> tuple[int, int]:
    """A sortable key of a high-water mark: SQLite ids n → (n, 0); Redis ids "ms-seq" →
    (ms, seq); None → (-1, -1), before everything."""
    if mark is None:
        return (-1, -1)
    if isinstance(mark, int):
        return (mark, 0)
    first, _, second = str(mark).partition("-")
    return (int(first), int(second or 0))


def parse_rows(rows: Iterable[dict]) -> list[LogEvent]:
    """Store rows (bot/stores `behavior_log()`) → events, oldest first; rows of other
    kinds are dropped."""
    events = []
    for row in rows:
        if row["event"] not in EVENT_KINDS:
            continue
        events.append(LogEvent(row["id"], str(row["user_id"]), row.get("session_id"),
                               str(row["item_id"]), row["event"],
                               None if row.get("value") is None else float(row["value"]),
                               float(row["ts"]), TurnContext.from_json(row.get("context"))))
    return sorted(events, key=lambda e: mark_key(e.mark))


def after_mark(events: list[LogEvent], mark: int | str | None) -> list[LogEvent]:
    """The events past the high-water mark `mark`."""
    floor = mark_key(mark)
    return [e for e in events if mark_key(e.mark) > floor]


def summary(events: list[LogEvent]) -> dict:
    """What a model card records of the events it used: counts per kind, the newest event's
    time (seconds and ISO 8601, UTC) and the last id read (the next high-water mark)."""
    counts = {kind: sum(1 for e in events if e.kind == kind) for kind in EVENT_KINDS}
    last = max(events, key=lambda e: mark_key(e.mark)) if events else None
    newest = max(e.ts for e in events) if events else None
    return {"events": counts, "total": len(events), "newest_ts": newest,
            "newest_time": None if newest is None else _iso(newest),
            "high_water_mark": None if last is None else last.mark,
            "owners": len({e.owner for e in events})}


def _iso(ts: float) -> str:
    return np.datetime_as_string(np.datetime64(int(ts * 1000), "ms"), unit="s") + "Z"


# ---------------------------------------------------------------- labels

@dataclass
class LabelledList:
    """The feedback on one shown list: {item id: accept label} and the context it was shown in."""

    owner: str
    session_id: str | None
    context: TurnContext
    accept: dict[str, float] = field(default_factory=dict)

    @property
    def accepted(self) -> list[str]:
        return [item for item, label in self.accept.items() if label == 1.0]


def labelled_lists(events: list[LogEvent]) -> list[LabelledList]:
    """`accept` (and `interact`) lists from accept / reject events with a context, one list per
    shown list, in the order of their first event (see the module docstring)."""
    lists: dict[tuple, LabelledList] = {}
    for e in events:
        if e.kind not in ("accepted", "rejected") or e.context is None \
                or e.item_id not in e.context.shown:
            continue
        key = (e.owner, e.session_id, e.context.turn, e.context.shown)
        one = lists.setdefault(key, LabelledList(e.owner, e.session_id, e.context))
        one.accept[e.item_id] = 1.0 if e.kind == "accepted" else \
            one.accept.get(e.item_id, 0.0)  # accepted after a reject: accepted
    for one in lists.values():
        if one.accepted:  # they chose among the list: the others shown were passed over
            for item in one.context.shown:
                one.accept.setdefault(item, 0.0)
    return list(lists.values())


def like_labels(events: list[LogEvent]) -> list[tuple[LogEvent, float]]:
    """(rated event, like label) for every rating: 1 when value ≥ LIKED_RATING, else 0."""
    return [(e, float(e.value >= LIKED_RATING)) for e in events
            if e.kind == "rated" and e.value is not None]


def accepted_items(events: list[LogEvent]) -> dict[str, list[tuple[str, float]]]:
    """{MovieLens user id: [(item id, time)]} of the items each known user accepted, oldest
    first: what extends their history for `interact` and SASRec."""
    out: dict[str, list[tuple[str, float]]] = {}
    for e in events:
        if e.kind == "accepted" and e.known_user is not None:
            out.setdefault(e.known_user, []).append((e.item_id, e.ts))
    return out
