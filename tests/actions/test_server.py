"""The action server process runs the actions without TensorFlow loaded (actions/server.py)."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_actions_grade_answers_in_a_process_where_tensorflow_cannot_be_imported():
    script = textwrap.dedent("""
        import sys
        from actions.server import without_tensorflow
        without_tensorflow()
        import actions.drill  # the drill actions and, through them, the grader and spaCy
        import spacy, thinc.compat
        from coach.content.question_bank import OpenQuestion, question_bank
        from coach.grading.scoring import score_answer
        question = next(q for q in question_bank().questions.values() if isinstance(q, OpenQuestion))
        result = score_answer(question, question.model_answer)
        loaded = [m for m in sys.modules if m.split(".")[0] == "tensorflow" and sys.modules[m] is not None]
        print(result.score, thinc.compat.has_tensorflow, loaded)
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    score, has_tensorflow, loaded = done.stdout.split(" ", 2)
    assert int(score) >= 70
    assert (has_tensorflow, loaded.strip()) == ("False", "[]")
