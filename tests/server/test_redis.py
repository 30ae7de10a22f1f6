"""Sessions in Redis (a real redis-server on 127.0.0.1): the store, its cross-worker lock,
`convrec serve --workers 2` answering one conversation from both workers (and replacing one that
is killed), and forgetting a user (DELETE /users/{id}) in Redis."""

from __future__ import annotations

import dataclasses
import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from test_admin import check_forget_user

from bot.dialogue.agent import Agent
from bot.server.app import create_app
from bot.stores.redis import RedisSessionStore
from bot.stores.sqlite import SessionBusy, StoreError
from tests.support import ADMIN_TOKEN
from tests.support.serving import InProcessServer, RedisServer, ServerProcess, client, write_config

pytestmark = pytest.mark.skipif(not RedisServer.available(),
                                reason="redis-server is not installed (apt-get install "
                                       "redis-server)")


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    with RedisServer(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture
def store(redis_server):
    s = RedisSessionStore(redis_server.url, lock_ttl_s=5, lock_wait_s=2)
    s.redis.flushdb()
    yield s
    s.close()


def test_turns_events_feedback_and_behavior_log(store):
    with store.lock("s1"):
        store.save_turn("s1", None, {"turn": 1, "session_id": "s1"},
                        [("user", {"text": "hi"}), ("bot", {"text": "hello"})], [])
    with store.lock("s1"):
        store.save_turn("s1", "15", {"turn": 2, "session_id": "s1"}, [("user", {"text": "x"})],
                        [{"item_id": "10", "kind": "rated", "value": 4.5},
                         {"item_id": "20", "kind": "rejected", "value": None}])
    assert store.load_state("s1") == {"turn": 2, "session_id": "s1"}
    assert store.load_state("nobody") is None
    assert [(e["turn"], e["kind"], e["data"]["text"]) for e in store.events("s1")] == [
        (1, "user", "hi"), (1, "bot", "hello"), (2, "user", "x")]
    assert [(f["item_id"], f["kind"], f["value"], f["user_id"]) for f in store.feedback("s1")] \
        == [("10", "rated", 4.5, "15"), ("20", "rejected", None, "15")]
    assert [(b["user_id"], b["item_id"], b["event"]) for b in store.behavior_log()] == [
        ("15", "10", "rated"), ("15", "20", "rejected")]
    store.log_error("s1", "bad input")
    assert store.events("s1")[-1]["kind"] == "error"


def test_the_lock_excludes_other_workers_and_times_out(redis_server, store):
    other_worker = RedisSessionStore(redis_server.url, lock_ttl_s=5, lock_wait_s=0.3)
    order: list[str] = []
    held = threading.Event()

    def first():
        with store.lock("busy"):
            held.set()
            time.sleep(0.6)
            order.append("first done")

    thread = threading.Thread(target=first)
    thread.start()
    held.wait(5)
    with pytest.raises(SessionBusy, match="busy"):
        with other_worker.lock("busy"):
            pass
    thread.join()
    with other_worker.lock("busy"):  # free again
        order.append("second")
    assert order == ["first done", "second"]
    other_worker.close()


def test_a_turn_whose_lock_expired_is_not_saved(redis_server):
    slow = RedisSessionStore(redis_server.url, lock_ttl_s=0.2, lock_wait_s=2)
    fast = RedisSessionStore(redis_server.url, lock_ttl_s=5, lock_wait_s=2)
    with pytest.raises(StoreError, match="lock lost"):
        with slow.lock("stalled"):
            time.sleep(0.4)  # the lock expires; another worker takes the session meanwhile
            with fast.lock("stalled"):
                fast.save_turn("stalled", None, {"turn": 1}, [], [])
            slow.save_turn("stalled", None, {"turn": 1, "stale": True}, [], [])
    assert fast.load_state("stalled") == {"turn": 1}
    slow.close()
    fast.close()


def test_two_workers_share_one_conversation(tmp_path, redis_server):
    config = write_config(tmp_path, tmp_path / "state", **{
        "  sessions: sqlite ": f"  sessions: {redis_server.url} "})
    with ServerProcess(config, tmp_path / "server.log", workers=2) as server:
        seen_pids: set[int] = set()
        deadline = time.monotonic() + 120
        while len(seen_pids) < 2 and time.monotonic() < deadline:  # both workers are up
            with client(server.base, timeout_s=10) as http:  # a new connection each time
                seen_pids.add(http.get("/health").json()["pid"])
                assert http.get("/health").json()["store"] == redis_server.url
        assert len(seen_pids) == 2

        session = "shared"

        def say(text):
            with client(server.base) as http:  # new connection: any worker may answer
                r = http.post("/api/message", json={"session": session, "text": text})
                assert r.status_code == 200, r.text
                return r.json()

        first = say("a horror movie from the 80s")
        rejected = first["items"][0]["id"]
        second = say(f'/reject{{"item": "{rejected}"}}')
        assert second["items"][1:] == first["items"][1:]
        later = [say("more") for _ in range(4)]
        assert rejected not in {i["id"] for r in later for i in r["items"]}
        # six messages at once on the same session, spread over both workers
        with ThreadPoolExecutor(6) as pool:
            burst = list(pool.map(lambda _: say("more"), range(6)))
        assert all(r["items"] for r in burst)

        with client(server.base) as http:
            history = http.get(f"/api/sessions/{session}").json()["messages"]
        assert len(history) == 2 * 12
        turns = [m["turn"] for m in history if m["from"] == "user"]
        assert turns == list(range(1, 13)), "every turn applied once, in order"
        shown = [i["id"] for m in history if m["from"] == "bot" for i in m["items"]
                 if m["turn"] != 2]  # turn 2 re-lists the two kept movies
        assert len(shown) == len(set(shown)), "no movie shown twice"

        # a worker that dies (SIGKILL) is replaced; the conversation goes on meanwhile
        dead = seen_pids.pop()
        os.kill(dead, signal.SIGKILL)
        gone_by = time.monotonic() + 30
        while not process_gone(dead) and time.monotonic() < gone_by:
            time.sleep(0.05)  # until then, connections hashed to its socket are reset
        assert say("more")["items"], "the other worker answers at once"
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            with client(server.base, timeout_s=10) as http:
                pid = http.get("/health").json()["pid"]
            if pid not in seen_pids and pid != dead:
                break
            time.sleep(0.5)
        else:
            raise AssertionError("no new worker came up after one was killed")
        turns = [m["turn"] for m in say_history(server.base, session) if m["from"] == "user"]
        assert turns == list(range(1, 14))

    store = RedisSessionStore(redis_server.url)
    assert {(b["user_id"], b["item_id"], b["event"]) for b in store.behavior_log()} >= {
        (f"session:{session}", rejected, "rejected")}
    store.close()


def process_gone(pid: int) -> bool:
    """Reaped by its parent (the supervisor polls every 0.5 s). Not "a zombie": a killed
    multi-threaded process shows Z for its main thread while its other threads still exit, and
    its listening socket stays open until the last one has (seen: connections reset after Z)."""
    return not os.path.exists(f"/proc/{pid}")


def say_history(base: str, session: str) -> list[dict]:
    with client(base) as http:
        return http.get(f"/api/sessions/{session}").json()["messages"]


def test_feedback_survives_a_redis_crash(tmp_path):
    """With appendonly (fsync always here), a killed Redis comes back with every saved turn."""
    redis_server = RedisServer(tmp_path / "redis").start()
    try:
        store = RedisSessionStore(redis_server.url)
        with store.lock("durable"):
            store.save_turn("durable", None, {"turn": 1}, [("user", {"text": "x"})],
                            [{"item_id": "42", "kind": "accepted", "value": None}])
        store.close()
        redis_server.process.kill()  # SIGKILL: no shutdown save
        redis_server.process.wait(timeout=15)
        redis_server.start()
        store = RedisSessionStore(redis_server.url)
        assert store.load_state("durable") == {"turn": 1}
        assert [b["item_id"] for b in store.behavior_log()] == ["42"]
        store.close()
    finally:
        redis_server.stop()


def test_forget_a_user_in_redis(redis_server, agent, agent_config):
    """DELETE /users/{id} over real HTTP on an app whose sessions are in Redis (the shared
    agent's models, a Redis store): the same checks as SQLite's (tests/server/test_admin.py)."""
    store = RedisSessionStore(redis_server.url)
    store.redis.flushdb()
    redis_agent = Agent(agent.config, agent.catalog, agent.recommender, agent.nlu, store,
                        agent.templates)
    channels = dataclasses.replace(
        agent_config.channels,
        voice=dataclasses.replace(agent_config.channels.voice, enabled=False),
        alexa=dataclasses.replace(agent_config.channels.alexa, enabled=False))
    app = create_app(redis_agent, dataclasses.replace(agent_config, channels=channels),
                     environ={"CONVREC_ADMIN_TOKEN": ADMIN_TOKEN})
    try:
        with InProcessServer(app) as server, client(server.base) as http:
            assert http.get("/health").json()["store"] == redis_server.url
            assert http.delete("/users/15").status_code == 401  # no token
            check_forget_user(http, "forget-redis")
        assert store.user_sessions("15") == [] and store.user_sessions("forget-redis-c") == []
        assert not store.redis.exists("convrec:events:forget-redis-b",
                                      "convrec:session:forget-redis-b")
    finally:
        store.close()
