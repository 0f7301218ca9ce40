"""The system under fault: private PostgreSQL and Redis, a proxy to the database, real workers."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from tests.conftest import REPO_ROOT, migrate
from tests.faults.proxy import Proxy
from tests.faults.services import PrivatePostgres, PrivateRedis
from worker.models import Article, Quarantine, Submission

# Short limits so that every outage resolves within a scenario: tasks give up on a hung
# connection after 8 s and are retried; Redis redelivers unacknowledged messages after 40 s; the
# sweeper re-sends what has not moved for 30 s. Retries (up to 30, backoff capped at 4 s) outlast
# every outage the suite causes.
FAULT_SETTINGS = {
    "NEWSINGEST_TASK_SOFT_TIME_LIMIT_S": "8",
    "NEWSINGEST_TASK_TIME_LIMIT_S": "12",
    "NEWSINGEST_VISIBILITY_TIMEOUT_S": "40",
    "NEWSINGEST_RETRY_BACKOFF_MAX_S": "4",
    "NEWSINGEST_MAX_RETRIES": "30",
    "NEWSINGEST_SWEEP_IDLE_S": "30",
    "NEWSINGEST_SWEEP_INTERVAL_S": "2",
    "NEWSINGEST_LOG_LEVEL": "WARNING",
    "NEWSINGEST_METRICS_PORT": "0",
}


@dataclass
class Account:
    """Where every accepted submission of a scenario ended up."""

    accepted: int
    stored: int
    copies: int
    duplicates: int
    quarantined: int
    lost: int
    duplicate_rows: int
    repeated_executions: int
    reasons: dict[str, int]


class Stack:
    def __init__(self, root: Path, *, sweeper: bool = True, appendonly: bool = True) -> None:
        self.root = root
        self.postgres = PrivatePostgres(root / "pg", free_port())
        self.redis = PrivateRedis(root / "redis", free_port(), appendonly=appendonly)
        self.proxy = Proxy(free_port(), self.postgres.port)
        self.settings = FAULT_SETTINGS | ({} if sweeper else {"NEWSINGEST_SWEEP_INTERVAL_S": "0"})
        self.workers: list[subprocess.Popen[bytes]] = []
        self.engine: Engine | None = None

    def start(self) -> None:
        self.postgres.init()
        self.postgres.start()
        self.redis.start()
        self.proxy.start()
        migrate(self.postgres.url, "head")
        self.engine = create_engine(self.postgres.url, pool_pre_ping=True)

    def stop(self) -> None:
        for process in self.workers:
            _kill_tree(process.pid)
        self.proxy.close()
        self.redis.kill()
        if self.engine is not None:
            self.engine.dispose()
        self.postgres.stop("immediate")

    def env(self) -> dict[str, str]:
        """Workers reach PostgreSQL through the proxy, so a test can hold their connections."""
        proxied = f"postgresql+psycopg://postgres@127.0.0.1:{self.proxy.listen_port}/postgres"
        return os.environ | self.settings | {"DATABASE_URL": proxied, "REDIS_URL": self.redis.url}

    def start_worker(self, *, concurrency: int = 1, crash_hook: bool = False) -> subprocess.Popen[bytes]:
        name = f"fault-{uuid.uuid4().hex[:6]}@%h"
        include = ["-I", "tests.e2e.crashhook"] if crash_hook else []
        argv = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "worker.app",
            "worker",
            *include,
            "-c",
            str(concurrency),
            "-n",
            name,
            "-l",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
        ]
        log = (self.root / f"{name.split('@', maxsplit=1)[0]}.log").open("ab")
        process = subprocess.Popen(argv, env=self.env(), cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT)
        self.workers.append(process)
        return process

    def live_workers(self) -> list[subprocess.Popen[bytes]]:
        return [process for process in self.workers if process.poll() is None]

    def submit(self, records: list[dict[str, Any]], name: str) -> list[str]:
        """Submit through the real CLI (ledger on), as a producer would."""
        feed = self.root / f"{name}.jsonl"
        feed.write_text("".join(json.dumps(record) + "\n" for record in records))
        done = subprocess.run(
            [sys.executable, "-m", "worker.cli", "submit", "--json", str(feed)],
            env=self.env() | {"DATABASE_URL": self.postgres.url},
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"submit failed: {done.stderr[-3000:]}")
        return [queued["id"] for queued in json.loads(done.stdout)["queued"]]

    def open_count(self, ids: list[str]) -> int:
        assert self.engine is not None
        with self.engine.connect() as connection:
            return int(
                connection.scalar(
                    select(func.count())
                    .select_from(Submission)
                    .where(Submission.id.in_([uuid.UUID(i) for i in ids]), Submission.status == "accepted")
                )
                or 0
            )

    def account(self, ids: list[str], urls: set[str]) -> Account:
        assert self.engine is not None
        wanted = [uuid.UUID(i) for i in ids]
        with self.engine.connect() as connection:
            statuses = dict(
                connection.execute(
                    select(Submission.status, func.count()).where(Submission.id.in_(wanted)).group_by(Submission.status)
                )
                .tuples()
                .all()
            )
            rows = connection.scalar(select(func.count()).select_from(Article).where(Article.url.in_(urls))) or 0
            reasons: dict[str, int] = {}
            entries = connection.execute(
                select(Quarantine.reason, Quarantine.error).where(
                    Quarantine.submission_id.in_(wanted), Quarantine.retried_at.is_(None)
                )
            ).tuples()
            for reason, error in entries:  # an unexpected error shows what it was
                key = f"{reason}: {error[:160]}" if reason == "unexpected error" else reason
                reasons[key] = reasons.get(key, 0) + 1
            repeats = connection.scalar(
                select(func.coalesce(func.sum(Submission.repeats + Submission.sweeps), 0)).where(
                    Submission.id.in_(wanted)
                )
            )
        return Account(
            accepted=len(ids),
            stored=statuses.get("stored", 0),
            copies=statuses.get("copy", 0),
            duplicates=statuses.get("duplicate", 0),
            quarantined=statuses.get("quarantined", 0),
            lost=statuses.get("accepted", 0) + len(ids) - sum(statuses.values()),
            duplicate_rows=max(0, rows - len(urls)),
            repeated_executions=int(repeats or 0),
            reasons=reasons,
        )


def free_port() -> int:
    """A port nothing listens on now (fixed ports would collide with other runs and ephemeral ones)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def pool_children(process: subprocess.Popen[bytes]) -> list[psutil.Process]:
    try:
        return psutil.Process(process.pid).children()
    except psutil.NoSuchProcess:
        return []


def _kill_tree(pid: int) -> None:
    try:
        parent = psutil.Process(pid)
        family = [*parent.children(recursive=True), parent]
    except psutil.NoSuchProcess:
        return
    for process in family:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.send_signal(signal.SIGKILL)
    psutil.wait_procs(family, timeout=10)


def wait_until(predicate: Any, timeout: float, interval: float = 0.5) -> bool:
    """Poll until the predicate holds; a database that is restarting just means "not yet"."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except OperationalError:
            pass
        time.sleep(interval)
    return False
