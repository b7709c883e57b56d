"""The bot's slash commands: their menu, what each sends to the assistant, and how skills are named."""
from __future__ import annotations

import pytest

from bot import commands
from coach.content.catalogue import catalogue
from coach.contract import intent_payload


def drill(skill: str) -> str:
    return intent_payload("start_drill", skill=skill)


def test_the_command_menu_lists_the_eight_commands_each_with_a_description():
    assert [command.name for command in commands.COMMANDS] == [
        "start", "help", "drill", "progress", "faq", "stop", "export", "deletedata"]
    assert all(command.description.strip() for command in commands.COMMANDS)


@pytest.mark.parametrize("command, payload", [
    ("start", "/greet"), ("help", "/help"), ("progress", "/show_progress"),
    ("export", "/export_data"), ("deletedata", "/delete_data"),
])
def test_plain_commands_send_their_intent(command, payload):
    assert commands.message_for(command, []) == payload


def test_intent_commands_ignore_their_arguments():
    assert commands.message_for("progress", ["statistics"]) == "/show_progress"


def test_drill_without_a_skill_starts_a_drill():
    assert commands.message_for("drill", []) == "/start_drill"
    assert commands.message_for("drill", ["  "]) == "/start_drill"


@pytest.mark.parametrize("args, skill", [
    (["statistics"], "statistics"),
    (["Deep", "learning"], "deep_learning"),
    (["Statistics", "and", "probability"], "statistics"),
    (["data_structures_algorithms"], "data_structures_algorithms"),
    (["linear", "algebra"], "mathematics"),
    (["neural", "networks"], "deep_learning"),
    (["Transformers"], "deep_learning"),
])
def test_drill_with_a_skill_id_name_or_phrase_starts_that_skills_drill(args, skill):
    assert commands.message_for("drill", args) == drill(skill)
    assert commands.message_for("drill", args) == '/start_drill{"skill": "%s"}' % skill


def test_drill_with_unknown_words_asks_the_assistant_in_plain_words():
    assert commands.message_for("drill", ["quantum", "knitting"]) == "quiz me on quantum knitting"


def test_faq_with_a_question_sends_the_question():
    assert commands.message_for("faq", ["what", "does", "an", "ML", "engineer", "earn?"]) == (
        "what does an ML engineer earn?")


def test_faq_without_a_question_is_answered_by_the_bot_itself():
    assert commands.message_for("faq", []) is None


def test_stop_sends_the_drills_stop_word():
    assert commands.message_for("stop", []) == "stop"


def test_an_unknown_command_is_refused():
    with pytest.raises(ValueError, match="/intent"):
        commands.message_for("intent", [])


@pytest.mark.parametrize("words, skill", [
    ("STATISTICS", "statistics"), ("deep LEARNING", "deep_learning"), ("  Linear   Algebra ", "mathematics"),
    ("AI_Ethics", "ai_ethics"), ("stats", "statistics"),
])
def test_a_skill_is_named_whatever_the_case_and_spacing(words, skill):
    assert commands.skill_named(words) == skill


@pytest.mark.parametrize("words", ["quantum knitting", "s", "", "statistics please"])
def test_words_that_name_no_skill_give_none(words):
    assert commands.skill_named(words) is None


def test_the_faq_topics_text_lists_every_topic():
    text = commands.faq_topics_text()
    topics = catalogue().faqs
    assert len(topics) > 10
    for topic in topics:
        assert f"• {topic.title}\n" in text
    assert text.count("• ") == len(topics)


@pytest.mark.parametrize("typed, text", [
    ('/intent{"skill": "x"}', 'intent{"skill": "x"}'), ("/", ""), ("//help me ", "help me"), ("hello", "hello"),
])
def test_a_typed_slash_that_is_no_command_becomes_plain_words(typed, text):
    assert commands.as_text(typed) == text
