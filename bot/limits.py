"""Per-user rate limiting for the Telegram channel: a token bucket per user.

A user may send `burst` messages at once, then `per_minute` a minute on average. A refused
user is told so once per stretch of refused messages (until one of theirs is accepted
again), not once per message. Only users active in the last `burst` / rate seconds are kept:
anyone quiet that long has a full bucket again, the same as a user never seen.
"""
from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    at: float  # when `tokens` was last brought up to date
    told: bool = False  # told they are limited since their last accepted message


class RateLimit:
    def __init__(self, per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = per_minute / 60.0  # tokens per second
        self.burst = burst
        self.clock = clock
        self._buckets: OrderedDict[int, _Bucket] = OrderedDict()  # least recently active first

    def take(self, user: int) -> bool:
        """Whether `user` may send a message now; if so it is counted."""
        bucket = self._bucket(user)
        if bucket.tokens < 1:
            return False
        bucket.tokens -= 1
        bucket.told = False
        return True

    def tell(self, user: int) -> bool:
        """Whether a refused `user` should be told so: only the first time in a stretch."""
        bucket = self._bucket(user)
        first, bucket.told = not bucket.told, True
        return first

    def _bucket(self, user: int) -> _Bucket:
        """`user`'s bucket, refilled up to now (and made the most recently active)."""
        now = self.clock()
        full_after_s = self.burst / self.rate
        while self._buckets and now - next(iter(self._buckets.values())).at >= full_after_s:
            self._buckets.popitem(last=False)
        bucket = self._buckets.pop(user, None) or _Bucket(float(self.burst), now)
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        self._buckets[user] = bucket
        return bucket
