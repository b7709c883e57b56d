"""The bot's slash commands: their menu, what each sends to the assistant, and that the
assistant's NLU understands the skill named after /drill."""
from __future__ import annotations

import pytest

from bot import commands
from coach.content.catalogue import catalogue, load_skill_phrases
from coach.contract import DRILL_INTENT, SKILL_ENTITY


def test_the_command_menu_lists_the_twelve_commands_each_with_a_description():
    assert [command.name for command in commands.COMMANDS] == [
        "start", "help", "drill", "interview", "progress", "faq", "stop", "remind", "add", "myquestions", "export",
        "deletedata"]
    assert all(command.description.strip() for command in commands.COMMANDS)


@pytest.mark.parametrize("command, payload", [
    ("start", "/greet"), ("help", "/help"), ("progress", "/show_progress"),
    ("export", "/export_data"), ("deletedata", "/delete_data"), ("add", "/add_question"),
    ("myquestions", "/my_questions"),
])
def test_plain_commands_send_their_intent(command, payload):
    assert commands.message_for(command, []) == payload


def test_interview_starts_a_mock_interview():
    assert commands.message_for("interview", ["now"]) == '/start_drill{"drill_mode": "interview"}'


def test_intent_commands_ignore_their_arguments():
    assert commands.message_for("progress", ["statistics"]) == "/show_progress"


def test_drill_without_a_skill_starts_a_drill():
    assert commands.message_for("drill", []) == "/start_drill"
    assert commands.message_for("drill", ["  "]) == "/start_drill"


@pytest.mark.parametrize("args, words", [
    (["statistics"], "statistics"),
    (["Deep", "learning"], "Deep learning"),
    (["data_preprocessing"], "data preprocessing"),  # a skill id, as the skill buttons and docs spell it
    (["_ai__ethics_"], "ai ethics"),
    (["quantum", "knitting"], "quantum knitting"),  # no skill: the assistant says which ones it has
])
def test_drill_with_words_asks_the_assistant_for_a_drill_in_those_words(args, words):
    assert commands.message_for("drill", args) == commands.DRILL_REQUEST.format(words)
    assert commands.message_for("drill", args) == f"ask me interview questions about {words}"


def test_drill_with_only_underscores_starts_a_drill():
    assert commands.message_for("drill", ["_"]) == "/start_drill"


def skill_words() -> list[tuple[str, str]]:
    """(skill id, words that name it): every skill's id, name and listed phrase."""
    phrases = load_skill_phrases(catalogue()).by_skill
    return sorted({(skill.id, words) for skill in catalogue().skills
                   for words in (skill.id, skill.name, *phrases[skill.id])})


async def test_the_nlu_reads_drill_with_any_skills_id_name_or_phrase_as_a_drill_of_that_skill(agent):
    items = skill_words()
    misses = []
    for skill, words in items:
        parse = await agent.parse_message(commands.message_for("drill", words.split()))
        skills = {entity["value"] for entity in parse["entities"] if entity["entity"] == SKILL_ENTITY}
        if parse["intent"]["name"] != DRILL_INTENT or skills != {skill}:
            misses.append(f"/drill {words}: expected {skill}, got {parse['intent']['name']} {sorted(skills)}")
    share = 1 - len(misses) / len(items)
    print(f"\n/drill <skill> understood: {share:.3f} ({len(items) - len(misses)}/{len(items)})", *misses, sep="\n  ")
    assert len(items) > 300
    assert share >= 0.98, misses


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


@pytest.mark.parametrize(("args", "payload"), [
    ([], "/set_reminder"), (["7:30pm"], '/set_reminder{"reminder_time": "19:30"}'),
    (["at", "8"], '/set_reminder{"reminder_time": "08:00"}'), (["off"], '/set_reminder{"reminder_time": "off"}'),
    (["whenever"], "/set_reminder"),
])
def test_remind_reads_its_time_or_off_itself(args, payload):
    assert commands.message_for("remind", args) == payload and commands.is_request("remind")
