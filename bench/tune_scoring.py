"""Choose the scorer's thresholds on the calibration answers, and say how well they transfer.

`python -m bench.tune_scoring` reads every calibration answer once (coach.grading.scoring.measure),
then searches the `Tuning` constants by coordinate ascent: one constant at a time over its
grid, keeping a change when the objective improves. The objective is the mean of four
figures: correct >= 60, wrong <= 35, correct > partial > wrong ordering, and the AUC of
correct against wrong answers, less five times the share of model answers that would no
longer score as correct or would show an error.

To predict how the chosen constants do on questions they were not tuned on, it also runs
5-fold cross-validation by question: tune on four fifths of the questions, score the fifth.
Reference-only mode's own threshold is then tuned the same way on the answers scored
against the model answer alone. It prints the figures and the constants to paste into
coach/grading/scoring.py, and writes results/bench/tuning.json. It never reads the held-out or
the data-science-interviews answers.
"""
from __future__ import annotations

import json
from dataclasses import asdict, replace
from functools import lru_cache

from coach.content.catalogue import ROOT
from coach.content.question_bank import OpenQuestion, question_bank
from coach.grading.calibration import CalibrationAnswer, Figures, calibration, figures, question_for
from coach.grading.scoring import TUNING, Reading, Tuning, decide, measure

RESULTS = ROOT / "results" / "bench" / "tuning.json"

GRID: dict[str, tuple[float, ...]] = {
    # Meaning must be able to earn a key point: above 0.92 only word-for-word matches would.
    "cover": tuple(x / 100 for x in range(60, 94, 2)),
    "cover_from": tuple(x / 100 for x in range(40, 94, 4)),
    "cover_reference": tuple(x / 100 for x in range(50, 84, 2)),
    "contradict": tuple(x / 100 for x in range(70, 100, 2)),
    "misconception": tuple(x / 100 for x in range(66, 100, 2)),
    "misconception_margin": (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4),
    "reversal": tuple(x / 100 for x in range(66, 100, 2)),
    "margin": (0.0, 0.02, 0.04, 0.06, 0.08, 0.1, 0.15, 0.2, 0.3),
    # Key points never decide alone: the whole answer's agreement with the model answer counts.
    "coverage_share": (0.5, 0.6, 0.7, 0.8, 0.9),
    "coverage_share_reference": (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9),
    "recall_from": (0.0, 0.1, 0.2, 0.3, 0.4),
    "recall_full": (0.5, 0.6, 0.7, 0.8, 0.9, 1.0),
    "agreement_low": (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6),
    "agreement_high": (0.7, 0.75, 0.8, 0.85, 0.9),
    "full_marks": (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 1.0),
    "error_penalty": (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0),
    "off_topic": (0.2, 0.25, 0.3, 0.35, 0.4, 0.45),
}
# Reference-only mode shares every constant but its own four, which it is tuned for
# on the same answers scored against the model answer alone.
REFERENCE_MODE = ("cover_reference", "coverage_share_reference", "recall_from", "recall_full")
RUBRIC_MODE = tuple(name for name in GRID if name not in REFERENCE_MODE)
# A model answer marked wrong is a visible bug, not a trade-off: it costs five times its share.
MODEL_ANSWER_PENALTY = 5
FOLDS = 5
PASSES = 3

Measured = list[tuple[CalibrationAnswer, "Reading | str"]]


def measure_all(answers: tuple[CalibrationAnswer, ...], reference_only: bool = False) -> Measured:
    """Each answer's reading, against the rubric or (reference_only) the model answer alone."""
    return [(a, measure(question_for(a.question_id, reference_only), a.text)) for a in answers]


def evaluate(measured: Measured, tuning: Tuning) -> Figures:
    return figures([
        (a.question_id, a.label, 0 if isinstance(r, str) else decide(r, tuning)[0]) for a, r in measured
    ])


def objective(f: Figures) -> float:
    return (f.share_correct_60 + f.share_wrong_35 + f.ordering + f.auc) / 4


@lru_cache(maxsize=1)
def model_answers() -> tuple[Reading, ...]:
    """Every model answer read against its own question: each must stay correct and free
    of errors, whatever the constants (a hard constraint of the search)."""
    questions = [q for q in question_bank().questions.values() if isinstance(q, OpenQuestion)]
    readings = (measure(q, q.model_answer) for q in questions)
    return tuple(r for r in readings if not isinstance(r, str))


def flagged_model_answers(tuning: Tuning) -> float:
    """Share of model answers that would score under 70 or show an error."""
    results = [decide(r, tuning) for r in model_answers()]
    return sum(1 for score, _, _, errors in results if score < 70 or errors) / len(results)


def tuning_value(measured: Measured, tuning: Tuning) -> float:
    return objective(evaluate(measured, tuning)) - MODEL_ANSWER_PENALTY * flagged_model_answers(tuning)


def tune(measured: Measured, start: Tuning = TUNING, names: tuple[str, ...] = RUBRIC_MODE) -> Tuning:
    best, best_value = start, tuning_value(measured, start)
    for _ in range(PASSES):
        improved = False
        for name in names:
            for value in GRID[name]:
                candidate = replace(best, **{name: value})
                if candidate.agreement_high <= candidate.agreement_low:
                    continue
                candidate_value = tuning_value(measured, candidate)
                if candidate_value > best_value + 1e-9:
                    best, best_value, improved = candidate, candidate_value, True
        if not improved:
            break
    return best


def cross_validate(measured: Measured, start: Tuning = TUNING, names: tuple[str, ...] = RUBRIC_MODE) -> Figures:
    questions = sorted({a.question_id for a, _ in measured})
    fold_of = {q: i % FOLDS for i, q in enumerate(questions)}
    scored: list[tuple[str, str, float]] = []
    for fold in range(FOLDS):
        train = [m for m in measured if fold_of[m[0].question_id] != fold]
        test = [m for m in measured if fold_of[m[0].question_id] == fold]
        tuning = tune(train, start, names)
        scored += [(a.question_id, a.label, 0 if isinstance(r, str) else decide(r, tuning)[0]) for a, r in test]
    return figures(scored)


def main() -> None:
    measured = measure_all(calibration())
    print(f"{len(measured)} calibration answers to {len({a.question_id for a, _ in measured})} questions")
    current = evaluate(measured, TUNING)
    chosen = tune(measured)
    report: dict[str, Figures] = {
        "current constants": current,
        "tuned, in sample": evaluate(measured, chosen),
        f"{FOLDS}-fold CV": cross_validate(measured),
    }
    by_reference = measure_all(calibration(), reference_only=True)
    chosen = tune(by_reference, chosen, REFERENCE_MODE)
    report["reference-only, tuned"] = evaluate(by_reference, chosen)
    report[f"reference-only, {FOLDS}-fold CV"] = cross_validate(by_reference, chosen, REFERENCE_MODE)
    for name, f in report.items():
        print(f"{name:31} " + ", ".join(f"{k} {v}" for k, v in f.as_dict().items()))
    print("\nTuning(" + ", ".join(f"{k}={v}" for k, v in asdict(chosen).items()) + ")")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({**{k: f.as_dict() for k, f in report.items()}, "tuning": asdict(chosen)}, indent=2)
                       + "\n", encoding="utf-8")
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
