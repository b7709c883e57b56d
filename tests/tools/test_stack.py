"""The process runner of `make run`: waits for health, reports failures, stops cleanly."""
from __future__ import annotations

import sys

import pytest

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


def test_the_generated_secrets_reach_rasas_config_files_and_none_is_reused(monkeypatch):
    from rasa.shared.utils.io import read_config_file

    from coach.content.catalogue import ROOT
    from coach.internal_auth import ACTION_SERVER_TOKEN, RASA_REST_TOKEN

    env = stack.with_secrets({})
    assert env[ACTION_SERVER_TOKEN] != env[RASA_REST_TOKEN]
    assert stack.with_secrets({})[ACTION_SERVER_TOKEN] != env[ACTION_SERVER_TOKEN]  # new for each run
    assert stack.with_secrets({RASA_REST_TOKEN: "set-by-the-deployment-123"})[RASA_REST_TOKEN] == \
        "set-by-the-deployment-123"
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    credentials = read_config_file(ROOT / "credentials.yml")
    assert credentials["rasa_plugins.rest_channel.AtomicRestInput"] == {"token": env[RASA_REST_TOKEN]}
    action_endpoint = read_config_file(ROOT / "endpoints.yml")["action_endpoint"]
    assert action_endpoint == {"url": env["ACTION_SERVER_URL"], "token": env[ACTION_SERVER_TOKEN]}
