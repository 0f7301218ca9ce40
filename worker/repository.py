"""Loading and saving through SQLAlchemy: pydantic models in, plain values out, no rules."""

from __future__ import annotations

import json
from datetime import timedelta
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import Select, and_, any_, bindparam, case, delete, func, insert, or_, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session
from sqlalchemy.types import BigInteger

from schemas import DatedValue, DedupedArticle, EnrichedArticle, Entity
from worker.models import (
    Article,
    ArticleBand,
    ArticleEntity,
    ArticleVersion,
    Base,
    Quarantine,
    Story,
    Submission,
)
from worker.pipeline.clean import scrub
from worker.pipeline.dedupe import Match, Verdict
from worker.pipeline.similar import Candidate
from worker.pipeline.stories import Copy

# Columns that say which article a row is: set once by the store, never by reprocessing.
_IDENTITY = frozenset({"submission_id", "url", "canonical_url", "source", "producer_id"})
_SETTLED_AS = {"new": "stored", "copy": "copy", "duplicate": "duplicate", "version": "version"}
# The candidates sharing the most band keys are checked first; a body sharing bands with more
# stored articles than this is boilerplate, and checking every one would make a store unbounded.
MAX_CANDIDATES = 50

# The statements that run for every article are built once, on the tables rather than the mapped
# classes, and take their values as parameters: built per call, each cost more of the worker's CPU
# (constructing, caching, the ORM's execution) than PostgreSQL spent on it.
_tables = Base.metadata.tables
_submissions, _articles, _bands = _tables["submissions"].c, _tables["articles"], _tables["article_bands"]
_boilerplate, _stories = _tables["boilerplate"], _tables["stories"]
_THE_SUBMISSION = _submissions.id == bindparam("submission")


def accept(session: Session, submission_id: UUID, record: Any) -> str:
    """Record a submission (once, whatever the redeliveries) and return its current status.

    A producer with the ledger on has recorded it already: then the record (often a whole web
    page) is not sent to the database a second time.
    """
    status = status_of(session, submission_id)
    if status is None:
        session.execute(pg_insert(Submission).values(id=submission_id, record=record).on_conflict_do_nothing())
        status = status_of(session, submission_id)
    return status or "accepted"


def record_submissions(session: Session, records: list[tuple[UUID, Any]]) -> None:
    """The producer's ledger: every submission is in PostgreSQL before its message is sent."""
    if records:
        rows = [{"id": submission_id, "record": record} for submission_id, record in records]
        session.execute(pg_insert(Submission).values(rows).on_conflict_do_nothing())


# PostgreSQL's asynchronous commit for the rest of the current transaction (SET LOCAL's effect),
# also when that transaction is one statement run alone (autocommit), where a SET LOCAL does nothing.
_WITHOUT_WAITING = func.set_config("synchronous_commit", "off", True)
_ASYNC_COMMIT = select(_WITHOUT_WAITING)
_same_stage = _submissions.stage == bindparam("stage_name")
_BEGIN_STAGE = (
    update(_tables["submissions"])
    .where(_THE_SUBMISSION)
    .values(
        stage=bindparam("stage_name"),
        stage_attempts=case((_same_stage, _submissions.stage_attempts + 1), else_=1),
        repeats=case((_same_stage, _submissions.repeats + 1), else_=_submissions.repeats),
        updated_at=func.now(),
    )
    .returning(_submissions.status, _submissions.stage_attempts, _WITHOUT_WAITING)
)


def commit_without_waiting(session: Session) -> None:
    """Let this transaction's commit return before its WAL reaches the disk (PostgreSQL's
    asynchronous commit): a crash in the next moment may lose it, never corrupt anything."""
    session.execute(_ASYNC_COMMIT)


def begin_stage(session: Session, submission_id: UUID, stage: str) -> tuple[str, int] | None:
    """Note that a stage starts on a submission; return its status and how often this stage started.

    The note need not survive a database crash (a start counted too few or an older updated_at
    only delays the sweeper or the crash-loop guard), so its commit does not wait for the disk:
    that wait was the largest cost a stage added to an article (bench/scaling.py). The statement
    returns the setting with its row, so that holds when it runs alone (db.autocommit) too.
    """
    row = session.execute(_BEGIN_STAGE, {"submission": submission_id, "stage_name": stage}).first()
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


_STATUS = select(_submissions.status).where(_THE_SUBMISSION)
_STATUS_LOCKED = _STATUS.with_for_update()
_RECORD = select(_submissions.record, _submissions.status).where(_THE_SUBMISSION)
_LOCK_KEYS = text("SELECT count(pg_advisory_xact_lock(k)) FROM unnest(:keys) AS k").bindparams(
    bindparam("keys", type_=ARRAY(BigInteger))
)


def status_of(session: Session, submission_id: UUID, *, lock: bool = False) -> str | None:
    status: str | None = session.scalar(_STATUS_LOCKED if lock else _STATUS, {"submission": submission_id})
    return status


def load_record(session: Session, submission_id: UUID) -> tuple[Any, str] | None:
    """The raw record of a submission and its status, or None if it was never accepted."""
    row = session.execute(_RECORD, {"submission": submission_id}).first()
    return (row.record, row.status) if row else None


def lock_keys(session: Session, keys: list[int]) -> None:
    """Take transaction-level advisory locks on the keys, in the (sorted) order given."""
    session.execute(_LOCK_KEYS, {"keys": keys})


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
    values = {k: v for k, v in article_values(article).items() if k not in _IDENTITY}
    session.execute(update(Article).where(Article.id == article_id).values(**values, updated_at=func.now()))
    link_entities(session, article_id, article.entities)
    return article_id


# A NULL canonical URL or producer id matches nothing (`= NULL` is never true).
_MATCHES = (
    select(
        _articles.c.id,
        _articles.c.story_id,
        _articles.c.canonical_url,
        _articles.c.source,
        _articles.c.producer_id,
        _articles.c.content_hash,
    )
    .where(
        or_(
            _articles.c.content_hash == bindparam("content_hash"),
            _articles.c.canonical_url == bindparam("canonical_url"),
            and_(_articles.c.source == bindparam("source"), _articles.c.producer_id == bindparam("producer_id")),
        )
    )
    .order_by(_articles.c.id)
)
_SHARING_BANDS = (
    select(_bands.c.article_id, func.count().label("shared"))
    .where(_bands.c.band_key == any_(bindparam("keys", type_=ARRAY(BigInteger))))
    .group_by(_bands.c.article_id)
    .order_by(func.count().desc(), _bands.c.article_id)
    .limit(MAX_CANDIDATES)
    .subquery()
)
_CANDIDATES = select(_articles.c.id, _articles.c.story_id, _articles.c.body).join(
    _SHARING_BANDS, _SHARING_BANDS.c.article_id == _articles.c.id
)


def find_matches(session: Session, article: DedupedArticle) -> list[Match]:
    """Stored articles sharing the canonical URL, the producer id or the body fingerprint."""
    keys = {
        "content_hash": article.content_hash,
        "canonical_url": article.canonical_url,
        "source": article.source,
        "producer_id": article.producer_id,
    }
    rows = session.execute(_MATCHES, keys)
    matches = []
    for row in rows:
        if article.canonical_url and row.canonical_url == article.canonical_url:
            matches.append(Match(row.id, "canonical_url", row.story_id))
        if article.producer_id and (row.source, row.producer_id) == (article.source, article.producer_id):
            matches.append(Match(row.id, "producer_id", row.story_id))
        if row.content_hash == article.content_hash:
            matches.append(Match(row.id, "content_hash", row.story_id))
    return matches


def find_candidates(session: Session, band_keys: list[int]) -> list[Candidate]:
    """Stored articles sharing at least one band key, those sharing the most first."""
    if not band_keys:
        return []
    rows = session.execute(_CANDIDATES, {"keys": band_keys})
    return [Candidate(row.id, row.story_id, row.body) for row in rows]


def save_bands(session: Session, article_id: int, band_keys: list[int], *, fresh: bool = False) -> None:
    """Replace an article's band keys (a `fresh` article has none yet)."""
    if not fresh:
        session.execute(delete(ArticleBand).where(ArticleBand.article_id == article_id))
    if band_keys:
        session.execute(_INSERT_BANDS, {"article_id": article_id, "keys": band_keys})


def lock_story(session: Session, story_id: int) -> tuple[int, Copy]:
    """Lock a story (its canonical copy may change) and return its canonical article."""
    row = session.execute(
        select(Article.id, Article.title, Article.body, Article.agency, Article.published_at)
        .join(Story, Story.canonical_id == Article.id)
        .where(Story.id == story_id)
        .with_for_update(of=Story)
    ).one()
    return row.id, Copy(row.title, row.body, row.agency, row.published_at)


def set_canonical(session: Session, story_id: int, article_id: int) -> None:
    session.execute(update(Story).where(Story.id == story_id).values(canonical_id=article_id))


def replace_content(session: Session, article_id: int, article: EnrichedArticle) -> None:
    """Keep the article's current content as a version and put the new one in its place."""
    current = (
        select(
            Article.id,
            Article.version,
            Article.submission_id,
            Article.title,
            Article.body,
            Article.content_hash,
            Article.published_at,
            Article.updated_at,
        )
        .where(Article.id == article_id)
        .with_for_update()
    )
    columns = ["article_id", "version", "submission_id", "title", "body", "content_hash", "published_at", "stored_at"]
    session.execute(insert(ArticleVersion).from_select(columns, current))
    values = article_values(article) | {"version": Article.version + 1, "updated_at": func.now()}
    for key in ("submission_id", "canonical_url", "source", "producer_id"):  # the identity stays
        values.pop(key)
    session.execute(update(Article).where(Article.id == article_id).values(**values))
    link_entities(session, article_id, article.entities)


# Rows of many go as one array or JSON parameter, so that each is one statement of one text.
_INSERT_ARTICLE = pg_insert(_articles).on_conflict_do_nothing().returning(_articles.c.id)
_LINK_ENTITIES = text(
    """
    WITH given AS (
        SELECT * FROM jsonb_to_recordset(CAST(:rows AS jsonb))
            AS g(kind text, key text, name text, mentions int, first_offset int, aliases text[])
    ), upserted AS (
        INSERT INTO entities (kind, key, name)
        SELECT kind, key, name FROM given ORDER BY kind, key
        ON CONFLICT (kind, key) DO UPDATE SET name = entities.name
        RETURNING id, kind, key
    )
    INSERT INTO article_entities (article_id, entity_id, mentions, first_offset, aliases)
    SELECT :article_id, upserted.id, given.mentions, given.first_offset, given.aliases
    FROM given JOIN upserted USING (kind, key)
    """
)
_INSERT_BANDS = text(
    "INSERT INTO article_bands (band_key, article_id) SELECT unnest(CAST(:keys AS bigint[])), :article_id"
)


@cache
def _insert_with_story(columns: tuple[str, ...]) -> Select[int]:
    """An article and a story of its own, one statement: the article takes the story's number
    from its sequence, the story is inserted from what the article's insert returned (nothing
    when a unique key was taken), and both foreign keys are checked once both rows are there.

    It replaced an insert then an update setting the story: the update wrote the row a second
    time, with new entries in every index (both GIN indexes too) and a second note in the feed.
    """
    values = {name: bindparam(name, type_=_articles.c[name].type) for name in columns}
    article = (
        pg_insert(_articles)
        .values(values | {"story_id": func.nextval(func.pg_get_serial_sequence("stories", "id"))})
        .on_conflict_do_nothing()
        .returning(_articles.c.id, _articles.c.story_id)
        .cte("article")
    )
    story = insert(_stories).from_select(["id", "canonical_id"], select(article.c.story_id, article.c.id))
    return select(article.c.id).add_cte(story.cte("story"))


_COUNT_BOILERPLATE = pg_insert(_boilerplate).on_conflict_do_update(
    index_elements=[_boilerplate.c.source, _boilerplate.c.line_key],
    set_={"articles": _boilerplate.c.articles + 1, "updated_at": func.now()},
)


def insert_article(session: Session, article: EnrichedArticle, verdict: Verdict, **story: Any) -> int | None:
    """Insert the article; None when a unique key (URL, producer id) was taken meanwhile.

    A copy joins a story: `story` holds its columns (`story_id`, `syndicated`, `agency`,
    `changes`). Any other article starts a story of its own, in the same statement.
    """
    is_copy = verdict.outcome == "copy"
    values = article_values(article) | {
        "copy_of": verdict.article_id if is_copy else None,
        "copy_method": _METHODS.get(verdict.reason or "") if is_copy else None,
        "match_score": verdict.score if is_copy else None,
        "status": "copy" if is_copy else "stored",
    }
    statement = _INSERT_ARTICLE if is_copy else _insert_with_story(tuple(values))
    article_id: int | None = session.scalar(statement, values | story)
    if article_id is not None:
        link_entities(session, article_id, article.entities, fresh=True)
    return article_id


def link_entities(session: Session, article_id: int, entities: list[Entity], *, fresh: bool = False) -> None:
    """Replace an article's entity links (a `fresh` article has none yet); entities are shared
    rows, inserted once per kind and key, in one statement.

    Rows are upserted in (kind, key) order so that two transactions naming the same entities
    lock them in the same order and cannot deadlock.
    """
    if not fresh:
        session.execute(delete(ArticleEntity).where(ArticleEntity.article_id == article_id))
    if not entities:
        return
    unique = {(e.kind, e.key): e for e in entities}
    columns = {"kind", "key", "name", "mentions", "first_offset", "aliases"}
    rows = [e.model_dump(include=columns) for _, e in sorted(unique.items())]
    session.execute(_LINK_ENTITIES, {"article_id": article_id, "rows": json.dumps(rows)})


_METHODS = {"content_hash": "exact", "minhash": "minhash"}


def article_values(article: EnrichedArticle) -> dict[str, Any]:
    return (
        article.model_dump(exclude={"published", "modified", "language_hint", "entities", "quotes"})
        | {"quotes": [quote.model_dump() for quote in article.quotes]}
        | _dated("published", article.published)
        | _dated("modified", article.modified)
    )


def _dated(prefix: str, dated: DatedValue | None) -> dict[str, Any]:
    return {
        f"{prefix}_at": dated.value if dated else None,
        f"{prefix}_precision": dated.precision if dated else None,
        f"{prefix}_source": dated.source if dated else None,
        f"{prefix}_timezone": dated.timezone if dated else None,
        f"{prefix}_utc_offset_min": dated.utc_offset_min if dated else None,
    }


_KNOWN_BOILERPLATE = select(_boilerplate.c.line_key).where(
    _boilerplate.c.source == bindparam("source"), _boilerplate.c.articles >= bindparam("min_articles")
)


def known_boilerplate(session: Session, source: str, min_articles: int) -> frozenset[str]:
    """Keys of the lines seen in at least `min_articles` stored articles of a source."""
    return frozenset(session.scalars(_KNOWN_BOILERPLATE, {"source": source, "min_articles": min_articles}))


def count_boilerplate(session: Session, source: str, lines: dict[str, str]) -> None:
    """Add one article to the count of each of its lines (called once, when the article is stored)."""
    if not lines:
        return
    rows = [{"source": source, "line_key": key, "line": line, "articles": 1} for key, line in sorted(lines.items())]
    session.execute(_COUNT_BOILERPLATE, rows)


def settle(session: Session, submission_id: UUID, verdict: Verdict, article_id: int | None) -> None:
    """Record what became of a submission."""
    mark(session, submission_id, _SETTLED_AS[verdict.outcome], article_id)


_MARK = (
    update(_tables["submissions"])
    .where(_THE_SUBMISSION)
    .values(status=bindparam("new_status"), article_id=bindparam("new_article_id"), updated_at=func.now())
)


def mark(session: Session, submission_id: UUID, status: str, article_id: int | None = None) -> None:
    session.execute(_MARK, {"submission": submission_id, "new_status": status, "new_article_id": article_id})


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
        session.execute(pg_insert(Submission).values(id=submission_id, record=record).on_conflict_do_nothing())
    fields = record if isinstance(record, dict) else {}
    session.execute(
        pg_insert(Quarantine)
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
    # A failed reprocess of a stored article is recorded, but the article and its submission stay.
    session.execute(
        update(Submission)
        .where(Submission.id == submission_id, Submission.status == "accepted")
        .values(status="quarantined", updated_at=func.now())
    )


def _text_or_none(value: Any) -> str | None:
    return value[:4096] if isinstance(value, str) else None


def publish_feed(session: Session) -> int:
    """Number committed article changes in commit order; returns the feed's head (decision 0004)."""
    return int(session.scalar(text("SELECT feed_publish()")) or 0)
