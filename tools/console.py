"""The terminal chat of `make run` without a Telegram token: Rasa's own console client,
talking to the running Rasa server's REST channel, with our custom payloads shown as text.

Rasa's console prints custom payloads as raw JSON. Ours are for channels that can do more
(a Telegram quiz poll, a chart image), so here a quiz description is not shown (the
question's text already lists the options, and the JSON would give the answer away) and
the progress chart is drawn as text bars. Run as `python -m tools.console [RASA_URL]`.
The conversation id is fixed, so progress and a paused drill carry over between runs.
It holds RASA_REST_TOKEN (from `make run`), without which the REST channel answers 401.
"""
from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Callable
from typing import Any

from rasa.core.channels import console

from coach.contract import DataDeleted, ProgressChart, Quiz, parse_payload
from coach.internal_auth import RASA_REST_TOKEN, MissingSecret, required_token

logger = logging.getLogger(__name__)

BAR_WIDTH = 20
SENDER = "terminal"
STOP = "/stop"  # what leaves Rasa's console chat


def chart_text(chart: ProgressChart) -> str:
    """The progress chart as one text bar per practised skill."""
    lines = [chart.title]
    for skill in chart.skills:
        if skill.mastery is not None:
            filled = round(BAR_WIDTH * skill.mastery / 100)
            lines.append(f"{'█' * filled}{'░' * (BAR_WIDTH - filled)} {skill.mastery:>3}  {skill.name}")
    return "\n".join(lines)


def shown(message: dict[str, Any]) -> dict[str, Any] | None:
    """The message as the terminal should show it, or None to show nothing."""
    if message.get("custom") is None:
        return message
    payload = parse_payload(message["custom"])
    if isinstance(payload, DataDeleted):  # for channels that keep state of their own
        return None
    if not isinstance(payload, Quiz | ProgressChart):
        if payload is None:
            logger.warning("custom payload of unknown type or with bad fields")
        return message  # as Rasa's console shows it, raw (a data export too)
    rest = {key: value for key, value in message.items() if key not in ("custom", "recipient_id")}
    if isinstance(payload, ProgressChart):
        rest["text"] = "\n\n".join(filter(None, [rest.get("text"), chart_text(payload)]))
    return rest or None


def with_our_payloads(print_output: Callable[..., Any]) -> Callable[..., Any]:
    def print_message(message: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        to_show = shown(message)
        return print_output(to_show, *args, **kwargs) if to_show else None

    return print_message


async def payload_or_stop(button_question: Any) -> str:
    """Rasa's button menu, except that Ctrl-C there (questionary answers None) ends the chat
    instead of crashing it."""
    answer = await button_question.ask_async()
    if answer is None:
        return STOP
    if answer == console.cli_utils.FREE_TEXT_INPUT_PROMPT:
        return answer
    return answer[answer.rfind("(") + 1 : answer.rfind(")")]  # "1: Title (/payload)" -> payload


def main() -> None:
    server_url = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:5005"
    try:
        token = required_token(os.environ, RASA_REST_TOKEN)
    except MissingSecret as error:
        sys.exit(f"error: {error}")
    console._print_bot_output = with_our_payloads(console._print_bot_output)
    console.cli_utils.payload_from_button_question = payload_or_stop
    asyncio.run(console.record_messages(SENDER, server_url=server_url, auth_token=token, use_response_stream=False))


if __name__ == "__main__":
    main()
