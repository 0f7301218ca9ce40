"""The change feed under concurrent transactions that commit out of order: no gaps, no repeats."""

from __future__ import annotations

import random
import threading
import time

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from tests.factories import enriched
from worker import queries, repository
from worker.store import store_article

pytestmark = pytest.mark.integration


def _articles(engine: Engine, count: int) -> list[int]:
    ids = []
    with Session(engine) as session, session.begin():
        for _ in range(count):
            article = enriched()
            repository.accept(session, article.submission_id, {"source": article.source})
            article_id = store_article(session, article)[1]
            assert article_id is not None
            ids.append(article_id)
    return ids


def _publish(engine: Engine) -> int:
    with Session(engine) as session, session.begin():
        return repository.publish_feed(session)


def _read(engine: Engine, after: int) -> list[dict[str, object]]:
    with Session(engine) as session:
        return queries.feed(session, after, 1000)["items"]


def test_a_change_committed_later_is_numbered_later(engine: Engine) -> None:
    first, second = _articles(engine, 2)
    head = _publish(engine)
    with engine.connect() as early, engine.connect() as late:
        early.execute(text("UPDATE articles SET title = title || ' (1)' WHERE id = :id"), {"id": first})
        late.execute(text("UPDATE articles SET title = title || ' (2)' WHERE id = :id"), {"id": second})
        late.commit()
        _publish(engine)
        seen = _read(engine, head)
        assert [(item["seq"], item["article_id"]) for item in seen] == [(head + 1, second)]
        early.commit()
    _publish(engine)
    after = _read(engine, head + 1)
    assert [(item["seq"], item["article_id"], item["change"]) for item in after] == [(head + 2, first, "updated")]


def test_concurrent_writers_and_a_polling_reader(engine: Engine) -> None:
    """Writers commit in random order while publishers and a reader run: the reader sees each once."""
    ids = _articles(engine, 24)
    start = _publish(engine)
    done = threading.Event()

    def write(article_id: int) -> None:
        with engine.connect() as connection:
            connection.execute(text("UPDATE articles SET section = 'changed' WHERE id = :id"), {"id": article_id})
            time.sleep(random.uniform(0, 0.3))
            connection.commit()
        _publish(engine)

    seen: list[dict[str, object]] = []

    def read() -> None:
        cursor = start
        while not done.is_set() or cursor < _publish(engine):
            items = _read(engine, cursor)
            seen.extend(items)
            cursor = int(items[-1]["seq"]) if items else cursor  # type: ignore[call-overload]
            time.sleep(0.01)

    reader = threading.Thread(target=read)
    reader.start()
    writers = [threading.Thread(target=write, args=(article_id,)) for article_id in ids]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    done.set()
    reader.join(timeout=60)
    mine = [item for item in seen if item["article_id"] in ids]
    assert [item["seq"] for item in seen] == list(range(start + 1, start + 1 + len(seen)))
    assert sorted(item["article_id"] for item in mine) == sorted(ids)  # type: ignore[type-var]
    with engine.connect() as connection:
        assert connection.scalar(select(text("count(*)")).select_from(text("feed_pending"))) == 0
