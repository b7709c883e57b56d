"""A candidate's stored data as they see it: the progress report with what to practise next,
the export of everything kept, and its deletion (asked first; the yes comes to
coach.practice.sessions, which deletes)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from coach.config import Config
from coach.content.catalogue import catalogue
from coach.content.faq import faq_for_skill
from coach.contract import (
    AFFIRM_INTENT,
    DENY_INTENT,
    FAQ_INTENT,
    TOPIC_ENTITY,
    DataDeleted,
    DataExport,
    intent_payload,
)
from coach.practice import feedback
from coach.practice.interview import Scorecard
from coach.practice.progress import progress, skills_weakest_first
from coach.practice.reminders import candidate_zone
from coach.practice.replies import Reply, button, drill_payload
from coach.storage.records import Records

# What a yes or no answers (the pending confirmation) after the deletion question.
DELETE_DATA = "delete_data"
EXPORT_FILENAME = "my-interview-practice.json"
MAX_DRILL_BUTTONS = 4


def progress_report(records: Records, sender_id: str, now: datetime, config: Config) -> list[Reply]:
    """Mastery per skill with the reviews due and recalled, weakest skills, most-missed
    concepts, the mock interviews' signals, the chart, and buttons for drills of the weakest
    skills and of those of the most-missed concepts, then the FAQ answer behind the
    most-missed concept."""
    report = progress(records.attempts(sender_id), catalogue(), records.reviews(sender_id).values(), now,
                      candidate_zone(records, sender_id), config.desired_retention)
    faqs = {skill.id: faq_for_skill(skill.id) for skill in catalogue().skills}
    titles = {skill: catalogue().faq(faq_id).title for skill, faq_id in faqs.items() if faq_id and catalogue().faq(faq_id)}  # type: ignore[union-attr]
    skills = [s.skill for s in report.weakest or skills_weakest_first(report)[:3]]
    skills += [m.skill for m in report.missed if m.skill not in skills]
    buttons = [
        button(f"Drill {catalogue().skill(s).name}", drill_payload(s))  # type: ignore[union-attr]
        for s in skills[:MAX_DRILL_BUTTONS]
    ]
    topic = faqs.get(report.missed[0].skill) if report.missed else None
    if topic:
        buttons.append(button(titles[report.missed[0].skill], intent_payload(FAQ_INTENT, **{TOPIC_ENTITY: topic})))
    text = feedback.progress_text(report, catalogue(), titles)
    interviews = [(d.finished_at, Scorecard.from_dict(d.scorecard)) for d in records.interviews(sender_id)
                  if d.finished_at and d.scorecard]
    if interviews:
        text += "\n\n" + feedback.interviews_text(interviews)
    replies = [Reply(text)]
    if report.answered:
        replies.append(Reply(payload=report.chart_payload()))
    replies.append(Reply("Practise what needs it most:", buttons))
    return replies


def export(records: Records, sender_id: str, conversation: list[dict[str, Any]]) -> list[Reply]:
    """The candidate's drills, attempts, review schedule and `conversation` (the messages the
    assistant keeps, oldest first) as JSON, for a channel to send as a file."""
    data = {**records.export(sender_id), "conversation": conversation}
    return [
        Reply(f"Here is everything I have stored about you: {len(data['drills'])} drills, "
              f"{len(data['attempts'])} recorded answers, your review schedule and our conversation, as JSON."),
        Reply(payload=DataExport(EXPORT_FILENAME, data)),
    ]


def deletion_question() -> Reply:
    """The question before a deletion; its answer is pending as DELETE_DATA."""
    return Reply(
        "This deletes all your recorded answers, scores, review schedule and our "
        "conversation, and cannot be undone. Delete everything?",
        [button("Yes, delete everything", intent_payload(AFFIRM_INTENT)), button("No, keep it", intent_payload(DENY_INTENT))],
    )


def delete(records: Records, sender_id: str) -> list[Reply]:
    """Delete the person's records (group conversations included) and tell the channel to
    drop its state of them; the caller has the assistant forget the conversations too."""
    existed = records.delete_person(sender_id)
    done = (
        "Done: I've deleted your answers, scores, review schedule and our conversations, including those in group chats."
        if existed
        else "There was nothing stored about you; our conversations are forgotten too."
    )
    return [Reply(done), Reply(payload=DataDeleted())]
