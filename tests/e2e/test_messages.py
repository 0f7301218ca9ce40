"""What a producer puts on the queue: a reference when the ledger holds the record, else the record, compressed."""

from __future__ import annotations

import base64
import json
import uuid
import zlib
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import delete
from sqlalchemy.engine import Engine

from tests.e2e.conftest import submit
from worker.models import Submission

# No worker runs in this module: the messages stay on the queue to be looked at.


def _page(token: str) -> str:
    filler = " ".join(
        f"<p>Paragraph {i} of the harbour story {token} with words enough to count.</p>" for i in range(300)
    )
    head = f"<head><title>Harbour {token}</title></head>"
    return f"<html>{head}<body><article><h1>Harbour {token}</h1>{filler}</article></body></html>"


def _queued(client: redis.Redis, queue: str, task: str) -> list[tuple[int, dict[str, Any], Any]]:
    """(bytes in Redis, headers, decoded arguments) of the messages of `task` on `queue`."""
    found = []
    for raw in client.lrange(queue, 0, -1):
        envelope = json.loads(raw)
        headers = envelope["headers"]
        if headers["task"] != task:
            continue
        body = base64.b64decode(envelope["body"])
        if headers.get("compression"):
            body = zlib.decompress(body)
        found.append((len(raw), headers, json.loads(body)[0]))
    return found


@pytest.fixture
def client(redis_url: str) -> Any:
    connection = redis.Redis.from_url(redis_url)
    connection.delete("ingest", "parse")
    yield connection
    connection.delete("ingest", "parse")
    connection.close()


def test_with_the_ledger_the_message_names_the_submission(
    stack_env: dict[str, str], engine: Engine, client: redis.Redis, tmp_path: Path
) -> None:
    page = tmp_path / "harbour.html"
    page.write_text(_page(uuid.uuid4().hex))
    [queued] = submit(stack_env, str(page))["queued"]
    try:
        assert _queued(client, "ingest", "articles.ingest") == []
        [(size, _, arguments)] = _queued(client, "parse", "articles.parse")
        assert arguments == [queued["id"]]
        assert size < page.stat().st_size / 10
    finally:
        with engine.begin() as connection:
            connection.execute(delete(Submission).where(Submission.id == uuid.UUID(queued["id"])))


def test_without_the_ledger_the_record_travels_compressed(
    stack_env: dict[str, str], client: redis.Redis, tmp_path: Path
) -> None:
    page = tmp_path / "harbour.html"
    page.write_text(_page(uuid.uuid4().hex))
    [queued] = submit(stack_env | {"NEWSINGEST_LEDGER": "false"}, str(page))["queued"]
    [(size, headers, arguments)] = _queued(client, "ingest", "articles.ingest")
    assert headers["id"] == queued["id"] and headers["compression"]
    assert arguments[0]["content"] == page.read_text()
    assert size < page.stat().st_size / 2
