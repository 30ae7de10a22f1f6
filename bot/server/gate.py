"""One turn computes at a time: the server's turns take turns on the CPU, in arrival order.

The server runs turns in a thread pool so that the utterances of many turns can be encoded in one
batch (bot/server/batching.py). Everything else a turn does (entities, state, the first pass over
the catalog, the ranker, the SQLite write) is Python and numpy on one GIL: turns computing side
by side only hand the GIL back and forth at every numpy call. Measured in process on 2 cores,
8 threads running turns together cost 4.8 ms of CPU per turn against 2.6 ms one after another,
and each turn took longer too.

So a turn holds the gate while it computes and lets it go while it waits for its batch of
utterances: one turn computes at a time, the encoder (which releases the GIL) runs beside it on
the other core, and the event loop serves HTTP in between. Waiting turns enter in arrival order,
and a turn coming back from the encoder goes first (it is half done: finishing it first keeps
the slowest answers close to the typical one).

A turn takes its session's lock before the gate (bot/dialogue/agent.py), so a turn that holds the
gate never waits for a session lock held by a turn that waits for the gate.
"""

from __future__ import annotations

import threading
from collections import deque
from contextlib import contextmanager


class TurnGate:
    """A FIFO lock with a priority lane, that knows which thread holds it.

    `held()`: hold it for a block (a turn). `released()`: inside such a block, let it go while
    waiting for something else, then take it back ahead of the turns that have not started; a
    no-op in a thread that does not hold it (a parse without a turn, a bulk encode).
    """

    def __init__(self):
        self._mutex = threading.Lock()
        self._busy = False
        self._first: deque[threading.Lock] = deque()  # coming back from a wait: served first
        self._waiting: deque[threading.Lock] = deque()  # not started yet, in arrival order
        self._local = threading.local()

    @property
    def queued(self) -> int:
        """Threads waiting for the gate now."""
        with self._mutex:
            return len(self._first) + len(self._waiting)

    def holds(self) -> bool:
        """Whether the calling thread holds the gate."""
        return getattr(self._local, "held", False)

    def _acquire(self, first: bool) -> None:
        with self._mutex:
            if not self._busy:
                self._busy = True
                self._local.held = True
                return
            ticket = threading.Lock()
            ticket.acquire()
            (self._first if first else self._waiting).append(ticket)
        ticket.acquire()  # released by `_release` handing the gate over (still busy)
        self._local.held = True

    def _release(self) -> None:
        self._local.held = False
        with self._mutex:
            queue = self._first or self._waiting
            if queue:
                queue.popleft().release()
            else:
                self._busy = False

    @contextmanager
    def held(self):
        if self.holds():  # already inside a turn (re-entered): nothing more to take
            yield
            return
        self._acquire(first=False)
        try:
            yield
        finally:
            self._release()

    @contextmanager
    def released(self):
        if not self.holds():
            yield
            return
        self._release()
        try:
            yield
        finally:
            self._acquire(first=True)
