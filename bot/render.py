"""Turns the assistant's replies (Rasa REST messages) into what Telegram can show.

Pure functions, no network: text is split under Telegram's length limit, buttons become an
inline keyboard whose callback data is only "k:<turn>:<n>" (a `Press`: button n of a
keyboard sent in the candidate's exchange `turn`) while the payloads stay on our side (the
channel keeps them per sender, bot/state.py, so forged data never maps to a payload the
candidate was not offered), and the custom payloads (coach.contract) become what Telegram
has for them: a quiz a native quiz poll, the progress chart and the data export a photo and a
document, while `DataDeleted` shows nothing (the channel forgets the candidate, see
`deletes_data`). The channel (bot/channel.py) sends them.

A turn is composed into as few Telegram messages as its content allows (`render`): every
Telegram message is a notification and a scroll for the candidate, and Telegram lets a bot
send about 30 a second in all.
"""
from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import MessageLimit, PollLimit

from bot.messages import known_payload, usable_buttons
from coach import contract

logger = logging.getLogger(__name__)

MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH
MAX_CAPTION = MessageLimit.CAPTION_LENGTH
PARAGRAPH = "\n\n"  # between the texts composed into one message
# A keyboard row holds at most this many buttons, and this many characters of titles.
ROW_BUTTONS = 4
ROW_CHARS = 28
BUTTON_TITLE_CHARS = 40
NO_TEXT = "Choose one:"


_PRESS_DATA = re.compile(r"k:([0-9]{1,9}):([0-9]{1,3})")


@dataclass(frozen=True)
class Press:
    """A button's callback data: button `n` of a keyboard sent in the candidate's exchange
    `turn`, which Telegram gets as "k:<turn>:<n>" (well under its 64 bytes)."""

    turn: int
    n: int

    @property
    def data(self) -> str:
        return f"k:{self.turn}:{self.n}"

    @classmethod
    def parse(cls, data: object) -> Press | None:
        """The press `data` stands for; None for data the bot never sends."""
        match = _PRESS_DATA.fullmatch(data) if isinstance(data, str) else None
        return cls(int(match[1]), int(match[2])) if match else None


def needs_latest(payload: str) -> bool:
    """Answer buttons ("B", "Skip"...) only make sense for the question they came with;
    intent buttons ("/show_progress") work whenever they are tapped."""
    return not payload.startswith("/")


@dataclass(frozen=True)
class Keyboard:
    """Inline buttons sent in the candidate's exchange `turn`; button n sends `payloads[n]`."""

    markup: InlineKeyboardMarkup
    turn: int
    payloads: tuple[str, ...]


@dataclass(frozen=True)
class Text:
    text: str
    keyboard: Keyboard | None = None


@dataclass(frozen=True)
class Quiz:
    """A multiple-choice drill question as a Telegram quiz poll; `payloads[i]` is what
    choosing option i sends to the assistant. `question_id` names the bank question, so a
    poll sent again for the same question (a turn replayed after a crash) is recognised.
    The keyboard holds the question's other buttons (skip, stop...)."""

    question_id: str
    question: str
    options: tuple[str, ...]
    correct_option_id: int
    explanation: str | None
    payloads: tuple[str, ...]
    keyboard: Keyboard | None = None


@dataclass(frozen=True)
class Chart:
    """The progress chart (bot/chart.py draws it), under its title and an optional text,
    with that text's buttons."""

    title: str
    skills: tuple[dict[str, Any], ...]
    target_retention: int | None = None
    text: str = ""
    keyboard: Keyboard | None = None

    @property
    def caption(self) -> str:
        return PARAGRAPH.join(filter(None, (self.title, self.text)))


@dataclass(frozen=True)
class Document:
    filename: str
    content: bytes


Reply = Text | Quiz | Chart | Document


def shorten(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, with an ellipsis when it was cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Chunks of at most `limit` characters, cut at a paragraph break, else a line break,
    else a space, and only mid-word when a single word is longer than the limit."""
    chunks: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = next((window.rfind(sep) for sep in ("\n\n", "\n", " ") if window.rfind(sep) > 0), limit)
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks


def keyboard(buttons: Sequence[dict[str, Any]], turn: int = 0) -> Keyboard | None:
    """Buttons packed into rows by title length; None when there are no usable buttons."""
    return _keyboard([usable_buttons(buttons)], turn)


def _keyboard(groups: Sequence[Sequence[tuple[str, str]]], turn: int) -> Keyboard | None:
    """The (title, payload) buttons of each group packed into rows by title length, each
    group from a new row (the buttons of one message stay together)."""
    rows: list[list[InlineKeyboardButton]] = []
    payloads: list[str] = []
    for group in groups:
        width = ROW_CHARS + 1  # a group starts a row
        for title, payload in group:
            title = shorten(title, BUTTON_TITLE_CHARS)
            item = InlineKeyboardButton(title, callback_data=Press(turn, len(payloads)).data)
            payloads.append(payload)
            if rows and len(rows[-1]) < ROW_BUTTONS and width + len(title) <= ROW_CHARS:
                rows[-1].append(item)
                width += len(title)
            else:
                rows.append([item])
                width = len(title)
    return Keyboard(InlineKeyboardMarkup(rows), turn, tuple(payloads)) if rows else None


def quiz(payload: contract.Quiz) -> Quiz | None:
    """The quiz poll for a quiz payload, within Telegram's poll limits; None if it has more
    options than a poll can have."""
    if len(payload.options) > PollLimit.MAX_OPTION_NUMBER:
        logger.warning("quiz payload with %d options ignored", len(payload.options))
        return None
    explanation = " ".join(payload.explanation.split())  # at most 2 line feeds are allowed; use none
    return Quiz(
        question_id=payload.question_id,
        question=shorten(payload.question or "Which option is right?", PollLimit.MAX_QUESTION_LENGTH),
        options=tuple(shorten(f"{p}. {o}", PollLimit.MAX_OPTION_LENGTH)
                      for p, o in zip(payload.answer_payloads, payload.options, strict=True)),
        correct_option_id=payload.correct_option_id,
        explanation=shorten(explanation, PollLimit.MAX_EXPLANATION_LENGTH) or None,
        payloads=payload.answer_payloads,
    )


def custom(data: Any) -> Reply | None:
    """The reply for one of the assistant's custom payloads; None for `DataDeleted` and for
    data that is no payload of the contract (logged by its type only: the rest may be
    personal)."""
    payload = known_payload(data)
    if payload is None:
        return None
    if isinstance(payload, contract.Quiz):
        return quiz(payload)
    if isinstance(payload, contract.ProgressChart):
        return Chart(payload.title, tuple(skill.to_json() for skill in payload.skills), payload.target_retention)
    if isinstance(payload, contract.DataExport):
        return Document(payload.filename, json.dumps(payload.data, indent=2, ensure_ascii=False).encode("utf-8"))
    return None  # DataDeleted is for the channel (`deletes_data`), not the candidate


def deletes_data(messages: Iterable[dict[str, Any]]) -> bool:
    """Whether the assistant deleted the candidate's data (its `DataDeleted` payload)."""
    return any(isinstance(contract.parse_payload(m.get("custom")), contract.DataDeleted) for m in messages)


@dataclass
class _Composer:
    """Composes one turn's replies. Consecutive texts become one message, up to Telegram's
    length limit, carrying the buttons of all of them (feedback and the next question);
    the text that offers a quiz's answers as buttons becomes the poll's keyboard, less those
    answers (the poll takes the vote); a text after the progress chart becomes its caption."""

    turn: int
    replies: list[Reply]
    texts: list[str]
    groups: list[list[tuple[str, str]]]

    def add(self, reply: Reply) -> None:
        self.flush()
        self.replies.append(reply)

    def add_text(self, text: str, buttons: list[tuple[str, str]]) -> None:
        if not self.texts and self._folded(text, buttons):
            return
        chunks = split_text(text) or ([] if self.texts or not buttons else [NO_TEXT])
        for chunk in chunks:
            if self.texts and len(PARAGRAPH.join([*self.texts, chunk])) > MAX_TEXT:
                self.flush()
            self.texts.append(chunk)
        if buttons:
            self.groups.append(buttons)

    def _folded(self, text: str, buttons: list[tuple[str, str]]) -> bool:
        """Whether the text went onto the poll or chart just sent (then the turn's last reply)."""
        last = self.replies[-1] if self.replies else None
        if isinstance(last, Quiz) and last.keyboard is None and set(last.payloads) <= {p for _, p in buttons}:
            rest = [(title, payload) for title, payload in buttons if payload not in last.payloads]
            self.replies[-1] = replace(last, keyboard=_keyboard([rest], self.turn))
            return True
        if isinstance(last, Chart) and not last.text and text.strip():
            chart = replace(last, text=text.strip(), keyboard=_keyboard([buttons], self.turn))
            if len(chart.caption) <= MAX_CAPTION:
                self.replies[-1] = chart
                return True
        return False

    def flush(self) -> None:
        if self.texts:
            self.replies.append(Text(PARAGRAPH.join(self.texts), _keyboard(self.groups, self.turn)))
        self.texts, self.groups = [], []


def render(messages: Iterable[dict[str, Any]], turn: int = 0) -> list[Reply]:
    """Everything to send, in order, for the assistant's reply messages in `turn`, in as few
    Telegram messages as the content allows (see `_Composer`)."""
    composer = _Composer(turn, [], [], [])
    for message in messages:
        if "custom" in message:
            reply = custom(message["custom"])
            if reply is not None:
                composer.add(reply)
        composer.add_text(str(message.get("text") or ""), usable_buttons(message.get("buttons") or []))
        if message.get("image"):
            composer.add(Text(str(message["image"])))
    composer.flush()
    return composer.replies
