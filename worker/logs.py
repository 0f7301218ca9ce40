"""Logging: JSON lines in production, readable lines on a terminal, one setup for ours and Celery's.

Every line written while a stage runs carries the submission id, the task id, the stage and the
time the stage has taken so far; Celery's own lines about a task ("received", "succeeded in")
get the same fields from the context Celery logs with. Passwords in URLs are masked everywhere.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from pythonjsonlogger.json import JsonFormatter

from worker.settings import Settings

# The fields added to a record about an article, in the order the console shows them.
FIELDS = ("submission_id", "task_id", "stage", "duration_ms")
_SECRET = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s]+@", re.IGNORECASE)
_ARGS_SUBMISSION = re.compile(r"'submission_id': '([0-9a-f-]{36})'|^\('([0-9a-f-]{36})',\)")


@dataclass(frozen=True)
class Article:
    """What the running stage is working on."""

    submission_id: str | None
    task_id: str
    stage: str
    started: float


_current: ContextVar[Article | None] = ContextVar("newsingest_article", default=None)


def redact(text: str) -> str:
    """Mask the password of every URL in text (redis://:secret@host -> redis://:***@host)."""
    return _SECRET.sub(r"\g<scheme>***@", text)


@contextmanager
def about(submission_id: uuid.UUID | None, task_id: str, stage: str) -> Iterator[None]:
    """Tag every log line written inside with the article and stage, and the time taken so far."""
    token = _current.set(Article(str(submission_id) if submission_id else None, task_id, stage, time.monotonic()))
    try:
        yield
    finally:
        _current.reset(token)


class ArticleFields(logging.Filter):
    """Adds the article's fields to a record, masks secrets, and drops Celery's verbose context."""

    def filter(self, record: logging.LogRecord) -> bool:
        article = _current.get()
        if article is not None:
            record.submission_id, record.task_id, record.stage = article.submission_id, article.task_id, article.stage
            record.duration_ms = round((time.monotonic() - article.started) * 1000, 1)
        # Celery passes its task context as `data`; it holds the arguments' and the result's repr
        # (a whole article), which must not end up in a log line of its own.
        data = record.__dict__.pop("data", None)
        if article is None and isinstance(data, Mapping) and "id" in data and "name" in data:
            _celery_fields(record, data)
        with suppress(TypeError, ValueError):  # a bad format string: logging reports it when formatting
            record.msg, record.args = redact(record.getMessage()), None
        return True


def _celery_fields(record: logging.LogRecord, data: Mapping[str, Any]) -> None:
    name = str(data["name"])
    record.task_id, record.stage = str(data["id"]), name.split(".", 1)[-1]
    record.submission_id = str(data["id"]) if name == "articles.ingest" else _submission_in(str(data.get("args", "")))
    if isinstance(data.get("runtime"), int | float):
        record.duration_ms = round(data["runtime"] * 1000, 1)
    if "return_value" in data:  # "succeeded in 0.05s: {...the whole article...}": the value stays out
        record.msg, record.args = f"Task {name}[{data['id']}] succeeded", None


def _submission_in(argsrepr: str) -> str | None:
    found = _ARGS_SUBMISSION.search(argsrepr[:4000])
    return (found.group(1) or found.group(2)) if found else None


class ConsoleFormatter(logging.Formatter):
    """`time LEVEL logger: message  submission=... task=... stage=... duration_ms=...`"""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        tags = [f"{field}={getattr(record, field)}" for field in FIELDS if getattr(record, field, None) is not None]
        return redact(line + ("  " + " ".join(tags) if tags else ""))


class JsonLineFormatter(JsonFormatter):
    """One JSON object a line: time, level, logger, message and the article's fields."""

    def __init__(self) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )

    def formatException(self, ei: Any) -> str:  # noqa: N802 - logging's name
        return redact(str(super().formatException(ei)))


def formatter(settings: Settings, stream: Any = None) -> logging.Formatter:
    """The formatter the settings ask for; `auto` is readable on a terminal and JSON elsewhere."""
    chosen = settings.log_format
    if chosen == "auto":
        chosen = "console" if (stream or sys.stderr).isatty() else "json"
    return ConsoleFormatter() if chosen == "console" else JsonLineFormatter()


def configure(settings: Settings, level: int | str | None = None) -> None:
    """Send every logger (ours, Celery's, libraries') to stderr through one formatter."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(settings, sys.stderr))
    handler.addFilter(ArticleFields())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level or settings.log_level.upper())
    for name in ("celery", "celery.task", "celery.redirected"):  # Celery's own handlers, if any
        logging.getLogger(name).handlers = []
