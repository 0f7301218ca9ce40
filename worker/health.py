"""Readiness: can this process reach PostgreSQL and Redis now? Shared by workers, the CLI and the API.

Liveness is simpler and lives with each server: a worker is alive while its main process answers
on its metrics port (worker/exporter.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kombu.connection import Connection
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from worker.logs import redact
from worker.settings import Settings

# A probe must answer before the orchestrator's own timeout (compose: 5 s, Kubernetes: 1 s by
# default, so set timeoutSeconds) and never hang on a half-open connection.
TIMEOUT_S = 3


@dataclass(frozen=True)
class Readiness:
    """Each dependency's check: "ok" or what went wrong (passwords masked)."""

    checks: dict[str, str]

    @property
    def ok(self) -> bool:
        return all(result == "ok" for result in self.checks.values())


def readiness(settings: Settings, *, database: bool = True, broker: bool = True) -> Readiness:
    """Check the dependencies asked for; the API, which only reads, may pass broker=False."""
    checks = {}
    if database:
        checks["database"] = _checked(check_database, settings)
    if broker:
        checks["broker"] = _checked(check_broker, settings)
    return Readiness(checks)


def check_database(settings: Settings) -> None:
    """One fresh connection and `SELECT 1` (not a pooled one, which could hide a new outage)."""
    engine = create_engine(settings.sync_database_url, poolclass=NullPool, connect_args={"connect_timeout": TIMEOUT_S})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    finally:
        engine.dispose()


def check_broker(settings: Settings) -> None:
    """PING Redis through kombu, so a sentinel:// broker URL is checked the way workers connect."""
    from worker.app import app

    options = app.conf.broker_transport_options | {
        "socket_timeout": TIMEOUT_S,
        "socket_connect_timeout": TIMEOUT_S,
        "max_retries": 0,
    }
    with Connection(settings.require("redis_url"), connect_timeout=TIMEOUT_S, transport_options=options) as connection:
        connection.default_channel.client.ping()


def _checked(check: Callable[[Settings], None], settings: Settings) -> str:
    try:
        check(settings)
    except Exception as error:  # any failure is the answer: not ready, and why
        return redact(f"{type(error).__name__}: {error}".splitlines()[0][:300])
    return "ok"
