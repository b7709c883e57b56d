"""The authors' report of rating disagreements, from a records database."""
from __future__ import annotations

import json
from datetime import datetime

from coach.practice.history import Review
from coach.storage.records import Records
from tools.ratings_report import main


def test_the_report_lists_rerated_questions_as_a_table_and_as_json(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    records = Records.from_url(url)
    for sender, (suggested, chosen) in {"a": (2, 3), "b": (2, 2)}.items():
        drill = records.start_drill(sender, "statistics", ["statistics.q"], "s")
        review = Review("statistics.q", "statistics", {}, datetime(2026, 12, 1))
        records.record_attempt(drill, "m", question_id="statistics.q", skill="statistics", outcome="answered",
                               answer_text="x", score=40, review=review, rating=suggested)
        if chosen != suggested:
            records.change_rating(sender, "m", chosen, review)
    records.engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    assert main([]) == 0
    table = capsys.readouterr().out
    assert "2 rated reviews, 1 with the suggested rating changed" in table and "statistics.q" in table
    assert main(["--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report == {"reviews": 2, "questions": [
        {"question_id": "statistics.q", "rated": 2, "changed": 1, "mean_shift": 0.5}]}
