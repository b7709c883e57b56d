"""Rasa's Redis lock store, with its tickets issued and returned atomically (the scaled
stack's, endpoints-scaled.yml).

Several Rasa servers share the conversations; the lock store makes each conversation wait
for the turn another server is handling. Rasa 3.6's RedisLockStore reads a conversation's
lock, adds or removes a ticket and writes the lock back in three separate commands, so two
servers taking a ticket at the same moment can both get the same one and handle the
conversation at once: one server's turn is then lost from the tracker store
(tests/system/test_scaled_stack.py sends one conversation to two servers at once, and
lost a message in four rounds before this). Here every change of a lock is one Redis
transaction (WATCH, then MULTI/EXEC, tried again when another server changed the lock in
between). A waiting turn also looks again every 50 ms rather than every second.
"""
from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from redis.exceptions import WatchError

WAIT_S = 0.05  # between looks at a lock held by another turn
T = TypeVar("T")


class AtomicRedisLockStore(RedisLockStore):
    """RedisLockStore whose ticket changes are transactions; configured like Rasa's own
    (`url` is the host; port, password, db, key_prefix...)."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, **kwargs: Any) -> None:
        if endpoint_config is not None:  # how Rasa builds a lock store named by its module path
            kwargs = {"host": endpoint_config.url, **endpoint_config.kwargs, **kwargs}
        super().__init__(**kwargs)

    @asynccontextmanager
    async def lock(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = WAIT_S) -> AsyncGenerator[TicketLock, None]:
        async with super().lock(conversation_id, lock_lifetime, wait_time_in_seconds) as ticket_lock:
            yield ticket_lock

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            ticket: int = self._change(conversation_id, lambda lock: lock.issue_ticket(lock_lifetime), create=True)
        except Exception as error:  # as Rasa's: the turn fails with a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error
        return ticket

    def update_lock(self, conversation_id: str) -> None:
        self._change(conversation_id, lambda lock: lock.remove_expired_tickets())

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Return the ticket; the lock goes when nobody else holds one."""
        self._change(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number))

    def _change(self, conversation_id: str, change: Callable[[TicketLock], T], create: bool = False) -> T | None:
        """Apply `change` to the conversation's lock in one transaction and return what it
        returned; a lock left without tickets is deleted. None if there was no lock and
        `create` is false."""
        key = self.key_prefix + conversation_id
        while True:
            with self.red.pipeline() as pipe:
                try:
                    pipe.watch(key)
                    serialised = pipe.get(key)
                    if serialised:
                        lock = TicketLock.from_dict(json.loads(serialised))
                    elif create:
                        lock = self.create_lock(conversation_id)
                    else:
                        return None
                    result = change(lock)
                    pipe.multi()
                    if lock.is_someone_waiting():
                        pipe.set(key, lock.dumps())
                    else:
                        pipe.delete(key)
                    pipe.execute()
                    return result
                except WatchError:  # another server changed the lock meanwhile: again
                    continue
