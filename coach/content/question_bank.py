"""The mock-interview question bank: one YAML file per skill under content/questions/.

Questions are content written by people, so loading checks every entry against the schema
below and fails with a ContentError naming the file, the question id and the problem.
Question ids are stable: candidates' attempts and review schedules refer to them.

    skill: <catalogue skill id, same as the file name>
    questions:
      - id: <skill>.<slug>
        type: open                      # free-text answer, scored against the rubric
        difficulty: easy | medium | hard
        topics: [<1-4 snake_case tags: what it tests, e.g. pca, ml_system_design, llm, sql>]
        prompt: <the question>
        model_answer: <3-6 sentences>
        hint: <one nudge>
        rubric:                         # optional: 3-7 key concepts; without it the key
          - concept: <short label>      # points come from the model answer
            weight: 1 | 2 | 3
            phrases: [<phrasings that count: two words or more, or a formula>]
            misconceptions: [<optional: wrong claims that contradict the concept>]
            follow_up: <the question a mock interviewer asks when an answer misses this concept>
            follow_up_answer: <1-3 sentences that answer it (the follow-up's model answer)>
      - id: <skill>.<slug>
        type: choice                    # multiple choice
        difficulty: easy | medium | hard
        topics: [<1-4 tags>]
        prompt: <the question>
        options: [<3-5 options>]
        correct: <letter of the correct option>  # a drill shows the options in an order of its own
        explanation: <one line>

Run `python -m coach.content.question_bank [FILE ...]` to check files (all of them by default).
"""
from __future__ import annotations

import re
import string
import sys
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from coach.content.catalogue import (
    CONTENT_DIR,
    Catalogue,
    ContentError,
    catalogue,
    read_yaml,
    require_entries,
    require_text,
)

QUESTIONS_DIR = CONTENT_DIR / "questions"
DIFFICULTIES = ("easy", "medium", "hard")
MIN_OPEN_PER_SKILL, MIN_CHOICE_PER_SKILL = 22, 10
MIN_CONCEPTS, MAX_CONCEPTS = 3, 7
MIN_OPTIONS, MAX_OPTIONS = 3, 5
MIN_SENTENCES, MAX_SENTENCES = 3, 6
WEIGHTS = (1, 2, 3)

_SLUG = re.compile(r"^[a-z0-9_]+$")
_TOPIC = re.compile(r"[a-z0-9_]{2,40}")
MAX_TOPICS = 4
_PHRASE_WORD = re.compile(r"[^\W_]+")
# A phrase of one word is allowed only when it is notation or code ("TP/(TP+FP)", "max_depth").
_NOTATION = re.compile(r"[^\w\s'’-]|_")
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")


@dataclass(frozen=True)
class Concept:
    """A key idea a good answer mentions, the phrasings that count as mentioning it, and the
    wrong claims that contradict it (an answer stating one loses the concept)."""

    label: str
    weight: int
    phrases: tuple[str, ...]
    misconceptions: tuple[str, ...] = ()
    follow_up: str = ""         # what a mock interviewer asks when an answer misses the concept ...
    follow_up_answer: str = ""  # ... and a good answer to it (the follow-up's model answer)


@dataclass(frozen=True)
class _Question:
    """What every question has; `topics` tags what it tests (so the bank can be counted and
    filtered by topic: `ml_system_design`, `llm`, `sql`, `pca`...)."""

    id: str
    skill: str
    difficulty: str
    prompt: str
    topics: tuple[str, ...] = field(default=(), kw_only=True)


@dataclass(frozen=True)
class OpenQuestion(_Question):
    model_answer: str
    hint: str
    rubric: tuple[Concept, ...] = ()  # empty: the scorer takes key points from the model answer

    def follow_up(self, label: str) -> OpenQuestion | None:
        """The follow-up on one rubric concept as a question of its own, scored on that concept
        alone (a mock interview asks it when an answer misses the concept)."""
        concept = next((c for c in self.rubric if c.label == label and c.follow_up), None)
        if concept is None:
            return None
        return OpenQuestion(
            id=f"{self.id}#{label}", skill=self.skill, difficulty=self.difficulty, prompt=concept.follow_up,
            topics=self.topics, model_answer=concept.follow_up_answer, hint=self.hint, rubric=(concept,),
        )


@dataclass(frozen=True)
class ChoiceQuestion(_Question):
    options: tuple[str, ...]
    correct: int  # index into options
    explanation: str

    @property
    def letters(self) -> str:
        return string.ascii_uppercase[: len(self.options)]

    @property
    def correct_letter(self) -> str:
        return self.letters[self.correct]


Question = OpenQuestion | ChoiceQuestion


@dataclass(frozen=True)
class QuestionBank:
    questions: dict[str, Question]  # by id, in file order

    def get(self, question_id: str) -> Question | None:
        return self.questions.get(question_id)

    def for_skill(self, skill_id: str) -> list[Question]:
        return [q for q in self.questions.values() if q.skill == skill_id]

    def with_topic(self, topic: str) -> list[Question]:
        return [q for q in self.questions.values() if topic in q.topics]


def _topics(path: Path, entry: str, topics: object) -> tuple[str, ...]:
    if not (isinstance(topics, list) and 1 <= len(topics) <= MAX_TOPICS
            and all(isinstance(t, str) and _TOPIC.fullmatch(t) for t in topics)):
        raise ContentError(path, entry, f"'topics' must list 1 to {MAX_TOPICS} tags in snake_case, such as [pca, "
                                        f"ml_system_design], got {topics!r}")
    return tuple(topics)


def _sentences(text: str) -> int:
    return len(_SENTENCE_END.findall(text))


def _phrase_list(path: Path, where: str, item: dict[str, Any], key: str, required: bool) -> tuple[str, ...]:
    phrases = item.get(key, None if required else [])
    if not isinstance(phrases, list) or (required and not phrases):
        raise ContentError(path, where, f"'{key}' must be a {'non-empty ' if required else ''}list")
    cleaned = tuple(" ".join(require_text(path, where, p, key).split()) for p in phrases)
    for phrase in cleaned:
        if len(_PHRASE_WORD.findall(phrase)) < 2 and not _NOTATION.search(phrase):
            raise ContentError(
                path, where, f"{key}: {phrase!r} is one word, which matches any mention of it; "
                "write the idea in two words or more, or as notation"
            )
    return cleaned


def _concept(path: Path, entry: str, index: int, item: Any) -> Concept:
    where = f"{entry} rubric[{index}]"
    if not isinstance(item, dict):
        raise ContentError(path, where, "must be a mapping with concept, weight, phrases")
    unknown = set(item) - {"concept", "weight", "phrases", "misconceptions", "follow_up", "follow_up_answer"}
    if unknown:
        raise ContentError(path, where, f"unknown field(s): {', '.join(sorted(unknown))}")
    label = require_text(path, where, item.get("concept"), "concept")
    weight = item.get("weight")
    if weight not in WEIGHTS or isinstance(weight, bool):
        raise ContentError(path, where, f"weight must be one of {WEIGHTS}, got {weight!r}")
    follow_up = {key: " ".join(require_text(path, where, item.get(key), key).split())
                 for key in ("follow_up", "follow_up_answer")}
    if not follow_up["follow_up"].endswith("?"):
        raise ContentError(path, where, "follow_up must be a question (end with '?')")
    if not 1 <= _sentences(follow_up["follow_up_answer"]) <= 3:
        raise ContentError(path, where, "follow_up_answer must have 1-3 sentences")
    return Concept(
        label,
        weight,
        _phrase_list(path, where, item, "phrases", required=True),
        _phrase_list(path, where, item, "misconceptions", required=False),
        **follow_up,
    )


def _open_question(path: Path, entry: str, item: dict[str, Any], common: dict[str, Any]) -> OpenQuestion:
    model_answer = " ".join(require_text(path, entry, item.get("model_answer"), "model_answer").split())
    if not MIN_SENTENCES <= _sentences(model_answer) <= MAX_SENTENCES:
        raise ContentError(
            path, entry, f"model_answer must have {MIN_SENTENCES}-{MAX_SENTENCES} sentences, "
            f"has {_sentences(model_answer)}"
        )
    rubric = item.get("rubric", [])
    if not isinstance(rubric, list) or (rubric and not MIN_CONCEPTS <= len(rubric) <= MAX_CONCEPTS):
        raise ContentError(path, entry, f"rubric, when given, must list {MIN_CONCEPTS}-{MAX_CONCEPTS} concepts")
    concepts = tuple(_concept(path, entry, i, c) for i, c in enumerate(rubric))
    labels = [c.label.lower() for c in concepts]
    if len(set(labels)) != len(labels):
        raise ContentError(path, entry, "rubric concepts must have different labels")
    return OpenQuestion(
        **common,
        model_answer=model_answer,
        hint=require_text(path, entry, item.get("hint"), "hint"),
        rubric=concepts,
    )


def _choice_question(path: Path, entry: str, item: dict[str, Any], common: dict[str, Any]) -> ChoiceQuestion:
    options = item.get("options")
    if not isinstance(options, list) or not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        raise ContentError(path, entry, f"options must list {MIN_OPTIONS}-{MAX_OPTIONS} choices")
    texts = tuple(require_text(path, entry, o, "option") for o in options)
    if len({t.lower() for t in texts}) != len(texts):
        raise ContentError(path, entry, "options must be different")
    letters = string.ascii_uppercase[: len(texts)]
    correct = item.get("correct")
    if not isinstance(correct, str) or correct.strip().upper() not in letters or not correct.strip():
        raise ContentError(path, entry, f"correct must be one of the letters {', '.join(letters)}")
    explanation = require_text(path, entry, item.get("explanation"), "explanation")
    if "\n" in explanation or _sentences(explanation) > 2:
        raise ContentError(path, entry, "explanation must be one line")
    return ChoiceQuestion(
        **common,
        options=texts,
        correct=letters.index(correct.strip().upper()),
        explanation=explanation,
    )


def load_skill_file(path: Path, catalogue_: Catalogue, seen: set[str]) -> list[Question]:
    """Read and check one skill's file; `seen` collects ids to catch duplicates across files."""
    data = read_yaml(path)
    skill_id = data.get("skill") if isinstance(data, dict) else None
    if skill_id != path.stem or catalogue_.skill(path.stem) is None:
        raise ContentError(
            path, "skill", f"must be the catalogue skill id {path.stem!r} (the file name), got {skill_id!r}"
        )
    questions: list[Question] = []
    for index, item in enumerate(require_entries(path, data, "questions")):
        question_id = item.get("id")
        entry = f"questions[{index}] {question_id or ''}".strip()
        prefix, _, slug = str(question_id).partition(".")
        if not isinstance(question_id, str) or prefix != skill_id or not _SLUG.match(slug):
            raise ContentError(path, entry, f"id must look like '{skill_id}.some_slug'")
        if question_id in seen:
            raise ContentError(path, entry, "duplicate question id")
        seen.add(question_id)
        entry = question_id
        difficulty = item.get("difficulty")
        if difficulty not in DIFFICULTIES:
            raise ContentError(path, entry, f"difficulty must be one of {', '.join(DIFFICULTIES)}")
        common = {
            "id": question_id,
            "skill": skill_id,
            "difficulty": difficulty,
            "prompt": " ".join(require_text(path, entry, item.get("prompt"), "prompt").split()),
            "topics": _topics(path, entry, item.get("topics")),
        }
        kind = item.get("type")
        if kind == "open":
            questions.append(_open_question(path, entry, item, common))
        elif kind == "choice":
            questions.append(_choice_question(path, entry, item, common))
        else:
            raise ContentError(path, entry, f"type must be 'open' or 'choice', got {kind!r}")
    return questions


def _check_coverage(path: Path, questions: list[Question]) -> None:
    """A skill needs enough questions of each type, at every difficulty level."""
    for kind, minimum in ((OpenQuestion, MIN_OPEN_PER_SKILL), (ChoiceQuestion, MIN_CHOICE_PER_SKILL)):
        of_kind = [q for q in questions if isinstance(q, kind)]
        label = "open" if kind is OpenQuestion else "choice"
        if len(of_kind) < minimum:
            raise ContentError(path, "questions", f"needs at least {minimum} {label} questions, has {len(of_kind)}")
        missing = set(DIFFICULTIES) - {q.difficulty for q in of_kind}
        if missing:
            raise ContentError(path, "questions", f"no {label} question is {', '.join(sorted(missing))}")


def load_bank(directory: Path = QUESTIONS_DIR, catalogue_: Catalogue | None = None) -> QuestionBank:
    """Load every skill's file; every catalogue skill must have one, and nothing else may."""
    catalogue_ = catalogue_ or catalogue()
    paths = {path.stem: path for path in sorted(directory.glob("*.yml"))}
    for stem, path in paths.items():
        if catalogue_.skill(stem) is None:
            raise ContentError(path, "(file)", f"{stem!r} is not a catalogue skill id")
    seen: set[str] = set()
    questions: dict[str, Question] = {}
    for skill in catalogue_.skills:
        path = paths.get(skill.id, directory / f"{skill.id}.yml")
        loaded = load_skill_file(path, catalogue_, seen)
        _check_coverage(path, loaded)
        questions.update((q.id, q) for q in loaded)
    return QuestionBank(questions)


@lru_cache(maxsize=1)
def question_bank() -> QuestionBank:
    """The project's question bank, loaded and checked once per process."""
    return load_bank()


def main(argv: list[str]) -> int:
    """Check the given skill files (or the whole bank) and print what they hold."""
    if argv[:1] in (["-h"], ["--help"]):
        print("usage: python -m coach.content.question_bank [FILE ...]  (default: every bank file)")
        return 0
    try:
        if argv:
            seen: set[str] = set()
            for name in argv:
                path = Path(name).resolve()
                loaded = load_skill_file(path, catalogue(), seen)
                _check_coverage(path, loaded)
                _summary(path.stem, loaded)
        else:
            bank = load_bank()
            for skill in catalogue().skills:
                _summary(skill.id, bank.for_skill(skill.id))
            topics = Counter(t for q in bank.questions.values() for t in q.topics)
            print(f"topics ({len(topics)}): " + ", ".join(f"{t} {n}" for t, n in topics.most_common()))
    except ContentError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def _summary(skill_id: str, questions: list[Question]) -> None:
    counts = {
        kind: {d: sum(1 for q in questions if isinstance(q, cls) and q.difficulty == d) for d in DIFFICULTIES}
        for kind, cls in (("open", OpenQuestion), ("choice", ChoiceQuestion))
    }
    print(f"{skill_id}: ok, " + "; ".join(
        f"{sum(c.values())} {kind} ({', '.join(f'{n} {d}' for d, n in c.items())})" for kind, c in counts.items()
    ))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
