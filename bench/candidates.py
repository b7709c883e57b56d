"""Simulated candidates for the stack benchmarks: what a candidate says next, and two ways
to say it (through Telegram, i.e. the fake Bot API server and the real channel, or straight
to Rasa's REST channel). Each candidate waits for the reply before sending its next message.

The mix: FAQ questions in the candidates' own words (the held-out set, never trained on),
drill starts on random skills, free-text answers (the model answer, or only its first
sentence), quiz answers (a poll vote on Telegram, a letter over REST) and progress requests.
"""
from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx

from bot.channel import MOMENT, NO_REPLY, TROUBLE
from coach.content.catalogue import catalogue
from coach.content.question_bank import OpenQuestion
from coach.contract import Quiz, parse_payload
from testkit import nlu_sets
from testkit.fake_telegram import FakeTelegram, Sent, candidate
from testkit.live_stack import open_question_asked

HELD_OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "nlu_heldout.yml"
REPLY_TIMEOUT_S = 30.0
KINDS = ("faq", "drill_start", "answer_text", "answer_quiz", "progress")
TROUBLE_TEXTS = {MOMENT: "slow notice", TROUBLE: "gave up", NO_REPLY: "empty reply"}


def faq_questions() -> list[str]:
    return [text for texts in nlu_sets.load(HELD_OUT).faq.values() for text in texts]


@dataclass
class Reply:
    """What a candidate sees of one reply: its texts, and a quiz with its option count."""

    texts: list[str]
    quiz_options: int = 0
    poll: Sent | None = None


@dataclass
class Turn:
    kind: str
    sent_at: float
    latency_s: float | None
    error: str | None = None
    messages: int = 0


@dataclass
class Script:
    """Decides a candidate's next message from what the assistant last said."""

    rng: random.Random
    faqs: list[str]
    pending_open: OpenQuestion | None = None
    pending_quiz: int = 0
    answers: list[tuple[str, str]] = field(default_factory=list)  # (kind, text) given to questions

    def next(self) -> tuple[str, str | int]:
        if self.pending_open is not None:
            answer = self.pending_open.model_answer
            return "answer_text", answer if self.rng.random() < 0.5 else answer.split(". ")[0] + "."
        if self.pending_quiz:
            return "answer_quiz", self.rng.randrange(self.pending_quiz)
        roll = self.rng.random()
        if roll < 0.45:
            return "faq", self.rng.choice(self.faqs)
        if roll < 0.8:
            skill = self.rng.choice(catalogue().skills)
            return "drill_start", f"quiz me on {skill.name.lower()} with 3 questions"
        return "progress", "how am I doing?"

    def observe(self, reply: Reply) -> None:
        self.pending_quiz = reply.quiz_options
        self.pending_open = None if self.pending_quiz else open_question_asked(reply.texts)


class Transport(Protocol):
    async def send(self, kind: str, message: str | int, last: Reply | None) -> tuple[Reply | None, Turn]: ...


@dataclass
class TelegramTransport:
    """A candidate on Telegram: updates go through the fake Bot API server to the channel.
    A reply is complete once the bot sent nothing more to the chat for `quiet_s`; its
    latency is from the update being available to the reply's last message being sent."""

    telegram: FakeTelegram
    number: int
    quiet_s: float = 0.4

    def __post_init__(self) -> None:
        self.user = candidate(self.number)

    async def send(self, kind: str, message: str | int, last: Reply | None) -> tuple[Reply | None, Turn]:
        mark = len(self.telegram.outbox)
        sent_at = time.monotonic()
        if kind == "answer_quiz":
            assert last is not None and last.poll is not None
            self.telegram.answer_poll(self.user, last.poll, int(message))
        else:
            self.telegram.send_text(self.user, str(message))
        try:
            batch = await self.telegram.replies(self.user.id, mark, quiet_s=self.quiet_s, timeout_s=REPLY_TIMEOUT_S,
                                                besides=[MOMENT])
        except AssertionError:
            return None, Turn(kind, sent_at, None, "no reply")
        poll = next((s for s in batch if s.method == "sendPoll"), None)
        reply = Reply([s.text for s in batch], len(poll.message.poll.options) if poll else 0, poll)
        return reply, Turn(kind, sent_at, max(s.at for s in batch) - sent_at, _trouble(reply.texts), len(batch))


@dataclass
class RestTransport:
    """A candidate talking to Rasa's REST channel directly: the floor the channel adds to.
    After each reply it pauses as long as a Telegram candidate waits to see the reply is
    complete, so that both make conversations of the same pace and length."""

    client: httpx.AsyncClient
    sender: str
    pause_s: float = 0.4

    async def send(self, kind: str, message: str | int, last: Reply | None) -> tuple[Reply | None, Turn]:
        text = "ABCDEFGHIJKL"[int(message)] if kind == "answer_quiz" else str(message)
        sent_at = time.monotonic()
        try:
            response = await self.client.post("/webhooks/rest/webhook", json={"sender": self.sender, "message": text},
                                              timeout=REPLY_TIMEOUT_S)
        except httpx.HTTPError as error:
            return None, Turn(kind, sent_at, None, type(error).__name__)
        latency = time.monotonic() - sent_at
        if response.status_code != 200:
            return None, Turn(kind, sent_at, latency, f"HTTP {response.status_code}")
        messages: list[dict[str, Any]] = response.json()
        await asyncio.sleep(self.pause_s)
        quiz = next((q for q in (parse_payload(m.get("custom")) for m in messages) if isinstance(q, Quiz)), None)
        reply = Reply([m["text"] for m in messages if m.get("text")], len(quiz.options) if quiz else 0)
        return reply, Turn(kind, sent_at, latency, None if messages else "empty reply", len(messages))


def _trouble(texts: list[str]) -> str | None:
    return next((TROUBLE_TEXTS[t] for t in texts if t in TROUBLE_TEXTS), None)


async def converse(transport: Transport, script: Script, until: float, turns: list[Turn]) -> None:
    """One candidate: message, wait for the reply, next message, until the time is up."""
    last: Reply | None = None
    while time.monotonic() < until:
        kind, message = script.next()
        reply, turn = await transport.send(kind, message, last)
        turns.append(turn)
        if reply is None:
            await asyncio.sleep(1.0)  # as a person would before trying again
            script.observe(Reply([]))
            continue
        if kind.startswith("answer"):
            script.answers.append((kind, str(message)))
        script.observe(reply)
        last = reply
