"""The process runner of `make run`: waits for health, reports failures, stops cleanly."""
from __future__ import annotations

import os
import sys

import pytest
from rasa.core.tracker_store import TrackerStore
from rasa.core.utils import AvailableEndpoints
from rasa.shared.core.domain import Domain
from rasa.shared.exceptions import RasaException
from rasa.shared.utils.io import read_config_file

from coach.config import ROOT, Config, ConfigError
from coach.internal_auth import ACTION_SERVER_TOKEN, RASA_REST_TOKEN
from rasa_plugins.tracker_store import ForgettingTrackerStore
from testkit.ports import free_port
from tools import stack


def web_service(name: str) -> stack.Service:
    """A real HTTP server on a free loopback port, healthy once it listens."""
    port = free_port()
    return stack.Service(
        name, [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        f"http://127.0.0.1:{port}/",
    )


@pytest.fixture(autouse=True)
def logs_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setattr(stack, "LOG_DIR", tmp_path / "log")
    monkeypatch.setattr(stack, "ROOT", tmp_path)


def test_a_service_is_started_when_healthy_and_stopped_on_request():
    service = web_service("web")
    stack.start(service, timeout_s=20)
    assert service.process.poll() is None
    stack.stop([service])
    assert service.process.poll() is not None
    assert not stack._healthy(service.health_url)


def test_a_port_already_in_use_is_reported_before_starting():
    first = web_service("web")
    stack.start(first, timeout_s=20)
    second = stack.Service("web2", [sys.executable, "-c", "pass"], first.health_url)
    try:
        with pytest.raises(stack.StartupError, match="already answers"):
            stack.start(second)
        assert second.process is None
    finally:
        stack.stop([first])


def test_a_service_that_exits_is_reported_with_its_log():
    service = stack.Service(
        "broken", [sys.executable, "-c", "import sys; print('boom'); sys.exit(3)"],
        f"http://127.0.0.1:{free_port()}/",
    )
    with pytest.raises(stack.StartupError, match="exited with code 3") as error:
        stack.start(service, timeout_s=20)
    assert str(service.log_path) in str(error.value)
    assert "boom" in service.log_path.read_text()


def test_a_service_that_never_gets_healthy_times_out():
    service = stack.Service(
        "silent", [sys.executable, "-c", "import time; time.sleep(30)"],
        f"http://127.0.0.1:{free_port()}/",
    )
    with pytest.raises(stack.StartupError, match="not healthy"):
        stack.start(service, timeout_s=1.5)
    stack.stop([service])
    assert service.process.poll() is not None


def test_a_service_without_a_url_is_ready_when_its_log_says_so():
    script = "import os, time; time.sleep(0.5); print('ready:', os.environ['GREETING'], flush=True); time.sleep(30)"
    service = stack.Service("logger", [sys.executable, "-c", script], ready_line="ready: hello",
                            env={"GREETING": "hello"})
    try:
        stack.start(service, timeout_s=20)
        assert "ready: hello" in service.log_path.read_text()
    finally:
        stack.stop([service])


def test_an_earlier_run_in_the_same_log_does_not_count_as_ready():
    service = stack.Service("quiet", [sys.executable, "-c", "import time; time.sleep(30)"], ready_line="ready")
    service.log_path.parent.mkdir(parents=True, exist_ok=True)
    service.log_path.write_text("ready (from yesterday's run)\n")
    try:
        with pytest.raises(stack.StartupError, match="not healthy"):
            stack.start(service, timeout_s=1.5)
    finally:
        stack.stop([service])


def test_the_generated_secrets_reach_the_rest_channels_credentials_and_none_is_reused(monkeypatch):
    env = stack.with_secrets({})
    assert env[ACTION_SERVER_TOKEN] != env[RASA_REST_TOKEN]
    assert stack.with_secrets({})[ACTION_SERVER_TOKEN] != env[ACTION_SERVER_TOKEN]  # new for each run
    assert stack.with_secrets({RASA_REST_TOKEN: "set-by-the-deployment-123"})[RASA_REST_TOKEN] == \
        "set-by-the-deployment-123"
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    credentials = read_config_file(ROOT / "credentials.yml")
    assert credentials["rasa_plugins.rest_channel.AtomicRestInput"] == {"token": env[RASA_REST_TOKEN]}


def rasa_environment(monkeypatch, service: stack.Service) -> None:
    """This process's environment as the service's process gets it (stack.start)."""
    for name, value in (service.env or {}).items():
        monkeypatch.setenv(name, value)


def test_endpoints_yml_read_as_rasa_does_gets_every_variable_from_the_stacks_config(monkeypatch, tmp_path):
    config = Config.from_environ({"ACTION_SERVER_PORT": "6055", "TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'c.db'}"})
    rasa_environment(monkeypatch, stack.rasa_server(config, env=stack.with_secrets({})))
    endpoints = AvailableEndpoints.read_endpoints(str(ROOT / "endpoints.yml"))  # raises on a ${...} not set
    assert endpoints.action.url == "http://127.0.0.1:6055/webhook"  # the action server's port, not a fixed one
    assert endpoints.action.token == os.environ[ACTION_SERVER_TOKEN]
    store = TrackerStore.create(endpoints.tracker_store, Domain.empty())
    assert isinstance(store, ForgettingTrackerStore)
    assert store.engine.url.database == str(tmp_path / "c.db")


def test_endpoints_yml_refuses_to_load_without_its_variables(monkeypatch):
    rasa_environment(monkeypatch, stack.rasa_server(Config.from_environ({}), env=stack.with_secrets({})))
    monkeypatch.delenv("TRACKER_STORE_URL")
    with pytest.raises(RasaException, match="TRACKER_STORE_URL"):
        AvailableEndpoints.read_endpoints(str(ROOT / "endpoints.yml"))


def test_each_service_is_started_at_the_configs_address():
    config = Config.from_environ({"ACTION_SERVER_PORT": "6055", "RASA_PORT": "6005", "RASA_HOST": "0.0.0.0"})
    actions, rasa, channel = stack.action_server(config), stack.rasa_server(config), stack.telegram_channel(config)
    assert actions.health_url == "http://127.0.0.1:6055/health"
    assert rasa.health_url == "http://127.0.0.1:6005/"
    assert rasa.argv[rasa.argv.index("--interface") + 1] == "0.0.0.0"
    assert rasa.argv[rasa.argv.index("--port") + 1] == "6005"
    for service in (actions, rasa, channel):
        assert Config.from_environ(service.env or {}) == config
    assert (channel.env or {})["RASA_URL"] == "http://127.0.0.1:6005"


def test_the_env_file_sets_what_the_environment_does_not(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("RASA_PORT=6005\nACTION_SERVER_PORT=6055\n", encoding="utf-8")
    environ = stack.with_env_file({"ACTION_SERVER_PORT": "7055"}, env_file)
    config = Config.from_environ(environ)
    assert (config.rasa_port, config.action_server_port) == (6005, 7055)
    assert config.action_server_url == "http://127.0.0.1:7055/webhook"


def test_the_single_stack_is_the_default_and_the_scaled_one_is_asked_for_by_name():
    assert stack.Scale.from_environ({}) is None and stack.Scale.from_environ({"STACK": " single "}) is None
    assert stack.Scale.from_environ({"STACK": "scaled"}) == stack.Scale(2, 2)
    assert stack.Scale.from_environ({"STACK": "scaled", "RASA_SERVERS": "3", "ACTION_SERVER_WORKERS": "1"}) == \
        stack.Scale(3, 1)
    for bad in ({"STACK": "huge"}, {"STACK": "scaled", "RASA_SERVERS": "0"}, {"STACK": "scaled", "RASA_SERVERS": "x"}):
        with pytest.raises(ConfigError):
            stack.Scale.from_environ(bad)


def test_the_scaled_stack_starts_postgresql_and_redis_then_rasa_servers_on_consecutive_ports(tmp_path):
    environ: dict[str, str] = {"RASA_PORT": "6005"}
    backends = stack.scaled_backends(environ, stack.Scale(3, 2), data_dir=tmp_path / "data", run_dir=tmp_path / "run",
                                     redis_port=6390)
    assert [s.name for s in backends] == ["postgres", "redis"]
    config = Config.from_environ(environ)
    assert config.database_url.startswith("postgresql://postgres@/assistant?host=")
    assert config.tracker_store_url.startswith("postgresql://postgres@/conversations?host=")
    assert config.rasa_urls == ("http://127.0.0.1:6005", "http://127.0.0.1:6006", "http://127.0.0.1:6007")
    assert (environ["REDIS_HOST"], environ["REDIS_PORT"]) == ("127.0.0.1", "6390") and len(environ["REDIS_PASSWORD"]) > 20
    assert environ["REDIS_PASSWORD"] not in " ".join(backends[1].argv)  # in its config file, not visible in `ps`
    rasas = stack.rasa_servers(config, stack.Scale(3, 2))
    assert [r.argv[r.argv.index("--port") + 1] for r in rasas] == ["6005", "6006", "6007"]
    assert {r.argv[r.argv.index("--endpoints") + 1] for r in rasas} == {stack.SCALED_ENDPOINTS}
    assert config.action_server_workers == 2
    assert (stack.action_server(config).env or {})["ACTION_SERVER_WORKERS"] == "2"


def test_the_scaled_stack_uses_the_databases_and_redis_the_environment_names_and_starts_neither(tmp_path):
    environ = {"DATABASE_URL": "postgresql://coach:pw@db/records", "TRACKER_STORE_URL": "postgresql://coach:pw@db/conv",
               "REDIS_URL": "redis://:secret@cache.internal:6379/2", "RASA_URL": "http://rasa-a:5005,http://rasa-b:5005"}
    assert stack.scaled_backends(environ, stack.Scale(), data_dir=tmp_path, run_dir=tmp_path) == []
    assert (environ["REDIS_HOST"], environ["REDIS_PORT"], environ["REDIS_PASSWORD"], environ["REDIS_DB"]) == (
        "cache.internal", "6379", "secret", "2")
    assert Config.from_environ(environ).rasa_urls == ("http://rasa-a:5005", "http://rasa-b:5005")
    with pytest.raises(ConfigError, match="REDIS_URL"):
        stack.scaled_backends({"REDIS_URL": "http://cache:6379"}, stack.Scale(), data_dir=tmp_path, run_dir=tmp_path)


def test_endpoints_scaled_yml_read_as_rasa_does_has_the_redis_lock_store(monkeypatch, tmp_path):
    from rasa.core.lock_store import LockStore

    from rasa_plugins.lock_store import AtomicRedisLockStore

    environ: dict[str, str] = {"TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'c.db'}"}
    stack.scaled_backends(environ, stack.Scale(), data_dir=tmp_path, run_dir=tmp_path, redis_port=6391)
    [rasa] = stack.rasa_servers(Config.from_environ(environ), stack.Scale(1, 1), env=stack.with_secrets(dict(environ)))
    rasa_environment(monkeypatch, rasa)
    endpoints = AvailableEndpoints.read_endpoints(str(ROOT / stack.SCALED_ENDPOINTS))
    assert isinstance(TrackerStore.create(endpoints.tracker_store, Domain.empty()), ForgettingTrackerStore)
    lock_store = LockStore.create(endpoints.lock_store)
    assert isinstance(lock_store, AtomicRedisLockStore)
    assert lock_store.red.connection_pool.connection_kwargs["port"] == 6391
    assert lock_store.key_prefix == "mleassistant:lock:"


def test_the_servers_math_runs_on_one_thread_unless_the_environment_says_otherwise(monkeypatch):
    for name in stack.SERVING_THREADS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    config = Config.from_environ({})
    for service in (stack.action_server(config), stack.rasa_server(config)):
        env = service.env or {}
        assert env["OPENBLAS_NUM_THREADS"] == "2"
        assert all(env[name] == "1" for name in stack.SERVING_THREADS if name != "OPENBLAS_NUM_THREADS")
