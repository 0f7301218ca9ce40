"""Two worker processes started separately share the queue and never make one article two rows."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from tests.e2e.conftest import Workers, logged, submit, wait_settled
from tests.factories import story_text
from worker.models import Article, Submission

pytestmark = pytest.mark.e2e
STORIES = 30


def test_two_workers_each_story_once(
    workers: Workers, stack_env: dict[str, str], engine: Engine, tmp_path: Path
) -> None:
    logs = [workers.start(concurrency=1), workers.start(concurrency=1)]
    tokens = [uuid.uuid4().hex for _ in range(STORIES)]
    lines = []
    for token in tokens:  # each story twice in a row, the second time with tracking parameters
        url = f"https://two.example/{token}"
        lines.append({"url": url, "content": story_text(token)})
        lines.append({"url": url + "?utm_campaign=x", "content": story_text(token)})
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps(line) + "\n" for line in lines))

    receipt = submit(stack_env, str(feed))
    settled = wait_settled(engine, [q["id"] for q in receipt["queued"]])

    statuses = sorted(status for status, _ in settled.values())
    assert statuses == ["duplicate"] * STORIES + ["stored"] * STORIES
    with engine.connect() as connection:
        rows = connection.scalar(
            select(func.count())
            .select_from(Article)
            .where(Article.canonical_url.in_([f"https://two.example/{token}" for token in tokens]))
        )
    assert rows == STORIES
    workers.stop()
    for log in logs:  # both workers took part
        assert logged(log, stage="store", outcome="new") or logged(log, stage="store", outcome="duplicate"), (
            log.read_text()[-2000:]
        )


def test_two_workers_storing_near_copies_at_once_make_one_story(
    workers: Workers, stack_env: dict[str, str], engine: Engine, tmp_path: Path
) -> None:
    """Each story arrives twice in a row, as near copies under two URLs: the two workers take
    the two copies at the same moment, and every pair still ends as one story."""
    workers.start(concurrency=1)
    workers.start(concurrency=1)
    tokens = [uuid.uuid4().hex for _ in range(STORIES)]
    lines = []
    for token in tokens:
        original = story_text(token)
        republished = original.replace("Council approves", "Kenya: council approves") + (
            "Additional reporting by our correspondent in the capital city on Tuesday evening.\n"
        )
        lines.append({"url": f"https://wire.example/{token}", "content": original})
        lines.append({"url": f"https://republisher.example/{token}", "content": republished})
    feed = tmp_path / "pairs.jsonl"
    feed.write_text("".join(json.dumps(line) + "\n" for line in lines))

    receipt = submit(stack_env, str(feed))
    settled = wait_settled(engine, [q["id"] for q in receipt["queued"]])
    workers.stop()

    assert sorted(status for status, _ in settled.values()) == ["copy"] * STORIES + ["stored"] * STORIES
    with engine.connect() as connection:
        stories = connection.execute(
            select(Article.story_id, func.count())
            .where(Article.id.in_([article_id for _, article_id in settled.values()]))
            .group_by(Article.story_id)
        ).all()
    assert len(stories) == STORIES and all(count == 2 for _, count in stories)


def test_stages_split_over_workers_by_queue(
    workers: Workers, stack_env: dict[str, str], engine: Engine, tmp_path: Path
) -> None:
    """A worker runs the next stage itself only when it consumes that stage's queue: one that
    parses hands enrich to one that enriches, which stores (it consumes store) without a hop."""
    parser = workers.start(concurrency=1, queues="ingest,parse")
    enricher = workers.start(concurrency=1, queues="enrich,store")
    tokens = [uuid.uuid4().hex for _ in range(4)]
    feed = tmp_path / "split.jsonl"
    records = [{"url": f"https://split.example/{token}", "content": story_text(token)} for token in tokens]
    feed.write_text("".join(json.dumps(record) + "\n" for record in records))

    receipt = submit(stack_env, str(feed))
    settled = wait_settled(engine, [q["id"] for q in receipt["queued"]])
    workers.stop()

    assert sorted(status for status, _ in settled.values()) == ["stored"] * len(tokens)
    assert logged(parser, stage="parse", outcome="new") and not logged(parser, stage="store")
    assert logged(enricher, stage="store", outcome="new") and not logged(enricher, stage="parse")
    with engine.connect() as connection:
        stages = connection.execute(
            select(Submission.stage, Submission.stage_attempts).where(
                Submission.id.in_([uuid.UUID(q["id"]) for q in receipt["queued"]])
            )
        ).all()
    assert {tuple(row) for row in stages} == {("enrich", 1)}  # the last stage delivered; store ran with it
