"""Sends the daily review reminders on Telegram (which are due is coach.practice.reminders').

The channel runs `send_due` every minute (`run_every_minute`, started with the application);
`make remind-once NOW=<ISO-8601 time>` runs it once for that moment and exits:

    python -m bot.reminders --now 2026-12-01T08:00:00+01:00

Each reminder is claimed in the database for the candidate's day before it is sent, so a day
never gets two, whichever process sends it and however often the channel restarts; a send
that fails after its claim is not retried that day (a missed reminder is better than two).
Telegram's 403 (the candidate blocked the bot or deleted the chat) turns their reminders off.
Messages go through the bot's rate limiter, like every other message of the channel.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from functools import partial

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import Forbidden
from telegram.ext import AIORateLimiter, ExtBot

from bot import settings as settings_module
from bot.sending import with_retries
from coach.config import ENV_FILE, Config, ConfigError, read_env_file
from coach.practice.history import utcnow
from coach.practice.reminders import START_REVIEWS, due_reminders, reminder_text
from coach.storage.records import Records, records

logger = logging.getLogger(__name__)

# The reminder's button: its data is fixed (no per-sender state), since the message may come
# from another process than the channel; it only ever starts the presser's own reviews.
REVIEW_CALLBACK = "remind:review"
EVERY_S = 60


@dataclass
class Report:
    """What one run did: reminders sent, turned off by a 403, and failed otherwise."""

    due: int = 0
    sent: int = 0
    blocked: int = 0
    failed: int = 0


def keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(START_REVIEWS, callback_data=REVIEW_CALLBACK)]])


async def send_due(bot: Bot, store: Records, now: datetime, config: Config) -> Report:
    """Send every reminder due at `now` (naive UTC) that this call claims."""
    due = await asyncio.to_thread(due_reminders, store, now, config)
    report = Report(due=len(due))
    for reminder in due:
        if not await asyncio.to_thread(store.claim_reminder, reminder.sender_id, reminder.day):
            continue  # sent already, by another run
        send = partial(bot.send_message, int(reminder.sender_id), reminder_text(reminder.reviews), reply_markup=keyboard())
        try:
            sent = await with_retries(send, f"the reminder to {reminder.sender_id}", raise_forbidden=True)
        except Forbidden:
            await asyncio.to_thread(store.set_reminder, reminder.sender_id, None)
            logger.info("reminders of %s turned off: Telegram says the bot may not write to them", reminder.sender_id)
            report.blocked += 1
            continue
        if sent is None:
            report.failed += 1
        else:
            report.sent += 1
    return report


async def run_every_minute(bot: Bot, store: Callable[[], Records], config: Config,
                           clock: Callable[[], datetime] = utcnow, every_s: float = EVERY_S) -> None:
    """The channel's reminder job, until cancelled: a failed run is logged, the next one comes."""
    while True:
        try:
            report = await send_due(bot, await asyncio.to_thread(store), clock(), config)
            if report.due:
                logger.info("reminders: %s", report)
        except Exception:  # noqa: BLE001 - the job must outlive one bad run (a database restart...)
            logger.exception("the reminder run failed")
        await asyncio.sleep(every_s)


def parse_now(text: str) -> datetime:
    """An ISO-8601 moment as naive UTC (without an offset it is taken as UTC)."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


async def _once(now: datetime) -> Report:
    api = settings_module.load_bot_api()
    bot = ExtBot(api.token, base_url=api.api_base_url,
                 rate_limiter=AIORateLimiter(overall_max_rate=api.max_messages_per_s, max_retries=3))
    async with bot:
        return await send_due(bot, records(), now, Config.from_environ(os.environ))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--now", required=True, help="the moment to run for, ISO 8601 (e.g. 2026-12-01T07:00:00Z)")
    args = parser.parse_args(argv)
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    for name, value in read_env_file(ENV_FILE).items():  # as `make run` does: the environment wins
        os.environ.setdefault(name, value)
    try:
        now = parse_now(args.now)
    except ValueError:
        print(f"error: NOW must be an ISO-8601 time such as 2026-12-01T07:00:00Z, got {args.now!r}", file=sys.stderr)
        return 2
    try:
        report = asyncio.run(_once(now))
    except ConfigError as error:  # the bot's settings or the database's
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps({"now": now.isoformat() + "Z", **asdict(report)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
