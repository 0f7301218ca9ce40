"""A scratch database on DATABASE_URL's server, migrated to head, dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, make_url, text

from tests.conftest import migrate
from worker.settings import Settings


@contextmanager
def scratch_database(prefix: str, server_url: str | None = None) -> Iterator[str]:
    """Yield the URL of a new, migrated database named `prefix_<random>` on the server of
    `server_url` (default DATABASE_URL); drop it on the way out."""
    server = make_url(server_url or Settings().sync_database_url)
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        migrate(url, "head")
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
