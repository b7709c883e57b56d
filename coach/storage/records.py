"""Candidates' drill sessions, attempts and review schedules, stored with SQLAlchemy.

This module is the only one that knows about the database. `DATABASE_URL` selects it
(PostgreSQL in production); the default is a SQLite file under var/data/. The schema is
created, or migrated to the latest revision, when `Records` first connects (Alembic, see
coach/storage/migrations: a change to the models here needs a revision there).

Every change is one transaction. An attempt carries the key of the message that answered
(the channel's message id), and (candidate, key) is unique, so a message delivered twice
is recorded once; the attempt, the drill's move to the next question and the question's
review schedule are written together or not at all.
"""
from __future__ import annotations

import os
import sqlite3
import time
from datetime import date, datetime, timezone
from datetime import time as time_of_day
from functools import lru_cache
from typing import Any, cast

from fsrs.card import CardDict
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    delete,
    event,
    or_,
    select,
    update,
)
from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, declarative_base, sessionmaker
from sqlalchemy.pool import QueuePool, StaticPool

from coach.config import DATA_DIR, DEFAULT_DATABASE_URL, Config
from coach.practice.history import (
    ACTIVE,
    DRILL,
    FINISHED,
    INTERVIEW,
    REPLACED,
    UNFINISHED,
    Drill,
    OwnQuestion,
    RatedAttempt,
    RecordedAttempt,
    ReminderSetting,
    Review,
    own_question_id,
    utcnow,
)
from coach.senders import group_like_pattern, person
from coach.storage.migrations import upgrade

Base = declarative_base()

ALREADY_RECORDED = "I already have that answer recorded."  # for attempts stored without feedback


class Candidate(Base):
    __tablename__ = "candidates"

    id: Mapped[int] = Column(Integer, primary_key=True)
    sender_id: Mapped[str] = Column(String(255), unique=True, nullable=False)  # Rasa's sender id
    created_at: Mapped[datetime] = Column(DateTime, nullable=False, default=utcnow)


class DrillSession(Base):
    __tablename__ = "drill_sessions"

    id: Mapped[int] = Column(Integer, primary_key=True)
    candidate_id: Mapped[int] = Column(Integer, ForeignKey("candidates.id", ondelete="CASCADE"), nullable=False, index=True)
    skill: Mapped[str | None] = Column(String(64))  # None for a review drill or a mock interview, across skills
    kind: Mapped[str] = Column(String(16), nullable=False, default=DRILL, server_default=DRILL)
    scorecard: Mapped[dict[str, Any] | None] = Column(JSON)  # a finished mock interview's, once written
    question_ids: Mapped[list[str]] = Column(JSON, nullable=False)
    position: Mapped[int] = Column(Integer, nullable=False, default=0)  # index of the pending question
    status: Mapped[str] = Column(String(16), nullable=False, default=ACTIVE, index=True)
    asked_at: Mapped[datetime | None] = Column(DateTime)  # when the pending question was (first) shown
    hint_used: Mapped[bool] = Column(Boolean, nullable=False, default=False)  # for the pending question
    start_key: Mapped[str | None] = Column(String(255))  # the message that started it: a retry of it resumes, not asks
    started_at: Mapped[datetime] = Column(DateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = Column(DateTime, nullable=False, default=utcnow)


class Attempt(Base):
    __tablename__ = "attempts"
    __table_args__ = (UniqueConstraint("candidate_id", "message_key"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    candidate_id: Mapped[int] = Column(Integer, ForeignKey("candidates.id", ondelete="CASCADE"), nullable=False, index=True)
    session_id: Mapped[int] = Column(Integer, ForeignKey("drill_sessions.id", ondelete="CASCADE"), nullable=False)
    message_key: Mapped[str] = Column(String(255), nullable=False)
    question_id: Mapped[str] = Column(String(128), nullable=False)
    skill: Mapped[str] = Column(String(64), nullable=False)
    outcome: Mapped[str] = Column(String(16), nullable=False)
    answer_text: Mapped[str] = Column(Text, nullable=False, default="")
    score: Mapped[int | None] = Column(Integer)  # None when skipped
    covered: Mapped[list[str]] = Column(JSON, nullable=False, default=list)
    missed: Mapped[list[str]] = Column(JSON, nullable=False, default=list)
    hint_used: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    seconds_taken: Mapped[float | None] = Column(Float)
    created_at: Mapped[datetime] = Column(DateTime, nullable=False, default=utcnow, index=True)
    feedback: Mapped[str | None] = Column(Text)  # what the candidate was shown, shown again if the turn is retried
    # A review (None when skipped): the question's FSRS card before it (None for a first
    # review), the rating the score suggested and the candidate's own (coach.practice.ratings)
    card_before: Mapped[dict[str, Any] | None] = Column(JSON)
    suggested_rating: Mapped[int | None] = Column(Integer)
    rating: Mapped[int | None] = Column(Integer)


class ReviewState(Base):
    __tablename__ = "review_states"
    __table_args__ = (UniqueConstraint("candidate_id", "question_id"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    candidate_id: Mapped[int] = Column(Integer, ForeignKey("candidates.id", ondelete="CASCADE"), nullable=False)
    question_id: Mapped[str] = Column(String(128), nullable=False)
    skill: Mapped[str] = Column(String(64), nullable=False)
    card: Mapped[dict[str, Any]] = Column(JSON, nullable=False)  # the scheduler's card, as its own dict
    due: Mapped[datetime] = Column(DateTime, nullable=False, index=True)
    reviews: Mapped[int] = Column(Integer, nullable=False, default=0)


class OwnQuestionRow(Base):
    """A question a candidate wrote, with their model answer (coach.practice.own_questions)."""

    __tablename__ = "own_questions"

    id: Mapped[int] = Column(Integer, primary_key=True)
    candidate_id: Mapped[int] = Column(Integer, ForeignKey("candidates.id", ondelete="CASCADE"), nullable=False, index=True)
    skill: Mapped[str] = Column(String(64), nullable=False)  # a catalogue skill, or "my_questions"
    prompt: Mapped[str] = Column(Text, nullable=False)
    model_answer: Mapped[str] = Column(Text, nullable=False)
    created_at: Mapped[datetime] = Column(DateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = Column(DateTime, nullable=False, default=utcnow)


class Reminder(Base):
    """A candidate's daily review reminder (coach.practice.reminders)."""

    __tablename__ = "reminders"

    candidate_id: Mapped[int] = Column(Integer, ForeignKey("candidates.id", ondelete="CASCADE"), primary_key=True)
    remind_at: Mapped[str | None] = Column(String(5))  # "HH:MM" on the candidate's clock; None: off
    time_zone: Mapped[str | None] = Column(String(64))  # an IANA name, or "UTC+HH:MM"
    last_sent_on: Mapped[date | None] = Column(Date)  # the candidate's day whose reminder was claimed
    offered: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    updated_at: Mapped[datetime] = Column(DateTime, nullable=False, default=utcnow)


def database_url() -> str:
    """DATABASE_URL (coach.config); the default SQLite file's folder is created on demand."""
    url = Config.from_environ(os.environ).database_url
    if url == DEFAULT_DATABASE_URL:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
    return url


SQLITE_BUSY_TIMEOUT_MS = 15_000


def sqlite_pragmas(dbapi_connection: Any, _record: Any = None) -> None:
    """Per-connection SQLite settings (also used by the tracker store, rasa_plugins/tracker_store.py):
    foreign keys enforced; a lock (another process writing, a backup) waited for instead of
    failing at once, within Rasa's per-action timeout (rasa_plugins/patches.py) so a turn fails
    cleanly; WAL, so readers never block the writer (an in-memory database ignores it)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    _use_wal(cursor)
    cursor.close()


def _use_wal(cursor: Any) -> None:
    """Switch the file to WAL (it stays so). Two connections switching it at once can each hold
    the read lock the other must wait out; SQLite then fails one at once instead of calling
    the busy handler, so the switch is tried again, within the same timeout."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def make_engine(url: str) -> Engine:
    """An engine with the settings each backend needs (SQLite: shared memory, `sqlite_pragmas`)."""
    if url.startswith("sqlite"):
        in_memory = url in ("sqlite://", "sqlite:///:memory:")
        engine = create_engine(
            url,
            future=True,
            connect_args={"check_same_thread": False},
            # one shared in-memory database; for a file, pooled connections (1.4's default
            # opens one per session, which showed in the action server's profile)
            poolclass=StaticPool if in_memory else QueuePool,
        )
        event.listen(engine, "connect", sqlite_pragmas)
        return engine
    return create_engine(url, future=True, pool_pre_ping=True)


def _attempt(row: Attempt) -> RecordedAttempt:
    return RecordedAttempt(
        row.question_id, row.skill, row.outcome, row.answer_text, row.score,
        tuple(row.covered or ()), tuple(row.missed or ()), bool(row.hint_used),
        row.seconds_taken, row.created_at, row.session_id, row.message_key,
        row.suggested_rating, row.rating, row.card_before is not None,
    )


def _own(row: OwnQuestionRow) -> OwnQuestion:
    return OwnQuestion(row.id, row.skill, row.prompt, row.model_answer)


def _reminder(row: Reminder, sender_id: str) -> ReminderSetting:
    at = time_of_day.fromisoformat(row.remind_at) if row.remind_at else None
    return ReminderSetting(sender_id, at, row.time_zone, row.last_sent_on, bool(row.offered))


def _drill(row: DrillSession) -> Drill:
    return Drill(row.id, row.skill, tuple(row.question_ids), row.position, row.status, row.asked_at, row.hint_used,
                 row.start_key, row.kind or DRILL, row.scorecard, row.updated_at)


class Records:
    """The repository: every read and write of candidates' data goes through here."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        upgrade(engine)
        self._sessions = sessionmaker(engine, future=True, expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str) -> Records:
        return cls(make_engine(url))

    def _session(self) -> Session:
        return self._sessions()

    @staticmethod
    def _known_candidate_id(session: Session, sender_id: str) -> int | None:
        found: int | None = session.execute(select(Candidate.id).where(Candidate.sender_id == sender_id)).scalar()
        return found

    def _candidate_id(self, session: Session, sender_id: str) -> int:
        """The candidate's id, the candidate created on first use."""
        found = self._known_candidate_id(session, sender_id)
        if found is not None:
            return found
        candidate = Candidate(sender_id=sender_id, created_at=utcnow())
        session.add(candidate)
        session.flush()
        return candidate.id

    # Drills

    def unfinished_drill(self, sender_id: str) -> Drill | None:
        """The candidate's active or stopped drill, if any (there is at most one)."""
        return self.latest_drill(sender_id, UNFINISHED)

    def latest_drill(self, sender_id: str, statuses: tuple[str, ...] | None = None) -> Drill | None:
        """The candidate's most recent drill (with one of these statuses, when given)."""
        query = (
            select(DrillSession).join(Candidate, Candidate.id == DrillSession.candidate_id)
            .where(Candidate.sender_id == sender_id).order_by(DrillSession.id.desc())
        )
        if statuses:
            query = query.where(DrillSession.status.in_(statuses))
        with self._session() as session:
            row = session.execute(query).scalars().first()
            return _drill(row) if row else None

    def drills(self, sender_id: str) -> list[Drill]:
        """All the candidate's drills, oldest first."""
        query = (
            select(DrillSession).join(Candidate, Candidate.id == DrillSession.candidate_id)
            .where(Candidate.sender_id == sender_id).order_by(DrillSession.id)
        )
        with self._session() as session:
            return [_drill(row) for row in session.execute(query).scalars()]

    def start_drill(self, sender_id: str, skill: str | None, question_ids: list[str],
                    start_key: str | None = None, kind: str = DRILL) -> Drill:
        """A new active drill; an unfinished one is marked replaced in the same transaction."""
        if not question_ids:
            raise ValueError("a drill needs at least one question")
        with self._session() as session, session.begin():
            candidate_id = self._candidate_id(session, sender_id)
            for row in session.execute(
                select(DrillSession).where(DrillSession.candidate_id == candidate_id, DrillSession.status.in_(UNFINISHED))
            ).scalars():
                row.status, row.updated_at = REPLACED, utcnow()
            row = DrillSession(
                candidate_id=candidate_id, skill=skill, kind=kind, question_ids=list(question_ids), position=0,
                status=ACTIVE, hint_used=False, start_key=start_key, started_at=utcnow(), updated_at=utcnow(),
            )
            session.add(row)
            session.flush()
            return _drill(row)

    def update_drill(self, drill_id: int, **changes: Any) -> Drill:
        """Change a drill's status, asked_at or hint_used."""
        allowed = {"status", "asked_at", "hint_used"}
        if not set(changes) <= allowed:
            raise ValueError(f"only {sorted(allowed)} can be changed")
        with self._session() as session, session.begin():
            row = session.get(DrillSession, drill_id)
            if row is None:
                raise LookupError(f"no drill {drill_id}")
            for name, value in changes.items():
                setattr(row, name, value)
            row.updated_at = utcnow()
            return _drill(row)

    def save_scorecard(self, sender_id: str, drill_id: int, scorecard: dict[str, Any]) -> bool:
        """Store a finished mock interview's scorecard, once: False if the drill is not this
        candidate's finished interview, or has its scorecard already."""
        with self._session() as session, session.begin():
            row = session.execute(
                select(DrillSession).join(Candidate, Candidate.id == DrillSession.candidate_id)
                .where(Candidate.sender_id == sender_id, DrillSession.id == drill_id, DrillSession.kind == INTERVIEW,
                       DrillSession.status == FINISHED, DrillSession.scorecard.is_(None))
                .with_for_update()
            ).scalars().first()
            if row is None:
                return False
            row.scorecard = scorecard
            return True

    def interviews(self, sender_id: str) -> list[Drill]:
        """The candidate's finished mock interviews with their scorecards, oldest first."""
        return [d for d in self.drills(sender_id) if d.interview and d.status == FINISHED and d.scorecard]

    def record_attempt(
        self,
        drill: Drill,
        message_key: str,
        *,
        question_id: str,
        skill: str,
        outcome: str,
        answer_text: str,
        score: int | None,
        covered: tuple[str, ...] = (),
        missed: tuple[str, ...] = (),
        review: Review | None = None,
        card_before: CardDict | None = None,
        rating: int | None = None,
        now: datetime | None = None,
        feedback: str = "",
        follow_up: str | None = None,
    ) -> tuple[Drill, bool]:
        """Record the answer to the drill's pending question and move to the next one.

        `review` is the question's schedule after it, from `card_before` and the suggested
        `rating`; `follow_up`, a question id to ask next, before the rest (a mock interview's
        follow-up). Returns the drill after the move and whether the attempt is new. A message key
        seen before, or a question that is no longer pending (the drill moved on), records
        nothing and returns the drill as it is.
        """
        now = now or utcnow()
        with self._session() as session:
            try:
                with session.begin():
                    row = session.get(DrillSession, drill.id, with_for_update=True)
                    if row is None or row.status not in UNFINISHED or _drill(row).pending_question_id != question_id:
                        return (_drill(row) if row else drill), False
                    seconds = (now - row.asked_at).total_seconds() if row.asked_at else None
                    session.add(Attempt(
                        candidate_id=row.candidate_id, session_id=row.id, message_key=message_key,
                        question_id=question_id, skill=skill, outcome=outcome, answer_text=answer_text,
                        score=score, covered=list(covered), missed=list(missed), hint_used=row.hint_used,
                        seconds_taken=seconds, created_at=now, feedback=feedback,
                        card_before=dict(card_before) if card_before else None,
                        suggested_rating=rating, rating=rating,
                    ))
                    if review is not None:
                        self._save_review(session, row.candidate_id, review)
                    if follow_up is not None:
                        ids = list(row.question_ids)
                        row.question_ids = [*ids[: row.position + 1], follow_up, *ids[row.position + 1:]]
                    row.position += 1
                    row.hint_used, row.asked_at, row.updated_at = False, None, now
                    if row.position >= len(row.question_ids):
                        row.status = FINISHED
                    session.flush()
                    return _drill(row), True
            except IntegrityError:  # the same message, recorded by a concurrent delivery
                session.rollback()
                row = session.get(DrillSession, drill.id)
                return (_drill(row) if row else drill), False

    def recorded_feedback(self, sender_id: str, message_key: str) -> str | None:
        """The feedback given for the attempt this message recorded, or None if it recorded
        none: a retried or redelivered answer shows the same feedback again."""
        with self._session() as session:
            row = session.execute(
                select(Attempt.feedback).join(Candidate, Candidate.id == Attempt.candidate_id)
                .where(Candidate.sender_id == sender_id, Attempt.message_key == message_key)
            ).first()
            return None if row is None else (row.feedback or ALREADY_RECORDED)

    # Attempts and reviews

    def attempts(self, sender_id: str, session_id: int | None = None) -> list[RecordedAttempt]:
        """The candidate's attempts, oldest first (of one drill when session_id is given)."""
        with self._session() as session:
            query = (
                select(Attempt).join(Candidate, Candidate.id == Attempt.candidate_id)
                .where(Candidate.sender_id == sender_id).order_by(Attempt.created_at, Attempt.id)
            )
            if session_id is not None:
                query = query.where(Attempt.session_id == session_id)
            return [_attempt(row) for row in session.execute(query).scalars()]

    def reviews(self, sender_id: str) -> dict[str, Review]:
        with self._session() as session:
            rows = session.execute(
                select(ReviewState).join(Candidate, Candidate.id == ReviewState.candidate_id)
                .where(Candidate.sender_id == sender_id)
            ).scalars()
            # the card is stored as FSRS serialised it (Card.to_dict)
            return {r.question_id: Review(r.question_id, r.skill, cast(CardDict, dict(r.card)), r.due) for r in rows}

    def rated_attempt(self, sender_id: str, message_key: str | None) -> RatedAttempt | None:
        """The review recorded for that message, or (None) the candidate's latest review."""
        with self._session() as session:
            query = (
                select(Attempt).join(Candidate, Candidate.id == Attempt.candidate_id)
                .where(Candidate.sender_id == sender_id, Attempt.rating.is_not(None))
                .order_by(Attempt.created_at.desc(), Attempt.id.desc())
            )
            if message_key is not None:
                query = query.where(Attempt.message_key == message_key)
            row = session.execute(query).scalars().first()
            if row is None:
                return None
            return RatedAttempt(
                row.message_key, row.question_id, row.skill, cast(CardDict, row.card_before) if row.card_before else None,
                row.created_at, row.suggested_rating or row.rating or 0, row.rating or 0,
                self._latest_review_id(session, row.candidate_id, row.question_id) == row.id,
            )

    @staticmethod
    def _latest_review_id(session: Session, candidate_id: int, question_id: str) -> int | None:
        found: int | None = session.execute(
            select(Attempt.id).where(Attempt.candidate_id == candidate_id, Attempt.question_id == question_id,
                                     Attempt.rating.is_not(None))
            .order_by(Attempt.created_at.desc(), Attempt.id.desc())
        ).scalars().first()
        return found

    def change_rating(self, sender_id: str, message_key: str, rating: int, review: Review) -> bool:
        """Set the rating of the review recorded for that message, and its question's schedule
        to `review`, if it is still the question's latest review; else change nothing (False)."""
        with self._session() as session, session.begin():
            row = session.execute(
                select(Attempt).join(Candidate, Candidate.id == Attempt.candidate_id)
                .where(Candidate.sender_id == sender_id, Attempt.message_key == message_key)
                .with_for_update()
            ).scalars().first()
            if row is None or row.rating is None or self._latest_review_id(session, row.candidate_id, row.question_id) != row.id:
                return False
            row.rating = rating
            state = session.execute(
                select(ReviewState).where(ReviewState.candidate_id == row.candidate_id,
                                          ReviewState.question_id == row.question_id)
            ).scalars().first()
            if state is not None:
                state.card, state.due = review.card, review.due
            return True

    def rating_pairs(self) -> list[tuple[str, int, int]]:
        """(question id, suggested rating, candidate's rating) of every review of every
        candidate, for the authors' report of disagreements (no one's identity in it)."""
        with self._session() as session:
            rows = session.execute(
                select(Attempt.question_id, Attempt.suggested_rating, Attempt.rating)
                .where(Attempt.rating.is_not(None), Attempt.suggested_rating.is_not(None))
            ).all()
            return [(question_id, suggested, rating) for question_id, suggested, rating in rows]

    @staticmethod
    def _save_review(session: Session, candidate_id: int, review: Review) -> None:
        row = session.execute(
            select(ReviewState).where(ReviewState.candidate_id == candidate_id, ReviewState.question_id == review.question_id)
        ).scalars().first()
        if row is None:
            row = ReviewState(candidate_id=candidate_id, question_id=review.question_id, skill=review.skill, reviews=0)
            session.add(row)
        row.card, row.due, row.reviews = review.card, review.due, (row.reviews or 0) + 1

    # Candidates' own questions: each candidate sees, drills and changes only their own

    def own_questions(self, sender_id: str) -> list[OwnQuestion]:
        """The candidate's own questions, oldest first."""
        with self._session() as session:
            rows = session.execute(
                select(OwnQuestionRow).join(Candidate, Candidate.id == OwnQuestionRow.candidate_id)
                .where(Candidate.sender_id == sender_id).order_by(OwnQuestionRow.id)
            ).scalars()
            return [_own(row) for row in rows]

    def own_question(self, sender_id: str, number: int) -> OwnQuestion | None:
        """The candidate's own question `number`; None if there is none of theirs by it."""
        with self._session() as session:
            row = session.execute(
                select(OwnQuestionRow).join(Candidate, Candidate.id == OwnQuestionRow.candidate_id)
                .where(Candidate.sender_id == sender_id, OwnQuestionRow.id == number)
            ).scalars().first()
            return _own(row) if row else None

    def save_own_question(self, sender_id: str, skill: str, prompt: str, model_answer: str,
                          number: int | None = None, limit: int | None = None) -> OwnQuestion | None:
        """Add a question (or change the candidate's own question `number`); None when it is not
        theirs, or when adding would pass `limit` questions."""
        with self._session() as session, session.begin():
            candidate_id = self._candidate_id(session, sender_id)
            if number is None:
                count = len(session.execute(
                    select(OwnQuestionRow.id).where(OwnQuestionRow.candidate_id == candidate_id).with_for_update()
                ).all())
                if limit is not None and count >= limit:
                    return None
                row = OwnQuestionRow(candidate_id=candidate_id, created_at=utcnow())
                session.add(row)
            else:
                found = session.execute(
                    select(OwnQuestionRow).where(OwnQuestionRow.id == number, OwnQuestionRow.candidate_id == candidate_id)
                ).scalars().first()
                if found is None:
                    return None
                row = found
            row.skill, row.prompt, row.model_answer, row.updated_at = skill, prompt, model_answer, utcnow()
            session.flush()
            return _own(row)

    def delete_own_question(self, sender_id: str, number: int) -> bool:
        """Delete the candidate's own question `number` and its review schedule (their answers to
        it stay in their history); False if they have none by that number."""
        with self._session() as session, session.begin():
            candidate_id = self._known_candidate_id(session, sender_id)
            row = session.execute(
                select(OwnQuestionRow).where(OwnQuestionRow.id == number, OwnQuestionRow.candidate_id == candidate_id)
            ).scalars().first()
            if row is None:
                return False
            session.execute(delete(ReviewState).where(ReviewState.candidate_id == candidate_id,
                                                      ReviewState.question_id == own_question_id(number)))
            session.delete(row)
            return True

    # Reminders

    def reminder(self, sender_id: str) -> ReminderSetting | None:
        with self._session() as session:
            row = session.execute(
                select(Reminder, Candidate.sender_id).join(Candidate, Candidate.id == Reminder.candidate_id)
                .where(Candidate.sender_id == sender_id)
            ).first()
            return _reminder(*row) if row else None

    def _reminder_row(self, session: Session, sender_id: str) -> Reminder:
        candidate_id = self._candidate_id(session, sender_id)
        row = session.get(Reminder, candidate_id, with_for_update=True)
        if row is None:
            row = Reminder(candidate_id=candidate_id, offered=False, updated_at=utcnow())
            session.add(row)
        return row

    def set_reminder(self, sender_id: str, remind_at: time_of_day | None) -> ReminderSetting:
        """The daily reminder's time (None turns it off); the time zone is kept."""
        with self._session() as session, session.begin():
            row = self._reminder_row(session, sender_id)
            row.remind_at, row.updated_at = (f"{remind_at:%H:%M}" if remind_at else None), utcnow()
            session.flush()
            return _reminder(row, sender_id)

    def set_time_zone(self, sender_id: str, time_zone: str) -> ReminderSetting:
        with self._session() as session, session.begin():
            row = self._reminder_row(session, sender_id)
            row.time_zone, row.updated_at = time_zone, utcnow()
            session.flush()
            return _reminder(row, sender_id)

    def mark_reminder_offered(self, sender_id: str) -> bool:
        """Note that reminders were offered; False if they had been already (offered once)."""
        with self._session() as session, session.begin():
            row = self._reminder_row(session, sender_id)
            if row.offered:
                return False
            row.offered = True
            return True

    def active_reminders(self) -> list[ReminderSetting]:
        """Every reminder with a time and a time zone, of every candidate."""
        with self._session() as session:
            rows = session.execute(
                select(Reminder, Candidate.sender_id).join(Candidate, Candidate.id == Reminder.candidate_id)
                .where(Reminder.remind_at.is_not(None), Reminder.time_zone.is_not(None))
            ).all()
            return [_reminder(row, sender_id) for row, sender_id in rows]

    def claim_reminder(self, sender_id: str, day: date) -> bool:
        """Claim the sending of the candidate's reminder for their `day`: True for exactly one
        caller, whatever the processes and retries (a conditional update of one row)."""
        with self._session() as session, session.begin():
            candidate_id = self._known_candidate_id(session, sender_id)
            if candidate_id is None:
                return False
            claimed = cast(CursorResult, session.execute(
                update(Reminder)
                .where(Reminder.candidate_id == candidate_id, Reminder.remind_at.is_not(None),
                       or_(Reminder.last_sent_on.is_(None), Reminder.last_sent_on < day))
                .values(last_sent_on=day)
                .execution_options(synchronize_session=False)
            ))
            return bool(claimed.rowcount == 1)

    # The candidate's rights over their data

    def export(self, sender_id: str) -> dict[str, Any]:
        """Everything stored about the candidate, as JSON-ready data."""
        reminder = self.reminder(sender_id)
        return {
            "sender_id": sender_id,
            "reminder": None if reminder is None else {
                "remind_at": f"{reminder.remind_at:%H:%M}" if reminder.remind_at else None,
                "time_zone": reminder.time_zone,
            },
            "own_questions": [q.as_dict() for q in self.own_questions(sender_id)],
            "drills": [d.as_dict() for d in self.drills(sender_id)],
            "attempts": [a.as_dict() for a in self.attempts(sender_id)],
            "reviews": [
                {"question_id": r.question_id, "skill": r.skill,
                 "due": r.due.replace(tzinfo=timezone.utc).isoformat()}
                for r in self.reviews(sender_id).values()
            ],
        }

    def delete_person(self, sender_id: str) -> bool:
        """Remove everything recorded in this conversation and in every other conversation
        of the same person (their group ones, see coach.senders); False if nothing was."""
        who = person(sender_id)
        with self._session() as session, session.begin():
            candidate_ids = session.execute(select(Candidate.id).where(or_(
                Candidate.sender_id == who, Candidate.sender_id == sender_id,
                Candidate.sender_id.like(group_like_pattern(who), escape="\\"),
            ))).scalars().all()
            if not candidate_ids:
                return False
            for table in (Attempt, ReviewState, DrillSession, Reminder, OwnQuestionRow):
                session.execute(delete(table).where(table.candidate_id.in_(candidate_ids)))
            session.execute(delete(Candidate).where(Candidate.id.in_(candidate_ids)))
            return True


@lru_cache(maxsize=1)
def records() -> Records:
    """The process's repository, on DATABASE_URL (tests clear this cache to swap it)."""
    return Records.from_url(database_url())

