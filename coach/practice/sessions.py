"""A candidate's drills from start to end, in plain Python: what a drill request, a yes or
no, and each reply to a pending question do, over the records repository.

The Rasa actions (actions/drill.py) read the tracker, call `Practice` and send its replies;
the results say what the conversation's state becomes (a drill ready to run, a question
pending confirmation, the drill's end). The drill's rules are in coach.practice.drill,
scoring in coach.grading.scoring, the wording of questions and feedback in
coach.practice.feedback.
"""
from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from coach.config import Config
from coach.content.catalogue import catalogue
from coach.content.faq import Answer, decide, top_intent
from coach.content.interview_plan import interview_plan
from coach.content.question_bank import ChoiceQuestion, OpenQuestion, Question, question_bank
from coach.contract import (
    ADD_QUESTION_INTENT,
    AFFIRM_INTENT,
    ANSWER_KEY_ENTITY,
    COUNT_ENTITY,
    DELETE_INTENT,
    DENY_INTENT,
    DRILL_INTENT,
    EXPORT_INTENT,
    FAQ_INTENT,
    HELP_INTENT,
    INTERVIEW_MODE,
    MODE_ENTITY,
    OWN_ACTION_ENTITY,
    OWN_QUESTION_ENTITY,
    OWN_QUESTIONS_INTENT,
    PROGRESS_INTENT,
    RATE_INTENT,
    RATING_ENTITY,
    REMIND_INTENT,
    REMINDER_TIME_ENTITY,
    REQUEST_METADATA,
    RESUME_INTENT,
    REVIEW_MODE,
    SKILL_ENTITY,
    Quiz,
    intent_payload,
    replace_mode,
)
from coach.grading.matching import MAX_ANSWER_CHARS
from coach.grading.scoring import score_answer
from coach.practice import account, daily, feedback
from coach.practice.drill import (
    MAX_QUESTIONS,
    MIN_QUESTIONS,
    Command,
    Reading,
    as_asked,
    asks_something,
    choose_questions,
    clamp_count,
    due_question_ids,
    next_review,
    read_reply,
    requested_count,
    wants_interview,
)
from coach.practice.history import (
    ACTIVE,
    ANSWERED,
    DONT_KNOW,
    DRILL,
    FINISHED,
    INTERVIEW,
    SKIPPED,
    STOPPED,
    Drill,
    RecordedAttempt,
    follow_up_of,
    utcnow,
)
from coach.practice.interview import Scorecard, choose_interview, follow_up, scorecard
from coach.practice.own_questions import (
    EDIT,
    MY_QUESTIONS,
    MY_QUESTIONS_NAME,
    OwnQuestions,
    QuestionSource,
    skill_title,
)
from coach.practice.progress import progress, skills_weakest_first
from coach.practice.ratings import RATING_NAMES, rating_name, rating_named, rating_word, suggested_rating
from coach.practice.reminders import Reminders, candidate_zone
from coach.practice.replies import Reply, button, drill_payload
from coach.storage.records import Records

REVIEW_NAME = "Review"
INTERVIEW_NAME = "mock interview"
ALREADY_ANSWERED = "That question was answered already, so I didn't record this reply."
# How a drill ended, for a reply that came when it had ended already (another message
# finished or replaced it).
ENDED = "ended"
OPEN_BUTTONS = (Command.HINT, Command.SKIP, Command.REPEAT, Command.DONT_KNOW, Command.STOP)
CHOICE_BUTTONS = (Command.SKIP, Command.REPEAT, Command.STOP)
MAX_COUNT_DIGITS = 3  # as many as requested_count reads from text

# Mid-drill, a reply of this many words or more is the answer, whatever the NLU makes of it:
# the assistant's requests are short (of the NLU examples of progress, help, drill, resume,
# export and deletion requests, 11 in about 460 have 12 words or more; data/nlu), while an
# interview answer that long is a real attempt, and scoring one that was meant as a request
# costs less than losing an answer. FAQ questions run longer (a third of the examples), so a
# long FAQ question mid-drill is scored: the candidate can ask it again after the drill.
LONG_ANSWER_WORDS = 12
# The NLU's confidence in a request intent (the best one other than the fallback) from which
# a short reply is handled as that request. Typed requests score 0.9 and more with the
# trained model ("help" 0.91, "how am I doing?" 0.96, "export my data" 1.0), the FAQ
# question "what skills do I need" 0.82.
REQUEST_CONFIDENCE = 0.8
# Below this the reply is the answer: it is the FallbackClassifier's threshold (config.yml),
# under which the assistant itself acts on no intent. Between the two, it asks.
MAYBE_REQUEST_CONFIDENCE = 0.5
# Requests a short reply mid-drill can make, besides the drill commands (coach.practice.drill).
REQUEST_INTENTS = frozenset({PROGRESS_INTENT, HELP_INTENT, DRILL_INTENT, RESUME_INTENT, EXPORT_INTENT,
                             DELETE_INTENT, FAQ_INTENT, RATE_INTENT, REMIND_INTENT, ADD_QUESTION_INTENT,
                             OWN_QUESTIONS_INTENT})


def skill_name(skill_id: str | None) -> str:
    return skill_title(skill_id) or REVIEW_NAME


def drill_name(drill: Drill) -> str:
    """What a drill is called on its buttons: "Statistics and probability", "mock interview"."""
    return INTERVIEW_NAME if drill.interview else skill_name(drill.skill)


def drill_title(drill: Drill) -> str:
    """What a drill is called in a sentence: "Statistics and probability drill", "Review drill",
    "mock interview"."""
    return drill_name(drill) if drill.interview else f"{drill_name(drill)} drill"


def command_buttons(*commands: Command) -> list[dict[str, str]]:
    """Buttons whose payload is the command's own words, so tapping equals typing."""
    return [button(feedback.COMMAND_TITLES[c], feedback.COMMAND_TITLES[c]) for c in commands]


def question_replies(question: Question, drill: Drill) -> list[Reply]:
    """The pending question, then its buttons in a short message of their own (multi-line
    text above buttons is unreadable in some chats, e.g. the terminal). For a choice
    question, a quiz payload comes between the two, for channels with native quizzes
    (Telegram polls)."""
    asked = Reply(feedback.question_text(question, drill, skill_name(question.skill if drill.interview else drill.skill)))
    if isinstance(question, ChoiceQuestion):
        quiz = Quiz(question.id, question.prompt, tuple(question.options), question.correct, question.explanation,
                    tuple(question.letters))
        letters = [button(letter, letter) for letter in question.letters]
        return [asked, Reply(payload=quiz), Reply("Your choice?", letters + command_buttons(*CHOICE_BUTTONS))]
    return [asked, Reply("Your answer, in a few sentences?", command_buttons(*OPEN_BUTTONS))]


def back_button() -> dict[str, str]:
    """Shows the pending question again: its payload is the repeat command's words."""
    return button(feedback.BACK_TO_QUESTION, feedback.COMMAND_TITLES[Command.REPEAT])


@dataclass(frozen=True)
class Request:
    """A request a message may make mid-drill: the intent, the NLU's confidence, and for an
    FAQ question the answer to give (None when the FAQ topic is unclear)."""

    intent: str
    confidence: float
    faq_id: str | None = None
    entities: tuple[tuple[str, str], ...] = ()  # (entity, value) pairs, as a button sets them

    @classmethod
    def read(cls, parse: Mapping[str, Any]) -> Request | None:
        name, confidence = top_intent(parse)
        if name not in REQUEST_INTENTS:
            return None
        decision = decide(parse) if name == FAQ_INTENT else None
        entities = tuple((str(e.get("entity")), str(e.get("value"))) for e in parse.get("entities") or ()
                         if isinstance(e, Mapping))
        return cls(name, confidence, decision.faq_id if isinstance(decision, Answer) else None, entities)

    def entity(self, name: str) -> str | None:
        return next((value for entity, value in self.entities if entity == name), None)

    @property
    def answerable(self) -> bool:
        return self.intent != FAQ_INTENT or self.faq_id is not None


@dataclass(frozen=True)
class HeldAnswer:
    """A short reply that may be the answer or a request, held while the candidate says which:
    "yes" scores it under its own message's key, "no" drops it. Kept in the pending-confirmation
    slot (what a yes or no now answers) as JSON; `question_id` keeps it from being scored
    against a later question."""

    text: str
    key: str
    question_id: str

    def to_json(self) -> str:
        return json.dumps({"held_answer": self.text, "key": self.key, "question_id": self.question_id})

    @classmethod
    def read(cls, pending: str | None) -> HeldAnswer | None:
        """The held answer in the slot's value; None for any other pending confirmation."""
        try:
            data = json.loads(pending or "")
        except json.JSONDecodeError:
            return None
        if not isinstance(data, dict):
            return None
        text, key, question_id = data.get("held_answer"), data.get("key"), data.get("question_id")
        if not (isinstance(text, str) and isinstance(key, str) and isinstance(question_id, str)):
            return None
        return cls(text, key, question_id)


def looks_like_an_answer(question: Question, text: str, request: Request) -> bool:
    """Whether a reply the NLU takes for a request also looks like an answer to the question:
    the scorer finds it saying (or contradicting) one of the question's key points, or it is
    taken for an FAQ question but is not phrased as one (short answers such as "gradient
    descent" look like FAQ questions to the NLU). Mere words of the rubric are not enough:
    rubrics use everyday words ("data", "value") that requests use too. A choice question's
    answer is an option, read before this."""
    if not isinstance(question, OpenQuestion):
        return False
    if request.intent == FAQ_INTENT and not asks_something(text):
        return True
    result = score_answer(question, text)
    return bool(result.covered or result.errors)


def rating_buttons(key: str, suggested: int) -> list[dict[str, str]]:
    """Again, Hard, Good, Easy for the review recorded for message `key`, the suggestion marked."""
    return [
        button(f"✓ {name}" if rating == suggested else name,
               intent_payload(RATE_INTENT, **{RATING_ENTITY: name.lower(), ANSWER_KEY_ENTITY: key}))
        for rating, name in RATING_NAMES.items()
    ]


def interview_button(title: str = "Mock interview") -> dict[str, str]:
    return button(title, intent_payload(DRILL_INTENT, **{MODE_ENTITY: INTERVIEW_MODE}))


def review_buttons(due: list[str]) -> list[dict[str, str]]:
    """A button for a drill of the due reviews, when there are any."""
    if not due:
        return []
    return [button(f"Review ({len(due)} due)", intent_payload(DRILL_INTENT, **{MODE_ENTITY: REVIEW_MODE}))]


def resume_button(title: str) -> dict[str, str]:
    return button(title, intent_payload(RESUME_INTENT))


@dataclass(frozen=True)
class DrillRequest:
    """What the candidate asked for: a skill, the due reviews or a mock interview, how many
    questions."""

    skill: str | None = None
    review: bool = False
    count: int | None = None
    interview: bool = False

    @classmethod
    def read(cls, skills: Iterable[object], mode: str | None, count: str | None, text: str) -> DrillRequest:
        """The request in a message: its first known skill entity, its mode (the entity, or
        a mock interview asked for in words with no skill named), and its count entity or else
        a count in its words ("10 questions")."""
        skill = next((str(v) for v in skills if skill_title(str(v))), None)
        number = int(count) if count and count.isdecimal() and len(count) <= MAX_COUNT_DIGITS else requested_count(text)
        if mode == INTERVIEW_MODE or (mode is None and skill is None and wants_interview(text)):
            return cls(interview=True)
        return cls(skill, mode == REVIEW_MODE, number)

    @property
    def chosen(self) -> bool:
        return self.review or self.interview or self.skill is not None

    @property
    def mode(self) -> str | None:
        return INTERVIEW_MODE if self.interview else REVIEW_MODE if self.review else None

    def to_json(self) -> str:
        return json.dumps({"skill": self.skill, "review": self.review, "count": self.count, "interview": self.interview})

    @classmethod
    def from_json(cls, text: str) -> DrillRequest:
        data = json.loads(text)
        return cls(data.get("skill"), bool(data.get("review")), data.get("count"), bool(data.get("interview")))

    @property
    def name(self) -> str:
        return INTERVIEW_NAME if self.interview else "review" if self.review else f"{skill_name(self.skill)} drill"

    def replace_payload(self) -> str:
        """The button that starts this drill in place of the unfinished one."""
        entities = {MODE_ENTITY: replace_mode(self.mode)}
        if self.skill:
            entities[SKILL_ENTITY] = self.skill
        if self.count:
            entities[COUNT_ENTITY] = str(self.count)
        return intent_payload(DRILL_INTENT, **entities)


@dataclass(frozen=True)
class Turn:
    """A drill request's or a yes/no's outcome: what to say, and whether a drill is now
    ready to run (its first question comes next), what a yes or no would now answer (a
    JSON DrillRequest, or account.DELETE_DATA), and whether the candidate's data was deleted
    (the assistant then forgets their conversations)."""

    replies: list[Reply]
    ready: bool = False
    pending: str | None = None
    forgotten: bool = False


@dataclass(frozen=True)
class Answered:
    """A reply to the pending question's outcome: what to say, how the drill ended (FINISHED,
    STOPPED or ENDED) or None while it goes on (the next question comes), and a reply held
    until the candidate says whether it was the answer (a HeldAnswer's JSON), else None."""

    replies: list[Reply] = field(default_factory=list)
    end: str | None = None
    held: str | None = None


def warm_up() -> None:
    """Load the question bank and the language pipeline, and score one answer: the action
    server does it as it starts, else a candidate's first answer waits about 3 s (`make bench`)."""
    question = next(q for q in question_bank().questions.values() if isinstance(q, OpenQuestion))
    score_answer(question, question.model_answer)


class Practice:
    """One candidate's drills. `key` is the identity of the message being handled (the
    channel's message id): a message handled again (a retried turn) does what it did."""

    def __init__(self, records: Records, sender_id: str, config: Config | None = None,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.records, self.sender_id = records, sender_id
        self.config = config or Config.from_environ(os.environ)
        self.clock = clock  # naive UTC now; tests pass their own
        self.questions = QuestionSource(records, sender_id)

    def _pending(self, drill: Drill) -> Question | None:
        """The drill's pending question as the drill asks it (its own order of options)."""
        question = self.questions.get(drill.pending_question_id or "")
        return as_asked(question, drill.id) if question is not None else None

    def _due_today(self, now: datetime, attempts: Sequence[RecordedAttempt]) -> list[str]:
        """The due reviews today's limit still allows, most overdue first."""
        return daily.due_today(self.records.reviews(self.sender_id).values(), attempts, now,
                               candidate_zone(self.records, self.sender_id), self.config)

    # Starting

    def start(self, request: DrillRequest, key: str, replace: bool) -> Turn:
        """Start the requested drill (replacing an unfinished one only if `replace`), ask
        whether to replace the unfinished one, or ask which skill when none was chosen."""
        unfinished = self.records.unfinished_drill(self.sender_id)
        if request.chosen and unfinished and unfinished.start_key == key and unfinished.position == 0:
            # this very message started it, in a turn whose replies were lost: the same start again
            self.records.update_drill(unfinished.id, status=ACTIVE, asked_at=None)
            return self._announce(unfinished)
        if request.chosen and unfinished and not replace:
            return self._ask_to_replace(unfinished, request)
        if request.chosen:
            return self._begin(request, key)
        buttons = self._skill_buttons()
        if unfinished:
            buttons.insert(0, resume_button(f"Resume {drill_name(unfinished)}"))
        return Turn([Reply("Which skill would you like to practise? Your weakest come first.", buttons)])

    def resume(self) -> Turn:
        unfinished = self.records.unfinished_drill(self.sender_id)
        if unfinished is None:
            return Turn([Reply("You have no paused drill. Which skill would you like to practise?", self._skill_buttons())])
        self.records.update_drill(unfinished.id, status=ACTIVE, asked_at=None)
        return Turn([Reply(f"Resuming your {drill_title(unfinished)} at "
                           f"{feedback.place(unfinished)}.")], ready=True)

    def confirm(self, yes: bool, pending: str | None, offered: str | None, key: str) -> Turn:
        """A yes or no: to deleting the data, to replacing the unfinished drill (`pending`),
        or to the drill of the `offered` skill; else a plain acknowledgement."""
        if pending == account.DELETE_DATA:
            if not yes:
                return Turn([Reply("Okay, I've kept everything as it is.")])
            return Turn(account.delete(self.records, self.sender_id), forgotten=True)
        if pending and HeldAnswer.read(pending) is None:  # a held answer belongs to a drill no longer running
            if yes:
                return self.start(DrillRequest.from_json(pending), key, replace=True)
            return Turn([Reply("Okay, your paused drill is still there. Say \"resume\" when you want to continue.",
                               [resume_button("Resume")])])
        if yes and offered and catalogue().skill(offered):
            return self.start(DrillRequest(offered), key, replace=False)
        return Turn([Reply(response="utter_ack_affirm" if yes else "utter_ack_deny")])

    def _begin(self, request: DrillRequest, key: str) -> Turn:
        """Create the drill (started by message `key`) and announce it."""
        count = clamp_count(request.count)
        now = self.clock()
        reviews = self.records.reviews(self.sender_id)
        attempts = self.records.attempts(self.sender_id)
        allowance = daily.allowance(attempts, now, candidate_zone(self.records, self.sender_id), self.config)
        kind = DRILL
        if request.interview:
            kind = INTERVIEW
            question_ids = choose_interview(interview_plan(), list(question_bank().questions.values()), attempts,
                                            progress(attempts, catalogue()), seed=f"{self.sender_id}:{now.isoformat()}")
        elif request.review:
            due = due_question_ids(reviews.values(), now)
            question_ids = due[: min(count, allowance.reviews)]
            if due and not question_ids:
                return Turn([Reply(feedback.reviews_done_today(self.config.reviews_per_day, len(due)),
                                   self._skill_buttons())])
            if not question_ids:
                return Turn([Reply("Nothing is due for review right now. Pick a skill instead:", self._skill_buttons())])
        else:  # a chosen request names a skill when it is not a review
            assert request.skill is not None
            questions = self.questions.for_skill(request.skill)
            if not questions:
                return Turn([Reply(feedback.NO_OWN_QUESTIONS, self._skill_buttons())])
            question_ids = choose_questions(
                questions, count, reviews, attempts, now, seed=f"{self.sender_id}:{now.isoformat()}", allowance=allowance,
            )
            if not question_ids:
                return Turn([Reply(feedback.new_done_today(self.config.new_questions_per_day), self._skill_buttons())])
        drill = self.records.start_drill(self.sender_id, None if request.review else request.skill, question_ids, key,
                                         kind)
        if drill.interview:
            return self._announce(drill)
        note = ""
        if request.count is not None and request.count != count:
            note = f" Drills have {MIN_QUESTIONS} to {MAX_QUESTIONS} questions, so this one has {count}."
        elif len(question_ids) < count and request.review and len(question_ids) == allowance.reviews:
            note = f" That's what is left of today's {self.config.reviews_per_day} reviews; the rest wait for the coming days."
        elif len(question_ids) < count and request.review:
            note = f" Only {len(question_ids)} are due, so that's the drill."
        elif len(question_ids) < count and not request.review and allowance.new < count:
            note = (f" At most {self.config.new_questions_per_day} new questions a day, so the rest of this drill "
                    "goes over questions you've seen.")
        return self._announce(drill, note)

    @staticmethod
    def _announce(drill: Drill, note: str = "") -> Turn:
        if drill.interview:
            return Turn([Reply(feedback.interview_start(len(drill.question_ids),
                                                        [a.name for a in interview_plan().areas]))], ready=True)
        return Turn([Reply(
            f"Starting a {len(drill.question_ids)}-question {skill_name(drill.skill)} drill.{note} "
            "At any time you can say hint, skip, repeat, \"I don't know\" or stop."
        )], ready=True)

    @staticmethod
    def _ask_to_replace(unfinished: Drill, request: DrillRequest) -> Turn:
        where = feedback.place(unfinished)
        return Turn([Reply(
            f"You have an unfinished {drill_title(unfinished)} (at {where}). "
            f"Resume it, or drop it and start the new {request.name}?",
            [resume_button(f"Resume {drill_name(unfinished)}"),
             button(f"Start the new {request.name}", request.replace_payload())],
        )], pending=request.to_json())

    def _skill_buttons(self) -> list[dict[str, str]]:
        """Due reviews first, then a mock interview, then every skill, weakest first."""
        attempts = self.records.attempts(self.sender_id)
        report = progress(attempts, catalogue())
        buttons = review_buttons(self._due_today(self.clock(), attempts)) + [interview_button()]
        buttons += [button(s.name, drill_payload(s.skill)) for s in skills_weakest_first(report)]
        if self.records.own_questions(self.sender_id):
            buttons.append(button(MY_QUESTIONS_NAME, drill_payload(MY_QUESTIONS)))
        return buttons

    # Asking and answering

    def ask(self) -> list[Reply]:
        """The pending question, unless it has been shown already."""
        drill = self.records.unfinished_drill(self.sender_id)
        if drill is None or drill.status != ACTIVE or drill.asked_at is not None:
            return []
        question = self._pending(drill)
        if question is None:
            return []
        self.records.update_drill(drill.id, asked_at=self.clock())
        return question_replies(question, drill)

    def answer(
        self, text: str, key: str, parse: Mapping[str, Any] | None = None, held: str | None = None,
        conversation: Sequence[dict[str, Any]] = (),
    ) -> Answered:
        """A reply to the pending question: a command; a request, handled while the question
        stays pending; a yes or no to "Is that your answer?"; or an answer to score and record.

        `parse` is the NLU's reading of the message (Rasa's latest message: intent, ranking,
        response selector, metadata), `held` the pending-confirmation slot (a held answer),
        `conversation` the messages an export includes.
        """
        parse = parse or {}
        intent, confidence = top_intent(parse)
        earlier = HeldAnswer.read(held)
        settling = earlier if confidence >= REQUEST_CONFIDENCE and intent in (AFFIRM_INTENT, DENY_INTENT) else None
        if settling is not None and intent == AFFIRM_INTENT:  # the earlier reply is the answer, under its own key
            text, key = settling.text, settling.key
        shown = self.records.recorded_feedback(self.sender_id, key)
        drill = self.records.unfinished_drill(self.sender_id)
        if shown is not None:  # a retried turn whose replies were lost: the same feedback again,
            return self._replayed(shown, key, drill)  # and the question that came after it
        if drill is None or drill.status != ACTIVE:
            return Answered(end=ENDED)
        if key == drill.start_key:  # the request that started this drill, read again as the form begins
            return Answered()
        question = self._pending(drill)
        if question is None:  # removed from the bank (or deleted by the candidate) since the drill started
            drill, _new = self.records.record_attempt(
                drill, key, question_id=drill.pending_question_id or "", skill=drill.skill or "",
                outcome=SKIPPED, answer_text=text, score=None,
            )
            return Answered([Reply("That question is no longer in the bank, so I've skipped it.")], _end(drill))
        if settling is not None:
            if intent == DENY_INTENT:
                return Answered([Reply(feedback.NOT_RECORDED, [back_button()])])
            if settling.question_id != question.id:
                return Answered([Reply(ALREADY_ANSWERED)])
            return self._score(drill, key, question, read_reply(question, text))
        # A button's payload or a bot command's request is never an answer.
        marked = text.startswith("/") or bool((parse.get("metadata") or {}).get(REQUEST_METADATA))
        reading = Reading(text=text) if marked else read_reply(question, text)
        if reading.command is not None:
            return self._command(drill, key, question, reading.command, text)
        if reading.choice is not None or (not marked and len(text.split()) >= LONG_ANSWER_WORDS):
            return self._score(drill, key, question, reading)
        request = Request.read(parse)
        if request is not None and request.answerable and (marked or (
                request.confidence >= REQUEST_CONFIDENCE and not looks_like_an_answer(question, text, request))):
            return Answered(self._request(request, drill, question, conversation, text))
        if marked:  # a button or command of another kind, or one sent again
            aside = Reply("You're in the middle of a drill. Answer this question, or say \"stop\" to leave it.")
            return Answered([aside, *question_replies(question, drill)])
        if request is not None and request.confidence >= MAYBE_REQUEST_CONFIDENCE:
            yes_no = [button("Yes", intent_payload(AFFIRM_INTENT)), button("No", intent_payload(DENY_INTENT))]
            return Answered([Reply(feedback.IS_IT_YOUR_ANSWER, yes_no)], held=HeldAnswer(text, key, question.id).to_json())
        return self._score(drill, key, question, reading)

    def _command(self, drill: Drill, key: str, question: Question, command: Command, text: str) -> Answered:
        if command is Command.HINT:
            self.records.update_drill(drill.id, hint_used=True)
            return Answered([Reply(feedback.hint_text(question), command_buttons(Command.SKIP, Command.DONT_KNOW, Command.STOP))])
        if command is Command.REPEAT:
            return Answered(question_replies(question, drill))
        if command is Command.STOP:
            self.records.update_drill(drill.id, status=STOPPED)
            return Answered(end=STOPPED)
        if command is Command.SKIP:
            return self._save(drill, key, question, SKIPPED, text, None, feedback.skip_feedback(question))
        missed = tuple(c.label for c in question.rubric) if isinstance(question, OpenQuestion) else ()
        return self._save(drill, key, question, DONT_KNOW, text, 0, feedback.dont_know_feedback(question), missed=missed)

    def _score(self, drill: Drill, key: str, question: Question, reading: Reading) -> Answered:
        """Score and record an answer; a degenerate one (empty, one word, gibberish, a copy of
        the question, another language) or an invalid option only gets advice."""
        if isinstance(question, ChoiceQuestion):
            if reading.choice is None:
                return Answered([Reply(feedback.invalid_choice(question))])
            score = 100 if reading.choice == question.correct else 0
            chosen = question.options[reading.choice]  # recorded as the option: letters change from drill to drill
            return self._save(drill, key, question, ANSWERED, chosen, score,
                              feedback.choice_feedback(question, reading.choice))
        result = score_answer(question, reading.text)
        if result.problem:
            return Answered([Reply(feedback.degenerate_feedback(result), command_buttons(*OPEN_BUTTONS))])
        return self._save(drill, key, question, ANSWERED, reading.text, result.score, feedback.open_feedback(question, result),
                          result.covered, result.missed)

    def _request(self, request: Request, drill: Drill, question: Question, conversation: Sequence[dict[str, Any]],
                 text: str) -> list[Reply]:
        """A request made mid-drill, handled while the question stays pending: progress, the
        export and FAQ answers are given; another drill and the deletion wait until this one is
        stopped (deleting would remove the drill the conversation is in; after "stop", the
        deletion is asked and confirmed as always)."""
        back = [back_button()]
        if request.intent == RESUME_INTENT:  # the drill to resume is this one
            return question_replies(question, drill)
        if request.intent == DRILL_INTENT:
            return [Reply(feedback.another_drill(drill_title(drill)), command_buttons(Command.STOP) + back)]
        if request.intent == DELETE_INTENT:
            return [Reply(feedback.DELETE_IN_DRILL, command_buttons(Command.STOP) + back)]
        own_action = request.entity(OWN_ACTION_ENTITY)
        if request.intent == ADD_QUESTION_INTENT or own_action == EDIT:
            return [Reply(feedback.WRITE_IN_DRILL, command_buttons(Command.STOP) + back)]
        if request.intent == RATE_INTENT:
            replies = self.rate(request.entity(RATING_ENTITY) or rating_word(text), request.entity(ANSWER_KEY_ENTITY))
        elif request.intent == OWN_QUESTIONS_INTENT:
            replies = OwnQuestions(self.records, self.sender_id).manage(request.entity(OWN_QUESTION_ENTITY), own_action)
        elif request.intent == REMIND_INTENT:
            reminders = Reminders(self.records, self.sender_id)
            replies = reminders.request(text, request.entity(REMINDER_TIME_ENTITY), in_drill=True).replies
        elif request.intent == PROGRESS_INTENT:
            replies = account.progress_report(self.records, self.sender_id, self.clock(), self.config)
        elif request.intent == EXPORT_INTENT:
            replies = account.export(self.records, self.sender_id, list(conversation))
        elif request.intent == HELP_INTENT:
            replies = [Reply(feedback.DRILL_HELP)]
        else:  # an FAQ question with a clear answer (Request.answerable)
            replies = [Reply(response=f"utter_faq/{request.faq_id}")]
        return [*replies, Reply(feedback.question_waiting(drill), back)]

    def _replayed(self, shown: str, key: str, drill: Drill | None) -> Answered:
        """The feedback this message got before, then the question pending since, if any."""
        if drill is None or drill.status != ACTIVE:
            return Answered([self._feedback(shown, key)], FINISHED)
        replies = [self._feedback(shown, key)]
        pending = self._pending(drill)
        if pending is not None:
            replies += question_replies(pending, drill)
            self.records.update_drill(drill.id, asked_at=drill.asked_at or self.clock())
        return Answered(replies)

    def _save(
        self, drill: Drill, key: str, question: Question, outcome: str, text: str, score: int | None, message: str,
        covered: tuple[str, ...] = (), missed: tuple[str, ...] = (),
    ) -> Answered:
        """Record the attempt, the question's next review (at the rating the score suggests)
        and the feedback, together. A scored answer to an open question gets the four rating
        buttons, so the candidate can correct the suggestion.

        In a mock interview the candidate gets no feedback until the scorecard, only the
        interviewer's acknowledgement, and an answer that missed a concept gets that concept's
        follow-up as the next question (a follow-up is scored, but has no review of its own)."""
        now = self.clock()
        review = card_before = rating = None
        asks = follow_up(question, missed) if drill.interview and outcome == ANSWERED else None
        if drill.interview:
            message = feedback.interview_noted(outcome, covered, asks is not None)
        if score is not None and follow_up_of(question.id) is None:
            previous = self.records.reviews(self.sender_id).get(question.id)
            card_before = previous.card if previous else None
            rating = suggested_rating(question, score)
            review = next_review(question.id, question.skill, card_before, rating, now, self.config.desired_retention)
        if len(text) > MAX_ANSWER_CHARS:
            message = f"(Only the first {MAX_ANSWER_CHARS} characters of your answer were read.)\n{message}"
        rateable = rating is not None and outcome == ANSWERED and isinstance(question, OpenQuestion) and not drill.interview
        if rateable:
            message += f"\n\n{feedback.RATE_IT}"
        drill, new = self.records.record_attempt(
            drill, key, question_id=question.id, skill=question.skill, outcome=outcome,
            answer_text=text[:MAX_ANSWER_CHARS], score=score, covered=covered, missed=missed, review=review,
            card_before=card_before, rating=int(rating) if rating is not None else None, now=now, feedback=message,
            follow_up=asks,
        )
        if not new:  # the same message recorded meanwhile, or the question answered by another
            recorded = self.records.recorded_feedback(self.sender_id, key) or ALREADY_ANSWERED
            return Answered([self._feedback(recorded, key)], _end(drill))
        buttons = rating_buttons(key, int(rating)) if rateable and rating is not None else []
        return Answered([Reply(message, buttons)], _end(drill))

    def _feedback(self, message: str, key: str) -> Reply:
        """Feedback recorded earlier for message `key`, with the rating buttons if it offers them."""
        rated = self.records.rated_attempt(self.sender_id, key) if feedback.RATE_IT in message else None
        return Reply(message, rating_buttons(key, rated.suggested_rating) if rated else [])

    # Ratings

    def rate(self, word: str | None, answer_key: str | None) -> list[Reply]:
        """The candidate's own rating of a review: of the one recorded for message `answer_key`
        (a rating button), else of their latest. It replaces the suggested one for that
        review only, and the question's next review is scheduled from it."""
        rating = rating_named(word)
        if rating is None:
            return [Reply(feedback.RATING_WORDS)]
        rated = self.records.rated_attempt(self.sender_id, answer_key)
        if rated is None:
            return [Reply(feedback.NOTHING_TO_RATE if answer_key is None else feedback.RATED_ANSWER_GONE)]
        if not rated.latest:
            return [Reply(feedback.RATING_SUPERSEDED)]
        review = next_review(rated.question_id, rated.skill, rated.card_before, rating, rated.reviewed_at,
                             self.config.desired_retention)
        if rated.rating != int(rating) and not self.records.change_rating(self.sender_id, rated.message_key,
                                                                          int(rating), review):
            return [Reply(feedback.RATING_SUPERSEDED)]
        return [Reply(feedback.rated(RATING_NAMES[rating], rating_name(rated.suggested_rating),
                                     review.due, self.clock()))]

    # Ending

    def end(self) -> list[Reply]:
        """After the drill: the summary and what next, or how to resume a stopped drill."""
        drill = self.records.latest_drill(self.sender_id)
        if drill is not None and drill.status == STOPPED:
            return [Reply(
                f"{'Mock interview' if drill.interview else 'Drill'} paused at {feedback.place(drill)}. "
                "Your answers so far are saved; say \"resume\" to pick up where you left off.",
                [resume_button("Resume"), button("My progress", intent_payload(PROGRESS_INTENT))],
            )]
        if drill is not None and drill.status == FINISHED and drill.interview:
            return self._scorecard(drill)
        if drill is not None and drill.status == FINISHED:
            attempts = self.records.attempts(self.sender_id, session_id=drill.id)
            return [Reply(feedback.summary_text(attempts, self.questions.get, skill_name(drill.skill))),
                    self._suggest_next(drill),
                    *Reminders(self.records, self.sender_id).offer()]
        return [Reply("That drill has ended. Say \"quiz me\" to start another.")]

    def _scorecard(self, drill: Drill) -> list[Reply]:
        """A finished mock interview's scorecard (written once, when first shown), compared with
        the interview before, and the drills to do next."""
        card = Scorecard.from_dict(drill.scorecard) if drill.scorecard else None
        if card is None:
            card = scorecard(interview_plan(), self.records.attempts(self.sender_id, session_id=drill.id),
                             self.questions.get)
            self.records.save_scorecard(self.sender_id, drill.id, card.as_dict())
        earlier = [d for d in self.records.interviews(self.sender_id) if d.id < drill.id]
        previous = earlier[-1] if earlier else None
        text = feedback.scorecard_text(
            card, Scorecard.from_dict(previous.scorecard) if previous and previous.scorecard else None,
            previous.finished_at if previous else None,
        )
        next_skills = card.next_skills()
        buttons = [button(f"Drill {skill_name(s)}", drill_payload(s)) for s in next_skills]
        buttons += [interview_button("Another mock interview"), button("My progress", intent_payload(PROGRESS_INTENT))]
        return [Reply(text), Reply("Next, practise the areas that need it most:" if next_skills else
                                   "Next, another interview, or your progress:", buttons)]

    def _suggest_next(self, drill: Drill) -> Reply:
        attempts = self.records.attempts(self.sender_id)
        report = progress(attempts, catalogue())
        weakest = skills_weakest_first(report)[0]
        due = self._due_today(self.clock(), attempts)
        buttons = review_buttons(due)
        buttons.append(button(f"Drill {weakest.name}", drill_payload(weakest.skill)))
        if drill.skill and drill.skill != weakest.skill:
            buttons.append(button(f"Again: {skill_name(drill.skill)}", drill_payload(drill.skill)))
        buttons.append(button("My progress", intent_payload(PROGRESS_INTENT)))
        suggestion = (
            f"Next, I suggest reviewing the {len(due)} questions now due." if due
            else f"Next, I suggest a drill on {weakest.name}, your weakest area."
        )
        return Reply(suggestion, buttons)


def _end(drill: Drill) -> str | None:
    return FINISHED if drill.status == FINISHED else None
