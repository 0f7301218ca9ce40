"""Boilerplate one worker learned (in PostgreSQL) is used by another worker process."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from tests.e2e.conftest import Workers, logged, submit, wait_settled
from tests.factories import story_text
from worker.models import Article, Boilerplate
from worker.pipeline.boilerplate import MIN_ARTICLES

pytestmark = pytest.mark.e2e
FOOTER = "Lakeside Ledger has reported on the northern shore since 1921, independent and reader funded."


def _feed(tmp_path: Path, name: str, source: str, count: int) -> Path:
    lines = [
        {
            "url": f"https://{source}/{uuid.uuid4().hex}",
            "source": source,
            "content_type": "text/plain",
            "content": story_text(uuid.uuid4().hex) + FOOTER + "\n",
        }
        for _ in range(count)
    ]
    feed = tmp_path / name
    feed.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return feed


def _bodies(engine: Engine, ids: list[int | None]) -> list[str]:
    with engine.connect() as connection:
        return list(connection.scalars(select(Article.body).where(Article.id.in_(ids)).order_by(Article.id)))


def test_what_one_worker_learned_the_other_uses(
    workers: Workers, stack_env: dict[str, str], engine: Engine, tmp_path: Path
) -> None:
    source = f"ledger-{uuid.uuid4().hex[:8]}.example"
    first_log = workers.start(concurrency=1)
    first = submit(stack_env, str(_feed(tmp_path, "first.jsonl", source, MIN_ARTICLES)))
    learned = wait_settled(engine, [q["id"] for q in first["queued"]])
    assert all(FOOTER in body for body in _bodies(engine, [a for _, a in learned.values()]))
    workers.stop()  # the first worker is gone: only PostgreSQL remembers what it counted
    assert logged(first_log, stage="store", outcome="new")
    with engine.connect() as connection:
        counts = connection.scalars(select(Boilerplate.articles).where(Boilerplate.source == source)).all()
    assert max(counts) == MIN_ARTICLES

    second_log = workers.start(concurrency=1)
    second = submit(stack_env, str(_feed(tmp_path, "second.jsonl", source, 1)))
    settled = wait_settled(engine, [q["id"] for q in second["queued"]])
    [(status, article_id)] = settled.values()
    assert status == "stored"
    [body] = _bodies(engine, [article_id])
    assert FOOTER not in body
    assert "The city council approved" in body
    assert logged(second_log, stage="store", outcome="new")
