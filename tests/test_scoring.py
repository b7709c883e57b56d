"""The scoring engine: rubric matching, its tolerance, negation, degenerate answers, CLI."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from actions import scoring
from actions.question_bank import Concept, OpenQuestion, question_bank
from actions.scoring import score_answer

PARAPHRASES = Path(__file__).parent / "data" / "scoring_paraphrases.yml"

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
        Concept("optimisation", 1, ("optimise", "k-fold")),
    ),
)


def open_questions() -> list[OpenQuestion]:
    return [q for q in question_bank().questions.values() if isinstance(q, OpenQuestion)]


def test_every_model_answer_scores_at_least_80():
    low = {q.id: score_answer(q, q.model_answer).score for q in open_questions()}
    assert {k: v for k, v in low.items() if v < 80} == {}


def test_another_questions_model_answer_scores_at_most_30():
    questions = open_questions()
    high = {}
    for question in questions:
        for other in questions:
            if other.skill == question.skill and other.id != question.id:
                score = score_answer(question, other.model_answer).score
                if score > 30:
                    high[f"{other.id} -> {question.id}"] = score
    assert high == {}


def paraphrases() -> list[dict[str, str]]:
    return yaml.safe_load(PARAPHRASES.read_text(encoding="utf-8"))["answers"]


@pytest.mark.parametrize("item", paraphrases(), ids=lambda item: item["question"])
def test_a_reworded_correct_answer_scores_at_least_60(item):
    question = question_bank().get(item["question"])
    assert isinstance(question, OpenQuestion)
    result = score_answer(question, item["answer"])
    assert result.score >= 60, result.as_dict()


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


def test_matching_tolerates_inflection_word_order_and_abbreviations():
    result = score_answer(VARIANCE, "Deviations from the mean, squared and averaged, give it; the sqrt of that is the std.")
    assert result.covered == ("squared deviation from the mean", "square root")


def test_matching_tolerates_misspellings_of_long_words_only():
    result = score_answer(VARIANCE, "The standard deviation is the squrae root and keeps the orignal units of measurement.")
    assert result.covered == ("square root", "same units as the data")
    result = score_answer(VARIANCE, "The standard deviation is the sqtr of the variance, measured the same way.")
    assert result.covered == ()  # four-letter words must be spelt right


def test_british_and_american_spellings_match():
    result = score_answer(VARIANCE, "You would optimize it with kfold validation and tuning the estimator.")
    assert result.covered == ("optimisation",)


def test_negated_mentions_do_not_count():
    result = score_answer(VARIANCE, "It is not the square root, and it does not keep the same units either.")
    assert result.covered == ()
    result = score_answer(VARIANCE, "Not only is it the square root, it also has the same units.")
    assert result.covered == ("square root", "same units as the data")


def test_a_negation_in_another_clause_does_not_cancel_a_match():
    result = score_answer(VARIANCE, "Variance is not in the same units, but the std is its square root.")
    assert "square root" in result.covered and "same units as the data" not in result.covered


def test_score_is_the_covered_share_of_the_weights():
    assert score_answer(VARIANCE, "It is the square root of the variance, in the same units.").score == round(100 * 5 / 9)
    assert score_answer(VARIANCE, VARIANCE.model_answer).score == round(100 * 8 / 9)


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
    assert result.covered == ("squared deviation from the mean", "square root")
