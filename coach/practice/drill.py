"""The drill's rules, in plain Python: which questions to ask, how to read a reply, and
when each question comes back for review.

Nothing here knows about Rasa or the database; the custom actions combine it with
`coach.storage.records` and `coach.grading.scoring`.
"""
from __future__ import annotations

import enum
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from functools import lru_cache

from fsrs import Card, Rating, Scheduler
from fsrs.card import CardDict

from coach.config import DEFAULT_DESIRED_RETENTION
from coach.content.question_bank import ChoiceQuestion, OpenQuestion, Question
from coach.practice.history import RecordedAttempt, Review

DEFAULT_QUESTIONS, MIN_QUESTIONS, MAX_QUESTIONS = 5, 1, 20
# One question in CHOICE_EVERY is multiple choice (none in a one- or two-question drill).
CHOICE_EVERY = 3
DIFFICULTY_ORDER = {"easy": 0, "medium": 1, "hard": 2}
# Longest reply still read as a command ("could you give me a hint please").
MAX_COMMAND_WORDS = 7

_NUMBER_WORDS = {
    word: n for n, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen "
        "fourteen fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}
# Between the number and the noun: spaces, or a dash with spaces either side ("7-question",
# "10 - questions"). Written `\s*(?:-\s*)?`, which allows what the former `\s*[- ]?\s*` did
# (a space is itself `\s`) but reads a run of spaces one way only; the three overlapping
# quantifiers tried every split of it, so a digit then n spaces cost n² steps (2 s for
# 4,000 spaces, minutes for 100 KB: issue 11).
# The lookahead only saves time: a word that cannot start a number is passed over in one
# step instead of failing each of the 21 number words in turn.
_COUNT = re.compile(
    r"\b(?=[\d" + "".join(sorted({word[0] for word in _NUMBER_WORDS})) + r"])"
    r"(\d{1,3}|" + "|".join(_NUMBER_WORDS) + r")\b(?:\s*(?:-\s*)?(?:more\s+|quick\s+|short\s+|interview\s+)?"
    r"(?:questions?|qs?|rounds?|problems?|items?))",
    re.IGNORECASE,
)


class Command(enum.Enum):
    HINT = "hint"
    SKIP = "skip"
    REPEAT = "repeat"
    DONT_KNOW = "dont_know"
    STOP = "stop"


# Whole-reply patterns, matched after lowercasing, dropping punctuation, politeness and a
# request opening ("could you give me", "can I get", "I'd like").
_COMMANDS: tuple[tuple[Command, re.Pattern[str]], ...] = tuple(
    (command, re.compile(rf"^(?:{pattern})$"))
    for command, pattern in (
        (Command.HINT, r"(?:a |another |some |one more )?(?:hint|clue|tip)s?"),
        (Command.SKIP, r"skip(?: (?:it|this|this one|this question|the question))?|next(?: question| one)?|pass"),
        (Command.REPEAT, r"repeat(?: (?:it|that|the question))?|(?:say|ask) (?:it|that) again"
                         r"|(?:the )?question(?: again)?|again"),
        (Command.DONT_KNOW, r"i (?:do ?n'?t|dont|do not) know|i have no idea|no idea|idk|dunno|not sure|i'?m not sure"
                            r"|no clue|i give up|give up"),
        (Command.STOP, r"stop(?: (?:the |this )?(?:drill|quiz|interview|practice))?|quit|exit"
                       r"|end(?: (?:the |this )?(?:drill|quiz|session))?|pause(?: (?:the |this )?(?:drill|quiz))?"
                       r"|cancel|i'?m done|enough|finish(?: later)?"),
    )
)
_POLITE = re.compile(r"\b(?:please|pls|plz|thanks|thank you|ok|okay|hmm+|um+|uh+|well|sorry|just|let's|lets)\b")
_REQUEST = re.compile(
    r"^(?:(?:can|could|would|will|may) (?:you|i) )?(?:(?:give|show|send|get|tell|repeat) (?:me|us) |"
    r"(?:get|have) |i(?:'d| would)? (?:like|need|want)(?: to (?:have|get|see))? |what (?:was|is) |what's )?"
)
# How a question to the assistant starts or ends; an FAQ question mid-drill reads like one,
# an answer rarely does.
_ASKING = re.compile(
    r"\?\s*$|^\s*(?:what|how|why|which|who|whom|whose|when|where|is|are|do|does|did|can|could|should|would|will"
    r"|tell me|explain)\b",
    re.IGNORECASE,
)


def command_in(text: str) -> Command | None:
    """The drill command a short reply asks for; longer replies are always answers."""
    words = re.sub(r"[^\w' ]+", " ", text.lower().replace("’", "'"))
    if len(words.split()) > MAX_COMMAND_WORDS:
        return None
    words = _REQUEST.sub("", " ".join(_POLITE.sub(" ", words).split()))
    return next((command for command, pattern in _COMMANDS if pattern.match(words)), None)


def asks_something(text: str) -> bool:
    """Whether the text is phrased as a question ("what does an ML engineer earn?")."""
    return bool(_ASKING.search(text.replace("’", "'")))


def requested_count(text: str) -> int | None:
    """The number of questions asked for ("10 questions", "three quick questions")."""
    match = _COUNT.search(text or "")
    if not match:
        return None
    word = match.group(1).lower()
    # .get: IGNORECASE also matches spellings that lower() keeps apart ("ſix", "nıne").
    return int(word) if word.isdigit() else _NUMBER_WORDS.get(word)


# A request for a whole mock interview rather than one skill's drill (which names the skill:
# "mock interview on statistics").
_INTERVIEW = re.compile(
    r"\b(?:mock|practice|practise|full|whole|complete|real|simulated?)(?:[\s-]+[\w-]+){0,3}?[\s-]+(?:interview|screen)\b"
    r"|\binterview\s+me\b|^\s*interview\s*$",
    re.IGNORECASE,
)


def wants_interview(text: str) -> bool:
    """Whether a drill request asks for a mock interview ("let's do a mock interview")."""
    return bool(_INTERVIEW.search(text or ""))


def clamp_count(count: int | None) -> int:
    return DEFAULT_QUESTIONS if count is None else max(MIN_QUESTIONS, min(MAX_QUESTIONS, count))


def parse_choice(question: ChoiceQuestion, text: str) -> int | None:
    """The option a reply picks: its letter ("b", "B)", "option b"), number or own text."""
    reply = " ".join(re.sub(r"[^\w ]+", " ", text.lower()).split())
    reply = re.sub(r"^(?:(?:i (?:think|choose|pick|go with|say))|(?:my answer is)|answer|option|it'?s)\s+", "", reply)
    letters = question.letters.lower()
    if len(reply) == 1 and reply in letters:
        return letters.index(reply)
    # isdecimal, not isdigit: int() refuses "²"; and int() refuses 4,300 digits and more.
    if reply.isdecimal() and len(reply) <= 3 and 1 <= int(reply) <= len(question.options):
        return int(reply) - 1
    typed = " ".join(text.lower().split())
    exact = [" ".join(o.lower().split()) for o in question.options]
    if typed in exact:  # the option as written, punctuation included ("(1, 2)" is not "[1, 2]")
        return exact.index(typed)
    normalised = [" ".join(re.sub(r"[^\w ]+", " ", o.lower()).split()) for o in question.options]
    return normalised.index(reply) if normalised.count(reply) == 1 else None  # else ambiguous without punctuation


def as_asked(question: Question, drill_id: int) -> Question:
    """The question as this drill asks it: a choice question's options in an order of the
    drill's own (another drill, another order; the same order whenever this drill shows it
    again), so that the position of the right option tells nothing."""
    if not isinstance(question, ChoiceQuestion):
        return question
    order = list(range(len(question.options)))
    random.Random(f"{drill_id}:{question.id}").shuffle(order)
    return replace(question, options=tuple(question.options[i] for i in order), correct=order.index(question.correct))


def _is_due(review: Review, now: datetime) -> bool:
    return review.due <= now


def due_question_ids(reviews: Iterable[Review], now: datetime, skill: str | None = None) -> list[str]:
    """Questions whose review is due, most overdue first."""
    due = [r for r in reviews if _is_due(r, now) and (skill is None or r.skill == skill)]
    return [r.question_id for r in sorted(due, key=lambda r: r.due)]


@dataclass(frozen=True)
class Allowance:
    """How many due reviews and never-seen questions a drill may still take today (the daily
    limits, coach.practice.daily); questions seen before but not due are practice, unlimited."""

    reviews: int = MAX_QUESTIONS
    new: int = MAX_QUESTIONS


NO_LIMIT = Allowance()  # a drill's worth of each


def choose_questions(
    questions: Sequence[Question],
    count: int,
    reviews: dict[str, Review],
    attempts: Sequence[RecordedAttempt],
    now: datetime,
    seed: str = "",
    allowance: Allowance = NO_LIMIT,
) -> list[str]:
    """Pick `count` questions of one skill: due reviews first, then never-seen questions
    (each within today's allowance), then the ones answered worst; about one in three
    multiple choice; easy to hard.

    `seed` makes the order among equals repeatable for a candidate and drill.
    """
    rng = random.Random(seed)
    best: dict[str, int] = {}
    for attempt in attempts:
        best[attempt.question_id] = max(best.get(attempt.question_id, 0), attempt.score or 0)

    def priority(question: Question) -> tuple[int, float, float]:
        review = reviews.get(question.id)
        if review and _is_due(review, now):
            return (0, review.due.timestamp(), rng.random())
        if question.id not in best and question.id not in reviews:
            return (1, 0.0, rng.random())
        return (2, best.get(question.id, 0), rng.random())

    ranked = sorted(((priority(q), q) for q in questions), key=lambda pair: pair[0])
    left = {0: allowance.reviews, 1: allowance.new}
    allowed: list[Question] = []
    for (tier, *_rest), question in ranked:
        if tier in left:
            if left[tier] <= 0:
                continue
            left[tier] -= 1
        allowed.append(question)
    choice_count = count // CHOICE_EVERY
    open_ranked = [q for q in allowed if isinstance(q, OpenQuestion)]
    choice_ranked = [q for q in allowed if isinstance(q, ChoiceQuestion)]
    picked: list[Question] = list(choice_ranked[:choice_count])
    picked += open_ranked[: count - len(picked)]
    if len(picked) < count:  # a bank short of open questions lends more choice ones
        picked += choice_ranked[choice_count : choice_count + count - len(picked)]
    return [q.id for q in sorted(picked, key=lambda q: (DIFFICULTY_ORDER[q.difficulty], isinstance(q, ChoiceQuestion)))]


# Scheduling. FSRS (Free Spaced Repetition Scheduler) decides when a question comes back:
# the better the recall (the rating, coach.practice.ratings), the longer until its next review.
@lru_cache(maxsize=8)
def scheduler(desired_retention: float) -> Scheduler:
    return Scheduler(desired_retention=desired_retention, enable_fuzzing=False)


def next_review(
    question_id: str, skill: str, card_before: CardDict | None, rating: Rating, at: datetime,
    desired_retention: float = DEFAULT_DESIRED_RETENTION,
) -> Review:
    """The question's review state after a review rated `rating` at `at` (UTC), from its card
    before that review (None for a question never reviewed)."""
    card = Card.from_dict(card_before) if card_before else Card()
    card, _log = scheduler(desired_retention).review_card(card, rating, review_datetime=at.replace(tzinfo=timezone.utc))
    due = card.due.astimezone(timezone.utc).replace(tzinfo=None)
    return Review(question_id, skill, card.to_dict(), due)


@dataclass(frozen=True)
class Reading:
    """What a reply to a pending question is: a command, a choice, or a free-text answer."""

    command: Command | None = None
    choice: int | None = None
    text: str = ""


def read_reply(question: Question, text: str) -> Reading:
    """Commands win for short replies; a choice question then needs a valid option."""
    command = command_in(text)
    if command is not None:
        return Reading(command=command, text=text)
    if isinstance(question, ChoiceQuestion):
        return Reading(choice=parse_choice(question, text), text=text)
    return Reading(text=text)
