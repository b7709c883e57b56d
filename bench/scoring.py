"""Scoring benchmark: how fast the scoring engine is, and how well the rubrics separate.

`make bench-scoring` runs it. For every open question in the bank it scores the model
answer (should be high) and the model answers of the other questions of the same skill
(should be low), timing each call, and prints per-call latency (p50, p95, max; the
target is under 20 ms) and the calibration figures per skill.
"""
from __future__ import annotations

import platform
import statistics
import time

from actions.content import catalogue
from actions.question_bank import OpenQuestion, question_bank
from actions.scoring import score_answer


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    questions = [q for q in question_bank().questions.values() if isinstance(q, OpenQuestion)]
    score_answer(questions[0], questions[0].model_answer)  # load the pipeline before timing
    timings: list[float] = []
    print(f"{'skill':28} {'open':>4} {'model min':>9} {'model mean':>10} {'other max':>9} {'other mean':>10}")
    for skill in catalogue().skills:
        own, other = [], []
        of_skill = [q for q in questions if q.skill == skill.id]
        for question in of_skill:
            for answer_of in of_skill:
                start = time.perf_counter()
                score = score_answer(question, answer_of.model_answer).score
                timings.append((time.perf_counter() - start) * 1000)
                (own if answer_of is question else other).append(score)
        print(f"{skill.id:28} {len(of_skill):>4} {min(own):>9} {statistics.mean(own):>10.1f} "
              f"{max(other):>9} {statistics.mean(other):>10.1f}")
    print(f"\n{len(timings)} answers scored on {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}")
    print(f"latency per answer: p50 {percentile(timings, 0.5):.2f} ms, p95 {percentile(timings, 0.95):.2f} ms, "
          f"max {max(timings):.2f} ms (target < 20 ms)")


if __name__ == "__main__":
    main()
