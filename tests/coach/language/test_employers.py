"""Questions about one employer's hiring, pay or interviews, told apart from the role's FAQ."""
from __future__ import annotations

from pathlib import Path

import pytest

from coach.content.catalogue import ContentError
from coach.language.employers import Employer, employer_words, load_employer_words


@pytest.mark.parametrize("text, name", [
    ("How much does Amazon pay its machine learning engineers?", "Amazon"),
    ("What is Google's interview process for engineers like?", "Google"),
    ("is meta hiring ML engineers right now", "Meta"),
    ("How much do ML engineers at OpenAI make?", "OpenAI"),
    ("what does an ML engineer at netflix do all day", "Netflix"),
    ("goldman  sachs ml salary", "Goldman Sachs"),
    ("Does DeepMind sponsor visas?", "DeepMind"),
    ("google's interview vs Google's pay", "Google"),  # one employer, named twice
])
def test_a_question_about_one_employer_names_it_as_written(text, name):
    found = employer_words().employer_asked_about(text)
    assert found is not None and found.name == name
    assert " ".join(text[found.start:found.end].split()).lower() == name.lower()


@pytest.mark.parametrize("text", [
    "How much do machine learning engineers earn?",  # no employer: the salary FAQ
    "Is the Google Cloud ML certificate worth it for getting hired?",  # a product, not the employer
    "does knowing microsoft azure help me get a job",
    "what is meta-learning and do interviewers ask about it",  # another word
    "Is TensorFlow from Google worth learning?",  # an employer, but nothing about working there
    "Apple or banana for breakfast?",
    "will putting my certificate on LinkedIn help me get a job?",  # a platform, not an employer
    "Why do job ads ask for experience with AWS from Amazon, Microsoft or Google?",  # several: examples
])
def test_other_questions_are_not_about_one_employer(text):
    assert employer_words().employer_asked_about(text) is None


def test_the_word_lists_are_checked_and_errors_name_the_entry(tmp_path: Path):
    path = tmp_path / "employers.yml"
    path.write_text("employers: [google, Amazon]\nproducts: [google cloud]\nhiring_words: [hire]\n")
    with pytest.raises(ContentError, match=r"employers\[2\].*lowercase"):
        load_employer_words(path)
    path.write_text("employers: [google]\nproducts: [google cloud]\nhiring_words: [hire, hire]\n")
    with pytest.raises(ContentError, match=r"hiring_words\[2\].*twice"):
        load_employer_words(path)
    path.write_text("employers: [google]\nproducts: []\nhiring_words: [hire]\n")
    with pytest.raises(ContentError, match="products"):
        load_employer_words(path)
    path.write_text("employers: [google]\nhiring_words: [hire]\n")
    with pytest.raises(ContentError, match="expected exactly the keys"):
        load_employer_words(path)


def test_an_employer_found_is_a_value():
    assert employer_words().employer_asked_about("amazon salary") == Employer("Amazon", 0, 6)
