"""The reminder job on Telegram, with the real python-telegram-bot client against the fake Bot
API server: one message with a button when reviews are due, nothing when none are or twice a
day (also with two senders at once and after a restart), 403 turns reminders off, and
`python -m bot.reminders --now` runs it once."""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import date, datetime, time, timedelta

import pytest
from telegram.ext import ExtBot

from bot import reminders
from bot.reminders import REVIEW_CALLBACK, parse_now, run_every_minute, send_due
from coach.config import ROOT, Config
from coach.content.question_bank import OpenQuestion, question_bank
from coach.practice.history import Review
from coach.storage.records import Records
from testkit.fake_telegram import FakeTelegram, candidate

pytestmark = pytest.mark.asyncio(loop_scope="session")  # the loop of the fake server's fixture

# 08:00 in Berlin on 1 December (UTC+1)
EIGHT_IN_BERLIN = datetime(2026, 12, 1, 7, 0)
CONFIG = Config.from_environ({})


@pytest.fixture
async def telegram():
    fake = FakeTelegram()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def bot(telegram):
    async with ExtBot(telegram.token, base_url=telegram.base_url) as client:
        yield client


def due_reviews(records: Records, sender: str, count: int, due: datetime = EIGHT_IN_BERLIN - timedelta(hours=1)) -> None:
    questions = [q for q in question_bank().for_skill("statistics") if isinstance(q, OpenQuestion)][:count]
    drill = records.start_drill(sender, "statistics", [q.id for q in questions], "start")
    for n, question in enumerate(questions):
        drill, _ = records.record_attempt(drill, f"m{n}", question_id=question.id, skill="statistics",
                                          outcome="answered", answer_text="x", score=70, rating=3,
                                          review=Review(question.id, "statistics", {}, due), now=due - timedelta(days=4))


def remind(records: Records, sender: str, at: time = time(8), zone: str = "Europe/Berlin") -> None:
    records.set_reminder(sender, at)
    records.set_time_zone(sender, zone)


def users(telegram: FakeTelegram, *numbers: int) -> list:
    """Candidates who have a private chat with the bot (they pressed Start once)."""
    found = [candidate(n) for n in numbers]
    for user in found:
        telegram.private_chat(user)
    return found


def sent_to(telegram: FakeTelegram, user_id: int) -> list:
    return [s for s in telegram.outbox if s.chat_id == user_id]


async def test_a_due_reminder_is_one_message_with_a_button_that_starts_the_reviews(telegram, bot):
    records = Records.from_url("sqlite://")
    alice, bob, carol = users(telegram, 1, 2, 3)
    for user, reviews in ((alice, 3), (bob, 0), (carol, 2)):
        if reviews:
            due_reviews(records, str(user.id), reviews)
        remind(records, str(user.id))
    due_reviews(records, "4", 2)  # due, but no reminder set
    report = await send_due(bot, records, EIGHT_IN_BERLIN, CONFIG)
    assert (report.due, report.sent, report.blocked, report.failed) == (2, 2, 0, 0)
    [message] = sent_to(telegram, alice.id)
    assert message.text.startswith("⏰ 3 reviews are due today")
    assert message.buttons == {"Start my reviews": REVIEW_CALLBACK}
    assert sent_to(telegram, bob.id) == [] and "2 reviews" in sent_to(telegram, carol.id)[0].text
    assert records.reminder(str(alice.id)).last_sent_on == date(2026, 12, 1)


async def test_nothing_is_sent_before_the_time_or_twice_a_day_even_by_two_senders_at_once(telegram, bot, tmp_path):
    records = Records.from_url(f"sqlite:///{tmp_path / 'records.db'}")  # a file: each sender its own connection
    [alice] = users(telegram, 1)
    due_reviews(records, str(alice.id), 2)
    remind(records, str(alice.id))
    assert (await send_due(bot, records, EIGHT_IN_BERLIN - timedelta(minutes=1), CONFIG)).sent == 0
    first, second = await asyncio.gather(send_due(bot, records, EIGHT_IN_BERLIN, CONFIG),
                                         send_due(bot, records, EIGHT_IN_BERLIN, CONFIG))
    assert first.sent + second.sent == 1
    later = await send_due(bot, records, EIGHT_IN_BERLIN + timedelta(minutes=30), CONFIG)  # a restarted channel
    assert later.sent == 0 and len(sent_to(telegram, alice.id)) == 1
    tomorrow = await send_due(bot, records, EIGHT_IN_BERLIN + timedelta(days=1), CONFIG)
    assert tomorrow.sent == 1 and len(sent_to(telegram, alice.id)) == 2


async def test_the_time_is_the_candidates_own_across_time_zones_and_daylight_saving(telegram, bot):
    records = Records.from_url("sqlite://")
    tokyo, new_york = users(telegram, 1, 2)
    for user, zone in ((tokyo, "Asia/Tokyo"), (new_york, "America/New_York")):
        due_reviews(records, str(user.id), 1, datetime(2026, 3, 1))
        remind(records, str(user.id), time(8), zone)
    # 8 March 2026: New York moves to daylight saving time (UTC-4): 08:00 there is 12:00 UTC
    assert (await send_due(bot, records, datetime(2026, 3, 8, 13, 0) - timedelta(hours=1, minutes=1), CONFIG)).sent == 0
    report = await send_due(bot, records, datetime(2026, 3, 8, 12, 0), CONFIG)
    assert report.sent == 1 and len(sent_to(telegram, new_york.id)) == 1
    # 08:00 in Tokyo (UTC+9) is 23:00 UTC the day before
    assert (await send_due(bot, records, datetime(2026, 3, 8, 23, 0), CONFIG)).sent == 1
    assert len(sent_to(telegram, tokyo.id)) == 1


async def test_a_candidate_who_blocked_the_bot_has_reminders_turned_off(telegram, bot):
    records = Records.from_url("sqlite://")
    [alice] = users(telegram, 1)
    due_reviews(records, str(alice.id), 2)
    remind(records, str(alice.id))
    telegram.block(alice)
    report = await send_due(bot, records, EIGHT_IN_BERLIN, CONFIG)
    assert (report.sent, report.blocked) == (0, 1)
    assert records.reminder(str(alice.id)).remind_at is None and records.active_reminders() == []


async def test_a_candidate_who_deleted_their_data_gets_no_reminder(telegram, bot):
    records = Records.from_url("sqlite://")
    [alice] = users(telegram, 1)
    due_reviews(records, str(alice.id), 2)
    remind(records, str(alice.id))
    records.delete_person(str(alice.id))
    assert (await send_due(bot, records, EIGHT_IN_BERLIN, CONFIG)).due == 0 and telegram.outbox == []


async def test_the_job_runs_every_minute_and_outlives_a_failed_run(telegram, bot):
    records = Records.from_url("sqlite://")
    [alice] = users(telegram, 1)
    due_reviews(records, str(alice.id), 1)
    remind(records, str(alice.id))
    calls = []

    def store() -> Records:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database restarting")
        return records

    job = asyncio.create_task(run_every_minute(bot, store, CONFIG, clock=lambda: EIGHT_IN_BERLIN, every_s=0.05))
    await telegram.wait_for(lambda: sent_to(telegram, alice.id), timeout_s=10)
    await asyncio.sleep(0.3)
    job.cancel()
    assert len(calls) > 2 and len(sent_to(telegram, alice.id)) == 1


def test_now_is_read_as_iso_8601_in_utc():
    assert parse_now("2026-12-01T08:00:00+01:00") == EIGHT_IN_BERLIN
    assert parse_now("2026-12-01T07:00:00Z") == parse_now("2026-12-01T07:00") == EIGHT_IN_BERLIN


async def test_remind_once_sends_through_the_configured_bot_api_and_prints_what_it_did(telegram, tmp_path):
    url = f"sqlite:///{tmp_path / 'records.db'}"
    records = Records.from_url(url)
    [alice] = users(telegram, 1)
    due_reviews(records, str(alice.id), 2)
    remind(records, str(alice.id))
    records.engine.dispose()
    env = {**os.environ, "DATABASE_URL": url, "TELEGRAM_BOT_TOKEN": telegram.token,
           "TELEGRAM_API_BASE_URL": telegram.base_url}
    command = [sys.executable, "-m", "bot.reminders", "--now", "2026-12-01T08:00:00+01:00"]
    # in a thread, while this loop serves the fake Bot API: asyncio's own subprocesses need a
    # child watcher, which uvloop's event loop policy lacks, and run after some other test
    # modules, this test finds that policy installed
    run = await asyncio.to_thread(subprocess.run, command, cwd=ROOT, env=env, capture_output=True, timeout=60)
    assert run.returncode == 0, run.stderr.decode()
    assert json.loads(run.stdout) == {"now": "2026-12-01T07:00:00Z", "due": 1, "sent": 1, "blocked": 0, "failed": 0}
    assert len(sent_to(telegram, alice.id)) == 1
    again = await asyncio.to_thread(subprocess.run, command, cwd=ROOT, env=env, capture_output=True, timeout=60)
    assert json.loads(again.stdout)["sent"] == 0 and len(sent_to(telegram, alice.id)) == 1


def test_remind_once_refuses_a_time_it_cannot_read(capsys):
    assert reminders.main(["--now", "tomorrow-ish"]) == 2
    assert "NOW must be an ISO-8601 time" in capsys.readouterr().err
