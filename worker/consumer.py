"""A Celery consumer that keeps the messages it cannot run in quarantine, not just in a log.

Celery logs and drops a message it cannot decode (a pickle pushed onto the queue), one whose
content type is not allowed, or one naming a task it does not know. Each of those was still
something a producer sent: it is kept with the reason before Celery drops it.
"""

from __future__ import annotations

import base64
import logging
import uuid
from typing import Any

from celery.worker.consumer import Consumer

from worker import db, metrics, repository

log = logging.getLogger(__name__)
_MAX_KEPT_BODY = 65_536


class QuarantiningConsumer(Consumer):  # type: ignore[misc]
    def on_decode_error(self, message: Any, exc: Exception) -> None:
        _keep(message, "undecodable message", exc)
        super().on_decode_error(message, exc)

    def on_invalid_task(self, body: Any, message: Any, exc: Exception) -> None:
        _keep(message, "undecodable message", exc)
        super().on_invalid_task(body, message, exc)

    def on_unknown_task(self, body: Any, message: Any, exc: Exception) -> None:
        _keep(message, "unknown task", exc)
        super().on_unknown_task(body, message, exc)


def _keep(message: Any, reason: str, exc: Exception) -> None:
    headers = message.headers or {}
    task_id = str(headers.get("id") or uuid.uuid4())
    body = message.body if isinstance(message.body, bytes) else str(message.body).encode()
    raw = {
        "content_type": message.content_type,
        "content_encoding": message.content_encoding,
        "task": str(headers.get("task")),
        "body_base64": base64.b64encode(body[:_MAX_KEPT_BODY]).decode(),
    }
    try:
        submission_id = uuid.UUID(task_id)
    except ValueError:
        submission_id = uuid.uuid5(uuid.NAMESPACE_URL, f"newsingest:{task_id}")
    try:
        with db.session() as session:
            repository.quarantine(
                session,
                submission_id=submission_id,
                stage="ingest",
                reason=reason,
                error=f"{type(exc).__name__}: {exc}",
                attempts=1,
                record=raw,
            )
        metrics.settled("quarantined")
    except Exception:  # Celery drops the message either way: redelivering it cannot help
        log.exception("could not quarantine message %s (%s)", task_id, reason)
