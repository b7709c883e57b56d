"""The question bank: every file loads and meets the schema; broken files are named."""
from __future__ import annotations

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


def test_every_skill_has_enough_questions_at_every_level():
    bank = load_bank()
    for skill in catalogue().skills:
        questions = bank.for_skill(skill.id)
        open_ = [q for q in questions if isinstance(q, OpenQuestion)]
        choice = [q for q in questions if isinstance(q, ChoiceQuestion)]
        assert len(open_) >= 12 and len(choice) >= 6, skill.id
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

    with pytest.raises(ContentError, match="needs at least 12 open questions"):
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
