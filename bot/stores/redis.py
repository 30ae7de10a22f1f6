"""The session store in Redis, for several server workers (or machines) sharing sessions.

Same interface as `bot.stores.sqlite.SessionStore`, with `shared = True`: the agent reads the
state from here every turn instead of caching it, because another worker may have answered the
last turn.

Keys (prefix `convrec:`):
    session:<id>    hash: state (JSON), user_id, created_at, updated_at, turns
    events:<id>     list of JSON events {turn, ts, kind, data}, oldest first
    lock:<id>       the session lock: a random token, with an expiry (SET NX PX)
    feedback        stream: session_id, user_id, item_id, kind, value, ts
    behavior_log    stream: user_id, item_id, event, value, ts, source, session_id, context
                    (JSON: what was shown at that turn) — what retraining reads

The lock makes the turns of one session apply one after another across workers: a turn takes it
(bounded wait, then `SessionBusy`), and releases it only if it still holds it (compare the token,
then delete, in one script). The turn's write is fenced by the same token: a worker whose lock
expired (it stalled longer than `lock_ttl_s`) cannot overwrite a newer turn — its write fails
with `StoreError` and the turn is reported as failed, never half-saved. Two round trips a turn:
one script takes the lock and reads the state, one writes the turn and lets the lock go.

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

import redis

from bot.stores.sqlite import SessionBusy, StoreError

PREFIX = "convrec:"

# Take the lock and read the state in one round trip. KEYS: lock, session; ARGV: token, ttl ms
ACQUIRE = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {1, redis.call('HGET', KEYS[2], 'state')}
end
return {0}
"""

# Write the turn and let go of the lock, in one round trip.
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
             'value', f.value, 'ts', ARGV[4], 'source', 'chat', 'session_id', f.session_id,
             'context', f.context)
end
if ARGV[9] == '1' then
  redis.call('DEL', KEYS[1])
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
        self.url = url
        self.lock_ttl_ms = int(lock_ttl_s * 1000)
        self.lock_wait_s = lock_wait_s
        self.redis = client or redis.Redis.from_url(
            url, decode_responses=True, socket_timeout=5.0, socket_connect_timeout=5.0,
            health_check_interval=30)
        self._acquire = self.redis.register_script(ACQUIRE)
        self._save_turn = self.redis.register_script(SAVE_TURN)
        self._release = self.redis.register_script(RELEASE)
        # for the thread holding a session's lock: its token, and the state read with the lock
        self._held = threading.local()
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
            keys = [self._key("lock", session_id), self._key("session", session_id)]
            token = secrets.token_hex(16)
            pause = 0.002
            while True:
                taken = self._acquire(keys=keys, args=[token, self.lock_ttl_ms])
                if taken[0] == 1:
                    break
                if time.monotonic() >= deadline:
                    raise SessionBusy(f"session {session_id!r} is busy with another message; "
                                      "retry")
                time.sleep(pause)
                pause = min(pause * 2, 0.05)
            held, prefetched = self._tokens(), self._prefetched()
            held[session_id] = token
            prefetched[session_id] = taken[1] if len(taken) > 1 else None
            try:
                yield
            finally:
                prefetched.pop(session_id, None)
                if held.pop(session_id, None) is not None:  # not already let go by save_turn
                    self._release(keys=keys[:1], args=[token])
        finally:
            local.release()

    def _tokens(self) -> dict[str, str]:
        if not hasattr(self._held, "tokens"):
            self._held.tokens = {}
        return self._held.tokens

    def _prefetched(self) -> dict[str, str | None]:
        if not hasattr(self._held, "states"):
            self._held.states = {}
        return self._held.states

    # -- the SessionStore interface ----------------------------------------------------------
    def load_state(self, session_id: str) -> dict | None:
        prefetched = self._prefetched()
        if session_id in prefetched:  # read with the lock we hold: nobody changed it since
            raw = prefetched[session_id]
        else:
            raw = self.redis.hget(self._key("session", session_id), "state")
        return json.loads(raw) if raw else None

    def save_turn(self, session_id: str, user_id: str | None, state: dict,
                  events: list[tuple[str, dict]], feedback: list[dict]) -> None:
        """Write one turn atomically; refuse it (StoreError) if this thread's lock was lost."""
        now = time.time()
        turn = int(state.get("turn", 0))
        token = self._tokens().pop(session_id, None)  # the script lets go of the lock
        self._prefetched().pop(session_id, None)
        event_rows = [json.dumps({"turn": turn, "ts": now, "kind": kind, "data": data})
                      for kind, data in events]
        feedback_rows = [{"session_id": session_id, "item_id": f["item_id"], "kind": f["kind"],
                          "value": "" if f.get("value") is None else str(f["value"]),
                          "context": "" if f.get("context") is None
                          else json.dumps(f["context"], separators=(",", ":"))}
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

    def behavior_log(self, after: str | None = None) -> list[dict]:
        """The behavior log, oldest first; `after`: only entries past that high-water mark (an
        `id` of an earlier read). Stream ids grow with every XADD, and a turn's entries are
        added in one script, so a read never sees a later entry without the earlier ones."""
        rows = []
        for entry_id, f in self.redis.xrange(self._key("behavior_log"),
                                             min="(" + after if after else "-"):
            context = f.get("context") or ""
            rows.append({"id": entry_id, "user_id": f["user_id"], "item_id": f["item_id"],
                         "event": f["event"], "value": _value(f["value"]), "ts": float(f["ts"]),
                         "source": f["source"], "session_id": f.get("session_id") or None,
                         "context": json.loads(context) if context else None})
        return rows

    # -- forgetting a user (DELETE /users/{id}) -----------------------------------------------
    def user_sessions(self, user_id: str) -> list[str]:
        """Sessions tagged with `user_id`, and the session whose id is `user_id`, if it exists.
        Scans the session keys: an admin operation, not a per-turn one."""
        found = set()
        prefix = self._key("session", "x")[:-1]
        for key in self.redis.scan_iter(match=prefix + "*", count=1000):
            if self.redis.hget(key, "user_id") == user_id:
                found.add(key[len(prefix):])
        if self.redis.exists(self._key("session", user_id), self._key("events", user_id)):
            found.add(user_id)
        return sorted(found)

    def delete_user(self, user_id: str, session_ids: list[str]) -> dict[str, int]:
        """Remove `session_ids` (state, events), every feedback entry of those sessions or of
        `user_id`, and the behavior-log entries of the user and of those sessions. Returns how
        many of each went (events and stream entries counted one by one)."""
        sessions = set(session_ids)
        owners = {user_id} | {f"session:{s}" for s in session_ids}
        removed = {"sessions": 0, "events": 0, "feedback": 0, "behavior_log": 0}
        for session_id in session_ids:
            pipe = self.redis.pipeline()
            pipe.llen(self._key("events", session_id))
            pipe.delete(self._key("events", session_id))
            pipe.delete(self._key("session", session_id))
            events, _, session = pipe.execute()
            removed["events"] += events
            removed["sessions"] += session
        removed["feedback"] = self._delete_entries(
            self._key("feedback"), lambda f: f["session_id"] in sessions or f["user_id"] == user_id)
        removed["behavior_log"] = self._delete_entries(
            self._key("behavior_log"), lambda f: f["user_id"] in owners)
        return removed

    def _delete_entries(self, stream: str, match) -> int:
        """XDEL the entries of a stream that `match`, reading it 1000 at a time."""
        removed, start = 0, "-"
        while True:
            batch = self.redis.xrange(stream, min=start, count=1000)
            if not batch:
                return removed
            doomed = [entry_id for entry_id, fields in batch if match(fields)]
            if doomed:
                removed += self.redis.xdel(stream, *doomed)
            start = "(" + batch[-1][0]  # exclusive: after the last one read

    def close(self) -> None:
        self.redis.close()
