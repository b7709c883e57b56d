"""The bot's slash commands, and what each one sends to the assistant.

Commands map to intent payloads that the bot itself builds (`/start` greets, `/progress`
shows progress...), except where words follow: `/drill <words>` asks for a drill in words,
so that the assistant's NLU finds the skill they name, as it does in any typed request.
Typed text is never passed on as a raw Rasa intent: an unknown command such as
`/intent{"x": 1}` loses its slash and reaches the assistant as plain words.
"""
from __future__ import annotations

from dataclasses import dataclass

from coach.content.catalogue import catalogue
from coach.contract import (
    ADD_QUESTION_INTENT,
    DELETE_INTENT,
    DRILL_INTENT,
    EXPORT_INTENT,
    GREET_INTENT,
    HELP_INTENT,
    INTERVIEW_MODE,
    MODE_ENTITY,
    OWN_QUESTIONS_INTENT,
    PROGRESS_INTENT,
    REMIND_INTENT,
    REMINDER_TIME_ENTITY,
    intent_payload,
)
from coach.practice.reminders import OFF, parse_time, wants_off


@dataclass(frozen=True)
class Command:
    name: str
    description: str  # shown in Telegram's command menu


COMMANDS = (
    Command("start", "Say hello and see what I can do"),
    Command("help", "What I can do"),
    Command("drill", "Practise a skill, e.g. /drill statistics"),
    Command("interview", "A mock interview across skills, with follow-ups and a scorecard"),
    Command("progress", "Your weak skills, a chart, what to practise next"),
    Command("faq", "The questions I can answer"),
    Command("stop", "Pause the drill you're in"),
    Command("remind", "A daily reminder when reviews are due, e.g. /remind 8:00 or /remind off"),
    Command("add", "Write a question of your own, with your model answer"),
    Command("myquestions", "See, change or delete your own questions"),
    Command("export", "Download everything I keep about you"),
    Command("deletedata", "Delete everything I keep about you"),
)

INTENT_OF = {
    "start": GREET_INTENT,
    "help": HELP_INTENT,
    "progress": PROGRESS_INTENT,
    "export": EXPORT_INTENT,
    "deletedata": DELETE_INTENT,
    "add": ADD_QUESTION_INTENT,
    "myquestions": OWN_QUESTIONS_INTENT,
}
STOP_WORD = "stop"  # a drill's own "stop" command; outside a drill, Rasa reads it as text


def is_request(command: str) -> bool:
    """Whether what the command sends asks for something, rather than being something a
    candidate might say to a pending drill question (only /stop is)."""
    return command != "stop"
# `/drill <words>` as the candidate might have typed it. Of the phrasings tried, this one the
# trained NLU reads as start_drill with the right skill for every skill id, name and synonym
# (tests/bot/test_commands.py checks it against the model).
DRILL_REQUEST = "ask me interview questions about {}"


def faq_topics_text() -> str:
    topics = "\n".join(f"• {topic.title}" for topic in catalogue().faqs)
    return ("Ask me anything about becoming a machine learning engineer, in your own words. "
            f"These are the topics I know:\n\n{topics}\n\n"
            "For example: \"what does an ML engineer earn?\" or /faq which certificates are worth it")


def message_for(command: str, args: list[str]) -> str | None:
    """What a command sends to the assistant; None when the bot answers it itself (/faq
    without a question, which lists the topics)."""
    words = " ".join(args).strip()
    if command in INTENT_OF:
        return intent_payload(INTENT_OF[command])
    if command == "drill":  # a skill id names its skill too: "data_preprocessing" as "data preprocessing"
        skill_words = " ".join(words.replace("_", " ").split())
        return DRILL_REQUEST.format(skill_words) if skill_words else intent_payload(DRILL_INTENT)
    if command == "interview":
        return intent_payload(DRILL_INTENT, **{MODE_ENTITY: INTERVIEW_MODE})
    if command == "faq":
        return words or None
    if command == "stop":
        return STOP_WORD
    if command == "remind":
        return remind_payload(words)
    raise ValueError(f"not a bot command: /{command}")


def remind_payload(words: str) -> str:
    """`/remind`, `/remind 7:30pm`, `/remind off`: the reminder request with its time read
    here, so that no NLU stands between the command and what it asks."""
    at = parse_time(words) if words else None
    if at is not None:
        return intent_payload(REMIND_INTENT, **{REMINDER_TIME_ENTITY: f"{at:%H:%M}"})
    if words and wants_off(words):
        return intent_payload(REMIND_INTENT, **{REMINDER_TIME_ENTITY: OFF})
    return intent_payload(REMIND_INTENT)


def as_text(typed: str) -> str:
    """A message that starts with `/` but is no bot command, as plain words for the NLU."""
    return typed.lstrip("/").strip()
