"""The admin API: counters, a session's full state, the behavior log, retraining, forgetting a
user.

Every route here sits under `/admin` or `/users`, where bot/server/security.py has already checked
the bearer token before the route runs.

Who is a "user" for `DELETE /users/{id}`: convrec knows people two ways. A MovieLens user id,
sent as `user` with a message, tags the session (its feedback goes to the behavior log under that
id); a person without one is known only by their session id (behavior-log rows
`session:<id>`). So the id removes: every session tagged with it and the session whose id it is
(state, events, feedback), and the behavior-log rows of the id and of those sessions.
"""

from __future__ import annotations

import os
import time
from contextlib import ExitStack

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from bot.channels import api_docs as docs
from bot.channels.json_body import read_json
from bot.errors import HttpError
from bot.server.retrain import RetrainJobs
from recommender.serving.model_versions import VersionError


def forget_user(agent, user_id: str) -> dict:
    """Remove a user's sessions and feedback from the store (see the module docstring).

    Holds each session's lock while it goes, so a turn in flight cannot write it back."""
    sessions = agent.store.user_sessions(user_id)
    with ExitStack() as held:
        for session_id in sessions:
            held.enter_context(agent.store.lock(session_id))
        removed = agent.store.delete_user(user_id, sessions)
        for session_id in sessions:
            agent.forget_cached(session_id)
    return {"user": user_id, "sessions": sessions, "removed": removed}


def add_admin_routes(api: FastAPI, runtime, jobs: RetrainJobs) -> None:
    """Attach the admin routes to `api`; `runtime` is bot.server.app.Runtime."""

    agent = runtime.agent

    @api.get("/admin/stats", tags=["admin"], summary="Counters of this worker process")
    async def stats():
        encoder = agent.nlu.encoder
        return {"pid": os.getpid(), "uptime_s": round(time.time() - runtime.started, 1),
                "turns": runtime.turns, "errors": runtime.errors,
                "store": agent.store.describe(),
                "encoder_batches": getattr(encoder, "batches", None),
                "encoder_texts": getattr(encoder, "texts", None)}

    @api.get("/admin/sessions/{session_id}", tags=["admin"], responses=docs.answers(None, 404),
             summary="A session's full state and every stored event")
    async def admin_session(session_id: str):
        state = await runtime.run(agent.store.load_state, session_id)
        if state is None:
            raise HttpError(404, f"no session {session_id!r}")
        events = await runtime.run(agent.store.events, session_id)
        return {"session": session_id, "state": state, "events": events}

    @api.get("/admin/feedback", tags=["admin"], summary="The newest rows of the behavior log")
    async def admin_feedback(limit: int = 100):
        rows = await runtime.run(agent.store.behavior_log)
        # the stored context (~1.3 KB, for training) shortened to the list that was shown
        return {"behavior_log": [
            {**{k: v for k, v in row.items() if k != "context"},
             "shown": (row.get("context") or {}).get("shown")}
            for row in rows[-max(1, min(limit, 10_000)):]]}

    @api.post("/admin/retrain", tags=["admin"], status_code=202,
              summary="Start `convrec train` in the background",
              description="One job at a time per machine: 409 while one runs. "
                          "`incremental`: fine-tune the ranker on the behavior log's new events "
                          "within `max_seconds`. The job writes a new model version; every "
                          "worker swaps it in between turns, without a restart.",
              openapi_extra=docs.body(docs.RetrainRequest, description="optional"),
              responses=docs.answers(docs.RetrainJob, 400, 409, status=202,
                                     description="started"))
    async def retrain(request: Request):
        raw = await request.body()
        options = read_json(raw) if raw.strip() else {}
        if not isinstance(options, dict):
            raise HttpError(400, "expected a JSON object such as {\"force\": true}, or no body")
        force, incremental = options.get("force", True), options.get("incremental", False)
        max_seconds = options.get("max_seconds")
        if not isinstance(force, bool):
            raise HttpError(400, "'force' must be true or false")
        if not isinstance(incremental, bool):
            raise HttpError(400, "'incremental' must be true or false")
        if max_seconds is not None and (isinstance(max_seconds, bool) or not isinstance(
                max_seconds, (int, float)) or not 1 <= max_seconds <= 3600):
            raise HttpError(400, "'max_seconds' must be a number of seconds from 1 to 3600")
        job = await runtime.run(jobs.start, force, incremental, max_seconds)
        return JSONResponse(job, status_code=202, headers={"Location": f"/admin/retrain/"
                                                                       f"{job['id']}"})

    @api.get("/admin/retrain", tags=["admin"], summary="Every retrain job, newest first",
             responses=docs.answers(docs.RetrainJobs))
    async def retrain_jobs():
        return {"jobs": await runtime.run(jobs.jobs)}

    @api.get("/admin/retrain/{job_id}", tags=["admin"], summary="One retrain job and its log",
             responses=docs.answers(docs.RetrainJob, 404))
    async def retrain_job(job_id: str):
        job = await runtime.run(jobs.get, job_id)
        if job is None:
            raise HttpError(404, f"no retrain job {job_id!r}")
        return job

    def reloader():
        if runtime.models is None:
            raise HttpError(409, "no live reload: recommender.ranker is not a trained model")
        return runtime.models

    @api.post("/admin/reload", tags=["admin"], responses=docs.answers(None, 409),
              summary="Load the model version the pointer names now (409: refused, old kept)")
    async def reload():
        try:
            return await runtime.run(reloader().reload)
        except VersionError as e:
            raise HttpError(409, str(e)) from None

    @api.post("/admin/rollback", tags=["admin"], responses=docs.answers(None, 409),
              summary="Go back one model version (every worker follows within a second)")
    async def rollback():
        try:
            return await runtime.run(reloader().rollback)
        except VersionError as e:
            raise HttpError(409, str(e)) from None

    @api.get("/admin/model", tags=["admin"], summary="The model version this worker serves")
    async def model():
        return reloader().status()

    @api.delete("/users/{user_id}", tags=["admin"],
                summary="Forget a user: their sessions, events, feedback and behavior-log rows",
                description="`user_id` is a MovieLens user id (sessions tagged with it) or a "
                            "session id (that session). 404 when there is nothing to remove.",
                responses=docs.answers(docs.UserRemoved, 404, 503))
    async def delete_user(user_id: str):
        result = await runtime.run(forget_user, agent, user_id)
        if not result["sessions"] and not any(result["removed"].values()):
            raise HttpError(404, f"nothing stored for user {user_id!r}")
        return result
