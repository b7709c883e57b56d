"""`make bench-faults`: the fault, ordering and bad-input runs of testkit/faults.py on the
whole stack, with 10 candidates for a minute and more; exits 1 on any problem. With
--scaled, on the scaled stack (one of its Rasa servers killed while the other goes on)."""
from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from testkit.faults import FAULT_RUN_CHANNEL, FAULT_RUN_SETTINGS, Log, bad_input_run, fault_run, ordering_run
from testkit.live_stack import LiveStack
from tools.stack import Scale

TRANSCRIPTS = Path("var/log")  # where the exchanges of candidates with problems are written


async def run(candidates: int, duration_s: float, seed: int, log: Log, scale: Scale | None) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="bench-faults-") as folder:
        async with LiveStack.running(Path(folder), tag="faults", channel_env=FAULT_RUN_CHANNEL, scale=scale,
                                     settings=FAULT_RUN_SETTINGS) as live:
            problems = await fault_run(live, candidates, duration_s, seed, log, transcripts=TRANSCRIPTS)
            problems += await ordering_run(live, log)
            problems += await bad_input_run(live, log)
    return problems


def report(problems: list[str]) -> int:
    print("\nNothing lost, doubled or unanswered." if not problems else "\nProblems:\n  " + "\n  ".join(problems))
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candidates", type=int, default=10)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of drills under faults")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scaled", action="store_true",
                        help="on the scaled stack (PostgreSQL, Redis, 2 Rasa servers, 2 action workers)")
    args = parser.parse_args()
    started = time.monotonic()

    def log(line: str) -> None:
        print(f"[{time.monotonic() - started:6.1f} s] {line}", flush=True)

    return report(asyncio.run(run(args.candidates, args.duration, args.seed, log, Scale() if args.scaled else None)))


if __name__ == "__main__":
    sys.exit(main())
