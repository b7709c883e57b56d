"""The terminal chat of `make run` without a Telegram token: `python -m tools.console [RASA_URL]`.

It reads standard input line by line (a terminal or a pipe), sends each line to the running
Rasa server's REST channel and prints the replies, so the candidate can always type. Buttons
are listed with numbers: typing the number of one of the latest reply's buttons sends its
payload, anything else is sent as typed (a choice question lists its options "A) ...", and
typing the letter answers it). The custom payloads (coach.contract), which are meant for
channels that can do more, become text: the quiz is not shown (its question's text already
lists the options, and its data would give the answer away), the progress chart becomes text
bars, a data export is saved to var/data/exports/ (this user's only) and the chat says where,
and `DataDeleted` shows nothing (it is for channels that keep state of their own). Messages are
read by bot/messages.py as the Telegram channel reads them, and sent with its RasaClient.

Each message has the id "terminal:<run>:<n>" in its metadata, so a message sent again while
the assistant restarts is recorded once. The conversation id is fixed ("terminal"), so
progress and a paused drill carry over between runs. It needs RASA_REST_TOKEN (`make run`
sets it), without which the REST channel answers 401. /stop, /quit, Ctrl-D or Ctrl-C quits.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import sys
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from bot import commands
from bot.messages import known_payload, usable_buttons
from bot.rasa_client import RasaClient, RasaUnavailable, deliver
from coach.config import DATA_DIR
from coach.contract import DataExport, ProgressChart
from coach.internal_auth import RASA_REST_TOKEN, MissingSecret, required_token
from tools.stack import private_dir

SENDER = "terminal"
QUIT = frozenset({"/stop", "/quit"})
COMMAND_NAMES = frozenset(c.name for c in commands.COMMANDS) - {"stop"}  # /stop quits the chat
EXPORT_DIR = DATA_DIR / "exports"
GIVE_UP_AFTER_S = 20.0  # how long a message is retried while the assistant is unreachable
BAR_WIDTH = 20
REFUSED = frozenset({401, 403})
INTERRUPTED = 130  # the exit code of a program ended by Ctrl-C

NOT_ANSWERING = "(The assistant is not answering right now; trying again for up to {:.0f} s...)"
GAVE_UP = "(Still no answer, so your message may not have arrived. Send it again in a minute.)"
TOKEN_REFUSED = ("(The assistant refused this chat's token (HTTP {}): RASA_REST_TOKEN must be the one "
                 "the Rasa server was started with. `make run` gives both the same.)")
NO_REPLY = "(No answer to that. Try rephrasing it, or type help.)"


def chart_text(chart: ProgressChart) -> str:
    """The progress chart as one text bar per practised skill."""
    lines = [chart.title]
    for skill in chart.skills:
        if skill.mastery is not None:
            filled = round(BAR_WIDTH * skill.mastery / 100)
            recall = f", recalled {skill.retention}%" if skill.retention is not None else ""
            due = f" (due {skill.due_today} today, {skill.due_week} this week{recall})"
            due = due if skill.due_today or skill.due_week or recall else ""
            lines.append(f"{'█' * filled}{'░' * (BAR_WIDTH - filled)} {skill.mastery:>3}  {skill.name}{due}")
    return "\n".join(lines)


def save_export(export: DataExport, folder: Path) -> Path:
    """The export written as a new JSON file that only this user can read."""
    path = private_dir(folder) / f"{datetime.now():%Y%m%d-%H%M%S-%f}.json"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with open(descriptor, "w", encoding="utf-8") as file:
        json.dump(export.data, file, indent=2, ensure_ascii=False)
    return path


def custom_text(data: Any, export_dir: Path) -> str | None:
    """What a custom payload shows in the terminal, if anything."""
    payload = known_payload(data)
    if isinstance(payload, ProgressChart):
        return chart_text(payload)
    if isinstance(payload, DataExport):
        return f"Your data is saved in {save_export(payload, export_dir)}"
    return None  # a quiz (its question's text lists the options), DataDeleted, or none of ours


def shown(messages: Iterable[dict[str, Any]], export_dir: Path) -> tuple[str, tuple[str, ...]]:
    """The text that shows the assistant's reply messages, their buttons numbered from 1 on a
    line of their own, and the payloads those numbers send."""
    parts: list[str] = []
    payloads: list[str] = []
    for message in messages:
        if "custom" in message:
            parts.append(custom_text(message["custom"], export_dir) or "")
        parts.append(str(message.get("text") or "").strip())
        buttons = usable_buttons(message.get("buttons") or [])
        if buttons:
            parts.append("  " + "   ".join(f"{len(payloads) + n}. {title}" for n, (title, _) in enumerate(buttons, 1)))
            payloads += [payload for _, payload in buttons]
        parts.append(str(message.get("image") or ""))
    return "\n".join(part for part in parts if part), tuple(payloads)


def sent_text(line: str, payloads: tuple[str, ...]) -> str | None:
    """What a typed line sends: the payload of the latest reply's button it numbers, a bot
    command as the Telegram channel sends it (`/remind 8:00`, `/add`; any other `/text` as
    plain words, never a raw intent), else the line itself. None for `/faq` alone, which
    the chat answers itself (the list of topics)."""
    text = line.strip()
    if text.isascii() and text.isdigit() and 1 <= int(text) <= len(payloads):
        return payloads[int(text) - 1]
    if not text.startswith("/"):
        return text
    name, _, words = text[1:].partition(" ")
    if name.lower() in COMMAND_NAMES:
        return commands.message_for(name.lower(), words.split())
    return commands.as_text(text)


async def exchange(url: str, token: str, text: str, message_id: str, give_up_after_s: float) -> list[dict[str, Any]]:
    """The assistant's reply to one message, retried while it is unreachable (the candidate
    hears so once); RasaUnavailable when it refuses the token or never answers."""
    client = RasaClient(url, token)
    metadata = {"message_id": message_id}  # the same on every retry: recorded once
    try:
        try:
            return await client.send(SENDER, text, metadata)
        except RasaUnavailable as error:
            if error.status in REFUSED:
                raise
            print(NOT_ANSWERING.format(give_up_after_s), flush=True)
        return await deliver(lambda: client.send(SENDER, text, metadata), give_up_after_s)
    finally:
        await client.close()


def chat(url: str, token: str, give_up_after_s: float = GIVE_UP_AFTER_S, export_dir: Path = EXPORT_DIR) -> int:
    """Relay standard input's lines until /stop, /quit or its end; the exit code."""
    prompt = ""
    if sys.stdin.isatty():
        import readline  # noqa: F401 - line editing and history for input()
        prompt = "> "
    run = secrets.token_hex(4)
    payloads: tuple[str, ...] = ()
    count = 0
    while True:
        try:
            line = input(prompt)
        except EOFError:
            return 0
        if line.strip().lower() in QUIT:
            return 0
        text = sent_text(line, payloads)
        if text is None:
            print(f"{commands.faq_topics_text()}\n", flush=True)
            continue
        if not text:
            continue
        count += 1
        try:
            messages = asyncio.run(exchange(url, token, text, f"{SENDER}:{run}:{count}", give_up_after_s))
        except RasaUnavailable as error:
            if error.status in REFUSED:
                print(TOKEN_REFUSED.format(error.status), flush=True)
                return 1
            print(GAVE_UP, flush=True)
            continue
        reply, payloads = shown(messages, export_dir)
        if reply or not messages:
            print(f"{reply or NO_REPLY}\n", flush=True)


def main() -> int:
    url = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:5005"
    try:
        token = required_token(os.environ, RASA_REST_TOKEN)
    except MissingSecret as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.ERROR)  # retries and odd payloads are logged as warnings: not for the chat
    try:
        return chat(url, token)
    except KeyboardInterrupt:
        print(flush=True)
        return INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
