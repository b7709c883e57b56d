"""Daily review reminders: what a candidate asks for ("remind me every day at 8", a time zone,
"turn reminders off"), and which reminders are due at a given moment.

A reminder is a time of day on the candidate's clock (their time zone: an IANA name such as
Europe/Berlin, or a UTC offset). At that time the Telegram channel sends one message saying how
many reviews are due, unless none are (the count respects the daily review limit,
coach.practice.daily). A reminder is claimed in the database for the candidate's day before it
is sent (coach.storage.records), so no day gets two, whichever process or restart sends it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from coach.config import Config
from coach.contract import DRILL_INTENT, MODE_ENTITY, REMIND_INTENT, REMINDER_TIME_ENTITY, REVIEW_MODE, intent_payload
from coach.practice import daily
from coach.practice.history import ReminderSetting
from coach.practice.replies import Reply, button
from coach.senders import GROUP_SEPARATOR
from coach.storage.records import Records

OFF = "off"
# A reminder still goes out this long after its time (the channel was down at that minute);
# after that, the day is skipped rather than a reminder arriving at an odd hour.
CATCH_UP = timedelta(hours=2)
PRESET_TIMES = ("08:00", "12:30", "18:00", "21:00")
ZONE_EXAMPLES = "Europe/Berlin, America/New_York, Asia/Kolkata or UTC+2"

_OFF_WORDS = re.compile(
    r"\b(?:off|stop|disable|cancel|no more|don'?t remind|do not remind|never|no thanks|no, thanks|unsubscribe)\b",
    re.IGNORECASE,
)
_CLOCK = re.compile(r"\b([01]?\d|2[0-3])\s*[:.h]\s*([0-5]\d)\s*(am|pm|a\.m\.|p\.m\.)?(?!\w)", re.IGNORECASE)
_HOUR_MERIDIEM = re.compile(r"\b(1[0-2]|0?[1-9])\s*(am|pm|a\.m\.|p\.m\.)(?!\w)", re.IGNORECASE)
_AT_HOUR = re.compile(r"\bat\s+([01]?\d|2[0-3])(?!\s*(?:[:.\d]|days?|hours?|min))\b", re.IGNORECASE)
_BARE_HOUR = re.compile(r"^\s*([01]?\d|2[0-3])\s*$")
_NAMED = {"noon": time(12), "midday": time(12), "midnight": time(0)}
_OFFSET = re.compile(r"^(?:utc|gmt)?([+\-−])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)  # spaces taken out first
_NAMED_TIME = re.compile(r"\b(noon|midday|midnight)\b", re.IGNORECASE)


def parse_time(text: str) -> time | None:
    """The time of day a message names: "at 8", "8am", "7:30 pm", "20:30", "20h15", "noon",
    or a bare hour ("8"); None if it names none."""
    text = text or ""
    if match := _CLOCK.search(text):
        return _with_meridiem(int(match[1]), int(match[2]), match[3])
    if match := _HOUR_MERIDIEM.search(text):
        return _with_meridiem(int(match[1]), 0, match[2])
    if match := _AT_HOUR.search(text) or _BARE_HOUR.match(text):
        return time(int(match[1]))
    match = _NAMED_TIME.search(text)
    return _NAMED[match[1].lower()] if match else None


def _with_meridiem(hour: int, minute: int, meridiem: str | None) -> time | None:
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem.lower().startswith("p") else 0)
    return time(hour, minute)


def wants_off(text: str) -> bool:
    return bool(_OFF_WORDS.search(text or ""))


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    """The system's IANA zone names by their lower-case spelling."""
    return {name.lower(): name for name in available_timezones()}


def parse_zone(text: str) -> str | None:
    """The time zone a message names, as it is stored: an IANA name in its own spelling
    ("europe/berlin" is Europe/Berlin, "New York" is America/New_York) or a UTC offset as
    "UTC+05:30"; None if it names none."""
    words = " ".join((text or "").strip().split())
    if not words or len(words) > 64:
        return None
    if match := _OFFSET.match(words.replace(" ", "")):
        sign = -1 if match[1] in "-−" else 1
        hours, minutes = int(match[2]), int(match[3] or 0)
        if hours > 14 or minutes >= 60:
            return None
        return "UTC" if hours == minutes == 0 else f"UTC{'+' if sign > 0 else '-'}{hours:02d}:{minutes:02d}"
    if words.lower() in ("utc", "gmt", "z"):
        return "UTC"
    names = _zone_names()
    key = words.lower().replace(" ", "_")
    if key in names:
        return names[key]
    cities = [name for lowered, name in names.items() if lowered.rsplit("/", 1)[-1] == key]
    return cities[0] if len(cities) == 1 else None


def zone_of(name: str | None) -> tzinfo | None:
    """The tzinfo of a stored zone name; None if unknown (or no longer known to the system)."""
    if not name:
        return None
    if match := re.fullmatch(r"UTC([+-])(\d{2}):(\d{2})", name):
        offset = timedelta(hours=int(match[2]), minutes=int(match[3]))
        return timezone(offset if match[1] == "+" else -offset)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def candidate_zone(records: Records, sender_id: str) -> tzinfo | None:
    """The candidate's time zone, if they gave one (for reminders; it is also their day's)."""
    setting = records.reminder(sender_id)
    return zone_of(setting.time_zone) if setting else None


def due_day(setting: ReminderSetting, now: datetime) -> date | None:
    """The candidate's day whose reminder is due at `now` (naive UTC), or None: it is due from
    its time on their clock until CATCH_UP later, unless that day's was sent. On a day whose
    clocks jump over the time, it goes out just after the jump."""
    zone = zone_of(setting.time_zone)
    if setting.remind_at is None or zone is None:
        return None
    today = daily.local_day(now, zone)
    if setting.last_sent_on is not None and setting.last_sent_on >= today:
        return None
    at = datetime.combine(today, setting.remind_at, tzinfo=zone).astimezone(timezone.utc).replace(tzinfo=None)
    return today if at <= now < at + CATCH_UP else None


@dataclass(frozen=True)
class Due:
    """A reminder to send now: to whom, for which of their days, and how many reviews wait."""

    sender_id: str
    day: date
    reviews: int


def due_reminders(records: Records, now: datetime, config: Config) -> list[Due]:
    """The reminders due at `now` with at least one review to do (within today's limit)."""
    found = []
    for setting in records.active_reminders():
        day = due_day(setting, now)
        if day is None:
            continue
        due = daily.due_today(records.reviews(setting.sender_id).values(), records.attempts(setting.sender_id), now,
                              zone_of(setting.time_zone), config)
        if due:
            found.append(Due(setting.sender_id, day, len(due)))
    return found


def reminder_text(reviews: int) -> str:
    what = "1 review is" if reviews == 1 else f"{reviews} reviews are"
    return f"⏰ {what} due today. A few minutes now keeps those answers fresh."


START_REVIEWS = "Start my reviews"


def start_reviews_payload() -> str:
    return intent_payload(DRILL_INTENT, **{MODE_ENTITY: REVIEW_MODE})


def reminder_payload(value: str) -> str:
    """What a button that sets the reminder to `value` ("08:00", or OFF) sends."""
    return intent_payload(REMIND_INTENT, **{REMINDER_TIME_ENTITY: value})


def time_buttons(with_off: bool) -> list[dict[str, str]]:
    buttons = [button(f"Every day at {at}", reminder_payload(at)) for at in PRESET_TIMES]
    return buttons + ([button("Turn reminders off", reminder_payload(OFF))] if with_off else [])


@dataclass(frozen=True)
class ReminderTurn:
    """What a reminder request leads to: the replies, and whether the candidate's time zone
    is to be asked next (the next message is then read as one)."""

    replies: list[Reply] = field(default_factory=list)
    ask_zone: bool = False


class Reminders:
    """One candidate's reminder settings."""

    def __init__(self, records: Records, sender_id: str) -> None:
        self.records, self.sender_id = records, sender_id

    def request(self, text: str, value: str | None = None, in_drill: bool = False) -> ReminderTurn:
        """A request about reminders: `value` is a button's time ("08:00") or OFF, else the
        message's words say it ("remind me at 7:30 pm", "stop the reminders")."""
        if GROUP_SEPARATOR in self.sender_id:
            return ReminderTurn([Reply("Reminders come in a private chat with me: send /remind there.")])
        if not self.sender_id.isdigit():
            return ReminderTurn([Reply("Reminders are sent on Telegram. Here in the terminal, /progress shows "
                                       "how many reviews are due today.")])
        current = self.records.reminder(self.sender_id)
        if value == OFF or (value is None and wants_off(text)):
            self.records.set_reminder(self.sender_id, None)
            return ReminderTurn([Reply("Okay, no reminders. Say /remind whenever you'd like one.")])
        at = _read_time(value) if value else parse_time(text)
        if at is None and current and current.remind_at and not zone_of(current.time_zone) and not in_drill:
            return ReminderTurn(ask_zone=True)  # a time noted earlier, the zone still to come
        if at is None:
            if current and current.remind_at and current.time_zone:
                return ReminderTurn([Reply(f"I remind you every day at {current.remind_at:%H:%M} ({current.time_zone}) "
                                           "when reviews are due. Change the time, or turn reminders off:",
                                           time_buttons(with_off=True))])
            return ReminderTurn([Reply("At what time each day shall I remind you of due reviews? Tap one, or type a "
                                       "time such as \"remind me at 7:30\".", time_buttons(with_off=False))])
        self.records.set_reminder(self.sender_id, at)
        if current and current.time_zone and zone_of(current.time_zone):
            return ReminderTurn([Reply(_confirmation(at, current.time_zone))])
        if in_drill:
            return ReminderTurn([Reply(f"I've noted {at:%H:%M}. I also need your time zone: say /remind again "
                                       "after this drill and I'll ask for it.")])
        return ReminderTurn(ask_zone=True)

    def set_zone(self, text: str) -> tuple[list[Reply], bool]:
        """The candidate's time zone, in answer to the question; whether it was understood."""
        zone = parse_zone(text)
        if zone is None:
            return [Reply(f"I couldn't read a time zone there, so reminders are not on yet. Say /remind to try "
                          f"again, with a zone such as {ZONE_EXAMPLES}. (If you meant something else, please "
                          "send it again.)")], False
        setting = self.records.set_time_zone(self.sender_id, zone)
        if setting.remind_at is None:
            return [Reply(f"Got it: your time zone is {zone}. Say /remind to choose a time.")], True
        return [Reply(_confirmation(setting.remind_at, zone))], True

    def offer(self) -> list[Reply]:
        """After a candidate's first drill, once: an offer of daily reminders."""
        if not self.sender_id.isdigit() or not self.records.mark_reminder_offered(self.sender_id):
            return []
        return [Reply("Would you like a daily reminder when reviews are due? Pick a time (you can change it "
                      "or turn it off with /remind):", [*time_buttons(with_off=False),
                                                        button("No, thanks", reminder_payload(OFF))])]


def _read_time(value: str) -> time | None:
    try:
        return time.fromisoformat(value)
    except ValueError:
        return None


def _confirmation(at: time, zone: str) -> str:
    return (f"Done: every day at {at:%H:%M} ({zone}) I'll tell you how many reviews are due, and say nothing "
            "on days with none. /remind changes or stops it.")
