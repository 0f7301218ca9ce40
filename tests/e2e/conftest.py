"""End-to-end fixtures: real worker processes and the real CLI against the test services."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from worker.models import Submission

pytestmark = pytest.mark.e2e
SETTLE_TIMEOUT_S = 120


@pytest.fixture(scope="session")
def stack_env(database_url: str, redis_url: str) -> dict[str, str]:
    return os.environ | {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "NEWSINGEST_LOG_LEVEL": "INFO",
        "NEWSINGEST_LOG_FORMAT": "json",
        # Several workers run at once: no shared default port; a test that wants one picks a free one.
        "NEWSINGEST_METRICS_PORT": "0",
    }


def cli(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run `newsingest ARGS` as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "worker.cli", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def submit(env: dict[str, str], *paths: str) -> dict[str, Any]:
    done = cli(env, "submit", "--json", *paths)
    assert done.returncode in (0, 1), done.stderr
    receipt: dict[str, Any] = json.loads(done.stdout)
    return receipt


class Workers:
    """Worker processes started separately, as on separate hosts; their logs go to files."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env, self.log_dir = env, log_dir
        self.processes: list[tuple[subprocess.Popen[bytes], Path]] = []

    def start(self, concurrency: int = 1, queues: str | None = None) -> Path:
        log = self.log_dir / f"worker-{len(self.processes)}.log"
        name = f"e2e-{uuid.uuid4().hex[:8]}@%h"
        only = ["--queues", queues] if queues else []
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "worker.cli", "worker", "-c", str(concurrency), "-n", name, *only],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.processes.append((process, log))
        return log

    def stop(self) -> None:
        for process, _ in self.processes:
            process.send_signal(signal.SIGTERM)
        for process, _ in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()


@pytest.fixture(scope="module")
def workers(stack_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workers]:
    running = Workers(stack_env, tmp_path_factory.mktemp("workers"))
    yield running
    running.stop()


def wait_settled(engine: Engine, ids: list[str]) -> dict[str, tuple[str, int | None]]:
    """Poll until no submission is still 'accepted'; return id -> (status, article_id)."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    wanted = [uuid.UUID(i) for i in ids]
    while True:
        with engine.connect() as connection:
            rows = connection.execute(
                select(Submission.id, Submission.status, Submission.article_id).where(Submission.id.in_(wanted))
            ).all()
        found = {str(row.id): (row.status, row.article_id) for row in rows}
        if len(found) == len(ids) and all(status != "accepted" for status, _ in found.values()):
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"not settled after {SETTLE_TIMEOUT_S}s: {sorted(found.values(), key=str)} of {len(ids)}")
        time.sleep(0.3)


Wait = Callable[[list[str]], dict[str, tuple[str, int | None]]]


def log_records(path: Path) -> list[dict[str, Any]]:
    """A worker's JSON log lines (not a terminal, so JSON), without Celery's banner."""
    records = []
    for line in path.read_text().splitlines():
        if line.startswith("{"):
            records.append(json.loads(line))
    return records


def logged(path: Path, **fields: Any) -> bool:
    """Whether some log line of the worker has all these fields."""
    return any(all(record.get(key) == value for key, value in fields.items()) for record in log_records(path))


@pytest.fixture(scope="session")
def reader_url(database_url: str) -> Iterator[str]:
    """A read-only role of its own (SELECT on every table, nothing else), as README, Security shows."""
    from sqlalchemy import create_engine, make_url, text

    role = f"newsingest_reader_{uuid.uuid4().hex[:8]}"
    owner = create_engine(database_url, isolation_level="AUTOCOMMIT")
    name = make_url(database_url).database
    with owner.connect() as connection:
        connection.execute(text(f"CREATE ROLE {role} LOGIN"))
        connection.execute(text(f'GRANT CONNECT ON DATABASE "{name}" TO {role}'))
        connection.execute(text(f"GRANT USAGE ON SCHEMA public TO {role}"))
        connection.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}"))
    yield make_url(database_url).set(username=role, password=None).render_as_string(hide_password=False)
    with owner.connect() as connection:
        connection.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'"))
        connection.execute(text(f"DROP OWNED BY {role}"))
        connection.execute(text(f"DROP ROLE {role}"))
    owner.dispose()


API_TOKEN = "test-token-" + uuid.uuid4().hex


@pytest.fixture(scope="module")
def api_url(stack_env: dict[str, str], reader_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`newsingest api` running as a user starts it, on a free port, reading through the reader role."""
    import socket

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = stack_env | {"NEWSINGEST_READER_DATABASE_URL": reader_url, "NEWSINGEST_API_TOKEN": API_TOKEN}
    log = tmp_path_factory.mktemp("api") / "api.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "worker.cli", "api", "--port", str(port)], env=env, stdout=out, stderr=out
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(url + "/openapi.json", timeout=2)
            break
        except httpx.TransportError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("the API did not start: " + log.read_text())
            time.sleep(0.2)
    yield url
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
