"""Prometheus metrics: what the workers count, and the registry that serves them.

Celery's prefork pool runs tasks in child processes. prometheus_client's multiprocess mode
(PROMETHEUS_MULTIPROC_DIR, which `newsingest worker` sets to a fresh folder per worker before
this module is imported) has every process write its values to files there; the worker's main
process adds them up when scraped. Queue depths are read from Redis at scrape time.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from celery import Celery
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, make_asgi_app, multiprocess
from prometheus_client.core import REGISTRY, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine, event

from worker import broker

log = logging.getLogger(__name__)
OUTCOMES = ("stored", "copy", "duplicate", "version", "quarantined")
# Stage times run from milliseconds (dedupe) to the 90 s hard limit (enrich under load).
_STAGE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 90)

ARTICLES = Counter("newsingest_articles_total", "Submissions settled, by outcome.", ["outcome"])
STAGE_SECONDS = Histogram(
    "newsingest_stage_duration_seconds", "Time a stage task took, by stage.", ["stage"], buckets=_STAGE_BUCKETS
)
RETRIES = Counter("newsingest_task_retries_total", "Stage tasks retried (transient failures, time-outs).", ["stage"])
DB_IN_USE = Gauge(
    "newsingest_db_connections_in_use", "Database connections checked out of the pools.", multiprocess_mode="livesum"
)
DB_CAPACITY = Gauge(
    "newsingest_db_connections_max",
    "Database connections the pools may open (pool size plus overflow), over live processes.",
    multiprocess_mode="livesum",
)
# The API's own: requests by route template (not raw path: ids would make a series each) and status.
API_REQUESTS = Counter("newsingest_api_requests_total", "HTTP requests answered by the API.", ["route", "status"])
API_SECONDS = Histogram(
    "newsingest_api_request_duration_seconds",
    "Time the API took to answer, by route.",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
for _outcome in OUTCOMES:
    ARTICLES.labels(_outcome)

_LIVE_GAUGE_FILE = re.compile(r"gauge_live\w+?_(\d+)\.db")


def settled(outcome: str) -> None:
    """Count a submission's outcome (the dedupe verdict 'new' is a stored article)."""
    ARTICLES.labels("stored" if outcome == "new" else outcome).inc()


def watch_pool(engine: Engine, capacity: int) -> None:
    """Count this process's checked-out database connections (the engine's pool only: a thread
    serving /readyz must not hold prometheus_client's lock while the pool forks a process)."""
    DB_CAPACITY.set(capacity)
    event.listen(engine, "checkout", _checked_out)
    event.listen(engine, "checkin", _checked_in)


def _checked_out(*_: Any) -> None:
    DB_IN_USE.inc()


def _checked_in(*_: Any) -> None:
    DB_IN_USE.dec()


def multiprocess_dir() -> Path | None:
    """prometheus_client's folder (its own variable, read by it at import), if multiprocess mode is on."""
    value = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    return Path(value) if value else None


def mark_process_dead(pid: int) -> None:
    """Drop the live gauges of an ended process (counters and histograms stay summed)."""
    if (folder := multiprocess_dir()) is not None:
        multiprocess.mark_process_dead(pid, str(folder))


def forget_dead_processes() -> None:
    """Mark dead every process with live-gauge files that no longer runs (a SIGKILLed pool child)."""
    folder = multiprocess_dir()
    for path in folder.iterdir() if folder else ():
        found = _LIVE_GAUGE_FILE.fullmatch(path.name)
        if found and not _is_running(int(found.group(1))):
            mark_process_dead(int(found.group(1)))


def _is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


class QueueCollector(Collector):
    """Queue depths and unacknowledged messages, read from Redis when scraped."""

    def __init__(self, app: Celery) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        try:
            depths, unacked = broker.queue_depths(self.app), broker.unacked(self.app)
        except Exception as error:  # Redis down: serve the rest; the missing series are the signal
            log.warning("queue depths not read: %s: %s", type(error).__name__, error)
            return
        depth = GaugeMetricFamily("newsingest_queue_depth", "Messages waiting in a stage's queue.", labels=["queue"])
        for queue, size in depths.items():
            depth.add_metric([queue], size)
        yield depth
        yield GaugeMetricFamily(
            "newsingest_unacked_messages", "Messages delivered, not yet acknowledged.", value=unacked
        )


def registry(app: Celery | None = None) -> CollectorRegistry:
    """What to serve: every process's values in multiprocess mode (else this process's), and the queues."""
    served = CollectorRegistry()
    if multiprocess_dir() is None:
        served.register(_ThisProcess())
    else:
        multiprocess.MultiProcessCollector(served)
    if app is not None:
        served.register(QueueCollector(app))
    return served


class _ThisProcess(Collector):
    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def asgi_app() -> Callable[..., Any]:
    """An ASGI app serving /metrics for a web process (the API): mount it at /metrics."""
    return make_asgi_app(registry())
