"""The whole stack as real processes, talking to the fake Telegram server, in a temporary
folder of its own (records, conversations, channel state): for end-to-end tests and for the
benchmarks. Logs go to var/log/<name>-<tag>.log.

    async with LiveStack.running(tmp_dir, tag="e2e") as live:
        live.telegram.send_text(candidate(1), "/start")
"""
from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import signal
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from pathlib import Path

from coach.config import Config
from coach.content.question_bank import OpenQuestion, question_bank
from coach.internal_auth import ACTION_SERVER_TOKEN, RASA_REST_TOKEN, new_token
from coach.storage.records import Records
from testkit.fake_telegram import FakeTelegram, Sent
from testkit.ports import free_port
from tools import stack

START_TIMEOUT_S = 240


@functools.lru_cache(maxsize=1)
def _open_questions_by_prompt() -> dict[str, OpenQuestion]:
    return {q.prompt: q for q in question_bank().questions.values() if isinstance(q, OpenQuestion)}


def open_question_asked(texts: Iterable[str]) -> OpenQuestion | None:
    """The open question of the bank that one of these messages asks, if any."""
    by_prompt = _open_questions_by_prompt()
    return next((by_prompt[t] for t in texts if t in by_prompt), None)


def pending_question(batch: list[Sent]) -> tuple[Sent | None, OpenQuestion | None]:
    """The quiz poll, or the open question, that the last question among the bot's messages
    asks (None, None if none), as a person answers the latest question they see."""
    for sent in reversed(batch):
        if sent.method == "sendPoll":
            return sent, None
        question = open_question_asked([sent.text])
        if question is not None:
            return None, question
    return None, None


@dataclass
class LiveStack:
    telegram: FakeTelegram
    records: Records
    action_server: stack.Service
    rasa: stack.Service
    channel: stack.Service
    rasa_url: str
    secrets: dict[str, str]

    @property
    def state_file(self) -> Path:
        """The Telegram channel's state file."""
        assert self.channel.env is not None
        return Path(self.channel.env["TELEGRAM_STATE_FILE"])

    @property
    def rest_headers(self) -> dict[str, str]:
        """What a legitimate client of the REST channel sends (the Telegram channel does)."""
        return {"Authorization": f"Bearer {self.secrets[RASA_REST_TOKEN]}"}

    @property
    def services(self) -> list[stack.Service]:
        return [self.action_server, self.rasa, self.channel]

    async def start(self, service: stack.Service) -> None:
        await asyncio.to_thread(stack.start, service, START_TIMEOUT_S)

    async def stop(self, service: stack.Service) -> None:
        await asyncio.to_thread(stack.stop, [service])

    def kill(self, service: stack.Service) -> None:
        """kill -9: no chance to finish what it was doing."""
        assert service.process is not None
        os.killpg(service.process.pid, signal.SIGKILL)
        service.process.wait()

    @classmethod
    @contextlib.asynccontextmanager
    async def running(cls, folder: Path, tag: str, channel_env: dict[str, str] | None = None
                      ) -> AsyncIterator[LiveStack]:
        """Start the fake Telegram server, then the action server, the Rasa server (with the
        project's endpoints.yml) and the Telegram channel, each once the previous one is
        healthy; stop them all at the end."""
        telegram = FakeTelegram()
        await telegram.start()
        config = Config.from_environ({
            "ACTION_SERVER_PORT": str(free_port()), "RASA_PORT": str(free_port()),
            "DATABASE_URL": f"sqlite:///{folder / 'records.db'}",
            "TRACKER_STORE_URL": f"sqlite:///{folder / 'conversations.db'}",
        })
        secrets = {ACTION_SERVER_TOKEN: new_token(), RASA_REST_TOKEN: new_token()}
        live = cls(
            telegram=telegram,
            records=Records.from_url(config.database_url),
            action_server=stack.action_server(config, tag=tag, env={ACTION_SERVER_TOKEN: secrets[ACTION_SERVER_TOKEN]}),
            rasa=stack.rasa_server(config, tag=tag, env=secrets),
            channel=stack.telegram_channel(config, tag=tag, env={
                RASA_REST_TOKEN: secrets[RASA_REST_TOKEN],
                "TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_API_BASE_URL": telegram.base_url,
                "TELEGRAM_STATE_FILE": str(folder / "state.pickle"), "TELEGRAM_WEBHOOK_URL": "",
                **(channel_env or {}),
            }),
            rasa_url=config.rasa_url,
            secrets=secrets,
        )
        try:
            for service in live.services:
                await live.start(service)
            yield live
        finally:
            await asyncio.to_thread(stack.stop, live.services)
            await telegram.stop()
