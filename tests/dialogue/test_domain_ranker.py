"""A schema domain with an interaction table trains its own multi-task ranker (issue 10):
`convrec train --schema PATH` writes it beside the domain's catalog, the chat serves it, and a
person without history is still ranked though the domain has no conversations to train the
`accept` head on."""

from __future__ import annotations

import pytest

from recommender.serving.mmoe_ranker import CARD_FILE, usable_mix
from tests.recommender.test_domain_ranking import write_courses
from tests.support.domains import domain_config


def test_a_mix_of_untrained_heads_falls_back():
    known = {"accept": 0.2, "like": 0.5, "interact": 0.3}
    assert usable_mix({"accept": 1.0}, ("like", "interact"), known) == known
    assert usable_mix({"accept": 1.0}, ("accept", "like"), known) == {"accept": 1.0}


@pytest.fixture(scope="module")
def courses(tmp_path_factory):
    folder = tmp_path_factory.mktemp("courses")
    write_courses(folder)
    return domain_config(folder), folder / "courses.yml", folder


def test_train_writes_the_domains_ranker_and_the_chat_serves_it(courses, capsys):
    from bot.build import build_agent  # heavy: the agent's model stack
    from bot.cli.main import main
    from bot.config import load_config

    config_path, schema, folder = courses
    assert main(["--config", str(config_path), "train", "--schema", str(schema),
                 "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "is current" in err and "not built" not in err
    versions = folder / "domains" / "courses" / "models" / "ranker" / "versions"
    assert any(versions.iterdir())
    agent = build_agent(load_config(config_path, schema=schema))
    assert agent.recommender.ranker.model_version is not None  # the trained ranker, not linear
    reply = agent.handle("courses-1", "a music course")  # anonymous: no history at all
    assert len(reply.items) == 3
    assert all(item["facets"]["subject"] == "music" for item in reply.items)
    assert "movie" not in reply.text.lower()
    more = agent.handle("courses-1", "more like the second one")
    assert more.items and not {i["id"] for i in more.items} & {i["id"] for i in reply.items}


def test_a_schemas_training_keys_override_config_and_bad_ones_are_named(courses, capsys):
    import json

    from bot.cli.main import main

    config_path, schema, folder = courses
    text = schema.read_text(encoding="utf-8")
    own = folder / "courses_capped.yml"
    own.write_text(text + "\ntraining:\n  max_users: 12\n", encoding="utf-8")
    assert main(["--config", str(config_path), "train", "--schema", str(own), "--force",
                 "--quiet"]) == 0
    capsys.readouterr()
    cards = sorted((folder / "domains" / "courses" / "models" / "ranker" / "versions")
                   .glob("*/" + CARD_FILE))
    card = json.loads(cards[-1].read_text())
    assert card["settings"]["max_users"] == 12, "the schema's cap, not config.yml's 0"
    bad = folder / "courses_bad.yml"
    bad.write_text(text + "\ntraining:\n  max_userz: 12\n", encoding="utf-8")
    assert main(["--config", str(config_path), "train", "--schema", str(bad), "--force",
                 "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "courses_bad.yml" in err and "max_userz" in err
