"""Fault and bad-input runs of the whole stack: `make bench-faults` (tests/system/test_faults.py runs
the same at a small scale).

Fault run: candidates run drills (/drill <skill>) over Telegram (free-text answers and quiz votes, some of
them delivered twice) while the stack is hurt, one fault after the other: the action server
is killed with SIGKILL mid-drill and restarted; the Rasa server is stopped and restarted,
then killed with SIGKILL mid-turn and restarted; the records database is locked for 10 s;
the action server's disk is full for a while (a file-size limit of 0, so its writes fail
and it answers 500); the Telegram channel is killed with SIGKILL and restarted, then
stopped, its state file corrupted, and started again; and the fake Telegram server answers
429 (retry after 1 s) and then 500 for a while. Afterwards:
  - every answer a candidate gave is recorded exactly once (one attempt per Telegram
    message; none for a second delivery),
  - every message got its reply (the next question or the summary), and nobody was asked
    to send a message again,
  - each drill's attempts follow its questions in order, none skipped or repeated.

Ordering run: a candidate sends four answers at once (each is recorded against its own
question, in order, and each reply comes in order), and a second user votes on the
first one's quiz (nothing is recorded for either until the owner votes).

Bad-input run: empty text, 4,096 characters, emoji only, right-to-left scripts, SQL
injection, `/intent{...}`, forged callback data, a sticker and a voice note over Telegram,
and 100 KB and empty text straight to Rasa's REST channel. Each gets a sensible reply,
every process is still up, and nothing is stored for those candidates.
"""
from __future__ import annotations

import asyncio
import functools
import random
import re
import resource
import sqlite3
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from telegram import Update, User

from bot.channel import EMPTY, LOST_POLL, NO_REPLY, TROUBLE, UNSUPPORTED, message_key, poll_key
from coach.content.catalogue import catalogue
from coach.practice.feedback import IS_IT_YOUR_ANSWER
from testkit.fake_telegram import Sent, candidate
from testkit.live_stack import LiveStack, pending_question
from tools.stack import Service

# A turn is over with one of these texts, or with a quiz poll (the choice's own message).
TURN_DONE = ("Your answer, in a few sentences?", "Drill complete", LOST_POLL, IS_IT_YOUR_ANSWER)
TURN_TIMEOUT_S = 240.0  # a reply may wait for a whole Rasa restart
READ_S = 1.0  # a candidate answers once the bot has been quiet this long
Log = Callable[[str], None]
# Candidates answer as fast as replies come, far beyond a person's pace: no per-user rate
# limit here (tests/bot/test_channel.py checks it); messages retried for up to 10 minutes.
FAULT_RUN_CHANNEL = {"RASA_GIVE_UP_S": "600", "TELEGRAM_USER_RATE_PER_MINUTE": "0"}
# ... and they answer more new questions in a minute than a person does in a day.
FAULT_RUN_SETTINGS = {"NEW_QUESTIONS_PER_DAY": "10000"}


@dataclass
class DrillCandidate:
    """Runs drills back to back over Telegram and notes every answer it gives."""

    live: LiveStack
    number: int
    rng: random.Random
    redeliver_share: float
    answers: list[str] = field(default_factory=list)  # message keys
    redelivered: int = 0
    unanswered: list[str] = field(default_factory=list)
    asked_again: int = 0
    actions: list[tuple[float, str]] = field(default_factory=list)  # (when, what the candidate did)

    async def run(self, keep_going: Callable[[], bool]) -> None:
        user = candidate(self.number)
        batch = await self._turn(lambda: self.live.telegram.send_text(user, self._drill_request()), "drill start")
        while keep_going():
            poll, question = pending_question(batch)
            if poll is None and question is None:
                batch = await self._turn(lambda: self.live.telegram.send_text(user, self._drill_request()),
                                         "drill start")
                continue
            if poll is not None:
                assert poll.message.poll is not None
                self.answers.append(poll_key(poll.message.poll.id, user.id))
                option = self.rng.randrange(len(poll.message.poll.options))
                send = functools.partial(self.live.telegram.answer_poll, user, poll, option)
            else:
                answer = question.model_answer
                text = answer if self.rng.random() < 0.5 else answer.split(". ")[0] + "."
                send = functools.partial(self.live.telegram.send_text, user, text)
            batch = await self._turn(send, "answer")
            asked = next((s for s in batch if s.text == IS_IT_YOUR_ANSWER), None)
            if asked is not None:  # a short answer that could be a request: yes, it is the answer
                batch = await self._turn(functools.partial(self.live.telegram.press, user, asked, "Yes"), "confirm")
            if poll is not None and any(s.text == LOST_POLL for s in batch):  # the channel lost the poll
                self.answers.pop()  # in a crash: the vote did not count, the letter typed instead does
                letter = "ABCDEFGHIJ"[option]
                batch = await self._turn(functools.partial(self.live.telegram.send_text, user, letter), "answer")

    def _drill_request(self) -> str:
        return f"/drill {self.rng.choice(catalogue().skills).id}"

    async def _turn(self, send: Callable[[], object], what: str) -> list[Sent]:
        """Send, maybe deliver the same update again, and wait for the turn's last message."""
        telegram, chat_id = self.live.telegram, candidate(self.number).id
        mark = len(telegram.outbox)
        update = send()
        self.actions.append((time.monotonic(), _described(update)))
        if what == "answer":
            if update.message is not None:
                self.answers.append(message_key(chat_id, update.message.message_id))
            if self.rng.random() < self.redeliver_share:
                telegram.redeliver(update)
                self.redelivered += 1

        try:
            batch = await turn_replies(self.live, chat_id, mark)
        except AssertionError:
            batch = sent_since(self.live, chat_id, mark)
            self.unanswered.append(f"{what} (the bot sent {[s.text[:60] for s in batch]})")
        self.asked_again += sum(s.text == TROUBLE for s in batch)
        return batch


def _described(update: Update) -> str:
    if update.poll_answer is not None:
        return f"votes {update.poll_answer.option_ids} on poll {update.poll_answer.poll_id}"
    if update.callback_query is not None:
        return f"presses {update.callback_query.data}"
    assert update.message is not None
    return f"sends message {update.message.message_id}: {(update.message.text or '')[:70]!r}"


def transcript(live: LiveStack, person: DrillCandidate, faults: list[tuple[float, str]]) -> str:
    """The candidate's exchange with the bot, interleaved with the faults, in time order."""
    chat_id = candidate(person.number).id
    bot = [(s.at, f"bot {s.method}: {s.text[:70]!r}") for s in live.telegram.outbox if s.chat_id == chat_id]
    lines = sorted([(at, f"candidate {what}") for at, what in person.actions] + bot + faults)
    start = lines[0][0] if lines else 0.0
    return "\n".join(f"{at - start:8.2f} s  {line}" for at, line in lines)


def sent_since(live: LiveStack, chat_id: int, mark: int) -> list[Sent]:
    return [s for s in live.telegram.outbox[mark:] if s.chat_id == chat_id]


async def turn_replies(live: LiveStack, chat_id: int, mark: int) -> list[Sent]:
    """What the bot sent the chat since `mark`, once the turn's last message came and the
    chat has been quiet for READ_S, as a person reads everything before answering (after a
    crash, the channel sends the replies of a turn it cut short first). AssertionError after
    TURN_TIMEOUT_S."""
    await live.telegram.wait_for(lambda: any(s.method == "sendPoll" or any(m in s.text for m in TURN_DONE)
                                             for s in sent_since(live, chat_id, mark)), TURN_TIMEOUT_S)
    while True:
        batch = sent_since(live, chat_id, mark)
        quiet = time.monotonic() - batch[-1].at
        if quiet >= READ_S:
            return batch
        await asyncio.sleep(READ_S - quiet)


def records_database(live: LiveStack) -> Path:
    database = live.records.engine.url.database
    assert database, "the fault run needs the records in an SQLite file"
    return Path(database)


async def lock_database(path: Path, for_s: float) -> None:
    """Hold SQLite's write lock on the database, as a long backup or another writer would."""
    connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        connection.execute("BEGIN EXCLUSIVE")
        await asyncio.sleep(for_s)
        connection.execute("ROLLBACK")
    finally:
        connection.close()


def limit_file_size(pid: int, limit: int | None) -> None:
    """The soft RLIMIT_FSIZE of a running process: 0 makes every write to a file fail
    (EFBIG), as a full disk would; None lifts it back to the hard limit."""
    _soft, hard = resource.prlimit(pid, resource.RLIMIT_FSIZE)
    resource.prlimit(pid, resource.RLIMIT_FSIZE, (hard if limit is None else limit, hard))


async def bounce(live: LiveStack, service: Service, kill: bool, meanwhile: Callable[[], object] = lambda: None,
                 meanwhile_s: float = 1.0) -> None:
    """Kill the service with SIGKILL (or stop it), do `meanwhile`, wait `meanwhile_s` and
    start it again."""
    if kill:
        live.kill(service)
    else:
        await live.stop(service)
    meanwhile()
    await asyncio.sleep(meanwhile_s)
    await live.start(service)


async def hurt(live: LiveStack, start_s: float, log: Log, servers_only: bool = False) -> None:
    """The faults, one after the other, with the drills going on: the servers' (killed,
    stopped, the action server's disk full), then, unless `servers_only`, the rest (the SQLite
    lock, the channel, Telegram), which do not depend on how many servers there are. On the
    scaled stack, one Rasa server is killed while the other carries on, and the records are in
    PostgreSQL (no SQLite lock to take)."""
    assert live.action_server.process is not None
    Step = tuple[str, Callable[[], Awaitable[None]]]
    if len(live.rasas) > 1:
        rasa: list[Step] = [
            ("kill -9 Rasa server 1 mid-turn (the others take its conversations), restart it 10 s later",
             lambda: bounce(live, live.rasas[0], kill=True, meanwhile_s=10.0)),
            ("stop Rasa server 2, then restart it", lambda: bounce(live, live.rasas[1], kill=False)),
        ]
    else:
        rasa = [
            ("stop the Rasa server, then restart it", lambda: bounce(live, live.rasa, kill=False)),
            ("kill -9 the Rasa server mid-turn, then restart it", lambda: bounce(live, live.rasa, kill=True)),
        ]
    servers: list[Step] = [
        ("kill -9 the action server, then restart it", lambda: bounce(live, live.action_server, kill=True)),
        *rasa,
        ("the action server's disk is full for 8 s (it answers 500)",
         lambda: disk_full(live.action_server, for_s=8.0)),
    ]
    others: list[Step] = [
        ("lock the records database for 10 s", lambda: lock_database(records_database(live), for_s=10.0)),
    ] if live.database_url.startswith("sqlite") else []
    others += [
        ("kill -9 the Telegram channel mid-drill, then restart it", lambda: bounce(live, live.channel, kill=True)),
        ("stop the Telegram channel, corrupt its state file, start it again",
         lambda: bounce(live, live.channel, kill=False,
                        meanwhile=lambda: live.state_file.write_bytes(b"\x80\x04 not a pickle"))),
        ("Telegram answers 429 (retry after 1 s) for 3 s, then 500 for 3 s", lambda: telegram_fails(live)),
    ]
    for what, fault in servers if servers_only else servers + others:
        await asyncio.sleep(start_s)
        log(what)
        await fault()


async def disk_full(service: Service, for_s: float) -> None:
    assert service.process is not None
    limit_file_size(service.process.pid, 0)
    try:
        await asyncio.sleep(for_s)
    finally:
        limit_file_size(service.process.pid, None)


async def telegram_fails(live: LiveStack) -> None:
    live.telegram.fail(429, ["sendMessage", "sendPoll"], for_s=3.0, retry_after=1)
    await asyncio.sleep(3.0)
    live.telegram.fail(500, for_s=3.0)
    await asyncio.sleep(3.0)


async def fault_run(live: LiveStack, candidates: int, duration_s: float, seed: int, log: Log,
                    transcripts: Path | None = None, servers_only: bool = False) -> list[str]:
    """Drills under faults (`hurt`); the problems found (empty when nothing was lost or
    doubled). The exchanges of candidates with problems go to `transcripts`, a folder, if given."""
    people = [DrillCandidate(live, 500 + i, random.Random(seed + i), redeliver_share=0.3) for i in range(candidates)]
    until = time.monotonic() + duration_s
    faults_done: list[tuple[float, str]] = []

    def log_fault(line: str) -> None:
        faults_done.append((time.monotonic(), f"FAULT {line}"))
        log(line)

    faults = asyncio.create_task(hurt(live, start_s=max(2.0, duration_s / 6), log=log_fault, servers_only=servers_only))
    await asyncio.gather(*(p.run(lambda: time.monotonic() < until or not faults.done()) for p in people))
    await faults
    problems = []
    for person in people:
        sender = str(candidate(person.number).id)
        attempts = live.records.attempts(sender)
        keys = [a.message_key for a in attempts]
        if sorted(keys) != sorted(person.answers):
            problems.append(f"candidate {person.number}: gave {len(person.answers)} answers, "
                            f"{len(keys)} recorded; missing {sorted(set(person.answers) - set(keys))}, "
                            f"unexpected {sorted(set(keys) - set(person.answers))}")
        for drill in live.records.drills(sender):
            asked = [a.question_id for a in attempts if a.session_id == drill.id]
            if asked != list(drill.question_ids[:len(asked)]) or len(asked) != drill.position:
                problems.append(f"candidate {person.number}: drill {drill.id} answered {asked}, "
                                f"position {drill.position} of {list(drill.question_ids)}")
        if person.unanswered:
            problems.append(f"candidate {person.number}: no reply to {person.unanswered}")
        if person.asked_again:
            problems.append(f"candidate {person.number}: asked {person.asked_again} time(s) to send again")
        if transcripts is not None and any(p.startswith(f"candidate {person.number}:") for p in problems):
            transcripts.mkdir(parents=True, exist_ok=True)
            path = transcripts / f"fault-run-candidate-{person.number}.txt"
            path.write_text(transcript(live, person, faults_done) + "\n")
            problems.append(f"candidate {person.number}: exchange in {path}")
    answers = sum(len(p.answers) for p in people)
    log(f"fault run: {candidates} candidates, {answers} answers ({sum(p.redelivered for p in people)} delivered "
        f"twice), {sum(len(live.records.drills(str(candidate(p.number).id))) for p in people)} drills")
    return problems


async def _pending_quiz(live: LiveStack, user: User) -> Sent:
    """Start drills and say "I don't know" until the user has a quiz poll to answer."""
    telegram = live.telegram
    batch = await telegram_turn(live, user, lambda: telegram.send_text(user, "/drill statistics"))
    for _ in range(40):
        poll, _question = pending_question(batch)
        if poll is not None:
            return poll
        text = "I don't know" if _question is not None else "/drill statistics"
        batch = await telegram_turn(live, user, functools.partial(telegram.send_text, user, text))
    raise AssertionError("no quiz question came up in 40 turns")


async def telegram_turn(live: LiveStack, user: User, send: Callable[[], object]) -> list[Sent]:
    """Send, and wait until the turn's last message came."""
    mark = len(live.telegram.outbox)
    send()
    return await turn_replies(live, user.id, mark)


async def ordering_run(live: LiveStack, log: Log) -> list[str]:
    """Queued messages keep their order; a vote on someone else's quiz counts for nobody."""
    telegram, problems = live.telegram, []
    user = candidate(960)
    await telegram_turn(live, user, lambda: telegram.send_text(user, "quiz me on statistics with 4 questions"))
    mark = len(telegram.outbox)
    keys = [message_key(user.id, telegram.send_text(user, "I don't know").message.message_id)  # type: ignore[union-attr]
            for _ in range(4)]
    try:
        await telegram.wait_for(lambda: any("Drill complete" in s.text for s in telegram.outbox[mark:]
                                            if s.chat_id == user.id), TURN_TIMEOUT_S)
    except AssertionError:
        problems.append("queued answers: the drill did not complete")
    attempts = live.records.attempts(str(user.id))
    drill = live.records.latest_drill(str(user.id))
    if [a.message_key for a in attempts] != keys or drill is None or \
            [a.question_id for a in attempts] != list(drill.question_ids):
        problems.append(f"queued answers: recorded {[(a.message_key, a.question_id) for a in attempts]} "
                        f"for {keys}")
    numbers = [int(m.group(1)) for s in telegram.outbox[mark:] if s.chat_id == user.id
               for m in [re.search(r"Question (\d) of 4", s.text)] if m]
    if numbers != sorted(numbers) or numbers[:3] != [2, 3, 4]:
        problems.append(f"queued answers: questions came in the order {numbers}")

    owner, other = candidate(961), candidate(962)
    poll = await _pending_quiz(live, owner)
    before = len(live.records.attempts(str(owner.id)))
    mark = len(telegram.outbox)
    telegram.answer_poll(other, poll, 0)
    await asyncio.sleep(3.0)
    if len(live.records.attempts(str(owner.id))) != before or live.records.attempts(str(other.id)):
        problems.append("a vote on someone else's quiz was recorded")
    if any(s.chat_id == other.id for s in telegram.outbox[mark:]):
        problems.append("the other voter was sent something")
    await telegram_turn(live, owner, lambda: telegram.answer_poll(owner, poll, 0))
    if len(live.records.attempts(str(owner.id))) != before + 1:
        problems.append("the owner's own vote was not recorded once")
    log("ordering run: 4 queued answers, a vote on another user's quiz")
    return problems


async def bad_input_run(live: LiveStack, log: Log) -> list[str]:
    """Hostile or odd messages; the problems found (empty when each got a sensible reply)."""
    telegram, problems = live.telegram, []
    cases: list[tuple[str, Callable[[object], object]]] = [
        ("empty command", lambda u: telegram.send_text(u, "/")),
        ("4096 characters", lambda u: telegram.send_text(u, ("why do I need statistics? " * 200)[:4096])),
        ("emoji only", lambda u: telegram.send_text(u, "🤖🔥💯")),
        ("Arabic", lambda u: telegram.send_text(u, "ما هي المهارات التي يحتاجها مهندس التعلم الآلي؟")),
        ("Hebrew", lambda u: telegram.send_text(u, "כמה מרוויח מהנדס למידת מכונה?")),
        ("SQL injection", lambda u: telegram.send_text(u, "'; DROP TABLE attempts; --")),
        ("intent injection", lambda u: telegram.send_text(u, '/delete_data{"skill": "statistics"}')),
        ("sticker", lambda u: telegram.send_sticker(u)),
        ("voice note", lambda u: telegram.send_voice(u)),
    ]
    for number, (name, send) in enumerate(cases, start=900):
        user = candidate(number)
        mark = len(telegram.outbox)
        send(user)
        try:
            replies = await telegram.replies(user.id, mark, quiet_s=1.0, timeout_s=60)
        except AssertionError:
            problems.append(f"{name}: no reply")
            continue
        texts = [s.text for s in replies]
        if not all(texts) or TROUBLE in texts or NO_REPLY in texts:
            problems.append(f"{name}: unhelpful reply {texts}")
        if name in ("sticker", "voice note") and texts != [UNSUPPORTED]:
            problems.append(f"{name}: expected the text-only note, got {texts}")
        if name == "empty command" and texts != [EMPTY]:
            problems.append(f"{name}: expected the empty-message note, got {texts}")
        if name == "intent injection" and any("delete" in t.lower() for t in texts):
            problems.append(f"{name}: reached the data deletion: {texts}")
    forger = candidate(950)
    mark = len(telegram.outbox)
    telegram.send_text(forger, "/start")
    [greeting, *_] = await telegram.replies(forger.id, mark, quiet_s=1.0, timeout_s=60)
    query = telegram.press_data(forger, greeting, "/delete_data").callback_query
    await telegram.wait_for(lambda: any(c[0] == "answerCallbackQuery" and c[1]["callback_query_id"] == query.id
                                        for c in telegram.calls), 30)
    async with httpx.AsyncClient(base_url=live.rasa_url, headers=live.rest_headers, timeout=60) as client:
        for name, text in [("100 KB over REST", "what is overfitting? " * 5000), ("empty over REST", "")]:
            response = await client.post("/webhooks/rest/webhook", json={"sender": f"rest-{name}", "message": text})
            if response.status_code != 200 or not any(m.get("text") for m in response.json()):
                problems.append(f"{name}: HTTP {response.status_code} {response.text[:200]}")
    for service in live.services:
        if service.process is None or service.process.poll() is not None:
            problems.append(f"{service.name} is not running after the bad input")
    for number in [*range(900, 900 + len(cases)), 950]:
        if live.records.export(str(candidate(number).id))["attempts"]:
            problems.append(f"candidate {number}: something was recorded")
    log(f"bad-input run: {len(cases)} kinds over Telegram, forged callback data, 2 over REST")
    return problems
