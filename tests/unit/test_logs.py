"""Log lines: JSON or console, the article's fields, Celery's context, no secrets."""

from __future__ import annotations

import io
import json
import logging
import sys
import uuid

from worker import logs
from worker.settings import Settings

SUBMISSION = uuid.UUID("6d61aac4-78f6-486d-81ae-01f8c481ea9b")


def _emit(log_format: str, *args: object, extra: dict[str, object] | None = None, message: str = "%s") -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.formatter(Settings(log_format=log_format), stream))
    handler.addFilter(logs.ArticleFields())
    logger = logging.getLogger(f"test.logs.{uuid.uuid4().hex}")
    logger.addHandler(handler)
    logger.propagate = False
    logger.warning(message, *args, extra=extra)
    return stream.getvalue()


def test_json_lines_carry_the_article_the_stage_and_the_time_so_far() -> None:
    with logs.about(SUBMISSION, "task-1", "parse"):
        line = json.loads(_emit("json", "parsed"))
    assert (line["message"], line["level"], line["submission_id"], line["task_id"], line["stage"]) == (
        "parsed",
        "WARNING",
        str(SUBMISSION),
        "task-1",
        "parse",
    )
    assert isinstance(line["duration_ms"], float) and "time" in line and line["logger"].startswith("test.logs")


def test_console_lines_are_readable_with_the_fields_at_the_end() -> None:
    with logs.about(SUBMISSION, "task-1", "store"):
        line = _emit("console", "stored")
    assert " WARNING " in line and ": stored  submission_id=6d61aac4-" in line and "stage=store" in line


def test_auto_is_json_off_a_terminal() -> None:
    assert isinstance(logs.formatter(Settings(log_format="auto"), io.StringIO()), logs.JsonLineFormatter)


def test_celery_task_lines_get_the_fields_and_lose_the_payload() -> None:
    context = {
        "id": "abc",
        "name": "articles.dedupe",
        "runtime": 0.25,
        "args": f"({{'submission_id': '{SUBMISSION}', 'body': 'the whole article'}},)",
        "return_value": "{'body': 'the whole article'}",
    }
    line = json.loads(
        _emit(
            "json",
            context,
            extra={"data": context},
            message="Task %(name)s[%(id)s] succeeded in %(runtime)ss: %(return_value)s",
        )
    )
    assert line["message"] == "Task articles.dedupe[abc] succeeded"
    assert (line["task_id"], line["stage"], line["submission_id"], line["duration_ms"]) == (
        "abc",
        "dedupe",
        str(SUBMISSION),
        250.0,
    )
    assert "data" not in line and "the whole article" not in json.dumps(line)


def test_passwords_in_urls_are_masked() -> None:
    assert logs.redact("redis://:hunter2@redis:6379/0 and postgresql://u:p%40ss@db/x") == (
        "redis://:***@redis:6379/0 and postgresql://u:***@db/x"
    )
    line = _emit("console", "postgresql+psycopg://newsingest:topsecret@postgres:5432/newsingest")
    assert "topsecret" not in line and "newsingest:***@postgres" in line
    try:
        raise RuntimeError("cannot reach rediss://:topsecret@redis.internal:6380/0")
    except RuntimeError:
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setFormatter(logs.JsonLineFormatter())
        record = logging.getLogger("x").makeRecord("x", logging.ERROR, "f", 1, "failed", None, None)
        record.exc_info = sys.exc_info()
        handler.emit(record)
    assert "topsecret" not in stream.getvalue() and ":***@redis.internal" in stream.getvalue()
