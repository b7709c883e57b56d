"""The lexical half of the scorer: normal forms, phrase windows, typos, negation, order."""
from __future__ import annotations

import pytest

from coach.grading.matching import Answer, language, phrase_words


def found(answer: str, phrase: str):
    return Answer(answer, language(), frozenset()).find(phrase_words(phrase))


@pytest.mark.parametrize(
    ("answer", "phrase"),
    [
        ("Deviations from the mean, squared and averaged, give it.", "squared deviation from the mean"),
        ("You would optimize it with kfold validation.", "k-fold"),
        ("You would optimise it.", "optimize it"),
        ("The standard deviation is the squrae root.", "square root"),
        ("Precision is TP/(TP+FP) in short.", "TP/(TP+FP)"),
    ],
)
def test_phrases_are_found_across_inflection_order_spelling_and_notation(answer, phrase):
    match = found(answer, phrase)
    assert match is not None and not match.negated


def test_short_words_must_be_spelt_right():
    assert found("It is the sqtr of the variance.", "sqrt of the variance") is None


def test_phrase_words_stay_in_one_sentence():
    assert found("It is the square. Root causes vary.", "square root") is None


def test_negated_matches_are_reported_as_negated():
    assert found("It is not the square root.", "square root").negated
    assert not found("Not only is it the square root, it also has units.", "square root").negated
    assert not found("Variance is not in the same units, but the std is its square root.", "square root").negated


def test_misconceptions_must_keep_their_word_order_inside_one_clause():
    wrong = Answer("Basic slicing returns a copy of the data.", language(), frozenset())
    right = Answer("Fancy indexing returns a copy, unlike slicing.", language(), frozenset())
    words = phrase_words("slicing returns a copy")
    assert wrong.find_in_order(words) is not None
    assert right.find_in_order(words) is None
    assert Answer("Slicing does not return a copy.", language(), frozenset()).find_in_order(words) is None


def test_a_misconception_in_order_allows_only_a_few_extra_words_in_all():
    words = phrase_words("rank is the number of rows")
    assert Answer("Rank is just the number of rows.", language(), frozenset()).find_in_order(words) is not None
    qualified = Answer("Rank is the number of linearly independent rows or columns.", language(), frozenset())
    assert qualified.find_in_order(words) is None


def test_evidence_is_the_candidates_own_text():
    answer = Answer("The ensemble's variance drops.", language(), frozenset())
    match = answer.find(phrase_words("ensemble variance"))
    assert answer.text(match.start, match.end) == "ensemble's variance"


def test_contractions_negate_and_phrases_may_state_a_negative():
    assert found("Good results don't speak for themselves.", "results speak for themselves").negated
    match = found("A tuple can't be changed once made.", "can't be changed")
    assert match is not None and not match.negated


def test_a_negation_reaches_across_a_few_words_of_its_clause():
    assert found("EM is not guaranteed to find the global optimum.", "find the global optimum").negated


def test_a_repeated_phrase_word_must_be_repeated_in_the_answer():
    assert found("A stack is last in, first out.", "first in first out") is None
    assert found("A queue is first in, first out.", "first in first out") is not None


@pytest.mark.parametrize(("word", "norm"), [("AI", "ai"), ("SMOTE", "smote"), ("four", "four"), ("first", "first"),
                                            ("colour", "color"), ("optimised", "optimize")])
def test_normal_forms_keep_acronyms_numbers_and_short_words(word, norm):
    assert language().normalise(word) == norm


def test_a_repeated_word_may_follow_later_in_the_window():
    assert found("Then remove features one by one until it degrades.", "remove features one by one") is not None


def test_contraction_endings_are_small_words():
    assert phrase_words("we're fine with it") == ("fine",)


def test_cant_and_cannot_are_the_same_words():
    assert found("Once made, it cannot be changed.", "can't be changed") is not None
    assert found("Once made, it can't be changed.", "cannot be changed") is not None
