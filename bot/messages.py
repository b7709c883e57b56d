"""The assistant's reply messages (Rasa REST) read the same way by every channel, without any
channel's library: which buttons a message offers and which custom payload it carries. The
Telegram channel (bot/render.py) and the terminal chat (tools/console.py) each show them their
own way."""
from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from coach import contract

logger = logging.getLogger(__name__)


def usable_buttons(buttons: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
    """The (title, payload) of each button that has both; the others are dropped (logged)."""
    usable = []
    for button in buttons:
        title, payload = str(button.get("title") or "").strip(), str(button.get("payload") or "").strip()
        if title and payload:
            usable.append((title, payload))
        else:
            logger.warning("button without title or payload dropped")
    return usable


def known_payload(data: Any) -> contract.Payload | None:
    """The contract payload of a message's `custom` data; None for anything else, logged by
    its type only (the rest may be personal)."""
    payload = contract.parse_payload(data)
    if payload is None:
        kind = data.get("type") if isinstance(data, dict) else type(data).__name__
        logger.warning("custom payload of unknown type or with bad fields ignored (type %r)", str(kind)[:40])
    return payload
