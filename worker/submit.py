"""The producer side: validate records and put them on the queue as `articles.ingest` messages."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from celery import Celery

from schemas import RawArticle, Rejection
from worker import db, flow, repository
from worker.pipeline.intake import validate_record
from worker.settings import get_settings

INGEST_TASK = "articles.ingest"
INGEST_QUEUE = "ingest"
# Records per ledger transaction: large enough to amortise the commit, small enough to send soon.
_BATCH = 500


@dataclass
class Receipt:
    """What submit() did: (label, submission id) per queued record, (label, why) per refused one."""

    queued: list[tuple[str, str]] = field(default_factory=list)
    rejected: list[tuple[str, Rejection]] = field(default_factory=list)


def submit(
    records: Mapping[str, Any] | RawArticle | Iterable[Mapping[str, Any] | RawArticle | tuple[str, Any]],
    *,
    app: Celery | None = None,
    ledger: bool | None = None,
) -> Receipt:
    """Validate records and enqueue the valid ones; invalid ones come back in `rejected`.

    `records` is one record (a dict with the fields in README, Record format, or a RawArticle),
    or an iterable of them, or of (label, record) pairs whose label names them in `rejected`.
    With the ledger on (the default when DATABASE_URL is set) each batch is recorded in
    PostgreSQL before it is sent, so the sweeper can re-send what the broker loses, and the
    messages carry the submission id, not the record: the chain starts at parse, which loads
    it. Without the ledger the record travels in an `articles.ingest` message.
    """
    if app is None:
        from worker.app import app as default_app

        app = default_app
    settings = get_settings()
    if ledger is None:
        ledger = settings.ledger and settings.database_url is not None
    if ledger and not db.is_configured():
        db.configure(settings)
    receipt = Receipt()
    single = isinstance(records, Mapping | RawArticle)
    labelled = (
        item if isinstance(item, tuple) else (f"record {index + 1}", item)
        for index, item in enumerate([records] if single else records)
    )
    valid = _validated(labelled, settings.max_content_bytes, receipt)
    with app.producer_or_acquire() as producer:
        while batch := list(islice(valid, _BATCH)):
            if ledger:
                with db.session() as session:
                    repository.record_submissions(session, [(uuid.UUID(i), message) for _, i, message in batch])
            for label, submission_id, message in batch:
                if ledger:  # the record is in PostgreSQL: the message names it, parse loads it
                    flow.start(app, uuid.UUID(submission_id), producer=producer)
                else:  # the record travels: zlib shrinks a web page several times (bench/scaling.py)
                    app.send_task(
                        INGEST_TASK,
                        args=[message],
                        queue=INGEST_QUEUE,
                        task_id=submission_id,
                        producer=producer,
                        compression="zlib",
                    )
                receipt.queued.append((label, submission_id))
    return receipt


def _validated(items: Iterable[tuple[str, Any]], limit: int, receipt: Receipt) -> Iterator[tuple[str, str, Any]]:
    """(label, new submission id, message) for valid records; the others go to the receipt."""
    for label, record in items:
        if isinstance(record, Rejection):
            receipt.rejected.append((label, record))
            continue
        plain = record.model_dump(mode="json", exclude_none=True) if isinstance(record, RawArticle) else record
        raw = validate_record(plain, limit)
        if isinstance(raw, Rejection):
            receipt.rejected.append((label, raw))
            continue
        yield label, str(uuid.uuid4()), raw.model_dump(mode="json", exclude_none=True)
