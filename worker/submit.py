"""The producer side: validate records and put them on the queue as `articles.ingest` messages."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from celery import Celery

from schemas import RawArticle, Rejection
from worker.pipeline.intake import validate_record
from worker.settings import get_settings

INGEST_TASK = "articles.ingest"
INGEST_QUEUE = "ingest"


@dataclass
class Receipt:
    """What submit() did: (label, submission id) per queued record, (label, why) per refused one."""

    queued: list[tuple[str, str]] = field(default_factory=list)
    rejected: list[tuple[str, Rejection]] = field(default_factory=list)


def submit(
    records: Mapping[str, Any] | RawArticle | Iterable[Mapping[str, Any] | RawArticle | tuple[str, Any]],
    *,
    app: Celery | None = None,
) -> Receipt:
    """Validate records and enqueue the valid ones; invalid ones come back in `rejected`.

    `records` is one record (a dict with the fields in README, Record format, or a RawArticle),
    or an iterable of them, or of (label, record) pairs whose label names them in `rejected`.
    """
    if app is None:
        from worker.app import app as default_app

        app = default_app
    receipt = Receipt()
    limit = get_settings().max_content_bytes
    single = isinstance(records, Mapping | RawArticle)
    items = [records] if single else records
    with app.producer_or_acquire() as producer:
        for index, item in enumerate(items):
            label, record = item if isinstance(item, tuple) else (f"record {index + 1}", item)
            _send(app, producer, label, record, limit=limit, receipt=receipt)
    return receipt


def _send(app: Celery, producer: Any, label: str, record: Any, *, limit: int, receipt: Receipt) -> None:
    if isinstance(record, Rejection):
        receipt.rejected.append((label, record))
        return
    if isinstance(record, RawArticle):
        record = record.model_dump(mode="json", exclude_none=True)
    raw = validate_record(record, limit)
    if isinstance(raw, Rejection):
        receipt.rejected.append((label, raw))
        return
    submission_id = str(uuid.uuid4())
    message = raw.model_dump(mode="json", exclude_none=True)
    app.send_task(INGEST_TASK, args=[message], queue=INGEST_QUEUE, task_id=submission_id, producer=producer)
    receipt.queued.append((label, submission_id))
