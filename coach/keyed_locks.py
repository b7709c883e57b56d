"""One asyncio lock per key (a user, a conversation), for code that must run one at a time
per key and in arrival order, while different keys go ahead concurrently."""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Hashable
from dataclasses import dataclass, field


@dataclass
class _Entry:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0  # holders and waiters


class KeyedLocks:
    """A key's lock lives only while someone holds or awaits it. It goes when that count is
    zero, never merely when it is unlocked: a woken waiter may not have taken it yet, and a
    fresh lock would let the next comer run beside that one."""

    def __init__(self) -> None:
        self._entries: dict[Hashable, _Entry] = {}

    def users(self, key: Hashable) -> int:
        """How many hold or await `key`'s lock."""
        entry = self._entries.get(key)
        return entry.users if entry else 0

    @contextlib.asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        entry = self._entries.setdefault(key, _Entry())
        entry.users += 1
        try:
            async with entry.lock:
                yield
        finally:
            entry.users -= 1
            if entry.users == 0:
                del self._entries[key]
