"""Live model reload: every server worker follows the ranker's version pointer, between turns.

`convrec train` writes each ranker as a new version and points at it atomically
(recommender/serving/model_versions.py). Each worker process runs one `ModelReloader`: a daemon
thread looks at the pointer once a second (one `stat`); when it changed, the thread loads the
version it names — in the background, while turns go on with the old model — checks it, and
swaps it in while holding the turn gate (bot/server/gate.py), so no turn sees half of each:
a turn that computes when the swap comes finishes with the old model, the next one starts with
the new. A worker started later loads the current version at start. So after a retrain (or a
rollback) every worker serves the same version within about a second plus the load (~0.2 s).

A version is refused, with a log line, and the old model kept when its folder is half-written or
differs from its manifest, when it does not load, or when its scores on a probe request are not
finite: the worker remembers the refusal and does not retry that version.

`reload()` and `rollback()` serve POST /admin/reload and /admin/rollback (bot/server/admin.py);
the worker that answers swaps at once, the others follow the pointer.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext

import numpy as np

from recommender.domain.constraints import Constraints
from recommender.serving.mmoe_ranker import (
    CARD_FILE,
    MODEL_FILE,
    PROJECTION_FILE,
    load_mmoe_ranker,
    ranker_root,
)
from recommender.serving.model_versions import ModelVersions, VersionError
from recommender.serving.recommend import RecommendRequest

log = logging.getLogger("convrec.reload")
REQUIRED = (MODEL_FILE, PROJECTION_FILE, CARD_FILE)


class ModelReloader:
    """Follows the version pointer of the ranker under `versions` for one agent."""

    def __init__(self, agent, versions: ModelVersions, load: Callable | None = None,
                 poll_s: float = 1.0):
        self.agent = agent
        self.versions = versions
        self.poll_s = poll_s
        self._load = load or self._load_mmoe
        # what build_agent loaded (bot/build.py servable_ranker: an earlier version when the
        # current one was broken at start)
        self.version = getattr(agent.recommender.ranker, "model_version", None) \
            or versions.current_id()
        self.loaded_at = time.time()
        self.refused: dict[str, str] = {}
        self.swaps = 0
        self.last_swap_ms: float | None = None
        self._stamp = versions.stamp()
        self._lock = threading.Lock()  # one load at a time in this process
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @staticmethod
    def for_agent(agent, config) -> ModelReloader | None:
        """The reloader of a served agent; None when its ranker is not a trained one."""
        if config.recommender.ranker != "mmoe":
            return None
        return ModelReloader(agent, ModelVersions(ranker_root(config.models_dir)))

    def _load_mmoe(self, folder):
        recommender = self.agent.recommender
        return load_mmoe_ranker(folder, recommender.item_vectors,
                                recommender.config.task_weights, self.agent.catalog.years,
                                recommender.config.anonymous_task_weights)

    # -- polling -------------------------------------------------------------------------------
    def start(self) -> ModelReloader:
        if self._thread is None and self.poll_s > 0:
            self._thread = threading.Thread(target=self._poll, name="model-reload", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _poll(self) -> None:
        while not self._stop.wait(self.poll_s):
            self.check()

    def check(self) -> bool:
        """Reload when the pointer changed since the last look; True when a new model went in."""
        stamp = self.versions.stamp()
        if stamp == self._stamp:
            return False
        self._stamp = stamp
        try:
            return self.reload()["changed"]
        except VersionError:
            return False  # said in the log; the old model stays
        except Exception:  # never let the poller die: the next pointer change is tried again
            log.exception("model reload failed; keeping version %s", self.version)
            return False

    # -- loading and swapping ------------------------------------------------------------------
    def reload(self, version: str | None = None) -> dict:
        """Load `version` (default: the one the pointer names) and swap it in. Raises
        VersionError (old model kept, a log line) when it is broken."""
        with self._lock:
            target = version or self.versions.current_id()
            previous = self.version
            if target is None or target == self.version:
                return {"version": self.version, "previous": previous, "changed": False}
            if target in self.refused:
                raise VersionError(f"model version {target} was refused: {self.refused[target]}")
            started = time.perf_counter()
            try:
                folder = self.versions.verify(target, REQUIRED)
                ranker = self._load(folder)
                self._probe(ranker)
            except Exception as e:
                reason = f"{type(e).__name__}: {e}"
                self.refused[target] = reason
                log.warning("refused model version %s (%s); still serving %s", target, reason,
                            previous)
                raise VersionError(f"refused model version {target}: {reason}") from e
            load_ms = 1000 * (time.perf_counter() - started)
            gate = getattr(self.agent, "turn_gate", None) or nullcontext
            t = time.perf_counter()
            ranker.model_version = target
            with gate():  # between turns: no turn computes while the ranker changes
                self.agent.recommender.ranker = ranker
                self.version, self.loaded_at = target, time.time()
            self.last_swap_ms = round(1000 * (time.perf_counter() - t), 3)
            self.swaps += 1
            log.info("model version %s in (was %s; loaded in %.0f ms, swapped in %.2f ms)",
                     target, previous, load_ms, self.last_swap_ms)
            return {"version": target, "previous": previous, "changed": True,
                    "load_ms": round(load_ms, 1)}

    def rollback(self) -> dict:
        """Load the version before the current one, then point at it (the other workers
        follow). A broken one is refused (VersionError) and the pointer left alone."""
        previous, history = self.versions.previous()
        result = self.reload(previous)
        self.versions.point_at(previous, history)
        self._stamp = self.versions.stamp()
        return result

    def _probe(self, ranker) -> None:
        """Score a request that knows nothing through the new ranker: finite scores, one per
        candidate, or it is refused."""
        found = self.agent.recommender.candidates(RecommendRequest(None, Constraints(), k=3))
        if found is None:
            return
        scores = np.asarray(ranker.score(found.features, found.context))
        if scores.shape != (len(found.features.rows),) or not np.isfinite(scores).all():
            raise VersionError("its scores on a probe request are not finite")

    def status(self) -> dict:
        return {"version": self.version, "loaded_at": round(self.loaded_at, 3),
                "pointer": self.versions.current_id(), "swaps": self.swaps,
                "last_swap_ms": self.last_swap_ms, "refused": sorted(self.refused)}
