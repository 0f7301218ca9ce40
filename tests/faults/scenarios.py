"""The fault scenarios: load, a fault while it runs, then an account of every accepted article."""

from __future__ import annotations

import random
import signal
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import redis

from tests.e2e.crashhook import MARKER
from tests.factories import story_text
from tests.faults.stack import Account, Stack, pool_children, wait_until
from worker import flow

Fault = Callable[[Stack, threading.Event], None]


@dataclass
class Outcome:
    name: str
    account: Account
    passed: bool
    note: str = ""


def records(name: str, n: int) -> list[dict[str, Any]]:
    run = uuid.uuid4().hex[:8]
    return [
        {
            "url": f"https://faults.example/{name}/{run}/{i}",
            "source": "faults.example",
            "content": story_text(uuid.uuid4().hex),
            "content_type": "text/plain",
        }
        for i in range(n)
    ]


def run(stack: Stack, name: str, n: int, fault: Fault | None, settle_s: float = 240) -> tuple[Account, set[str]]:
    """Submit n articles, inject the fault while they are processed, wait, account.

    The fault starts once the producer is done: a database restarted under the producer is the
    producer's error to retry, not a loss to account for.
    """
    batch = records(name, n)
    stop = threading.Event()
    injector = threading.Thread(target=fault, args=(stack, stop), daemon=True) if fault else None
    ids = stack.submit(batch, name)
    if injector:
        injector.start()
    wait_until(lambda: stack.open_count(ids) == 0, settle_s)
    stop.set()
    if injector:
        injector.join(timeout=60)
    return stack.account(ids, {r["url"] for r in batch}), {r["url"] for r in batch}


def clean(name: str, account: Account, n: int, note: str = "") -> Outcome:
    """Every accepted article accounted for exactly once: stored, or quarantined with a reason
    (shown in the row); nothing lost, no duplicate row."""
    ok = account.lost == 0 and account.duplicate_rows == 0 and account.stored + account.quarantined == n
    return Outcome(name, account, ok, note)


def _every(seconds: float, action: Callable[[Stack], None]) -> Fault:
    def fault(stack: Stack, stop: threading.Event) -> None:
        while not stop.wait(seconds):
            action(stack)

    return fault


def _once(after_s: float, action: Callable[[Stack], None]) -> Fault:
    def fault(stack: Stack, stop: threading.Event) -> None:
        if not stop.wait(after_s):
            action(stack)

    return fault


def kill_child(stack: Stack) -> None:
    children = [child for worker in stack.live_workers() for child in pool_children(worker)]
    if children:
        random.choice(children).send_signal(signal.SIGKILL)


def kill_parent(stack: Stack) -> None:
    """A worker host dies: its parent and pool go at once; a replacement starts (as a supervisor would)."""
    live = stack.live_workers()
    if live:
        victim = random.choice(live)
        children = pool_children(victim)
        victim.send_signal(signal.SIGKILL)
        for child in children:
            child.send_signal(signal.SIGKILL)
        victim.wait()
        stack.start_worker(crash_hook=True)


def _shutdown(sig: int) -> Callable[[Stack], None]:
    def action(stack: Stack) -> None:
        live = stack.live_workers()
        if live:
            live[0].send_signal(sig)
            live[0].wait(timeout=60)
            stack.start_worker(crash_hook=True)

    return action


def half_open(stack: Stack) -> None:
    stack.proxy.freeze()
    time.sleep(12)
    stack.proxy.cut()


SCENARIOS: dict[str, tuple[Fault | None, str]] = {
    "baseline": (None, "no fault"),
    "kill pool child every 2 s": (_every(2, kill_child), ""),
    "kill worker parent every 3 s": (_every(3, kill_parent), "and its pool; a new worker starts"),
    "warm shutdown under load": (_once(2, _shutdown(signal.SIGTERM)), "SIGTERM, then a new worker"),
    "cold shutdown under load": (_once(2, _shutdown(signal.SIGQUIT)), "SIGQUIT, then a new worker"),
    "Redis restarted gracefully": (_once(2, lambda s: s.redis.restart()), "AOF on"),
    "Redis killed": (_once(2, lambda s: s.redis.restart(kill=True)), "SIGKILL, AOF everysec"),
    "PostgreSQL restart (fast)": (_once(2, lambda s: s.postgres.restart("fast")), ""),
    "PostgreSQL restart (immediate)": (_once(2, lambda s: s.postgres.restart("immediate")), ""),
    "connection held half-open": (_once(2, half_open), "proxy freezes 12 s, then cuts"),
}


def same_instant(stack: Stack, n: int) -> Outcome:
    """The same articles from two producers at the same moment: each stored once."""
    batch = records("same-instant", n)
    with ThreadPoolExecutor(2) as pool:
        id_lists = list(pool.map(lambda name: stack.submit(batch, name), ["twin-a", "twin-b"]))
    ids = id_lists[0] + id_lists[1]
    wait_until(lambda: stack.open_count(ids) == 0, 240)
    account = stack.account(ids, {r["url"] for r in batch})
    ok = account.lost == 0 and account.duplicate_rows == 0 and account.stored == n and account.duplicates == n
    return Outcome("same article twice at once", account, ok, "two producers, same records")


def crash_loop(stack: Stack, n: int) -> Outcome:
    """One article crashes its process every time: quarantined after a bounded number of tries."""
    batch = records("crash-loop", n)
    batch[0]["content"] += f"\n{MARKER} is in this paragraph, which kills the parser every time.\n"
    ids = stack.submit(batch, "crash-loop")
    wait_until(lambda: stack.open_count(ids) == 0, 240)
    account = stack.account(ids, {r["url"] for r in batch[1:]})
    ok = account.lost == 0 and account.quarantined == 1 and account.stored == n - 1
    return Outcome("task crashes its process", account, ok, "quarantined after 3 crashes")


def _once_queued(action: Callable[[Stack], None]) -> Fault:
    """The action once messages wait in Redis: a fixed delay could fall before the producer sent any."""

    def fault(stack: Stack, stop: threading.Event) -> None:
        client = redis.Redis.from_url(stack.redis.url)
        try:
            while not stop.wait(0.05):
                if sum(client.llen(queue) for queue in flow.QUEUES) > 0:
                    action(stack)
                    return
        finally:
            client.close()

    return fault


def loss_without_sweeper(stack: Stack, n: int) -> Outcome:
    """With the sweeper off and Redis without AOF, a Redis crash loses work: the suite must see it."""
    account, _ = run(stack, "no-sweeper", n, _once_queued(lambda s: s.redis.restart(kill=True)), settle_s=60)
    return Outcome("sweeper off, Redis killed", account, account.lost > 0, "loss must be detected")
