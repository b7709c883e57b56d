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
    """The open question of the bank that one of these messages asks (a line of its own,
    the prompt), the last one if several do; None if none does."""
    by_prompt = _open_questions_by_prompt()
    asked = [by_prompt[line] for text in texts for line in text.splitlines() if line in by_prompt]
    return asked[-1] if asked else None


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
    action_server: stack.Service
    rasas: list[stack.Service]  # one, or the scaled stack's
    channel: stack.Service
    rasa_url: str  # RASA_URL: the first server's, or all of them
    secrets: dict[str, str]
    database_url: str
    tracker_store_url: str
    backends: list[stack.Service]  # the scaled stack's PostgreSQL and Redis

    @functools.cached_property
    def records(self) -> Records:
        """The candidates' records, as the action server keeps them (once the stack runs)."""
        return Records.from_url(self.database_url)

    @property
    def rasa(self) -> stack.Service:
        """The (first) Rasa server."""
        return self.rasas[0]

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
        return [*self.backends, self.action_server, *self.rasas, self.channel]

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
    async def running(cls, folder: Path, tag: str, channel_env: dict[str, str] | None = None,
                      scale: stack.Scale | None = None, settings: dict[str, str] | None = None
                      ) -> AsyncIterator[LiveStack]:
        """Start the fake Telegram server, then the action server, the Rasa server (with the
        project's endpoints.yml) and the Telegram channel, each once the previous one is
        healthy; stop them all at the end. With a `scale`, the scaled stack: PostgreSQL and
        Redis first (tools/stack.py's, in `folder`), then its Rasa servers and action workers.
        `settings` are coach.config variables for every process (NEW_QUESTIONS_PER_DAY...)."""
        telegram = FakeTelegram()
        await telegram.start()
        rasa_servers = scale.rasa_servers if scale else 1
        environ = {"ACTION_SERVER_PORT": str(free_port()), "RASA_PORT": str(free_port(rasa_servers)),
                   **(settings or {})}
        if scale is None:
            environ.update({"DATABASE_URL": f"sqlite:///{folder / 'records.db'}",
                            "TRACKER_STORE_URL": f"sqlite:///{folder / 'conversations.db'}"})
            backends = []
        else:
            backends = stack.scaled_backends(environ, scale, data_dir=folder / "data", run_dir=folder / "run",
                                             redis_port=free_port(), tag=tag)
        config = Config.from_environ(environ)
        extra = {k: v for k, v in environ.items() if k.startswith("REDIS_")}  # endpoints-scaled.yml's
        secrets = {ACTION_SERVER_TOKEN: new_token(), RASA_REST_TOKEN: new_token()}
        live = cls(
            telegram=telegram,
            action_server=stack.action_server(config, tag=tag, env={ACTION_SERVER_TOKEN: secrets[ACTION_SERVER_TOKEN]}),
            rasas=stack.rasa_servers(config, scale, tag=tag, env={**secrets, **extra}),
            channel=stack.telegram_channel(config, tag=tag, env={
                RASA_REST_TOKEN: secrets[RASA_REST_TOKEN],
                "TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_API_BASE_URL": telegram.base_url,
                "TELEGRAM_STATE_FILE": str(folder / "state.db"), "TELEGRAM_WEBHOOK_URL": "",
                **(channel_env or {}),
            }),
            rasa_url=config.rasa_url,
            secrets=secrets,
            database_url=config.database_url,
            tracker_store_url=config.tracker_store_url,
            backends=backends,
        )
        try:
            for service in [*live.backends, live.action_server]:
                await live.start(service)
            await asyncio.gather(*(live.start(rasa) for rasa in live.rasas))  # the scaled stack's at once
            await live.start(live.channel)
            yield live
        finally:
            await asyncio.to_thread(stack.stop, live.services)
            await telegram.stop()
