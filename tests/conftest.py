"""Shared fixtures: the trained Rasa model, loaded once per test session."""
from __future__ import annotations

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
    from testkit.faults import FAULT_RUN_CHANNEL
    from testkit.live_stack import LiveStack

    async with LiveStack.running(tmp_path_factory.mktemp("live"), tag="tests", channel_env=FAULT_RUN_CHANNEL) as live:
        yield live
