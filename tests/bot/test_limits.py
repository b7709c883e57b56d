"""The per-user rate limit (bot/limits.py), on a clock the tests move by hand."""
from __future__ import annotations

from bot.limits import RateLimit


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def limit(clock: Clock) -> RateLimit:
    return RateLimit(per_minute=20, burst=10, clock=clock)  # a token every 3 s, full after 30 s


def test_a_burst_passes_and_the_next_message_is_refused():
    rate = limit(Clock())
    assert [rate.take(1) for _ in range(11)] == [True] * 10 + [False]


def test_tokens_come_back_at_the_rate_but_never_beyond_the_burst():
    clock = Clock()
    rate = limit(clock)
    assert all(rate.take(1) for _ in range(10))
    clock.now += 2.9
    assert rate.take(1) is False
    clock.now += 0.2  # 3.1 s: one token, and a tenth of the next
    assert [rate.take(1), rate.take(1)] == [True, False]
    clock.now += 3600
    assert [rate.take(1) for _ in range(11)] == [True] * 10 + [False]


def test_users_have_their_own_buckets():
    rate = limit(Clock())
    assert all(rate.take(1) for _ in range(10))
    assert rate.take(1) is False
    assert rate.take(2) is True


def test_a_refused_user_is_told_once_per_stretch_of_refusals():
    clock = Clock()
    rate = limit(clock)
    assert all(rate.take(1) for _ in range(10))
    assert [rate.tell(1), rate.tell(1), rate.tell(1)] == [True, False, False]
    clock.now += 3
    assert rate.take(1) is True  # accepted: the stretch is over
    assert rate.take(1) is False
    assert rate.tell(1) is True


def test_users_quiet_long_enough_to_have_a_full_bucket_are_forgotten():
    clock = Clock()
    rate = limit(clock)
    for user in range(100):
        rate.take(user)
    clock.now += 20
    rate.take(500)
    assert len(rate._buckets) == 101
    clock.now += 10  # 30 s after the first hundred, 10 s after user 500
    rate.take(501)
    assert list(rate._buckets) == [500, 501]


def test_a_told_user_is_told_again_after_a_quiet_spell():
    clock = Clock()
    rate = limit(clock)
    assert all(rate.take(1) for _ in range(10))
    assert rate.tell(1) is True
    clock.now += 30
    assert rate.tell(1) is True
