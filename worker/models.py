"""The tables, as SQLAlchemy 2.0 typed models. The schema changes only through Alembic."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names, so migrations can refer to them.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# The search vector: title words weigh more than body words. A generated column cannot read another,
# so `search_pairs` repeats it.
SEARCH_VECTOR = (
    "setweight(to_tsvector('simple', coalesce(title, '')), 'A') || setweight(to_tsvector('simple', body), 'B')"
)
SUBMISSION_STATUSES = ("accepted", "stored", "copy", "duplicate", "version", "quarantined")
ARTICLE_STATUSES = ("stored", "copy")
STAGES = ("ingest", "parse", "dedupe", "enrich", "store")
ENTITY_KINDS = ("person", "organization", "place", "nationality", "facility", "event", "product", "work", "law")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Submission(Base):
    """Every message a producer sent, with its raw record and what became of it."""

    __tablename__ = "submissions"
    __table_args__ = (
        CheckConstraint(_one_of("status", SUBMISSION_STATUSES), name="status"),
        Index(None, "article_id"),
        # The sweeper's question: which open submissions have not moved for a while?
        Index("ix_submissions_open", "updated_at", postgresql_where=text("status = 'accepted'")),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    record: Mapped[Any] = mapped_column(JSONB, nullable=False)
    status: Mapped[str] = mapped_column(Text, server_default="accepted")
    article_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("articles.id", ondelete="SET NULL", use_alter=True)
    )
    stage: Mapped[str | None] = mapped_column(Text, comment="the stage that last started on it")
    stage_attempts: Mapped[int] = mapped_column(Integer, server_default="0", comment="starts of that stage")
    repeats: Mapped[int] = mapped_column(Integer, server_default="0", comment="stage starts beyond the first")
    sweeps: Mapped[int] = mapped_column(Integer, server_default="0", comment="times the sweeper re-sent it")
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Article(Base):
    """One processed article: the table consumers query."""

    __tablename__ = "articles"
    __table_args__ = (
        UniqueConstraint("canonical_url"),
        UniqueConstraint("source", "producer_id"),
        UniqueConstraint("submission_id"),
        CheckConstraint(_one_of("status", ARTICLE_STATUSES), name="status"),
        Index(None, "content_hash"),
        Index(None, "published_at"),
        Index(None, "copy_of"),
        Index(None, "story_id"),
        # The words and the filters' values (migration 0008; worker.search.FACETS).
        Index(
            "ix_articles_search_facets",
            "search",
            text("article_facets(language, countries, source, agency, section)"),
            postgresql_using="gin",
        ),
        Index("ix_articles_search_pairs", "search_pairs", postgresql_using="gin"),
        Index("ix_articles_sort_date", "sort_date", "id"),
        Index(None, "source"),
        Index(None, "language"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    submission_id: Mapped[uuid.UUID] = mapped_column(UUID, ForeignKey("submissions.id"))
    url: Mapped[str | None] = mapped_column(Text)
    canonical_url: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    producer_id: Mapped[str | None] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    section: Mapped[str | None] = mapped_column(Text)
    authors: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'"))
    agency: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    published_precision: Mapped[str | None] = mapped_column(Text)
    published_source: Mapped[str | None] = mapped_column(Text)
    published_timezone: Mapped[str | None] = mapped_column(Text)
    published_utc_offset_min: Mapped[int | None] = mapped_column(Integer)
    modified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    modified_precision: Mapped[str | None] = mapped_column(Text)
    modified_source: Mapped[str | None] = mapped_column(Text)
    modified_timezone: Mapped[str | None] = mapped_column(Text)
    modified_utc_offset_min: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text)
    site_name: Mapped[str | None] = mapped_column(Text)
    image_url: Mapped[str | None] = mapped_column(Text)
    flags: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'"))
    fetched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(Text)
    language_confidence: Mapped[float | None] = mapped_column(Float)
    word_count: Mapped[int] = mapped_column(Integer)
    reading_time_s: Mapped[int] = mapped_column(Integer)
    countries: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'"))
    keywords: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'"))
    summary: Mapped[str | None] = mapped_column(Text)
    quotes: Mapped[Any] = mapped_column(JSONB, server_default=text("'[]'"))
    ner_model: Mapped[str | None] = mapped_column(Text)
    ner_skipped: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(Text)
    copy_of: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("articles.id"))
    copy_method: Mapped[str | None] = mapped_column(Text)
    match_score: Mapped[float | None] = mapped_column(Float)
    story_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("stories.id"))
    syndicated: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    changes: Mapped[Any] = mapped_column(JSONB, nullable=True)
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    parser_version: Mapped[str] = mapped_column(Text)
    enricher_version: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)
    search: Mapped[Any] = mapped_column(TSVECTOR, Computed(SEARCH_VECTOR, persisted=True))
    # Hashes of the vector's adjacent word pairs, which a phrase's pairs must be among (word_pairs()
    # and word_pair_key() are defined by migration 0007).
    search_pairs: Mapped[list[int] | None] = mapped_column(
        ARRAY(Integer), Computed(f"word_pairs({SEARCH_VECTOR})", persisted=True)
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # The publication date, else when stored: what "by date" orders and pages on.
    sort_date: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), Computed("coalesce(published_at, created_at)", persisted=True)
    )


class Story(Base):
    """Every copy of one story points here; `canonical_id` is the earliest published, then first seen."""

    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    canonical_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("articles.id", use_alter=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ArticleBand(Base):
    """One MinHash LSH band key of an article's body: the index near duplicates are found through."""

    __tablename__ = "article_bands"

    band_key: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ArticleVersion(Base):
    """An earlier content of an article whose page changed; the `articles` row holds the latest."""

    __tablename__ = "article_versions"
    __table_args__ = (UniqueConstraint("article_id", "version"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    article_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("articles.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    submission_id: Mapped[uuid.UUID] = mapped_column(UUID)
    title: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    stored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    replaced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Boilerplate(Base):
    """How many stored articles of a source contained a short line: the source's boilerplate."""

    __tablename__ = "boilerplate"

    source: Mapped[str] = mapped_column(Text, primary_key=True)
    line_key: Mapped[str] = mapped_column(Text, primary_key=True)
    line: Mapped[str] = mapped_column(Text)
    articles: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Quarantine(Base):
    """A submission that cannot become an article, kept with its raw input and the reason."""

    __tablename__ = "quarantine"
    __table_args__ = (
        # One open entry per submission; a retried entry is kept as history.
        Index(
            "uq_quarantine_open_submission_id",
            "submission_id",
            unique=True,
            postgresql_where=text("retried_at IS NULL"),
        ),
        CheckConstraint(_one_of("stage", STAGES), name="stage"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    submission_id: Mapped[uuid.UUID] = mapped_column(UUID)
    stage: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    error: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer)
    url: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    raw: Mapped[Any] = mapped_column(JSONB, nullable=True)
    retried_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Entity(Base):
    """A named entity shared across articles: one row per kind and normalised name."""

    __tablename__ = "entities"
    __table_args__ = (
        UniqueConstraint("kind", "key"),
        CheckConstraint(_one_of("kind", ENTITY_KINDS), name="kind"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    key: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ArticleEntity(Base):
    """Which entities an article names, how often, where first, and under which other forms."""

    __tablename__ = "article_entities"
    __table_args__ = (Index(None, "entity_id"),)

    article_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    entity_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("entities.id"), primary_key=True)
    mentions: Mapped[int] = mapped_column(Integer)
    first_offset: Mapped[int | None] = mapped_column(Integer)
    aliases: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'"))


class FeedPending(Base):
    """A change to an article not yet numbered: written by a trigger, numbered by feed_publish()."""

    __tablename__ = "feed_pending"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    article_id: Mapped[int] = mapped_column(BigInteger)
    created: Mapped[bool] = mapped_column(Boolean)
    noted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class FeedEntry(Base):
    """The change feed: one numbered entry per article changed, numbers in commit order, no gaps."""

    __tablename__ = "article_feed"
    __table_args__ = (CheckConstraint("change IN ('created', 'updated')", name="change"),)

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    article_id: Mapped[int] = mapped_column(BigInteger)
    change: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class FeedHead(Base):
    """The one row holding the feed's last number; its row lock serialises feed_publish()."""

    __tablename__ = "feed_head"
    __table_args__ = (CheckConstraint("id", name="one_row"),)

    id: Mapped[bool] = mapped_column(Boolean, primary_key=True, server_default=text("true"))
    seq: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
