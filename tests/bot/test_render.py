"""The renderer turns the assistant's messages into Telegram texts, keyboards, quiz polls, charts and files
(the chart image itself: test_chart.py)."""
from __future__ import annotations

import json
import logging

import pytest
from telegram.constants import MessageLimit, PollLimit

from bot import render
from coach import contract


def titles(keyboard):
    return [[button.text for button in row] for row in keyboard.markup.inline_keyboard]


def quiz_payload(**changes):
    payload = {"type": "quiz", "question_id": "model_evaluation.imbalanced_metric",
               "question": "Which metric suits imbalanced classes?",
               "options": ["Accuracy", "F1 score", "Mean squared error"], "correct_option_id": 1,
               "explanation": "F1 balances precision\nand recall.", "answer_payloads": ["A", "B", "C"]}
    return {**payload, **changes}


def test_a_text_under_the_limit_stays_one_chunk():
    assert render.split_text("  Short answer.  ", limit=50) == ["Short answer."]


def test_whitespace_only_text_gives_no_chunks():
    assert render.split_text(" \n\n \t ", limit=50) == []


def test_a_long_text_is_split_at_paragraph_breaks_first():
    text = "Intro line.\n\nSecond part first line\nsecond line of it is long"
    assert render.split_text(text, limit=50) == [
        "Intro line.", "Second part first line\nsecond line of it is long"]


def test_without_a_paragraph_break_the_text_is_split_at_line_breaks():
    text = "One line with a few words in it\nanother line that goes on and on"
    assert render.split_text(text, limit=50) == [
        "One line with a few words in it", "another line that goes on and on"]


def test_without_any_break_the_text_is_split_at_spaces_never_mid_word():
    text = " ".join(f"word{i}" for i in range(30))
    chunks = render.split_text(text, limit=50)
    assert len(chunks) > 1
    assert all(len(chunk) <= 50 for chunk in chunks)
    assert all(set(chunk.split()) <= set(text.split()) for chunk in chunks)
    assert " ".join(chunks).split() == text.split()


def test_a_word_longer_than_the_limit_is_cut_hard():
    word = "x" * 120
    chunks = render.split_text(f"tiny {word}", limit=50)
    assert chunks == ["tiny", "x" * 50, "x" * 50, "x" * 20]


def test_a_real_long_answer_fits_telegrams_message_limit_and_keeps_every_word():
    paragraph = " ".join(f"token{i}" for i in range(40))
    text = "\n\n".join(paragraph for _ in range(33))
    assert len(text) > 10_000
    chunks = render.split_text(text)
    assert len(chunks) == 3
    assert all(chunk.endswith("token39") for chunk in chunks)
    assert all(len(chunk) <= MessageLimit.MAX_TEXT_LENGTH for chunk in chunks)
    assert " ".join(chunks).split() == text.split()


def test_buttons_become_a_keyboard_whose_callback_data_names_only_the_turn_and_the_button():
    keyboard = render.keyboard([{"title": "Show progress", "payload": "/show_progress"},
                                {"title": "B", "payload": "B"}], turn=7)
    [[progress, b]] = keyboard.markup.inline_keyboard
    assert (progress.text, progress.callback_data) == ("Show progress", "k:7:0")
    assert (b.text, b.callback_data) == ("B", "k:7:1")
    assert keyboard.turn == 7 and keyboard.payloads == ("/show_progress", "B")
    assert render.Press.parse(b.callback_data) == render.Press(7, 1)


def test_callback_data_stays_far_under_telegrams_64_bytes():
    assert len(render.Press(999_999_999, 999).data.encode()) < 64


@pytest.mark.parametrize("data", ["/delete_data", "k:1", "k:1:", "k:-1:0", "k:1:0:2", " k:1:0", "k:1:0\n",
                                  "k:١:0", "K:1:0", "", None, 42])
def test_data_the_bot_never_sends_is_no_press(data):
    assert render.Press.parse(data) is None


def test_short_titles_share_rows_of_at_most_four_buttons():
    markup = render.keyboard([{"title": t, "payload": t} for t in "ABCDEF"])
    assert render.ROW_BUTTONS == 4
    assert titles(markup) == [["A", "B", "C", "D"], ["E", "F"]]


def test_a_row_holds_at_most_the_row_characters_of_titles():
    title = "x" * (render.ROW_CHARS // 2)
    markup = render.keyboard([{"title": title, "payload": "p"}] * 3)
    assert titles(markup) == [[title, title], [title]]


def test_a_long_title_gets_its_own_row():
    long = "Practise the weakest skill next time"
    markup = render.keyboard([{"title": "Yes", "payload": "y"}, {"title": long, "payload": "l"},
                              {"title": "No", "payload": "n"}])
    assert titles(markup) == [["Yes"], [long], ["No"]]


def test_buttons_without_title_or_payload_are_dropped():
    markup = render.keyboard([{"title": "", "payload": "a"}, {"title": "B", "payload": "  "},
                              {"payload": "c"}, {"title": "D", "payload": "d"}])
    assert titles(markup) == [["D"]]


def test_no_usable_buttons_give_no_keyboard():
    assert render.keyboard([]) is None
    assert render.keyboard([{"title": "only a title"}]) is None


def test_a_title_over_the_button_limit_is_shortened_with_an_ellipsis_but_not_its_payload():
    keyboard = render.keyboard([{"title": "y" * 60, "payload": "p" * 60}])
    [[button]] = keyboard.markup.inline_keyboard
    assert button.text == "y" * (render.BUTTON_TITLE_CHARS - 1) + "…"
    assert keyboard.payloads == ("p" * 60,)


def test_answer_buttons_need_the_latest_question_but_intent_buttons_do_not():
    assert render.needs_latest("B") is True
    assert render.needs_latest("Skip") is True
    assert render.needs_latest("/show_progress") is False


def test_a_quiz_payload_becomes_a_quiz_poll_with_lettered_options():
    assert render.custom(quiz_payload()) == render.Quiz(
        question_id="model_evaluation.imbalanced_metric", question="Which metric suits imbalanced classes?",
        options=("A. Accuracy", "B. F1 score", "C. Mean squared error"), correct_option_id=1,
        explanation="F1 balances precision and recall.", payloads=("A", "B", "C"))


def test_a_quiz_is_shortened_to_telegrams_poll_limits():
    poll = render.custom(quiz_payload(question="q" * 400, options=["o" * 150, "short", "p"],
                                      explanation="line one\n\n" + "e" * 300))
    assert poll.question == "q" * (PollLimit.MAX_QUESTION_LENGTH - 1) + "…"
    assert poll.options[0] == "A. " + "o" * (PollLimit.MAX_OPTION_LENGTH - 4) + "…"
    assert poll.options[1:] == ("B. short", "C. p")
    assert len(poll.explanation) == PollLimit.MAX_EXPLANATION_LENGTH
    assert poll.explanation.startswith("line one eee") and "\n" not in poll.explanation


def test_unusable_quiz_payloads_give_no_poll():
    thirteen = [str(i) for i in range(13)]
    assert render.custom(quiz_payload(options=["Only"], answer_payloads=["A"], correct_option_id=0)) is None
    assert render.custom(quiz_payload(options=thirteen, answer_payloads=thirteen, correct_option_id=0)) is None
    assert render.custom(quiz_payload(correct_option_id=3)) is None
    assert render.custom(quiz_payload(correct_option_id=-1)) is None
    assert render.custom(quiz_payload(correct_option_id="1")) is None
    assert render.custom(quiz_payload(answer_payloads=["A", "B"])) is None


def test_the_quiz_the_drill_sends_becomes_a_poll_of_the_same_question():
    payload = contract.Quiz("statistics.q", "Which?", ("Mean", "Median"), 1, "The median.", ("A", "B"))
    poll = render.custom(payload.to_json())
    assert (poll.question_id, poll.options, poll.correct_option_id, poll.payloads) == (
        "statistics.q", ("A. Mean", "B. Median"), 1, ("A", "B"))


def test_the_progress_chart_payload_becomes_a_chart():
    skills = [{"id": "statistics", "name": "Statistics", "mastery": 40, "attempts": 3}]
    chart = render.custom({"type": "progress_chart", "title": "Your mastery", "skills": skills, "target_retention": 85})
    complete = {**skills[0], "due_today": 0, "due_week": 0, "retention": None}
    assert chart == render.Chart("Your mastery", (complete,), 85)


def test_the_data_export_payload_becomes_a_json_document():
    data = {"answers": [{"skill": "statistics", "correct": True}], "name": "Zoë"}
    document = render.custom({"type": "data_export", "filename": "my-data.json", "data": data})
    assert document.filename == "my-data.json"
    assert json.loads(document.content) == data


def test_an_unknown_custom_payload_renders_nothing_and_its_content_is_not_logged(caplog):
    with caplog.at_level(logging.WARNING, logger="bot.render"):
        assert render.custom({"type": "confetti", "for": "Zoë Example"}) is None
        assert render.render([{"custom": {"type": "confetti"}}]) == []
    assert len(caplog.records) == 2 and "Zoë" not in caplog.text


def test_a_known_payload_with_bad_fields_renders_nothing_and_its_content_is_not_logged(caplog):
    with caplog.at_level(logging.WARNING, logger="bot.render"):
        assert render.custom({"type": "data_export", "filename": "Zoë.json", "data": "not a mapping"}) is None
        assert render.custom({"type": "progress_chart", "title": "Zoë", "skills": [{"id": "x"}]}) is None
    assert len(caplog.records) == 2 and "Zoë" not in caplog.text


def test_data_deleted_shows_nothing_and_tells_the_channel_to_forget():
    messages = [{"text": "Done: deleted."}, {"custom": {"type": "data_deleted"}}]
    assert render.render(messages) == [render.Text("Done: deleted.")]
    assert render.deletes_data(messages) is True
    assert render.deletes_data([{"text": "Done"}, {"custom": {"type": "quiz"}}, {"custom": "data_deleted"}]) is False


def test_consecutive_texts_become_one_message_in_their_order():
    replies = render.render([{"text": "one"}, {"text": "two"}, {"text": "three"}])
    assert replies == [render.Text("one\n\ntwo\n\nthree")]


def test_feedback_and_the_next_question_are_one_message_carrying_every_button_in_order():
    rating = [{"title": t, "payload": f"/rate_answer{{\"rating\": \"{t.lower()}\"}}"} for t in ("Again", "Good")]
    commands = [{"title": t, "payload": t} for t in ("Hint", "Skip", "Stop")]
    [reply] = render.render([{"text": "Score: 80/100.", "buttons": rating},
                             {"text": "Question 2 of 5 · Statistics\nWhat is a p-value?"},
                             {"text": "Your answer, in a few sentences?", "buttons": commands}], turn=3)
    assert reply.text == "Score: 80/100.\n\nQuestion 2 of 5 · Statistics\nWhat is a p-value?\n\n" \
                         "Your answer, in a few sentences?"
    assert titles(reply.keyboard) == [["Again", "Good"], ["Hint", "Skip", "Stop"]]  # each message's own rows
    assert reply.keyboard.payloads == (rating[0]["payload"], rating[1]["payload"], "Hint", "Skip", "Stop")
    assert [b.callback_data for row in reply.keyboard.markup.inline_keyboard for b in row] == [
        f"k:3:{n}" for n in range(5)]


def test_texts_that_would_pass_the_length_limit_together_stay_separate_messages_with_their_own_buttons():
    long = "word " * 700  # 3,500 characters
    replies = render.render([{"text": long, "buttons": [{"title": "Good", "payload": "/good"}]},
                             {"text": long, "buttons": [{"title": "Skip", "payload": "Skip"}]}], turn=1)
    assert [r.text for r in replies] == [long.strip(), long.strip()]
    assert [r.keyboard.payloads for r in replies] == [("/good",), ("Skip",)]
    assert all(len(r.text) <= MessageLimit.MAX_TEXT_LENGTH for r in replies)


def test_the_message_that_offers_a_quizs_answers_becomes_the_polls_keyboard_less_the_answers():
    replies = render.render([
        {"text": "Question 1 of 5 · Statistics"},
        {"custom": quiz_payload()},
        {"text": "Your choice?", "buttons": [{"title": x, "payload": x} for x in ("A", "B", "C", "Skip", "Stop")]},
    ], turn=5)
    assert [type(r) for r in replies] == [render.Text, render.Quiz]
    assert replies[0] == render.Text("Question 1 of 5 · Statistics")
    poll = replies[1]
    assert poll.payloads == ("A", "B", "C")
    assert titles(poll.keyboard) == [["Skip", "Stop"]] and poll.keyboard.payloads == ("Skip", "Stop")


def test_a_text_after_a_quiz_that_does_not_offer_its_answers_stays_a_message():
    replies = render.render([{"custom": quiz_payload()}, {"text": "Good luck!", "buttons": [{"title": "A", "payload": "A"}]}])
    assert [type(r) for r in replies] == [render.Quiz, render.Text]
    assert replies[0].keyboard is None and replies[1].text == "Good luck!"


def test_the_text_after_the_progress_chart_becomes_its_caption_with_its_buttons():
    chart = {"type": "progress_chart", "title": "Your mastery", "skills": [], "target_retention": 85}
    drill = [{"title": "Drill Statistics", "payload": "/drill{\"skill\": \"statistics\"}"}]
    summary, chart_reply = render.render([{"text": "You answered 4 questions."}, {"custom": chart},
                                          {"text": "Practise what needs it most:", "buttons": drill}], turn=2)
    assert summary == render.Text("You answered 4 questions.")
    assert chart_reply.caption == "Your mastery\n\nPractise what needs it most:"
    assert chart_reply.keyboard.payloads == (drill[0]["payload"],)
    [too_long] = render.render([{"custom": chart}, {"text": "x " * 600}])[1:]
    assert too_long == render.Text(("x " * 600).strip())


def test_the_keyboard_goes_only_on_the_last_chunk_of_a_split_text():
    text = "\n\n".join(["word " * 600] * 3)
    replies = render.render([{"text": text, "buttons": [{"title": "Next", "payload": "/next"}]}], turn=4)
    assert len(replies) > 1
    assert [reply.keyboard for reply in replies[:-1]] == [None] * (len(replies) - 1)
    [[button]] = replies[-1].keyboard.markup.inline_keyboard
    assert button.callback_data == "k:4:0"
    assert replies[-1].keyboard.payloads == ("/next",)


def test_buttons_without_text_get_a_placeholder_text():
    [reply] = render.render([{"buttons": [{"title": "Skip", "payload": "Skip"}]}], turn=2)
    assert reply.text == render.NO_TEXT
    assert reply.keyboard.markup.inline_keyboard[0][0].callback_data == "k:2:0"


def test_a_message_with_a_quiz_and_text_sends_the_quiz_first():
    replies = render.render([{"text": "Question 1 of 5", "custom": quiz_payload()}])
    assert replies == [render.custom(quiz_payload()), render.Text("Question 1 of 5")]
