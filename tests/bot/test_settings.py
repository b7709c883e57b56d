"""The Telegram channel's settings are read from the environment and .env, with clear errors for bad values."""
from __future__ import annotations

import pytest

from bot import settings

TOKEN = "123456:test-token"
REST_TOKEN = "rest-channel-secret-0123456789"
WEBHOOK = {"TELEGRAM_WEBHOOK_URL": "https://coach.example.org/telegram/hook",
           "TELEGRAM_WEBHOOK_SECRET": "s3cret_Value-1"}


def load(tmp_path, **environ):
    return settings.load(environ={"TELEGRAM_BOT_TOKEN": TOKEN, "RASA_REST_TOKEN": REST_TOKEN, **environ},
                         env_file=tmp_path / ".env")


@pytest.mark.parametrize("environ", [{}, {"TELEGRAM_BOT_TOKEN": ""}, {"TELEGRAM_BOT_TOKEN": "   "}])
def test_a_missing_or_blank_token_says_to_ask_botfather(tmp_path, environ):
    with pytest.raises(settings.MissingToken, match="@BotFather") as raised:
        settings.load(environ=environ, env_file=tmp_path / ".env")
    assert isinstance(raised.value, settings.SettingsError)


def test_with_only_a_token_the_defaults_poll_telegram_and_a_local_assistant(tmp_path):
    loaded = load(tmp_path)
    assert loaded.token == TOKEN
    assert loaded.api_base_url == "https://api.telegram.org/bot"
    assert loaded.rasa_url == "http://127.0.0.1:5005"
    assert loaded.webhook_mode is False
    assert loaded.rasa_give_up_s == 300.0


def test_the_api_and_assistant_urls_are_used_without_a_trailing_slash(tmp_path):
    loaded = load(tmp_path, TELEGRAM_API_BASE_URL="http://localhost:8081/bot/", RASA_URL="http://rasa:5005/")
    assert loaded.api_base_url == "http://localhost:8081/bot"
    assert loaded.rasa_url == "http://rasa:5005"


def test_without_a_rasa_url_the_channel_reaches_rasa_at_its_host_and_port(tmp_path):
    assert load(tmp_path, RASA_HOST="0.0.0.0", RASA_PORT="6005").rasa_url == "http://127.0.0.1:6005"
    assert load(tmp_path, RASA_HOST="rasa.internal").rasa_url == "http://rasa.internal:5005"


def test_the_rasa_url_from_env_file_follows_its_port(tmp_path):
    (tmp_path / ".env").write_text("RASA_PORT=6005\n", encoding="utf-8")
    assert load(tmp_path).rasa_url == "http://127.0.0.1:6005"


@pytest.mark.parametrize("name", ["RASA_PORT", "RASA_HOST"])
def test_a_bad_rasa_address_is_a_settings_error_naming_its_variable(tmp_path, name):
    with pytest.raises(settings.SettingsError, match=name):
        load(tmp_path, **{name: "http://rasa:5005"})


@pytest.mark.parametrize("name", ["TELEGRAM_API_BASE_URL", "RASA_URL"])
@pytest.mark.parametrize("value", ["ftp://rasa:5005", "rasa:5005", "http://"])
def test_a_url_that_is_not_http_names_its_variable(tmp_path, name, value):
    with pytest.raises(settings.SettingsError, match=name):
        load(tmp_path, **{name: value})


def test_a_webhook_url_and_secret_switch_to_webhook_mode(tmp_path):
    loaded = load(tmp_path, **WEBHOOK, TELEGRAM_WEBHOOK_LISTEN="0.0.0.0", TELEGRAM_WEBHOOK_PORT="8080")
    assert loaded.webhook_mode is True
    assert loaded.webhook_url == "https://coach.example.org/telegram/hook"
    assert loaded.webhook_secret == "s3cret_Value-1"
    assert loaded.webhook_path == "telegram/hook"
    assert loaded.webhook_listen == "0.0.0.0"
    assert loaded.webhook_port == 8080


def test_the_webhook_listens_on_localhost_port_8443_by_default(tmp_path):
    loaded = load(tmp_path, **WEBHOOK)
    assert (loaded.webhook_listen, loaded.webhook_port) == ("127.0.0.1", 8443)


def test_a_webhook_url_must_be_https(tmp_path):
    with pytest.raises(settings.SettingsError, match="TELEGRAM_WEBHOOK_URL"):
        load(tmp_path, **{**WEBHOOK, "TELEGRAM_WEBHOOK_URL": "http://coach.example.org/hook"})


@pytest.mark.parametrize("secret", ["", "has space", "semi;colon", "slash/", "x" * 257])
def test_webhook_mode_needs_a_secret_of_letters_digits_underscores_and_dashes(tmp_path, secret):
    with pytest.raises(settings.SettingsError, match="TELEGRAM_WEBHOOK_SECRET"):
        load(tmp_path, **{**WEBHOOK, "TELEGRAM_WEBHOOK_SECRET": secret})


@pytest.mark.parametrize("port", ["http", "80a", "-1", "0", "65536"])
def test_a_webhook_port_that_is_no_port_number_is_refused(tmp_path, port):
    with pytest.raises(settings.SettingsError, match="TELEGRAM_WEBHOOK_PORT"):
        load(tmp_path, TELEGRAM_WEBHOOK_PORT=port)


def test_the_give_up_delay_is_read_in_seconds(tmp_path):
    assert load(tmp_path, RASA_GIVE_UP_S="12.5").rasa_give_up_s == 12.5


def test_a_give_up_delay_that_is_no_number_is_refused(tmp_path):
    with pytest.raises(settings.SettingsError, match="RASA_GIVE_UP_S"):
        load(tmp_path, RASA_GIVE_UP_S="five minutes")


def test_the_env_file_is_used_and_the_environment_wins_over_it(tmp_path):
    (tmp_path / ".env").write_text("TELEGRAM_BOT_TOKEN=from-file\nRASA_URL=http://file:5005\n", encoding="utf-8")
    loaded = settings.load(environ={"TELEGRAM_BOT_TOKEN": "from-environ", "RASA_REST_TOKEN": REST_TOKEN},
                           env_file=tmp_path / ".env")
    assert loaded.token == "from-environ"
    assert loaded.rasa_url == "http://file:5005"


@pytest.mark.parametrize("secret", ["pässword", "秘密", "secret²"])
def test_a_webhook_secret_outside_telegrams_ascii_alphabet_is_refused(tmp_path, secret):
    with pytest.raises(settings.SettingsError, match="TELEGRAM_WEBHOOK_SECRET"):
        settings.load(environ={"TELEGRAM_BOT_TOKEN": "1:A", "TELEGRAM_WEBHOOK_URL": "https://x.example/hook",
                               "TELEGRAM_WEBHOOK_SECRET": secret, "RASA_REST_TOKEN": REST_TOKEN},
                      env_file=tmp_path / ".env")


@pytest.mark.parametrize("variable, value", [("TELEGRAM_WEBHOOK_PORT", "٣"), ("TELEGRAM_WEBHOOK_PORT", "²"),
                                             ("RASA_GIVE_UP_S", "nan"), ("RASA_GIVE_UP_S", "-5"),
                                             ("RASA_GIVE_UP_S", "inf")])
def test_odd_numbers_are_refused_with_the_variables_name(tmp_path, variable, value):
    with pytest.raises(settings.SettingsError, match=variable):
        settings.load(environ={"TELEGRAM_BOT_TOKEN": "1:A", variable: value}, env_file=tmp_path / ".env")


def test_the_sending_limit_defaults_to_telegrams_and_can_be_lifted(tmp_path):
    assert load(tmp_path).max_messages_per_s == 30.0
    assert load(tmp_path, TELEGRAM_MAX_MESSAGES_PER_S="0").max_messages_per_s == 0.0
    with pytest.raises(settings.SettingsError, match="TELEGRAM_MAX_MESSAGES_PER_S"):
        load(tmp_path, TELEGRAM_MAX_MESSAGES_PER_S="-1")


@pytest.mark.parametrize("rest_token", [None, "", "too-short"])
def test_without_the_rest_channels_secret_the_channel_does_not_start(tmp_path, rest_token):
    environ = {"TELEGRAM_BOT_TOKEN": TOKEN} | ({} if rest_token is None else {"RASA_REST_TOKEN": rest_token})
    with pytest.raises(settings.SettingsError, match="RASA_REST_TOKEN"):
        settings.load(environ=environ, env_file=tmp_path / ".env")


def test_the_rest_channels_secret_is_read(tmp_path):
    assert load(tmp_path).rasa_token == REST_TOKEN
