"""The two kinds of failure: transient ones are retried, permanent ones are quarantined."""

from __future__ import annotations

import kombu.exceptions
import psycopg
import redis.exceptions
import sqlalchemy.exc


class TransientError(Exception):
    """Something outside the article failed (a service down, a lock timeout): try again later."""


class PermanentError(Exception):
    """The article itself cannot be processed: quarantine it with the reason, never retry."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


# Exceptions from our services that mean "not now" rather than "never".
TRANSIENT: tuple[type[BaseException], ...] = (
    TransientError,
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.TimeoutError,
    sqlalchemy.exc.DisconnectionError,
    psycopg.OperationalError,  # raised by psycopg itself when a connection dies outside a statement
    psycopg.InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    kombu.exceptions.OperationalError,
    ConnectionError,
)
