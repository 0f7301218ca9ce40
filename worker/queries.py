"""The read side: plain queries returning plain dicts, for the CLI (and later the API)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from worker.models import Article, Quarantine, Submission

_SUMMARY = (
    Article.id,
    Article.title,
    Article.source,
    Article.url,
    Article.agency,
    Article.language,
    Article.published_at,
    Article.status,
    Article.copy_of,
)


def article(session: Session, article_id: int) -> dict[str, Any] | None:
    """Every column of one article but its search vector."""
    row = session.get(Article, article_id)
    if row is None:
        return None
    return {column.key: getattr(row, column.key) for column in Article.__table__.columns if column.key != "search"}


def submission(session: Session, submission_id: uuid.UUID) -> dict[str, Any] | None:
    """What became of one submission: its status, its article, or its quarantine entry."""
    row = session.get(Submission, submission_id)
    if row is None:
        return None
    entry = session.scalar(select(Quarantine).where(Quarantine.submission_id == submission_id))
    return {
        "submission_id": row.id,
        "status": row.status,
        "article_id": row.article_id,
        "received_at": row.received_at,
        "quarantine": {"stage": entry.stage, "reason": entry.reason, "error": entry.error, "attempts": entry.attempts}
        if entry
        else None,
    }


def search(session: Session, words: str, limit: int = 20) -> list[dict[str, Any]]:
    """Articles matching a web-search style query, best first, with a highlighted snippet."""
    query = func.websearch_to_tsquery(text("'simple'"), words)
    rank = func.ts_rank(Article.search, query)
    snippet = func.ts_headline(
        text("'simple'"), Article.body, query, "MaxFragments=1, MaxWords=25, MinWords=10, StartSel=[, StopSel=]"
    )
    rows = session.execute(
        select(*_SUMMARY, rank.label("rank"), snippet.label("snippet"))
        .where(Article.search.op("@@")(query))
        .order_by(rank.desc(), Article.id.desc())
        .limit(limit)
    )
    return [dict(row._mapping) for row in rows]


def recent(session: Session, limit: int = 20) -> list[dict[str, Any]]:
    """The latest stored articles."""
    rows = session.execute(select(*_SUMMARY).order_by(Article.id.desc()).limit(limit))
    return [dict(row._mapping) for row in rows]


def quarantined(session: Session, limit: int = 50) -> list[dict[str, Any]]:
    """Open quarantine entries, newest first."""
    rows = session.execute(
        select(
            Quarantine.id,
            Quarantine.submission_id,
            Quarantine.stage,
            Quarantine.reason,
            Quarantine.attempts,
            Quarantine.url,
            Quarantine.source,
            Quarantine.created_at,
        )
        .where(Quarantine.retried_at.is_(None))
        .order_by(Quarantine.id.desc())
        .limit(limit)
    )
    return [dict(row._mapping) for row in rows]


def quarantine_entry(session: Session, ident: int | uuid.UUID) -> dict[str, Any] | None:
    """One quarantine entry (the latest, for a submission id) with its raw input."""
    key = Quarantine.id == ident if isinstance(ident, int) else Quarantine.submission_id == ident
    row = session.scalars(select(Quarantine).where(key).order_by(Quarantine.id.desc()).limit(1)).first()
    if row is None:
        return None
    return {column.key: getattr(row, column.key) for column in Quarantine.__table__.columns}


def counts(session: Session) -> dict[str, int]:
    """Submissions by status."""
    rows = session.execute(select(Submission.status, func.count()).group_by(Submission.status))
    return dict(rows.tuples().all())
