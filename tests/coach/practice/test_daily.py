"""Daily limits: at most so many new questions and reviews per day, counted over the
candidate's own day, with a backlog spread over the following days."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from coach.config import Config
from coach.content.question_bank import OpenQuestion, question_bank
from coach.practice import feedback
from coach.practice.daily import allowance, day_start, local_day
from coach.practice.history import RecordedAttempt, Review
from coach.practice.sessions import DrillRequest, Practice
from coach.storage.records import Records

SENDER = "candidate-1"
BERLIN = ZoneInfo("Europe/Berlin")


def attempt(at: datetime, was_review: bool, rating: int | None = 3) -> RecordedAttempt:
    return RecordedAttempt("q", "statistics", "answered", "", 70, (), (), False, None, at, 1, "m",
                           rating, rating, was_review)


def test_the_day_starts_at_the_candidates_own_midnight_across_daylight_saving_changes():
    assert day_start(datetime(2026, 6, 1, 12, 0), None) == datetime(2026, 6, 1, 0, 0)
    assert day_start(datetime(2026, 6, 1, 12, 0), BERLIN) == datetime(2026, 5, 31, 22, 0)  # CEST, UTC+2
    assert day_start(datetime(2026, 12, 1, 12, 0), BERLIN) == datetime(2026, 11, 30, 23, 0)  # CET, UTC+1
    # 29 March 2026: clocks go forward at 02:00; the day still began at midnight, UTC+1
    assert day_start(datetime(2026, 3, 29, 20, 0), BERLIN) == datetime(2026, 3, 28, 23, 0)
    assert local_day(datetime(2026, 3, 28, 23, 30), BERLIN) == date(2026, 3, 29)


def test_the_allowance_counts_todays_reviews_and_new_questions_only():
    now = datetime(2026, 6, 1, 12, 0)
    config = Config.from_environ({"NEW_QUESTIONS_PER_DAY": "3", "REVIEWS_PER_DAY": "2"})
    attempts = [attempt(now - timedelta(days=1), True), attempt(now - timedelta(hours=1), True),
                attempt(now - timedelta(hours=2), False), attempt(now - timedelta(hours=3), False, rating=None)]
    left = allowance(attempts, now, None, config)
    assert (left.reviews, left.new) == (1, 2)
    many = [attempt(now - timedelta(minutes=m), True) for m in range(5)]
    assert allowance(many, now, None, config).reviews == 0


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_a_backlog_of_reviews_is_spread_over_the_following_days():
    records = Records.from_url("sqlite://")
    now = datetime(2026, 6, 1, 8, 0)
    questions = [q for q in question_bank().for_skill("statistics") if isinstance(q, OpenQuestion)][:5]
    drill = records.start_drill(SENDER, "statistics", [q.id for q in questions], "start")
    for n, question in enumerate(questions):  # five questions reviewed once, all due a month later
        review = Review(question.id, question.skill, {"card_id": n, "state": 2, "step": None, "stability": 10.0,
                                                     "difficulty": 5.0, "due": "2026-05-01T08:00:00+00:00",
                                                     "last_review": "2026-04-20T08:00:00+00:00"},
                        datetime(2026, 5, 1, 8, 0))
        drill, _ = records.record_attempt(drill, f"old-{n}", question_id=question.id, skill="statistics",
                                          outcome="answered", answer_text="x", score=70, review=review, rating=3,
                                          now=datetime(2026, 4, 20, 8, 0))
    config = Config.from_environ({"REVIEWS_PER_DAY": "2"})
    clock = Clock(now)
    practice = Practice(records, SENDER, config, clock)
    turn = practice.start(DrillRequest(review=True, count=10), "r1", replace=False)
    assert "2-question Review drill" in turn.replies[0].text
    for n in range(2):
        practice.ask()
        question = question_bank().get(records.unfinished_drill(SENDER).pending_question_id)
        practice.answer(question.model_answer, f"a{n}")
    done = practice.start(DrillRequest(review=True), "r2", replace=False)
    assert done.replies[0].text == feedback.reviews_done_today(2, 3).split(":")[0] + ":" and not done.ready
    clock.now = now + timedelta(days=1)  # tomorrow: two more
    assert "2-question Review drill" in practice.start(DrillRequest(review=True, count=10), "r3", replace=False).replies[0].text


def test_new_questions_stop_at_the_daily_limit():
    records = Records.from_url("sqlite://")
    clock = Clock(datetime(2026, 6, 1, 8, 0))
    practice = Practice(records, SENDER, Config.from_environ({"NEW_QUESTIONS_PER_DAY": "2"}), clock)
    assert "2-question" in practice.start(DrillRequest("statistics", count=5), "s1", replace=False).replies[0].text
    for n in range(2):
        practice.ask()
        question = question_bank().get(records.unfinished_drill(SENDER).pending_question_id)
        practice.answer("skip" if n else question.model_answer, f"a{n}")
    # one answered, one skipped (not reviewed, so not counted): one new question left today,
    # then practice on the two seen ones
    started = practice.start(DrillRequest("statistics", count=5), "s2", replace=False).replies[0].text
    assert "3-question" in started and "At most 2 new questions a day" in started
    seen = {a.question_id for a in records.attempts(SENDER)}
    assert len(set(records.unfinished_drill(SENDER).question_ids) - seen) == 1
