"""A candidate's own questions: limits, listing, showing, changing, deleting, drilling and
scoring them in reference-only mode, and privacy (nobody else sees, drills or changes them)."""
from __future__ import annotations

import pytest

from coach.practice.history import own_question_id
from coach.practice.own_questions import (
    DELETE,
    MAX_OWN_QUESTIONS,
    MY_QUESTIONS,
    SHOW,
    OwnQuestions,
    QuestionSource,
    answer_problem,
    prompt_problem,
    read_skill,
)
from coach.practice.sessions import DrillRequest, Practice
from coach.storage.records import Records

ALICE, BOB = "1001", "1002"
PROMPT = "How would you detect data drift in a deployed churn model?"
ANSWER = ("Compare the distribution of each input feature in production with the training data, for example with "
          "the population stability index or a Kolmogorov-Smirnov test. Also watch the distribution of predictions, "
          "and once labels arrive, the model's accuracy over time. Alert when a shift passes a threshold and retrain.")


@pytest.fixture
def records() -> Records:
    return Records.from_url("sqlite://")


def test_questions_and_answers_too_short_or_long_are_refused_with_the_reason():
    assert prompt_problem("why?") and prompt_problem("x" * 501) and prompt_problem(PROMPT) is None
    assert answer_problem("use a test") and answer_problem("word " * 2000) and answer_problem(ANSWER) is None


def test_a_skill_is_read_from_its_name_or_id_or_my_questions():
    assert read_skill("Statistics and probability") == "statistics" and read_skill("deep learning") == "deep_learning"
    assert read_skill("My questions") == MY_QUESTIONS and read_skill("none") == MY_QUESTIONS
    assert read_skill("astrology") is None


def test_saved_questions_are_listed_shown_changed_and_deleted_by_their_owner_only(records):
    alice = OwnQuestions(records, ALICE)
    assert "no questions of your own yet" in alice.listing()[0].text
    saved = alice.save(PROMPT, ANSWER, "deployment_cloud", None)
    assert saved[0].text.startswith("Saved: question 1 in Deployment and cloud")
    listing = alice.listing()[0]
    assert "1. [Deployment and cloud] How would you detect data drift" in listing.text
    assert listing.buttons[0]["payload"] == '/my_questions{"own_question": "1", "own_action": "show"}'
    assert "Model answer: Compare the distribution" in alice.manage("1", SHOW)[0].text
    bob = OwnQuestions(records, BOB)
    assert "no questions of your own yet" in bob.listing()[0].text
    assert bob.manage("1", SHOW)[0].text.startswith("You have no question 1")
    assert bob.manage("1", DELETE)[0].text.startswith("You have no question 1")
    hijack = bob.save("Hijacked wording of the question?", ANSWER, "deployment_cloud", 1)
    assert hijack[0].text.startswith("You have no question 1")
    assert alice.current(1).prompt == PROMPT
    changed = alice.save("How do you detect drift in production?", ANSWER, MY_QUESTIONS, 1)
    assert changed[0].text.startswith("Changed: question 1 in My questions")
    assert alice.manage("1", DELETE)[0].text.startswith("Deleted question 1")
    assert records.own_questions(ALICE) == []


def test_no_more_than_the_limit_is_kept(records):
    for n in range(MAX_OWN_QUESTIONS):
        records.save_own_question(ALICE, MY_QUESTIONS, f"Question number {n}?", ANSWER)
    assert OwnQuestions(records, ALICE).can_add().text.startswith(f"You have {MAX_OWN_QUESTIONS} questions")
    assert records.save_own_question(ALICE, MY_QUESTIONS, "One too many?", ANSWER, limit=MAX_OWN_QUESTIONS) is None
    assert OwnQuestions(records, BOB).can_add() is None


def test_own_questions_are_drilled_scored_against_the_model_answer_and_scheduled(records):
    OwnQuestions(records, ALICE).save(PROMPT, ANSWER, MY_QUESTIONS, None)
    practice = Practice(records, ALICE)
    turn = practice.start(DrillRequest(MY_QUESTIONS), "s1", replace=False)
    assert turn.ready and "1-question My questions drill" in turn.replies[0].text
    asked = practice.ask()
    assert PROMPT in asked[0].text and "My questions" in asked[0].text
    good = practice.answer("I would compare the feature distributions in production against training with the "
                           "population stability index, watch the predictions' distribution and accuracy once labels "
                           "arrive, and alert and retrain when the shift passes a threshold.", "a1")
    assert good.replies[0].text.startswith("Score: ") and good.end == "finished"
    [attempt] = records.attempts(ALICE)
    assert attempt.question_id == own_question_id(1) and attempt.score >= 60 and attempt.skill == MY_QUESTIONS
    assert own_question_id(1) in records.reviews(ALICE)
    summary = practice.end()[0].text
    assert "Drill complete: My questions." in summary and "How would you detect data drift" in summary


def test_a_fluent_answer_about_something_else_scores_low_against_an_own_question(records):
    OwnQuestions(records, ALICE).save(PROMPT, ANSWER, MY_QUESTIONS, None)
    practice = Practice(records, ALICE)
    practice.start(DrillRequest(MY_QUESTIONS), "s1", replace=False)
    practice.ask()
    wrong = practice.answer("Gradient boosting builds shallow trees one after another, each fitting the residual "
                            "errors of the ensemble so far, with a learning rate that shrinks each tree's share.", "a1")
    assert wrong.replies[0].text.startswith("Score: ") and records.attempts(ALICE)[0].score <= 35


def test_own_questions_of_a_skill_join_its_drills_and_stay_private(records):
    OwnQuestions(records, ALICE).save(PROMPT, ANSWER, "deployment_cloud", None)
    alice, bob = QuestionSource(records, ALICE), QuestionSource(records, BOB)
    assert own_question_id(1) in {q.id for q in alice.for_skill("deployment_cloud")}
    assert own_question_id(1) not in {q.id for q in bob.for_skill("deployment_cloud")}
    assert alice.get(own_question_id(1)).prompt == PROMPT and bob.get(own_question_id(1)) is None
    assert "no questions of your own yet" in Practice(records, BOB).start(DrillRequest(MY_QUESTIONS), "s", False).replies[0].text


def test_a_question_deleted_mid_drill_is_skipped_and_export_and_deletion_include_them(records):
    OwnQuestions(records, ALICE).save(PROMPT, ANSWER, MY_QUESTIONS, None)
    practice = Practice(records, ALICE)
    practice.start(DrillRequest(MY_QUESTIONS), "s1", replace=False)
    practice.ask()
    assert records.export(ALICE)["own_questions"] == [
        {"number": 1, "skill": MY_QUESTIONS, "question": PROMPT, "model_answer": ANSWER}]
    records.delete_own_question(ALICE, 1)
    skipped = practice.answer("anything at all here", "a1")
    assert "no longer in the bank" in skipped.replies[0].text
    OwnQuestions(records, ALICE).save(PROMPT, ANSWER, MY_QUESTIONS, None)
    records.delete_person(ALICE)
    assert records.own_questions(ALICE) == [] and records.export(ALICE)["own_questions"] == []
