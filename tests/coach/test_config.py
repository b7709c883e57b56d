"""The deployment's settings: defaults, overrides, URLs derived from host and port, and errors
that name the variable."""
from __future__ import annotations

import re

import pytest

from coach.config import DATA_DIR, Config, ConfigError, read_env_file


def test_with_nothing_set_everything_is_on_loopback_at_the_default_ports_under_var_data():
    config = Config.from_environ({})
    assert config == Config(
        action_server_host="127.0.0.1",
        action_server_port=5055,
        action_server_url="http://127.0.0.1:5055/webhook",
        rasa_host="127.0.0.1",
        rasa_port=5005,
        rasa_url="http://127.0.0.1:5005",
        database_url=f"sqlite:///{DATA_DIR / 'assistant.db'}",
        tracker_store_url=f"sqlite:///{DATA_DIR / 'conversations.db'}",
    )
    assert str(DATA_DIR).endswith("var/data")


def test_an_empty_or_blank_variable_means_the_default():
    assert Config.from_environ({"RASA_PORT": "", "ACTION_SERVER_HOST": "  ", "DATABASE_URL": ""}) == Config.from_environ({})


def test_the_urls_follow_the_ports_and_hosts():
    config = Config.from_environ({"ACTION_SERVER_PORT": "6055", "RASA_PORT": " 6005 ", "RASA_HOST": "rasa.internal",
                                  "ACTION_SERVER_HOST": "10.0.0.7"})
    assert (config.action_server_port, config.rasa_port) == (6055, 6005)
    assert config.action_server_url == "http://10.0.0.7:6055/webhook"
    assert config.rasa_url == "http://rasa.internal:6005"


def test_several_rasa_servers_are_listed_with_commas_each_checked():
    config = Config.from_environ({"RASA_URL": "http://127.0.0.1:5005/, http://10.0.0.8:5005"})
    assert config.rasa_urls == ("http://127.0.0.1:5005", "http://10.0.0.8:5005")
    assert Config.from_environ(config.environ()) == config
    with pytest.raises(ConfigError, match="RASA_URL"):
        Config.from_environ({"RASA_URL": "http://127.0.0.1:5005,ftp://elsewhere"})


def test_the_action_server_runs_one_worker_unless_told_more():
    assert Config.from_environ({}).action_server_workers == 1
    assert Config.from_environ({"ACTION_SERVER_WORKERS": "4"}).action_server_workers == 4
    for bad in ("0", "33", "two"):
        with pytest.raises(ConfigError, match="ACTION_SERVER_WORKERS"):
            Config.from_environ({"ACTION_SERVER_WORKERS": bad})


def test_a_server_listening_on_every_interface_is_reached_on_loopback():
    config = Config.from_environ({"ACTION_SERVER_HOST": "0.0.0.0", "RASA_HOST": "::"})
    assert (config.action_server_host, config.rasa_host) == ("0.0.0.0", "::")
    assert config.action_server_url == "http://127.0.0.1:5055/webhook"
    assert config.rasa_url == "http://127.0.0.1:5005"


def test_an_ipv6_host_is_put_in_brackets_in_its_url():
    assert Config.from_environ({"RASA_HOST": "::1"}).rasa_url == "http://[::1]:5005"


def test_urls_and_databases_that_are_set_win_over_the_derived_ones():
    config = Config.from_environ({
        "ACTION_SERVER_PORT": "6055", "ACTION_SERVER_URL": "https://actions.example.org/webhook",
        "RASA_URL": "http://rasa:5005/", "DATABASE_URL": "postgresql://coach:pw@db:5432/records",
        "TRACKER_STORE_URL": "postgresql+psycopg2://coach:pw@db/conversations",
    })
    assert config.action_server_port == 6055
    assert config.action_server_url == "https://actions.example.org/webhook"
    assert config.rasa_url == "http://rasa:5005"  # no trailing slash: paths are appended to it
    assert config.database_url == "postgresql://coach:pw@db:5432/records"
    assert config.tracker_store_url == "postgresql+psycopg2://coach:pw@db/conversations"


def test_an_in_memory_sqlite_database_is_accepted():
    assert Config.from_environ({"DATABASE_URL": "sqlite://"}).database_url == "sqlite://"


def test_the_variables_it_hands_on_give_the_same_config():
    config = Config.from_environ({"ACTION_SERVER_PORT": "6055", "RASA_HOST": "0.0.0.0", "DATABASE_URL": "sqlite://"})
    environ = config.environ()
    assert environ["ACTION_SERVER_PORT"] == "6055"
    assert environ["ACTION_SERVER_URL"] == "http://127.0.0.1:6055/webhook"
    assert set(environ) == {"ACTION_SERVER_HOST", "ACTION_SERVER_PORT", "ACTION_SERVER_URL", "RASA_HOST", "RASA_PORT",
                            "RASA_URL", "DATABASE_URL", "TRACKER_STORE_URL", "DESIRED_RETENTION",
                            "NEW_QUESTIONS_PER_DAY", "REVIEWS_PER_DAY", "ACTION_SERVER_WORKERS"}
    assert Config.from_environ(environ) == config


def test_the_config_cannot_be_changed_once_read():
    config = Config.from_environ({})
    with pytest.raises(AttributeError):
        config.rasa_port = 1  # type: ignore[misc]


@pytest.mark.parametrize("name", ["ACTION_SERVER_PORT", "RASA_PORT"])
@pytest.mark.parametrize("value", ["0", "65536", "-1", "http", "50 55", "5055.0", "٣"])
def test_a_port_outside_1_to_65535_names_its_variable(name, value):
    with pytest.raises(ConfigError, match=f"{name} must be a port number from 1 to 65535, got {re.escape(repr(value))}"):
        Config.from_environ({name: value})


@pytest.mark.parametrize("value", ["1", "65535"])
def test_the_ends_of_the_port_range_are_accepted(value):
    assert Config.from_environ({"RASA_PORT": value}).rasa_port == int(value)


@pytest.mark.parametrize("name", ["ACTION_SERVER_HOST", "RASA_HOST"])
@pytest.mark.parametrize("value", ["http://127.0.0.1", "127.0.0.1:5005", "two words", "host/path", ":::1"])
def test_a_host_that_is_no_host_names_its_variable(name, value):
    with pytest.raises(ConfigError, match=f"{name} must be a host name or an IP address"):
        Config.from_environ({name: value})


@pytest.mark.parametrize("name", ["ACTION_SERVER_URL", "RASA_URL"])
@pytest.mark.parametrize("value", ["ftp://rasa:5005", "rasa:5005", "http://", "http://rasa:99999", "http://rasa:port"])
def test_a_url_that_is_not_http_names_its_variable(name, value):
    with pytest.raises(ConfigError, match=f"{name} must be an http\\(s\\) URL"):
        Config.from_environ({name: value})


@pytest.mark.parametrize("name", ["DATABASE_URL", "TRACKER_STORE_URL"])
@pytest.mark.parametrize("value", ["var/data/assistant.db", "postgres//user:s3cret@db/x", "://db"])
def test_a_database_that_is_no_url_names_its_variable_without_quoting_it(name, value):
    with pytest.raises(ConfigError, match=f"{name} must be a database URL") as raised:
        Config.from_environ({name: value})
    assert value not in str(raised.value)  # it may hold a password


def test_the_env_file_handles_comments_blank_lines_export_and_quotes(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# the bot\n\nTELEGRAM_BOT_TOKEN=abc:123\n  export RASA_URL = 'http://rasa:5005'  \n"
        'TELEGRAM_WEBHOOK_LISTEN="0.0.0.0"\nEMPTY=\nWITH_EQUALS=a=b\n', encoding="utf-8")
    assert read_env_file(env_file) == {
        "TELEGRAM_BOT_TOKEN": "abc:123", "RASA_URL": "http://rasa:5005",
        "TELEGRAM_WEBHOOK_LISTEN": "0.0.0.0", "EMPTY": "", "WITH_EQUALS": "a=b"}


def test_a_missing_env_file_reads_as_empty(tmp_path):
    assert read_env_file(tmp_path / ".env") == {}


@pytest.mark.parametrize("bad_line", ["JUST_A_NAME", "=value"])
def test_a_malformed_env_line_names_the_file_and_line(tmp_path, bad_line):
    env_file = tmp_path / ".env"
    env_file.write_text(f"# comment\nTELEGRAM_BOT_TOKEN=abc\n{bad_line}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(f"{env_file}:3")) as raised:
        read_env_file(env_file)
    assert bad_line not in str(raised.value)  # a malformed line may hold a secret


def test_the_practice_limits_default_to_fsrs_retention_and_a_day_of_work():
    config = Config.from_environ({})
    assert (config.desired_retention, config.new_questions_per_day, config.reviews_per_day) == (0.9, 20, 100)
    set_ = Config.from_environ({"DESIRED_RETENTION": "0.85", "NEW_QUESTIONS_PER_DAY": "5", "REVIEWS_PER_DAY": "30"})
    assert (set_.desired_retention, set_.new_questions_per_day, set_.reviews_per_day) == (0.85, 5, 30)
    assert Config.from_environ(set_.environ()) == set_


@pytest.mark.parametrize(("name", "value"), [("DESIRED_RETENTION", "1"), ("DESIRED_RETENTION", "0.4"),
                                             ("DESIRED_RETENTION", "high"), ("NEW_QUESTIONS_PER_DAY", "0"),
                                             ("REVIEWS_PER_DAY", "-3"), ("REVIEWS_PER_DAY", "lots")])
def test_a_practice_limit_out_of_range_names_its_variable(name, value):
    with pytest.raises(ConfigError, match=f"{name} must be"):
        Config.from_environ({name: value})
