"""Scoring a candidate's free-text answer to an open question: fair, deterministic, offline.

How an answer is scored:
1. Degenerate answers score 0 with advice: empty, a single word, a copy of the question,
   gibberish (most words are not English words), or another language.
2. The key points are the rubric's concepts or, for a question with only a model answer,
   the model answer's sentences (`key_points`).
3. A key point is *covered* when the answer says it, in any words:
   - lexically: all content words of one of its phrases occur close together in one
     sentence, in any order and inflection, small typos tolerated (`coach.grading.matching`);
   - or by meaning: some stretch of the answer (a clause, or a window of a few words) has
     a word-vector embedding close to the concept label or one of its phrases
     (`coach.grading.semantic`), with the same polarity (both negated, or neither);
   - or, for a model-answer sentence, when most of its content words are in the answer.
   A key point said less closely earns part of its weight.
4. A key point is *contradicted* when the answer states one of its misconceptions (words
   in the same order within a clause, or closer in meaning to the misconception than to
   the concept), reverses it (closer to a phrase with one word swapped for its opposite
   from content/opposites.yml: "increases variance" for "reduces variance"), swaps the two
   things a comparison question compares (a point about bagging said in a clause about
   boosting, or "boosting reduces variance" as a reversal), or says it with the opposite
   polarity ("is not the square root") and nowhere says it plainly.
   A contradicted point counts against the answer.
5. The score blends the covered share of the key points' weights with how close the whole
   answer is to the model answer, minus the contradicted share; an off-topic answer (far
   from both the prompt and the model answer) scores low whatever words it shares.
   The verdict says it in words: correct, partly correct, incorrect (on topic but missing
   the key points), contains an error, off topic.

The constants in `TUNING` were chosen by `python -m bench.tune_scoring` on the calibration
answers in content/calibration/ (never on the held-out or data-science-interviews sets).

Authors calibrate rubrics with:
    python -m coach.grading.scoring --question ID --answer TEXT
    python -m coach.grading.scoring --jsonl FILE
FILE has one JSON object per line: {"question": ID, "answer": ...}, or, for a question that
is not in the bank, {"prompt": ..., "reference": ..., "answer": ...} (reference-only mode).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from coach.content.question_bank import QUESTIONS_DIR, OpenQuestion, load_skill_file
from coach.grading.key_points import KeyPoint, key_points, mentions, reference_points
from coach.grading.matching import MAX_ANSWER_CHARS, Answer, answer_problem, language, phrase_words
from coach.grading.semantic import Probes, Segments, TextVectors, text_vectors

ADVICE = {
    "empty": "I didn't get an answer. Write a few sentences, or say \"hint\" or \"skip\".",
    "one_word": "One word can't show what you know. Explain it in two or three sentences, "
    "as you would to an interviewer.",
    "copy": "That repeats the question. Answer it in your own words: what it is, why it "
    "matters, an example.",
    "gibberish": "I couldn't read that as an answer. Try again in plain sentences, or say "
    "\"hint\".",
    "language": "I can only score answers in English. Please answer in English.",
}

# A stretch states a misconception by meaning only if more than this share of the
# misconception's words stand in it: word vectors cannot tell "merge sort splits around a
# pivot" from "quicksort partitions around a pivot" on their own.
MISCONCEPTION_WORDS = 0.5
# A reversed phrase this close to one of the question's right claims says that claim.
SAYS_A_KEY_POINT = 0.9
CORRECT, PARTLY_CORRECT, INCORRECT = "correct", "partly correct", "incorrect"
ERROR, OFF_TOPIC = "contains an error", "off topic"


@dataclass(frozen=True)
class Tuning:
    """The scorer's thresholds and blend (see the module docstring)."""

    cover: float = 0.92                     # cosine at which a stretch of the answer says a key point ...
    cover_from: float = 0.8                 # ... and from which it earns part of the point's weight
    cover_reference: float = 0.82           # the same for a model-answer sentence (reference-only mode)
    recall_from: float = 0.2                # share of a model-answer sentence's words that starts to earn it ...
    recall_full: float = 0.5                # ... and that earns it whole
    contradict: float = 0.82                # cosine at which an opposite-polarity stretch contradicts
    misconception: float = 0.9              # cosine at which a stretch states a misconception ...
    misconception_margin: float = 0.25      # ... and by how much closer it must be than to the concept
    reversal: float = 0.98                  # the same for a reversal of the key point
    margin: float = 0.2                     # ... and its margin
    coverage_share: float = 0.9             # weight of key-point coverage against whole-answer agreement
    coverage_share_reference: float = 0.9   # the same in reference-only mode
    agreement_low: float = 0.6              # answer-to-model-answer cosine that counts as no agreement
    agreement_high: float = 0.9             # ... and as full agreement
    full_marks: float = 0.85                # blended share that earns 100
    error_penalty: float = 0.75             # how much a contradicted share takes off
    off_topic: float = 0.35                 # below this cosine to prompt and model answer: off topic
    correct_from: int = 60                  # verdict thresholds on the final score
    partly_from: int = 25


TUNING = Tuning()


@dataclass(frozen=True)
class Score:
    """The result for one answer: 0-100, the verdict, the key points covered (with the
    candidate's words that earned each), missed and contradicted, and for a degenerate answer
    what was wrong with it and what to do instead."""

    score: int
    covered: tuple[str, ...]
    missed: tuple[str, ...]
    problem: str | None = None
    evidence: dict[str, str] = field(default_factory=dict)  # covered point -> candidate's words
    errors: dict[str, str] = field(default_factory=dict)  # contradicted point -> what was said
    verdict: str = PARTLY_CORRECT

    @property
    def advice(self) -> str | None:
        return ADVICE.get(self.problem) if self.problem else None

    def as_dict(self) -> dict[str, object]:
        return {
            "score": self.score,
            "verdict": self.verdict,
            "covered": list(self.covered),
            "missed": list(self.missed),
            "errors": self.errors,
            "evidence": self.evidence,
            "problem": self.problem,
            "advice": self.advice,
        }


@dataclass(frozen=True)
class PointReading:
    """How the answer stands to one key point, before any thresholds are applied."""

    lexical: bool            # a phrase found word for word, not negated
    negated_lexical: bool    # a phrase found, but negated
    ordered_misconception: bool  # a misconception's words in order within one clause
    same_polarity: float     # best cosine of a stretch with the same polarity
    opposite_polarity: float  # best cosine of a stretch with the opposite polarity
    misconception: float     # best cosine of a stretch to a misconception ...
    concept_there: float     # ... and that stretch's best cosine to any key point
    reversal: float          # the same for the key point's reversals
    concept_at_reversal: float
    recall: float            # share of a model-answer sentence's content words in the answer
    swapped_lexical: bool    # a phrase found only where the answer speaks of the other compared thing
    swapped: float           # best cosine of a stretch about the other compared thing
    evidence: str            # the candidate's words for the best same-polarity match
    error_words: str         # the candidate's words for the contradiction, if any


@dataclass(frozen=True)
class Reading:
    """Everything the score is computed from (what `bench.tune_scoring` tunes on)."""

    points: tuple[KeyPoint, ...]
    readings: tuple[PointReading, ...]
    agreement: float  # cosine of the whole answer to the model answer
    relevance: float  # the larger of that and the cosine to the prompt


def read_answer(question: OpenQuestion, answer: Answer, vectors: TextVectors) -> Reading:
    """Measure the answer against every key point and against the model answer.

    A stretch that seems to state a wrong claim but says one of the question's key points,
    or a sentence of its model answer, at least as closely is taken as that: comparisons
    ("a Type II error is a false negative") are not errors."""
    points = key_points(question)
    segments = vectors.segments(answer)
    reference = reference_points(question.model_answer) if question.rubric else ()
    texts = [_concept_texts(p) for p in (*points, *reference)]
    every_point = vectors.probes(tuple(t for group in texts for t in group))
    sims = segments.similarities(every_point)  # one product for all key points
    explained = sims.max(axis=1) if sims.size else np.zeros(len(segments.spans), np.float32)
    subjects = _clause_subjects(answer, points[0].compared if points else None)
    row_subjects = [subjects.get(answer.tokens[start].clause) for start, _ in segments.spans]
    readings, column = [], 0
    for point, group in zip(points, texts, strict=False):
        columns = slice(column, column + len(group))
        column += len(group)
        other = point.other
        about_other = np.array([s is not None and s == other for s in row_subjects], dtype=bool)
        match = segments.best_match(sims[:, columns], every_point.negated[columns], ~about_other)
        swapped = segments.best_match(sims[:, columns], every_point.negated[columns], about_other) if other else None
        readings.append(_read_point(point, answer, segments, vectors, match, explained, every_point,
                                    _not_about(other, answer, subjects), swapped))
    whole = segments.whole
    agreement = vectors.cosine(whole, vectors.text(question.model_answer))
    relevance = max(agreement, vectors.cosine(whole, vectors.text(question.prompt)))
    return Reading(points, tuple(readings), agreement, relevance)


def _clause_subjects(answer: Answer, compared: tuple[str, str] | None) -> dict[int, str | None]:
    """Which compared thing each clause of the answer is about: the one it names, or, when
    it names neither ("it reduces variance"), the one the clause before was about."""
    if not compared:
        return {}
    subjects: dict[int, str | None] = {}
    current: str | None = None
    for clause, text in sorted(answer.clause_texts().items()):
        named = [thing for thing in compared if mentions(text, thing)]
        if len(named) == 1:
            current = named[0]
        elif named:
            current = None
        subjects[clause] = current
    return subjects


def _not_about(other: str | None, answer: Answer, subjects: dict[int, str | None]) -> Callable[[int], bool]:
    """Whether the match starting at a token is not in a clause about the `other` compared thing."""
    return lambda start: other is None or subjects.get(answer.tokens[start].clause) != other


def _concept_texts(point: KeyPoint) -> tuple[str, ...]:
    return point.phrases if point.from_reference else (point.label, *point.phrases)


def _read_point(point: KeyPoint, answer: Answer, segments: Segments, vectors: TextVectors,
                match: tuple[float, float, str, str], explained: npt.NDArray[np.float32], right: Probes,
                on_subject: Callable[[int], bool], swapped: tuple[float, float, str, str] | None) -> PointReading:
    """How the answer stands to one key point, given its best semantic match. On a
    comparison question, what the answer says of the other compared thing does not count
    for the point ("boosting reduces variance" is not "bagging reduces variance"): it is a
    swap. Reversals that say what another key point says ("stack use cases" from "queue use
    cases") are not wrong claims and are left out."""
    lexical = negated = False
    swap_words = evidence_words = ""
    for phrase in point.phrases:
        words = phrase_words(phrase)
        found = answer.find(words, on_subject)
        if found and not found.negated:
            lexical, evidence_words = True, answer.text(found.start, found.end)
            break
        negated = negated or found is not None
        elsewhere = answer.find(words) if point.other and not swap_words else None
        if elsewhere is not None and not elsewhere.negated and not on_subject(elsewhere.start):
            swap_words = answer.text(elsewhere.start, elsewhere.end)
    ordered = _states_misconception(point, answer)
    same, opposite, evidence, error_words = match
    said = segments.word_recall(tuple(phrase_words(m) for m in point.misconceptions)) > MISCONCEPTION_WORDS
    misconception, concept_there, misconception_words = segments.closer_to(
        vectors.probes(point.misconceptions), explained, said)
    reversed_ = vectors.probes(point.reversals).without_near(right, SAYS_A_KEY_POINT)
    reversal, concept_at_reversal, reversal_words = segments.closer_to(reversed_, explained)
    evidence = evidence_words or evidence
    reference_words = set(phrase_words(point.phrases[0])) if point.from_reference else set()
    recall = sum(1 for w in reference_words if answer.where(w)) / len(reference_words) if reference_words else 0.0
    swap_cosine, _, semantic_swap_words, _ = swapped or (0.0, 0.0, "", "")
    return PointReading(
        lexical, negated, ordered, same, opposite, misconception, concept_there, reversal, concept_at_reversal,
        recall, bool(swap_words) and not lexical, swap_cosine, evidence,
        misconception_words or reversal_words or error_words or swap_words or semantic_swap_words,
    )


def _states_misconception(point: KeyPoint, answer: Answer) -> bool:
    """A misconception's words in order in one clause, unless they are part of a longer phrase
    of the point itself: "minimize the negative log-likelihood" does not state the
    misconception "minimize the log-likelihood"."""
    said = {i for f in (answer.find(phrase_words(p)) for p in point.phrases) if f and not f.negated
            for i in range(f.start, f.end + 1)}
    for misconception in point.misconceptions:
        found = answer.find_in_order(phrase_words(misconception))
        if found and not said.issuperset(range(found.start, found.end + 1)):
            return True
    return False


def decide(reading: Reading, tuning: Tuning = TUNING) -> tuple[int, str, list[int], list[int]]:
    """Score, verdict, and the indices of covered and contradicted key points."""
    covered, contradicted = [], []
    credit = 0.0
    for index, (point, r) in enumerate(zip(reading.points, reading.readings, strict=False)):
        cover = tuning.cover_reference if point.from_reference else tuning.cover
        start = min(cover, tuning.cover_from - (tuning.cover - cover))
        states_error = (
            r.ordered_misconception
            or (r.misconception >= tuning.misconception
                and r.misconception >= r.concept_there + tuning.misconception_margin)
            or (r.reversal >= tuning.reversal and r.reversal >= r.concept_at_reversal + tuning.margin)
        )
        said = r.lexical or r.same_polarity >= cover or (point.from_reference and r.recall >= tuning.recall_full)
        swapped = r.swapped_lexical or r.swapped >= tuning.cover
        if states_error or (not said and (r.negated_lexical or r.opposite_polarity >= tuning.contradict or swapped)):
            contradicted.append(index)
        elif said:
            covered.append(index)
            credit += point.weight
        else:
            part = max(0.0, (r.same_polarity - start) / (cover - start)) if cover > start else 0.0
            if point.from_reference:
                part = max(part, (r.recall - tuning.recall_from) / (tuning.recall_full - tuning.recall_from))
            credit += point.weight * min(1.0, max(0.0, part))
    total = sum(p.weight for p in reading.points)
    coverage = credit / total
    errors = sum(reading.points[i].weight for i in contradicted) / total
    span = tuning.agreement_high - tuning.agreement_low
    agreement = min(1.0, max(0.0, (reading.agreement - tuning.agreement_low) / span))
    share_ = tuning.coverage_share_reference if reading.points[0].from_reference else tuning.coverage_share
    blended = share_ * coverage + (1 - share_) * agreement
    share = min(1.0, blended / tuning.full_marks) - tuning.error_penalty * errors
    score = round(100 * min(1.0, max(0.0, share)))
    if reading.relevance < tuning.off_topic and not covered:
        return min(score, tuning.partly_from - 1), OFF_TOPIC, covered, contradicted
    if contradicted:
        verdict = ERROR
    elif score >= tuning.correct_from:
        verdict = CORRECT
    elif score >= tuning.partly_from:
        verdict = PARTLY_CORRECT
    else:
        verdict = INCORRECT
    return score, verdict, covered, contradicted


def measure(question: OpenQuestion, text: str) -> Reading | str:
    """The answer's reading, or the name of the problem that keeps it from being scored."""
    text = (text or "")[:MAX_ANSWER_CHARS]
    answer = Answer(text, language(), _jargon(question))
    problem = answer_problem(answer, question.prompt, text)
    return problem if problem else read_answer(question, answer, text_vectors())


def score_answer(question: OpenQuestion, text: str, tuning: Tuning = TUNING) -> Score:
    """Score a free-text answer to an open question (see the module docstring for how)."""
    reading = measure(question, text)
    points = key_points(question)
    if isinstance(reading, str):
        return Score(0, (), tuple(p.label for p in points), reading, verdict=OFF_TOPIC)
    score, verdict, covered, contradicted = decide(reading, tuning)
    return Score(
        score,
        covered=tuple(points[i].label for i in covered),
        missed=tuple(p.label for i, p in enumerate(points) if i not in covered),
        evidence={points[i].label: reading.readings[i].evidence for i in covered},
        errors={points[i].label: reading.readings[i].error_words for i in contradicted},
        verdict=verdict,
    )


@lru_cache(maxsize=1024)
def _jargon(question: OpenQuestion) -> frozenset[str]:
    """The words of a question's own texts, which count as English in its answers."""
    texts = [question.prompt, question.model_answer, question.hint]
    texts += [p for point in key_points(question) for p in (*point.phrases, *point.misconceptions)]
    return frozenset(re.findall(r"\w+", " ".join(texts).lower()))


def reference_question(prompt: str, reference: str) -> OpenQuestion:
    """A question known only by its prompt and model answer (reference-only mode)."""
    return OpenQuestion(
        id="reference.question", skill="reference", difficulty="medium",
        prompt=" ".join(prompt.split()), model_answer=" ".join(reference.split()), hint="",
    )


def _find_question(question_id: str) -> OpenQuestion | None:
    """The question from its skill's file alone, so authors can calibrate a file in progress."""
    path = QUESTIONS_DIR / f"{question_id.partition('.')[0]}.yml"
    if not path.exists():
        return None
    from coach.content.catalogue import catalogue

    found = [q for q in load_skill_file(path, catalogue(), set()) if q.id == question_id]
    return found[0] if found and isinstance(found[0], OpenQuestion) else None


def _score_item(item: dict[str, object]) -> dict[str, object]:
    answer = item["answer"]
    if not isinstance(answer, str):
        raise TypeError("'answer' must be a string")
    if "question" in item:
        question = _find_question(str(item["question"]))
        if question is None:
            raise SystemExit(f"error: {item['question']!r} is not an open question in the bank")
        return {"question": question.id, **score_answer(question, answer).as_dict()}
    prompt, reference = item["prompt"], item["reference"]
    if not isinstance(prompt, str) or not isinstance(reference, str) or not reference.strip():
        raise TypeError("'prompt' and 'reference' must be strings, the reference not empty")
    return score_answer(reference_question(prompt, reference), answer).as_dict()


def main(argv: Sequence[str] | None = None) -> int:
    """Print the score of one answer, or of each line of a JSONL file, as JSON."""
    parser = argparse.ArgumentParser(prog="python -m coach.grading.scoring", description=__doc__.split("\n")[0])
    parser.add_argument("--question", help="question id, e.g. statistics.variance_vs_std")
    parser.add_argument("--answer", help="the answer text to score")
    parser.add_argument("--jsonl", help='file with one {"question", "answer"} or {"prompt", "reference", "answer"} per line')
    args = parser.parse_args(argv)
    if args.jsonl:
        with open(args.jsonl, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    result = _score_item(json.loads(line))
                except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as error:
                    raise SystemExit(f"error: {args.jsonl}:{number}: {error!r}") from None
                print(json.dumps(result, ensure_ascii=False))
        return 0
    if args.question is None or args.answer is None:
        parser.error("give --question and --answer, or --jsonl")
    print(json.dumps(_score_item({"question": args.question, "answer": args.answer}), indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
