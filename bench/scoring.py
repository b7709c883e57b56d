"""Scoring benchmark: how fair the scorer is, how fast, and what its word vectors cost.

`make bench-scoring` runs it and prints, then writes results/bench/scoring.json:
- calibration: the answers in content/calibration/ (the development data the thresholds
  were tuned on, so an optimistic figure);
- held-out: bench/data/scoring_heldout.jsonl, answers to 62 bank questions written by a
  helper who never saw the rubrics, model answers or calibration answers, scored with the
  rubrics and again in reference-only mode (prompt and model answer only);
- held-out, new questions: bench/data/scoring_heldout_new_questions.jsonl, the same for the
  116 open questions added on 2026-11-30 and 2026-12-01 (written by other helpers, from the
  prompts only, after those rubrics were tuned on the calibration answers);
- data-science-interviews (when ../shared/datasets is present): the collection's answers
  that answer a bank question (positives, scored on that question) and answers to
  unrelated questions (negatives), with AUC and mean scores;
- latency per answer (p50, p95, max) on one core, and the memory the word vectors add (the
  pipeline loaded in a fresh process with and without them).
"""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import yaml

from coach.content.catalogue import ROOT
from coach.grading.calibration import auc, calibration, figures, question_for
from coach.grading.scoring import score_answer

HELDOUT = ROOT / "bench" / "data" / "scoring_heldout.jsonl"
HELDOUT_NEW = ROOT / "bench" / "data" / "scoring_heldout_new_questions.jsonl"
DSI_DIR = ROOT.parent / "shared" / "datasets" / "data-science-interviews"
RESULTS = ROOT / "results" / "bench" / "scoring.json"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


# Resident memory now (Linux /proc; a child's peak RSS starts at its parent's, so not that).
_PIPELINE_RSS = """
import os, sys, spacy
def rss(): return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
spacy.blank("en")  # spaCy and what it imports, with or without vectors
before = rss()
nlp = spacy.load(sys.argv[1], exclude=["vectors"] if sys.argv[2] == "without" else [])
print(rss() - before)
"""


def pipeline_rss_mb(with_vectors: bool) -> float:
    """Memory that loading the project's pipeline adds to a fresh process using spaCy."""
    from coach.language.pipeline import PIPELINE_DIR

    result = subprocess.run(
        [sys.executable, "-c", _PIPELINE_RSS, str(PIPELINE_DIR), "with" if with_vectors else "without"],
        capture_output=True, text=True, check=True,
    )
    return float(result.stdout.strip().splitlines()[-1])


def heldout(path: Path = HELDOUT) -> list[tuple[str, str, str]]:
    """(question id, label, answer) of a held-out file."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(row["question"], row["label"], row["answer"]) for row in rows]


def score_set(items: Iterable[tuple[str, str, str]], reference_only: bool = False,
              timings: list[float] | None = None) -> list[tuple[str, str, float]]:
    """(question id, label, answer) -> (question id, label, score)."""
    scored = []
    for question_id, label, text in items:
        question = question_for(question_id, reference_only)
        start = time.perf_counter()
        score = score_answer(question, text).score
        if timings is not None:
            timings.append((time.perf_counter() - start) * 1000)
        scored.append((question_id, label, float(score)))
    return scored


def dsi() -> dict[str, float] | None:
    """Figures on the data-science-interviews answers, or None where ../shared is absent."""
    if not (DSI_DIR / "matches.yml").exists():
        return None
    pairs = json.loads((DSI_DIR / "theory_pairs.json").read_text(encoding="utf-8"))
    spec = yaml.safe_load((DSI_DIR / "matches.yml").read_text(encoding="utf-8"))
    matches = [(m["question"], m["pair"]) for m in spec["matches"]]
    related = {q: set(v) for q, v in (spec.get("related") or {}).items()}
    positives = [s for _, _, s in score_set((q, "correct", pairs[p]["answer"]) for q, p in matches)]
    matched_to = {q: {p for q2, p in matches if q2 == q} for q, _ in matches}
    negatives = [
        s for _, _, s in score_set(
            (q, "wrong", pairs[i]["answer"])
            for q in sorted(matched_to) for i in range(len(pairs))
            if i not in matched_to[q] and i not in related.get(q, set())
        )
    ]
    return {
        "positives": len(positives),
        "negatives": len(negatives),
        "mean_positive": round(sum(positives) / len(positives), 1),
        "share_positive_60": round(sum(s >= 60 for s in positives) / len(positives), 3),
        "mean_negative": round(sum(negatives) / len(negatives), 1),
        "auc": round(auc(positives, negatives), 3),
    }


def main() -> None:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}) if hasattr(os, "sched_setaffinity") else None
    from coach.grading.semantic import text_vectors

    vectors = text_vectors()  # loads the project's pipeline with its vectors
    timings: list[float] = []
    report: dict[str, object] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "calibration": figures(score_set(((a.question_id, a.label, a.text) for a in calibration()), timings=timings)).as_dict(),
    }
    items = heldout()
    report["heldout"] = figures(score_set(items, timings=timings)).as_dict()
    report["heldout_reference_only"] = figures(score_set(items, reference_only=True)).as_dict()
    report["heldout_new_questions"] = figures(score_set(heldout(HELDOUT_NEW), timings=timings)).as_dict()
    report["data_science_interviews"] = dsi()
    report["latency_ms"] = {
        "answers": len(timings),
        "p50": round(percentile(timings, 0.5), 2),
        "p95": round(percentile(timings, 0.95), 2),
        "max": round(max(timings), 2),
    }
    with_vectors = pipeline_rss_mb(with_vectors=True)
    report["vectors"] = {
        "words": int(vectors.matrix.shape[0]),
        "table_mb": round(vectors.matrix.nbytes / 2**20, 1),
        "pipeline_rss_mb": round(with_vectors, 1),
        "added_by_vectors_mb": round(with_vectors - pipeline_rss_mb(with_vectors=False), 1),
    }
    for name, value in report.items():
        print(f"{name}: {json.dumps(value)}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
