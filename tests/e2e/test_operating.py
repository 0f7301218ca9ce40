"""Operating a real worker: metrics summed over its pool processes, health endpoints, logs, stats, health."""

from __future__ import annotations

import json
import signal
import socket
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import Engine

from tests.e2e.conftest import Workers, cli, log_records, submit, wait_settled
from tests.factories import story_text
from worker import flow

pytestmark = pytest.mark.e2e
STORIES = 4
CONCURRENCY = 2
POOL_MAX = 2 + 2  # NEWSINGEST_DB_POOL_SIZE default + db.MAX_OVERFLOW, per process


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def port() -> int:
    return _free_port()


@pytest.fixture(scope="module")
def operated(
    stack_env: dict[str, str], port: int, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Workers, Path]]:
    running = Workers(stack_env | {"NEWSINGEST_METRICS_PORT": str(port)}, tmp_path_factory.mktemp("operated"))
    log = running.start(concurrency=CONCURRENCY)
    _wait_for(f"http://127.0.0.1:{port}/healthz")
    yield running, log
    running.stop()


@pytest.fixture(scope="module")
def settled(
    operated: tuple[Workers, Path], stack_env: dict[str, str], engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[str, int | None]]:
    folder = tmp_path_factory.mktemp("operated-feed")
    for _ in range(STORIES):
        token = uuid.uuid4().hex
        (folder / f"{token}.txt").write_text(story_text(token))
    receipt = submit(stack_env, str(folder))
    return wait_settled(engine, [q["id"] for q in receipt["queued"]])


def _wait_for(url: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def _get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as error:
        return int(error.code), error.read().decode()


def _samples(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    status, text = _get(port, "/metrics")
    assert status == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics_add_up_the_pool_processes(
    operated: tuple[Workers, Path], settled: dict[str, tuple[str, int | None]], port: int
) -> None:
    assert sorted(status for status, _ in settled.values()) == ["stored"] * STORIES
    samples = _samples(port)
    # Tasks run only in the pool's child processes: the main process serving /metrics counted none.
    assert samples[("newsingest_articles_total", (("outcome", "stored"),))] == STORIES
    assert samples[("newsingest_stage_duration_seconds_count", (("stage", "store"),))] == STORIES
    assert samples[("newsingest_stage_duration_seconds_count", (("stage", "parse"),))] == STORIES
    assert samples[("newsingest_articles_total", (("outcome", "quarantined"),))] == 0
    # Live gauges: the main process and each child hold a pool; none is checked out between tasks.
    assert samples[("newsingest_db_connections_max", ())] == POOL_MAX * (1 + CONCURRENCY)
    assert samples[("newsingest_db_connections_in_use", ())] == 0
    for queue in flow.QUEUES:
        assert samples[("newsingest_queue_depth", (("queue", queue),))] == 0
    assert ("newsingest_unacked_messages", ()) in samples


def test_a_killed_pool_process_keeps_its_counts_and_leaves_the_live_gauges(
    operated: tuple[Workers, Path], settled: dict[str, tuple[str, int | None]], port: int
) -> None:
    process, _ = operated[0].processes[0]
    victim = psutil.Process(process.pid).children()[0]
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    deadline = time.monotonic() + 30
    while len(psutil.Process(process.pid).children()) < CONCURRENCY:  # the pool replaces it
        assert time.monotonic() < deadline
        time.sleep(0.2)
    time.sleep(2)  # the new child's worker_process_init opens its pool
    samples = _samples(port)
    assert samples[("newsingest_articles_total", (("outcome", "stored"),))] == STORIES
    assert samples[("newsingest_db_connections_max", ())] == POOL_MAX * (1 + CONCURRENCY)


def test_health_endpoints_and_command(operated: tuple[Workers, Path], stack_env: dict[str, str], port: int) -> None:
    assert _get(port, "/healthz") == (200, '{"status": "ok"}')
    status, body = _get(port, "/readyz")
    assert status == 200 and json.loads(body) == {"status": "ok", "database": "ok", "broker": "ok"}
    assert _get(port, "/nothing")[0] == 404

    assert cli(stack_env, "health", "--port", str(port)).returncode == 0
    assert cli(stack_env, "health", "--port", str(_free_port())).returncode == 1
    ready = cli(stack_env, "health", "--ready")
    assert ready.returncode == 0 and ready.stdout.splitlines() == ["database: ok", "broker: ok"]
    unreachable = stack_env | {"REDIS_URL": f"redis://:s3cret-pass@127.0.0.1:{_free_port()}/0"}
    down = cli(unreachable, "health", "--ready")
    assert down.returncode == 1 and "database: ok" in down.stdout and "broker: " in down.stdout
    assert "s3cret-pass" not in down.stdout + down.stderr


def test_log_lines_name_the_article_stage_task_and_duration(
    operated: tuple[Workers, Path], settled: dict[str, tuple[str, int | None]]
) -> None:
    records = log_records(operated[1])
    ours = set(settled)
    stored = [r for r in records if r.get("outcome") == "new" and r.get("stage") == "store"]
    assert {r["submission_id"] for r in stored} == ours
    for record in stored:
        assert record["task_id"] and record["duration_ms"] >= 0 and record["level"] == "INFO"
    # Celery's own line about a finished task goes through the same formatter, with the same fields.
    finished = [r for r in records if r["message"].endswith("] succeeded") and r.get("stage") == "parse"]
    assert {r["submission_id"] for r in finished} == ours
    assert all(isinstance(r["duration_ms"], float) and r["task_id"] for r in finished)
    assert not any("data" in r or "return_value" in r for r in records)


def test_stats_reports_queues_rates_and_workers(
    operated: tuple[Workers, Path], settled: dict[str, tuple[str, int | None]], stack_env: dict[str, str]
) -> None:
    done = cli(stack_env, "stats", "--json")
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert figures["queues"] == dict.fromkeys(flow.QUEUES, 0)
    assert figures["settled_last_5_min"].get("stored", 0) >= STORIES
    assert figures["processed_per_minute"] > 0
    assert figures["open_submissions"] == 0 and figures["oldest_open_s"] is None
    assert len(figures["workers"]) == 1 and figures["workers"][0].startswith("e2e-")
    shown = cli(stack_env, "stats")
    assert shown.returncode == 0 and "workers alive      1" in shown.stdout
