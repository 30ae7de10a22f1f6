"""Live model reload (bot/server/reload.py) on a copy of the built ranker: a new version is swapped
in while requests keep coming (none lost), a corrupt or half-written one is refused and the old
one kept, rollback brings back the previous version's answers, /health names the version."""

from __future__ import annotations

import dataclasses
import logging
import shutil
import threading
import time

import httpx
import pytest

from bot.build import servable_ranker
from bot.dialogue.agent import Agent
from bot.server.app import create_app
from bot.server.gate import TurnGate
from bot.server.reload import ModelReloader
from bot.stores.sqlite import SessionStore
from recommender.domain.constraints import Constraints
from recommender.serving.mmoe_ranker import (
    CARD_FILE,
    EVIDENCE_FILE,
    MODEL_FILE,
    PROJECTION_FILE,
    SASREC_FILE,
    MMoERanker,
    load_mmoe_ranker,
    ranker_dir,
)
from recommender.serving.model_versions import FLAT, ModelVersions, VersionError
from recommender.serving.recommend import Recommender, RecommendRequest
from tests.support import ADMIN_TOKEN
from tests.support.serving import InProcessServer

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
FILES = (MODEL_FILE, SASREC_FILE, PROJECTION_FILE, CARD_FILE, EVIDENCE_FILE)


def copy_version(source, target) -> None:
    """Every file of a version that `source` has (older versions have no evidence table)."""
    for name in FILES:
        if (source / name).exists():
            shutil.copy2(source / name, target / name)


@pytest.fixture
def setup(agent, tmp_path):
    """(agent with its own recommender and store, its reloader) over a flat copy of the ranker."""
    if not isinstance(agent.recommender.ranker, MMoERanker):
        pytest.skip("needs the trained mmoe ranker (convrec train)")
    root = tmp_path / "ranker"
    root.mkdir()
    copy_version(ranker_dir(agent.config.models_dir), root)
    old = agent.recommender
    ranker = load_mmoe_ranker(root, old.item_vectors, old.config.task_weights,
                              agent.catalog.years, old.config.anonymous_task_weights)
    recommender = Recommender(agent.catalog, old.item_vectors, old.history, old.config, ranker)
    store = SessionStore(tmp_path / "sessions.sqlite")
    own = Agent(agent.config, agent.catalog, recommender, agent.nlu, store, agent.templates)
    reloader = ModelReloader(own, ModelVersions(root), poll_s=0)
    yield own, reloader
    reloader.stop()
    store.close()


def publish_reversed(versions: ModelVersions) -> str:
    """A version whose every head says the opposite of the flat one (other answers, surely)."""
    # heavy: torch, to write a checkpoint
    from recommender.models.multitask import load_checkpoint, save_checkpoint  # MMoE or PLE

    staging = versions.staging()
    copy_version(versions.root, staging)
    model, extra = load_checkpoint(versions.root / MODEL_FILE)
    for tower in model.towers:
        last = [m for m in tower.modules() if hasattr(m, "weight")][-1]
        last.weight.data.neg_()
        last.bias.data.neg_()
    save_checkpoint(staging / MODEL_FILE, model, extra)
    return versions.publish(staging)


def answers(agent: Agent) -> list[str]:
    request = RecommendRequest(None, Constraints(), k=5)
    return [r.item.id for r in agent.recommender.recommend(request)]


def test_rollback_restores_the_previous_versions_answers(setup):
    agent, reloader = setup
    flat = answers(agent)
    assert reloader.version == FLAT
    new = publish_reversed(reloader.versions)
    assert reloader.check() is True and reloader.version == new  # the poller's step
    assert answers(agent) != flat
    assert reloader.check() is False  # nothing changed since
    assert reloader.rollback()["version"] == FLAT
    assert answers(agent) == flat
    with pytest.raises(VersionError, match="no earlier"):
        reloader.rollback()


def test_a_corrupt_or_half_written_version_is_refused_and_the_old_one_kept(setup, caplog):
    agent, reloader = setup
    flat = answers(agent)
    versions = reloader.versions
    corrupt = publish_reversed(versions)
    with open(versions.folder(corrupt) / MODEL_FILE, "r+b") as f:
        f.truncate(1000)  # a disk that filled up, a copy cut short
    with caplog.at_level(logging.WARNING, logger="convrec.reload"):
        assert reloader.check() is False
    assert reloader.version == FLAT and answers(agent) == flat
    assert f"refused model version {corrupt}" in caplog.text and "still serving flat" in \
        caplog.text
    with pytest.raises(VersionError, match="was refused"):
        reloader.reload()  # not tried again

    staging = versions.staging()  # written, never sealed: no manifest
    copy_version(versions.root, staging)
    half = staging.name.removeprefix(".staging-")
    staging.rename(versions.folder(half))
    versions.point_at(half)
    assert reloader.check() is False
    assert "half-written" in caplog.text and reloader.version == FLAT


def test_a_reload_under_concurrent_requests_loses_none(setup):
    agent, reloader = setup
    agent.turn_gate = TurnGate().held  # as served: the swap waits for the turn computing
    reloader.poll_s = 0.05
    app = create_app(agent, agent.config, environ={"CONVREC_ADMIN_TOKEN": ADMIN_TOKEN},
                     models=reloader)
    results: list[int] = []
    stop = threading.Event()

    def person(n: int) -> None:
        with httpx.Client(base_url=server.base, timeout=60) as http:
            turn = 0
            while not stop.is_set():
                text = ("a comedy from the 90s", "something darker", "show me more")[turn % 3]
                r = http.post("/api/message", json={"session": f"load-{n}-{turn // 3}",
                                                    "text": text})
                results.append(r.status_code)
                turn += 1

    with InProcessServer(app) as server, httpx.Client(base_url=server.base, timeout=60) as http:
        threads = [threading.Thread(target=person, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        time.sleep(1.0)
        new = publish_reversed(reloader.versions)  # the poller swaps it in
        deadline = time.monotonic() + 30
        while http.get("/health").json()["model"] != new:
            assert time.monotonic() < deadline, "the new version never came in"
            time.sleep(0.05)
        during = len(results)
        time.sleep(1.0)
        back = http.post("/admin/rollback", headers=AUTH)
        assert back.status_code == 200 and back.json()["version"] == FLAT, back.text
        time.sleep(1.0)
        stop.set()
        for t in threads:
            t.join(60)
        assert http.get("/health").json()["model"] == FLAT
        assert http.post("/admin/rollback", headers=AUTH).status_code == 409
        assert http.post("/admin/reload", headers=AUTH).json()["changed"] is False
    assert reloader.swaps == 2
    assert len(results) > during > 0  # requests went on through both swaps
    assert set(results) == {200}, [code for code in results if code != 200][:5]


def test_a_worker_starting_on_a_broken_current_version_serves_the_one_before(agent, tmp_path):
    """bot/build.py servable_ranker: what a (re)started worker loads."""
    config = dataclasses.replace(agent.config, paths=dataclasses.replace(
        agent.config.paths, artifacts=tmp_path))
    versions = ModelVersions(tmp_path / "models" / "ranker")
    ids = []
    for weights in ("good", "broken"):
        staging = versions.staging()
        for name in (MODEL_FILE, PROJECTION_FILE, CARD_FILE):
            (staging / name).write_text(weights)
        ids.append(versions.publish(staging))
    assert servable_ranker(config, print) == (ids[1], versions.folder(ids[1]))
    (versions.folder(ids[1]) / MODEL_FILE).write_text("brokeN")
    said = []
    assert servable_ranker(config, said.append) == (ids[0], versions.folder(ids[0]))
    assert "differs from its manifest" in said[0]
    (versions.folder(ids[0]) / CARD_FILE).unlink()
    assert servable_ranker(config, said.append) == (None, None)  # load_ranker falls back


def test_a_retrain_job_ends_by_loading_what_it_made(tmp_path):
    """RetrainJobs (POST /admin/retrain): the incremental command line, and the worker that
    started the job serving the new version before the job reports success."""
    from bot.server.retrain import RetrainJobs

    class Models:
        calls = 0

        def reload(self):
            Models.calls += 1
            return {"version": "v2", "changed": True}

    jobs = RetrainJobs(tmp_path, ["true", "train", "--quiet"], Models())
    job = jobs.start(force=True, incremental=True, max_seconds=5)
    assert job["command"][-3:] == ["--incremental", "--max-seconds", "5"]
    assert job["force"] is False and "--force" not in job["command"]
    deadline = time.monotonic() + 30
    while jobs.get(job["id"])["status"] == "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    done = jobs.get(job["id"])
    assert done["status"] == "succeeded" and done["model_version"] == "v2"
    assert Models.calls == 1
