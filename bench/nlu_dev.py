"""The trained model on the development set: the figures settings are chosen by.

`make bench-nlu-dev` runs it on models/mle-assistant.tar.gz (or `--model`); the set,
bench/data/nlu_dev.yml, was written like the held-out one (by a helper who never saw
data/nlu) but is the one to tune on, so the held-out figures of `make test` stay a fair
prediction. Judged as testkit/nlu_sets.py says; figures in results/bench/nlu_dev.json.
`--set` measures another set of the same format (a held-out one, to report its figures).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import time
from pathlib import Path

from testkit import nlu_sets

ROOT = Path(__file__).resolve().parent.parent
DEV_SET = ROOT / "bench" / "data" / "nlu_dev.yml"
MODEL = ROOT / "models" / "mle-assistant.tar.gz"
RESULTS = ROOT / "results" / "bench" / "nlu_dev.json"


async def measure(model: Path, nlu_set: Path, misses: bool) -> dict[str, object]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    measured = nlu_sets.load(nlu_set)
    faq = await nlu_sets.faq_score(agent, measured)
    drill = await nlu_sets.drill_score(agent, measured)
    oos = await nlu_sets.out_of_scope_score(agent, measured)
    for title, score in (("FAQ answered right straight away", faq), ("drill request, right skill", drill),
                         ("out of scope kept out", oos)):
        print(score.report(title) if misses else score.report(title).splitlines()[0])
    print(f"FAQ answered with a wrong topic: {len(faq.wrong) / faq.total:.3f} ({len(faq.wrong)}/{faq.total})")
    return {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "model": str(model),
        "set": str(nlu_set),
        "faq_right": round(faq.accuracy, 3), "faq_wrong": round(len(faq.wrong) / faq.total, 3), "faq_n": faq.total,
        "drill_right": round(drill.accuracy, 3), "drill_n": drill.total,
        "out_of_scope_right": round(oos.accuracy, 3), "out_of_scope_n": oos.total,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument("--set", type=Path, default=DEV_SET, help="another set of the same format")
    parser.add_argument("--misses", action="store_true", help="list every message judged wrong")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    report = asyncio.run(measure(args.model, args.set, args.misses))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
