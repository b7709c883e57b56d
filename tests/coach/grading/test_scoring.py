"""The scoring engine: meaning as well as words, contradictions, verdicts, reference-only
questions, degenerate answers, CLI. (Word-level matching: test_matching.py.)"""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from coach.content.question_bank import Concept, OpenQuestion, question_bank
from coach.grading import scoring
from coach.grading.key_points import compared_things, key_points, mentions, reversals, swaps
from coach.grading.scoring import CORRECT, ERROR, INCORRECT, OFF_TOPIC, TUNING, reference_question, score_answer

PARAPHRASES = Path(__file__).resolve().parents[2] / "data" / "scoring_paraphrases.yml"

VARIANCE = OpenQuestion(
    id="statistics.test_variance", skill="statistics", difficulty="easy",
    prompt="What is the difference between variance and standard deviation?",
    model_answer="Variance is the average squared deviation from the mean. The standard deviation "
    "is its square root. The standard deviation is in the same units as the data.",
    hint="Think about units.",
    rubric=(
        Concept("squared deviation from the mean", 3, ("squared deviation from the mean", "average squared distance")),
        Concept("square root", 3, ("square root", "sqrt")),
        Concept("same units as the data", 2, ("same units", "original units")),
        Concept("averaging lowers the variance", 1, ("averaging reduces the variance",)),
    ),
)


def open_questions() -> list[OpenQuestion]:
    return [q for q in question_bank().questions.values() if isinstance(q, OpenQuestion)]


def test_every_model_answer_scores_as_correct_on_its_own_question():
    results = {q.id: score_answer(q, q.model_answer) for q in open_questions()}
    assert min(r.score for r in results.values()) >= 70
    flagged = {k: r.errors for k, r in results.items() if r.errors}
    assert len(flagged) <= 0.02 * len(results), flagged  # measured: 1 of 190 (a reversal misread)


def test_other_questions_model_answers_rarely_score_above_35():
    questions = open_questions()
    scores = [
        score_answer(question, other.model_answer).score
        for question in questions for other in questions
        if other.skill == question.skill and other.id != question.id
    ]
    assert sum(s > 35 for s in scores) <= 0.02 * len(scores)  # measured: 41 of 2,596


def paraphrases() -> list[dict[str, str]]:
    return yaml.safe_load(PARAPHRASES.read_text(encoding="utf-8"))["answers"]


def test_reworded_correct_answers_score_at_least_60():
    low = {}
    for item in paraphrases():
        question = question_bank().get(item["question"])
        assert isinstance(question, OpenQuestion)
        result = score_answer(question, item["answer"])
        if result.score < 60:
            low[item["question"]] = result.as_dict()
    assert len(low) <= 0.1 * len(paraphrases()), low  # measured: 1 of 39


def test_paraphrases_cover_every_skill():
    skills = {question_bank().get(item["question"]).skill for item in paraphrases()}
    assert len(skills) == 13


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ("", "empty"),
        ("   \n ", "empty"),
        ("?!", "empty"),
        ("variance", "one_word"),
        ("The variance.", "one_word"),
        ("What is the difference between variance and standard deviation?", "copy"),
        ("difference between variance and standard deviation", "copy"),
        ("asdkj qwpoeiru zmxncb vbnmlk poiuyt", "gibberish"),
        ("lorem ipsum dolor sit amet consectetur adipiscing", "gibberish"),
        ("La variance est la moyenne des carrés des écarts à la moyenne et l'écart type est sa racine.", "language"),
        ("Die Varianz ist der Mittelwert der quadrierten Abweichungen und die Standardabweichung ist die Wurzel.", "language"),
        ("Дисперсия равна квадрату стандартного отклонения", "language"),
        ("方差是标准差的平方", "language"),
    ],
)
def test_degenerate_answers_score_zero_with_advice(answer, problem):
    result = score_answer(VARIANCE, answer)
    assert (result.score, result.problem) == (0, problem)
    assert result.advice and result.covered == ()


def test_scoring_is_deterministic():
    answers = [q.model_answer for q in open_questions()[:20]]
    first = [score_answer(VARIANCE, a).as_dict() for a in answers]
    assert first == [score_answer(VARIANCE, a).as_dict() for a in answers]


def test_cli_scores_one_answer_as_json(capsys):
    question = open_questions()[0]
    assert scoring.main(["--question", question.id, "--answer", question.model_answer]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["question"] == question.id and result["score"] >= 80
    assert set(result) >= {"score", "covered", "missed", "problem", "evidence"}


def test_cli_scores_a_jsonl_file(tmp_path, capsys):
    question = open_questions()[0]
    lines = [{"question": question.id, "answer": question.model_answer}, {"question": question.id, "answer": "idk"}]
    path = tmp_path / "answers.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    assert scoring.main(["--jsonl", str(path)]) == 0
    results = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["score"] >= 80 for r in results] == [True, False]
    assert results[1]["problem"] == "one_word"


def test_cli_rejects_an_unknown_question():
    with pytest.raises(SystemExit, match="not an open question"):
        scoring.main(["--question", "statistics.no_such_question", "--answer", "x y"])


def test_a_huge_repetitive_answer_is_read_up_to_4096_characters():
    text = "the square root of the mean squared deviation " * 2500  # about 115 KB
    result = score_answer(VARIANCE, text)
    assert {"squared deviation from the mean", "square root"} <= set(result.covered)


def bank_open(question_id: str) -> OpenQuestion:
    question = question_bank().get(question_id)
    assert isinstance(question, OpenQuestion)
    return question


def test_a_correct_answer_in_plain_words_scores_as_correct():
    # The example (18/100 before). Its phrasings also served as examples in the brief
    # for the rubrics' plain-language phrases, so this is a regression test, not a measure.
    question = bank_open("ml_algorithms.random_forest_randomness")
    right = score_answer(question, (
        "Every tree sees a different bootstrap sample of the rows, drawn with replacement, and at each split it "
        "only looks at a random handful of the columns. That makes the trees less alike, so when you average "
        "their votes the errors cancel out and the ensemble overfits much less than one deep tree."
    ))
    wrong = score_answer(question, "Random forests train trees sequentially, each fixing the errors of the previous "
                                   "one, and use all features at every split; this mainly reduces bias.")
    assert right.score >= 60 and right.verdict == CORRECT and not right.errors, right.as_dict()
    assert "random handful of the columns" in right.evidence["random feature subset at each split"]
    assert right.score > wrong.score + 30, (right.as_dict(), wrong.as_dict())


def test_a_fluent_answer_that_reverses_the_facts_does_not_score_high():
    question = bank_open("programming.numpy_views_copies")
    result = score_answer(question, (
        "Basic slicing like a[1:4] returns a copy, so writing into it never changes the original array, while "
        "fancy indexing with a boolean mask or an index array returns a view of the same memory. Transposing "
        "always copies the data."
    ))
    assert result.score <= 35 and result.verdict == ERROR, result.as_dict()
    assert result.errors


MLE = replace(
    VARIANCE,
    id="statistics.test_mle",
    rubric=(
        Concept("minimize the negative log-likelihood", 3, ("negative log-likelihood", "minimizes the negative"),
                ("minimize the log-likelihood",)),
        *VARIANCE.rubric[:2],
    ),
)


def test_a_misconception_inside_a_longer_right_phrase_is_not_stated():
    right = score_answer(MLE, "You minimize the negative log-likelihood; the deviation is squared and its square root taken.")
    assert not right.errors, right.as_dict()
    wrong = score_answer(MLE, "You minimize the log-likelihood; the deviation is squared and its square root taken.")
    assert "minimize the negative log-likelihood" in wrong.errors, wrong.as_dict()


def test_a_misconception_said_by_meaning_needs_most_of_its_words():
    words = scoring.phrase_words
    answer = scoring.Answer("Quicksort partitions around a pivot element.", scoring.language(), frozenset())
    segments = scoring.text_vectors().segments(answer)
    shares = segments.word_recall((words("merge sort splits around a pivot"), words("quicksort partitions around a pivot")))
    assert shares[:, 0].max() <= scoring.MISCONCEPTION_WORDS < shares[:, 1].max()


def test_a_correct_negative_statement_is_not_a_negation():
    question = bank_open("programming.list_vs_tuple")
    result = score_answer(question, "A list can be modified after you create it, but a tuple can't be changed once made.")
    assert not result.errors, result.as_dict()
    assert any("mutab" in label.lower() or "chang" in label.lower() for label in result.covered), result.as_dict()


def test_notation_counts():
    question = bank_open("model_evaluation.precision_vs_recall")
    result = score_answer(
        question, "P = TP / (TP + FP) and R = TP / (TP + FN); raising the threshold usually trades recall for precision.")
    assert len(result.covered) >= 2 and not result.errors, result.as_dict()


def test_a_negated_key_point_counts_against_the_answer():
    result = score_answer(
        VARIANCE, "The standard deviation is not the square root of the variance; it is the average absolute gap.")
    assert "square root" in result.errors and "square root" not in result.covered
    assert result.verdict == ERROR


# The tuned constants let a reversal or swap count only when the answer is far closer to it
# than to any right claim (on the calibration answers looser settings misread correct ones),
# so these two tests check the mechanism with looser constants.
LOOSE_REVERSALS = replace(TUNING, reversal=0.9, margin=0.05)


def test_a_reversed_effect_counts_against_the_answer():
    assert "averaging increases the variance" in reversals("averaging reduces the variance")
    result = score_answer(VARIANCE, "Averaging many noisy estimates increases the variance, and the std is its square root.",
                          LOOSE_REVERSALS)
    assert "averaging lowers the variance" in result.errors, result.as_dict()


def test_an_answer_on_topic_that_misses_every_key_point_is_incorrect():
    result = score_answer(VARIANCE, "Both describe data; people often report them in papers and tables of results.")
    assert result.score < 25 and result.verdict in (INCORRECT, OFF_TOPIC), result.as_dict()


def test_an_off_topic_answer_is_called_off_topic():
    result = score_answer(VARIANCE, "I enjoy hiking in the mountains with my dog every weekend when the weather is nice.")
    assert result.verdict == OFF_TOPIC and result.score < 25


def test_each_covered_point_shows_the_candidates_words():
    result = score_answer(VARIANCE, "It is the square root of the variance, so it is in the same units as the data.")
    assert result.covered and all(result.evidence[label] for label in result.covered)
    assert all(words in "It is the square root of the variance, so it is in the same units as the data."
               for words in result.evidence.values())


def test_a_question_with_only_a_model_answer_is_scored_from_its_key_points():
    question = reference_question(VARIANCE.prompt, VARIANCE.model_answer)
    assert not question.rubric and len(key_points(question)) == 3
    good = score_answer(question, "Variance averages the squared gaps from the mean; the standard deviation is its "
                                  "square root, which puts it back in the units of the data.")
    bad = score_answer(question, "Gradient boosting fits trees one after another on the residual errors of the ensemble.")
    assert good.score >= 60 > 35 >= bad.score, (good.as_dict(), bad.as_dict())


def test_cli_scores_prompt_and_reference_lines(tmp_path, capsys):
    line = {"prompt": VARIANCE.prompt, "reference": VARIANCE.model_answer, "answer": VARIANCE.model_answer}
    path = tmp_path / "answers.jsonl"
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    assert scoring.main(["--jsonl", str(path)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["score"] >= 80 and result["verdict"] == CORRECT


@pytest.mark.parametrize(
    ("prompt", "things"),
    [
        ("What is the difference between a list and a tuple in Python?", ("list", "tuple")),
        ("Compare bagging and boosting.", ("bagging", "boosting")),
        ("What is the difference between L1 and L2 regularization?", ("L1", "L2")),
        ("How does logistic regression differ from linear regression?", ("logistic regression", "linear regression")),
        ("Walk through the k-means algorithm.", None),
    ],
)
def test_comparison_prompts_name_the_two_things_compared(prompt, things):
    assert compared_things(prompt) == things


def test_swapping_the_compared_things_counts_against_the_answer():
    assert swaps("bagging reduces variance", ("bagging", "boosting")) == ("boosting reduces variance",)
    question = bank_open("ml_algorithms.bagging_vs_boosting")
    result = score_answer(question, "Boosting trains in parallel on bootstrap samples, and bagging is sequential "
                                    "and focuses on errors.", LOOSE_REVERSALS)
    assert result.errors and result.score <= 35, result.as_dict()


def test_what_is_said_of_the_other_compared_thing_does_not_count():
    question = bank_open("ml_algorithms.bagging_vs_boosting")
    swapped = score_answer(question, (
        "Boosting trains many models in parallel on bootstrap samples and averages them, so it mainly reduces "
        "variance, while bagging trains them one after another on the errors of the previous ones and reduces bias."
    ))
    right = score_answer(question, (
        "Bagging trains models in parallel on bootstrap samples and averages them, which mainly reduces variance. "
        "Boosting trains them one after another, each focusing on the previous errors, and reduces bias; it is "
        "sensitive to noisy labels."
    ))
    assert swapped.score <= 35 and swapped.verdict == ERROR, swapped.as_dict()
    assert "bagging reduces variance" in swapped.errors
    assert right.score >= 80 and not right.errors, right.as_dict()


def test_a_compared_thing_is_named_as_a_whole_word():
    assert mentions("Supervised models learn from labels", "supervised")
    assert mentions("two lists", "list") and mentions("Min-max scaling", "min-max")
    assert not mentions("semi-supervised learning", "supervised")
    assert not mentions("unsupervised learning", "supervised")
