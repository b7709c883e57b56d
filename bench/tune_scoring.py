"""Choose the scorer's thresholds on the calibration answers, and say how well they transfer.

`python -m bench.tune_scoring` reads every calibration answer once (actions.scoring.measure),
then searches the `Tuning` constants by coordinate ascent: one constant at a time over its
grid, keeping a change when the objective improves. The objective is the mean of four
figures: correct >= 60, wrong <= 35, correct > partial > wrong ordering, and the AUC of
correct against wrong answers.

To predict how the chosen constants do on questions they were not tuned on, it also runs
5-fold cross-validation by question: tune on four fifths of the questions, score the fifth.
It prints both, and the constants to paste into actions/scoring.py. It never reads the
held-out or the data-science-interviews answers.
"""
from __future__ import annotations

import json
from dataclasses import asdict, replace

from actions.calibration import CalibrationAnswer, Figures, calibration, figures
from actions.question_bank import OpenQuestion, question_bank
from actions.scoring import TUNING, Reading, Tuning, decide, measure

GRID: dict[str, tuple[float, ...]] = {
    "cover": tuple(x / 100 for x in range(60, 98, 2)),
    "cover_from": tuple(x / 100 for x in range(40, 98, 4)),
    "cover_reference": tuple(x / 100 for x in range(50, 84, 2)),
    "contradict": tuple(x / 100 for x in range(70, 100, 2)),
    "misconception": tuple(x / 100 for x in range(66, 100, 2)),
    "misconception_margin": (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4),
    "reversal": tuple(x / 100 for x in range(66, 100, 2)),
    "margin": (0.0, 0.02, 0.04, 0.06, 0.08, 0.1),
    "coverage_share": (0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0),
    "agreement_low": (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6),
    "agreement_high": (0.7, 0.75, 0.8, 0.85, 0.9),
    "full_marks": (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 1.0),
    "error_penalty": (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0),
    "off_topic": (0.2, 0.25, 0.3, 0.35, 0.4, 0.45),
}
FOLDS = 5
PASSES = 3

Measured = list[tuple[CalibrationAnswer, "Reading | str"]]


def measure_all(answers: tuple[CalibrationAnswer, ...]) -> Measured:
    bank = question_bank()
    result: Measured = []
    for answer in answers:
        question = bank.get(answer.question_id)
        assert isinstance(question, OpenQuestion)
        result.append((answer, measure(question, answer.text)))
    return result


def evaluate(measured: Measured, tuning: Tuning) -> Figures:
    return figures([
        (a.question_id, a.label, 0 if isinstance(r, str) else decide(r, tuning)[0]) for a, r in measured
    ])


def objective(f: Figures) -> float:
    return (f.share_correct_60 + f.share_wrong_35 + f.ordering + f.auc) / 4


def tune(measured: Measured, start: Tuning = TUNING) -> Tuning:
    best, best_value = start, objective(evaluate(measured, start))
    for _ in range(PASSES):
        improved = False
        for name, values in GRID.items():
            for value in values:
                candidate = replace(best, **{name: value})
                if candidate.agreement_high <= candidate.agreement_low:
                    continue
                candidate_value = objective(evaluate(measured, candidate))
                if candidate_value > best_value + 1e-9:
                    best, best_value, improved = candidate, candidate_value, True
        if not improved:
            break
    return best


def cross_validate(measured: Measured) -> Figures:
    questions = sorted({a.question_id for a, _ in measured})
    fold_of = {q: i % FOLDS for i, q in enumerate(questions)}
    scored: list[tuple[str, str, float]] = []
    for fold in range(FOLDS):
        train = [m for m in measured if fold_of[m[0].question_id] != fold]
        test = [m for m in measured if fold_of[m[0].question_id] == fold]
        tuning = tune(train)
        scored += [(a.question_id, a.label, 0 if isinstance(r, str) else decide(r, tuning)[0]) for a, r in test]
    return figures(scored)


def main() -> None:
    measured = measure_all(calibration())
    print(f"{len(measured)} calibration answers to {len({a.question_id for a, _ in measured})} questions")
    current = evaluate(measured, TUNING)
    chosen = tune(measured)
    tuned = evaluate(measured, chosen)
    cv = cross_validate(measured)
    for name, f in (("current constants", current), ("tuned, in sample", tuned), (f"{FOLDS}-fold CV", cv)):
        print(f"{name:20} " + ", ".join(f"{k} {v}" for k, v in f.as_dict().items()))
    print("\nTuning(" + ", ".join(f"{k}={v}" for k, v in asdict(chosen).items()) + ")")
    print(json.dumps({"current": current.as_dict(), "tuned": tuned.as_dict(), "cross_validated": cv.as_dict(),
                      "tuning": asdict(chosen)}))


if __name__ == "__main__":
    main()
