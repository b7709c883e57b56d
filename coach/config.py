"""The deployment's settings, shared by every process: where each server listens, how the
others reach it, and where the records and the conversations are stored.

Each setting is the environment variable named as its field in upper case
(`action_server_port` is ACTION_SERVER_PORT), read when `Config.from_environ(os.environ)` is
called, never at import: a `.env` file that `make run` loads first (tools/stack.py) then
counts, and a test passes a mapping of its own. An empty variable means unset, as in
`.env.example`. `make run` hands every process it starts the variables of the one Config it
read (`Config.environ()`), endpoints.yml included, so they all agree. A setting of one
process only stays with it (the Telegram channel's are in bot/settings.py).
"""
from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
ENV_FILE = ROOT / ".env"
DATA_DIR = ROOT / "var" / "data"
LOOPBACK = "127.0.0.1"
DEFAULT_ACTION_SERVER_PORT = 5055
DEFAULT_RASA_PORT = 5005
DEFAULT_DATABASE_URL = f"sqlite:///{DATA_DIR / 'assistant.db'}"
DEFAULT_TRACKER_STORE_URL = f"sqlite:///{DATA_DIR / 'conversations.db'}"
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::"})  # listen on every interface; reached on loopback here
HOST_NAME = re.compile(r"[A-Za-z0-9_.-]+")
DATABASE_URL_START = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,63}://")  # SQLAlchemy's dialect[+driver]://
# Practice: the share of reviews FSRS aims to have recalled (its own default), and how many
# never-seen questions and reviews a candidate gets per day at most (a backlog of reviews is
# spread over the following days). A hundred reviews is about an hour of answers.
DEFAULT_DESIRED_RETENTION = 0.9
DEFAULT_NEW_QUESTIONS_PER_DAY = 20
DEFAULT_REVIEWS_PER_DAY = 100
MAX_WORKERS = 32


class ConfigError(ValueError):
    """A setting is malformed; the message names the variable and what it must be."""


@dataclass(frozen=True)
class Config:
    """Where the servers listen and are reached, the two databases, and the practice limits."""

    action_server_host: str  # the interface the action server listens on
    action_server_port: int
    action_server_url: str  # where the Rasa server calls the actions (endpoints.yml)
    rasa_host: str  # the interface the Rasa server listens on
    rasa_port: int
    # Where the Telegram channel and the terminal chat reach the Rasa server; several servers
    # sharing the conversations (the scaled stack) are listed with commas (`rasa_urls`).
    rasa_url: str
    database_url: str  # the candidates' records (SQLAlchemy URL)
    tracker_store_url: str  # the Rasa server's conversations (SQLAlchemy URL, endpoints.yml)
    desired_retention: float = DEFAULT_DESIRED_RETENTION
    new_questions_per_day: int = DEFAULT_NEW_QUESTIONS_PER_DAY
    reviews_per_day: int = DEFAULT_REVIEWS_PER_DAY
    action_server_workers: int = 1  # processes answering on the action server's port

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Config:
        """The settings from these variables, each unset or empty one at its default; the
        URLs of the servers default to their host and port."""

        def get(name: str) -> str | None:
            return (environ.get(name) or "").strip() or None

        action_server_host = _host("ACTION_SERVER_HOST", get("ACTION_SERVER_HOST") or LOOPBACK)
        action_server_port = port_number("ACTION_SERVER_PORT", get("ACTION_SERVER_PORT") or str(DEFAULT_ACTION_SERVER_PORT))
        rasa_host = _host("RASA_HOST", get("RASA_HOST") or LOOPBACK)
        rasa_port = port_number("RASA_PORT", get("RASA_PORT") or str(DEFAULT_RASA_PORT))
        return cls(
            action_server_host=action_server_host,
            action_server_port=action_server_port,
            action_server_url=http_url("ACTION_SERVER_URL", get("ACTION_SERVER_URL")
                                       or f"{local_url(action_server_host, action_server_port)}/webhook"),
            rasa_host=rasa_host,
            rasa_port=rasa_port,
            rasa_url=",".join(http_url("RASA_URL", url.strip())
                              for url in (get("RASA_URL") or local_url(rasa_host, rasa_port)).split(",")),
            database_url=_database_url("DATABASE_URL", get("DATABASE_URL") or DEFAULT_DATABASE_URL),
            tracker_store_url=_database_url("TRACKER_STORE_URL", get("TRACKER_STORE_URL") or DEFAULT_TRACKER_STORE_URL),
            desired_retention=_retention("DESIRED_RETENTION", get("DESIRED_RETENTION") or str(DEFAULT_DESIRED_RETENTION)),
            new_questions_per_day=_count("NEW_QUESTIONS_PER_DAY",
                                         get("NEW_QUESTIONS_PER_DAY") or str(DEFAULT_NEW_QUESTIONS_PER_DAY)),
            reviews_per_day=_count("REVIEWS_PER_DAY", get("REVIEWS_PER_DAY") or str(DEFAULT_REVIEWS_PER_DAY)),
            action_server_workers=workers("ACTION_SERVER_WORKERS", get("ACTION_SERVER_WORKERS") or "1"),
        )

    @property
    def rasa_urls(self) -> tuple[str, ...]:
        """Every Rasa server the channels may reach, in the order of RASA_URL."""
        return url_list(self.rasa_url)

    def environ(self) -> dict[str, str]:
        """The variables that give another process this same Config."""
        return {field.name.upper(): str(getattr(self, field.name)) for field in fields(self)}


def local_url(host: str, port: int) -> str:
    """http://host:port of a server listening on `host`, as this machine reaches it."""
    host = LOOPBACK if host in WILDCARD_HOSTS else host
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def url_list(text: str) -> tuple[str, ...]:
    """The URLs of a comma-separated list such as RASA_URL's."""
    return tuple(url for url in text.split(",") if url)


def port_number(name: str, text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 65535:
        raise ConfigError(f"{name} must be a port number from 1 to 65535, got {text!r}")
    return int(text)


def http_url(name: str, text: str) -> str:
    """The http(s) URL without a trailing slash (paths are appended to it)."""
    parsed = urlparse(text)
    try:
        valid = parsed.scheme in ("http", "https") and bool(parsed.hostname) and parsed.port != 0
    except ValueError:  # a port beyond 65535, or not a number
        valid = False
    if not valid:
        raise ConfigError(f"{name} must be an http(s) URL, got {text!r}")
    return text.rstrip("/")


def _retention(name: str, text: str) -> float:
    """FSRS's desired retention: a share strictly between 0.5 and 1 (outside it, intervals
    become absurdly long or short)."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0.5 < value < 1:
        raise ConfigError(f"{name} must be a number above 0.5 and below 1, such as 0.9, got {text!r}")
    return value


def workers(name: str, text: str) -> int:
    """A number of server processes: 1 to MAX_WORKERS."""
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_WORKERS):
        raise ConfigError(f"{name} must be a whole number from 1 to {MAX_WORKERS}, got {text!r}")
    return int(text)


def _count(name: str, text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 10_000:
        raise ConfigError(f"{name} must be a whole number from 1 to 10000, got {text!r}")
    return int(text)


def _host(name: str, text: str) -> str:
    if HOST_NAME.fullmatch(text) or _is_ipv6(text):
        return text
    raise ConfigError(f"{name} must be a host name or an IP address such as {LOOPBACK} (no scheme, no port), got {text!r}")


def _is_ipv6(text: str) -> bool:
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def _database_url(name: str, text: str) -> str:
    """A SQLAlchemy URL; never quoted back, as it may hold a password."""
    if not DATABASE_URL_START.match(text):
        raise ConfigError(f"{name} must be a database URL such as sqlite:///var/data/file.db or "
                          f"postgresql://user:password@host:5432/name")
    return text


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a .env file; blank lines, comments and surrounding quotes ignored."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.removeprefix("export ").partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{path}:{number}: expected KEY=VALUE")  # the line is not quoted: it may hold a secret
        values[key.strip()] = value.strip().strip("'\"")
    return values
