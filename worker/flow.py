"""The one place the stages are wired: queues, routes, and the chain each submission follows.

ingest -> parse -> enrich -> store, each a task on its own queue so a deployment can give a stage
its own workers (`newsingest worker --queues enrich`). Parse also ends the chain of a known
duplicate; `articles.dedupe`, the stage that did so before, still runs for chains sent then.

Reprocessing a stored article (`newsingest reprocess`) takes a chain of its own on the same
queues: reparse -> enrich -> update. It skips dedupe on purpose: the article keeps its row, its
identity (URL, producer id) and its copy relation, and only what is derived from the raw input
is replaced, in place.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from celery import Celery, Task, chain

INGEST = "articles.ingest"
STAGES = ("articles.parse", "articles.enrich", "articles.store")
QUEUES = ("ingest", "parse", "enrich", "store")
REPROCESS_STAGES = ("articles.reparse", "articles.enrich", "articles.update")
ROUTES = {name: {"queue": name.split(".", 1)[1]} for name in (INGEST, *STAGES)} | {
    "articles.dedupe": {"queue": "parse"},
    "articles.reparse": {"queue": "parse"},
    "articles.update": {"queue": "store"},
}


def start(app: Celery, submission_id: UUID, **options: Any) -> None:
    """Send an accepted submission down the chain of stages (`options` go to apply_async)."""
    first, *rest = STAGES
    chain(
        app.signature(first, args=(str(submission_id),), immutable=True),
        *(app.signature(name) for name in rest),
    ).apply_async(**options)


def reprocess(app: Celery, submission_id: UUID) -> None:
    """Send a stored article's submission down the reprocessing chain."""
    first, *rest = REPROCESS_STAGES
    chain(
        app.signature(first, args=(str(submission_id),), immutable=True),
        *(app.signature(name) for name in rest),
    ).apply_async()


def stop(task: Task) -> None:
    """End the chain after the running task: the submission is settled (duplicate, quarantined)."""
    task.request.chain = None
