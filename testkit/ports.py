"""Free loopback ports for servers started by tests and benchmarks.

A port the kernel hands out for `bind(0)` comes from its ephemeral range, which outgoing
connections also draw from: in the seconds before a server binds it, a connection of
another process can take it ("address already in use", seen on the scaled stack's second
Rasa server). Where the kernel says what that range is (Linux), ports are chosen below it.
"""
from __future__ import annotations

import random
import socket
from pathlib import Path

EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
LOWEST = 10_000  # below this, ports that other software on the machine commonly uses


def free_port(count: int = 1) -> int:
    """A TCP port on 127.0.0.1 that nothing uses right now, and the `count` - 1 after it (the
    scaled stack's Rasa servers listen on RASA_PORT, RASA_PORT + 1...)."""
    below = _ephemeral_start()
    for _ in range(1000):
        port = random.randrange(LOWEST, below - count) if below - count > LOWEST else _any_port()
        if all(_bindable(port + n) for n in range(count)):
            return port
    raise RuntimeError(f"no {count} free consecutive ports found")


def _ephemeral_start() -> int:
    try:
        return int(EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


def _any_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
