"""The fault and bad-input runs of `make bench-faults` (bench/faults.py), at a small scale:
drills while the action server is killed or its disk is full, Rasa is restarted or killed,
the database is locked, the channel is killed or its state file corrupted, and Telegram
answers 429 and 500, with answers delivered twice; queued answers and a vote on someone
else's quiz; then hostile input. Nothing may be lost, doubled or unanswered."""
from __future__ import annotations

import asyncio

import httpx
import pytest

from testkit.faults import bad_input_run, fault_run, ordering_run

pytestmark = pytest.mark.asyncio(loop_scope="session")  # the loop of the shared live stack


async def test_drills_under_faults_lose_and_double_nothing(live_stack):
    problems = await fault_run(live_stack, candidates=2, duration_s=10, seed=7, log=print)
    assert not problems, "\n".join(problems)


async def test_queued_answers_keep_their_order_and_nobody_answers_anothers_quiz(live_stack):
    problems = await ordering_run(live_stack, log=print)
    assert not problems, "\n".join(problems)


async def test_bad_input_gets_sensible_replies_and_stores_nothing(live_stack):
    problems = await bad_input_run(live_stack, log=print)
    assert not problems, "\n".join(problems)


async def test_a_completed_turn_sent_again_gets_the_same_replies_and_changes_nothing(live_stack):
    sender, meta = "rest-retry", {"message_id": "msg:rest-retry:1"}
    async with httpx.AsyncClient(base_url=live_stack.rasa_url, headers=live_stack.rest_headers, timeout=90) as client:
        async def send(text: str, metadata: dict) -> list:
            response = await client.post("/webhooks/rest/webhook",
                                         json={"sender": sender, "message": text, "metadata": metadata})
            assert response.status_code == 200
            return response.json()

        started = await send("quiz me on statistics with 1 question", meta)
        first = await send("I don't know", {"message_id": "msg:rest-retry:2"})  # the drill's last answer
        assert any("Drill complete" in (m.get("text") or "") for m in first)
        # both again, as after a channel crash: the same replies, nothing recorded twice
        again = await asyncio.gather(send("I don't know", {"message_id": "msg:rest-retry:2"}),
                                     send("I don't know", {"message_id": "msg:rest-retry:2"}))
        assert again == [first, first]
        assert await send("quiz me on statistics with 1 question", meta) == started
    assert len(live_stack.records.attempts(sender)) == 1 and len(live_stack.records.drills(sender)) == 1
