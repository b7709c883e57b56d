"""What the coaching core says, as plain values: each `Reply` is one message of the
assistant, which the Rasa actions send as it is (actions/replies.py)."""
from __future__ import annotations

from dataclasses import dataclass, field

from coach.contract import DRILL_INTENT, SKILL_ENTITY, Payload, intent_payload


@dataclass(frozen=True)
class Reply:
    """A text with buttons ({"title", "payload"}), a custom payload, or a response of the
    domain by name (its wording lives in domain.yml)."""

    text: str | None = None
    buttons: list[dict[str, str]] = field(default_factory=list)
    payload: Payload | None = None
    response: str | None = None


def button(title: str, payload: str) -> dict[str, str]:
    return {"title": title, "payload": payload}


def drill_payload(skill: str) -> str:
    """What a button that starts a drill of `skill` sends."""
    return intent_payload(DRILL_INTENT, **{SKILL_ENTITY: skill})
