"""Article search for the API, the CLI and the page: web-search syntax, filters, keyset pages."""

from __future__ import annotations

import base64
import binascii
import html
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Text,
    and_,
    cast,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    tuple_,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import Session

from worker.models import Article, ArticleEntity, Entity

MAX_LIMIT = 100
_MAX_BIGINT = 2**63
# ts_headline marks hits with two control characters, which clean bodies never contain (they are
# scrubbed at parse), so a caller can escape the text and then turn them into any markup.
HIT_START, HIT_STOP = "\x02", "\x03"
_HEADLINE = f"MaxFragments=2, MaxWords=30, MinWords=12, StartSel={HIT_START}, StopSel={HIT_STOP}"

Order = Literal["relevance", "date"]


class CursorError(ValueError):
    """A pagination cursor this query did not hand out."""


@dataclass(frozen=True)
class Filters:
    """What GET /articles and `newsingest search` filter on; None is no filter."""

    language: str | None = None
    source: str | None = None
    section: str | None = None
    agency: str | None = None
    entity: str | None = None
    country: str | None = None
    since: date | datetime | None = None
    until: date | datetime | None = None
    include_copies: bool = False


def search(
    session: Session,
    words: str | None,
    filters: Filters | None = None,
    *,
    order: Order = "relevance",
    limit: int = 20,
    cursor: str | None = None,
) -> dict[str, Any]:
    """A page of matching articles with snippets, and the cursor of the next page (or None).

    Relevance puts articles whose title matches first, then ts_rank (title words weigh more than
    body words); without words, or by date, the newest first (publication date, else stored).
    """
    filters = filters or Filters()
    query = func.websearch_to_tsquery(text("'simple'"), words) if words and words.strip() else None
    by_rank = order == "relevance" and query is not None
    key = _score(query) if by_rank and query is not None else Article.sort_date
    inner = select(Article.id.label("id"), key.label("key")).where(*_conditions(query, filters))
    if cursor is not None:
        after_key, after_id = _decode(cursor, by_rank)
        inner = inner.where(tuple_(key, Article.id) < tuple_(literal(after_key, key.type), after_id))
    page = inner.order_by(key.desc().nulls_last(), Article.id.desc()).limit(limit + 1).subquery()
    rows = session.execute(_with_snippets(page, query)).all()
    hits = [dict(row._mapping) for row in rows[:limit]]
    last = rows[limit - 1] if len(rows) > limit else None
    return {"items": [_shaped(hit) for hit in hits], "next": _encode(last.key, last.id) if last else None}


def _score(query: ColumnElement[Any]) -> ColumnElement[float]:
    # ts_rank with normalisation 32 is rank / (rank + 1), below 1: a title match (1) always wins.
    title_hit = func.ts_filter(Article.search, literal_column("""'{a}'::"char"[]""")).op("@@")(query)
    return cast(cast(title_hit, Integer), Float) + cast(func.ts_rank(Article.search, query, 32), Float)


def _conditions(query: ColumnElement[Any] | None, filters: Filters) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if query is not None:
        found.append(Article.search.op("@@")(query))
    if not filters.include_copies:
        found.append(Article.status == "stored")
    for column, value in (
        (Article.language, filters.language),
        (Article.source, filters.source),
        (Article.agency, filters.agency),
    ):
        if value is not None:
            found.append(column == value)
    if filters.section is not None:
        found.append(func.lower(Article.section) == filters.section.lower())
    if filters.country is not None:
        found.append(Article.countries.contains([filters.country.upper()]))
    if filters.entity is not None:
        found.append(_names(filters.entity))
    if filters.since is not None:
        found.append(Article.sort_date >= filters.since)
    if filters.until is not None:
        end = period_end(filters.until)
        if end is not None:
            found.append(Article.sort_date < end)
    return found


def _names(entity: str) -> ColumnElement[bool]:
    """The article names the entity: by its name (any case) or its id."""
    match = func.lower(Entity.name) == entity.lower()
    if entity.isdigit() and int(entity) < _MAX_BIGINT:
        match = or_(match, Entity.id == int(entity))
    return exists().where(and_(ArticleEntity.article_id == Article.id, ArticleEntity.entity_id == Entity.id, match))


def period_end(until: date | datetime) -> date | datetime | None:
    """The exclusive end of a period: `until` a day includes that day; a datetime is taken as is."""
    if isinstance(until, datetime):
        return until
    return None if until == date.max else date.fromordinal(until.toordinal() + 1)


def _with_snippets(page: Any, query: ColumnElement[Any] | None) -> Any:
    snippet = (
        func.ts_headline(text("'simple'"), Article.body, _any_word(query), _HEADLINE)
        if query is not None
        else func.left(Article.body, 240)
    )
    return (
        select(
            Article.id,
            Article.title,
            Article.url,
            Article.source,
            Article.section,
            Article.agency,
            Article.language,
            Article.published_at,
            Article.countries,
            Article.status,
            Article.copy_of,
            Article.story_id,
            page.c.key,
            snippet.label("snippet"),
        )
        .join(page, page.c.id == Article.id)
        .order_by(page.c.key.desc().nulls_last(), Article.id.desc())
    )


def _any_word(query: ColumnElement[Any]) -> ColumnElement[Any]:
    """The query with AND turned into OR: a body hit is marked even when another word matched the title."""
    return cast(func.replace(cast(query, Text), "&", "|"), TSQUERY)


def _shaped(hit: dict[str, Any]) -> dict[str, Any]:
    key = hit.pop("key")
    hit["score"] = key if isinstance(key, float) else None
    hit["snippet_html"] = highlighted(hit["snippet"], "<mark>", "</mark>")
    hit["snippet"] = highlighted(hit["snippet"], "[", "]", escape=False)
    return hit


def highlighted(snippet: str, start: str, stop: str, *, escape: bool = True) -> str:
    """The snippet with its hits marked by start/stop; HTML-escaped first unless told not to."""
    text_ = " ".join((html.escape(snippet) if escape else snippet).split())
    return text_.replace(HIT_START, start).replace(HIT_STOP, stop)


def _encode(key: Any, article_id: int) -> str:
    value = key.isoformat() if isinstance(key, datetime) else key
    return base64.urlsafe_b64encode(json.dumps([value, article_id]).encode()).decode().rstrip("=")


def _decode(cursor: str, by_rank: bool) -> tuple[Any, int]:
    try:
        key, article_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        parsed = float(key) if by_rank else datetime.fromisoformat(key)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as error:
        raise CursorError("invalid cursor: pass the `next` value of the previous page") from error
    if not isinstance(article_id, int) or not 0 <= article_id < _MAX_BIGINT or _naive(parsed):
        raise CursorError("invalid cursor: pass the `next` value of the previous page")
    return parsed, article_id


def _naive(value: Any) -> bool:
    return isinstance(value, datetime) and value.tzinfo is None
