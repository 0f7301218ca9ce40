"""db.held(): the sessions of one task share one checked-out connection, each its own transaction."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from worker import db
from worker.settings import Settings

BACKEND = text("SELECT pg_backend_pid()")


@pytest.fixture
def configured(database_url: str, engine: Engine) -> Iterator[Engine]:
    kept = db._sessions
    db.configure(Settings(database_url=database_url))
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE held_rows (n int)"))
    try:
        yield engine
    finally:
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE held_rows"))
        db._sessions.kw["bind"].dispose()  # type: ignore[union-attr]
        db._sessions = kept


def _count(engine: Engine) -> int:
    with engine.connect() as other:
        return int(other.scalar(text("SELECT count(*) FROM held_rows")) or 0)


def _insert_then_fail() -> None:
    with db.session() as failing:
        failing.execute(text("INSERT INTO held_rows VALUES (2)"))
        raise RuntimeError("the stage failed")


def _insert_alone_then_fail(backend: int) -> None:
    with db.autocommit() as session:
        assert session.scalar(BACKEND) == backend  # the held connection
        session.execute(text("INSERT INTO held_rows VALUES (1)"))
        raise RuntimeError("after the first statement")


def test_held_sessions_share_one_connection_and_commit_one_by_one(configured: Engine) -> None:
    with db.held():
        with db.session() as first:
            first.execute(text("INSERT INTO held_rows VALUES (1)"))
            backend = first.scalar(BACKEND)
        assert _count(configured) == 1  # committed when its block ended, not when held() ends
        with pytest.raises(RuntimeError, match="the stage failed"):
            _insert_then_fail()
        with db.session() as third:
            assert third.scalar(BACKEND) == backend
            third.execute(text("INSERT INTO held_rows VALUES (3)"))
        with db.held(), db.session() as nested:  # a nested held() keeps the outer connection
            assert nested.scalar(BACKEND) == backend
    assert _count(configured) == 2


def test_sessions_outside_held_take_the_pool_as_before(configured: Engine) -> None:
    with db.session() as session:
        session.execute(text("INSERT INTO held_rows VALUES (1)"))
    assert _count(configured) == 1


def test_autocommit_commits_each_statement_then_gives_the_connection_back_transactional(configured: Engine) -> None:
    with db.held():
        with db.session() as first:
            backend = first.scalar(BACKEND)
        with pytest.raises(RuntimeError, match="after the first statement"):
            _insert_alone_then_fail(backend)
        assert _count(configured) == 1  # committed alone: the error after it took nothing back
        with pytest.raises(RuntimeError, match="the stage failed"):
            _insert_then_fail()  # in a transaction again: its insert is rolled back
        assert _count(configured) == 1
    with db.autocommit() as session:  # outside held(), on a connection of its own from the pool
        session.execute(text("INSERT INTO held_rows VALUES (3)"))
    assert _count(configured) == 2
