"""The terminal chat hides quiz descriptions and draws the progress chart as text."""
from __future__ import annotations

from coach.contract import ChartSkill, DataDeleted, DataExport, ProgressChart, Quiz
from tools.console import shown


def test_a_quiz_description_is_not_shown():
    quiz = Quiz("statistics.q", "Which?", ("Mean", "Median"), 1, "The median.", ("A", "B"))
    assert shown({"recipient_id": "u", "custom": quiz.to_json()}) is None


def test_the_progress_chart_becomes_text_bars():
    skills = (ChartSkill("statistics", "Statistics", 50, 2), ChartSkill("ai_ethics", "AI ethics", None, 0))
    chart = ProgressChart("Mastery", skills)
    text = shown({"recipient_id": "u", "text": "Your progress", "custom": chart.to_json()})["text"]
    assert text.splitlines() == ["Your progress", "", "Mastery", "██████████░░░░░░░░░░  50  Statistics"]


def test_the_data_deleted_payload_shows_nothing():
    assert shown({"recipient_id": "u", "custom": DataDeleted().to_json()}) is None


def test_other_messages_are_left_alone():
    export = {"recipient_id": "u", "text": "hi", "custom": DataExport("mine.json", {}).to_json()}
    assert shown(export) == export
    assert shown({"recipient_id": "u", "text": "hi"}) == {"recipient_id": "u", "text": "hi"}


def test_a_payload_that_is_none_of_ours_is_shown_as_it_is():
    broken = {"recipient_id": "u", "custom": {"type": "quiz", "correct_option_id": 2}}
    assert shown(broken) == broken


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
