"""The drill's decisions, called directly (no Rasa) on records in an in-memory SQLite database:
starting, resuming, replacing, answering in every way, requests made mid-drill, replaying a
retried turn, stopping."""
from __future__ import annotations

import json

import pytest

from coach.content.question_bank import ChoiceQuestion, OpenQuestion, question_bank
from coach.contract import (
    AFFIRM_INTENT,
    COUNT_ENTITY,
    DELETE_INTENT,
    DENY_INTENT,
    DRILL_INTENT,
    EXPORT_INTENT,
    FALLBACK_INTENT,
    FAQ_INTENT,
    GREET_INTENT,
    HELP_INTENT,
    MODE_ENTITY,
    PROGRESS_INTENT,
    REQUEST_METADATA,
    RESUME_INTENT,
    SKILL_ENTITY,
    TOPIC_ENTITY,
    DataDeleted,
    DataExport,
    Quiz,
    intent_payload,
)
from coach.practice import account, feedback
from coach.practice.drill import as_asked
from coach.practice.history import ACTIVE, ANSWERED, FINISHED, REPLACED, SKIPPED, STOPPED
from coach.practice.sessions import (
    ALREADY_ANSWERED,
    ENDED,
    MAYBE_REQUEST_CONFIDENCE,
    REQUEST_CONFIDENCE,
    DrillRequest,
    HeldAnswer,
    Practice,
)
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


def said(intent: str, confidence: float = 0.99, faq: str | None = None, **metadata: object) -> dict:
    """A parse as Rasa's NLU gives it (the tracker's latest message): the intent, its ranking,
    for an FAQ question the ResponseSelector's ranking, the channel's metadata."""
    parse: dict = {
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": [{"name": intent, "confidence": confidence}],
        "entities": [], "metadata": metadata,
    }
    if faq:
        ranking = [{"intent_response_key": f"{FAQ_INTENT}/{faq}", "confidence": 0.9}]
        parse["response_selector"] = {FAQ_INTENT: {"ranking": ranking}}
    return parse


def unsure(intent: str, confidence: float) -> dict:
    """A parse the FallbackClassifier marked as unsure: its best real intent comes second."""
    return {"intent": {"name": FALLBACK_INTENT, "confidence": 0.5}, "entities": [], "metadata": {},
            "intent_ranking": [{"name": FALLBACK_INTENT, "confidence": 0.5}, {"name": intent, "confidence": confidence}]}


def pending_unchanged(records: Records) -> None:
    """Nothing recorded, and the first question still pending and shown."""
    drill = records.unfinished_drill(SENDER)
    assert records.attempts(SENDER) == [] and drill.position == 0 and drill.status == ACTIVE
    assert drill.asked_at is not None


def back_to_the_question(reply) -> None:
    assert {"title": "Back to the question", "payload": "Repeat"} in reply.buttons


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
    assert not turn.ready and len(turn.replies[0].buttons) == 14  # a mock interview, then the 13 skills
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
    assert not turn.ready and "no paused drill" in turn.replies[0].text and len(turn.replies[0].buttons) == 14


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


def test_the_message_that_started_the_drill_is_not_read_as_its_answer_or_a_request(practice, records):
    """A drill form left with its slot requested (a drill stopped by another one) reads the
    starting message again when it begins: that is neither an answer nor "another drill"."""
    practice.start(DrillRequest("statistics"), "m1", replace=False)
    practice.start(DrillRequest("programming"), "m2", replace=True)
    again = practice.answer('/start_drill{"skill": "programming", "mode": "replace"}', "m2",
                            said(DRILL_INTENT, **{REQUEST_METADATA: True}))
    assert again.replies == [] and again.end is None
    assert records.attempts(SENDER) == [] and records.unfinished_drill(SENDER).position == 0


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
    question = as_asked(question_bank().get(choice_id), records.unfinished_drill(SENDER).id)
    asked = practice.ask()
    quiz = asked[1].payload
    assert isinstance(quiz, Quiz) and quiz.question_id == choice_id and quiz.correct_option_id == question.correct
    assert quiz.options == question.options and sorted(question.options) == sorted(question_bank().get(choice_id).options)
    assert [b["payload"] for b in asked[2].buttons] == list(question.letters) + ["Skip", "Repeat", "Stop"]
    invalid = practice.answer("Z", "a1")
    assert invalid.end is None and invalid.replies[0].text.startswith("Please pick one of")
    wrong = next(letter for letter in question.letters if letter != question.correct_letter)
    answered = practice.answer(wrong.lower(), "a2")
    assert answered.replies[0].text.startswith("✗ Not quite.") and answered.end == FINISHED
    [attempt] = records.attempts(SENDER)
    chosen = question.options[question.letters.index(wrong)]  # the option itself: letters differ between drills
    assert (attempt.question_id, attempt.score, attempt.answer_text) == (choice_id, 0, chosen)


def test_each_drill_asks_a_choice_questions_options_in_its_own_order_and_keeps_it():
    question = next(q for q in question_bank().questions.values() if isinstance(q, ChoiceQuestion))
    orders = {as_asked(question, drill_id).options for drill_id in range(40)}
    assert len(orders) > 3  # drills differ
    assert as_asked(question, 7) == as_asked(question, 7)  # a drill shows it the same way every time
    for drill_id in range(40):
        asked = as_asked(question, drill_id)
        assert asked.options[asked.correct] == question.options[question.correct]
    positions = [as_asked(q, 1).correct for q in question_bank().questions.values() if isinstance(q, ChoiceQuestion)]
    assert len(set(positions)) == 4 and max(positions.count(p) for p in set(positions)) < 0.4 * len(positions)


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
    """`/drill statistics` reaches the assistant as words; mid-drill it is not scored, whatever
    the NLU's confidence, and a command of no request kind gets the question again."""
    [open_id, _] = drill_of(records, OpenQuestion, ChoiceQuestion)
    practice.ask()
    drill = practice.answer("ask me interview questions about statistics", "r1",
                            said(DRILL_INTENT, 0.3, **{REQUEST_METADATA: True}))
    assert drill.end is None and drill.replies[0].text.startswith("You're in the middle of a Statistics and probability drill.")
    other = practice.answer("hello there", "r2", said(GREET_INTENT, **{REQUEST_METADATA: True}))
    assert other.replies[0].text.startswith("You're in the middle of a drill.")
    assert question_bank().get(open_id).prompt in other.replies[1].text
    pending_unchanged(records)


def ask_first(practice: Practice, records: Records, *kinds: type) -> None:
    drill_of(records, *(kinds or (OpenQuestion,)))
    practice.ask()


@pytest.mark.parametrize(
    ("text", "parse", "shows"),
    [
        ("how am I doing?", said(PROGRESS_INTENT), "You haven't answered any drill questions yet"),
        ("help", said(HELP_INTENT, 0.91), feedback.DRILL_HELP),
        ("drill me on deep learning", said(DRILL_INTENT), "You're in the middle of a Statistics and probability drill."),
        ("export my data", said(EXPORT_INTENT), "Here is everything I have stored about you"),
        ("delete my data", said(DELETE_INTENT), feedback.DELETE_IN_DRILL),
        ("what does an ML engineer earn?", said(FAQ_INTENT, faq="salary_and_demand"), None),
        (intent_payload(FAQ_INTENT, **{TOPIC_ENTITY: "certification"}), said(FAQ_INTENT, 1.0, faq="certification"), None),
        (intent_payload(PROGRESS_INTENT), said(PROGRESS_INTENT, 1.0), "You haven't answered any drill questions yet"),
    ],
)
def test_a_request_mid_drill_is_handled_and_the_question_stays_pending(practice, records, text, parse, shows):
    ask_first(practice, records)
    answered = practice.answer(text, "r1", parse)
    assert answered.end is None and answered.held is None
    if shows is not None:
        assert answered.replies[0].text.startswith(shows)
    back_to_the_question(answered.replies[-1])
    pending_unchanged(records)
    assert practice.ask() == []  # the form asks nothing more: the question was shown already
    again = practice.answer("Repeat", "r2")  # the button back to the question
    assert again.replies[0].text.startswith("Question 1 of 1")


def test_progress_export_and_faq_answers_are_given_then_the_question_is_recalled(practice, records):
    ask_first(practice, records)
    progress = practice.answer("how am I doing?", "r1", said(PROGRESS_INTENT))
    assert progress.replies[-1].text == "Question 1 of 1 is still waiting for your answer."
    exported = practice.answer("export my data", "r2", said(EXPORT_INTENT), conversation=[{"from": "you", "text": "hi"}])
    assert isinstance(exported.replies[1].payload, DataExport)
    assert exported.replies[1].payload.data["conversation"] == [{"from": "you", "text": "hi"}]
    faq = practice.answer("what does an ML engineer earn?", "r3", said(FAQ_INTENT, faq="salary_and_demand"))
    assert faq.replies[0].response == "utter_faq/salary_and_demand"
    other_drill = practice.answer("drill me on deep learning", "r4", said(DRILL_INTENT))
    assert [b["title"] for b in other_drill.replies[0].buttons] == ["Stop", "Back to the question"]
    deletion = practice.answer("delete my data", "r5", said(DELETE_INTENT))
    assert [b["payload"] for b in deletion.replies[0].buttons] == ["Stop", "Repeat"]
    pending_unchanged(records)


def test_resume_and_what_was_the_question_show_the_pending_question(practice, records):
    ask_first(practice, records)
    resumed = practice.answer("let's continue", "r1", said(RESUME_INTENT))
    repeated = practice.answer("what was the question", "r2", unsure(DRILL_INTENT, 0.48))
    assert texts(resumed.replies) == texts(repeated.replies) and resumed.replies[0].text.startswith("Question 1 of 1")
    pending_unchanged(records)


def test_a_long_answer_is_scored_whatever_the_nlu_says(practice, records):
    ask_first(practice, records)
    text = "I would track progress by reporting the standard deviation since it is in the original units of the data"
    answered = practice.answer(text, "a1", said(PROGRESS_INTENT, 0.99))
    assert answered.replies[0].text.startswith("Score: ")
    [attempt] = records.attempts(SENDER)
    assert attempt.outcome == ANSWERED and attempt.answer_text == text


def test_a_reply_below_the_unsure_threshold_is_the_answer(practice, records):
    ask_first(practice, records)
    answered = practice.answer("the square root of the variance", "a1", unsure(PROGRESS_INTENT, MAYBE_REQUEST_CONFIDENCE - 0.1))
    assert answered.replies[0].text.startswith("Score: ") and len(records.attempts(SENDER)) == 1


@pytest.mark.parametrize(
    ("text", "parse"),
    [
        ("show how spread out my data is", said(PROGRESS_INTENT, (MAYBE_REQUEST_CONFIDENCE + REQUEST_CONFIDENCE) / 2)),
        ("show how spread out my data is", unsure(PROGRESS_INTENT, 0.55)),  # the runner-up intent was too close
        ("std is the square root of variance", said(PROGRESS_INTENT)),  # a clear request, but says a key point
        ("gradient descent and the median", said(FAQ_INTENT, faq="applied_math")),  # not phrased as a question
    ],
)
def test_a_reply_that_could_be_either_is_asked_about_and_recorded_once_on_yes(practice, records, text, parse):
    ask_first(practice, records)
    asked = practice.answer(text, "m1", parse)
    assert asked.replies[0].text == feedback.IS_IT_YOUR_ANSWER and asked.end is None
    assert [b["payload"] for b in asked.replies[0].buttons] == [intent_payload(AFFIRM_INTENT), intent_payload(DENY_INTENT)]
    assert HeldAnswer.read(asked.held) == HeldAnswer(text, "m1", records.unfinished_drill(SENDER).pending_question_id)
    pending_unchanged(records)
    yes = practice.answer(intent_payload(AFFIRM_INTENT), "m2", said(AFFIRM_INTENT, 1.0), held=asked.held)
    assert yes.held is None and yes.end == FINISHED
    [attempt] = records.attempts(SENDER)
    assert (attempt.message_key, attempt.answer_text) == ("m1", text)
    again = practice.answer(intent_payload(AFFIRM_INTENT), "m2", said(AFFIRM_INTENT, 1.0), held=asked.held)  # retried
    assert texts(again.replies) == texts(yes.replies) and len(records.attempts(SENDER)) == 1


def test_no_to_is_that_your_answer_records_nothing_and_the_answer_comes_next(practice, records):
    ask_first(practice, records)
    asked = practice.answer("show my progress", "m1", said(PROGRESS_INTENT, 0.6))
    no = practice.answer("no", "m2", said(DENY_INTENT, 0.97), held=asked.held)
    assert texts(no.replies) == [feedback.NOT_RECORDED] and no.held is None
    back_to_the_question(no.replies[0])
    pending_unchanged(records)
    answered = practice.answer("std is the square root of variance, in the original units", "m3", said(FAQ_INTENT, 0.4))
    assert answered.replies[0].text.startswith("Score: ")
    assert [a.message_key for a in records.attempts(SENDER)] == ["m3"]


def test_a_held_reply_is_dropped_by_anything_but_yes_or_no(practice, records):
    ask_first(practice, records)
    asked = practice.answer("show my progress", "m1", said(PROGRESS_INTENT, 0.6))
    hint = practice.answer("hint", "m2", said(HELP_INTENT, 0.6), held=asked.held)
    assert hint.held is None and hint.replies[0].text.startswith("Hint:")
    assert records.attempts(SENDER) == []


def test_yes_no_buttons_without_a_held_reply_or_for_another_question_score_nothing(practice, records):
    ask_first(practice, records, OpenQuestion, OpenQuestion)
    for parse in (said(AFFIRM_INTENT, 1.0), said(DENY_INTENT, 1.0)):
        stray = practice.answer(intent_payload(parse["intent"]["name"]), "s1", parse)
        assert stray.replies[0].text.startswith("You're in the middle of a drill.")
    stale = HeldAnswer("std is the square root of variance", "old", "statistics.some_other_question").to_json()
    yes = practice.answer(intent_payload(AFFIRM_INTENT), "s2", said(AFFIRM_INTENT, 1.0), held=stale)
    assert texts(yes.replies) == [ALREADY_ANSWERED]
    pending_unchanged(records)


def test_a_held_reply_left_after_its_drill_answers_no_yes_outside_it(practice):
    held = HeldAnswer("show my progress", "m1", "statistics.variance_vs_std").to_json()
    assert practice.confirm(True, held, None, "m2").replies[0].response == "utter_ack_affirm"


@pytest.mark.parametrize("text", ["", "backpropagation", "asdkjh qwpoeiru zmxncb",
                                  "La variance mesure la dispersion des données autour de la moyenne"])
def test_a_degenerate_answer_gets_its_advice_unscored_and_is_not_recorded(practice, records, text):
    ask_first(practice, records)
    advice = practice.answer(text, "a1")
    assert advice.end is None and advice.replies[0].text.startswith("Not scored: ") and advice.replies[0].buttons
    assert "/100" not in advice.replies[0].text
    pending_unchanged(records)


def test_a_copy_of_the_question_is_told_so(practice, records):
    [open_id] = drill_of(records, OpenQuestion)
    advice = practice.answer(question_bank().get(open_id).prompt, "a1")
    assert advice.replies[0].text == "Not scored: That repeats the question. Answer it in your own words: what it is, " \
        "why it matters, an example."
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
    assert json.loads(request.to_json()) == {"skill": "statistics", "review": False, "count": 7, "interview": False}
    assert DrillRequest.from_json(request.to_json()) == request
