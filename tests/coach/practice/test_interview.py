"""The mock interview: its plan, the questions it picks, its follow-ups and its scorecard, in
the core (coach.practice.interview) and through Practice on an in-memory database."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import yaml

from coach.content.catalogue import ContentError, catalogue
from coach.content.interview_plan import PLAN_PATH, interview_plan, load_plan
from coach.content.question_bank import OpenQuestion, question_bank
from coach.contract import DRILL_INTENT, INTERVIEW_MODE, MODE_ENTITY, intent_payload, read_mode
from coach.practice import account
from coach.practice.drill import wants_interview
from coach.practice.history import ANSWERED, FINISHED, SKIPPED, RecordedAttempt, follow_up_id, follow_up_of
from coach.practice.interview import (
    MIXED,
    STRONG,
    WEAK,
    Scorecard,
    choose_interview,
    follow_up,
    scorecard,
)
from coach.practice.progress import progress
from coach.practice.sessions import DrillRequest, Practice
from coach.storage.records import Records

SENDER = "candidate-1"
T0 = datetime(2026, 12, 1, 9, 0)


@pytest.fixture
def records() -> Records:
    return Records.from_url("sqlite://")


def bank_list() -> list:
    return list(question_bank().questions.values())


def attempt(question_id: str, score: int | None, covered=(), missed=(), outcome=ANSWERED, n: int = 0) -> RecordedAttempt:
    return RecordedAttempt(question_id, question_id.split(".")[0], outcome, "words", score, tuple(covered),
                           tuple(missed), False, None, T0 + timedelta(minutes=n), 1, f"m{n}")


def with_follow_ups(skill: str | None = None) -> OpenQuestion:
    """A bank question whose every concept has a follow-up (of the skill, when given)."""
    return next(q for q in bank_list() if isinstance(q, OpenQuestion) and q.rubric and all(c.follow_up for c in q.rubric)
                and (skill is None or q.skill == skill))


# The plan

def test_the_plan_covers_the_areas_of_a_real_screen():
    plan = interview_plan()
    assert plan.length == 6
    assert [a.id for a in plan.areas] == ["machine_learning", "statistics", "ml_system_design", "deep_learning",
                                          "behavioural"]


@pytest.mark.parametrize(("edit", "problem"), [
    (lambda a: a.update(skills=["astrology"]), "'astrology' is not a catalogue skill id"),
    (lambda a: a.update(questions=9), "questions must be 1 to 3"),
    (lambda a: a.update(topics=["no_such_topic"], skills=None), "has 0 open questions to choose from"),
    (lambda a: a.pop("name"), "'name' must be a non-empty string"),
    (lambda a: a.update(skill=["statistics"]), "unknown field(s): skill"),
])
def test_a_broken_plan_names_the_file_the_area_and_the_problem(tmp_path, edit, problem):
    data = yaml.safe_load(PLAN_PATH.read_text(encoding="utf-8"))
    edit(data["areas"][1])
    path = tmp_path / "interview.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ContentError) as error:
        load_plan(path)
    assert error.value.path == path and "statistics" in error.value.entry and problem in error.value.problem


# Choosing the questions

def test_an_interview_asks_open_questions_area_by_area_two_skills_for_machine_learning():
    report = progress([], catalogue())
    ids = choose_interview(interview_plan(), bank_list(), [], report, seed="a")
    questions = [question_bank().get(i) for i in ids]
    assert len(ids) == 6 and len(set(ids)) == 6
    assert all(isinstance(q, OpenQuestion) for q in questions)
    assert {q.skill for q in questions[:2]} == {"ml_algorithms", "model_evaluation"}
    assert questions[2].skill == "statistics" and "ml_system_design" in questions[3].topics
    assert questions[3].skill in {"software_engineering", "deployment_cloud"}  # a design question, not a framing one
    assert questions[4].skill == "deep_learning" and questions[5].skill == "communication"


def test_unseen_questions_and_weak_skills_come_first_and_seeds_vary_the_choice():
    plan = interview_plan()
    seen = choose_interview(plan, bank_list(), [], progress([], catalogue()), seed="a")
    answered = [attempt(i, 90, n=n) for n, i in enumerate(seen)]
    again = choose_interview(plan, bank_list(), answered, progress(answered, catalogue()), seed="a")
    assert not set(again) & set(seen)
    # model evaluation answered badly: the machine-learning area starts with the weaker of its skills
    weak = [attempt(q.id, 10, n=n) for n, q in enumerate(question_bank().for_skill("model_evaluation")[:3])]
    weak += [attempt(q.id, 95, n=9 + n) for n, q in enumerate(question_bank().for_skill("ml_algorithms")[:3])]
    ids = choose_interview(plan, bank_list(), weak, progress(weak, catalogue()), seed="b")
    assert question_bank().get(ids[0]).skill == "model_evaluation"
    assert len({tuple(choose_interview(plan, bank_list(), [], progress([], catalogue()), seed=s)) for s in "abcdef"}) > 1


# Follow-ups

def test_the_follow_up_aims_at_the_weightiest_missed_concept():
    question = with_follow_ups()
    labels = [c.label for c in question.rubric]
    weightiest = max(question.rubric, key=lambda c: c.weight)
    assert follow_up(question, labels) == follow_up_id(question.id, weightiest.label)
    lightest = min(question.rubric, key=lambda c: c.weight)
    assert follow_up(question, [lightest.label]) == follow_up_id(question.id, lightest.label)
    assert follow_up(question, []) is None
    asked = question.follow_up(weightiest.label)
    assert follow_up(asked, labels) is None  # no follow-up on a follow-up
    assert follow_up_of(asked.id) == (question.id, weightiest.label)


def test_a_follow_up_is_scored_on_its_concept_alone():
    question = with_follow_ups()
    concept = question.rubric[0]
    asked = question.follow_up(concept.label)
    assert asked.prompt == concept.follow_up and asked.rubric == (concept,)
    from coach.grading.scoring import score_answer

    assert score_answer(asked, concept.follow_up_answer).score >= 70
    assert question.follow_up("no such concept") is None


# The scorecard

def test_a_scorecard_gives_each_area_a_signal_with_its_evidence():
    plan = interview_plan()
    ids = choose_interview(plan, bank_list(), [], progress([], catalogue()), seed="c")
    questions = [question_bank().get(i) for i in ids]
    labels = [[c.label for c in q.rubric] for q in questions]
    attempts = [
        attempt(ids[0], 90, covered=labels[0], n=0),
        attempt(ids[1], 70, covered=labels[1][:-1], missed=labels[1][-1:], n=1),
        attempt(ids[2], 10, covered=labels[2][:1], missed=labels[2][1:], n=2),
        attempt(follow_up_id(ids[2], labels[2][1]), 100, covered=labels[2][1:2], n=3),
        attempt(ids[3], None, outcome=SKIPPED, n=4),
        attempt(ids[4], 50, covered=labels[4][:2], missed=labels[4][2:], n=5),
        attempt(ids[5], 65, covered=labels[5][:3], missed=labels[5][3:], n=6),
    ]
    card = scorecard(plan, attempts, question_bank().get)
    areas = {a.id: a for a in card.areas}
    assert (areas["machine_learning"].score, areas["machine_learning"].signal) == (80, STRONG)
    statistics = areas["statistics"]
    weight = {c.label: c.weight for c in questions[2].rubric}
    assert statistics.score == round(10 + 50 * weight[labels[2][1]] / sum(weight.values()))
    assert labels[2][1] in statistics.covered and labels[2][1] not in statistics.missed  # recovered in the follow-up
    assert areas["ml_system_design"].signal == WEAK and set(areas["ml_system_design"].missed) == set(labels[3])
    assert areas["deep_learning"].signal == MIXED and areas["behavioural"].signal == STRONG
    assert card.signal == MIXED  # weak areas keep it from strong
    assert Scorecard.from_dict(card.as_dict()) == card
    assert card.next_skills()[0] in {"software_engineering", "deployment_cloud", "statistics"}
    assert "ml_algorithms" not in card.next_skills()


# Through Practice

def answer_pending(practice: Practice, records: Records, key: str, partial: bool) -> OpenQuestion:
    """Answer the pending question with its first concept's phrase (partial) or its model answer."""
    drill = records.unfinished_drill(SENDER)
    question = practice.questions.get(drill.pending_question_id)
    practice.ask()
    text = (f"I would mention {question.rubric[0].phrases[0]} first, and that is the main point here."
            if partial else question.model_answer)
    practice.answer(text, key)
    return question


def test_a_mock_interview_follows_up_ends_with_a_stored_scorecard_and_compares_the_next(records):
    clock = [T0]
    practice = Practice(records, SENDER, clock=lambda: clock[0])
    turn = practice.start(DrillRequest.read([], INTERVIEW_MODE, None, ""), "start", replace=False)
    assert turn.ready and "mock interview" in turn.replies[0].text
    drill = records.unfinished_drill(SENDER)
    assert drill.interview and len(drill.question_ids) == 6
    first = practice.ask()
    assert first[0].text.startswith("Question 1 of 6 ·")
    main = practice.questions.get(drill.pending_question_id)
    practice.answer(f"I would mention {main.rubric[0].phrases[0]} first, and that is the main point.", "a1")
    drill = records.unfinished_drill(SENDER)
    assert follow_up_of(drill.pending_question_id)[0] == main.id and len(drill.question_ids) == 7
    asked = practice.ask()
    assert asked[0].text.startswith("Follow-up ·")
    followed = practice.questions.get(drill.pending_question_id)
    practice.answer(followed.rubric[0].follow_up_answer, "a2")
    assert practice.ask()[0].text.startswith("Question 2 of 6 ·")
    attempts = records.attempts(SENDER)
    assert attempts[0].rating is not None and all(a.rating is None for a in attempts[1:])  # follow-ups are no reviews
    assert set(records.reviews(SENDER)) == {main.id}
    n = 3
    while records.unfinished_drill(SENDER) is not None:
        practice.ask()
        practice.answer("skip", f"a{n}")
        n += 1
    ended = practice.end()
    assert ended[0].text.startswith("Mock interview scorecard · overall")
    assert "Since your last mock interview" not in ended[0].text
    titles = [b["title"] for b in ended[1].buttons]
    assert "Another mock interview" in titles and any(t.startswith("Drill ") for t in titles)
    stored = records.interviews(SENDER)
    assert len(stored) == 1 and stored[0].status == FINISHED and stored[0].scorecard["areas"]
    assert practice.end()[0].text == ended[0].text  # shown again from the stored scorecard

    clock[0] = T0 + timedelta(days=2)
    practice.start(DrillRequest(interview=True), "start-2", replace=False)
    assert not set(records.unfinished_drill(SENDER).question_ids) & set(stored[0].question_ids)
    n = 100
    while records.unfinished_drill(SENDER) is not None:
        answer_pending(practice, records, f"b{n}", partial=False)
        n += 1
    again = practice.end()[0].text
    assert f"Since your last mock interview ({stored[0].finished_at:%d %b}): overall {stored[0].scorecard['score']} →" in again
    report = account.progress_report(records, SENDER, clock[0], practice.config)[0].text
    assert "Mock interviews (2):" in report


@pytest.mark.parametrize(("text", "interview"), [
    ("let's do a mock interview", True), ("simulate a real ML engineer interview with me", True),
    ("a practice screen for an ML engineer job", True), ("interview me", True), ("start a complete mock interview", True),
    ("quiz me", False), ("give me practice questions", False), ("I have a real problem with recall", False),
])
def test_a_mock_interview_is_recognised_in_words(text, interview):
    assert wants_interview(text) is interview


def test_an_interview_asked_in_words_or_by_button_and_a_skill_drill_stays_a_drill():
    assert DrillRequest.read([], None, None, "let's do a mock interview").interview
    assert DrillRequest.read([], INTERVIEW_MODE, None, "").interview
    skill = DrillRequest.read(["statistics"], None, None, "mock interview on statistics")
    assert not skill.interview and skill.skill == "statistics"
    assert not DrillRequest.read([], None, None, "quiz me").chosen


def test_an_interview_replaces_a_paused_drill_only_after_asking_and_its_button_works(records):
    practice = Practice(records, SENDER)
    practice.start(DrillRequest("statistics", count=3), "s1", replace=False)
    turn = practice.start(DrillRequest(interview=True), "i1", replace=False)
    assert "Start the new mock interview" in [b["title"] for b in turn.replies[0].buttons]
    payload = next(b["payload"] for b in turn.replies[0].buttons if b["title"] == "Start the new mock interview")
    assert payload == intent_payload(DRILL_INTENT, **{MODE_ENTITY: "replace_interview"})
    mode, replace = read_mode("replace_interview")
    started = practice.start(DrillRequest.read([], mode, None, payload), "i2", replace=replace)
    assert started.ready and records.unfinished_drill(SENDER).interview


def test_the_start_the_new_review_button_starts_the_review(records):
    """Before, its payload named no mode, so it asked which skill instead."""
    clock = [T0]
    practice = Practice(records, SENDER, clock=lambda: clock[0])
    practice.start(DrillRequest("statistics", count=1), "s1", replace=False)
    answer_pending(practice, records, "a1", partial=False)
    clock[0] = T0 + timedelta(days=400)  # its review is due
    practice.start(DrillRequest("statistics", count=1), "s2", replace=False)
    turn = practice.start(DrillRequest.read([], "review", None, ""), "r1", replace=False)
    payload = next(b["payload"] for b in turn.replies[0].buttons if b["title"] == "Start the new review")
    assert payload == intent_payload(DRILL_INTENT, **{MODE_ENTITY: "replace_review"})
    mode, replace = read_mode("replace_review")
    assert practice.start(DrillRequest.read([], mode, None, payload), "r2", replace=replace).ready
    drill = records.unfinished_drill(SENDER)
    assert drill.skill is None and not drill.interview and drill.start_key == "r2"
    assert read_mode("replace") == (None, True) and read_mode("review") == ("review", False)


def test_the_skill_chooser_offers_a_mock_interview(records):
    buttons = Practice(records, SENDER).start(DrillRequest(), "k", replace=False).replies[0].buttons
    assert {"title": "Mock interview", "payload": intent_payload(DRILL_INTENT, **{MODE_ENTITY: INTERVIEW_MODE})} in buttons


def test_a_scorecard_is_saved_once_and_only_for_the_candidates_own_finished_interview(records):
    ids = choose_interview(interview_plan(), bank_list(), [], progress([], catalogue()), seed="d")
    drill = records.start_drill(SENDER, None, ids[:1], "k", kind="interview")
    assert not records.save_scorecard(SENDER, drill.id, {"score": 1})  # not finished
    records.record_attempt(drill, "m1", question_id=ids[0], skill="x", outcome=SKIPPED, answer_text="", score=None)
    assert not records.save_scorecard("someone-else", drill.id, {"score": 1})
    assert records.save_scorecard(SENDER, drill.id, {"score": 1, "signal": "weak", "areas": []})
    assert not records.save_scorecard(SENDER, drill.id, {"score": 99})
    assert records.interviews(SENDER)[0].scorecard["score"] == 1 and records.interviews("someone-else") == []


def test_a_follow_up_is_inserted_with_the_attempt_once(records):
    drill = records.start_drill(SENDER, None, ["a.q1", "a.q2"], "k", kind="interview")
    drill, new = records.record_attempt(drill, "m1", question_id="a.q1", skill="a", outcome=ANSWERED,
                                        answer_text="x", score=40, follow_up="a.q1#c")
    assert new and drill.question_ids == ("a.q1", "a.q1#c", "a.q2") and drill.pending_question_id == "a.q1#c"
    again, new = records.record_attempt(drill, "m1", question_id="a.q1#c", skill="a", outcome=ANSWERED,
                                        answer_text="x", score=40, follow_up="a.q1#d")
    assert not new and again.question_ids == ("a.q1", "a.q1#c", "a.q2")  # the same message: nothing twice


def test_a_paused_interview_counts_its_main_questions_only(records):
    practice = Practice(records, SENDER)
    practice.start(DrillRequest(interview=True), "start", replace=False)
    answer_pending(practice, records, "a1", partial=True)  # a follow-up is now pending
    assert follow_up_of(records.unfinished_drill(SENDER).pending_question_id)
    practice.answer("stop", "a2")
    assert practice.end()[0].text.startswith("Mock interview paused at question 1 of 6.")
    assert practice.resume().replies[0].text == "Resuming your mock interview at question 1 of 6."
