"""Calibration answers: candidate answers of known quality for every open question.

One YAML file per skill under content/calibration/, written from the question prompts only
(never from the rubrics or model answers), so that they test the scorer the way real
candidates will. They are the scorer's development data: its thresholds are tuned on them
(`python -m bench.tune_scoring`) and pytest checks the figures the issue asks for.

    skill: <catalogue skill id, same as the file name>
    questions:
      - question: <open question id of that skill>
        correct: [<3 or more correct answers in plain words>]
        partial: [<1 or more partly correct answers>]
        wrong: [<1 or more fluent but wrong answers>]
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from coach.content.catalogue import CONTENT_DIR, ContentError, read_yaml, require_entries, require_text
from coach.content.question_bank import OpenQuestion, QuestionBank, question_bank
from coach.grading.scoring import reference_question

CALIBRATION_DIR = CONTENT_DIR / "calibration"
LABELS = {"correct": 3, "partial": 1, "wrong": 1}  # label -> minimum answers per question


@dataclass(frozen=True)
class CalibrationAnswer:
    question_id: str
    label: str  # correct | partial | wrong
    text: str


def load_calibration_file(path: Path, bank: QuestionBank) -> list[CalibrationAnswer]:
    """Read and check one skill's calibration file against the question bank."""
    data = read_yaml(path)
    if not isinstance(data, dict) or data.get("skill") != path.stem:
        raise ContentError(path, "skill", f"must be the skill id {path.stem!r} (the file name)")
    answers: list[CalibrationAnswer] = []
    seen: set[str] = set()
    for index, item in enumerate(require_entries(path, data, "questions")):
        question_id = item.get("question")
        entry = f"questions[{index}] {question_id or ''}".strip()
        if not isinstance(bank.get(str(question_id)), OpenQuestion) or not str(question_id).startswith(f"{path.stem}."):
            raise ContentError(path, entry, f"{question_id!r} is not an open question of skill {path.stem!r}")
        if question_id in seen:
            raise ContentError(path, entry, "question listed twice")
        seen.add(str(question_id))
        unknown = set(item) - set(LABELS) - {"question"}
        if unknown:
            raise ContentError(path, entry, f"unknown field(s): {', '.join(sorted(unknown))}")
        for label, minimum in LABELS.items():
            texts = item.get(label)
            if not isinstance(texts, list) or len(texts) < minimum:
                raise ContentError(path, entry, f"'{label}' must list at least {minimum} answer(s)")
            answers += [CalibrationAnswer(str(question_id), label, require_text(path, entry, t, label)) for t in texts]
    return answers


def load_calibration(directory: Path = CALIBRATION_DIR, bank: QuestionBank | None = None) -> list[CalibrationAnswer]:
    """Every calibration answer; every open question of the bank must have its answers."""
    bank = bank or question_bank()
    answers = [a for path in sorted(directory.glob("*.yml")) for a in load_calibration_file(path, bank)]
    covered = {a.question_id for a in answers}
    missing = sorted(q.id for q in bank.questions.values() if isinstance(q, OpenQuestion) and q.id not in covered)
    if missing:
        skill = missing[0].partition(".")[0]
        raise ContentError(directory / f"{skill}.yml", missing[0], f"no calibration answers ({len(missing)} questions lack them)")
    return answers


@lru_cache(maxsize=1)
def calibration() -> tuple[CalibrationAnswer, ...]:
    return tuple(load_calibration())


def question_for(question_id: str, reference_only: bool = False) -> OpenQuestion:
    """The bank's open question, or (reference_only) the same question known only by its
    prompt and model answer, as a question without a rubric is scored."""
    question = question_bank().get(question_id)
    if not isinstance(question, OpenQuestion):
        raise KeyError(f"{question_id!r} is not an open question in the bank")
    return reference_question(question.prompt, question.model_answer) if reference_only else question


@dataclass(frozen=True)
class Figures:
    """How well scores separate answers of known quality."""

    count: int
    mean_correct: float
    share_correct_60: float  # correct answers scoring >= 60
    mean_partial: float
    mean_wrong: float
    share_wrong_35: float  # wrong answers scoring <= 35
    ordering: float  # questions where mean correct > partial > wrong
    auc: float  # chance a correct answer outscores a wrong one

    def as_dict(self) -> dict[str, float]:
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in self.__dict__.items()}


def auc(positives: list[float], negatives: list[float]) -> float:
    """Area under the ROC curve: the chance a positive outscores a negative (ties count half)."""
    if not positives or not negatives:
        return float("nan")
    ordered = sorted(negatives)
    from bisect import bisect_left, bisect_right

    wins = sum(bisect_left(ordered, p) + 0.5 * (bisect_right(ordered, p) - bisect_left(ordered, p)) for p in positives)
    return wins / (len(positives) * len(negatives))


def figures(scored: list[tuple[str, str, float]]) -> Figures:
    """Figures for (question id, label, score) triples."""
    by_label: dict[str, list[float]] = {label: [] for label in LABELS}
    per_question: dict[str, dict[str, list[float]]] = {}
    for question_id, label, score in scored:
        by_label[label].append(score)
        per_question.setdefault(question_id, {k: [] for k in LABELS})[label].append(score)

    def mean(values: list[float]) -> float:
        return sum(values) / len(values) if values else float("nan")

    ordered = [
        mean(q["correct"]) > mean(q["partial"]) > mean(q["wrong"])
        for q in per_question.values() if all(q.values())
    ]
    correct, wrong = by_label["correct"], by_label["wrong"]
    return Figures(
        count=len(scored),
        mean_correct=mean(correct),
        share_correct_60=mean([float(s >= 60) for s in correct]),
        mean_partial=mean(by_label["partial"]),
        mean_wrong=mean(wrong),
        share_wrong_35=mean([float(s <= 35) for s in wrong]),
        ordering=mean([float(o) for o in ordered]),
        auc=auc(correct, wrong),
    )
