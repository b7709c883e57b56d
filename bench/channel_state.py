"""What saving the Telegram channel's memory costs per turn, by the number of users it holds.

After each turn python-telegram-bot deep-copies the turn's user's state and hands it to the
persistence (bot/state_store.py), which writes that user's row. This times exactly that for
users at their caps (bot/state.py: 100 message keys, 8 keyboards, 8 quiz polls each), with
1,000 to 100,000 users in the file; and how long the channel takes to load them all at
start, and the memory they then hold. `make bench-channel-state`; figures also in results/bench/channel_state.json.
"""
from __future__ import annotations

import argparse
import asyncio
import copy
import gc
import json
import os
import platform
import random
import statistics
import tempfile
import time
from pathlib import Path

import psutil

from bot.state import KEYBOARDS_PER_SENDER, POLLS_PER_USER, SEEN_PER_SENDER, SentQuiz, UserState
from bot.state_store import StateStore

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "results" / "bench" / "channel_state.json"
TURNS = 300  # turns timed per size, each by a user drawn at random


def full_state(user_id: int) -> UserState:
    """A user who has used the bot a lot: every capped table full."""
    sender, state = str(user_id), UserState()
    for n in range(SEEN_PER_SENDER):
        state.mark_seen(sender, f"msg:{user_id}:{n}")
    for n in range(KEYBOARDS_PER_SENDER):
        state.remember_keyboard(sender, 1000 + n, state.next_turn(sender), ["A", "B", "C", "Skip", "/show_progress"])
    for n in range(POLLS_PER_USER):
        state.remember_poll(f"{user_id}-{n}", SentQuiz(sender, user_id, "private", state.turn(sender),
                                                       f"statistics.q{n}", ("A", "B", "C", "D"), user_id, 2000 + n))
    return state


def turn(state: UserState, user_id: int) -> None:
    """What one relayed message changes."""
    sender = str(user_id)
    number = state.next_turn(sender)
    state.mark_seen(sender, f"msg:{user_id}:{10_000 + number}")
    state.remember_keyboard(sender, 5000 + number, number, ["A", "B", "C", "Skip"])


async def measure(users: int, folder: Path) -> dict[str, float | int]:
    path = folder / f"state-{users}.db"
    store = StateStore(path)
    template = full_state(0)
    for user_id in range(1, users + 1):
        state = copy.deepcopy(template)
        state.turns = {str(user_id): state.turns["0"]}
        await store.update_user_data(user_id, state)
    await store.flush()

    store = StateStore(path)
    gc.collect()
    rss_before, started = psutil.Process().memory_info().rss, time.perf_counter()
    states = await store.get_user_data()
    load_s = time.perf_counter() - started
    gc.collect()
    held_mb = (psutil.Process().memory_info().rss - rss_before) / 1e6
    pick = random.Random(users)
    saves = []
    for _ in range(TURNS):
        user_id = pick.randint(1, users)
        turn(states[user_id], user_id)
        started = time.perf_counter()
        await store.update_user_data(user_id, copy.deepcopy(states[user_id]))  # as Application.update_persistence
        saves.append((time.perf_counter() - started) * 1000)
    await store.flush()
    saves.sort()
    return {
        "users": users,
        "save_per_turn_ms_p50": round(statistics.median(saves), 3),
        "save_per_turn_ms_p95": round(saves[int(0.95 * len(saves)) - 1], 3),
        "load_at_start_s": round(load_s, 2),
        "memory_mb": round(held_mb, 1),
        "file_mb": round(path.stat().st_size / 1e6, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        sizes = [asyncio.run(measure(users, Path(folder))) for users in args.users]
    for size in sizes:
        print(f"{size['users']:>7,} users: a turn's save {size['save_per_turn_ms_p50']:.2f} ms "
              f"(p95 {size['save_per_turn_ms_p95']:.2f}), all loaded at start in {size['load_at_start_s']:.1f} s, "
              f"held in {size['memory_mb']} MB of memory, file {size['file_mb']} MB")
    report = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "sizes": sizes,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
