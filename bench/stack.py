"""Load, latency, CPU and memory benchmark of the whole stack: `make bench`.

It starts the real stack against the fake Bot API server of the tests, in a temporary
folder, and runs phases of --duration seconds of simulated candidates (bench/candidates.py),
every one waiting for its reply:

  telegram x1          one candidate through Telegram (the single stack: SQLite, one Rasa
                       server, one action server, the channel)
  telegram xN          N candidates at once through Telegram (target: p95 <= 1 s, no errors)
  rest x1, rest xN     the same straight to Rasa's REST channel: the floor the channel adds to
  telegram-scaled xN   N candidates through Telegram on the scaled stack (`make run-scaled`:
                       PostgreSQL, Redis, 2 Rasa servers, 2 action workers; target: 1.5x the
                       single stack's answers per second at the same p95 bound)

Each phase reports, overall and per message kind: answered messages per second, Telegram
messages sent per answered message, latency p50/p95/p99/max, errors; the CPU milliseconds the
stack's processes used per answered message (from their CPU times before and after the phase,
child processes included) and each process's resident memory at the end of the phase. The
figures also go to results/bench/stack.json as {"phases": [...]}, one object per phase with
`path`, `candidates`, `answered_per_s`, `telegram_messages_per_answer`, `p50_ms`, `p95_ms`,
`p99_ms`, `errors`, `cpu_ms_per_answer` and `rss_mb` (process name -> MB).

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
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench.candidates import KINDS, RestTransport, Script, TelegramTransport, Turn, converse, faq_questions
from testkit.live_stack import LiveStack
from tools.stack import Scale, Service

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "results" / "bench" / "stack.json"
TRAINING_TIME = ROOT / "models" / "training-seconds.txt"
CHANNEL_ENV = {"TELEGRAM_MAX_MESSAGES_PER_S": "0", "TELEGRAM_USER_RATE_PER_MINUTE": "0"}
SCALE = Scale(rasa_servers=2, action_workers=2)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(turns: list[Turn], duration_s: float) -> dict[str, Any]:
    """Latency percentiles (ms), throughput and errors of a list of turns."""
    answered = [t for t in turns if t.latency_s is not None and t.error is None]
    timed = [t.latency_s * 1000 for t in answered if t.latency_s is not None]
    figures: dict[str, Any] = {
        "messages": len(turns), "answered_per_s": round(len(answered) / duration_s, 1),
        "errors": len(turns) - len(answered),
        "telegram_messages_per_answer": round(sum(t.messages for t in answered) / len(answered), 2) if answered else None,
    }
    if timed:
        figures.update({"p50_ms": round(percentile(timed, 0.5)), "p95_ms": round(percentile(timed, 0.95)),
                        "p99_ms": round(percentile(timed, 0.99)), "max_ms": round(max(timed)),
                        "mean_ms": round(statistics.mean(timed))})
    error_kinds = sorted({t.error for t in turns if t.error})
    if error_kinds:
        figures["error_kinds"] = error_kinds
    return figures


def process_tree(service: Service) -> list[psutil.Process]:
    """The service's process and its children (the action server's workers); for PostgreSQL
    also the server pgserver started on its own (`pg_ctl` detaches it), found by its folder."""
    if service.process is None:
        return []
    try:
        root = psutil.Process(service.process.pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []
    if service.argv[1:4] == ["-m", "tools.servers", "postgres"]:
        folder = service.argv[-1]
        for process in psutil.process_iter(["name", "cmdline"]):
            if process.info["name"] == "postgres" and folder in " ".join(process.info["cmdline"] or []):
                processes += [process, *process.children(recursive=True)]
    return processes


def per_service(services: list[Service], measure: Callable[[psutil.Process], float]) -> dict[str, float]:
    """`measure` summed over each service's processes (those gone meanwhile count nothing)."""
    totals: dict[str, float] = {}
    for service in services:
        total = 0.0
        for process in process_tree(service):
            try:
                total += measure(process)
            except psutil.NoSuchProcess:
                continue
        totals[service.name] = total
    return totals


def cpu_seconds(services: list[Service]) -> dict[str, float]:
    """User and system CPU seconds each service's processes used so far."""
    return per_service(services, lambda p: sum(p.cpu_times()[:2]))  # user + system


def rss_mb(services: list[Service]) -> dict[str, float]:
    """Each service's resident memory now (its processes together), in MB, and the total."""
    memory = {name: round(rss / 2**20, 1)
              for name, rss in per_service(services, lambda p: p.memory_info().rss).items()}
    memory["total"] = round(sum(memory.values()), 1)
    return memory


async def phase(path: str, transports: list[Any], live: LiveStack, duration_s: float, seed: int) -> dict[str, Any]:
    """One phase: the candidates' conversations for `duration_s`, and what the stack used."""
    faqs = faq_questions()
    turns: list[Turn] = []
    until = time.monotonic() + duration_s
    cpu_before = cpu_seconds(live.services)
    started = time.monotonic()
    await asyncio.gather(*(converse(t, Script(random.Random(seed + i), faqs), until, turns)
                           for i, t in enumerate(transports)))
    elapsed = time.monotonic() - started
    cpu_used = {name: seconds - cpu_before.get(name, 0.0) for name, seconds in cpu_seconds(live.services).items()}
    overall = summary(turns, elapsed)
    answered = overall["messages"] - overall["errors"]
    result = {
        "path": path, "candidates": len(transports), "seconds": round(elapsed, 1),
        **{k: overall.get(k) for k in ("answered_per_s", "telegram_messages_per_answer", "p50_ms", "p95_ms",
                                       "p99_ms", "errors")},
        "cpu_ms_per_answer": round(1000 * sum(cpu_used.values()) / answered, 1) if answered else None,
        "cpu_ms_per_answer_by_process": {name: round(1000 * s / answered, 1) if answered else None
                                         for name, s in cpu_used.items()},
        "rss_mb": rss_mb(live.services),
        "overall": overall,
        "by_kind": {k: summary([t for t in turns if t.kind == k], elapsed) for k in KINDS},
    }
    if not path.startswith("telegram"):
        result["telegram_messages_per_answer"] = None  # REST replies are Rasa's messages, not Telegram's
    print_phase(result)
    return result


def print_phase(result: dict[str, Any]) -> None:
    print(f"\n{result['path']} x{result['candidates']}: {result['seconds']} s; CPU {result['cpu_ms_per_answer']} ms "
          f"per answered message ({', '.join(f'{n} {v}' for n, v in result['cpu_ms_per_answer_by_process'].items())})")
    print(f"  {'kind':12} {'msgs':>6} {'ans/s':>6} {'tg/ans':>6} {'p50':>6} {'p95':>6} {'p99':>6} {'max':>6} {'errors':>6}")
    for kind, f in [("overall", result["overall"]), *result["by_kind"].items()]:
        if f["messages"]:
            # "-" where nothing was answered (no latency, no messages per answer) and for REST
            per_answer = f["telegram_messages_per_answer"] if result["telegram_messages_per_answer"] is not None else None
            cells = [per_answer, *(f.get(k) for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms"))]
            print(f"  {kind:12} {f['messages']:>6} {f['answered_per_s']:>6} "
                  + " ".join(f"{'-' if v is None else v:>6}" for v in cells) + f" {f['errors']:>6}")
    if result["overall"].get("error_kinds"):
        print(f"  errors: {', '.join(result['overall']['error_kinds'])}")
    print(f"  memory (RSS, MB): {', '.join(f'{n} {mb:,.0f}' for n, mb in result['rss_mb'].items())}")


async def single_stack(candidates: int, duration_s: float, seed: int) -> tuple[float, list[dict[str, Any]]]:
    """The cold start and the phases of the single stack."""
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        started = time.monotonic()
        async with LiveStack.running(Path(folder), tag="bench", channel_env=CHANNEL_ENV) as live:
            reply, turn = await TelegramTransport(live.telegram, 0).send("faq", "hello", None)
            cold_start_s = (turn.sent_at + (turn.latency_s or 0)) - started
            print(f"Stack up; first answer {cold_start_s:.1f} s after starting the processes.")
            phases = [await phase("telegram", [TelegramTransport(live.telegram, 1)], live, duration_s, seed)]
            phases.append(await phase("telegram", [TelegramTransport(live.telegram, 100 + i) for i in range(candidates)],
                                      live, duration_s, seed))
            async with httpx.AsyncClient(base_url=live.rasa_url, headers=live.rest_headers,
                                         limits=httpx.Limits(max_connections=candidates + 10)) as client:
                phases.append(await phase("rest", [RestTransport(client, "rest-1")], live, duration_s, seed))
                phases.append(await phase("rest", [RestTransport(client, f"rest-{100 + i}") for i in range(candidates)],
                                          live, duration_s, seed))
    return round(cold_start_s, 1), phases


async def scaled_stack(candidates: int, duration_s: float, seed: int) -> dict[str, Any]:
    """The phase of the scaled stack."""
    with tempfile.TemporaryDirectory(prefix="bench-scaled-") as folder:
        async with LiveStack.running(Path(folder), tag="bench-scaled", channel_env=CHANNEL_ENV, scale=SCALE) as live:
            await TelegramTransport(live.telegram, 0).send("faq", "hello", None)
            return await phase("telegram-scaled", [TelegramTransport(live.telegram, 100 + i) for i in range(candidates)],
                               live, duration_s, seed)


def overhead(phases: list[dict[str, Any]]) -> dict[str, float]:
    """Telegram path over REST floor, at 1 and at N candidates (p50 and p95 ratios)."""
    ratios = {}
    for telegram, rest in [(phases[0], phases[2]), (phases[1], phases[3])]:
        for q in ("p50_ms", "p95_ms"):
            if rest.get(q) and telegram.get(q):
                ratios[f"telegram / rest x{telegram['candidates']} {q[:3]}"] = round(telegram[q] / rest[q], 2)
    return ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candidates", type=int, default=int(os.environ.get("BENCH_CANDIDATES", "50")))
    parser.add_argument("--duration", type=float, default=float(os.environ.get("BENCH_DURATION_S", "30")),
                        help="seconds per phase")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--single-only", action="store_true", help="skip the scaled stack")
    parser.add_argument("--out", type=Path, default=OUTPUT)
    args = parser.parse_args()
    cold_start_s, phases = asyncio.run(single_stack(args.candidates, args.duration, args.seed))
    if not args.single_only:
        phases.append(asyncio.run(scaled_stack(args.candidates, args.duration, args.seed)))
    result: dict[str, Any] = {"phases": phases, "cold_start_s": cold_start_s, "channel_overhead": overhead(phases)}
    if len(phases) > 4 and phases[1]["answered_per_s"]:
        result["scaled_over_single"] = round(phases[4]["answered_per_s"] / phases[1]["answered_per_s"], 2)
    result["training_s"] = float(TRAINING_TIME.read_text()) if TRAINING_TIME.exists() else None
    result["machine"] = {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine(),
                         "python": platform.python_version(), "date": time.strftime("%Y-%m-%d")}
    print("\nChannel overhead (Telegram path / REST floor):")
    for name, ratio in result["channel_overhead"].items():
        print(f"  {name}: {ratio}")
    if "scaled_over_single" in result:
        print(f"Scaled stack / single stack, answered messages per second at {args.candidates}: "
              f"{result['scaled_over_single']}")
    print(f"\nCold start (processes started to first answer): {result['cold_start_s']} s")
    training = f"{result['training_s']:.0f} s" if result["training_s"] else "not recorded (model trained before timing)"
    print(f"Training time (last `make` training): {training}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(f"\nFigures written to {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")


if __name__ == "__main__":
    main()
