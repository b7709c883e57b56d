"""The question bank: every file loads and meets the schema; broken files are named."""
from __future__ import annotations

import dataclasses
import itertools
import re
import shutil
from pathlib import Path

import pytest
import yaml

from coach.content.catalogue import ContentError, catalogue
from coach.content.question_bank import (
    QUESTIONS_DIR,
    ChoiceQuestion,
    OpenQuestion,
    load_bank,
    main,
)
from coach.grading.scoring import score_answer
from coach.grading.semantic import text_vectors

# Near-duplicates: texts this close in meaning (summed word vectors) are compared further; a
# pair of open questions is a twin when each one's model answer scores this much on the other.
SIMILAR_TEXTS, TWIN_SCORE, SIMILAR_PROMPTS = 0.6, 70, 0.6


def test_every_skill_has_enough_questions_at_every_level():
    bank = load_bank()
    for skill in catalogue().skills:
        questions = bank.for_skill(skill.id)
        open_ = [q for q in questions if isinstance(q, OpenQuestion)]
        choice = [q for q in questions if isinstance(q, ChoiceQuestion)]
        assert len(open_) >= 22 and len(choice) >= 10, skill.id
        assert {q.difficulty for q in open_} == {"easy", "medium", "hard"}, skill.id
        assert {q.difficulty for q in choice} == {"easy", "medium", "hard"}, skill.id


def test_open_questions_follow_the_content_rules():
    for question in load_bank().questions.values():
        if isinstance(question, OpenQuestion):
            assert 3 <= len(question.rubric) <= 7, question.id  # the bank's questions all have rubrics
            assert all(c.weight in (1, 2, 3) and c.phrases for c in question.rubric), question.id
            assert question.hint and question.prompt
        else:
            assert 3 <= len(question.options) <= 5 and 0 <= question.correct < len(question.options)


def test_the_cli_checks_every_file(capsys):
    assert main([]) == 0
    assert capsys.readouterr().out.count(": ok,") == 13


def broken_copy(tmp_path: Path, skill: str, edit) -> Path:
    """A copy of the bank with one file changed by `edit(data)`."""
    target = tmp_path / "questions"
    shutil.copytree(QUESTIONS_DIR, target)
    path = target / f"{skill}.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return target


def first_open(data: dict) -> dict:
    return next(q for q in data["questions"] if q["type"] == "open")


@pytest.mark.parametrize(
    ("kind", "edit", "problem"),
    [
        ("open", lambda q: q.pop("model_answer"), "'model_answer' must be a non-empty string"),
        ("open", lambda q: q.update(model_answer="Too short."), "model_answer must have 3-6 sentences"),
        ("open", lambda q: q.update(rubric=q["rubric"][:2]), "rubric, when given, must list 3-7 concepts"),
        ("open", lambda q: q["rubric"][0].update(phrases=["Gini"]), "'Gini' is one word, which matches any mention"),
        ("open", lambda q: q["rubric"][0].update(misconceptions=["wrong"]), "'wrong' is one word"),
        ("open", lambda q: q["rubric"][0].update(misconception=["a typo in the key"]), "unknown field(s): misconception"),
        ("open", lambda q: q["rubric"][0].update(weight=5), "weight must be one of"),
        ("open", lambda q: q["rubric"][0].update(phrases=[]), "'phrases' must be a non-empty list"),
        ("open", lambda q: q.update(difficulty="expert"), "difficulty must be one of"),
        ("open", lambda q: q.update(type="essay"), "type must be 'open' or 'choice'"),
        ("choice", lambda q: q.update(correct="Z"), "correct must be one of the letters"),
        ("choice", lambda q: q.update(options=["only one", "two"]), "options must list 3-5 choices"),
        ("open", lambda q: q.pop("topics"), "'topics' must list 1 to 4 tags"),
        ("choice", lambda q: q.update(topics=["ML System Design"]), "'topics' must list 1 to 4 tags"),
        ("open", lambda q: q.update(topics=["a1", "b2", "c3", "d4", "e5"]), "'topics' must list 1 to 4 tags"),
        ("open", lambda q: q["rubric"][0].pop("follow_up"), "'follow_up' must be a non-empty string"),
        ("open", lambda q: q["rubric"][0].update(follow_up="Tell me more."), "follow_up must be a question"),
        ("open", lambda q: q["rubric"][0].pop("follow_up_answer"), "'follow_up_answer' must be a non-empty string"),
    ],
)
def test_a_broken_entry_names_the_file_the_question_and_the_problem(tmp_path, kind, edit, problem):
    broken: dict = {}

    def break_one(data: dict) -> None:
        broken.update(next(q for q in data["questions"] if q["type"] == kind))
        edit(next(q for q in data["questions"] if q["id"] == broken["id"]))

    directory = broken_copy(tmp_path, "statistics", break_one)
    with pytest.raises(ContentError) as error:
        load_bank(directory)
    assert error.value.path == directory / "statistics.yml"
    assert problem in error.value.problem
    assert broken["id"] in error.value.entry


def test_duplicate_ids_are_rejected(tmp_path):
    def duplicate(data: dict) -> None:
        data["questions"][1]["id"] = data["questions"][0]["id"]

    with pytest.raises(ContentError, match="duplicate question id"):
        load_bank(broken_copy(tmp_path, "ai_ethics", duplicate))


def test_too_few_questions_is_rejected(tmp_path):
    def shrink(data: dict) -> None:
        data["questions"] = [q for q in data["questions"] if q["type"] == "choice"] + [first_open(data)]

    with pytest.raises(ContentError, match="needs at least 22 open questions"):
        load_bank(broken_copy(tmp_path, "programming", shrink))


def test_a_missing_or_unknown_skill_file_is_rejected(tmp_path):
    directory = broken_copy(tmp_path, "programming", lambda d: None)
    (directory / "programming.yml").rename(directory / "cooking.yml")
    with pytest.raises(ContentError, match="not a catalogue skill id"):
        load_bank(directory)
    (directory / "cooking.yml").unlink()
    with pytest.raises(ContentError, match="file not found"):
        load_bank(directory)


def test_invalid_yaml_names_the_file(tmp_path):
    directory = broken_copy(tmp_path, "statistics", lambda d: None)
    (directory / "statistics.yml").write_text("skill: statistics\nquestions: [unclosed", encoding="utf-8")
    with pytest.raises(ContentError, match="statistics.yml: \\(file\\): invalid YAML"):
        load_bank(directory)


def test_notation_may_be_a_single_token_and_misconceptions_are_read(tmp_path):
    def edit(data: dict) -> None:
        first_open(data)["rubric"][0].update(phrases=["TP/(TP+FP)", "max_depth", "two words"],
                                             misconceptions=["precision is TP/(TP+FN)"])

    bank = load_bank(broken_copy(tmp_path, "statistics", edit))
    question = next(q for q in bank.for_skill("statistics") if isinstance(q, OpenQuestion))
    assert question.rubric[0].phrases == ("TP/(TP+FP)", "max_depth", "two words")
    assert question.rubric[0].misconceptions == ("precision is TP/(TP+FN)",)


def test_a_question_without_a_rubric_is_loaded_for_reference_only_scoring(tmp_path):
    def edit(data: dict) -> None:
        first_open(data).pop("rubric")

    bank = load_bank(broken_copy(tmp_path, "statistics", edit))
    question = next(q for q in bank.for_skill("statistics") if isinstance(q, OpenQuestion))
    assert question.rubric == ()


def test_the_length_of_an_option_does_not_give_the_answer_away():
    """Across the bank the right option is the uniquely longest in at most 30% of the choice
    questions, and distractors are, on average, as long as the right option."""
    questions = [q for q in load_bank().questions.values() if isinstance(q, ChoiceQuestion)]
    lengths = [[len(option) for option in q.options] for q in questions]
    longest = [q.id for q, sizes in zip(questions, lengths, strict=True)
               if sizes[q.correct] == max(sizes) and sizes.count(max(sizes)) == 1]
    assert len(longest) <= 0.3 * len(questions), longest
    ratios = [sizes[q.correct] / ((sum(sizes) - sizes[q.correct]) / (len(sizes) - 1))
              for q, sizes in zip(questions, lengths, strict=True)]
    assert 0.85 <= sum(ratios) / len(ratios) <= 1.15


def test_no_two_questions_ask_the_same_thing():
    """Across skills too: no slug twice, and no two open questions whose model answers each
    score as correct on the other (a candidate would be asked the same question twice)."""
    bank = load_bank()
    slugs = [question_id.partition(".")[2] for question_id in bank.questions]
    assert sorted(s for s in set(slugs) if slugs.count(s) > 1) == []
    vectors = text_vectors()
    opens = [q for q in bank.questions.values() if isinstance(q, OpenQuestion)]
    twins = []
    for one, other in itertools.combinations(opens, 2):
        if vectors.cosine(vectors.text(one.prompt + " " + one.model_answer),
                          vectors.text(other.prompt + " " + other.model_answer)) < SIMILAR_TEXTS:
            continue  # far apart in meaning: the scorer need not be asked
        if min(score_answer(other, one.model_answer).score, score_answer(one, other.model_answer).score) >= TWIN_SCORE:
            twins.append((one.id, other.id))
    assert twins == []


def test_no_explanation_gives_away_the_answer_of_a_similar_question():
    """A choice question's explanation must not state the right option of another choice
    question on the same subject (the sigmoid's derivative and its maximum, say)."""
    vectors = text_vectors()
    choices = [q for q in load_bank().questions.values() if isinstance(q, ChoiceQuestion)]

    def words(text: str) -> str:
        return " ".join(re.findall(r"[a-z0-9.]+", text.lower()))

    given_away = [
        (one.id, other.id) for one, other in itertools.permutations(choices, 2)
        if vectors.cosine(vectors.text(one.prompt), vectors.text(other.prompt)) >= SIMILAR_PROMPTS
        and re.search(rf"(?<![\w.]){re.escape(words(other.options[other.correct]))}(?!\w)", words(one.explanation))
    ]
    assert given_away == []


def test_the_bank_can_be_counted_and_filtered_by_topic():
    bank = load_bank()
    assert all(q.topics for q in bank.questions.values())

    def count(topic: str, kind: type) -> int:
        return sum(1 for q in bank.with_topic(topic) if isinstance(q, kind))

    assert count("ml_system_design", OpenQuestion) >= 12 and count("llm", OpenQuestion) >= 12
    assert count("sql", OpenQuestion) >= 8 and count("sql", ChoiceQuestion) >= 6
    design = bank.with_topic("ml_system_design")
    assert design and all("ml_system_design" in q.topics for q in design)
    assert {q.id for q in bank.with_topic("llm")} >= {"deep_learning.scaled_dot_product_attention"}


def test_every_follow_up_is_answered_by_its_answer_and_does_not_answer_itself():
    """A follow-up is scored on its concept alone: its own answer must score as correct with no
    error, and its question, read back as an answer under the main question, must not (else
    the follow-up gives the concept away)."""
    failures = []
    for question in load_bank().questions.values():
        if not isinstance(question, OpenQuestion):
            continue
        for concept in question.rubric:
            asked = question.follow_up(concept.label)
            assert asked is not None and asked.rubric == (concept,), question.id
            answered = score_answer(asked, concept.follow_up_answer)
            echoed = score_answer(dataclasses.replace(asked, prompt=question.prompt), concept.follow_up)
            if answered.score < 70 or answered.errors or echoed.score >= 50:
                failures.append((question.id, concept.label, answered.score, echoed.score))
    assert failures == []
