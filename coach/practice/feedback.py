"""The words of a drill: how questions, feedback, summaries and progress reports read.

Plain text with line breaks only, so every channel (terminal, Telegram) can show it.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from statistics import mean

from coach.content.catalogue import Catalogue
from coach.content.question_bank import ChoiceQuestion, OpenQuestion, Question
from coach.grading.scoring import Score
from coach.practice.drill import Command
from coach.practice.history import ANSWERED, DONT_KNOW, SKIPPED, Drill, RecordedAttempt, follow_up_of
from coach.practice.interview import Scorecard
from coach.practice.progress import Progress, SkillMastery

COMMAND_TITLES = {
    Command.HINT: "Hint",
    Command.SKIP: "Skip",
    Command.REPEAT: "Repeat",
    Command.DONT_KNOW: "I don't know",
    Command.STOP: "Stop",
}


def place(drill: Drill) -> str:
    """"question 3 of 6": the pending question's place, counting main questions only (a mock
    interview's follow-up belongs to the question before it)."""
    main = [i for i in drill.question_ids if not follow_up_of(i)]
    number = sum(1 for i in drill.question_ids[: drill.position + 1] if not follow_up_of(i))
    return f"question {max(1, number)} of {len(main)}"


def question_text(question: Question, drill: Drill, skill_name: str) -> str:
    if follow_up_of(question.id):
        return f"Follow-up · {skill_name}\n\n{question.prompt}"
    header = f"{place(drill).capitalize()} · {skill_name} · {question.difficulty}"
    if isinstance(question, ChoiceQuestion):
        options = "\n".join(f"{letter}) {text}" for letter, text in zip(question.letters, question.options, strict=False))
        return f"{header}\n\n{question.prompt}\n\n{options}"
    return f"{header}\n\n{question.prompt}"


def open_feedback(question: OpenQuestion, score: Score) -> str:
    """Score and verdict, each key point covered with the candidate's words that earned it,
    each error with what was said, what was missed, and the model answer."""
    lines = [f"Score: {score.score}/100 · {score.verdict}"]
    if score.covered:
        lines.append("✓ Covered:")
        lines += [_point(label, score.evidence.get(label, "")) for label in score.covered]
    if score.errors:
        lines.append("⚠ Errors:")
        lines += [f"• you said \"{shorten(said, 90)}\", but: {label}" if said else f"• {label}: contradicted"
                  for label, said in score.errors.items()]
    missed = [label for label in score.missed if label not in score.errors]
    if missed:
        lines.append("✗ Missed (expected): " + "; ".join(missed))
    lines.append(f"\nModel answer: {question.model_answer}")
    return "\n".join(lines)


def _point(label: str, words: str) -> str:
    return f"• {label}: \"{shorten(words, 90)}\"" if words else f"• {label}"


def degenerate_feedback(score: Score) -> str:
    """Why the reply could not be scored (nothing was recorded) and what to do instead; the
    buttons sent with it offer hint, skip and "I don't know"."""
    return f"Not scored: {score.advice}"


# Mid-drill, a message that is a request rather than an answer: the request is handled, the
# question stays pending.
BACK_TO_QUESTION = "Back to the question"
DRILL_HELP = (
    "You're in the middle of a drill. Answer the question in a few sentences (or pick a letter), "
    "or say hint, skip, repeat, \"I don't know\" or stop; stopping keeps your answers so far. "
    "You can also ask me about the ML-engineer role, your progress or your data: the question waits for you."
)
DELETE_IN_DRILL = "To delete your data, stop this drill first, then ask again: I don't delete anything while a drill is running."
IS_IT_YOUR_ANSWER = "Is that your answer to the question? It could also be a request, so I haven't scored it yet."
NOT_RECORDED = "Okay, I didn't record that. Send your answer when you're ready."
WRITE_IN_DRILL = ("To write or change a question of your own, stop this drill first (your answers so far are kept), "
                  "then ask again.")
NO_OWN_QUESTIONS = ("You have no questions of your own yet: send /add to write one, with your model answer. "
                    "Or pick a skill:")


def question_waiting(drill: Drill) -> str:
    return f"{place(drill).capitalize()} is still waiting for your answer."


def another_drill(title: str) -> str:
    return (f"You're in the middle of a {title}. Stop it first (your answers so far are kept), "
            "then ask for the new one.")


def choice_feedback(question: ChoiceQuestion, chosen: int) -> str:
    correct = f"{question.correct_letter}) {question.options[question.correct]}"
    verdict = "✓ Correct!" if chosen == question.correct else f"✗ Not quite. The answer is {correct}."
    return f"{verdict}\n{question.explanation}"


def invalid_choice(question: ChoiceQuestion) -> str:
    letters = question.letters
    return f"Please pick one of {', '.join(letters[:-1])} or {letters[-1]}, or say \"skip\"."


def dont_know_feedback(question: Question) -> str:
    return f"No problem, that's how you learn. Score: 0/100.\n\n{_solution(question)}"


def skip_feedback(question: Question) -> str:
    return f"Skipped. It will come back in a later drill.\n\n{_solution(question)}"


def _solution(question: Question) -> str:
    if isinstance(question, ChoiceQuestion):
        return f"The answer is {question.correct_letter}) {question.options[question.correct]}. {question.explanation}"
    return f"Model answer: {question.model_answer}"


def hint_text(question: Question) -> str:
    if isinstance(question, OpenQuestion):
        return f"Hint: {question.hint}"
    return "Hint: rule out the options you know are wrong first."


def summary_text(attempts: Sequence[RecordedAttempt], lookup: Callable[[str], Question | None], skill_name: str) -> str:
    """End-of-drill summary: each question's score, the average, best and worst concept;
    `lookup` finds a question by id (the bank's, or the candidate's own)."""
    lines = [f"Drill complete: {skill_name}."]
    for number, attempt in enumerate(attempts, 1):
        question = lookup(attempt.question_id)
        prompt = question.prompt if question else attempt.question_id
        shown = "skipped" if attempt.outcome == SKIPPED else f"{attempt.score}/100"
        if attempt.outcome == DONT_KNOW:
            shown += " (didn't know)"
        lines.append(f"{number}. {shown}  {shorten(prompt)}")
    scored = [a.score for a in attempts if a.score is not None]
    if scored:
        lines.append(f"\nAverage: {round(mean(scored))}/100")
    covered = [c for a in attempts for c in a.covered]
    missed = [c for a in attempts for c in a.missed]
    if covered:
        lines.append(f"Strongest concept: {max(set(covered), key=lambda c: (covered.count(c), c))}")
    if missed:
        lines.append(f"Weakest concept: {max(set(missed), key=lambda c: (missed.count(c), c))}")
    return "\n".join(lines)


def _schedule(skill: SkillMastery) -> str:
    """A skill's due reviews and recall, when there are any."""
    parts = []
    if skill.due_today or skill.due_week:
        parts.append(f"due {skill.due_today} today, {skill.due_week} this week")
    if skill.retention is not None:
        parts.append(f"recalled {round(100 * skill.retention)}% of {skill.reviews} reviews")
    return "".join(f" · {part}" for part in parts)


def shorten(text: str, limit: int = 70) -> str:
    """The text cut at a word to fit `limit` characters, with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _answers(count: int) -> str:
    return f"{count} answer" if count == 1 else f"{count} answers"


def progress_text(report: Progress, catalogue: Catalogue, faq_titles: dict[str, str]) -> str:
    """The progress report; `faq_titles` names, per skill, the FAQ answer that explains it."""
    if not report.answered:
        return (
            "You haven't answered any drill questions yet, so there is nothing to measure. "
            "Start a drill and I'll track your mastery of each skill."
        )
    lines = [f"Your progress ({_answers(report.answered)} scored):"]
    for skill in report.skills:
        if skill.mastery is not None:
            lines.append(f"• {skill.name}: {skill.mastery}/100 ({_answers(skill.attempts)}){_schedule(skill)}")
    due_today, due_week = sum(s.due_today for s in report.skills), sum(s.due_week for s in report.skills)
    reviews, recalled = sum(s.reviews for s in report.skills), sum(s.recalled for s in report.skills)
    lines.append(f"\nReviews due: {due_today} today, {due_week} in the next 7 days.")
    target = round(100 * report.target_retention)
    if reviews:
        lines.append(f"Recalled in reviews: {recalled} of {reviews} ({round(100 * recalled / reviews)}%); "
                     f"the schedule aims at {target}%.")
    else:
        lines.append(f"No reviews yet: the schedule brings each question back when you're likely to recall it ({target}%).")
    untried = [s.name for s in report.skills if s.mastery is None]
    if untried:
        lines.append("Not practised yet: " + ", ".join(untried))
    if report.weakest:
        lines.append("\nWeakest skills: " + ", ".join(f"{s.name} ({s.mastery})" for s in report.weakest))
    if report.missed:
        lines.append("Concepts you miss most:")
        for missed in report.missed:
            known = catalogue.skill(missed.skill)
            name = known.name if known else missed.skill
            pointer = f"read \"{faq_titles[missed.skill]}\" or drill {name}" if missed.skill in faq_titles else f"drill {name}"
            lines.append(f"• {missed.concept} ({name}, missed {missed.times}×): {pointer}")
    return "\n".join(lines)


# Mock interviews: the interviewer's words, and the scorecard.
SIGNAL_WORDS = {
    "strong": "Strong signal: this would likely pass a real screen.",
    "mixed": "Mixed signal: solid in places, with gaps an interviewer would probe.",
    "weak": "Weak signal: a real screen would likely stop here; the drills below close the gaps.",
}


def interview_start(questions: int, areas: Sequence[str]) -> str:
    return (f"Starting a mock interview: {questions} questions, as in a real ML-engineer screen ({', '.join(areas)}). "
            "Answer as you would aloud, in a few sentences. When an answer misses something, I'll ask one follow-up. "
            "No scores until the end, where you get an interviewer's scorecard. You can say repeat, skip, "
            "\"I don't know\" or stop at any time.")


def interview_noted(outcome: str, covered: Sequence[str], follows_up: bool) -> str:
    """What the interviewer says after a reply: no score, at most what it covered and that a
    follow-up comes."""
    if outcome == SKIPPED:
        return "Okay, let's move on."
    if outcome == DONT_KNOW:
        return "That's fine, it happens in interviews too. Let's move on."
    if follows_up:
        lead = f"Thanks. You covered {covered[0]}." if covered else "Thanks."
        return f"{lead} Let me follow up on one point."
    return "Thanks, noted." if outcome == ANSWERED else "Noted."


def scorecard_text(card: Scorecard, previous: Scorecard | None, previous_at: datetime | None) -> str:
    """The scorecard as an interviewer writes it: each area's signal with its evidence, the
    overall signal, and how it compares with the interview before."""
    lines = [f"Mock interview scorecard · overall {card.signal.upper()} ({card.score}/100)",
             SIGNAL_WORDS[card.signal], ""]
    for area in card.areas:
        lines.append(f"{area.name}: {area.signal} ({area.score}/100)")
        if area.covered:
            lines.append("  ✓ Covered: " + "; ".join(area.covered))
        if area.missed:
            lines.append("  ✗ Missed: " + "; ".join(area.missed))
    if previous is not None and previous_at is not None:
        before = {a.id: a for a in previous.areas}
        changes = [f"{a.name} {before[a.id].signal} → {a.signal}" for a in card.areas
                   if a.id in before and before[a.id].signal != a.signal]
        lines.append(f"\nSince your last mock interview ({previous_at:%d %b}): overall {previous.score} → {card.score}"
                     + (f"; {', '.join(changes)}." if changes else "; every area's signal is unchanged."))
    lines.append("\nThese questions come back in your reviews, with their model answers.")
    return "\n".join(lines)


def interviews_text(history: Sequence[tuple[datetime, Scorecard]]) -> str:
    """The mock interviews in a progress report, latest first, with their signal per area."""
    lines = [f"Mock interviews ({len(history)}):"]
    for finished_at, card in reversed(history[-5:]):
        areas = ", ".join(f"{a.name} {a.signal}" for a in card.areas)
        lines.append(f"• {finished_at:%d %b}: {card.signal} ({card.score}/100) · {areas}")
    return "\n".join(lines)


# Ratings: the candidate has the last word on how well they knew an answer.
RATE_IT = "How well did you know it? ✓ marks the rating your score suggests; tap another to change when this comes back."
RATING_WORDS = "Rate your last answer with one of Again, Hard, Good or Easy (for example \"rate it hard\")."
NOTHING_TO_RATE = "You have no scored answer to rate yet. Start a drill, and after each answer you can rate how well you knew it."
RATED_ANSWER_GONE = "I can't find that answer any more (it may have been deleted), so there is nothing to rate."
RATING_SUPERSEDED = ("You've answered that question again since, so that rating no longer decides when it comes back; "
                     "rate your latest answer to it instead.")


def rated(name: str, suggested: str, due: datetime, now: datetime) -> str:
    note = f" (your score suggested {suggested})" if suggested and suggested != name else ""
    return f"Rated {name}{note}. This question comes back {due_in_words(due, now)}."


def due_in_words(due: datetime, now: datetime) -> str:
    """When a review falls due, in words ("in 10 minutes", "tomorrow", "in 12 days")."""
    seconds = (due - now).total_seconds()
    if seconds <= 60:
        return "now"
    if seconds < 3600:
        return f"in {round(seconds / 60)} minutes"
    if seconds < 86_400:
        hours = round(seconds / 3600)
        return "in 1 hour" if hours == 1 else f"in {hours} hours"
    days = round(seconds / 86_400)
    return "tomorrow" if days == 1 else f"in {days} days"


def reviews_done_today(limit: int, waiting: int) -> str:
    return (f"You've done today's {limit} reviews, well done. The {waiting} still due are spread over the coming days; "
            "you can practise a skill meanwhile:")


def new_done_today(limit: int) -> str:
    return (f"You've seen today's {limit} new questions and have none of this skill to review or redo yet. "
            "Come back tomorrow for more, or pick another skill:")
