"""The terminal chat hides quiz descriptions and draws the progress chart as text."""
from __future__ import annotations

from tools.console import shown


def test_a_quiz_description_is_not_shown():
    quiz = {"recipient_id": "u", "custom": {"type": "quiz", "correct_option_id": 2}}
    assert shown(quiz) is None


def test_the_progress_chart_becomes_text_bars():
    chart = {"type": "progress_chart", "title": "Mastery", "skills": [
        {"id": "statistics", "name": "Statistics", "mastery": 50, "attempts": 2},
        {"id": "ai_ethics", "name": "AI ethics", "mastery": None, "attempts": 0},
    ]}
    text = shown({"recipient_id": "u", "custom": chart})["text"]
    assert text.splitlines() == ["Mastery", "██████████░░░░░░░░░░  50  Statistics"]


def test_other_messages_are_left_alone():
    message = {"recipient_id": "u", "text": "hi", "custom": {"type": "data_export", "data": {}}}
    assert shown(message) == message


class Menu:
    def __init__(self, answer):
        self.answer = answer

    async def ask_async(self):
        return self.answer


async def test_a_button_menu_gives_the_payload_and_ctrl_c_there_ends_the_chat():
    from rasa.cli.utils import FREE_TEXT_INPUT_PROMPT

    from tools.console import STOP, payload_or_stop

    assert await payload_or_stop(Menu("1: Start a practice drill (/start_drill)")) == "/start_drill"
    assert await payload_or_stop(Menu(FREE_TEXT_INPUT_PROMPT)) == FREE_TEXT_INPUT_PROMPT
    assert await payload_or_stop(Menu(None)) == STOP
