"""The terminal chat, driven through a pipe against a fake Rasa REST channel that records what
it receives: every line is sent, a button's number sends its payload, the custom payloads
become text, and trouble with the server gives one friendly line, never a traceback."""
from __future__ import annotations

import asyncio
import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from coach.config import ROOT
from coach.contract import ChartSkill, DataDeleted, DataExport, ProgressChart, Quiz
from coach.internal_auth import RASA_REST_TOKEN
from testkit.ports import free_port
from tools import console

TOKEN = "a-test-token-of-enough-characters"
QUIZ = Quiz("statistics.q", "Which is robust?", ("Mean", "Median"), 1, "The median resists outliers.", ("A", "B"))
CHART = ProgressChart("Mastery", (ChartSkill("statistics", "Statistics", 50, 2), ChartSkill("ai_ethics", "AI ethics", None, 0)))
REPLIES: dict[str, list[dict[str, Any]]] = {
    "hi": [{"text": "Hello! What next?", "buttons": [{"title": "Start a drill", "payload": "/start_drill"},
                                                     {"title": "Show progress", "payload": "/show_progress"}]}],
    "/start_drill": [
        {"text": "Question 1 of 5\n\nWhich is robust?\n\nA) Mean\nB) Median"},
        {"custom": QUIZ.to_json()},
        {"text": "Your choice?", "buttons": [{"title": "A", "payload": "A"}, {"title": "B", "payload": "B"},
                                             {"title": "Hint", "payload": "Hint"}]},
    ],
    "/show_progress": [{"text": "Your progress"}, {"custom": CHART.to_json()}],
    "export": [{"text": "Here is your data."}, {"custom": DataExport("mine.json", {"answers": ["Zoë's"]}).to_json()}],
    "delete": [{"text": "Done: deleted."}, {"custom": DataDeleted().to_json()}],
    "odd": [{"custom": {"type": "confetti", "for": "Zoë"}}, {"text": "Something odd."}],
    "silence": [],
}


class FakeRasa:
    """Rasa's REST channel: answers REPLIES (else an echo), after answering `statuses` first,
    one per request; records each request's body and Authorization header."""

    def __init__(self, statuses: tuple[int, ...] = ()) -> None:
        self.received: list[dict[str, Any]] = []
        self.authorizations: list[str | None] = []
        self.statuses = list(statuses)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.received.append(body)
                fake.authorizations.append(self.headers.get("Authorization"))
                status = fake.statuses.pop(0) if fake.statuses else 200
                default = [{"text": f"You said {body['message']}"}]
                replies = [{"recipient_id": body["sender"], **m} for m in REPLIES.get(body["message"], default)]
                data = json.dumps(replies if status == 200 else {"error": "no"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def messages(self) -> list[str]:
        return [body["message"] for body in self.received]


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa()
    yield fake
    fake.server.shutdown()


def chat_command(url: str) -> list[str]:
    return [sys.executable, "-m", "tools.console", url]


def chat_env() -> dict[str, str]:
    return {**os.environ, RASA_REST_TOKEN: TOKEN}


def typed(url: str, lines: str) -> subprocess.CompletedProcess[str]:
    """The chat run with `lines` piped in, to its end."""
    return subprocess.run(chat_command(url), input=lines, capture_output=True, text=True, env=chat_env(),
                          cwd=ROOT, timeout=60)


def test_lines_are_sent_numbers_pick_the_latest_buttons_and_the_end_of_input_quits(rasa):
    chat = typed(rasa.url, "hi\n2\n1\nhi\n9\nhi\n1\nB\n\n")
    assert chat.returncode == 0 and chat.stderr == ""
    assert rasa.messages == ["hi", "/show_progress", "1", "hi", "9", "hi", "/start_drill", "B"]
    assert "Hello! What next?\n  1. Start a drill   2. Show progress\n" in chat.stdout
    assert "A) Mean\nB) Median\nYour choice?\n  1. A   2. B   3. Hint\n" in chat.stdout
    assert "resists outliers" not in chat.stdout and "correct_option_id" not in chat.stdout  # the quiz's data
    assert "Your progress\nMastery\n██████████░░░░░░░░░░  50  Statistics\n" in chat.stdout
    assert set(rasa.authorizations) == {f"Bearer {TOKEN}"}
    assert {body["sender"] for body in rasa.received} == {"terminal"}
    ids = [body["metadata"]["message_id"] for body in rasa.received]
    [run] = {re.fullmatch(r"terminal:([0-9a-f]+):[0-9]+", i)[1] for i in ids}
    assert ids == [f"terminal:{run}:{n}" for n in range(1, 9)]


@pytest.mark.parametrize("command", ["/stop", "/quit", " /Stop "])
def test_stop_and_quit_end_the_chat(rasa, command):
    chat = typed(rasa.url, f"hi\n{command}\nhi\n")
    assert chat.returncode == 0 and chat.stderr == ""
    assert rasa.messages == ["hi"]


def test_a_refused_token_is_said_in_one_line_and_ends_the_chat():
    rasa = FakeRasa(statuses=(401,))
    chat = typed(rasa.url, "hi\nhello\n")
    rasa.server.shutdown()
    assert chat.returncode == 1 and "Traceback" not in chat.stderr
    assert chat.stdout.strip() == console.TOKEN_REFUSED.format(401)
    assert rasa.messages == ["hi"]


def test_a_busy_server_is_said_and_the_same_message_sent_again_until_it_answers():
    rasa = FakeRasa(statuses=(503, 503))
    chat = typed(rasa.url, "hi\n")
    rasa.server.shutdown()
    assert chat.returncode == 0 and chat.stderr == ""
    assert chat.stdout.splitlines()[:2] == [console.NOT_ANSWERING.format(console.GIVE_UP_AFTER_S), "Hello! What next?"]
    assert rasa.messages == ["hi"] * 3
    assert len({body["metadata"]["message_id"] for body in rasa.received}) == 1  # recorded once


def test_ctrl_c_ends_the_chat_without_a_traceback(rasa):
    chat = subprocess.Popen(chat_command(rasa.url), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=chat_env(), cwd=ROOT)
    chat.stdin.write("hi\n")
    chat.stdin.flush()
    assert chat.stdout.readline() == "Hello! What next?\n"  # now waiting for the next line
    chat.send_signal(signal.SIGINT)
    _, errors = chat.communicate(timeout=30)
    assert chat.returncode == console.INTERRUPTED and "Traceback" not in errors


def test_without_a_token_the_chat_says_how_to_get_one(rasa):
    chat = subprocess.run(chat_command(rasa.url), input="hi\n", capture_output=True, text=True, cwd=ROOT, timeout=60,
                          env={k: v for k, v in os.environ.items() if k != RASA_REST_TOKEN})
    assert chat.returncode == 2 and RASA_REST_TOKEN in chat.stderr and "Traceback" not in chat.stderr
    assert rasa.messages == []


def in_process(monkeypatch, capsys, url: str, lines: str, **options: Any) -> tuple[int, str]:
    """The chat's exit code and output, run in this process (for its options)."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(lines))
    code = console.chat(url, TOKEN, **options)
    return code, capsys.readouterr().out


def test_an_unreachable_server_is_said_in_a_line_and_the_chat_goes_on(monkeypatch, capsys, tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    code, out = in_process(monkeypatch, capsys, url, "hi\nhello\n", give_up_after_s=0.2, export_dir=tmp_path)
    assert code == 0
    assert out.splitlines() == [console.NOT_ANSWERING.format(0.2), console.GAVE_UP] * 2


def test_an_export_is_saved_for_this_user_only_and_the_chat_says_where(rasa, monkeypatch, capsys, tmp_path):
    folder = tmp_path / "exports"
    code, out = in_process(monkeypatch, capsys, rasa.url, "export\n", export_dir=folder)
    [saved] = folder.iterdir()
    assert code == 0 and out == f"Here is your data.\nYour data is saved in {saved}\n\n"
    assert json.loads(saved.read_text(encoding="utf-8")) == {"answers": ["Zoë's"]}
    assert (folder.stat().st_mode & 0o777, saved.stat().st_mode & 0o777) == (0o700, 0o600)


def test_data_deleted_and_unknown_payloads_show_nothing_and_no_reply_is_said(rasa, monkeypatch, capsys, tmp_path):
    code, out = in_process(monkeypatch, capsys, rasa.url, "delete\nodd\nsilence\n", export_dir=tmp_path)
    assert code == 0
    assert out == f"Done: deleted.\n\nSomething odd.\n\n{console.NO_REPLY}\n\n"


def test_the_chat_does_not_load_the_telegram_library():
    check = "import sys, tools.console; sys.exit(any(m.split('.')[0] == 'telegram' for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", check], cwd=ROOT, timeout=60).returncode == 0


@pytest.mark.asyncio(loop_scope="session")  # the loop of the shared live stack (tests/conftest.py)
async def test_a_chat_with_the_real_stack(live_stack):
    """Greeted with numbered buttons, "3" presses "What can you do?", then /stop."""
    env = {**os.environ, RASA_REST_TOKEN: live_stack.secrets[RASA_REST_TOKEN]}
    chat = await asyncio.to_thread(subprocess.run, chat_command(live_stack.rasa_url), input="hi\n3\n/stop\n",
                                   capture_output=True, text=True, env=env, cwd=ROOT, timeout=240)
    assert chat.returncode == 0 and "Traceback" not in chat.stderr
    greeting, help_text = chat.stdout.split("\n\n")[:2]
    assert greeting.startswith("Hi! I'm your ML-engineer interview coach")
    assert "  1. What skills do I need?   2. Start a practice drill   3. What can you do?" in greeting
    assert help_text.startswith("Here is what I can do")


@pytest.mark.parametrize(("line", "sent"), [
    ("/remind 7:30pm", '/set_reminder{"reminder_time": "19:30"}'), ("/progress", "/show_progress"),
    ("/add", "/add_question"), ("/drill statistics", "ask me interview questions about statistics"),
    ('/delete_data{"x": 1}', 'delete_data{"x": 1}'), ("/faq", None), ("/faq what do they earn", "what do they earn"),
])
def test_bot_commands_typed_in_the_terminal_send_what_they_send_on_telegram(line, sent):
    assert console.sent_text(line, ()) == sent
