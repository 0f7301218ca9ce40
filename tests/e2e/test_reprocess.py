"""Reprocessing through a real worker: stale rows are re-derived in place, idempotently."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Engine

from tests.conftest import REPO_ROOT
from tests.e2e.conftest import Workers, cli, submit, wait_settled
from worker.models import Article, ArticleEntity, Submission
from worker.pipeline.enrich import ENRICHER_VERSION

pytestmark = pytest.mark.e2e
SEED = REPO_ROOT / "tests" / "golden" / "text" / "seed_article.txt"


@pytest.fixture(scope="module", autouse=True)
def one_worker(workers: Workers) -> None:
    workers.start(concurrency=1)


def _links(engine: Engine, article_id: int) -> int:
    with engine.connect() as connection:
        return (
            connection.scalar(
                select(func.count()).select_from(ArticleEntity).where(ArticleEntity.article_id == article_id)
            )
            or 0
        )


def test_stale_rows_are_rederived_in_place(stack_env: dict[str, str], engine: Engine, tmp_path: Path) -> None:
    page = tmp_path / "seed.txt"
    token = uuid.uuid4().hex
    # Other tests store the seed too: this one may be stored as their near copy, which is fine.
    page.write_text(SEED.read_text() + f"\nThe talks were the subject of report {token} in the archive.")
    url = f"https://reprocess.example/{token}"
    receipt = submit(stack_env, "--url", url, str(page))
    submission_id = receipt["queued"][0]["id"]
    ((status, article_id),) = wait_settled(engine, [submission_id]).values()
    assert status in ("stored", "copy") and article_id is not None
    links = _links(engine, article_id)
    assert links > 10

    # Make the row look as an older enricher left it.
    with engine.begin() as connection:
        connection.execute(
            update(Article)
            .where(Article.id == article_id)
            .values(enricher_version="1", countries=[], keywords=[], summary=None, quotes=[])
        )
        connection.execute(delete(ArticleEntity).where(ArticleEntity.article_id == article_id))
        articles_before = connection.scalar(select(func.count()).select_from(Article))

    done = cli(stack_env, "reprocess", "--stale", "--wait", "--timeout", "120")
    assert done.returncode == 0, done.stderr
    assert "reprocessed" in done.stdout

    with engine.connect() as connection:
        row = connection.execute(select(Article).where(Article.id == article_id)).one()
        submission = connection.execute(select(Submission).where(Submission.id == uuid.UUID(submission_id))).one()
        articles_after = connection.scalar(select(func.count()).select_from(Article))
    assert row.enricher_version == ENRICHER_VERSION
    assert row.countries == ["CN", "KP", "RU", "US", "KR", "VN"]
    assert row.keywords and row.summary and row.quotes
    assert (row.canonical_url, row.status) == (url, status)
    assert (submission.status, submission.article_id) == (status, article_id)
    assert articles_after == articles_before  # updated in place: no new row, no duplicate
    assert _links(engine, article_id) == links

    # Reprocessing everything again changes nothing: same row, same links.
    again = cli(stack_env, "reprocess", "--all", "--wait", "--timeout", "120")
    assert again.returncode == 0, again.stderr
    assert _links(engine, article_id) == links
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Article)) == articles_before
