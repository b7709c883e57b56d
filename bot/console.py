"""The terminal chat of `make run`: Rasa's shell, with our custom payloads shown as text.

Rasa's shell prints custom payloads as raw JSON. Ours are for channels that can do more
(a Telegram quiz poll, a chart image), so here a quiz description is not shown (the
question's text already lists the options, and the JSON would give the answer away) and
the progress chart is drawn as text bars. Run as `python -m bot.console <rasa shell args>`.
"""
from __future__ import annotations

import sys
from typing import Any, Callable

from rasa.core.channels import console

BAR_WIDTH = 20


def chart_text(chart: dict[str, Any]) -> str:
    """The progress chart as one text bar per practised skill."""
    lines = [chart.get("title", "Mastery per skill")]
    for skill in chart.get("skills", []):
        if skill.get("mastery") is not None:
            filled = round(BAR_WIDTH * skill["mastery"] / 100)
            lines.append(f"{'█' * filled}{'░' * (BAR_WIDTH - filled)} {skill['mastery']:>3}  {skill['name']}")
    return "\n".join(lines)


def shown(message: dict[str, Any]) -> dict[str, Any] | None:
    """The message as the terminal should show it, or None to show nothing."""
    custom = message.get("custom")
    if not isinstance(custom, dict) or custom.get("type") not in ("quiz", "progress_chart"):
        return message
    rest = {key: value for key, value in message.items() if key not in ("custom", "recipient_id")}
    if custom["type"] == "progress_chart":
        rest["text"] = "\n\n".join(filter(None, [rest.get("text"), chart_text(custom)]))
    return rest or None


def with_our_payloads(print_output: Callable[..., Any]) -> Callable[..., Any]:
    def print_message(message: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        message = shown(message)
        return print_output(message, *args, **kwargs) if message else None

    return print_message


def main() -> None:
    console._print_bot_output = with_our_payloads(console._print_bot_output)
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", "shell", *sys.argv[1:]]
    rasa_main()


if __name__ == "__main__":
    main()
