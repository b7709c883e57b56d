"""A drill played end to end: the trained model in-process, the real action server as a
subprocess on its own SQLite file, the candidate typing as they would in the chat."""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.utils.endpoints import EndpointConfig

from coach.config import Config
from coach.internal_auth import ACTION_SERVER_TOKEN, new_token
from coach.storage.records import Records
from rasa_plugins.tracker_store import ForgettingTrackerStore
from testkit.ports import free_port
from tools import stack

SENDER = "e2e-candidate"


@pytest.fixture(scope="module")
def database_url(tmp_path_factory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'e2e.db'}"


@pytest.fixture(scope="module")
async def assistant(database_url, tmp_path_factory) -> AsyncIterator[Agent]:
    """The trained model talking to a real action server (its log: var/log/action-server-e2e.log)."""
    port = free_port()
    token = new_token()
    config = Config.from_environ({"ACTION_SERVER_PORT": str(port), "DATABASE_URL": database_url})
    service = stack.action_server(config, env={ACTION_SERVER_TOKEN: token}, tag="e2e")
    try:
        stack.start(service, timeout_s=120)
        yield Agent.load(
            str(stack.MODEL),
            action_endpoint=EndpointConfig(f"http://127.0.0.1:{port}/webhook", token=token),
            tracker_store=ForgettingTrackerStore(
                Domain.load(str(stack.ROOT / "domain.yml")),
                db=str(tmp_path_factory.mktemp("conversations") / "conversations.db"),
            ),
        )
    finally:
        stack.stop([service])


async def say(agent: Agent, text: str) -> str:
    replies = await agent.handle_text(text, sender_id=SENDER)
    return "\n".join(r.get("text") or "" for r in replies)


async def test_a_drill_from_start_to_summary_with_a_pause(assistant, database_url):
    records = Records.from_url(database_url)
    started = await say(assistant, "quiz me on statistics with 2 questions")
    assert "Starting a 2-question Statistics and probability drill" in started
    assert "Question 1 of 2" in started
    # an off-topic message while a question is pending is an answer, scored like any other
    first = await say(assistant, "what's the weather like in Paris tomorrow?")
    assert "Question 2 of 2" in first
    assert len(records.attempts(SENDER)) == 1
    paused = await say(assistant, "stop")
    assert "Drill paused at question 2 of 2" in paused
    resumed = await say(assistant, "resume my drill")
    assert "Resuming your Statistics and probability drill at question 2 of 2" in resumed
    assert "Question 2 of 2" in resumed
    drill = records.unfinished_drill(SENDER)
    finished = await say(assistant, "I don't know")
    assert "Drill complete" in finished and "Average:" in finished
    assert [a.question_id for a in records.attempts(SENDER)] == list(drill.question_ids)
    progress = await assistant.handle_text("what are my weak areas", sender_id=SENDER)
    assert "Statistics and probability" in progress[0]["text"]
    assert [m["custom"]["type"] for m in progress if "custom" in m] == ["progress_chart"], progress


async def test_delete_my_data_removes_records_after_a_yes(assistant, database_url):
    records = Records.from_url(database_url)
    asked = await say(assistant, "delete all my data")
    assert "cannot be undone" in asked
    done = await say(assistant, "yes")
    assert "deleted" in done
    assert records.export(SENDER)["attempts"] == []
    tracker = await assistant.tracker_store.retrieve(SENDER)
    assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == []
    assert tracker.get_slot("drill_ready") is False
    after = await say(assistant, "hello")
    assert "interview coach" in after


async def test_an_answer_delivered_twice_is_recorded_once(assistant, database_url):
    records = Records.from_url(database_url)
    sender = "e2e-duplicate"
    await assistant.handle_text("quiz me on deep learning with 3 questions", sender_id=sender)

    async def deliver() -> str:
        collector = CollectingOutputChannel()
        await assistant.handle_message(UserMessage(
            "I don't know", collector, sender,
            metadata={"message_id": "telegram-1234"},
        ))
        return "\n".join(m.get("text") or "" for m in collector.messages)

    first, second = await deliver(), await deliver()
    assert "Question 2 of 3" in first
    assert "Question 2 of 3" in second and first == second  # the same feedback and question again
    assert len(records.attempts(sender)) == 1
    assert records.unfinished_drill(sender).position == 1
