"""NLU benchmark: 5-fold cross-validation and the training time of the full model.

`make bench-nlu` runs it. Rasa's cross-validation trains the configured pipeline on four
fifths of data/nlu and tests on the rest, five times; this prints Rasa's per-intent and
per-FAQ-topic reports as a table (precision, recall, F1, support, what it is confused
with) and the overall figures, then times one full training as `make` does it. Reports
are kept in results/bench-nlu/.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from coach.content.faq import ANSWER_CONFIDENCE

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "results" / "bench-nlu"
# Rasa's CLI as `make` runs it for training: without the training cache (tools/rasa_cli.py).
RASA = [sys.executable, "-m", "tools.rasa_cli"]
# Rasa's test scores the FAQ topic of every FAQ example, so cross-validation runs the plain
# ResponseSelector, which the configured one trains exactly like (rasa_plugins/faq_selector.py).
SELECTOR = "rasa_plugins.faq_selector.FaqOnlyResponseSelector"


def run(argv: list[str]) -> float:
    """Run a Rasa command quietly (output to a log in OUT) and return its wall time."""
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with (OUT / "rasa.log").open("a") as log:
        subprocess.run(argv, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, check=True)
    return time.monotonic() - started


def crossval_config(directory: Path) -> Path:
    """config.yml with the plain ResponseSelector, written into `directory`."""
    config = (ROOT / "config.yml").read_text(encoding="utf-8")
    if f"name: {SELECTOR}\n" not in config:
        raise SystemExit(f"config.yml has no {SELECTOR}: update bench/nlu_crossval.py")
    path = directory / "config.yml"
    path.write_text(config.replace(f"name: {SELECTOR}\n", "name: ResponseSelector\n"), encoding="utf-8")
    return path


def table(title: str, report: dict) -> list[str]:
    """One row per label, worst F1 first, then the averages."""
    rows = [(k, v) for k, v in report.items() if isinstance(v, dict) and "support" in v
            and not k.endswith(" avg")]
    rows.sort(key=lambda kv: (kv[1]["f1-score"], kv[0]))
    lines = [f"\n{title}", f"{'label':<44} {'prec':>5} {'rec':>5} {'F1':>5} {'n':>4}  confused with"]
    for label, scores in rows:
        confused = ", ".join(f"{k} ({n})" for k, n in
                             sorted((scores.get("confused_with") or {}).items(),
                                    key=lambda kv: -kv[1])[:2])
        lines.append(f"{label:<44} {scores['precision']:>5.2f} {scores['recall']:>5.2f} "
                     f"{scores['f1-score']:>5.2f} {scores['support']:>4}  {confused}")
    for avg in ("macro avg", "weighted avg"):
        if avg in report:
            s = report[avg]
            lines.append(f"{avg:<44} {s['precision']:>5.2f} {s['recall']:>5.2f} "
                         f"{s['f1-score']:>5.2f} {s['support']:>4}")
    if "accuracy" in report:
        lines.append(f"{'accuracy':<44} {report['accuracy']:>5.3f}")
    return lines


def threshold_table(predictions: list[tuple[float, bool]]) -> list[str]:
    """For FAQ answer thresholds: how many FAQ messages get an answer, how many wrongly.

    This is how ANSWER_CONFIDENCE in coach/content/faq.py is chosen: answering below it costs
    more wrong answers than it saves clarifying questions.
    """
    lines = ["\nFAQ answer threshold (cross-validated ResponseSelector confidence)",
             f"{'threshold':>9} {'answered':>9} {'wrong among answered':>21}"]
    for threshold in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        answered = [ok for conf, ok in predictions if conf >= threshold]
        wrong = answered.count(False)
        mark = "  <- configured" if abs(threshold - ANSWER_CONFIDENCE) < 1e-9 else ""
        lines.append(f"{threshold:>9.1f} {len(answered) / len(predictions):>9.1%} "
                     f"{wrong / max(len(answered), 1):>21.1%}{mark}")
    return lines


def selection_predictions() -> list[tuple[float, bool]]:
    """(confidence, correct) of every cross-validated ResponseSelector prediction."""
    predictions = []
    for name, correct in (("response_selection_successes.json", True),
                          ("response_selection_errors.json", False)):
        path = OUT / name
        if path.exists():
            predictions += [(item["intent_response_key_prediction"]["confidence"], correct)
                            for item in json.loads(path.read_text())]
    return predictions


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--skip-training-time", action="store_true",
                        help="only cross-validate, do not time a full training")
    args = parser.parse_args()

    print(f"Cross-validating the NLU with {args.folds} folds "
          f"(machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}) ...",
          flush=True)
    with tempfile.TemporaryDirectory() as directory:
        cv_seconds = run([*RASA, "test", "nlu", "--nlu", "data", "--config", str(crossval_config(Path(directory))),
                          "--cross-validation", "--folds", str(args.folds), "--out", str(OUT),
                          "--no-plot", "--successes"])
    intents = json.loads((OUT / "intent_report.json").read_text())
    lines = table("Intents (DIETClassifier + FallbackClassifier)", intents)
    selection = OUT / "response_selection_report.json"
    if selection.exists():
        lines += table("FAQ topics (ResponseSelector)", json.loads(selection.read_text()))
        lines += threshold_table(selection_predictions())
    print("\n".join(lines))
    print(f"\nCross-validation wall time: {cv_seconds:.0f} s for {args.folds} folds")

    if not args.skip_training_time:
        with tempfile.TemporaryDirectory() as out:
            seconds = run([*RASA, "train", "--force", "--out", out])
        print(f"Full training time (NLU + dialogue): {seconds:.0f} s "
              f"({seconds / 60:.1f} min) on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
