"""Runs the whole assistant from one command: `python -m bot.stack` (what `make run` does).

It starts the custom action server, waits until it answers its health check, then opens a
chat with the assistant in this terminal (Rasa's shell, which loads the trained model and
calls the action server; see bot/console.py). Each background process logs to var/log/<name>.log. Ctrl-C, or
leaving the chat with /stop, or closing the terminal, stops every process it started.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOG_DIR = ROOT / "var" / "log"
MODEL = ROOT / "models" / "mle-assistant.tar.gz"
BIN = Path(sys.executable).parent
ACTION_PORT = int(os.environ.get("ACTION_SERVER_PORT", "5055"))
STARTUP_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 10.0


@dataclass
class Service:
    """A background process of the stack, with the URL that says it is ready."""

    name: str
    argv: list[str]
    health_url: str
    process: subprocess.Popen | None = None

    @property
    def log_path(self) -> Path:
        return LOG_DIR / f"{self.name}.log"


class StartupError(RuntimeError):
    """A service exited or never became healthy; the message points to its log."""


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def start(service: Service, timeout_s: float = STARTUP_TIMEOUT_S) -> None:
    """Start the service with its output in its log file, and wait until it is healthy."""
    if _healthy(service.health_url):
        raise StartupError(f"something already answers at {service.health_url}: is another "
                           f"`make run` still running? Stop it, or free the port.")
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    with service.log_path.open("ab") as log:  # the child keeps its own copy of the file
        service.process = subprocess.Popen(
            service.argv, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    print(f"Starting {service.name} (log: {service.log_path.relative_to(ROOT)}) ...", flush=True)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise StartupError(
                f"{service.name} exited with code {service.process.returncode}; "
                f"see {service.log_path}"
            )
        if _healthy(service.health_url):
            print(f"{service.name} is ready at {service.health_url}", flush=True)
            return
        time.sleep(0.5)
    raise StartupError(f"{service.name} was not healthy after {timeout_s:.0f} s; "
                       f"see {service.log_path}")


def stop(services: list[Service]) -> None:
    """Stop the services, newest first: SIGTERM, then SIGKILL for any that linger."""
    for service in reversed(services):
        process = service.process
        if process is None or process.poll() is not None:
            continue
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        print(f"Stopped {service.name}.", flush=True)


def action_server() -> Service:
    return Service(
        name="action-server",
        argv=[str(BIN / "rasa"), "run", "actions", "--port", str(ACTION_PORT)],
        health_url=f"http://127.0.0.1:{ACTION_PORT}/health",
    )


def terminal_chat() -> int:
    """Chat with the assistant in this terminal until the candidate types /stop."""
    print("\nChat with the assistant below. Type /stop to quit.\n", flush=True)
    chat = subprocess.run(
        [sys.executable, "-m", "bot.console", "--model", str(MODEL), "--endpoints", "endpoints.yml",
         "--quiet"],
        cwd=ROOT,
    )
    return chat.returncode


def _exit_on_signal(signum: int, _frame: object) -> None:
    """Turn SIGTERM/SIGHUP (a closed terminal, a process manager) into a clean shutdown."""
    sys.exit(128 + signum)


def main() -> int:
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _exit_on_signal)
    if not MODEL.exists():
        print(f"No trained model at {MODEL}: run `make run`, which trains it.", file=sys.stderr)
        return 1
    services = [action_server()]
    try:
        for service in services:
            start(service)
        return terminal_chat()
    except StartupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        stop(services)


if __name__ == "__main__":
    sys.exit(main())
