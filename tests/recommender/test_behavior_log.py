"""The behavior log as training data (recommender/data/behavior_log.py): contexts, labels,
high-water marks, the card's summary — exact values on hand-made rows."""

from __future__ import annotations

import numpy as np

from recommender.data.behavior_log import (
    TurnContext,
    accepted_items,
    after_mark,
    decode_vector,
    encode_context,
    encode_vector,
    labelled_lists,
    like_labels,
    mark_key,
    parse_rows,
    summary,
)


def context(shown, turn=2):
    return encode_context(shown, turn, np.array([3.0, 4.0], dtype=np.float32),
                          {"genres": ["Comedy"]}, ["1", "2"], {"7", *shown})


def row(mark, owner, item, event, value=None, ts=100.0, shown=("10", "20", "30"), session="s"):
    return {"id": mark, "user_id": owner, "item_id": item, "event": event, "value": value,
            "ts": ts, "source": "chat", "session_id": session,
            "context": context(list(shown)) if shown is not None else None}


def test_the_context_keeps_the_list_and_the_request_compactly():
    stored = context(["10", "20"])
    assert stored["shown"] == ["10", "20"] and stored["excluded"] == ["7"]  # the list apart
    assert stored["positive"] == ["1", "2"] and stored["constraints"] == {"genres": ["Comedy"]}
    assert len(stored["interest"]) == 8  # 2 float16 = 4 bytes, base64
    back = TurnContext.from_json(stored)
    assert back.shown == ("10", "20") and back.excluded == frozenset({"7"}) and back.turn == 2
    np.testing.assert_allclose(back.interest_vector, [0.6, 0.8], atol=1e-3)  # unit length
    assert TurnContext.from_json(None) is None
    assert decode_vector(encode_vector(None)) is None


def test_accept_and_reject_become_labels_on_the_list_they_were_shown_in():
    events = parse_rows([
        row(1, "session:a", "20", "accepted"), row(2, "session:a", "10", "rejected"),
        row(3, "session:b", "30", "rejected", shown=("30", "40")),
        row(4, "session:b", "99", "accepted", shown=("30", "40")),  # not in the list: no label
        row(5, "15", "50", "seen", shown=("50",)),
    ])
    lists = labelled_lists(events)
    assert [(one.owner, one.accept) for one in lists] == [
        ("session:a", {"20": 1.0, "10": 0.0, "30": 0.0}),  # 30 passed over for 20
        ("session:b", {"30": 0.0}),  # no accept: the others shown say nothing
    ]
    assert lists[0].accepted == ["20"]


def test_ratings_become_like_labels_and_accepts_extend_known_users_histories():
    events = parse_rows([row(1, "15", "10", "rated", 4.0), row(2, "15", "20", "rated", 3.5),
                         row(3, "15", "30", "accepted", ts=7.0),
                         row(4, "session:x", "40", "accepted")])
    assert [(e.item_id, label) for e, label in like_labels(events)] == [("10", 1.0), ("20", 0.0)]
    assert accepted_items(events) == {"15": [("30", 7.0)]}  # a session is no MovieLens user


def test_the_high_water_mark_reads_each_event_once_in_either_store():
    assert mark_key(None) < mark_key(1) < mark_key(2) < mark_key(10)
    assert mark_key("1700000000000-0") < mark_key("1700000000000-1") < mark_key("1700000000001-0")
    events = parse_rows([row(3, "15", "10", "seen"), row(1, "15", "20", "seen"),
                         row(2, "15", "30", "seen")])
    assert [e.mark for e in events] == [1, 2, 3]  # oldest first
    assert [e.mark for e in after_mark(events, 1)] == [2, 3]
    assert after_mark(events, 3) == []
    stream = parse_rows([row("5-1", "15", "10", "seen"), row("5-0", "15", "20", "seen")])
    assert [e.item_id for e in after_mark(stream, "5-0")] == ["10"]


def test_the_summary_counts_each_kind_and_names_the_newest_event():
    events = parse_rows([row(1, "15", "10", "accepted", ts=1_700_000_000.0),
                         row(2, "session:a", "20", "rejected", ts=1_700_000_060.0),
                         row(3, "15", "30", "rated", 5.0, ts=1_700_000_030.0),
                         {**row(4, "15", "40", "clicked"), "event": "clicked"}])  # unknown kind
    assert summary(events) == {
        "events": {"accepted": 1, "rejected": 1, "seen": 0, "rated": 1}, "total": 3,
        "newest_ts": 1_700_000_060.0, "newest_time": "2023-11-14T22:14:20Z",
        "high_water_mark": 3, "owners": 2}
    assert summary([])["high_water_mark"] is None
