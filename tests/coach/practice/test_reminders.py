"""Daily review reminders: reading times and time zones, when a reminder is due (time zones,
daylight-saving changes, catching up after a restart, never twice a day), how many reviews it
announces, and the conversation that sets one."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from coach.config import Config
from coach.content.question_bank import OpenQuestion, question_bank
from coach.practice.history import ReminderSetting, Review
from coach.practice.reminders import (
    OFF,
    Due,
    Reminders,
    due_day,
    due_reminders,
    parse_time,
    parse_zone,
    reminder_payload,
    zone_of,
)
from coach.practice.sessions import Practice
from coach.storage.records import Records

SENDER = "1001"


@pytest.mark.parametrize(("text", "at"), [
    ("remind me every day at 8", time(8)), ("at 8am please", time(8)), ("7:30 pm", time(19, 30)),
    ("daily at 20:30", time(20, 30)), ("20h15", time(20, 15)), ("12 am", time(0)), ("12pm", time(12)),
    ("at noon", time(12)), ("8", time(8)), ("remind me at 07.45", time(7, 45)),
])
def test_a_time_of_day_is_read_in_the_usual_ways(text, at):
    assert parse_time(text) == at


@pytest.mark.parametrize("text", ["remind me every day", "every 2 days", "at 25:00", "13pm", "remind me in 3 hours", ""])
def test_no_time_is_read_where_there_is_none(text):
    assert parse_time(text) is None


@pytest.mark.parametrize(("text", "zone"), [
    ("Europe/Berlin", "Europe/Berlin"), ("europe/berlin", "Europe/Berlin"), (" America/New_York ", "America/New_York"),
    ("new york", "America/New_York"), ("Kolkata", "Asia/Kolkata"), ("UTC+2", "UTC+02:00"), ("GMT-5", "UTC-05:00"),
    ("+05:30", "UTC+05:30"), ("utc", "UTC"), ("UTC+0", "UTC"),
])
def test_a_time_zone_is_an_iana_name_or_a_utc_offset(text, zone):
    assert parse_zone(text) == zone and zone_of(zone) is not None


@pytest.mark.parametrize("text", ["Mars/Olympus", "UTC+15", "somewhere", "x" * 100, ""])
def test_an_unknown_time_zone_is_refused(text):
    assert parse_zone(text) is None


def setting(at: time | None = time(8), zone: str | None = "Europe/Berlin", sent: date | None = None) -> ReminderSetting:
    return ReminderSetting(SENDER, at, zone, sent, True)


def test_a_reminder_is_due_from_its_local_time_for_a_while_and_once_per_local_day():
    # 1 December: Berlin is UTC+1, so 08:00 there is 07:00 UTC
    assert due_day(setting(), datetime(2026, 12, 1, 6, 59)) is None
    assert due_day(setting(), datetime(2026, 12, 1, 7, 0)) == date(2026, 12, 1)
    assert due_day(setting(), datetime(2026, 12, 1, 8, 59)) == date(2026, 12, 1)  # a channel back from a restart
    assert due_day(setting(), datetime(2026, 12, 1, 9, 0)) is None  # too late: not at an odd hour
    assert due_day(setting(sent=date(2026, 12, 1)), datetime(2026, 12, 1, 7, 30)) is None
    assert due_day(setting(at=None), datetime(2026, 12, 1, 7, 0)) is None
    assert due_day(setting(zone=None), datetime(2026, 12, 1, 7, 0)) is None
    # July: Berlin is UTC+2, so the same reminder comes an hour earlier in UTC
    assert due_day(setting(), datetime(2026, 7, 1, 6, 0)) == date(2026, 7, 1)
    # a UTC offset has no daylight saving; Kolkata's day begins before UTC's
    assert due_day(setting(time(4), "UTC+05:30"), datetime(2026, 11, 30, 22, 30)) == date(2026, 12, 1)


def test_on_the_days_clocks_change_the_reminder_still_comes_once():
    # 29 March 2026, Berlin: 02:00 jumps to 03:00, so 02:30 does not exist; it comes after the jump
    spring = setting(time(2, 30))
    due_at = [m for m in range(0, 240, 15) if due_day(spring, datetime(2026, 3, 29, 0, 0) + timedelta(minutes=m))]
    assert due_at and due_day(spring, datetime(2026, 3, 28, 23, 59)) is None
    # 25 October 2026: 02:30 happens twice; once sent, the second 02:30 is the same day
    autumn = setting(time(2, 30), sent=date(2026, 10, 25))
    assert due_day(autumn, datetime(2026, 10, 25, 1, 30)) is None


def reviewed(records: Records, sender: str, due: datetime, n: int) -> None:
    questions = [q for q in question_bank().for_skill("statistics") if isinstance(q, OpenQuestion)][:n]
    drill = records.start_drill(sender, "statistics", [q.id for q in questions], "start")
    for k, question in enumerate(questions):
        drill, _ = records.record_attempt(drill, f"m{k}", question_id=question.id, skill="statistics", outcome="answered",
                                          answer_text="x", score=70, rating=3, now=due - timedelta(days=5),
                                          review=Review(question.id, "statistics", {}, due))


def test_due_reminders_count_due_reviews_within_the_daily_limit_and_skip_candidates_with_none():
    records = Records.from_url("sqlite://")
    now = datetime(2026, 12, 1, 7, 0)
    for sender, reviews in (("1", 5), ("2", 0), ("3", 2)):
        if reviews:
            reviewed(records, sender, now - timedelta(hours=1), reviews)
        records.set_reminder(sender, time(8))
        records.set_time_zone(sender, "Europe/Berlin")
    reviewed(records, "4", now + timedelta(days=1), 3)  # due tomorrow only
    records.set_reminder("4", time(8))
    records.set_time_zone("4", "Europe/Berlin")
    config = Config.from_environ({"REVIEWS_PER_DAY": "4"})
    assert due_reminders(records, now, config) == [Due("1", date(2026, 12, 1), 4), Due("3", date(2026, 12, 1), 2)]
    assert due_reminders(records, now - timedelta(hours=2), config) == []


def test_setting_a_reminder_asks_the_time_zone_once_then_confirms():
    records = Records.from_url("sqlite://")
    reminders = Reminders(records, SENDER)
    assert reminders.request("remind me every day at 7:30 pm").ask_zone
    assert records.reminder(SENDER).remind_at == time(19, 30) and records.active_reminders() == []
    replies, ok = reminders.set_zone("the moon")
    assert not ok and "couldn't read a time zone" in replies[0].text
    replies, ok = reminders.set_zone("Asia/Tokyo")
    assert ok and replies[0].text.startswith("Done: every day at 19:30 (Asia/Tokyo)")
    turn = reminders.request("", reminder_payload("08:00").split('"')[3])
    assert not turn.ask_zone and "every day at 08:00 (Asia/Tokyo)" in turn.replies[0].text
    shown = reminders.request("/remind")
    assert "every day at 08:00" in shown.replies[0].text
    assert any(b["title"] == "Turn reminders off" for b in shown.replies[0].buttons)
    off = reminders.request("please stop the reminders")
    assert off.replies[0].text.startswith("Okay, no reminders") and records.active_reminders() == []
    assert reminders.request("", OFF).replies[0].text.startswith("Okay, no reminders")


def test_reminders_are_for_private_telegram_chats_and_offered_once():
    records = Records.from_url("sqlite://")
    assert "private chat" in Reminders(records, "-100:42").request("remind me at 8").replies[0].text
    assert "on Telegram" in Reminders(records, "terminal").request("remind me at 8").replies[0].text
    assert records.reminder("terminal") is None
    assert Reminders(records, SENDER).offer()[0].buttons[-1] == {"title": "No, thanks", "payload": reminder_payload(OFF)}
    assert Reminders(records, SENDER).offer() == [] and Reminders(records, "terminal").offer() == []


def test_mid_drill_a_reminder_without_a_known_zone_waits_for_the_end_of_the_drill():
    records = Records.from_url("sqlite://")
    turn = Reminders(records, SENDER).request("remind me at 9", in_drill=True)
    assert not turn.ask_zone and "after this drill" in turn.replies[0].text
    assert Reminders(records, SENDER).request("/remind").ask_zone  # the time was kept: only the zone is asked


def test_reminders_are_offered_after_the_first_finished_drill_only():
    records = Records.from_url("sqlite://")
    practice = Practice(records, SENDER)
    for key in ("d1", "d2"):
        question = next(q for q in question_bank().for_skill("statistics") if isinstance(q, OpenQuestion))
        records.start_drill(SENDER, "statistics", [question.id], key)
        practice.answer(question.model_answer, f"a-{key}")
        ended = practice.end()
        offered = [r for r in ended if r.text and r.text.startswith("Would you like a daily reminder")]
        assert len(offered) == (1 if key == "d1" else 0)
