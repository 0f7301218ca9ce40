"""Shared fixtures: real PostgreSQL and Redis, from DATABASE_URL / REDIS_URL or embedded."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine

from worker.local import services
from worker.settings import Settings

REPO_ROOT = Path(__file__).resolve().parent.parent
# The Redis database the tests own; it is flushed before use. 0 is left to users; set
# NEWSINGEST_TEST_REDIS_DB to run two test sessions side by side on one server.
TEST_REDIS_DB = int(os.environ.get("NEWSINGEST_TEST_REDIS_DB", "13"))


@pytest.fixture(scope="session")
def service_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    data_dir = tmp_path_factory.mktemp("services")
    with services(data_dir, os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")) as urls:
        yield urls


@contextmanager
def scratch_database(server_url: str, prefix: str = "newsingest_test") -> Iterator[str]:
    """A new database `prefix_<random>` on the server of `server_url`, migrated to head, dropped afterwards."""
    server = make_url(Settings(database_url=server_url).sync_database_url)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
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


@pytest.fixture(scope="session")
def database_url(service_urls: tuple[str, str]) -> Iterator[str]:
    """A database of its own for this test run, migrated to head, dropped afterwards."""
    with scratch_database(service_urls[0]) as url:
        yield url


@pytest.fixture(scope="session")
def redis_url(service_urls: tuple[str, str]) -> str:
    import redis

    url = service_urls[1].rsplit("/", 1)[0] + f"/{TEST_REDIS_DB}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()
    return url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


def migrate(url: str, revision: str, *, down: bool = False) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    (command.downgrade if down else command.upgrade)(config, revision)
