"""Migrations: upgrade, downgrade, upgrade again on an empty database; models match head."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, inspect, make_url, text

from tests.conftest import REPO_ROOT, migrate

pytestmark = pytest.mark.integration
TABLES = {"articles", "submissions", "quarantine", "entities", "article_entities"}


@pytest.fixture
def empty_database(database_url: str) -> Iterator[str]:
    server = make_url(database_url)
    name = f"newsingest_mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(empty_database: str) -> None:
    migrate(empty_database, "head")
    assert _tables(empty_database) == TABLES
    migrate(empty_database, "base", down=True)
    assert _tables(empty_database) == set()
    migrate(empty_database, "head")
    assert _tables(empty_database) == TABLES


def test_models_match_migrations(database_url: str) -> None:
    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    command.check(config)  # raises when autogenerate would emit any operation
