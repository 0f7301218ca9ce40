"""Migrations: upgrade, downgrade, upgrade again on an empty database; models match head."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, inspect, make_url, text

from tests.conftest import REPO_ROOT, migrate
from tests.factories import insert_row

pytestmark = pytest.mark.integration


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


SPINE = {"articles", "submissions", "quarantine"}
HEAD = SPINE | {"stories", "article_bands", "article_versions", "boilerplate", "entities", "article_entities"}
HEAD |= {"feed_pending", "article_feed", "feed_head"}
VIEWS = {"article_copies", "article_canonical"}


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        inspector = inspect(engine)
        return set(inspector.get_table_names()) - {"alembic_version"} | set(inspector.get_view_names())
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(empty_database: str) -> None:
    migrate(empty_database, "head")
    assert _tables(empty_database) == HEAD | VIEWS
    migrate(empty_database, "0001", down=True)
    assert _tables(empty_database) == SPINE
    migrate(empty_database, "base", down=True)
    assert _tables(empty_database) == set()
    migrate(empty_database, "head")
    assert _tables(empty_database) == HEAD | VIEWS


def test_models_match_migrations(database_url: str) -> None:
    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    command.check(config)  # raises when autogenerate would emit any operation


def test_upgrade_gives_existing_articles_their_stories(empty_database: str) -> None:
    migrate(empty_database, "0001")
    engine = create_engine(empty_database)
    article = (
        "INSERT INTO articles (id, submission_id, url, canonical_url, source, content_type, body, word_count, "
        "reading_time_s, content_hash, copy_of, copy_method, parser_version, enricher_version, status) "
        "VALUES (:id, :s, :u, :u, 'x', 'text/plain', 'body', 1, 1, 'h', :of, :m, '1', '1', :st)"
    )
    try:
        with engine.begin() as connection:
            for n in (1, 2):
                submission = uuid.uuid4()
                connection.execute(text("INSERT INTO submissions (id, record) VALUES (:s, '{}')"), {"s": submission})
                copy = {"of": 1, "m": "exact", "st": "copy"} if n == 2 else {"of": None, "m": None, "st": "stored"}
                connection.execute(text(article), {"id": n, "s": submission, "u": f"https://x.example/{n}"} | copy)
        migrate(empty_database, "head")
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT article_id, canonical_id, is_canonical, method, score FROM article_copies ORDER BY 1")
            ).all()
            stories = connection.execute(text("SELECT canonical_id, copies FROM article_canonical")).all()
        assert [tuple(row) for row in rows] == [(1, 1, True, None, None), (2, 1, False, "exact", 1.0)]
        assert [tuple(row) for row in stories] == [(1, 2)]
    finally:
        engine.dispose()


def test_upgrade_gives_existing_articles_their_word_pairs(empty_database: str) -> None:
    migrate(empty_database, "0006")
    engine = create_engine(empty_database)
    held = (
        "SELECT search_pairs @> ARRAY[word_pair_key('harbour', 'bridge'), word_pair_key('bridge', 'opens')]"
        " AND NOT search_pairs @> ARRAY[word_pair_key('bridge', 'harbour')] FROM articles"
    )
    try:
        with engine.begin() as connection:
            insert_row(connection, "x", "opens today", title="Harbour bridge")
        migrate(empty_database, "head")
        with engine.connect() as connection:
            assert connection.scalar(text(held)) is True
        migrate(empty_database, "0006", down=True)
        assert "search_pairs" not in {column["name"] for column in inspect(engine).get_columns("articles")}
    finally:
        engine.dispose()
