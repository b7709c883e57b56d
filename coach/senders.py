"""Conversation ids (Rasa's sender ids) and whose they are.

Channels name a conversation "<chat>" for a private chat and "<chat>:<user>" for one member
in a group (bot/channel.py; in Telegram a private chat's id is its user's id). A person's
data therefore spans their private conversation and every "<chat>:<user>" one: deleting
their data deletes all of them (records, tracker store, the channel's state).
"""
from __future__ import annotations

GROUP_SEPARATOR = ":"


def person(sender_id: str) -> str:
    """Who a conversation belongs to: the user part of a group conversation, else itself."""
    return sender_id.rpartition(GROUP_SEPARATOR)[2]


def group_sender(chat_id: str, user_id: str) -> str:
    return f"{chat_id}{GROUP_SEPARATOR}{user_id}"


def is_persons(sender_id: str, who: str) -> bool:
    """Whether the conversation is `who`'s own or theirs in a group."""
    return sender_id == who or sender_id.endswith(f"{GROUP_SEPARATOR}{who}")


def group_like_pattern(who: str) -> str:
    """A SQL LIKE pattern (escape character backslash) for `who`'s group conversations."""
    escaped = who.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{GROUP_SEPARATOR}{escaped}"
