"""A served conversation survives the server being killed (SIGKILL, no shutdown) and restarted:
the transcript, the shown and rejected movies, and the turn count all come back from SQLite."""

from __future__ import annotations

from tests.support.serving import ServerProcess, client, write_config


def test_conversation_survives_kill_and_restart(tmp_path):
    config = write_config(tmp_path, tmp_path / "state")
    session = "kill-restart"
    with ServerProcess(config, tmp_path / "server.log") as server:
        pid = server.process.pid
        with client(server.base) as http:
            first = http.post("/api/message", json={"session": session,
                                                    "text": "a comedy from the 80s"}).json()
            rejected = first["items"][0]["id"]
            http.post("/api/message", json={"session": session,
                                            "text": f'/reject{{"item": "{rejected}"}}'})
            shown_before = {i["id"] for m in http.get(f"/api/sessions/{session}").json()[
                "messages"] for i in m.get("items", [])}
        server.kill9()  # crash: nothing gets to flush or close

    with ServerProcess(config, tmp_path / "server.log") as server:
        assert server.process.pid != pid
        with client(server.base) as http:
            history = http.get(f"/api/sessions/{session}").json()["messages"]
            assert [m["from"] for m in history] == ["user", "bot", "user", "bot"]
            assert history[0]["text"] == "a comedy from the 80s"
            assert history[1]["items"] == first["items"]
            more = [http.post("/api/message", json={"session": session, "text": "more"}).json()
                    for _ in range(3)]
            new_ids = [i["id"] for r in more for i in r["items"]]
            assert len(new_ids) == 9 and all(1980 <= i["year"] <= 1989
                                             for r in more for i in r["items"])
            assert rejected not in new_ids
            assert not set(new_ids) & shown_before, "nothing shown before the crash comes back"
            assert len(http.get(f"/api/sessions/{session}").json()["messages"]) == 10
