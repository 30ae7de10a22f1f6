"""The behavior log feeds training: what a person did in the chat becomes ranker examples with
the right labels and the context they were shown; a forgotten user is gone from the next
training set; the high-water mark reads each event once (SQLite here, Redis at the end)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bot.dialogue.agent import Agent
from bot.server.admin import forget_user
from bot.stores.sqlite import SessionStore
from recommender.data.behavior_log import (
    TurnContext,
    after_mark,
    encode_context,
    labelled_lists,
    parse_rows,
)
from recommender.models.tasks import TASKS
from recommender.serving.mmoe_ranker import (
    CARD_FILE,
    MODEL_FILE,
    PROJECTION_FILE,
    SASREC_FILE,
    MMoERanker,
    load_mmoe_ranker,
    ranker_dir,
)
from recommender.serving.model_versions import FLAT, ModelVersions
from recommender.training.examples import ExampleLists, ExampleSettings
from recommender.training.incremental import FineTuneSettings, train_incremental
from recommender.training.log_examples import all_candidates, log_lists, request_of
from recommender.training.ranker import EXAMPLES_FILE
from recommender.training.ranker_config import training_config
from tests.support.serving import RedisServer

ACCEPT, INTERACT = TASKS.index("accept"), TASKS.index("interact")


@pytest.fixture
def chat(agent, tmp_path):
    """An agent of its own (its own SQLite store), sharing the session's models."""
    if not isinstance(agent.recommender.ranker, MMoERanker):
        pytest.skip("needs the trained mmoe ranker (convrec train)")
    store = SessionStore(tmp_path / "sessions.sqlite")
    yield Agent(agent.config, agent.catalog, agent.recommender, agent.nlu, store,
                agent.templates)
    store.close()


def training_set(chat: Agent, events) -> tuple[dict, dict]:
    lists = ExampleLists()
    counts = log_lists(all_candidates(chat.recommender), chat.recommender.ranker.builder, events,
                       ExampleSettings(sampled=5), lists, split="train")
    return (lists.arrays() if lists.split else {}), counts


def labels_of(arrays: dict, chat: Agent, item_id: str, task: int) -> list[float]:
    """The labels `item_id` got for `task`, over every list where it has one."""
    where = (arrays["item_ids"] == chat.catalog.index[item_id] + 1) & (arrays["mask"][:, task] > 0)
    return arrays["labels"][where, task].tolist()


def test_accept_and_reject_in_the_chat_become_labelled_examples(chat):
    shown = chat.handle("log-a", "a comedy from the 90s").items
    assert len(shown) == 3
    rejected, accepted, passed = (item["id"] for item in shown)
    replaced = chat.handle("log-a", f'/reject{{"item": "{rejected}"}}').items
    chat.handle("log-a", f'/accept{{"item": "{accepted}"}}')

    events = parse_rows(chat.store.behavior_log())
    assert [(e.kind, e.item_id) for e in events] == [("rejected", rejected),
                                                     ("accepted", accepted)]
    # each event keeps the list the person was looking at when they gave it
    assert events[0].context.shown == tuple(i["id"] for i in shown)
    assert events[1].context.shown == tuple(i["id"] for i in replaced)
    assert events[1].context.interest_vector is not None

    arrays, counts = training_set(chat, events)
    assert counts["accept_lists"] == 2 and counts["accepted"] == 1 and counts["missed"] == 0
    assert labels_of(arrays, chat, accepted, ACCEPT) == [1.0]
    assert labels_of(arrays, chat, rejected, ACCEPT) == [0.0]
    assert labels_of(arrays, chat, passed, ACCEPT) == [0.0]  # shown beside the accepted one
    assert labels_of(arrays, chat, accepted, INTERACT) == [1.0]  # their next item
    assert arrays["labels"][:, INTERACT].sum() == 1.0
    assert np.isfinite(arrays["dense"]).all()


def test_a_forgotten_user_is_gone_from_the_next_training_set(chat):
    for session, user in (("log-15", "15"), ("log-20", "20")):
        shown = chat.handle(session, "a thriller from the 80s", user_id=user).items
        chat.handle(session, f'/accept{{"item": "{shown[0]["id"]}"}}', user_id=user)
    before = parse_rows(chat.store.behavior_log())
    assert {e.owner for e in before} == {"15", "20"}
    assert training_set(chat, before)[1]["accept_lists"] == 2

    forget_user(chat, "15")
    after = parse_rows(chat.store.behavior_log())
    assert {e.owner for e in after} == {"20"}
    assert training_set(chat, after)[1]["accept_lists"] == 1


def test_the_high_water_mark_counts_a_session_in_progress_once(chat):
    shown = chat.handle("log-open", "a western").items
    chat.handle("log-open", f'/reject{{"item": "{shown[0]["id"]}"}}')
    first = parse_rows(chat.store.behavior_log())
    mark = first[-1].mark  # a training run ends here; the session goes on
    chat.handle("log-open", f'/accept{{"item": "{shown[1]["id"]}"}}')
    new = after_mark(parse_rows(chat.store.behavior_log()), mark)
    assert [(e.kind, e.item_id) for e in new] == [("accepted", shown[1]["id"])]
    assert [e.mark for e in parse_rows(chat.store.behavior_log(after=mark))] == \
        [e.mark for e in new]


@pytest.mark.skipif(not RedisServer.available(), reason="redis-server is not installed")
def test_redis_keeps_the_context_and_reads_past_a_mark(tmp_path):
    from bot.stores.redis import RedisSessionStore  # optional: the redis client

    context = {"shown": ["10", "20"], "turn": 3, "interest": None, "constraints": {},
               "positive": [], "excluded": []}
    with RedisServer(tmp_path) as server:
        store = RedisSessionStore(server.url)
        for turn, kind in ((1, "rejected"), (2, "accepted")):
            with store.lock("s"):
                store.save_turn("s", None, {"turn": turn, "session_id": "s"}, [],
                                [{"item_id": "20" if turn == 2 else "10", "kind": kind,
                                  "value": None, "context": context}])
        rows = store.behavior_log()
        assert [(r["event"], r["session_id"], r["context"]) for r in rows] == [
            ("rejected", "s", context), ("accepted", "s", context)]
        assert [r["item_id"] for r in store.behavior_log(after=rows[0]["id"])] == ["20"]
        assert [one.accept for one in labelled_lists(parse_rows(rows))] == [
            {"10": 0.0, "20": 1.0}]
        store.close()



def test_incremental_training_learns_from_the_log_into_a_new_version(chat, tmp_path):
    """Fine-tuning on a copy of the built ranker: a new sealed version whose card counts the
    events by kind, names the newest one, and whose scores moved toward what was accepted."""
    shown = chat.handle("inc", "a comedy from the 90s").items
    chat.handle("inc", f'/reject{{"item": "{shown[0]["id"]}"}}')
    accepted = shown[1]["id"]
    chat.handle("inc", f'/accept{{"item": "{accepted}"}}')
    events = parse_rows(chat.store.behavior_log())

    root = tmp_path / "ranker"
    root.mkdir()
    built = ranker_dir(chat.config.models_dir)
    for name in (MODEL_FILE, SASREC_FILE, PROJECTION_FILE, CARD_FILE, EXAMPLES_FILE):
        if not (built / name).exists():
            pytest.skip(f"the built ranker has no {name}")
        (root / name).symlink_to(built / name)  # read only: the new version is written apart
    versions = ModelVersions(root)
    staging = versions.staging()
    card = train_incremental(
        root, staging, FLAT, chat.catalog, chat.recommender.item_vectors,
        chat.recommender.history, events, chat.config.recommender,
        training_config(chat.config.recommender.training),
        FineTuneSettings(max_seconds=60, epochs=2, replay_rows=3000, learning_rate=0.003),
        log=lambda message: None)
    version = versions.publish(staging)
    assert versions.current_id() == version and versions.verify(version, (MODEL_FILE,))
    saved = json.loads((versions.folder(version) / CARD_FILE).read_text())
    assert saved["kind"] == "incremental" and saved["base_version"] == FLAT
    assert saved["behavior_log"]["events"] == {"accepted": 1, "rejected": 1, "seen": 0,
                                               "rated": 0}
    assert saved["behavior_log"]["high_water_mark"] == events[-1].mark
    assert saved["behavior_log"]["newest_ts"] == max(e.ts for e in events)
    assert card["fine_tune"]["log_rows"] > 0

    context = TurnContext.from_json(chat.store.behavior_log()[-1]["context"])
    found = chat.recommender.candidates(request_of(context, None))
    where = found.features.rows == chat.catalog.index[accepted]

    def accept_probability(folder) -> float:
        ranker = load_mmoe_ranker(folder, chat.recommender.item_vectors,
                                  chat.config.recommender.task_weights, chat.catalog.years)
        return float(ranker.task_probabilities(found.features, found.context)["accept"][where][0])

    assert accept_probability(versions.folder(version)) > accept_probability(root)


def test_a_rating_becomes_a_like_example(chat):
    nothing_known = encode_context([], 1, None, {}, [], [])
    rows = [{"id": n, "user_id": "session:r", "item_id": item, "event": "rated", "value": value,
             "ts": 1.0, "source": "chat", "session_id": "r", "context": nothing_known}
            for n, (item, value) in enumerate((("1", 5.0), ("2", 2.0)), start=1)]
    arrays, counts = training_set(chat, parse_rows(rows))
    assert counts["like_labels"] == 2 and counts["accept_lists"] == 0
    like = TASKS.index("like")
    assert labels_of(arrays, chat, "1", like) == [1.0]
    assert labels_of(arrays, chat, "2", like) == [0.0]
    assert arrays["mask"][:, ACCEPT].sum() == 0  # a rating says nothing about accepting
