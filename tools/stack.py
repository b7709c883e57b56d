"""Runs the whole assistant from one command: `python -m tools.stack` (what `make run` does).

It starts, each once the previous one is healthy: the custom action server, the Rasa server
(127.0.0.1 only, REST channel only), and then the Telegram channel (`python -m bot`) when
TELEGRAM_BOT_TOKEN is set, or else a chat in this terminal that talks to the same server.
With STACK=scaled (`make run-scaled`), PostgreSQL and Redis come first (tools/servers.py), then
the action server's workers and several Rasa servers sharing them (`Scale`).
Each background process logs to var/log/<name>.log, rolled over at LOG_MAX_BYTES.

Settings come from the environment over `.env`, which is loaded first, and are read once
(coach.config); each process gets the same values, the Rasa server's endpoints.yml included.
Private by default: everything under var/ is created for this user only (umask 077), the
servers listen on 127.0.0.1, and the two internal secrets (coach.internal_auth) are
generated for this run unless the environment or .env sets them. Ctrl-C, leaving the
terminal chat with /stop, or closing the terminal stops every process it started.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot import READY_LINE
from bot import settings as bot_settings
from coach.config import DATA_DIR, ENV_FILE, LOOPBACK, Config, ConfigError, local_url, read_env_file, workers
from coach.internal_auth import ACTION_SERVER_TOKEN, RASA_REST_TOKEN, new_token
from tools import servers

ROOT = Path(__file__).resolve().parent.parent
LOG_DIR = ROOT / "var" / "log"
RUN_DIR = ROOT / "var" / "run"  # sockets and settings of the scaled stack's servers
DEFAULT_REDIS_PORT = 6380  # not Redis's usual 6379, which a Redis of the user's may hold
MODEL = ROOT / "models" / "mle-assistant.tar.gz"
BIN = Path(sys.executable).parent
STARTUP_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 10.0
LOG_MAX_BYTES = 5 * 1024 * 1024
LOG_BACKUPS = 3  # <name>.log.1 ... .3, oldest dropped
REST_MAX_REQUEST_BYTES = 1024 * 1024  # the Rasa server's request limit (Sanic's default: 100 MB)
ENDPOINTS = "endpoints.yml"  # SQL tracker store, in-memory lock store: one Rasa server
SCALED_ENDPOINTS = "endpoints-scaled.yml"  # the same, with the Redis lock store: several
# The thread pools of numpy's OpenBLAS and of TensorFlow (read by Rasa's CLI): one thread
# each in the Rasa server and the action server. By default each starts a thread per core,
# and the threads spin between the small products of one message: the NLU of one message
# cost 45 ms of CPU for 25 ms of wall time, the scoring of one answer 40 ms for 20
# (2026-12-02, the 2-core machine); with one thread, 22 and 22 for the NLU, 23 and 23 for
# the scoring. The processes serve many conversations at once, so the cores do more work
# this way. A value set in the environment is kept.
SERVING_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                   "TF_INTRA_OP_PARALLELISM_THREADS", "TF_INTER_OP_PARALLELISM_THREADS")


@dataclass
class Service:
    """A background process of the stack, with the URL that says it is ready."""

    name: str
    argv: list[str]
    health_url: str | None = None
    ready_line: str | None = None  # for a service without a URL: a line its log prints when ready
    env: dict[str, str] | None = None
    process: subprocess.Popen | None = None
    _ready_line_seen: threading.Event = field(default_factory=threading.Event)

    @property
    def log_path(self) -> Path:
        return LOG_DIR / f"{self.name}.log"


class RotatingLog:
    """A process's output file, rolled over to .1, .2 ... when it reaches `max_bytes`, so
    a long-running assistant never fills the disk; files are readable by this user only."""

    def __init__(self, path: Path, max_bytes: int = LOG_MAX_BYTES, backups: int = LOG_BACKUPS) -> None:
        self.path, self.max_bytes, self.backups = path, max_bytes, backups
        self._file = self._open()

    def _open(self) -> Any:
        file = self.path.open("ab")
        os.chmod(self.path, 0o600)
        return file

    def write(self, data: bytes) -> None:
        if self._file.tell() + len(data) > self.max_bytes and self._file.tell() > 0:
            self._file.close()
            for number in range(self.backups - 1, 0, -1):
                older = self.path.with_name(f"{self.path.name}.{number}")
                if older.exists():
                    older.replace(self.path.with_name(f"{self.path.name}.{number + 1}"))
            self.path.replace(self.path.with_name(f"{self.path.name}.1"))
            self._file = self._open()
        self._file.write(data)
        self._file.flush()

    def close(self) -> None:
        self._file.close()


def _copy_output(service: Service, output: Any) -> None:
    """Copy the service's output to its log until it exits, noting its ready line."""
    log = RotatingLog(service.log_path)
    try:
        for line in iter(output.readline, b""):
            log.write(line)
            if service.ready_line is not None and service.ready_line.encode() in line:
                service._ready_line_seen.set()
    finally:
        log.close()
        output.close()


class StartupError(RuntimeError):
    """A service exited or never became healthy; the message points to its log."""


def _healthy(url: str | None) -> bool:
    if url is None:
        return False
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def _ready(service: Service) -> bool:
    if service.ready_line is None:
        return _healthy(service.health_url)
    return service._ready_line_seen.is_set()


def start(service: Service, timeout_s: float = STARTUP_TIMEOUT_S) -> None:
    """Start the service with its output in its log file, and wait until it is healthy."""
    if _healthy(service.health_url):
        raise StartupError(f"something already answers at {service.health_url}: is another "
                           f"`make run` still running? Stop it, or free the port.")
    private_dir(LOG_DIR)
    service._ready_line_seen.clear()
    service.process = subprocess.Popen(
        service.argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True, env={**os.environ, **(service.env or {})},
    )
    threading.Thread(target=_copy_output, args=(service, service.process.stdout),
                     name=f"log-{service.name}", daemon=True).start()
    print(f"Starting {service.name} (log: {service.log_path.relative_to(ROOT)}) ...", flush=True)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise StartupError(
                f"{service.name} exited with code {service.process.returncode}; "
                f"see {service.log_path}"
            )
        if _ready(service):
            where = f" at {service.health_url}" if service.health_url else ""
            print(f"{service.name} is ready{where}", flush=True)
            return
        time.sleep(0.5)
    raise StartupError(f"{service.name} was not healthy after {timeout_s:.0f} s; "
                       f"see {service.log_path}")


def stop(services: list[Service]) -> None:
    """Stop the services, newest first: SIGTERM, then SIGKILL for any that linger."""
    for service in reversed(services):
        process = service.process
        if process is None or process.poll() is not None:
            continue
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        print(f"Stopped {service.name}.", flush=True)


def _named(name: str, tag: str) -> str:
    return f"{name}-{tag}" if tag else name


def private_dir(path: Path) -> Path:
    """A folder (and var/ above it) that only this user can enter."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    for folder in (path, *[p for p in path.parents if p.name == "var"]):
        os.chmod(folder, 0o700)
    return path


def with_env_file(environ: MutableMapping[str, str], env_file: Path = ENV_FILE) -> MutableMapping[str, str]:
    """The environment with the .env file's variables added where unset (the environment
    wins), for this process's settings and every process it starts (DATABASE_URL...)."""
    for name, value in read_env_file(env_file).items():
        environ.setdefault(name, value)
    return environ


def with_secrets(environ: MutableMapping[str, str]) -> MutableMapping[str, str]:
    """The environment with each internal secret set, generated for this run where missing
    (coach.internal_auth says which process needs which)."""
    for name in (ACTION_SERVER_TOKEN, RASA_REST_TOKEN):
        if not (environ.get(name) or "").strip():
            environ[name] = new_token()
    return environ


def serving_threads() -> dict[str, str]:
    """The SERVING_THREADS variables for a served process: the environment's, else 1."""
    return {name: os.environ.get(name, "").strip() or "1" for name in SERVING_THREADS}


def action_server(config: Config, env: dict[str, str] | None = None, tag: str = "") -> Service:
    """The custom actions (actions/server.py: loopback by default, token required), in the
    Config's number of worker processes."""
    return Service(
        name=_named("action-server", tag),
        argv=[sys.executable, "-m", "actions.server"],
        health_url=f"{local_url(config.action_server_host, config.action_server_port)}/health",
        env={**serving_threads(), **config.environ(), **(env or {})},
    )


def rasa_server(config: Config, tag: str = "", env: dict[str, str] | None = None, port: int | None = None,
                endpoints: str = ENDPOINTS) -> Service:
    """The assistant, on 127.0.0.1 by default, through its REST channel only (credentials.yml;
    the HTTP API stays off without --enable-api). Its endpoints file reads the action server's
    URL and the tracker store's from the Config's variables (the scaled one also the lock
    store's, REDIS_*). `port` is the Config's RASA_PORT unless given (the scaled stack's
    servers each have their own)."""
    port = config.rasa_port if port is None else port
    return Service(
        name=_named("rasa-server", tag),
        argv=[str(BIN / "rasa"), "run", "--model", str(MODEL), "--endpoints", endpoints,
              "--credentials", "credentials.yml", "--interface", config.rasa_host, "--port", str(port)],
        health_url=f"{local_url(config.rasa_host, port)}/",
        env={**serving_threads(), **config.environ(), "SANIC_REQUEST_MAX_SIZE": str(REST_MAX_REQUEST_BYTES),
             **(env or {})},
    )


@dataclass(frozen=True)
class Scale:
    """The scaled stack (STACK=scaled): `rasa_servers` Rasa servers on RASA_PORT, RASA_PORT+1...
    sharing PostgreSQL's tracker store and Redis's lock store, and `action_workers` action
    server processes on one port (ACTION_SERVER_WORKERS, whose default is 1 otherwise)."""

    rasa_servers: int = 2
    action_workers: int = 2

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Scale | None:
        """The scale that STACK, RASA_SERVERS and ACTION_SERVER_WORKERS ask for; None for the
        single stack (STACK unset or `single`)."""
        name = (environ.get("STACK") or "").strip() or "single"
        if name == "single":
            return None
        if name != "scaled":
            raise ConfigError(f"STACK must be single or scaled, got {name!r}")
        return cls(*(workers(name, (environ.get(name) or "").strip() or str(default)) for name, default in
                     (("RASA_SERVERS", cls.rasa_servers), ("ACTION_SERVER_WORKERS", cls.action_workers))))


def scaled_backends(environ: MutableMapping[str, str], scale: Scale, data_dir: Path = DATA_DIR,
                    run_dir: Path = RUN_DIR, redis_port: int = DEFAULT_REDIS_PORT, tag: str = "") -> list[Service]:
    """PostgreSQL and Redis for whatever the environment does not point elsewhere already
    (DATABASE_URL, TRACKER_STORE_URL, REDIS_URL), with the environment completed: the
    databases' URLs, REDIS_HOST/PORT/PASSWORD/DB for endpoints-scaled.yml, the scale's
    ACTION_SERVER_WORKERS, and RASA_URL listing the Rasa servers unless set."""
    backends: list[Service] = []
    unset = [name for name in ("DATABASE_URL", "TRACKER_STORE_URL") if not (environ.get(name) or "").strip()]
    if unset:
        pg_data = data_dir / "postgres"
        backends.append(Service(name=_named("postgres", tag), argv=servers.postgres_argv(pg_data),
                                ready_line=servers.POSTGRES_READY))
        databases = dict(zip(("DATABASE_URL", "TRACKER_STORE_URL"), servers.DATABASES, strict=True))
        environ.update({name: servers.postgres_url(databases[name], pg_data) for name in unset})
    if (environ.get("REDIS_URL") or "").strip():
        try:
            redis = servers.RedisAddress.from_url(environ["REDIS_URL"].strip())
        except ValueError as error:
            raise ConfigError(str(error)) from error
    else:
        redis = servers.RedisAddress(LOOPBACK, redis_port, new_token())
        backends.append(Service(name=_named("redis", tag), argv=servers.redis_argv(redis, run_dir / "redis"),
                                ready_line=servers.REDIS_READY))
    environ.update(redis.environ())
    environ["ACTION_SERVER_WORKERS"] = str(scale.action_workers)
    if not (environ.get("RASA_URL") or "").strip():
        first = Config.from_environ(environ)
        environ["RASA_URL"] = ",".join(local_url(first.rasa_host, first.rasa_port + i) for i in range(scale.rasa_servers))
    return backends


def rasa_servers(config: Config, scale: Scale | None, tag: str = "", env: dict[str, str] | None = None) -> list[Service]:
    """One Rasa server, or the scaled stack's on consecutive ports with the lock store."""
    if scale is None:
        return [rasa_server(config, tag, env)]
    return [rasa_server(config, _named(str(i + 1), tag), env, port=config.rasa_port + i, endpoints=SCALED_ENDPOINTS)
            for i in range(scale.rasa_servers)]


def telegram_channel(config: Config, env: dict[str, str] | None = None, tag: str = "") -> Service:
    """The Telegram channel (`python -m bot`), relaying to the Config's RASA_URL."""
    return Service(
        name=_named("telegram-channel", tag),
        argv=[sys.executable, "-m", "bot"],
        ready_line=READY_LINE,
        env={**config.environ(), **(env or {})},
    )


def terminal_chat(config: Config) -> int:
    """Chat with the assistant in this terminal until the candidate types /stop."""
    print("\nChat with the assistant below. Type /stop to quit.\n", flush=True)
    chat = subprocess.run([sys.executable, "-m", "tools.console", config.rasa_url], cwd=ROOT)  # RASA_REST_TOKEN inherited
    return chat.returncode


def wait_for_telegram(channel: Service) -> int:
    """Keep running while the Telegram channel does; its exit code, or 130 on Ctrl-C."""
    print(f"\nThe assistant is on Telegram now: message your bot there. Ctrl-C stops everything.\n"
          f"Logs: {LOG_DIR.relative_to(ROOT)}/*.log", flush=True)
    assert channel.process is not None
    code = channel.process.wait()
    print(f"The Telegram channel exited with code {code}; see {channel.log_path}", file=sys.stderr)
    return code or 1


def _exit_on_signal(signum: int, _frame: object) -> None:
    """Turn SIGTERM/SIGHUP (a closed terminal, a process manager) into a clean shutdown."""
    sys.exit(128 + signum)


NO_TOKEN = """No TELEGRAM_BOT_TOKEN is set, so the assistant runs in this terminal.
To chat on Telegram: open @BotFather in Telegram, send /newbot, and put the token it gives
you in .env as TELEGRAM_BOT_TOKEN=... (see .env.example); then run `make run` again."""


def main() -> int:
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _exit_on_signal)
    if not MODEL.exists():
        print(f"No trained model at {MODEL}: run `make run`, which trains it.", file=sys.stderr)
        return 1
    os.umask(0o077)  # databases, logs and the channel's state: this user's only
    try:
        environ = with_secrets(with_env_file(os.environ))
        scale = Scale.from_environ(environ)
        private_dir(DATA_DIR)
        backends = scaled_backends(environ, scale) if scale else []
        config = Config.from_environ(environ)
        bot_settings.load()
        telegram = True
    except bot_settings.MissingToken:
        telegram = False
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    services = [*backends, action_server(config), *rasa_servers(config, scale)]
    services += [telegram_channel(config)] if telegram else []
    try:
        for service in services:
            start(service)
        if telegram:
            return wait_for_telegram(services[-1])
        print(NO_TOKEN, flush=True)
        return terminal_chat(config)
    except StartupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        stop(services)


if __name__ == "__main__":
    sys.exit(main())
