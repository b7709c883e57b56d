"""The channels' connection to the assistant (the Telegram channel's and the terminal chat's):
Rasa's REST channel over HTTP.

`send` makes one attempt; `deliver` retries until the assistant answers, so a message sent
while Rasa or the action server restarts is answered when they are back, not dropped.
Retrying is safe: the action server records an answer once per channel message id.
"""
from __future__ import annotations

import asyncio
import logging
import time
import zlib
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from coach.config import url_list

logger = logging.getLogger(__name__)

REST_PATH = "/webhooks/rest/webhook"


class RasaUnavailable(RuntimeError):
    """The assistant did not answer (down, restarting, failing or too slow); `status` is the
    HTTP status it answered with instead, if any (401: the token was refused)."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.status = status


class RasaClient:
    """Rasa's REST channel, authenticated with RASA_REST_TOKEN. The timeout outlasts a turn
    of a few actions, each given up by Rasa after ACTION_TIMEOUT_S (rasa_plugins/patches.py),
    so a slow turn is not sent again while it still runs.

    With several Rasa servers (RASA_URL lists them; they share the tracker store and a lock
    store), each conversation goes to one of them, the same every time (its tracker stays in
    that server's cache), and to the next one while that one cannot be reached."""

    def __init__(self, url: str, token: str, timeout_s: float = 75.0) -> None:
        self._clients = [
            httpx.AsyncClient(
                base_url=server, timeout=httpx.Timeout(timeout_s, connect=2.0),
                headers={"Authorization": f"Bearer {token}"},
                limits=httpx.Limits(max_connections=100, max_keepalive_connections=50),
            )
            for server in url_list(url)
        ]

    def servers(self, sender: str) -> list[httpx.AsyncClient]:
        """The servers to try for this conversation: its own first, then the others in turn."""
        first = zlib.crc32(sender.encode()) % len(self._clients)
        return self._clients[first:] + self._clients[:first]

    async def send(self, sender: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        """The assistant's reply messages to one message, or RasaUnavailable."""
        for client in self.servers(sender):
            try:
                response = await client.post(REST_PATH, json={"sender": sender, "message": text, "metadata": metadata})
                break
            except httpx.ConnectError as error:  # that server is down: nothing reached it, the next may take it
                unreachable = error
            except httpx.HTTPError as error:
                raise RasaUnavailable(f"{type(error).__name__}: {error}") from error
        else:
            raise RasaUnavailable(f"no Rasa server reachable: {unreachable}") from unreachable
        if response.status_code != 200:
            raise RasaUnavailable(f"HTTP {response.status_code}: {response.text[:200]}", response.status_code)
        try:
            messages = response.json()
        except ValueError as error:
            raise RasaUnavailable(f"not JSON: {response.text[:200]}") from error
        if not isinstance(messages, list):
            raise RasaUnavailable(f"unexpected reply: {messages!r:.200}")
        return [m for m in messages if isinstance(m, dict)]

    async def close(self) -> None:
        for client in self._clients:
            await client.aclose()


async def deliver(
    send: Callable[[], Awaitable[list[dict[str, Any]]]],
    give_up_after_s: float,
    first_delay_s: float = 0.5,
    max_delay_s: float = 2.0,
) -> list[dict[str, Any]]:
    """`send()` retried with growing pauses until it succeeds or `give_up_after_s` passed
    (then the last RasaUnavailable is raised)."""
    deadline = time.monotonic() + give_up_after_s
    delay = first_delay_s
    while True:
        try:
            return await send()
        except RasaUnavailable as error:
            if time.monotonic() + delay > deadline:
                raise
            logger.warning("assistant unavailable (%s); retrying in %.1f s", error, delay)
        await asyncio.sleep(delay)
        delay = min(delay * 2, max_delay_s)
