"""Load, latency and memory benchmark of the whole stack: `make bench`.

It starts the real stack (action server, Rasa server, Telegram channel) against the fake Bot
API server of the tests, in a temporary folder, and runs these phases, each for --duration
seconds of simulated candidates (bench/candidates.py), every one waiting for its reply:

  telegram x1    one candidate through Telegram (the latency target: p95 < 150 ms)
  telegram xN    N candidates at once through Telegram (target: >= 30 msg/s, p95 < 1 s)
  rest x1, xN    the same through Rasa's REST channel directly: the floor, to show what
                 the Telegram channel adds

It prints per message kind and overall: latency p50/p95/p99/max, messages per second (the
candidates' messages answered, and the bot's messages sent), errors; then each process's
peak memory (RSS), the cold start (processes started to first answer) and the training time
recorded by `make`. The figures also go to results/bench/stack.json.

The channel runs without its own 30-messages-per-second sending limit here
(TELEGRAM_MAX_MESSAGES_PER_S=0): that limit is Telegram's, and this measures the assistant.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.candidates import KINDS, RestTransport, Script, TelegramTransport, Turn, converse, faq_questions
from testkit.live_stack import LiveStack

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "results" / "bench" / "stack.json"
TRAINING_TIME = ROOT / "models" / "training-seconds.txt"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(turns: list[Turn], duration_s: float) -> dict[str, Any]:
    """Latency percentiles (ms), throughput and errors of a list of turns."""
    timed = [t.latency_s * 1000 for t in turns if t.latency_s is not None and t.error is None]
    figures: dict[str, Any] = {"messages": len(turns), "errors": sum(t.error is not None for t in turns),
                               "per_s": round(len(turns) / duration_s, 1),
                               "replies_per_s": round(sum(t.messages for t in turns) / duration_s, 1)}
    if timed:
        figures.update({"p50_ms": round(percentile(timed, 0.5)), "p95_ms": round(percentile(timed, 0.95)),
                        "p99_ms": round(percentile(timed, 0.99)), "max_ms": round(max(timed)),
                        "mean_ms": round(statistics.mean(timed))})
    error_kinds = sorted({t.error for t in turns if t.error})
    if error_kinds:
        figures["error_kinds"] = error_kinds
    return figures


async def phase(name: str, transports: list[Any], duration_s: float, seed: int) -> dict[str, Any]:
    faqs = faq_questions()
    turns: list[Turn] = []
    until = time.monotonic() + duration_s
    started = time.monotonic()
    await asyncio.gather(*(converse(t, Script(random.Random(seed + i), faqs), until, turns)
                           for i, t in enumerate(transports)))
    elapsed = time.monotonic() - started
    result = {"phase": name, "candidates": len(transports), "seconds": round(elapsed, 1),
              "overall": summary(turns, elapsed),
              "by_kind": {k: summary([t for t in turns if t.kind == k], elapsed) for k in KINDS}}
    print_phase(result)
    return result


def print_phase(result: dict[str, Any]) -> None:
    print(f"\n{result['phase']}: {result['candidates']} candidate(s), {result['seconds']} s")
    print(f"  {'kind':12} {'msgs':>6} {'msg/s':>6} {'out/s':>6} {'p50':>6} {'p95':>6} {'p99':>6} {'max':>6} {'errors':>6}")
    for kind, f in [("overall", result["overall"]), *result["by_kind"].items()]:
        if f["messages"]:
            print(f"  {kind:12} {f['messages']:>6} {f['per_s']:>6} {f['replies_per_s']:>6} {f.get('p50_ms', '-'):>6} "
                  f"{f.get('p95_ms', '-'):>6} {f.get('p99_ms', '-'):>6} {f.get('max_ms', '-'):>6} {f['errors']:>6}")
    if result["overall"].get("error_kinds"):
        print(f"  errors: {', '.join(result['overall']['error_kinds'])}")


def peak_rss_mb(pid: int) -> float | None:
    """The process's peak resident memory (VmHWM), in MB."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    line = next((ln for ln in status.splitlines() if ln.startswith("VmHWM:")), None)
    return round(int(line.split()[1]) / 1024, 1) if line else None


async def run(candidates: int, duration_s: float, seed: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        started = time.monotonic()
        async with LiveStack.running(Path(folder), tag="bench",
                                     channel_env={"TELEGRAM_MAX_MESSAGES_PER_S": "0",
                                                  "TELEGRAM_USER_RATE_PER_MINUTE": "0"}) as live:
            first = TelegramTransport(live.telegram, 0)
            reply, turn = await first.send("faq", "hello", None)
            cold_start_s = (turn.sent_at + (turn.latency_s or 0)) - started
            print(f"Stack up; first answer {cold_start_s:.1f} s after starting the processes.")
            phases = [await phase("telegram x1", [TelegramTransport(live.telegram, 1)], duration_s, seed)]
            phases.append(await phase(
                f"telegram x{candidates}", [TelegramTransport(live.telegram, 100 + i) for i in range(candidates)],
                duration_s, seed))
            async with httpx.AsyncClient(base_url=live.rasa_url, headers=live.rest_headers,
                                         limits=httpx.Limits(max_connections=candidates + 10)) as client:
                phases.append(await phase("rest x1", [RestTransport(client, "rest-1")], duration_s, seed))
                phases.append(await phase(
                    f"rest x{candidates}", [RestTransport(client, f"rest-{100 + i}") for i in range(candidates)],
                    duration_s, seed))
            memory = {s.name.removesuffix("-bench"): peak_rss_mb(s.process.pid) for s in live.services if s.process}
    memory["bench (fake Telegram and candidates)"] = peak_rss_mb(os.getpid())
    return {"cold_start_s": round(cold_start_s, 1), "phases": phases, "peak_rss_mb": memory}


def overhead(phases: list[dict[str, Any]]) -> dict[str, float]:
    """Telegram path over REST floor, at 1 and at N candidates (p50 and p95 ratios)."""
    by_name = {p["phase"]: p["overall"] for p in phases}
    ratios = {}
    for telegram, rest in [(phases[0]["phase"], phases[2]["phase"]), (phases[1]["phase"], phases[3]["phase"])]:
        for q in ("p50_ms", "p95_ms"):
            if by_name[rest].get(q):
                ratios[f"{telegram} / {rest} {q[:3]}"] = round(by_name[telegram][q] / by_name[rest][q], 2)
    return ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candidates", type=int, default=int(os.environ.get("BENCH_CANDIDATES", "50")))
    parser.add_argument("--duration", type=float, default=float(os.environ.get("BENCH_DURATION_S", "30")),
                        help="seconds per phase")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=OUTPUT)
    args = parser.parse_args()
    result = asyncio.run(run(args.candidates, args.duration, args.seed))
    result["channel_overhead"] = overhead(result["phases"])
    result["training_s"] = float(TRAINING_TIME.read_text()) if TRAINING_TIME.exists() else None
    result["machine"] = {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine(),
                         "python": platform.python_version(), "date": time.strftime("%Y-%m-%d")}
    print("\nChannel overhead (Telegram path / REST floor):")
    for name, ratio in result["channel_overhead"].items():
        print(f"  {name}: {ratio}")
    print("\nPeak memory (RSS, MB):")
    for name, mb in result["peak_rss_mb"].items():
        print(f"  {name:40} {mb}")
    print(f"\nCold start (processes started to first answer): {result['cold_start_s']} s")
    training = f"{result['training_s']:.0f} s" if result["training_s"] else "not recorded (model trained before timing)"
    print(f"Training time (last `make` training): {training}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(f"\nFigures written to {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")


if __name__ == "__main__":
    main()
