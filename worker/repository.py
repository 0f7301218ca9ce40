"""Loading and saving through SQLAlchemy: pydantic models in, plain values out, no rules."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import case, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from schemas import DedupedArticle, EnrichedArticle
from worker.models import Article, Quarantine, Submission
from worker.pipeline.clean import scrub
from worker.pipeline.dedupe import Match, Verdict

_SETTLED_AS = {"new": "stored", "copy": "copy", "duplicate": "duplicate"}


def accept(session: Session, submission_id: UUID, record: Any) -> str:
    """Record a submission (once, whatever the redeliveries) and return its current status."""
    session.execute(insert(Submission).values(id=submission_id, record=record).on_conflict_do_nothing())
    return status_of(session, submission_id) or "accepted"


def record_submissions(session: Session, records: list[tuple[UUID, Any]]) -> None:
    """The producer's ledger: every submission is in PostgreSQL before its message is sent."""
    if records:
        rows = [{"id": submission_id, "record": record} for submission_id, record in records]
        session.execute(insert(Submission).values(rows).on_conflict_do_nothing())


def begin_stage(session: Session, submission_id: UUID, stage: str) -> tuple[str, int] | None:
    """Note that a stage starts on a submission; return its status and how often this stage started."""
    same_stage = Submission.stage == stage
    row = session.execute(
        update(Submission)
        .where(Submission.id == submission_id)
        .values(
            stage=stage,
            stage_attempts=case((same_stage, Submission.stage_attempts + 1), else_=1),
            repeats=case((same_stage, Submission.repeats + 1), else_=Submission.repeats),
            updated_at=func.now(),
        )
        .returning(Submission.status, Submission.stage_attempts)
    ).first()
    return (row.status, row.stage_attempts) if row else None


def claim_stale(session: Session, idle_s: int, limit: int) -> list[UUID]:
    """Open submissions that have not moved for idle_s seconds, claimed for the sweeper to re-send."""
    stale = (
        select(Submission.id)
        .where(Submission.status == "accepted", Submission.updated_at < func.now() - timedelta(seconds=idle_s))
        .order_by(Submission.updated_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = session.scalars(
        update(Submission)
        .where(Submission.id.in_(stale.scalar_subquery()))
        .values(sweeps=Submission.sweeps + 1, stage=None, stage_attempts=0, updated_at=func.now())
        .returning(Submission.id)
    )
    return list(claimed)


def try_lock(session: Session, key: int) -> bool:
    """A transaction-level advisory lock, without waiting: only one holder at a time."""
    return bool(session.scalar(select(func.pg_try_advisory_xact_lock(key))))


def reopen_quarantined(session: Session, submission_ids: list[UUID] | None) -> list[UUID]:
    """Mark open quarantine entries retried (kept as history) and reopen their submissions."""
    entries = update(Quarantine).where(Quarantine.retried_at.is_(None))
    if submission_ids is not None:
        entries = entries.where(Quarantine.submission_id.in_(submission_ids))
    reopened = list(session.scalars(entries.values(retried_at=func.now()).returning(Quarantine.submission_id)))
    session.execute(
        update(Submission)
        .where(Submission.id.in_(reopened), Submission.status == "quarantined")
        .values(status="accepted", stage=None, stage_attempts=0, updated_at=func.now())
    )
    return reopened


def status_of(session: Session, submission_id: UUID, *, lock: bool = False) -> str | None:
    query = select(Submission.status).where(Submission.id == submission_id)
    return session.scalar(query.with_for_update() if lock else query)


def load_record(session: Session, submission_id: UUID) -> tuple[Any, str] | None:
    """The raw record of a submission and its status, or None if it was never accepted."""
    row = session.execute(select(Submission.record, Submission.status).where(Submission.id == submission_id)).first()
    return (row.record, row.status) if row else None


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
    published = article.published
    values = article.model_dump(
        exclude={"published", "language_hint"},
    ) | {
        "published_at": published.value if published else None,
        "published_precision": published.precision if published else None,
        "published_source": published.source if published else None,
        "published_timezone": published.timezone if published else None,
        "copy_of": verdict.article_id if verdict.outcome == "copy" else None,
        "copy_method": "exact" if verdict.outcome == "copy" else None,
        "status": "copy" if verdict.outcome == "copy" else "stored",
    }
    statement = insert(Article).values(**values).on_conflict_do_nothing().returning(Article.id)
    return session.scalar(statement)


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
        record = scrub(record)
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
        .on_conflict_do_nothing(index_elements=["submission_id"], index_where=Quarantine.retried_at.is_(None))
    )
    mark(session, submission_id, "quarantined")


def _text_or_none(value: Any) -> str | None:
    return value[:4096] if isinstance(value, str) else None
