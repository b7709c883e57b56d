"""The running stack as an attacker on the same machine or network meets it: processes
started as `make run` starts them (testkit/live_stack.py), probed over HTTP and /proc.

Nothing listens beyond loopback; the action server and the REST channel refuse requests
without their secrets, so a forged sender can neither read nor change a candidate's data;
logs quote no message and are this user's only."""
from __future__ import annotations

import ipaddress
import os
import stat
from pathlib import Path

import httpx
import pytest

from coach.internal_auth import ACTION_SERVER_TOKEN
from testkit.fake_telegram import candidate
from testkit.live_stack import LiveStack, pending_question

pytestmark = pytest.mark.asyncio(loop_scope="session")  # the loop of the session's live stack

# Long enough (12 words and more) to be taken as an answer whatever the NLU makes of it.
SECRET_ANSWER = "my distinctive answer about zebra-striped gradients is that the spread of values matters most"
LISTEN = "0A"  # TCP state in /proc/net/tcp*


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:["):-1])
    return inodes


def _address(hex_address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    raw = bytes.fromhex(hex_address)
    if len(raw) == 4:
        return ipaddress.IPv4Address(raw[::-1])
    return ipaddress.IPv6Address(b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4)))


def listening_addresses(pids: list[int]) -> list[tuple[str, int]]:
    """(address, port) of every TCP socket these processes listen on."""
    inodes = set().union(*(_socket_inodes(pid) for pid in pids))
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == LISTEN and inode in inodes:
                address, port = local.split(":")
                found.append((str(_address(address)), int(port, 16)))
    return found


def action_server_url(live: LiveStack) -> str:
    assert live.action_server.health_url is not None
    return live.action_server.health_url.removesuffix("/health")


def forged_action_call(sender: str, action: str, slots: dict | None = None) -> dict:
    """What Rasa would post to run `action` in `sender`'s conversation."""
    return {
        "next_action": action, "sender_id": sender, "version": "3.6.21", "domain": {},
        "tracker": {"sender_id": sender, "slots": slots or {}, "latest_message": {"text": "yes", "intent": {},
                    "entities": []}, "events": [], "paused": False, "followup_action": None,
                    "active_loop": {}, "latest_action_name": "action_listen"},
    }


@pytest.fixture(scope="module")
async def victim(live_stack: LiveStack) -> str:
    """A candidate with one recorded answer, given through Telegram."""
    user = candidate(700)
    telegram = live_stack.telegram
    mark = len(telegram.outbox)
    telegram.send_text(user, SECRET_ANSWER)  # goes through every process: none may log it
    await telegram.replies(user.id, mark, quiet_s=1.0, timeout_s=90)
    mark = len(telegram.outbox)
    telegram.send_text(user, "quiz me on statistics with 2 questions")
    batch = await telegram.replies(user.id, mark, quiet_s=1.0, timeout_s=90)
    poll, _question = pending_question(batch)
    mark = len(telegram.outbox)
    if poll is not None:
        telegram.answer_poll(user, poll, 0)
    else:
        telegram.send_text(user, SECRET_ANSWER)
    await telegram.replies(user.id, mark, quiet_s=1.0, timeout_s=90)
    assert len(live_stack.records.attempts(str(user.id))) == 1
    return str(user.id)


async def test_no_process_listens_beyond_loopback(live_stack: LiveStack):
    pids = [s.process.pid for s in live_stack.services if s.process is not None]
    addresses = listening_addresses(pids)
    assert addresses, "the servers' listening sockets were not found"
    assert all(ipaddress.ip_address(a).is_loopback for a, _port in addresses), addresses


async def test_the_action_server_refuses_requests_without_its_token(live_stack: LiveStack, victim: str):
    url = action_server_url(live_stack)
    good = live_stack.secrets[ACTION_SERVER_TOKEN]
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        assert (await client.get("/health")).status_code == 200
        for params, headers in [({}, {}), ({"token": "x" * 43}, {}), ({}, {"Authorization": "Bearer wrong"}),
                                ({"token": good[:-1]}, {})]:
            for action, slots in [("action_export_data", {}),
                                  ("action_confirm", {"pending_confirmation": "delete_data"}),
                                  ("validate_drill_form", {"drill_answer": "forged"})]:
                response = await client.post("/webhook", params=params, headers=headers,
                                             json=forged_action_call(victim, action, slots))
                assert response.status_code == 401, (action, response.text)
                assert SECRET_ANSWER not in response.text and "attempts" not in response.text
            assert (await client.get("/actions", params=params, headers=headers)).status_code == 401
    assert len(live_stack.records.attempts(victim)) == 1  # nothing deleted, nothing added


async def test_a_failed_action_does_not_echo_the_tracker(live_stack: LiveStack):
    call = forged_action_call("someone", "action_export_data")
    call["tracker"]["latest_message"]["text"] = SECRET_ANSWER
    call["tracker"]["events"] = "not a list"  # the action fails reading it
    async with httpx.AsyncClient(base_url=action_server_url(live_stack), timeout=30) as client:
        response = await client.post("/webhook", params={"token": live_stack.secrets[ACTION_SERVER_TOKEN]},
                                     json=call)
    assert response.status_code == 500 and SECRET_ANSWER not in response.text


async def test_the_rest_channel_refuses_a_forged_sender_without_its_secret(live_stack: LiveStack, victim: str):
    async with httpx.AsyncClient(base_url=live_stack.rasa_url, timeout=60) as client:
        for text in ("export my data", "/export_data", "delete my data", "yes", "/affirm"):
            for headers, params in [({}, {}), ({"Authorization": "Bearer forged-secret-123456"}, {}),
                                    ({}, {"token": "forged-secret-123456"})]:
                response = await client.post("/webhooks/rest/webhook", headers=headers, params=params,
                                             json={"sender": victim, "message": text})
                assert response.status_code == 401, response.text
                assert "attempts" not in response.text
            # a browser page can post JSON as text/plain, but it cannot know the secret either
            response = await client.post("/webhooks/rest/webhook", content=f'{{"sender": "{victim}", '
                                         f'"message": "{text}"}}', headers={"Content-Type": "text/plain"})
            assert response.status_code == 401
    assert len(live_stack.records.attempts(victim)) == 1
    assert live_stack.records.latest_drill(victim) is not None


async def test_logs_quote_no_answer_and_are_private(live_stack: LiveStack, victim: str):
    for service in live_stack.services:
        log = service.log_path
        assert stat.S_IMODE(log.stat().st_mode) == 0o600, log
        assert SECRET_ANSWER not in log.read_text(errors="replace"), log
        for secret in live_stack.secrets.values():
            assert secret not in log.read_text(errors="replace"), log
    assert stat.S_IMODE(live_stack.action_server.log_path.parent.stat().st_mode) == 0o700
