"""The HTTP server over real HTTP on 127.0.0.1: REST, Rasa's webhook and parse, socket.io, Alexa,
admin, the API docs, errors. One in-process server around the shared agent (conftest
`live_server`). Retraining, forgetting users and rate limits: tests/test_admin.py."""

from __future__ import annotations

import dataclasses
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from xml.sax.saxutils import escape

import httpx
import pytest
import socketio
from fastapi.testclient import TestClient

from bot.server.app import create_app
from bot.stores.sqlite import SessionStore
from tests.support import ADMIN_TOKEN
from tests.support.alexa_certs import CERT_URL, alexa_request

REPLY_KEYS = {"session", "intent", "entities", "text", "items", "quick_replies"}
ITEM_KEYS = {"id", "title", "year", "genres", "reason", "score"}  # and `facets` where known


@pytest.fixture
def http(live_server):
    with httpx.Client(base_url=live_server.base, timeout=120) as client:
        yield client


def post(http, session, text, **extra):
    r = http.post("/api/message", json={"session": session, "text": text, **extra})
    assert r.status_code == 200, r.text
    return r.json()


def test_rest_conversation_keeps_rejected_movies_out_and_the_transcript(http, session_id):
    first = post(http, session_id, "a crime thriller from the 90s")
    assert set(first) == REPLY_KEYS and len(first["items"]) == 3
    assert all(set(i) - {"facets"} == ITEM_KEYS and 1990 <= i["year"] <= 1999
               for i in first["items"])
    rejected = first["items"][0]["id"]
    second = post(http, session_id, f'/reject{{"item": "{rejected}"}}')
    assert [i["id"] for i in second["items"]][1:] == [i["id"] for i in first["items"]][1:]
    assert rejected not in {i["id"] for i in second["items"]}
    later = [post(http, session_id, "more") for _ in range(3)]
    assert rejected not in {i["id"] for r in later for i in r["items"]}

    history = http.get(f"/api/sessions/{session_id}").json()
    messages = history["messages"]
    assert [m["from"] for m in messages] == ["user", "bot"] * 5
    assert messages[0]["text"] == "a crime thriller from the 90s"
    assert messages[1]["items"] == first["items"]
    assert messages[-1]["items"] == later[-1]["items"]
    unknown = http.get("/api/sessions/never-used")
    assert unknown.status_code == 404 and "no session 'never-used'" in unknown.json()["error"]


def test_rasa_rest_webhook_answers_in_rasa_format(http, session_id):
    r = http.post("/webhooks/rest/webhook",
                  json={"sender": session_id, "message": "something funny from the 80s"})
    assert r.status_code == 200, r.text
    [message] = r.json()  # one bot message: text, buttons, custom.items
    assert set(message) == {"recipient_id", "text", "buttons", "custom"}
    assert message["recipient_id"] == session_id
    items = message["custom"]["items"]
    assert len(items) == 3 and all(set(i) - {"facets"} == ITEM_KEYS for i in items)
    assert all(1980 <= i["year"] <= 1989 for i in items)
    lines = message["text"].splitlines()  # plain Rasa clients show the picks as text
    assert len(lines) == 4 and lines[1].startswith(f"1. {items[0]['title']} ({items[0]['year']})")
    buttons = message["buttons"]
    assert all(set(b) == {"title", "payload"} for b in buttons)
    assert {"title": "Not #2", "payload": f'/reject{{"item":"{items[1]["id"]}"}}'} in buttons
    [again] = http.post("/webhooks/rest/webhook",
                        json={"sender": session_id, "message": buttons[-1]["payload"]}).json()
    assert again["custom"]["items"] and not (
        {i["id"] for i in again["custom"]["items"]} & {i["id"] for i in items})
    [hello] = http.post("/webhooks/rest/webhook",
                        json={"sender": f"{session_id}-2", "message": "hello"}).json()
    assert hello["custom"] == {"items": []} and hello["text"]


@pytest.mark.parametrize("body, status, message", [
    (b"not json", 400, "not valid JSON"),
    (b'{"session": "s", "text": "a comedy"', 400, "not valid JSON"),  # cut short
    (b'{"session": "s"}', 400, "'text' is required"),
    (b'{"text": "hi"}', 400, "'session' is required"),
    (b'{"session": "", "text": "hi"}', 400, "'session' is required"),
    (b'{"session": "s", "text": 5}', 400, "'text' is required and must be a string"),
    (b'{"session": "s", "text": ""}', 400, "empty message"),
    (b'{"session": "s", "text": "   "}', 400, "empty message"),
    (b'{"session": "s", "text": "hi\\u0007"}', 400, "control characters"),
    (b'{"session": "s", "text": "/reject{\\"item\\": \\"nope\\"}"}', 400, "unknown item"),
    (b'{"session": "s", "text": "/fly{}"}', 400, "unknown payload intent"),
    (b'{"session": "s", "text": "hi", "user": "999999"}', 400, "unknown user"),
    (b'{"session": "s", "text": "hi", "user": [1]}', 400, "'user' must be"),
    (b'[1, 2]', 400, "expected a JSON object"),
    (b"", 400, "not valid JSON"),
    # invalid UTF-8: a whole body of it, raw bytes inside a JSON string, a lone surrogate escape
    (b"\xff\xfe\x00{", 400, "not valid UTF-8 (byte 0)"),
    (b'{"session": "s", "text": "caf\xe9 movies"}', 400, "not valid UTF-8 (byte 29)"),
    (b'{"session": "s", "text": "a comedy \\ud800"}', 400, "not valid Unicode"),
    (b'{"session": "\\ud800", "text": "a comedy"}', 400, "'session' must be printable"),
])
def test_bad_requests_get_a_json_error_with_a_clear_message(http, body, status, message):
    r = http.post("/api/message", content=body, headers={"content-type": "application/json"})
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert message in r.json()["error"]


@pytest.mark.parametrize("path", ["/api/message", "/webhooks/rest/webhook", "/model/parse",
                                  "/voice"])
def test_every_json_endpoint_refuses_bad_json_missing_fields_and_1_mb(http, path):
    for body in (b"{nope", b"\xc3\x28"):
        r = http.post(path, content=body, headers={"content-type": "application/json"})
        assert r.status_code == 400 and "not valid" in r.json()["error"], (body, r.text)
    r = http.post(path, json={})
    assert r.status_code == 400 and "is required" in r.json()["error"]
    megabyte = b'{"session": "s", "sender": "s", "text": "' + b"x" * 1_000_000 + b'"}'
    r = http.post(path, content=megabyte, headers={"content-type": "application/json"})
    assert r.status_code == 413 and "request body over 65536 bytes" in r.json()["error"]

    def chunks():  # no content-length: counted while it arrives
        for _ in range(100):
            yield b"x" * 10_000

    r = http.post(path, content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"].startswith("request body over")


def test_long_messages_unknown_routes_and_huge_bodies_are_refused(http):
    r = http.post("/api/message", json={"session": "s", "text": "x" * 2001})
    assert r.status_code == 400 and "too long" in r.json()["error"]
    r = http.get("/api/nothing-here")
    assert r.status_code == 404 and "no such endpoint" in r.json()["error"]
    r = http.get("/api/message")
    assert r.status_code == 405 and "not allowed" in r.json()["error"]
    r = http.post("/api/message", content=b"x" * 2_100_000)
    assert r.status_code == 413 and "over" in r.json()["error"]
    r = http.post("/webhooks/rest/webhook", json={"sender": "s"})
    assert r.status_code == 400 and "'message' is required" in r.json()["error"]
    # voice uploads may be larger than JSON bodies (server.max_body_bytes)
    r = http.post("/api/voice", params={"session": "s"}, content=b"RIFF" + b"\0" * 1_000_000)
    assert r.status_code == 400 and "WAV" in r.json()["error"]
    r = http.post("/api/voice", params={"session": "s"}, content=b"\0" * 2_100_000)
    assert r.status_code == 413


def test_model_parse_answers_in_rasas_shape(http):
    r = http.post("/model/parse", json={"text": "a thriller with Tom Hanks, not a romance"})
    assert r.status_code == 200, r.text
    parse = r.json()
    # Rasa's keys, and convrec's one addition: every act of the message, with its clause span
    assert set(parse) == {"text", "intent", "intent_ranking", "entities", "acts"}
    assert parse["acts"] and {"name", "confidence", "start", "end"} <= set(parse["acts"][0])
    assert parse["text"] == "a thriller with Tom Hanks, not a romance"
    assert parse["intent"]["name"] == "request_recommendation"
    assert parse["intent_ranking"][0] == parse["intent"]
    assert all(set(i) == {"name", "confidence"} for i in parse["intent_ranking"])
    by_value = {e["value"]: e for e in parse["entities"]}
    hanks = by_value["Tom Hanks"]
    assert (hanks["entity"], hanks["start"], hanks["end"], hanks["role"]) == (
        "person", 16, 25, "actor")
    assert hanks["extractor"] == "convrec.EntityExtractor"
    assert by_value["Romance"]["entity"] == "genre"
    assert by_value["Romance"]["polarity"] == "unwanted"  # convrec's extra, beside Rasa's
    assert "role" not in by_value["Thriller"]

    shown = post(http, "parse-shown", "a comedy from the 90s")["items"]
    second = http.post("/model/parse", json={"text": "not the second one",
                                             "shown": [i["id"] for i in shown]}).json()
    assert second["intent"]["name"] == "reject"
    [reference] = [e for e in second["entities"] if e["entity"] == "reference"]
    assert reference["item_ids"] == [shown[1]["id"]]

    for body, message in [({"text": ""}, "empty message"), ({}, "'text' is required"),
                          ({"text": "hi", "shown": ["nope"]}, "unknown item id 'nope'"),
                          ({"text": "hi", "shown": "1"}, "'shown' must be a list")]:
        r = http.post("/model/parse", json=body)
        assert r.status_code == 400 and message in r.json()["error"], (body, r.text)


def test_openapi_lists_every_endpoint_with_its_request_body(http):
    spec = http.get("/openapi.json").json()
    paths = spec["paths"]
    for path, method in [("/api/message", "post"), ("/api/sessions/{session_id}", "get"),
                         ("/webhooks/rest/webhook", "post"), ("/model/parse", "post"),
                         ("/voice", "post"), ("/api/voice", "post"), ("/webhooks/alexa", "post"),
                         ("/health", "get"), ("/admin/retrain", "post"),
                         ("/admin/retrain/{job_id}", "get"), ("/users/{user_id}", "delete")]:
        assert method in paths.get(path, {}), f"{method.upper()} {path} is not documented"
    schemas = spec["components"]["schemas"]

    def body_schema(path):
        content = paths[path]["post"]["requestBody"]["content"]
        ref = content["application/json"]["schema"]["$ref"]
        return schemas[ref.rsplit("/", 1)[1]]

    assert set(body_schema("/api/message")["required"]) == {"session", "text"}
    assert set(body_schema("/api/message")["properties"]) == {"session", "text", "user"}
    assert set(body_schema("/webhooks/rest/webhook")["required"]) == {"sender", "message"}
    assert body_schema("/model/parse")["required"] == ["text"]
    assert "audio/wav" in paths["/api/voice"]["post"]["requestBody"]["content"]
    reply = paths["/api/message"]["post"]["responses"]["200"]["content"]["application/json"]
    assert reply["schema"]["$ref"].endswith("/Reply")
    assert set(schemas["Item"]["properties"]) == ITEM_KEYS | {"facets"}
    assert set(schemas["RasaMessage"]["properties"]) == {"recipient_id", "text", "buttons",
                                                          "custom"}
    assert set(schemas["VoiceReply"]["properties"]) == {"speech", "ssml", "display"}
    assert "422" not in paths["/api/sessions/{session_id}"]["get"]["responses"]  # we say 400
    assert "401" in paths["/users/{user_id}"]["delete"]["responses"]


def test_docs_page_needs_no_other_host(http):
    page = http.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    script = http.get("/docs.js")
    assert script.status_code == 200 and "/openapi.json" in script.text
    assert http.get("/docs.css").status_code == 200
    for text in (page.text, script.text, http.get("/docs.css").text):
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text), "an external host"
    assert ".innerHTML" not in script.text


def test_admin_api_needs_the_token(http, session_id):
    post(http, session_id, "a western")
    assert http.get("/admin/stats").status_code == 401
    wrong = http.get("/admin/stats", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and "Bearer" in wrong.json()["error"]
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    stats = http.get("/admin/stats", headers=auth).json()
    assert stats["turns"] >= 1 and stats["store"].startswith("sqlite:")
    session = http.get(f"/admin/sessions/{session_id}", headers=auth).json()
    assert session["state"]["turn"] == 1 and session["events"][0]["kind"] == "user"
    assert http.get("/admin/sessions/nobody", headers=auth).status_code == 404


def test_feedback_reaches_the_behavior_log(http, session_id):
    shown = post(http, session_id, "a comedy from the 90s")["items"]
    post(http, session_id, f'/accept{{"item": "{shown[1]["id"]}"}}')
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    log = http.get("/admin/feedback", headers=auth).json()["behavior_log"]
    assert {"user_id": f"session:{session_id}", "item_id": shown[1]["id"],
            "event": "accepted"}.items() <= log[-1].items()


def test_concurrent_sessions_and_one_busy_session(http, live_server):
    texts = ["a thriller", "a comedy from the 80s", "something with Tom Hanks", "a western"]
    with ThreadPoolExecutor(16) as pool:
        replies = list(pool.map(lambda i: post(http, f"crowd-{i}", texts[i % 4]), range(16)))
    assert all(len(r["items"]) == 3 for r in replies)
    # eight messages at once on ONE session: each turn sees the one before (no lost update)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: post(http, "one-session", "more" if i else "a drama"), range(8)))
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    session = http.get("/admin/sessions/one-session", headers=auth).json()
    assert session["state"]["turn"] == 8
    turns = [e["turn"] for e in session["events"] if e["kind"] == "user"]
    assert sorted(turns) == list(range(1, 9))
    shown = [i["id"] for e in session["events"] if e["kind"] == "bot" for i in e["data"]["items"]]
    assert len(shown) == len(set(shown)), "no movie shown twice in the session"


def test_socketio_speaks_rasa_webchat(live_server):
    received: list = []
    confirmed = threading.Event()
    done = threading.Event()
    sio = socketio.Client(reconnection=False)

    @sio.on("session_confirm")
    def on_confirm(session_id):
        received.append(("confirm", session_id))
        confirmed.set()

    @sio.on("bot_uttered")
    def on_bot(message):
        received.append(("bot", message))
        if "quick_replies" in message or "error" in message:
            done.set()

    sio.connect(live_server.base, transports=["websocket"], wait_timeout=20)
    try:
        sio.emit("session_request", {"session_id": "socket-session"})
        assert confirmed.wait(20) and received[0] == ("confirm", "socket-session")
        sio.emit("user_uttered", {"message": "a sci-fi movie from the 80s",
                                  "session_id": "socket-session"})
        assert done.wait(120)
        bot = [m for kind, m in received if kind == "bot"]
        assert len(bot) == 2 and bot[0]["text"]  # the text, then the carousel of items
        attachment = bot[1]["attachment"]
        assert attachment["type"] == "template"
        assert attachment["payload"]["template_type"] == "generic"
        elements = attachment["payload"]["elements"]
        items = bot[1]["custom"]["items"]
        assert len(elements) == len(items) == 3
        assert all(1980 <= i["year"] <= 1989 and set(i) - {"facets"} == ITEM_KEYS for i in items)
        for element, item in zip(elements, items):
            assert element["title"] == f"{item['title']} ({item['year']})"
            assert item["reason"] in element["subtitle"]
            assert [b["title"] for b in element["buttons"]] == ["Love it", "Seen it",
                                                                 "Not for me"]
            assert element["buttons"][2] == {"title": "Not for me", "type": "postback",
                                             "payload": f'/reject{{"item":"{item["id"]}"}}'}
        assert "quick_replies" not in bot[0]  # they ride on the last message
        assert bot[-1]["quick_replies"][0]["content_type"] == "text"
        assert bot[-1]["quick_replies"][-1] == {"content_type": "text", "title": "More",
                                                "payload": "/ask_more"}
        done.clear()
        sio.emit("user_uttered", {"message": "", "session_id": "socket-session"})
        assert done.wait(30)
        error = received[-1][1]
        assert error["status"] == 400 and "empty message" in error["text"]
    finally:
        sio.disconnect()


def test_socketio_refuses_foreign_origins(live_server):
    r = httpx.get(f"{live_server.base}/socket.io/?EIO=4&transport=polling",
                  headers={"Origin": "http://evil.example"})
    assert r.status_code == 400


def test_cors_only_for_configured_origins(http):
    r = http.options("/api/message", headers={"Origin": "http://evil.example",
                                              "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in r.headers


def test_chat_page_and_widget_are_served_with_a_strict_policy(http):
    page = http.get("/")
    assert page.status_code == 200 and '<script src="/widget.js"' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    js = http.get("/widget.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert "/api/message" in js.text and ".innerHTML" not in js.text
    assert http.get("/widget.css").status_code == 200


# -- Alexa ---------------------------------------------------------------------------------------
def alexa_post(http, chain, body: bytes, sign=True):
    headers = {"SignatureCertChainUrl": CERT_URL, "Content-Type": "application/json"}
    if sign:
        headers["Signature-256"] = chain.sign(body)
    return http.post("/webhooks/alexa", content=body, headers=headers)


def test_alexa_skill_conversation(http, alexa_chain):
    session = "amzn1.echo-api.session.conversation"
    launch = alexa_post(http, alexa_chain, alexa_request("LaunchRequest", None,
                                                         session_id=session))
    assert launch.status_code == 200, launch.text
    assert launch.json()["response"]["shouldEndSession"] is False
    asked = alexa_post(http, alexa_chain, alexa_request(query="a comedy from the nineties",
                                                        session_id=session)).json()["response"]
    assert asked["outputSpeech"]["type"] == "SSML"
    speech = asked["outputSpeech"]["ssml"]
    assert speech.startswith("<speak>") and speech.endswith("</speak>")
    assert asked["reprompt"]["outputSpeech"]["ssml"].startswith("<speak>")
    card = asked["card"]["content"].splitlines()
    assert len(card) == 4 and card[1].startswith("1. ")
    first_title = card[1][3:card[1].index(" (")]
    assert escape(first_title, {"'": "&apos;"}) in speech and "&quot;more&quot;" in speech
    rejected = alexa_post(http, alexa_chain, alexa_request(
        intent="RejectIntent", query="the first one", session_id=session)).json()["response"]
    listed = rejected["card"]["content"].splitlines()
    assert first_title in listed[0] and len(listed) == 4  # "Got it, <title> is out ..."
    assert not any(first_title in line for line in listed[1:])
    stop = alexa_post(http, alexa_chain, alexa_request(intent="AMAZON.StopIntent",
                                                       session_id=session)).json()
    assert stop["response"]["shouldEndSession"] is True
    ended = alexa_post(http, alexa_chain, alexa_request("SessionEndedRequest", None,
                                                        session_id=session)).json()
    assert ended == {"version": "1.0", "response": {}}


def test_alexa_refuses_unsigned_tampered_and_spoken_errors(http, alexa_chain):
    body = alexa_request(query="a comedy")
    unsigned = alexa_post(http, alexa_chain, body, sign=False)
    assert unsigned.status_code == 400 and "Signature" in unsigned.json()["error"]
    headers = {"SignatureCertChainUrl": CERT_URL, "Signature-256": alexa_chain.sign(body)}
    tampered = http.post("/webhooks/alexa", content=body.replace(b"comedy", b"horror"),
                         headers=headers)
    assert tampered.status_code == 400 and "does not match" in tampered.json()["error"]
    bad_url = http.post("/webhooks/alexa", content=body, headers={
        **headers, "SignatureCertChainUrl": "https://evil.example/echo.api/cert.pem"})
    assert bad_url.status_code == 400 and "host" in bad_url.json()["error"]
    empty = alexa_post(http, alexa_chain, alexa_request(query=""))
    assert empty.status_code == 200  # said to the person, not an HTTP error
    assert "say what you would like" in empty.json()["response"]["outputSpeech"]["ssml"]


def test_an_internal_failure_is_a_logged_500_not_silence(agent_config, tmp_path):
    class BrokenAgent:  # the real store, a turn that fails inside
        store = SessionStore(tmp_path / "sessions.sqlite")
        catalog = []
        nlu = None

        def handle(self, session_id, text, user_id=None):
            raise RuntimeError("the ranker fell over")

    channels = dataclasses.replace(agent_config.channels, voice=dataclasses.replace(
        agent_config.channels.voice, enabled=False))
    # no trained ranker behind this agent: nothing for the live reload to follow
    recommender = dataclasses.replace(agent_config.recommender, ranker="linear")
    app = create_app(BrokenAgent(), dataclasses.replace(agent_config, channels=channels,
                                                        recommender=recommender))
    with TestClient(app, raise_server_exceptions=False) as http:
        r = http.post("/api/message", json={"session": "s", "text": "a comedy"})
    assert r.status_code == 500
    assert r.json() == {"error": "internal error (RuntimeError); the server log has the details"}
    logged = BrokenAgent.store.events("s")
    assert logged[-1]["kind"] == "error"
    assert logged[-1]["data"] == {"message": "RuntimeError: the ranker fell over",
                                  "text": "a comedy"}
