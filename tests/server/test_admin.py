"""The admin API over real HTTP (retraining, forgetting a user) and the rate limits.

Retraining runs the real `convrec train` (without --force, so on an up-to-date build it checks
every model and finishes in seconds). Forgetting a user is checked on SQLite here and on Redis in
tests/test_redis.py (`check_forget_user` is shared).
"""

from __future__ import annotations

import dataclasses
import time

import httpx
import pytest

from bot.server.app import create_app
from bot.server.security import TokenBuckets
from tests.support import ADMIN_TOKEN
from tests.support.serving import InProcessServer

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def http(live_server):
    with httpx.Client(base_url=live_server.base, timeout=120) as client:
        yield client


def say(http, session, text, **extra) -> dict:
    r = http.post("/api/message", json={"session": session, "text": text, **extra})
    assert r.status_code == 200, r.text
    return r.json()


def test_admin_endpoints_want_the_token(http):
    for method, path in [("POST", "/admin/retrain"), ("GET", "/admin/retrain"),
                         ("GET", "/admin/retrain/20240101-000000-abcdef"),
                         ("DELETE", "/users/15")]:
        r = http.request(method, path)
        assert r.status_code == 401 and "Bearer" in r.json()["error"], (method, path)
        r = http.request(method, path, headers={"Authorization": "Bearer wrong"})
        assert r.status_code == 401, (method, path)


def test_retrain_runs_convrec_train_in_the_background_one_at_a_time(http):
    serving = http.get("/health").json()["model"]  # "flat", or a version id of the build
    started = http.post("/admin/retrain", json={"force": False}, headers=AUTH)
    assert started.status_code == 202, started.text
    job = started.json()
    assert job["status"] == "running" and job["force"] is False
    assert started.headers["location"] == f"/admin/retrain/{job['id']}"
    assert job["command"][-2:] == ["train", "--quiet"]  # the real `convrec train`

    again = http.post("/admin/retrain", headers=AUTH)  # while the first one runs
    assert again.status_code == 409
    assert f"already running (job {job['id']})" in again.json()["error"]
    assert job["id"] in [j["id"] for j in http.get("/admin/retrain", headers=AUTH).json()["jobs"]]

    deadline = time.monotonic() + 300
    while True:
        status = http.get(f"/admin/retrain/{job['id']}", headers=AUTH).json()
        if status["status"] != "running" or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert status["status"] == "succeeded", status
    assert status["returncode"] == 0 and status["finished"] >= status["started"]
    assert "Everything config.yml asks for is trained." in status["log_tail"]

    bad = http.post("/admin/retrain", json={"force": "yes"}, headers=AUTH)
    assert bad.status_code == 400 and "'force' must be true or false" in bad.json()["error"]
    for body, message in (({"incremental": 1}, "'incremental' must be true or false"),
                          ({"incremental": True, "max_seconds": 0}, "from 1 to 3600")):
        bad = http.post("/admin/retrain", json=body, headers=AUTH)
        assert bad.status_code == 400 and message in bad.json()["error"], bad.text
    assert status["model_version"] == serving  # nothing was stale: the build's own model
    bad = http.post("/admin/retrain", content=b"{nope", headers=AUTH)
    assert bad.status_code == 400 and "not valid JSON" in bad.json()["error"]
    missing = http.get("/admin/retrain/20240101-000000-abcdef", headers=AUTH)
    assert missing.status_code == 404 and "no retrain job" in missing.json()["error"]
    assert http.get("/admin/retrain/..%2F..%2Fetc", headers=AUTH).status_code == 404


def check_forget_user(http, prefix: str) -> None:
    """Two sessions of MovieLens user 15 and one anonymous session, each with feedback; then
    DELETE /users/15 and DELETE /users/<the anonymous session>: everything of theirs goes, the
    rest stays, and a removed session starts over."""
    first = say(http, f"{prefix}-a", "a comedy from the 90s", user="15")
    say(http, f"{prefix}-a", f'/accept{{"item": "{first["items"][0]["id"]}"}}', user="15")
    second = say(http, f"{prefix}-b", "a thriller", user="15")
    say(http, f"{prefix}-b", f'/reject{{"item": "{second["items"][0]["id"]}"}}')
    third = say(http, f"{prefix}-c", "a western")
    say(http, f"{prefix}-c", f'/seen{{"item": "{third["items"][0]["id"]}"}}')
    kept = say(http, f"{prefix}-kept", "a horror movie")
    say(http, f"{prefix}-kept", f'/reject{{"item": "{kept["items"][0]["id"]}"}}')

    def log_owners():
        rows = http.get("/admin/feedback", params={"limit": 10_000}, headers=AUTH).json()
        return {row["user_id"] for row in rows["behavior_log"]}

    assert {"15", f"session:{prefix}-c", f"session:{prefix}-kept"} <= log_owners()
    r = http.delete("/users/15", headers=AUTH)
    assert r.status_code == 200, r.text
    gone = r.json()
    assert gone["user"] == "15"
    assert {f"{prefix}-a", f"{prefix}-b"} <= set(gone["sessions"])
    assert f"{prefix}-c" not in gone["sessions"]
    assert gone["removed"]["sessions"] >= 2 and gone["removed"]["events"] >= 8
    assert gone["removed"]["feedback"] >= 2 and gone["removed"]["behavior_log"] >= 2
    for session in (f"{prefix}-a", f"{prefix}-b"):
        assert http.get(f"/api/sessions/{session}").status_code == 404
        assert http.get(f"/admin/sessions/{session}", headers=AUTH).status_code == 404
    assert "15" not in log_owners()

    r = http.delete(f"/users/{prefix}-c", headers=AUTH)  # a person known by session id only
    assert r.status_code == 200, r.text
    assert r.json()["sessions"] == [f"{prefix}-c"]
    assert r.json()["removed"] == {"sessions": 1, "events": 4, "feedback": 1, "behavior_log": 1}
    owners = log_owners()
    assert f"session:{prefix}-c" not in owners and f"session:{prefix}-kept" in owners
    assert len(http.get(f"/api/sessions/{prefix}-kept").json()["messages"]) == 4

    again = http.delete(f"/users/{prefix}-c", headers=AUTH)
    assert again.status_code == 404 and "nothing stored" in again.json()["error"]
    say(http, f"{prefix}-a", "a drama")  # a removed session starts over, nothing remembered
    state = http.get(f"/admin/sessions/{prefix}-a", headers=AUTH).json()["state"]
    assert state["turn"] == 1 and state["user_id"] is None


def test_forget_a_user_in_sqlite(http):
    check_forget_user(http, "forget-sqlite")


def test_token_buckets_refill_at_their_rate():
    now = [100.0]
    buckets = TokenBuckets(per_minute=6, burst=2, clock=lambda: now[0])  # one token per 10 s
    assert buckets.take("a") == 0.0 and buckets.take("a") == 0.0
    assert buckets.take("a") == pytest.approx(10.0)  # empty: the next token in 10 s
    assert buckets.take("b") == 0.0  # another sender has its own bucket
    now[0] += 4.0
    assert buckets.take("a") == pytest.approx(6.0)  # a refused request spends nothing
    now[0] += 6.0
    assert buckets.take("a") == 0.0
    now[0] += 1000.0  # a long pause refills only up to the burst
    assert [buckets.take("a") for _ in range(3)][:2] == [0.0, 0.0]
    assert TokenBuckets(per_minute=0, burst=1).take("a") == 0.0  # 0 = off


def test_token_buckets_stay_bounded():
    now = [0.0]
    buckets = TokenBuckets(per_minute=60, burst=1, clock=lambda: now[0], max_keys=100)
    for n in range(1000):
        now[0] += 0.001
        buckets.take(f"sender-{n}")
    assert len(buckets._buckets) <= 100


@pytest.fixture(scope="module")
def limited_server(agent, agent_config):
    """The server with small limits: 3 messages per session at once, then 6 a minute; 2
    requests without a sender per client, then 6 a minute. Voice and Alexa off (not needed)."""
    config = dataclasses.replace(
        agent_config,
        server=dataclasses.replace(agent_config.server, rate_limit_per_minute=6,
                                   rate_limit_burst=3, ip_rate_limit_per_minute=6,
                                   ip_rate_limit_burst=2),
        channels=dataclasses.replace(
            agent_config.channels,
            voice=dataclasses.replace(agent_config.channels.voice, enabled=False),
            alexa=dataclasses.replace(agent_config.channels.alexa, enabled=False)))
    with InProcessServer(create_app(agent, config, environ={})) as server:
        yield server


def test_rate_limit_per_sender_answers_429_with_retry_after(limited_server):
    with httpx.Client(base_url=limited_server.base, timeout=120) as http:
        for text in ("a comedy", "more", "more"):
            say(http, "limited-1", text)
        r = http.post("/api/message", json={"session": "limited-1", "text": "more"})
        assert r.status_code == 429
        assert "too many messages in session 'limited-1'" in r.json()["error"]
        assert 1 <= int(r.headers["retry-after"]) <= 10
        r = http.post("/webhooks/rest/webhook", json={"sender": "limited-1", "message": "more"})
        assert r.status_code == 429, "the same sender through another channel"
        say(http, "limited-2", "a thriller")  # other senders are not held back

        for _ in range(2):  # no sender: counted per client IP
            assert http.post("/model/parse", json={"text": "a comedy"}).status_code == 200
        r = http.get("/api/sessions/limited-1")
        assert r.status_code == 429 and "too many requests from 127.0.0.1" in r.json()["error"]
        assert int(r.headers["retry-after"]) >= 1
        assert http.get("/health").status_code == 200  # health checks are never limited
