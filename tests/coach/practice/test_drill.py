"""The drill's rules: reading replies, question choice and review scheduling."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fsrs import Rating

from coach.content.question_bank import ChoiceQuestion, OpenQuestion, question_bank
from coach.practice.drill import (
    Allowance,
    Command,
    asks_something,
    choose_questions,
    clamp_count,
    command_in,
    due_question_ids,
    next_review,
    parse_choice,
    requested_count,
)
from coach.practice.history import RecordedAttempt, Review

NOW = datetime(2026, 11, 21, 12, 0)


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("hint", Command.HINT), ("Hint please", Command.HINT), ("can I get a hint?", Command.HINT),
        ("skip", Command.SKIP), ("next question", Command.SKIP), ("pass", Command.SKIP),
        ("repeat", Command.REPEAT), ("say that again", Command.REPEAT), ("what was the question again?", Command.REPEAT),
        ("What was the question?", Command.REPEAT), ("what's the question", Command.REPEAT), ("the question", Command.REPEAT),
        ("could you give me a hint please", Command.HINT), ("I'd like a clue", Command.HINT),
        ("I don't know", Command.DONT_KNOW), ("idk", Command.DONT_KNOW), ("no idea", Command.DONT_KNOW),
        ("I dont know", Command.DONT_KNOW), ("I don’t know", Command.DONT_KNOW),
        ("stop", Command.STOP), ("Stop the drill.", Command.STOP), ("quit", Command.STOP), ("pause", Command.STOP),
        ("I don't know the exact formula but variance measures spread", None),
        ("the next step is to stop training early when validation loss rises", None),
        ("skipping connections help gradients flow", None),
    ],
)
def test_short_replies_are_commands_and_longer_ones_answers(text, command):
    assert command_in(text) == command


@pytest.mark.parametrize(
    ("text", "asking"),
    [("what does an ML engineer earn?", True), ("which certificates are worth it", True), ("Do I need a PhD", True),
     ("tell me about salaries", True), ("gradient descent", False), ("the mean of squared deviations", False),
     ("it is the square root of the variance", False)],
)
def test_questions_to_the_assistant_are_told_from_statements(text, asking):
    assert asks_something(text) is asking


@pytest.mark.parametrize(
    ("text", "count"),
    [("quiz me on stats", None), ("give me 10 questions", 10), ("three quick questions on CNNs", 3),
     ("a 7-question drill", 7), ("50 questions please", 50), ("deep learning for 2 rounds", 2)],
)
def test_requested_count(text, count):
    assert requested_count(text) == count


def test_counts_are_kept_between_1_and_20():
    assert [clamp_count(c) for c in (None, 0, 1, 12, 20, 50)] == [5, 1, 1, 12, 20, 20]


def choice_question() -> ChoiceQuestion:
    return next(q for q in question_bank().questions.values() if isinstance(q, ChoiceQuestion))


def test_choices_are_read_from_letters_numbers_or_option_text():
    question = choice_question()
    assert parse_choice(question, "b") == 1 and parse_choice(question, "B)") == 1
    assert parse_choice(question, "option C") == 2 and parse_choice(question, "I choose a") == 0
    assert parse_choice(question, "2") == 1
    assert parse_choice(question, question.options[2].upper()) == 2
    assert parse_choice(question, "Z") is None and parse_choice(question, "maybe the second") is None


def test_options_that_differ_only_in_punctuation_are_told_apart_by_it():
    question = ChoiceQuestion("programming.keys", "programming", "easy", "Which can be a dict key?",
                              ("[1, 2]", "{1: 2}", "(1, 2)", "{1, 2}"), 2, "Only the tuple is hashable.", topics=("python",))
    assert parse_choice(question, "(1, 2)") == 2 and parse_choice(question, " [1,  2] ") == 0
    assert parse_choice(question, "1 2") is None  # which one? the letter says


def attempt(question_id: str, score: int) -> RecordedAttempt:
    return RecordedAttempt(question_id, "statistics", "answered", "", score, (), (), False, None, NOW, 1, "m")


def test_questions_come_due_first_then_unseen_then_worst_answered():
    questions = question_bank().for_skill("statistics")
    opens = [q for q in questions if isinstance(q, OpenQuestion)]
    due, weak = opens[0], opens[1]
    seen = [attempt(q.id, 90) for q in opens[2:]] + [attempt(weak.id, 10), attempt(due.id, 50)]
    reviews = {due.id: Review(due.id, "statistics", {}, NOW - timedelta(days=1))}
    picked = choose_questions(questions, 5, reviews, seen, NOW, seed="x")
    assert len(picked) == 5 and len(set(picked)) == 5
    assert due.id in picked and weak.id in picked
    assert sum(isinstance(question_bank().get(q), ChoiceQuestion) for q in picked) == 1
    order = [("easy", "medium", "hard").index(question_bank().get(q).difficulty) for q in picked]
    assert order == sorted(order)


def test_question_choice_is_repeatable_for_a_seed():
    questions = question_bank().for_skill("deep_learning")
    assert choose_questions(questions, 6, {}, [], NOW, "s") == choose_questions(questions, 6, {}, [], NOW, "s")


def test_a_short_bank_still_gives_as_many_questions_as_it_has():
    questions = question_bank().for_skill("ai_ethics")
    assert len(choose_questions(questions, 20, {}, [], NOW)) == 20
    assert len(choose_questions(questions[:4], 20, {}, [], NOW)) == 4


def test_better_recall_comes_back_later():
    question = question_bank().for_skill("statistics")[0]
    poor = next_review(question.id, question.skill, None, Rating.Again, NOW)
    good = next_review(question.id, question.skill, None, Rating.Easy, NOW)
    assert NOW < poor.due < good.due
    again = next_review(question.id, question.skill, good.card, Rating.Easy, good.due)
    assert again.due - good.due > good.due - NOW  # intervals grow with each good review


def test_a_higher_desired_retention_brings_reviews_sooner():
    question = question_bank().for_skill("statistics")[0]
    first = next_review(question.id, question.skill, None, Rating.Good, NOW)
    later = [next_review(question.id, question.skill, first.card, Rating.Good, first.due, retention).due
             for retention in (0.8, 0.9, 0.97)]
    assert later[0] > later[1] > later[2]


def test_the_daily_allowance_caps_due_reviews_and_new_questions_but_not_practice():
    questions = question_bank().for_skill("statistics")
    opens = [q for q in questions if isinstance(q, OpenQuestion)]
    due = opens[:3]
    seen = opens[3:6]
    reviews = {q.id: Review(q.id, "statistics", {}, NOW - timedelta(days=1)) for q in due}
    attempts = [attempt(q.id, 50) for q in due + seen]
    picked = choose_questions(questions, 6, reviews, attempts, NOW, "x", Allowance(reviews=1, new=2))
    assert len(picked) == 6
    assert sum(q in {d.id for d in due} for q in picked) == 1
    unseen = [q for q in picked if q not in {x.id for x in due + seen}]
    assert len(unseen) == 2  # the rest is practice on questions seen before
    assert choose_questions(questions, 5, {}, [], NOW, "x", Allowance(reviews=0, new=0)) == []


def test_due_questions_are_most_overdue_first():
    reviews = [Review("a", "statistics", {}, NOW - timedelta(days=1)), Review("b", "ai_ethics", {}, NOW - timedelta(days=3)),
               Review("c", "statistics", {}, NOW + timedelta(days=1))]
    assert due_question_ids(reviews, NOW) == ["b", "a"]
    assert due_question_ids(reviews, NOW, skill="statistics") == ["a"]
