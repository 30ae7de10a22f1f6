"""The conversation evidence table: what dialogues say about catalog items, by hand on a tiny
mention matrix, through a file and onto catalog rows."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from bot.training import evidence as training
from recommender.data.conversation_evidence import (
    CatalogEvidence,
    ConversationEvidence,
    mention_matrix,
    top_k_rows,
)
from recommender.domain.catalog import Catalog, Item

# 4 conversations over catalog ids a..d ("d" never mentioned):
#   c0: a b    c1: a b c    c2: a    c3: c
MENTIONS = sparse.csr_matrix(np.array([[1, 1, 0, 0], [1, 1, 1, 0], [1, 0, 0, 0], [0, 0, 1, 0]],
                                      dtype=np.float32))
IDS = ["a", "b", "c", "d"]


def table() -> ConversationEvidence:
    return ConversationEvidence.from_mentions(MENTIONS, IDS, {"source": "hand-made"})


def test_counts_and_co_mentions_by_hand():
    evidence = table()
    assert evidence.item_ids == ["a", "b", "c"]  # d: no conversation mentions it
    assert evidence.counts.tolist() == [3.0, 2.0, 2.0]
    assert evidence.co_mentions.toarray().tolist() == [[0, 2, 1], [2, 0, 1], [1, 1, 0]]
    assert evidence.meta["conversations"] == 4


def test_features_over_catalog_rows_follow_the_seeds():
    # catalog order differs from the table's and has an item the table does not know
    catalog_index = {"c": 0, "x": 1, "a": 2, "b": 3}
    on_catalog = table().for_catalog(catalog_index, 4)
    nothing = on_catalog.features(np.zeros(0, dtype=np.int64))
    assert nothing["dialogue_evidence"].tolist() == [0, 0, 0, 0]
    # popularity: log(1 + count) / log(1 + max count); x unknown → 0
    expected = np.log1p([2.0, 0.0, 3.0, 2.0]) / np.log1p(3.0)
    np.testing.assert_allclose(nothing["dialogue_popularity"], expected, rtol=1e-6)
    seeded = on_catalog.features(np.array([2]))  # the person liked "a"
    evidence = seeded["dialogue_evidence"]
    assert evidence[3] > evidence[0] > 0  # b (2 co-mentions with a) above c (1)
    assert evidence[2] == 0 and evidence[1] == 0  # not its own evidence; x unknown
    assert seeded["dialogue_ease"][3] > seeded["dialogue_ease"][0]


def test_only_recent_items_seed_and_unknown_rows_are_ignored():
    on_catalog = table().for_catalog({"a": 0, "b": 1, "c": 2, "x": 3}, 4)
    many = np.array([0] + [3] * 25)  # "a" long ago, then 25 unknown items
    assert on_catalog.features(many)["dialogue_evidence"].sum() == 0


def test_file_round_trip_keeps_every_feature(tmp_path):
    table().save(tmp_path / "ev.npz")
    loaded = ConversationEvidence.load(tmp_path / "ev.npz")
    assert loaded.item_ids == ["a", "b", "c"] and loaded.meta["source"] == "hand-made"
    index = {"a": 0, "b": 1, "c": 2}
    before = table().for_catalog(index, 3)
    before.save(tmp_path / "catalog.npz")
    for after in (loaded.for_catalog(index, 3), CatalogEvidence.load(tmp_path / "catalog.npz")):
        for name, column in before.features(np.array([0, 2])).items():
            np.testing.assert_allclose(after.features(np.array([0, 2]))[name], column,
                                       rtol=1e-3, atol=1e-4)  # EASE kept as float16


def test_top_k_keeps_the_largest_positive_weights_per_row():
    dense = np.array([[0.0, 0.5, 0.25, -0.5], [0.125, 0.0, 0.75, 0.5]], dtype=np.float32)
    kept = top_k_rows(np.pad(dense, ((0, 2), (0, 0))), 2).toarray()
    assert kept[0].tolist() == [0.0, 0.5, 0.25, 0.0]
    assert kept[1].tolist() == [0.0, 0.0, 0.75, 0.5]
    assert not kept[2:].any()


def test_mention_matrix_reads_redial_mentions_of_linked_movies_only():
    conversation = {"initiatorWorkerId": 1, "respondentWorkerId": 2, "movieMentions": {},
                    "messages": [{"senderWorkerId": 1, "text": "I loved @10 and @11"},
                                 {"senderWorkerId": 2, "text": "then @12, or @10 again"}]}
    matrix = mention_matrix([conversation], {"10": 0, "12": 2}, 3)
    assert matrix.toarray().tolist() == [[1.0, 0.0, 1.0]]


def test_training_takes_dialogues_then_the_shipped_table_then_nothing(tmp_path, monkeypatch):
    """`convrec train`'s source of the table: the configured dialogues when present, else the
    shipped file, else none (the dialogue columns stay zero; training still runs)."""
    catalog = Catalog([Item("a", "A", 2000, ()), Item("b", "B", 2001, ()),
                       Item("c", "C", 2002, ())])
    shipped = tmp_path / "shipped.npz"
    table().save(shipped)
    monkeypatch.setattr(training, "SHIPPED", shipped)
    on_catalog, source = training.training_evidence(catalog, tmp_path / "no-dialogues")
    assert source == str(shipped)
    assert on_catalog.features(np.array([0]))["dialogue_evidence"][1] > 0  # b, co-mentioned
    monkeypatch.setattr(training, "SHIPPED", tmp_path / "absent.npz")
    assert training.training_evidence(catalog, None, log=lambda _: None) == (None, "none")
