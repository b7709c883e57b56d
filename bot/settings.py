"""The Telegram channel's settings, read from the environment (and from `.env` if present).

Every setting is documented in `.env.example`. Variables already set in the environment win
over the `.env` file, so a one-off `TELEGRAM_BOT_TOKEN=... make run` works as expected.
Where the Rasa server is (RASA_URL, else RASA_HOST and RASA_PORT) is the deployment's
setting, read through coach.config like every process does.
"""
from __future__ import annotations

import math
import os
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from coach.config import DATA_DIR, ENV_FILE, Config, ConfigError, http_url, port_number, read_env_file
from coach.internal_auth import RASA_REST_TOKEN, MissingSecret, required_token

TELEGRAM_API = "https://api.telegram.org/bot"
SECRET_CHARACTERS = frozenset(string.ascii_letters + string.digits + "_-")

SettingsError = ConfigError  # one error for any bad setting, the channel's or the deployment's


class MissingToken(SettingsError):
    """No bot token: the channel cannot run (`make run` then offers the terminal chat)."""


@dataclass(frozen=True)
class Settings:
    token: str
    rasa_url: str  # coach.config's
    api_base_url: str = TELEGRAM_API
    rasa_token: str = ""  # RASA_REST_TOKEN, the REST channel's secret (coach.internal_auth)
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    state_file: Path = DATA_DIR / "telegram-state.db"
    rasa_give_up_s: float = 300.0  # how long a message is retried while the assistant is down
    max_messages_per_s: float = 30.0  # Telegram's limit for one bot; 0: no overall limit (benchmarks)
    user_rate_per_minute: float = 20.0  # messages relayed per user and minute; 0: no limit (benchmarks)

    @property
    def webhook_mode(self) -> bool:
        return self.webhook_url is not None

    @property
    def webhook_path(self) -> str:
        """The path part of the public webhook URL, which is where the local server listens."""
        return urlparse(self.webhook_url or "").path.lstrip("/")


def _number(name: str, text: str | None, default: float, zero_ok: bool) -> float:
    """A finite, non-negative number (positive unless `zero_ok`), or `default` if unset."""
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero_ok):
        raise SettingsError(f"{name} must be a number {'>= 0' if zero_ok else 'above 0'}, got {text!r}")
    return value


@dataclass(frozen=True)
class BotApi:
    """What sending through the Bot API needs, and nothing of the channel's (the reminder
    job run on its own, bot/reminders.py, needs no more)."""

    token: str
    api_base_url: str
    max_messages_per_s: float


def _environ(environ: Mapping[str, str] | None, env_file: Path) -> dict[str, str]:
    return {**read_env_file(env_file), **(os.environ if environ is None else environ)}


def _getter(env: Mapping[str, str]) -> Callable[[str], str | None]:
    return lambda name: (env.get(name) or "").strip() or None  # empty means unset


def load_bot_api(environ: Mapping[str, str] | None = None, env_file: Path = ENV_FILE) -> BotApi:
    """The Bot API settings from `environ` (default: os.environ over the .env file)."""
    get = _getter(_environ(environ, env_file))
    token = get("TELEGRAM_BOT_TOKEN")
    if token is None:
        raise MissingToken("TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather in Telegram "
                            "(/newbot) and put its token in .env (see .env.example)")
    return BotApi(
        token=token,
        api_base_url=http_url("TELEGRAM_API_BASE_URL", get("TELEGRAM_API_BASE_URL") or TELEGRAM_API),
        max_messages_per_s=_number("TELEGRAM_MAX_MESSAGES_PER_S", get("TELEGRAM_MAX_MESSAGES_PER_S"),
                                   Settings.max_messages_per_s, zero_ok=True),
    )


def load(environ: Mapping[str, str] | None = None, env_file: Path = ENV_FILE) -> Settings:
    """The settings from `environ` (default: os.environ over the .env file)."""
    env = _environ(environ, env_file)
    get = _getter(env)
    api = load_bot_api(env, env_file)
    webhook_url = get("TELEGRAM_WEBHOOK_URL")
    secret = get("TELEGRAM_WEBHOOK_SECRET")
    if webhook_url is not None:
        if not webhook_url.startswith("https://"):
            raise SettingsError("TELEGRAM_WEBHOOK_URL must be a public https:// URL (Telegram requires it)")
        if secret is None or not set(secret) <= SECRET_CHARACTERS or not 1 <= len(secret) <= 256:
            raise SettingsError("TELEGRAM_WEBHOOK_SECRET is required in webhook mode: 1-256 characters "
                                "of A-Z, a-z, 0-9, _ and -")
    webhook_port = port_number("TELEGRAM_WEBHOOK_PORT", get("TELEGRAM_WEBHOOK_PORT") or str(Settings.webhook_port))
    rasa_give_up_s = _number("RASA_GIVE_UP_S", get("RASA_GIVE_UP_S"), Settings.rasa_give_up_s, zero_ok=False)
    user_rate_per_minute = _number("TELEGRAM_USER_RATE_PER_MINUTE", get("TELEGRAM_USER_RATE_PER_MINUTE"),
                                   Settings.user_rate_per_minute, zero_ok=True)
    state = get("TELEGRAM_STATE_FILE")
    try:
        rasa_token = required_token(env, RASA_REST_TOKEN)
    except MissingSecret as error:
        raise SettingsError(str(error)) from error
    return Settings(
        token=api.token,
        api_base_url=api.api_base_url,
        rasa_url=Config.from_environ(env).rasa_url,
        rasa_token=rasa_token,
        webhook_url=webhook_url,
        webhook_secret=secret,
        webhook_listen=get("TELEGRAM_WEBHOOK_LISTEN") or Settings.webhook_listen,
        webhook_port=webhook_port,
        state_file=Path(state) if state else Settings.state_file,
        rasa_give_up_s=rasa_give_up_s,
        max_messages_per_s=api.max_messages_per_s,
        user_rate_per_minute=user_rate_per_minute,
    )
