"""The session store: every turn's events, the session state, feedback, in SQLite (WAL).

One transaction per turn writes the user's event, the bot's event, the new state snapshot, the
turn's feedback events and their copy in the behavior log that retraining reads. A crash between
turns loses nothing; a crash inside a turn loses that turn only (it was never answered).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    session_id TEXT PRIMARY KEY,
    user_id TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    turns INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL,
    turn INTEGER NOT NULL,
    ts REAL NOT NULL,
    kind TEXT NOT NULL,          -- user | bot | error
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_session ON events(session_id, id);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL,
    user_id TEXT,
    item_id TEXT NOT NULL,
    kind TEXT NOT NULL,          -- accepted | rejected | seen | rated
    value REAL,
    ts REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS feedback_session ON feedback(session_id);
CREATE TABLE IF NOT EXISTS behavior_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id TEXT NOT NULL,       -- MovieLens user id, or "session:<id>" for a new user
    item_id TEXT NOT NULL,
    event TEXT NOT NULL,
    value REAL,
    ts REAL NOT NULL,
    source TEXT NOT NULL DEFAULT 'chat',
    session_id TEXT,             -- the session of the turn (NULL in logs written before it)
    context TEXT                 -- JSON: what the person was shown at that turn, for training
);
"""
# columns added to behavior_log after its first version: (name, declaration)
LOG_COLUMNS = (("session_id", "TEXT"), ("context", "TEXT"))
LOG_KEYS = ("id", "user_id", "item_id", "event", "value", "ts", "source", "session_id",
            "context")


def _context_json(feedback: dict) -> str | None:
    context = feedback.get("context")
    return None if context is None else json.dumps(context, separators=(",", ":"))


class SessionBusy(RuntimeError):
    """Another turn of the same session held its lock for longer than a message may wait."""


class StoreError(RuntimeError):
    """The store refused a write (e.g. the session lock was lost): the turn was not saved."""


class SessionStore:
    """SQLite store for one process. `shared` is False: the agent may cache states in memory,
    and `lock` serialises the turns of one session between the threads of this process only."""

    shared = False

    def __init__(self, path: Path, lock_wait_s: float = 30.0):
        self.path = Path(path)
        self.lock_wait_s = lock_wait_s
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        db = self._connection()
        db.executescript(SCHEMA)
        present = {row[1] for row in db.execute("PRAGMA table_info(behavior_log)")}
        for name, declaration in LOG_COLUMNS:  # a log written by an older convrec: add them
            if name not in present:
                db.execute(f"ALTER TABLE behavior_log ADD COLUMN {name} {declaration}")
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._write_lock = threading.Lock()  # this process's writes, one after another

    def describe(self) -> str:
        return f"sqlite:{self.path}"

    @contextmanager
    def lock(self, session_id: str):
        """Hold the session's lock for one turn (threads of this process)."""
        with self._locks_guard:
            lock = self._locks.setdefault(session_id, threading.Lock())
        if not lock.acquire(timeout=self.lock_wait_s):
            raise SessionBusy(f"session {session_id!r} is busy with another message; retry")
        try:
            yield
        finally:
            lock.release()

    def _connection(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # durable across process crashes in WAL
            db.execute("PRAGMA busy_timeout=30000")
            self._local.db = db
        return db

    @contextmanager
    def _connect(self):
        # One writer at a time, queued here: threads contending for SQLite's own write lock
        # wait in its busy handler, which sleeps in steps of up to 100 ms (measured with 32
        # threads: p99 of a write 184-339 ms, max 770 ms; queued here: a few ms).
        with self._write_lock:
            db = self._connection()
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def load_state(self, session_id: str) -> dict | None:
        row = self._connection().execute(
            "SELECT state FROM sessions WHERE session_id = ?", (session_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def save_turn(self, session_id: str, user_id: str | None, state: dict,
                  events: list[tuple[str, dict]], feedback: list[dict]) -> None:
        """Write one turn atomically: events, the state snapshot, feedback and behavior log."""
        now = time.time()
        turn = int(state.get("turn", 0))
        with self._connect() as db:
            db.execute(
                "INSERT INTO sessions(session_id, user_id, created_at, updated_at, turns, state) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(session_id) DO UPDATE SET "
                "user_id = excluded.user_id, updated_at = excluded.updated_at, "
                "turns = excluded.turns, state = excluded.state",
                (session_id, user_id, now, now, turn, json.dumps(state)))
            db.executemany(
                "INSERT INTO events(session_id, turn, ts, kind, data) VALUES (?, ?, ?, ?, ?)",
                [(session_id, turn, now, kind, json.dumps(data)) for kind, data in events])
            db.executemany(
                "INSERT INTO feedback(session_id, user_id, item_id, kind, value, ts) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(session_id, user_id, f["item_id"], f["kind"], f.get("value"), now)
                 for f in feedback])
            db.executemany(
                "INSERT INTO behavior_log(user_id, item_id, event, value, ts, session_id, context) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(user_id or f"session:{session_id}", f["item_id"], f["kind"], f.get("value"), now,
                  session_id, _context_json(f)) for f in feedback])

    def log_error(self, session_id: str, message: str, data: dict | None = None) -> None:
        with self._connect() as db:
            db.execute("INSERT INTO events(session_id, turn, ts, kind, data) "
                       "VALUES (?, -1, ?, ?, ?)",
                       (session_id, time.time(), "error", json.dumps({"message": message,
                                                                      **(data or {})})))

    def events(self, session_id: str) -> list[dict]:
        rows = self._connection().execute(
            "SELECT turn, ts, kind, data FROM events WHERE session_id = ? ORDER BY id",
            (session_id,)).fetchall()
        return [{"turn": t, "ts": ts, "kind": k, "data": json.loads(d)} for t, ts, k, d in rows]

    def feedback(self, session_id: str | None = None) -> list[dict]:
        query = "SELECT session_id, user_id, item_id, kind, value, ts FROM feedback"
        args: tuple = ()
        if session_id is not None:
            query += " WHERE session_id = ?"
            args = (session_id,)
        rows = self._connection().execute(query + " ORDER BY id", args).fetchall()
        keys = ("session_id", "user_id", "item_id", "kind", "value", "ts")
        return [dict(zip(keys, row)) for row in rows]

    def behavior_log(self, after: int | None = None) -> list[dict]:
        """The behavior log, oldest first; `after`: only rows past that high-water mark (an
        `id` of an earlier read). Writes are serialised and ids grow, so a read that saw id N
        saw every row up to N: nothing committed later gets an id at or below it."""
        rows = self._connection().execute(
            f"SELECT {', '.join(LOG_KEYS)} FROM behavior_log WHERE id > ? ORDER BY id",
            (after or 0,)).fetchall()
        out = []
        for row in rows:
            entry = dict(zip(LOG_KEYS, row))
            entry["context"] = json.loads(entry["context"]) if entry["context"] else None
            out.append(entry)
        return out

    # -- forgetting a user (DELETE /users/{id}) -----------------------------------------------
    def user_sessions(self, user_id: str) -> list[str]:
        """Sessions tagged with `user_id`, and the session whose id is `user_id`, if it exists."""
        db = self._connection()
        rows = db.execute("SELECT session_id FROM sessions WHERE user_id = ? OR session_id = ?",
                          (user_id, user_id)).fetchall()
        found = {r[0] for r in rows}
        if user_id not in found and db.execute(
                "SELECT 1 FROM events WHERE session_id = ? LIMIT 1", (user_id,)).fetchone():
            found.add(user_id)  # a session whose only turn failed: events, no state
        return sorted(found)

    def delete_user(self, user_id: str, session_ids: list[str]) -> dict[str, int]:
        """Remove `session_ids` (their state, events and feedback), every feedback row of
        `user_id`, and the behavior-log rows of the user and of those sessions, in one
        transaction. Returns how many rows of each went."""
        owners = [user_id] + [f"session:{s}" for s in session_ids]
        in_sessions = ",".join("?" * len(session_ids)) or "NULL"
        in_owners = ",".join("?" * len(owners))
        with self._connect() as db:
            removed = {
                "sessions": db.execute(f"DELETE FROM sessions WHERE session_id IN ({in_sessions})",
                                       session_ids).rowcount,
                "events": db.execute(f"DELETE FROM events WHERE session_id IN ({in_sessions})",
                                     session_ids).rowcount,
                "feedback": db.execute(
                    f"DELETE FROM feedback WHERE session_id IN ({in_sessions}) OR user_id = ?",
                    [*session_ids, user_id]).rowcount,
                "behavior_log": db.execute(
                    f"DELETE FROM behavior_log WHERE user_id IN ({in_owners})", owners).rowcount,
            }
        return removed

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None
