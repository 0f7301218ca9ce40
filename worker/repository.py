"""Loading and saving through SQLAlchemy: pydantic models in, plain values out, no rules."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import delete, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from schemas import DedupedArticle, EnrichedArticle, Entity
from worker.models import Article, ArticleEntity, Quarantine, Submission
from worker.models import Entity as EntityRow
from worker.pipeline.dedupe import Match, Verdict

# Columns that say which article a row is: set once by the store, never by reprocessing.
_IDENTITY = frozenset({"submission_id", "url", "canonical_url", "source", "producer_id"})
_SETTLED_AS = {"new": "stored", "copy": "copy", "duplicate": "duplicate"}


def accept(session: Session, submission_id: UUID, record: Any) -> str:
    """Record a submission (once, whatever the redeliveries) and return its current status."""
    session.execute(insert(Submission).values(id=submission_id, record=record).on_conflict_do_nothing())
    return status_of(session, submission_id) or "accepted"


def status_of(session: Session, submission_id: UUID, *, lock: bool = False) -> str | None:
    query = select(Submission.status).where(Submission.id == submission_id)
    return session.scalar(query.with_for_update() if lock else query)


def load_record(session: Session, submission_id: UUID) -> tuple[Any, str] | None:
    """The raw record of a submission and its status, or None if it was never accepted."""
    row = session.execute(select(Submission.record, Submission.status).where(Submission.id == submission_id)).first()
    return (row.record, row.status) if row else None


def load_stored_record(session: Session, submission_id: UUID) -> Any:
    """The raw record of a submission that became an article of its own, else None."""
    return session.scalar(
        select(Submission.record)
        .join(Article, Article.submission_id == Submission.id)
        .where(Submission.id == submission_id)
    )


def update_article(session: Session, article: EnrichedArticle) -> int | None:
    """Re-derive a stored article in place; its identity (URLs, source, producer id) and copy
    relation stay as the store decided them. Idempotent: a repeat writes the same values."""
    article_id = session.scalar(
        select(Article.id).where(Article.submission_id == article.submission_id).with_for_update()
    )
    if article_id is None:
        return None
    values = {k: v for k, v in _columns(article).items() if k not in _IDENTITY}
    session.execute(update(Article).where(Article.id == article_id).values(**values, updated_at=func.now()))
    link_entities(session, article_id, article.entities)
    return article_id


def lock_body(session: Session, content_hash: str) -> None:
    """Serialise, until commit, the transactions storing the same body (copies, no-URL records)."""
    session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(content_hash, literal(0)))))


def find_matches(session: Session, article: DedupedArticle) -> list[Match]:
    """Stored articles sharing the canonical URL, the producer id or the body fingerprint."""
    keys = [Article.content_hash == article.content_hash]
    if article.canonical_url:
        keys.append(Article.canonical_url == article.canonical_url)
    if article.producer_id:
        keys.append((Article.source == article.source) & (Article.producer_id == article.producer_id))
    rows = session.execute(
        select(Article.id, Article.canonical_url, Article.source, Article.producer_id, Article.content_hash)
        .where(or_(*keys))
        .order_by(Article.id)
    )
    matches = []
    for row in rows:
        if article.canonical_url and row.canonical_url == article.canonical_url:
            matches.append(Match(row.id, "canonical_url"))
        if article.producer_id and (row.source, row.producer_id) == (article.source, article.producer_id):
            matches.append(Match(row.id, "producer_id"))
        if row.content_hash == article.content_hash:
            matches.append(Match(row.id, "content_hash"))
    return matches


def insert_article(session: Session, article: EnrichedArticle, verdict: Verdict) -> int | None:
    """Insert the article; None when a unique key (URL, producer id) was taken meanwhile."""
    values = _columns(article) | {
        "copy_of": verdict.article_id if verdict.outcome == "copy" else None,
        "copy_method": "exact" if verdict.outcome == "copy" else None,
        "status": "copy" if verdict.outcome == "copy" else "stored",
    }
    statement = insert(Article).values(**values).on_conflict_do_nothing().returning(Article.id)
    article_id = session.scalar(statement)
    if article_id is not None:
        link_entities(session, article_id, article.entities)
    return article_id


def _columns(article: EnrichedArticle) -> dict[str, Any]:
    published = article.published
    return article.model_dump(exclude={"published", "language_hint", "entities", "quotes"}) | {
        "quotes": [quote.model_dump() for quote in article.quotes],
        "published_at": published.value if published else None,
        "published_precision": published.precision if published else None,
        "published_source": published.source if published else None,
        "published_timezone": published.timezone if published else None,
    }


def link_entities(session: Session, article_id: int, entities: list[Entity]) -> None:
    """Replace an article's entity links; entities are shared rows, inserted once per kind and key.

    Rows are upserted in (kind, key) order so that two transactions naming the same entities
    lock them in the same order and cannot deadlock.
    """
    session.execute(delete(ArticleEntity).where(ArticleEntity.article_id == article_id))
    if not entities:
        return
    unique = {(e.kind, e.key): e for e in entities}
    rows = [{"kind": kind, "key": k, "name": e.name} for (kind, k), e in sorted(unique.items())]
    upsert = insert(EntityRow).values(rows)
    ids = session.execute(
        upsert.on_conflict_do_update(
            index_elements=[EntityRow.kind, EntityRow.key], set_={"name": EntityRow.__table__.c.name}
        ).returning(EntityRow.id, EntityRow.kind, EntityRow.key)
    ).all()
    by_key = {(row.kind, row.key): row.id for row in ids}
    links = [
        {
            "article_id": article_id,
            "entity_id": by_key[(kind, k)],
            "mentions": e.mentions,
            "first_offset": e.first_offset,
            "aliases": e.aliases,
        }
        for (kind, k), e in sorted(unique.items())
    ]
    session.execute(insert(ArticleEntity).values(links))


def settle(session: Session, submission_id: UUID, verdict: Verdict, article_id: int | None) -> None:
    """Record what became of a submission."""
    mark(session, submission_id, _SETTLED_AS[verdict.outcome], article_id)


def mark(session: Session, submission_id: UUID, status: str, article_id: int | None = None) -> None:
    session.execute(
        update(Submission)
        .where(Submission.id == submission_id)
        .values(status=status, article_id=article_id, updated_at=func.now())
    )


def quarantine(
    session: Session,
    *,
    submission_id: UUID,
    stage: str,
    reason: str,
    error: str,
    attempts: int,
    record: Any = None,
) -> None:
    """Keep a submission that cannot become an article, with its raw input and the reason."""
    if record is None:
        loaded = load_record(session, submission_id)
        record = loaded[0] if loaded else None
    else:
        session.execute(insert(Submission).values(id=submission_id, record=record).on_conflict_do_nothing())
    fields = record if isinstance(record, dict) else {}
    session.execute(
        insert(Quarantine)
        .values(
            submission_id=submission_id,
            stage=stage,
            reason=reason,
            error=error,
            attempts=attempts,
            url=_text_or_none(fields.get("url")),
            source=_text_or_none(fields.get("source")),
            raw=record,
        )
        .on_conflict_do_nothing()
    )
    # A failed reprocess of a stored article is recorded, but the article and its submission stay.
    session.execute(
        update(Submission)
        .where(Submission.id == submission_id, Submission.status == "accepted")
        .values(status="quarantined", updated_at=func.now())
    )


def _text_or_none(value: Any) -> str | None:
    return value[:4096] if isinstance(value, str) else None
