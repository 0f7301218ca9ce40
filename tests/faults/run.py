"""Run the fault-injection suite and print what happened to every accepted article.

python -m tests.faults.run            # short form: every scenario, 150 articles each
python -m tests.faults.run --long     # long form: 5,000 articles under combined faults
"""

from __future__ import annotations

import argparse
import random
import shutil
import signal
import sys
import tempfile
import threading
from pathlib import Path

from tests.faults import scenarios
from tests.faults.scenarios import Outcome, clean
from tests.faults.stack import Stack


def short(root: Path, n: int, names: list[str] | None) -> list[Outcome]:
    outcomes = []
    stack = Stack(root / "main")
    stack.start()
    try:
        for _ in range(2):
            stack.start_worker(crash_hook=True)
        for name, (fault, note) in scenarios.SCENARIOS.items():
            if names and name not in names:
                continue
            account, _ = scenarios.run(stack, name, n, fault)
            outcomes.append(clean(name, account, n, note))
            print(_row(outcomes[-1]), flush=True)
            while len(stack.live_workers()) < 2:
                stack.start_worker(crash_hook=True)
        if not names:
            for check in (scenarios.same_instant, scenarios.crash_loop):
                outcomes.append(check(stack, n))
                print(_row(outcomes[-1]), flush=True)
    finally:
        stack.stop()
    if not names:
        lossy = Stack(root / "lossy", sweeper=False, appendonly=False)
        lossy.start()
        try:
            lossy.start_worker()
            outcomes.append(scenarios.loss_without_sweeper(lossy, n * 4))
            print(_row(outcomes[-1]), flush=True)
        finally:
            lossy.stop()
    return outcomes


def long(root: Path, n: int) -> list[Outcome]:
    """n articles while a worker (parent or child) is SIGKILLed every 3 s, with one Redis restart,
    one Redis kill and one PostgreSQL restart along the way."""
    stack = Stack(root / "long")
    stack.start()
    try:
        for _ in range(2):
            stack.start_worker(concurrency=2, crash_hook=True)

        done: dict[str, int] = {"parent kills": 0, "child kills": 0}

        def faults(s: Stack, stop: threading.Event) -> None:
            plan = {
                20: ("Redis restart", s.redis.restart),
                45: ("Redis kill", lambda: s.redis.restart(kill=True)),
                70: ("PostgreSQL restart", lambda: s.postgres.restart("fast")),
            }
            tick = 0
            while not stop.wait(3):
                tick += 3
                parent = random.random() < 0.3
                (scenarios.kill_parent if parent else scenarios.kill_child)(s)
                done["parent kills" if parent else "child kills"] += 1
                for at, (name, action) in list(plan.items()):
                    if tick >= at:
                        action()
                        done[f"{name} at {tick} s"] = 1
                        del plan[at]
                if len(s.live_workers()) < 2:
                    s.start_worker(concurrency=2, crash_hook=True)

        account, _ = scenarios.run(stack, "long", n, faults, settle_s=3600)
    finally:
        stack.stop()
    events = ", ".join(f"{name}: {count}" if "kills" in name else name for name, count in done.items())
    # Killing a process every 3 s can kill the same article's stage three times running: the
    # system cannot tell that from an article that kills its process, so it may quarantine it
    # ("crash loop", retryable): accounted for, with its reason, not lost.
    return [clean(f"{n} articles under faults", account, n, events)]


HEADER = (
    f"{'scenario':<34} {'accepted':>8} {'stored':>7} {'dup':>5} {'quar':>5} {'lost':>5} {'dup rows':>8} "
    f"{'re-exec':>7}  result"
)


def _row(outcome: Outcome) -> str:
    a = outcome.account
    verdict = "ok" if outcome.passed else "FAIL"
    return (
        f"{outcome.name:<34} {a.accepted:>8} {a.stored:>7} {a.duplicates:>5} {a.quarantined:>5} {a.lost:>5} "
        f"{a.duplicate_rows:>8} {a.repeated_executions:>7}  {verdict} {outcome.note}"
        + (f" quarantined: {a.reasons}" if a.reasons else "")
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--long", action="store_true", help="the long form (5,000 articles by default)")
    parser.add_argument("-n", type=int, help="articles per scenario (short: 150, long: 5000)")
    parser.add_argument("--only", action="append", help="run only this scenario (repeatable)")
    parser.add_argument("--keep", action="store_true", help="keep the folder with the workers' logs")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    root = Path(tempfile.mkdtemp(prefix="newsingest-faults-"))
    root.chmod(0o755)  # the postgres user must reach its data folder inside
    print(HEADER, flush=True)
    try:
        outcomes = long(root, args.n or 5000) if args.long else short(root, args.n or 150, args.only)
        if args.long:
            print(_row(outcomes[0]))
    finally:
        if args.keep:
            print(f"logs and data kept in {root}", flush=True)
        else:
            shutil.rmtree(root, ignore_errors=True)
    failed = [o.name for o in outcomes if not o.passed]
    print(f"\n{len(outcomes) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
