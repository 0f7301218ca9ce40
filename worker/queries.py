"""The read side: plain queries returning plain dicts, for the CLI and the API (search: worker/search.py)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from worker.models import Article, ArticleEntity, Entity, FeedEntry, FeedHead, Quarantine, Story, Submission
from worker.search import period_end

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
    return {
        column.key: getattr(row, column.key)
        for column in Article.__table__.columns
        if column.key not in ("search", "sort_date")
    }


def article_detail(session: Session, article_id: int) -> dict[str, Any] | None:
    """One article with its entities and the other copies of its story."""
    found = article(session, article_id)
    if found is None:
        return None
    entities = session.execute(
        select(Entity.id, Entity.name, Entity.kind, ArticleEntity.mentions, ArticleEntity.aliases)
        .join(ArticleEntity, ArticleEntity.entity_id == Entity.id)
        .where(ArticleEntity.article_id == article_id)
        .order_by(ArticleEntity.mentions.desc(), Entity.name)
    )
    found["entities"] = [dict(row._mapping) for row in entities]
    found["copies"] = _copies(session, found["story_id"]) if found["story_id"] else []
    return found


def _copies(session: Session, story_id: int) -> list[dict[str, Any]]:
    canonical = select(Story.canonical_id).where(Story.id == story_id).scalar_subquery()
    rows = session.execute(
        select(*_SUMMARY, Article.copy_method, Article.match_score, (Article.id == canonical).label("is_canonical"))
        .where(Article.story_id == story_id)
        .order_by((Article.id == canonical).desc(), Article.sort_date, Article.id)
    )
    return [dict(row._mapping) for row in rows]


def stories(session: Session, limit: int = 20, before: int | None = None, min_copies: int = 1) -> list[dict[str, Any]]:
    """Stories, newest first, with their canonical article's title and how many copies they have."""
    copies = func.count(Article.id)
    query = (
        select(Story.id, Story.canonical_id, Story.created_at, copies.label("copies"))
        .join(Article, Article.story_id == Story.id)
        .group_by(Story.id)
        .having(copies >= min_copies)
        .order_by(Story.id.desc())
        .limit(limit)
    )
    if before is not None:
        query = query.where(Story.id < before)
    page = query.subquery()
    rows = session.execute(
        select(page, Article.title, Article.source, Article.published_at)
        .join(Article, Article.id == page.c.canonical_id, isouter=True)
        .order_by(page.c.id.desc())
    )
    return [dict(row._mapping) for row in rows]


def story(session: Session, story_id: int) -> dict[str, Any] | None:
    """A story with all its copies, the canonical one first."""
    row = session.get(Story, story_id)
    if row is None:
        return None
    return {
        "id": row.id,
        "canonical_id": row.canonical_id,
        "created_at": row.created_at,
        "copies": _copies(session, row.id),
    }


def top_entities(
    session: Session,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
    kind: str | None = None,
    limit: int = 20,
) -> list[dict[str, Any]]:
    """The entities named by the most stored articles dated in a period (by publication, else storage)."""
    articles = func.count(distinct(ArticleEntity.article_id))
    query = (
        select(
            Entity.id,
            Entity.name,
            Entity.kind,
            articles.label("articles"),
            func.sum(ArticleEntity.mentions).label("mentions"),
        )
        .join(ArticleEntity, ArticleEntity.entity_id == Entity.id)
        .join(Article, Article.id == ArticleEntity.article_id)
        .where(Article.status == "stored")
        .group_by(Entity.id)
        .order_by(articles.desc(), Entity.name)
        .limit(limit)
    )
    if since is not None:
        query = query.where(Article.sort_date >= since)
    if until is not None:
        end = period_end(until)
        query = query if end is None else query.where(Article.sort_date < end)
    if kind is not None:
        query = query.where(Entity.kind == kind)
    return [dict(row._mapping) for row in session.execute(query)]


def stats(session: Session) -> dict[str, Any]:
    """What the database holds: articles, copies, stories, entities, languages and sources."""
    by_status = dict(session.execute(select(Article.status, func.count()).group_by(Article.status)).tuples().all())
    return {
        "articles": sum(by_status.values()),
        "stored": by_status.get("stored", 0),
        "copies": by_status.get("copy", 0),
        "stories": session.scalar(select(func.count()).select_from(Story)),
        "entities": session.scalar(select(func.count()).select_from(Entity)),
        "newest": session.scalar(select(func.max(Article.published_at))),
        "languages": _top(session, Article.language),
        "sources": _top(session, Article.source),
        "feed_head": session.scalar(select(FeedHead.seq)) or 0,
        "submissions": counts(session),
    }


def _top(session: Session, column: Any, limit: int = 20) -> dict[str, int]:
    rows = session.execute(select(column, func.count()).group_by(column).order_by(func.count().desc()).limit(limit))
    return {str(key): count for key, count in rows.tuples()}


def feed(session: Session, after: int, limit: int) -> dict[str, Any]:
    """Changes numbered after `after`, in order: each number once, none skipped (see the decision 0004)."""
    rows = session.execute(
        select(
            FeedEntry.seq,
            FeedEntry.article_id,
            FeedEntry.change,
            FeedEntry.changed_at,
            Article.title,
            Article.url,
            Article.source,
            Article.status,
            Article.version,
            Article.story_id,
        )
        .join(Article, Article.id == FeedEntry.article_id, isouter=True)
        .where(FeedEntry.seq > after)
        .order_by(FeedEntry.seq)
        .limit(limit)
    )
    items = [dict(row._mapping) for row in rows]
    return {"items": items, "last": items[-1]["seq"] if items else after}


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
