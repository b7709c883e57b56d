"""The bot's slash commands, and what each one sends to the assistant.

Commands map to intent payloads that the bot itself builds (`/start` greets, `/progress`
shows progress...). Typed text is never passed on as a raw Rasa intent: an unknown command
such as `/intent{"x": 1}` loses its slash and reaches the assistant as plain words.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from coach.content.catalogue import catalogue, load_skill_phrases
from coach.contract import (
    DELETE_INTENT,
    DRILL_INTENT,
    EXPORT_INTENT,
    GREET_INTENT,
    HELP_INTENT,
    PROGRESS_INTENT,
    SKILL_ENTITY,
    intent_payload,
)


@dataclass(frozen=True)
class Command:
    name: str
    description: str  # shown in Telegram's command menu


COMMANDS = (
    Command("start", "Say hello and see what I can do"),
    Command("help", "What I can do"),
    Command("drill", "Practise a skill, e.g. /drill statistics"),
    Command("progress", "Your weak skills, a chart, what to practise next"),
    Command("faq", "The questions I can answer"),
    Command("stop", "Pause the drill you're in"),
    Command("export", "Download everything I keep about you"),
    Command("deletedata", "Delete everything I keep about you"),
)

INTENT_OF = {
    "start": GREET_INTENT,
    "help": HELP_INTENT,
    "progress": PROGRESS_INTENT,
    "export": EXPORT_INTENT,
    "deletedata": DELETE_INTENT,
}
STOP_WORD = "stop"  # a drill's own "stop" command; outside a drill, Rasa reads it as text


@lru_cache(maxsize=1)
def _skill_by_phrase() -> dict[str, str]:
    by_skill = load_skill_phrases(catalogue()).by_skill
    return {phrase: skill for skill, phrases in by_skill.items() for phrase in phrases}


def skill_named(words: str) -> str | None:
    """The skill id that `words` name exactly (a skill's id, name or listed phrase)."""
    phrase = " ".join(words.lower().replace("_", " ").split())
    known = _skill_by_phrase()
    return known.get(phrase) or (known.get(phrase[:-1]) if phrase.endswith("s") else None)


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
    if command == "drill":
        if not words:
            return intent_payload(DRILL_INTENT)
        skill = skill_named(words)
        return intent_payload(DRILL_INTENT, **{SKILL_ENTITY: skill}) if skill else f"quiz me on {words}"
    if command == "faq":
        return words or None
    if command == "stop":
        return STOP_WORD
    raise ValueError(f"not a bot command: /{command}")


def as_text(typed: str) -> str:
    """A message that starts with `/` but is no bot command, as plain words for the NLU."""
    return typed.lstrip("/").strip()
