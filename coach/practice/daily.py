"""The daily limits: a candidate gets at most so many never-seen questions and so many reviews
per day (coach.config), counted over their own day (their time zone, else UTC). Reviews that
fall due beyond the limit wait for the following days, so a backlog after a break is spread
out instead of arriving at once.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timezone, tzinfo

from coach.config import Config
from coach.practice.drill import Allowance, due_question_ids
from coach.practice.history import RecordedAttempt, Review


def local_now(now: datetime, zone: tzinfo | None) -> datetime:
    """`now` (naive UTC) on the candidate's clock."""
    return now.replace(tzinfo=timezone.utc).astimezone(zone or timezone.utc)


def local_day(now: datetime, zone: tzinfo | None) -> date:
    return local_now(now, zone).date()


def day_start(now: datetime, zone: tzinfo | None) -> datetime:
    """When the candidate's current day began, as naive UTC (a daylight-saving change is
    taken into account: zoneinfo resolves local midnight)."""
    midnight = datetime.combine(local_day(now, zone), time(0), tzinfo=zone or timezone.utc)
    return midnight.astimezone(timezone.utc).replace(tzinfo=None)


def allowance(attempts: Sequence[RecordedAttempt], now: datetime, zone: tzinfo | None, config: Config) -> Allowance:
    """What is left of today's limits after the reviews recorded since the day began."""
    start = day_start(now, zone)
    today = [a for a in attempts if a.created_at >= start and a.rating is not None]
    reviews = sum(1 for a in today if a.was_review)
    return Allowance(reviews=max(0, config.reviews_per_day - reviews),
                     new=max(0, config.new_questions_per_day - (len(today) - reviews)))


def due_today(reviews: Iterable[Review], attempts: Sequence[RecordedAttempt], now: datetime, zone: tzinfo | None,
              config: Config) -> list[str]:
    """The due reviews today's limit still allows, most overdue first (what a review drill takes,
    and what a reminder counts)."""
    return due_question_ids(reviews, now)[: allowance(attempts, now, zone, config).reviews]
