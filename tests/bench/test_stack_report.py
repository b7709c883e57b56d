"""The load benchmark's per-phase report, including kinds of message none of which was answered."""
from __future__ import annotations

import pytest

from bench.candidates import Turn
from bench.stack import print_phase, summary


def test_a_kind_with_no_answered_message_prints_dashes(capsys: pytest.CaptureFixture[str]) -> None:
    turns = [Turn("faq", 0.0, 0.2, None, 1), Turn("faq", 0.0, 0.4, None, 1),
             Turn("answer_text", 0.0, 3.1, "slow notice", 2), Turn("answer_text", 0.0, None, "no reply")]
    result = {"path": "telegram", "candidates": 2, "seconds": 10.0, "cpu_ms_per_answer": 50.0,
              "cpu_ms_per_answer_by_process": {"rasa": 50.0}, "rss_mb": {"rasa": 1000.0},
              "telegram_messages_per_answer": 1.0, "overall": summary(turns, 10.0),
              "by_kind": {"faq": summary(turns[:2], 10.0), "answer_text": summary(turns[2:], 10.0)}}

    print_phase(result)

    rows = {line.split()[0]: line.split()[1:] for line in capsys.readouterr().out.splitlines() if line.strip()}
    assert rows["faq"] == ["2", "0.2", "1.0", "200", "400", "400", "400", "0"]
    assert rows["answer_text"] == ["2", "0.0", "-", "-", "-", "-", "-", "2"]
