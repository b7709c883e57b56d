"""The scaled stack's lock store, against a real Redis (the one `make run-scaled` starts):
tickets are unique however many servers take them at once, and a conversation is handled by
one server at a time."""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from rasa_plugins.lock_store import AtomicRedisLockStore


@pytest.fixture
def new_store(scaled_servers):
    """A factory of lock stores on the test Redis: each one is a Rasa server's."""
    made: list[AtomicRedisLockStore] = []

    def new() -> AtomicRedisLockStore:
        store = AtomicRedisLockStore(host=scaled_servers["REDIS_HOST"], port=scaled_servers["REDIS_PORT"],
                                     password=scaled_servers["REDIS_PASSWORD"], db=0, key_prefix="tests")
        made.append(store)
        return store

    yield new
    for store in made:
        store.red.close()


def test_tickets_taken_at_once_by_many_servers_are_all_different(new_store):
    servers = [new_store() for _ in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        tickets = list(pool.map(lambda s: [s.issue_ticket("race") for _ in range(40)], servers))
    issued = [t for batch in tickets for t in batch]
    assert len(issued) == len(set(issued)) == 320
    for number in issued:
        servers[0].cleanup("race", number)
    assert servers[0].get_lock("race") is None  # the last ticket returned takes the lock away


async def test_one_conversation_is_handled_by_one_server_at_a_time(new_store):
    first, second = new_store(), new_store()
    inside: list[str] = []
    overlaps = 0

    async def turn(store: AtomicRedisLockStore, name: str) -> None:
        nonlocal overlaps
        async with store.lock("busy"):
            inside.append(name)
            overlaps += len(inside) > 1
            await asyncio.sleep(0.05)
            inside.remove(name)

    await asyncio.gather(*(turn(first if n % 2 else second, f"turn {n}") for n in range(10)))
    assert overlaps == 0
    assert first.get_lock("busy") is None
