"""The questions whose scores candidates correct most, for content authors: after feedback a
candidate may change the rating the score suggested (Again, Hard, Good, Easy); a question
whose suggestions are often changed, and in which direction, points at a rubric to fix.

    python -m tools.ratings_report [--top N] [--json]     (make ratings-report)

Reads the records database of DATABASE_URL (coach.config); no candidate is named.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from coach.practice.ratings import disagreements
from coach.storage.records import Records, database_url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--top", type=int, default=20, help="how many questions to list (default 20)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    pairs = Records.from_url(database_url()).rating_pairs()
    found = disagreements(pairs, args.top)
    if args.json:
        print(json.dumps({"reviews": len(pairs), "questions": [asdict(d) for d in found]}, indent=2))
        return 0
    changed = sum(1 for _question, suggested, chosen in pairs if suggested != chosen)
    print(f"{len(pairs)} rated reviews, {changed} with the suggested rating changed by the candidate.")
    if not found:
        return 0
    print(f"\n{'question':<48} {'rated':>5} {'changed':>7} {'mean shift':>10}")
    for d in found:
        print(f"{d.question_id:<48} {d.rated:>5} {d.changed:>7} {d.mean_shift:>+10.2f}")
    print("\nmean shift: average steps from the suggestion (Again=1 ... Easy=4); positive means candidates rate\n"
          "themselves higher than their score did (the rubric may miss right answers), negative lower.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
