"""Sending to Telegram with retries, for every message the bot sends: the channel's replies
(bot/channel.py) and the reminders (bot/reminders.py)."""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

logger = logging.getLogger(__name__)

SEND_RETRIES = 4  # Telegram 5xx/network errors; 429s are retried by AIORateLimiter
T = TypeVar("T")


async def with_retries(call: Callable[[], Awaitable[T]], what: str, raise_forbidden: bool = False) -> T | None:
    """Make the call, retrying Telegram's transient failures; None if it could not be made.
    With `raise_forbidden`, a 403 (the user blocked the bot) is raised for the caller to act on."""
    delay = 1.0
    for attempt in range(1, SEND_RETRIES + 1):
        try:
            return await call()
        except (BadRequest, Forbidden) as error:  # will not succeed on a retry
            if raise_forbidden and isinstance(error, Forbidden):
                raise
            logger.error("Telegram refused %s: %s", what, error)
            return None
        except (NetworkError, RetryAfter) as error:  # 429s left after AIORateLimiter's own retries
            if attempt == SEND_RETRIES:
                logger.error("could not send %s after %d attempts: %s", what, attempt, error)
                return None
            pause = _seconds(error.retry_after) if isinstance(error, RetryAfter) else delay
            logger.warning("sending %s failed (%s); retrying in %.0f s", what, error, pause)
            await asyncio.sleep(pause)
            delay *= 2
    return None


def _seconds(value: float | dt.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)
