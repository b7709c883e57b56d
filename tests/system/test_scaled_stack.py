"""The scaled stack (`make run-scaled`): PostgreSQL and Redis as real servers, two Rasa servers
sharing the conversations through the lock store, two action-server workers. The fault run
of the servers passes with one Rasa server killed under load (`make bench-faults
--scaled` runs every fault), and one conversation sent to both servers at once is handled
one message at a time."""
from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import column, create_engine, func, select, table

from testkit.faults import FAULT_RUN_CHANNEL, FAULT_RUN_SETTINGS, fault_run
from testkit.live_stack import LiveStack
from tests.conftest import require_scaled_servers
from tools.stack import Scale

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture(scope="module")
async def scaled(tmp_path_factory):
    require_scaled_servers()
    async with LiveStack.running(tmp_path_factory.mktemp("scaled"), tag="scaled", channel_env=FAULT_RUN_CHANNEL,
                                 scale=Scale(rasa_servers=2, action_workers=2),
                                 settings=FAULT_RUN_SETTINGS) as live:
        yield live


async def test_drills_lose_and_double_nothing_with_a_rasa_server_killed_under_load(scaled):
    # the servers' faults; the SQLite lock's, the channel's and Telegram's are test_faults.py's
    problems = await fault_run(scaled, candidates=2, duration_s=10, seed=11, log=print, servers_only=True)
    assert not problems, "\n".join(problems)


async def test_one_conversation_sent_to_both_rasa_servers_at_once_keeps_every_message(scaled):
    sender, rounds = "scaled-lock", 4
    first, second = scaled.rasa_url.split(",")
    async with httpx.AsyncClient(headers=scaled.rest_headers, timeout=90) as client:
        async def say(server: str, n: int) -> list:
            response = await client.post(f"{server}/webhooks/rest/webhook", json={
                "sender": sender, "message": f"hello number {n}", "metadata": {"message_id": f"msg:lock:{n}"}})
            assert response.status_code == 200
            return response.json()

        for n in range(rounds):
            replies = await asyncio.gather(say(first, 2 * n), say(second, 2 * n + 1))
            assert all(replies)
    events = table("events", column("sender_id"), column("type_name"))
    engine = create_engine(scaled.tracker_store_url, future=True)
    with engine.connect() as connection:
        said = connection.execute(select(func.count()).select_from(events).where(
            events.c.sender_id == sender, events.c.type_name == "user")).scalar()
    engine.dispose()
    assert said == 2 * rounds  # without the lock store, a server saving after the other drops its turn
