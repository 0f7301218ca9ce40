"""The worker's least-privilege role, granted as README, Security shows, can do a worker's job."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from tests.factories import enriched
from tests.integration.test_stories import republished
from worker import repository
from worker.store import store_article

# README, Security: the worker's grants (kept in step with it).
WORKER_GRANTS = (
    "GRANT USAGE ON SCHEMA public TO {role}",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
    "GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}",
)


@pytest.fixture
def as_worker(engine: Engine) -> Iterator[Session]:
    """A session acting as a role with the worker's grants only, rolled back afterwards."""
    role = f"newsingest_worker_{uuid.uuid4().hex[:8]}"
    with engine.connect() as admin:
        admin.execute(text(f"CREATE ROLE {role} NOLOGIN"))
        for grant in WORKER_GRANTS:
            admin.execute(text(grant.format(role=role)))
        admin.commit()
    try:
        with engine.connect() as connection:
            transaction = connection.begin()
            connection.execute(text(f"SET LOCAL ROLE {role}"))
            with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
                yield session
            transaction.rollback()
    finally:
        with engine.connect() as admin:
            admin.execute(text(f"DROP OWNED BY {role}"))
            admin.execute(text(f"DROP ROLE {role}"))
            admin.commit()


def test_the_worker_role_stores_an_original_and_a_copy_and_publishes_them(as_worker: Session) -> None:
    token = uuid.uuid4().hex
    original = enriched(token, url=f"https://a.example/{token}")
    copy = enriched(token, url=f"https://b.example/{token}", content=republished(token))
    for article in (original, copy):
        repository.accept(as_worker, article.submission_id, {"source": article.source})
        assert repository.begin_stage(as_worker, article.submission_id, "store") == ("accepted", 1)
        verdict, article_id = store_article(as_worker, article)
        assert verdict is not None and article_id is not None
    assert verdict.outcome == "copy"
    assert repository.publish_feed(as_worker) >= 2


def test_the_worker_role_quarantines(as_worker: Session) -> None:
    submission_id = uuid.uuid4()
    repository.quarantine(
        as_worker, submission_id=submission_id, stage="ingest", reason="invalid", error="bad", attempts=1, record={}
    )
    assert repository.status_of(as_worker, submission_id) == "quarantined"
