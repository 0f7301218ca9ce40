"""`newsingest reprocess`: choose stored articles to re-derive from their raw input, queue them,
and count how many have been re-derived since."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Literal

from celery import Celery
from sqlalchemy import ColumnElement, func, or_, select, true
from sqlalchemy.orm import Session

from worker import flow
from worker.models import Article
from worker.pipeline.enrich import ENRICHER_VERSION
from worker.pipeline.parse import PARSER_VERSION

Selection = Literal["stale", "all", "since"]


def _where(selection: Selection, since: datetime | None) -> ColumnElement[bool]:
    if selection == "stale":
        return or_(Article.parser_version != PARSER_VERSION, Article.enricher_version != ENRICHER_VERSION)
    if selection == "since":
        return Article.created_at >= since
    return true()


def count(session: Session, selection: Selection, since: datetime | None = None) -> int:
    return session.scalar(select(func.count()).select_from(Article).where(_where(selection, since))) or 0


def chosen(session: Session, selection: Selection, since: datetime | None = None) -> Iterator[uuid.UUID]:
    """Submission ids of the chosen articles, oldest first, streamed."""
    query = select(Article.submission_id).where(_where(selection, since)).order_by(Article.id)
    yield from session.scalars(query.execution_options(yield_per=1000))


def queue(app: Celery, submission_ids: Iterator[uuid.UUID]) -> Iterator[uuid.UUID]:
    """Send each through the reprocessing chain, yielding it once queued (for a progress bar)."""
    for submission_id in submission_ids:
        flow.reprocess(app, submission_id)
        yield submission_id


def done(session: Session, submission_ids: list[uuid.UUID], started: datetime) -> int:
    """How many of these articles were re-derived (updated at the current versions) since `started`."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Article)
            .where(
                Article.submission_id.in_(submission_ids),
                Article.updated_at >= started,
                Article.parser_version == PARSER_VERSION,
                Article.enricher_version == ENRICHER_VERSION,
            )
        )
        or 0
    )
