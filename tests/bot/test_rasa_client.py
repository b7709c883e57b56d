"""The channels' client spreads conversations over several Rasa servers (bot/rasa_client.py)."""
from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from aiohttp import web

from bot.rasa_client import RasaClient, RasaUnavailable


@asynccontextmanager
async def rasa_server(name: str, heard: list[tuple[str, str]]) -> AsyncIterator[str]:
    """A REST channel that notes (server, sender) and answers with its name."""

    async def handle(request: web.Request) -> web.Response:
        body = await request.json()
        heard.append((name, body["sender"]))
        return web.json_response([{"recipient_id": body["sender"], "text": name}])

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def closed_port_url() -> str:
    """The URL of a port nothing listens on (a Rasa server that is down)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


async def test_each_conversation_stays_on_one_server_and_the_conversations_spread_over_all():
    heard: list[tuple[str, str]] = []
    async with rasa_server("first", heard) as first, rasa_server("second", heard) as second:
        client = RasaClient(f"{first},{second}", "token")
        senders = [str(n) for n in range(40)]
        for _ in range(3):
            for sender in senders:
                await client.send(sender, "hello", {})
        await client.close()
    servers_of = {sender: {server for server, s in heard if s == sender} for sender in senders}
    assert all(len(servers) == 1 for servers in servers_of.values())
    assert {server for servers in servers_of.values() for server in servers} == {"first", "second"}


async def test_a_conversation_whose_server_is_down_goes_to_the_next_one():
    heard: list[tuple[str, str]] = []
    async with rasa_server("alive", heard) as alive:
        down = closed_port_url()
        client = RasaClient(f"{down},{alive}", "token")
        replies = [await client.send(str(n), "hello", {}) for n in range(10)]
        await client.close()
    assert [r[0]["text"] for r in replies] == ["alive"] * 10
    assert len(heard) == 10


async def test_with_every_server_down_the_message_is_unavailable_not_lost_silently():
    client = RasaClient(f"{closed_port_url()},{closed_port_url()}", "token")
    with pytest.raises(RasaUnavailable, match="no Rasa server reachable"):
        await client.send("7", "hello", {})
    await client.close()
