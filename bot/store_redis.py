"""The session store in Redis, for several server workers (or machines) sharing sessions.

Same interface as `bot.store.SessionStore`, with `shared = True`: the agent reads the state from
here every turn instead of caching it, because another worker may have answered the last turn.

Keys (prefix `convrec:`):
    session:<id>    hash: state (JSON), user_id, created_at, updated_at, turns
    events:<id>     list of JSON events {turn, ts, kind, data}, oldest first
    lock:<id>       the session lock: a random token, with an expiry (SET NX PX)
    feedback        stream: session_id, user_id, item_id, kind, value, ts
    behavior_log    stream: user_id, item_id, event, value, ts, source — what retraining reads

The lock makes the turns of one session apply one after another across workers: a turn takes it
(bounded wait, then `SessionBusy`), and releases it only if it still holds it (compare the token,
then delete, in one script). The turn's write is fenced by the same token: a worker whose lock
expired (it stalled longer than `lock_ttl_s`) cannot overwrite a newer turn — its write fails
with `StoreError` and the turn is reported as failed, never half-saved.

Durability: everything a turn writes goes in one atomic script. How much survives a Redis crash
is Redis's persistence setting: run it with `appendonly yes` (`appendfsync everysec` loses at
most about a second of turns on a power cut; `always` loses none). See README "Redis".
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from contextlib import contextmanager

from bot.store import SessionBusy, StoreError

PREFIX = "convrec:"

# KEYS: lock, session, events, feedback, behavior_log
# ARGV: token, state JSON, user_id ("" = none), now, turn, events JSON, feedback JSON,
#       behavior user id, check_lock ("1" / "0")
SAVE_TURN = """
if ARGV[9] == '1' and redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return redis.error_reply('session lock lost: another turn of this session took over')
end
redis.call('HSETNX', KEYS[2], 'created_at', ARGV[4])
redis.call('HSET', KEYS[2], 'state', ARGV[2], 'user_id', ARGV[3], 'updated_at', ARGV[4],
           'turns', ARGV[5])
for _, event in ipairs(cjson.decode(ARGV[6])) do
  redis.call('RPUSH', KEYS[3], event)
end
for _, f in ipairs(cjson.decode(ARGV[7])) do
  redis.call('XADD', KEYS[4], '*', 'session_id', f.session_id, 'user_id', ARGV[3],
             'item_id', f.item_id, 'kind', f.kind, 'value', f.value, 'ts', ARGV[4])
  redis.call('XADD', KEYS[5], '*', 'user_id', ARGV[8], 'item_id', f.item_id, 'event', f.kind,
             'value', f.value, 'ts', ARGV[4], 'source', 'chat')
end
return 1
"""

RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


def _value(raw: str) -> float | None:
    return None if raw in ("", None) else float(raw)


class RedisSessionStore:
    """Sessions, events, feedback and the behavior log in Redis; locks that work across workers."""

    shared = True

    def __init__(self, url: str, lock_ttl_s: float = 30.0, lock_wait_s: float = 10.0,
                 client=None):
        import redis

        self.url = url
        self.lock_ttl_ms = int(lock_ttl_s * 1000)
        self.lock_wait_s = lock_wait_s
        self.redis = client or redis.Redis.from_url(
            url, decode_responses=True, socket_timeout=5.0, socket_connect_timeout=5.0,
            health_check_interval=30)
        self._save_turn = self.redis.register_script(SAVE_TURN)
        self._release = self.redis.register_script(RELEASE)
        self._held = threading.local()  # session id -> lock token, for the thread holding it
        self._local_locks: dict[str, threading.Lock] = {}
        self._local_guard = threading.Lock()
        self.redis.ping()  # fail at start, with Redis's own message, not on the first message

    def describe(self) -> str:
        return self.url

    def _key(self, kind: str, session_id: str = "") -> str:
        return f"{PREFIX}{kind}:{session_id}" if session_id else f"{PREFIX}{kind}"

    # -- the session lock ------------------------------------------------------------------
    @contextmanager
    def lock(self, session_id: str):
        """Hold the session's lock for one turn, across every worker sharing this Redis.

        Turns of one session in this process queue on a local lock first, so only one of them
        polls Redis; waits back off from 2 ms to 50 ms; past `lock_wait_s`: SessionBusy.
        """
        deadline = time.monotonic() + self.lock_wait_s
        with self._local_guard:
            local = self._local_locks.setdefault(session_id, threading.Lock())
        if not local.acquire(timeout=self.lock_wait_s):
            raise SessionBusy(f"session {session_id!r} is busy with another message; retry")
        try:
            key = self._key("lock", session_id)
            token = secrets.token_hex(16)
            pause = 0.002
            while not self.redis.set(key, token, nx=True, px=self.lock_ttl_ms):
                if time.monotonic() >= deadline:
                    raise SessionBusy(f"session {session_id!r} is busy with another message; "
                                      "retry")
                time.sleep(pause)
                pause = min(pause * 2, 0.05)
            held = self._tokens()
            held[session_id] = token
            try:
                yield
            finally:
                held.pop(session_id, None)
                self._release(keys=[key], args=[token])
        finally:
            local.release()

    def _tokens(self) -> dict[str, str]:
        if not hasattr(self._held, "tokens"):
            self._held.tokens = {}
        return self._held.tokens

    # -- the SessionStore interface ----------------------------------------------------------
    def load_state(self, session_id: str) -> dict | None:
        raw = self.redis.hget(self._key("session", session_id), "state")
        return json.loads(raw) if raw else None

    def save_turn(self, session_id: str, user_id: str | None, state: dict,
                  events: list[tuple[str, dict]], feedback: list[dict]) -> None:
        """Write one turn atomically; refuse it (StoreError) if this thread's lock was lost."""
        import redis

        now = time.time()
        turn = int(state.get("turn", 0))
        token = self._tokens().get(session_id)
        event_rows = [json.dumps({"turn": turn, "ts": now, "kind": kind, "data": data})
                      for kind, data in events]
        feedback_rows = [{"session_id": session_id, "item_id": f["item_id"], "kind": f["kind"],
                          "value": "" if f.get("value") is None else str(f["value"])}
                         for f in feedback]
        try:
            self._save_turn(
                keys=[self._key("lock", session_id), self._key("session", session_id),
                      self._key("events", session_id), self._key("feedback"),
                      self._key("behavior_log")],
                args=[token or "", json.dumps(state), user_id or "", repr(now), turn,
                      json.dumps(event_rows), json.dumps(feedback_rows),
                      user_id or f"session:{session_id}", "1" if token else "0"])
        except redis.ResponseError as e:
            raise StoreError(f"turn of session {session_id!r} not saved: {e}") from e

    def log_error(self, session_id: str, message: str, data: dict | None = None) -> None:
        self.redis.rpush(self._key("events", session_id), json.dumps(
            {"turn": -1, "ts": time.time(), "kind": "error",
             "data": {"message": message, **(data or {})}}))

    def events(self, session_id: str) -> list[dict]:
        return [json.loads(e) for e in self.redis.lrange(self._key("events", session_id), 0, -1)]

    def feedback(self, session_id: str | None = None) -> list[dict]:
        rows = []
        for _, f in self.redis.xrange(self._key("feedback")):
            if session_id is not None and f["session_id"] != session_id:
                continue
            rows.append({"session_id": f["session_id"], "user_id": f["user_id"] or None,
                         "item_id": f["item_id"], "kind": f["kind"], "value": _value(f["value"]),
                         "ts": float(f["ts"])})
        return rows

    def behavior_log(self) -> list[dict]:
        return [{"user_id": f["user_id"], "item_id": f["item_id"], "event": f["event"],
                 "value": _value(f["value"]), "ts": float(f["ts"]), "source": f["source"]}
                for _, f in self.redis.xrange(self._key("behavior_log"))]

    def close(self) -> None:
        self.redis.close()
