"""The candidate has the last word on a grade: the suggested rating, the four buttons, a
changed rating that moves that review (and only that one), and the authors' report of where
candidates disagree with the scorer."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fsrs import Rating

from coach.config import Config
from coach.content.question_bank import ChoiceQuestion, OpenQuestion, question_bank
from coach.contract import ANSWER_KEY_ENTITY, RATE_INTENT, RATING_ENTITY, REQUEST_METADATA, intent_payload
from coach.practice import feedback
from coach.practice.ratings import disagreements, rating_named, rating_word, suggested_rating
from coach.practice.sessions import Practice
from coach.storage.records import Records

SENDER, OTHER = "candidate-1", "candidate-2"
START = datetime(2026, 11, 30, 9, 0)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def records() -> Records:
    return Records.from_url("sqlite://")


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


def practice_of(records: Records, clock: Clock, sender: str = SENDER) -> Practice:
    return Practice(records, sender, Config.from_environ({}), clock)


def open_question(n: int = 0) -> OpenQuestion:
    return [q for q in question_bank().for_skill("statistics") if isinstance(q, OpenQuestion)][n]


def choice_question() -> ChoiceQuestion:
    return next(q for q in question_bank().for_skill("statistics") if isinstance(q, ChoiceQuestion))


def answer(records: Records, clock: Clock, question_id: str, text: str, key: str, sender: str = SENDER):
    records.start_drill(sender, "statistics", [question_id], f"start-{key}")
    return practice_of(records, clock, sender).answer(text, key)


def test_the_score_suggests_a_rating_and_multiple_choice_is_good_or_again():
    question, choice = open_question(), choice_question()
    assert [suggested_rating(question, s) for s in (0, 29, 30, 59, 60, 84, 85, 100)] == [
        Rating.Again, Rating.Again, Rating.Hard, Rating.Hard, Rating.Good, Rating.Good, Rating.Easy, Rating.Easy]
    assert [suggested_rating(choice, s) for s in (0, 100)] == [Rating.Again, Rating.Good]
    assert rating_named(" Hard ") is Rating.Hard and rating_named("so-so") is None and rating_named(None) is None
    assert rating_word("the score was too low: rate it GOOD") == "good" and rating_word("rate it") is None


def test_feedback_on_an_open_answer_offers_the_four_ratings_with_the_suggestion_marked(records, clock):
    question = open_question()
    answered = answer(records, clock, question.id, question.model_answer, "a1")
    reply = answered.replies[0]
    assert feedback.RATE_IT in reply.text
    attempt = records.attempts(SENDER)[0]
    suggested = suggested_rating(question, attempt.score)
    assert attempt.suggested_rating == attempt.rating == int(suggested)
    titles = [b["title"] for b in reply.buttons]
    assert titles == [("✓ " if name == suggested.name else "") + name for name in ("Again", "Hard", "Good", "Easy")]
    assert reply.buttons[0]["payload"] == intent_payload(RATE_INTENT, **{RATING_ENTITY: "again", ANSWER_KEY_ENTITY: "a1"})


def test_multiple_choice_and_skips_get_no_rating_buttons(records, clock):
    choice = choice_question()
    right = answer(records, clock, choice.id, choice.options[choice.correct], "c1")
    assert right.replies[0].buttons == [] and records.attempts(SENDER)[0].rating == int(Rating.Good)
    question = open_question()
    skipped = answer(records, clock, question.id, "skip", "s1")
    assert skipped.replies[0].buttons == [] and records.attempts(SENDER)[-1].rating is None


def test_a_changed_rating_reschedules_that_review_from_the_card_it_started_with(records, clock):
    question = open_question()
    answer(records, clock, question.id, question.model_answer, "a1")
    suggested_due = records.reviews(SENDER)[question.id].due
    clock.now = START + timedelta(hours=5)  # rated later: the review still counts from when it was made
    replies = practice_of(records, clock).rate("again", "a1")
    assert replies[0].text.startswith("Rated Again (your score suggested")
    again_due = records.reviews(SENDER)[question.id].due
    assert START < again_due < suggested_due and again_due - START < timedelta(hours=1)
    attempt = records.attempts(SENDER)[0]
    assert attempt.rating == int(Rating.Again) and attempt.suggested_rating > attempt.rating
    assert attempt.suggested_rating == int(Rating.Easy)  # the model answer itself
    practice_of(records, clock).rate("good", "a1")
    assert again_due < records.reviews(SENDER)[question.id].due < suggested_due
    practice_of(records, clock).rate("easy", "a1")  # back to the suggestion: the same schedule as at first
    assert records.reviews(SENDER)[question.id].due == suggested_due


def test_an_older_review_of_the_same_question_cannot_be_rerated(records, clock):
    question = open_question()
    answer(records, clock, question.id, question.model_answer, "a1")
    clock.now = START + timedelta(days=3)
    answer(records, clock, question.id, question.model_answer, "a2")
    due = records.reviews(SENDER)[question.id].due
    assert practice_of(records, clock).rate("again", "a1")[0].text == feedback.RATING_SUPERSEDED
    assert records.reviews(SENDER)[question.id].due == due
    assert practice_of(records, clock).rate("hard", None)[0].text.startswith("Rated Hard")  # typed: the latest


def test_nobody_rates_another_candidates_answer_and_nonsense_is_explained(records, clock):
    question = open_question()
    answer(records, clock, question.id, question.model_answer, "a1")
    due = records.reviews(SENDER)[question.id].due
    assert practice_of(records, clock, OTHER).rate("again", "a1")[0].text == feedback.RATED_ANSWER_GONE
    assert practice_of(records, clock, OTHER).rate("again", None)[0].text == feedback.NOTHING_TO_RATE
    assert practice_of(records, clock).rate("brilliant", "a1")[0].text == feedback.RATING_WORDS
    assert records.reviews(SENDER)[question.id].due == due


def test_a_rating_button_tapped_mid_drill_is_handled_and_the_question_waits(records, clock):
    first, second = open_question(0), open_question(1)
    records.start_drill(SENDER, "statistics", [first.id, second.id], "start")
    practice = practice_of(records, clock)
    practice.answer(first.model_answer, "a1")
    practice.ask()
    parse = {"intent": {"name": RATE_INTENT, "confidence": 1.0}, "intent_ranking": [],
             "entities": [{"entity": RATING_ENTITY, "value": "hard"}, {"entity": ANSWER_KEY_ENTITY, "value": "a1"}],
             "metadata": {REQUEST_METADATA: False}}
    payload = intent_payload(RATE_INTENT, **{RATING_ENTITY: "hard", ANSWER_KEY_ENTITY: "a1"})
    answered = practice.answer(payload, "tap-1", parse)
    assert answered.replies[0].text.startswith("Rated Hard") and "still waiting" in answered.replies[-1].text
    assert len(records.attempts(SENDER)) == 1 and records.unfinished_drill(SENDER).position == 1


def test_the_authors_report_lists_the_questions_candidates_rerate_most():
    pairs = [("q1", 2, 3), ("q1", 2, 3), ("q1", 3, 3), ("q2", 4, 1), ("q3", 3, 3)]
    found = disagreements(pairs)
    assert [(d.question_id, d.rated, d.changed) for d in found] == [("q1", 3, 2), ("q2", 1, 1)]
    assert found[0].mean_shift == 0.67 and found[1].mean_shift == -3


def test_the_records_give_the_report_every_candidates_rating_pairs(records, clock):
    question = open_question()
    answer(records, clock, question.id, question.model_answer, "a1")
    answer(records, clock, question.id, "", "x", OTHER)  # not scored: nothing recorded
    practice_of(records, clock).rate("again", "a1")
    suggested = int(suggested_rating(question, records.attempts(SENDER)[0].score))
    assert records.rating_pairs() == [(question.id, suggested, int(Rating.Again))]
