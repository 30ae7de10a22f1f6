"""config.yml's serving keys: stores, server, channels — accepted values and clear refusals."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_config
from bot.server.app import load_serving_agent


def config_from(tmp_path, text: str):
    path = tmp_path / "config.yml"
    path.write_text(text)
    return load_config(path)


def test_defaults_serve_everything_from_sqlite(tmp_path):
    config = config_from(tmp_path, "domain: movies\n")
    assert config.stores.sessions == "sqlite" and not config.stores.is_redis
    assert (config.server.host, config.server.port, config.server.workers) == ("127.0.0.1", 5005, 1)
    assert config.channels.alexa.verify is True and config.channels.voice.enabled is True


def test_rate_limits_and_body_limits(tmp_path):
    defaults = config_from(tmp_path, "domain: movies\n").server
    assert (defaults.rate_limit_per_minute, defaults.rate_limit_burst) == (60, 20)
    assert (defaults.max_json_bytes, defaults.max_body_bytes) == (65_536, 2_000_000)
    server = config_from(tmp_path, "server: {rate_limit_per_minute: 0, ip_rate_limit_burst: 5, "
                                   "max_json_bytes: 1000}\n").server
    assert server.rate_limit_per_minute == 0  # 0 = no limit
    assert server.ip_rate_limit_burst == 5 and server.max_json_bytes == 1000
    shipped = load_config()  # config.yml as shipped says the same as the defaults
    assert shipped.server.rate_limit_per_minute == 60 and shipped.server.max_json_bytes == 65_536


def test_redis_sessions_and_channel_settings(tmp_path):
    config = config_from(tmp_path, """
stores: {sessions: "redis://127.0.0.1:6390/2", lock_wait_s: 3}
server: {workers: 2, cors_origins: ["https://blog.example.org"]}
channels:
  alexa: {verify: false, skill_id: amzn1.ask.skill.x}
  socketio: {enabled: false}
""")
    assert config.stores.is_redis and config.stores.lock_wait_s == 3.0
    assert config.server.cors_origins == ("https://blog.example.org",)
    assert config.channels.alexa.verify is False
    assert config.channels.alexa.skill_id == "amzn1.ask.skill.x"
    assert config.channels.socketio.enabled is False and config.channels.rest.enabled is True


@pytest.mark.parametrize("text, message", [
    ("stores: {sessions: postgres}", "stores.sessions: expected 'sqlite' or 'redis://HOST:PORT/DB'"),
    ("stores: {sessions: 'redis://localhost/0'}", "redis://HOST:PORT/DB"),
    ("stores: {sessions: 'redis://localhost:6379/x'}", "redis://HOST:PORT/DB"),
    ("stores: {lock_wait_s: 0}", "stores.lock_wait_s: must be positive"),
    ("server: {workers: 0}", "server.workers: must be at least 1"),
    ("server: {threads: many}", "server.threads: expected int"),
    ("server: {cors_origins: https://x.org}", "server.cors_origins: expected tuple"),
    ("server: {colour: blue}", "server.colour: unknown key"),
    ("channels: {fax: {enabled: true}}", "channels.fax: unknown channel"),
    ("channels: {alexa: {verify: 'no'}}", "channels.alexa.verify: expected bool"),
    ("channels: {voice: {people: -1}}", "channels.voice: popular_titles and people"),
    ("server: {rate_limit_per_minute: -1}", "server.rate_limit_per_minute: must be at least 0"),
    ("server: {rate_limit_burst: 0}", "server.rate_limit_burst: must be at least 1"),
    ("server: {rate_limit_burst: 2.5}", "server.rate_limit_burst: expected int"),
    ("server: {ip_rate_limit_per_minute: lots}", "server.ip_rate_limit_per_minute: expected int"),
    ("server: {ip_rate_limit_burst: 0}", "server.ip_rate_limit_burst: must be at least 1"),
    ("server: {max_json_bytes: 0}", "server.max_json_bytes: must be at least 1"),
    ("server: {max_json_bytes: 3000000}",
     "server.max_json_bytes: must not exceed server.max_body_bytes"),
])
def test_bad_serving_values_are_refused_with_their_path(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message.replace(".", r"\.").replace("(", r"\(")):
        config_from(tmp_path, text + "\n")


def test_several_workers_need_redis(tmp_path):
    config = config_from(tmp_path, "server: {workers: 2}\n")
    with pytest.raises(ConfigError, match="needs stores.sessions: redis"):
        load_serving_agent(config)
