"""The drill's decisions, called directly (no Rasa) on records in an in-memory SQLite database:
starting, resuming, replacing, answering in every way, replaying a retried turn, stopping."""
from __future__ import annotations

import json

import pytest

from coach.content.question_bank import ChoiceQuestion, OpenQuestion, question_bank
from coach.contract import COUNT_ENTITY, DRILL_INTENT, MODE_ENTITY, RESUME_INTENT, SKILL_ENTITY, DataDeleted, Quiz, intent_payload
from coach.practice import account
from coach.practice.history import ACTIVE, FINISHED, REPLACED, SKIPPED, STOPPED
from coach.practice.sessions import ENDED, DrillRequest, Practice
from coach.storage.records import Records

SENDER = "candidate-1"


@pytest.fixture
def records() -> Records:
    return Records.from_url("sqlite://")


@pytest.fixture
def practice(records: Records) -> Practice:
    return Practice(records, SENDER)


def drill_of(records: Records, *kinds: type) -> list[str]:
    """A statistics drill of a question of each kind, in this order; their ids."""
    ids: list[str] = []
    for kind in kinds:
        ids.append(next(q.id for q in question_bank().for_skill("statistics") if isinstance(q, kind) and q.id not in ids))
    records.start_drill(SENDER, "statistics", ids, "start")
    return ids


def texts(replies) -> list[str | None]:
    return [reply.text for reply in replies]


def test_a_request_is_read_from_the_entities_and_else_from_the_words():
    assert DrillRequest.read(["astrology", "statistics"], None, None, "quiz me") == DrillRequest("statistics")
    assert DrillRequest.read([], "review", "3", "give me 10 questions") == DrillRequest(None, True, 3)
    assert DrillRequest.read([], None, None, "give me 10 questions") == DrillRequest(None, False, 10)
    assert DrillRequest.read([], None, "²", "seven questions") == DrillRequest(None, False, 7)  # int("²") fails
    assert not DrillRequest.read(["DROP TABLE"], None, None, "").chosen


def test_start_creates_the_drill_and_the_question_is_asked_once(practice, records):
    turn = practice.start(DrillRequest("statistics", count=3), "m1", replace=False)
    assert texts(turn.replies)[0].startswith("Starting a 3-question Statistics and probability drill.")
    assert turn.ready and turn.pending is None and not turn.forgotten
    drill = records.unfinished_drill(SENDER)
    assert (drill.skill, len(drill.question_ids), drill.status, drill.start_key) == ("statistics", 3, ACTIVE, "m1")
    asked = practice.ask()
    assert texts(asked)[0].startswith("Question 1 of 3 · Statistics and probability")
    assert asked[-1].buttons and practice.ask() == []  # shown once


def test_counts_outside_the_limits_are_clamped_with_a_note(practice):
    turn = practice.start(DrillRequest("statistics", count=50), "m1", replace=False)
    assert "20-question" in turn.replies[0].text and "1 to 20 questions" in turn.replies[0].text


def test_without_a_skill_it_asks_which_one_with_the_paused_drill_first(practice):
    turn = practice.start(DrillRequest(), "m1", replace=False)
    assert not turn.ready and len(turn.replies[0].buttons) == 13
    practice.start(DrillRequest("statistics"), "m2", replace=False)
    again = practice.start(DrillRequest(), "m3", replace=False)
    assert again.replies[0].buttons[0] == {"title": "Resume Statistics and probability", "payload": intent_payload(RESUME_INTENT)}


def test_the_same_start_message_again_starts_the_same_drill_again(practice, records):
    first = practice.start(DrillRequest("statistics"), "m1", replace=False)
    practice.ask()
    again = practice.start(DrillRequest("statistics"), "m1", replace=False)
    assert texts(again.replies) == texts(first.replies) and again.ready
    assert len(records.drills(SENDER)) == 1 and records.unfinished_drill(SENDER).asked_at is None


def test_a_stopped_drill_resumes_where_it_was(practice, records):
    drill_of(records, OpenQuestion, OpenQuestion)
    practice.answer("skip", "a1")
    stopped = practice.answer("stop", "a2")
    assert stopped.end == STOPPED and stopped.replies == []
    assert records.unfinished_drill(SENDER).status == STOPPED
    paused = practice.end()
    assert paused[0].text.startswith("Drill paused at question 2 of 2.")
    assert paused[0].buttons[0]["payload"] == intent_payload(RESUME_INTENT)
    resumed = practice.resume()
    assert resumed.ready and texts(resumed.replies) == ["Resuming your Statistics and probability drill at question 2 of 2."]
    assert records.unfinished_drill(SENDER).status == ACTIVE
    assert texts(practice.ask())[0].startswith("Question 2 of 2")


def test_resume_without_a_paused_drill_offers_the_skills(practice):
    turn = practice.resume()
    assert not turn.ready and "no paused drill" in turn.replies[0].text and len(turn.replies[0].buttons) == 13


def test_a_new_drill_replaces_a_paused_one_only_after_asking(practice, records):
    practice.start(DrillRequest("statistics"), "m1", replace=False)
    request = DrillRequest("deep_learning", count=2)
    asked = practice.start(request, "m2", replace=False)
    assert not asked.ready and DrillRequest.from_json(asked.pending) == request
    assert "unfinished Statistics and probability drill (at question 1 of 5)" in asked.replies[0].text
    assert asked.replies[0].buttons[1]["payload"] == intent_payload(
        DRILL_INTENT, **{MODE_ENTITY: "replace", SKILL_ENTITY: "deep_learning", COUNT_ENTITY: "2"})
    kept = practice.confirm(False, asked.pending, None, "m3")
    assert "still there" in kept.replies[0].text and kept.pending is None
    assert records.unfinished_drill(SENDER).skill == "statistics"
    replaced = practice.confirm(True, asked.pending, None, "m4")
    assert replaced.ready and "2-question Deep learning drill" in replaced.replies[0].text
    assert [d.status for d in records.drills(SENDER)] == [REPLACED, ACTIVE]


def test_the_replace_button_starts_the_new_drill_at_once(practice, records):
    practice.start(DrillRequest("statistics"), "m1", replace=False)
    turn = practice.start(DrillRequest("programming"), "m2", replace=True)
    assert turn.ready and records.unfinished_drill(SENDER).skill == "programming"


def test_a_yes_starts_the_offered_drill_and_a_plain_yes_or_no_is_acknowledged(practice, records):
    assert practice.confirm(True, None, None, "m1").replies[0].response == "utter_ack_affirm"
    assert practice.confirm(False, None, "ai_ethics", "m2").replies[0].response == "utter_ack_deny"
    assert practice.confirm(True, None, "astrology", "m3").replies[0].response == "utter_ack_affirm"
    assert practice.confirm(True, None, "ai_ethics", "m4").ready
    assert records.unfinished_drill(SENDER).skill == "ai_ethics"


def test_a_yes_to_the_deletion_deletes_and_the_conversation_is_forgotten(practice, records):
    drill_of(records, OpenQuestion)
    practice.answer("I don't know", "a1")
    kept = practice.confirm(False, account.DELETE_DATA, None, "m1")
    assert not kept.forgotten and len(records.attempts(SENDER)) == 1
    deleted = practice.confirm(True, account.DELETE_DATA, None, "m2")
    assert deleted.forgotten and deleted.pending is None and not deleted.ready
    assert deleted.replies[0].text.startswith("Done: I've deleted") and deleted.replies[1].payload == DataDeleted()
    assert records.drills(SENDER) == [] and records.attempts(SENDER) == []


def test_a_choice_question_is_sent_as_a_quiz_and_takes_a_letter(practice, records):
    [choice_id] = drill_of(records, ChoiceQuestion)
    question = question_bank().get(choice_id)
    asked = practice.ask()
    quiz = asked[1].payload
    assert isinstance(quiz, Quiz) and quiz.question_id == choice_id and quiz.correct_option_id == question.correct
    assert [b["payload"] for b in asked[2].buttons] == list(question.letters) + ["Skip", "Repeat", "Stop"]
    invalid = practice.answer("Z", "a1")
    assert invalid.end is None and invalid.replies[0].text.startswith("Please pick one of")
    wrong = next(letter for letter in question.letters if letter != question.correct_letter)
    answered = practice.answer(wrong.lower(), "a2")
    assert answered.replies[0].text.startswith("✗ Not quite.") and answered.end == FINISHED
    [attempt] = records.attempts(SENDER)
    assert (attempt.question_id, attempt.score, attempt.answer_text) == (choice_id, 0, wrong.lower())


def test_an_open_answer_is_scored_recorded_and_scheduled_for_review(practice, records):
    [open_id, _] = drill_of(records, OpenQuestion, ChoiceQuestion)
    question = question_bank().get(open_id)
    answered = practice.answer(question.model_answer, "a1")
    assert answered.end is None and answered.replies[0].text.startswith("Score: ")
    [attempt] = records.attempts(SENDER)
    assert attempt.score >= 80 and attempt.covered
    assert open_id in records.reviews(SENDER)
    assert records.unfinished_drill(SENDER).position == 1


def test_a_request_made_with_a_bot_command_is_never_taken_as_the_answer(practice, records):
    """`/drill statistics` reaches the assistant as words; mid-drill it is not scored."""
    [open_id, _] = drill_of(records, OpenQuestion, ChoiceQuestion)
    answered = practice.answer("ask me interview questions about statistics", "r1", request=True)
    assert answered.end is None
    assert answered.replies[0].text.startswith("You're in the middle of a drill.")
    assert question_bank().get(open_id).prompt in answered.replies[1].text
    assert records.attempts(SENDER) == [] and records.unfinished_drill(SENDER).position == 0


def test_a_degenerate_answer_gets_advice_and_is_not_recorded(practice, records):
    drill_of(records, OpenQuestion)
    advice = practice.answer("backpropagation", "a1")
    assert advice.end is None and advice.replies[0].text.startswith("Score: 0/100.") and advice.replies[0].buttons
    assert records.attempts(SENDER) == []


def test_hint_and_repeat_record_nothing(practice, records):
    [open_id] = drill_of(records, OpenQuestion)
    hint = practice.answer("hint please", "a1")
    assert texts(hint.replies) == [f"Hint: {question_bank().get(open_id).hint}"]
    assert records.unfinished_drill(SENDER).hint_used
    repeat = practice.answer("repeat", "a2")
    assert question_bank().get(open_id).prompt in repeat.replies[0].text and repeat.end is None
    assert records.attempts(SENDER) == []


def test_skip_records_no_score_and_the_last_skip_finishes_the_drill(practice, records):
    drill_of(records, OpenQuestion, ChoiceQuestion)
    first = practice.answer("skip", "a1")
    assert first.end is None and first.replies[0].text.startswith("Skipped.")
    last = practice.answer("skip", "a2")
    assert last.end == FINISHED
    assert [(a.outcome, a.score) for a in records.attempts(SENDER)] == [(SKIPPED, None), (SKIPPED, None)]
    summary, suggestion = practice.end()
    assert summary.text.startswith("Drill complete: Statistics and probability.")
    assert suggestion.buttons[-1]["title"] == "My progress"


def test_a_replayed_answer_gets_the_same_feedback_and_the_next_question_but_is_recorded_once(practice, records):
    [open_id, _] = drill_of(records, OpenQuestion, ChoiceQuestion)
    first = practice.answer(question_bank().get(open_id).model_answer, "tg-42")
    again = practice.answer(question_bank().get(open_id).model_answer, "tg-42")
    assert again.replies[0] == first.replies[0] and again.end is None
    assert again.replies[1].text.startswith("Question 2 of 2") and isinstance(again.replies[2].payload, Quiz)
    assert len(records.attempts(SENDER)) == 1 and records.unfinished_drill(SENDER).position == 1


def test_a_replayed_last_answer_ends_the_drill_again(practice, records):
    drill_of(records, OpenQuestion)
    first = practice.answer("I don't know", "tg-1")
    again = practice.answer("I don't know", "tg-1")
    assert first.end == again.end == FINISHED and texts(again.replies) == texts(first.replies)


def test_a_slash_message_during_a_drill_is_no_answer(practice, records):
    drill_of(records, OpenQuestion)
    replies = practice.answer(intent_payload(DRILL_INTENT, **{SKILL_ENTITY: "statistics"}), "a1")
    assert "middle of a drill" in replies.replies[0].text and replies.replies[1].text.startswith("Question 1 of 1")
    assert records.attempts(SENDER) == []


def test_a_reply_after_the_drill_ended_elsewhere_ends_the_form(practice, records):
    assert practice.answer("an answer", "a1").end == ENDED
    assert practice.end()[0].text.startswith("That drill has ended.")


def test_the_pending_request_survives_the_slot_as_json():
    request = DrillRequest("statistics", False, 7)
    assert json.loads(request.to_json()) == {"skill": "statistics", "review": False, "count": 7}
    assert DrillRequest.from_json(request.to_json()) == request
