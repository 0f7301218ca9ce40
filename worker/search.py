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
    BigInteger,
    ColumnElement,
    Float,
    Integer,
    Text,
    and_,
    any_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    text,
    tuple_,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSQUERY, array
from sqlalchemy.orm import Session

from worker.models import Article, ArticleEntity, Entity
from worker.phrases import has_loose_words, required_pairs

MAX_LIMIT = 100
# Relevance ranks this many of the newest matches (see search()): ranking every match of a common
# word (a third of a million rows) took seconds. Each ranked row costs a TOASTed vector read
# (some 5 buffers): at 1,000 the ranking alone took 20 to 45 ms of the 100 ms goal at 1M rows.
RANK_WINDOW = 500
# How the newest matches are found (_newest()): walking the date index reads ~RANK_WINDOW / share
# rows' vectors, so it pays when at least WALK_SHARE of the rows match (at 1M rows 0.12 beat 0.3
# and 0.06 on words in 4% to 30% of the rows: the GIN bitmap of a common word costs more than a
# few thousand vectors); up to GIN_ALONE windows of matches are read from the GIN index alone; in
# between, the newest slice of the date index expected to hold WINDOW_SLACK windows of matches is
# intersected with the GIN index.
WALK_SHARE = 0.12
GIN_ALONE = 5
WINDOW_SLACK = 1.5
# The newest rows a date slice's floor is counted out for; a wider slice's is extrapolated.
COUNTED_ROWS = 10_000
_MAX_BIGINT = 2**63
# ts_headline marks hits with two control characters, which clean bodies never contain (they are
# scrubbed at parse), so a caller can escape the text and then turn them into any markup.
HIT_START, HIT_STOP = "\x02", "\x03"
# The filters' values of a row, as "l:fr", "c:KE", "s:<source>", "a:<agency>", "n:<section>": the
# second column of the search's GIN index (migration 0008), so a word and its filters are one
# index scan that yields only the rows meeting all of them, and the heap is read for those alone.
FACETS = func.article_facets(Article.language, Article.countries, Article.source, Article.agency, Article.section)
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

    Relevance ranks the newest RANK_WINDOW matches (by date, as order=date has them): among those,
    articles whose title matches first, then ts_rank (title words weigh more than body words). A
    query matching more articles than that is a news search: an older match is not ranked, and
    order=date reaches every match. Without words, or by date, the newest first (publication date,
    else stored). Snippets are made for the returned page only.
    """
    filters = filters or Filters()
    # No JIT: it compiled for 25 ms a query that then ran in 4. Bitmaps of a date slice and of a
    # word stay exact in this work_mem (lossy ones recheck every row's vector).
    session.execute(text("SELECT set_config('jit', 'off', true), set_config('work_mem', '32MB', true)"))
    matched = _words(session, words) if words and words.strip() else None
    if order == "relevance" and matched is not None:
        return _ranked(session, matched, filters, limit=limit, cursor=cursor)
    query = matched.query if matched is not None else None
    key = Article.sort_date
    inner = select(Article.id.label("id"), key.label("key")).where(*_conditions(matched, filters))
    if cursor is not None:
        after_key, after_id, _ = _decode(cursor, by_rank=False)
        inner = inner.where(tuple_(key, Article.id) < tuple_(literal(after_key, key.type), after_id))
    page = inner.order_by(key.desc(), Article.id.desc()).limit(limit + 1).subquery()
    rows = session.execute(_with_snippets(page, query, limit)).all()
    last = rows[limit - 1] if len(rows) > limit else None
    return {
        "items": [_shaped(dict(row._mapping)) for row in rows[:limit]],
        "next": _encode([last.key, last.id]) if last else None,
    }


@dataclass(frozen=True)
class _Words:
    """The search words as a tsquery, the row condition that checks it, and the word pairs its
    phrases require of a row (None when they require none)."""

    query: ColumnElement[Any]
    match: ColumnElement[bool]
    pairs: ColumnElement[bool] | None


def _words(session: Session, words: str) -> _Words:
    """When every word that narrows the query stands in a phrase, its pairs (GIN-indexed) find the
    rows and the tsquery, the only judge (the keys are hashes), is checked by its function, which
    the planner cannot match to the word index: that index would add only its bitmap (~50 ms for
    common words). A word outside the phrases narrows by the word index, as before the pairs: with
    both, the planner read the bitmap of a pair in 42% of the rows (300 ms) to spare a few rows."""
    query = func.websearch_to_tsquery(text("'simple'"), words)
    tsquery = session.scalar(select(cast(query, Text))) or ""
    need = required_pairs(tsquery)
    if not need or has_loose_words(tsquery):
        return _Words(query, Article.search.op("@@")(query), None)
    keys = [array([func.word_pair_key(*pair) for pair in sorted(one)]) for one in need]
    pairs = or_(*(Article.search_pairs.contains(one) for one in keys))
    return _Words(query, func.ts_match_vq(Article.search, query), pairs)


def _ranked(session: Session, matched: _Words, filters: Filters, *, limit: int, cursor: str | None) -> dict[str, Any]:
    """Relevance order within a window of the newest matches, fixed by the first page.

    The first page ranks the newest RANK_WINDOW matches (`_newest`), and its cursor carries the
    window's oldest (sort_date, id). Later pages rank every match at or after that edge: the rows
    of the first page's window are all still there, so pages neither repeat nor skip; an article
    stored since may join the window (below the cursor's score only).
    """
    query, conditions = matched.query, _conditions(matched, filters)
    after: tuple[float, int] | None = None
    if cursor is None:
        matches = _matches(session, matched, filters)
        window = _newest(session, conditions, matches, phrase=matched.pairs is not None)
        if not window:
            return {"items": [], "next": None}
        edge = window[-1]
        # One array parameter, not one per id: psycopg converts a query with 500 parameters slowly.
        ids = bindparam("window_ids", [article_id for _, article_id in window], type_=ARRAY(BigInteger))
        members = _first_tier(query, Article.id == any_(ids), limit)
    else:
        after_key, after_id, edge = _decode(cursor, by_rank=True)
        after = (after_key, after_id)
        members = and_(*_after_or_at(edge), *conditions)
    scored = select(Article.id.label("id"), _score(query).label("key")).where(members).subquery()
    inner = select(scored)
    if after is not None:
        inner = inner.where(tuple_(scored.c.key, scored.c.id) < tuple_(literal(after[0], Float), after[1]))
    page = inner.order_by(scored.c.key.desc(), scored.c.id.desc()).limit(limit + 1).subquery()
    rows = session.execute(_with_snippets(page, query, limit)).all()
    last = rows[limit - 1] if len(rows) > limit else None
    return {
        "items": [_shaped(dict(row._mapping)) for row in rows[:limit]],
        "next": _encode([last.key, last.id, *edge]) if last else None,
    }


def _after_or_at(edge: tuple[datetime, int]) -> list[ColumnElement[bool]]:
    # The plain date bound lets the planner intersect the date index's range with the GIN index.
    edge_date = literal(edge[0], Article.sort_date.type)
    return [Article.sort_date >= edge_date, tuple_(Article.sort_date, Article.id) >= tuple_(edge_date, edge[1])]


def _newest(session: Session, conditions: list[ColumnElement[bool]], matches: float, *, phrase: bool) -> list[Any]:
    """(sort_date, id) of the newest RANK_WINDOW rows meeting the conditions, newest first.

    Only the date and the id are read, never the search vector (TOASTed, some 5 buffers a row),
    unless the GIN indexes cannot decide alone (a phrase: the rows holding its pairs are checked).
    Which index finds them depends on how many rows match (`matches`, the planner's estimate): a
    common word walks the date index until enough match (not a phrase, as before the pairs: a walk
    for a common phrase was not measured); a rarer one intersects the GIN indexes with the newest
    slice of the date index that should hold some WINDOW_SLACK times enough (widened if it holds
    too few); a rare one reads the GIN indexes alone. The date is hidden from the index's order
    (`+ 0 s`) off the walk, as otherwise the planner walks the date index checking every row's vector.
    """
    rows_in_all = _estimate(session, select(Article.id))
    share = matches / rows_in_all
    if not phrase and share >= WALK_SHARE:
        walk = select(Article.sort_date, Article.id).where(*conditions)
        return list(session.execute(walk.order_by(Article.sort_date.desc(), Article.id.desc()).limit(RANK_WINDOW)))
    by_date = ((Article.sort_date + literal_column("interval '0 s'")).desc(), Article.id.desc())
    span = max(WINDOW_SLACK * RANK_WINDOW / share, RANK_WINDOW)  # fewer rows cannot hold a window
    while True:
        alone = matches <= GIN_ALONE * RANK_WINDOW or span >= rows_in_all / 2
        floor = None if alone else _date_of(session, int(span))
        bound = [] if floor is None else [Article.sort_date >= floor]
        bounded = select(Article.sort_date, Article.id).where(*bound, *conditions).order_by(*by_date)
        rows = list(session.execute(bounded.limit(RANK_WINDOW)))
        if floor is None or len(rows) == RANK_WINDOW:
            return rows
        # Fewer matched than estimated (words that go together less than the planner assumes; a
        # longer phrase, whose pairs it takes as independent): widen to what the slice's share asks.
        span *= max(4.0, WINDOW_SLACK * RANK_WINDOW / max(len(rows), 1))


def _date_of(session: Session, newest_rows: int) -> datetime | None:
    """The sort_date below which the date index holds all but about its `newest_rows` newest rows.

    Counted out on the index up to COUNTED_ROWS (0.23 us a row: 70 ms for 300,000 at 1M rows);
    beyond, the time the newest COUNTED_ROWS span is stretched to the rows asked for, as articles
    keep coming at much the same rate (a slice too narrow is widened; only the first hundred rows
    are left out, so that an article dated far ahead does not stretch it)."""
    if newest_rows <= COUNTED_ROWS:
        return _counted(session, newest_rows)
    near, far = _counted(session, COUNTED_ROWS // 100), _counted(session, COUNTED_ROWS)
    if near is None or far is None:
        return None
    try:
        return far - (near - far) * ((newest_rows - COUNTED_ROWS) / (COUNTED_ROWS - COUNTED_ROWS // 100))
    except OverflowError:  # before year 1: every row
        return None


def _counted(session: Session, newest_rows: int) -> datetime | None:
    offset = select(Article.sort_date).order_by(Article.sort_date.desc(), Article.id.desc()).offset(newest_rows)
    return session.scalar(offset.limit(1))


def _estimate(session: Session, statement: Any) -> float:
    """How many rows the planner expects the statement to return (EXPLAIN; runs nothing)."""
    compiled = statement.compile(dialect=session.get_bind().dialect)
    plan = session.connection().exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params).scalar_one()
    return float((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]["Plan Rows"])


def _first_tier(query: ColumnElement[Any], window: ColumnElement[bool], limit: int) -> ColumnElement[bool]:
    """The window's rows whose title matches, when they fill the first page and one more (they all
    outrank the others), else the whole window: only the rows ranked read their vectors."""
    filled = select(func.count() > limit).where(window, _title_hit(query)).scalar_subquery()
    return and_(window, or_(_title_hit(query), not_(filled)))


def _title_hit(query: ColumnElement[Any]) -> ColumnElement[bool]:
    # Read from the title (in line, short), not from the vector's title part: each use of the
    # TOASTed vector reads it again.
    return func.to_tsvector(text("'simple'"), func.coalesce(Article.title, "")).op("@@")(query)


def _score(query: ColumnElement[Any]) -> ColumnElement[float]:
    # ts_rank with normalisation 32 is rank / (rank + 1), below 1: a title match (1) always wins.
    return cast(cast(_title_hit(query), Integer), Float) + cast(func.ts_rank(Article.search, query, 32), Float)


def _matches(session: Session, matched: _Words, filters: Filters) -> float:
    """How many rows the planner expects to match. It takes a phrase as the AND of its words (too
    many) and its pairs as independent of those words (too few): the least of the two is taken.
    It takes filters as independent of each other too, though they go together (a French article
    about Kenya): 10% French times 5% Kenyan made 0.5% of the rows where 5% were, and a ten times
    too narrow estimate sent a search to read 20,000 rows (130 ms). The least over each filter
    alone is taken: too wide an estimate costs a date slice that is widened, far less."""
    words = [Article.search.op("@@")(matched.query)] + ([matched.pairs] if matched.pairs is not None else [])
    others = _filtering(filters, facets=False)
    each = [[_holding([facet])] for facet in _facets(filters)] or [[]]
    return min(_estimate(session, select(Article.id).where(word, *others, *facet)) for word in words for facet in each)


def _conditions(matched: _Words | None, filters: Filters) -> list[ColumnElement[bool]]:
    """What a matching row meets: the pairs its phrases require, the filters, the tsquery."""
    if matched is None:
        return _filtering(filters)
    return [*([matched.pairs] if matched.pairs is not None else []), *_filtering(filters), matched.match]


def _filtering(filters: Filters, *, facets: bool = True) -> list[ColumnElement[bool]]:
    """The filters as row conditions; language, source, agency, section and country as one
    containment of their facets (see FACETS), or left out (`facets=False`)."""
    found: list[ColumnElement[bool]] = []
    if not filters.include_copies:
        found.append(Article.status == "stored")
    if facets and (keys := _facets(filters)):
        found.append(_holding(keys))
    if filters.entity is not None:
        found.append(_names(filters.entity))
    if filters.since is not None:
        found.append(Article.sort_date >= filters.since)
    if filters.until is not None:
        end = period_end(filters.until)
        if end is not None:
            found.append(Article.sort_date < end)
    return found


def _facets(filters: Filters) -> list[str]:
    """The filters that are facets (FACETS), as its keys."""
    return [
        f"{prefix}:{value}"
        for prefix, value in (
            ("l", filters.language),
            ("s", filters.source),
            ("a", filters.agency),
            ("n", filters.section.lower() if filters.section is not None else None),
            ("c", filters.country.upper() if filters.country is not None else None),
        )
        if value is not None
    ]


def _holding(facets: list[str]) -> ColumnElement[bool]:
    return FACETS.op("@>")(cast(array(facets), ARRAY(Text)))


def _names(entity: str) -> ColumnElement[bool]:
    """The article names the entity: by its name (any case) or its id."""
    match = func.lower(Entity.name) == entity.lower()
    if entity.isdecimal() and int(entity) < _MAX_BIGINT:  # "²" is a digit, but not a number int() reads
        match = or_(match, Entity.id == int(entity))
    return exists().where(and_(ArticleEntity.article_id == Article.id, ArticleEntity.entity_id == Entity.id, match))


def period_end(until: date | datetime) -> date | datetime | None:
    """The exclusive end of a period: `until` a day includes that day; a datetime is taken as is."""
    if isinstance(until, datetime):
        return until
    return None if until == date.max else date.fromordinal(until.toordinal() + 1)


def _with_snippets(page: Any, query: ColumnElement[Any] | None, limit: int) -> Any:
    """The page's rows with their snippets: ts_headline runs for the `limit` rows shown, not the
    one more fetched to know whether there is a next page."""
    position = func.row_number().over(order_by=(page.c.key.desc().nulls_last(), page.c.id.desc()))
    body = case((position <= limit, Article.body), else_=literal(""))
    snippet = (
        func.ts_headline(text("'simple'"), body, _any_word(query), _HEADLINE)
        if query is not None
        else func.left(body, 240)
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


def _encode(values: list[Any]) -> str:
    shown = [value.isoformat() if isinstance(value, datetime) else value for value in values]
    return base64.urlsafe_b64encode(json.dumps(shown).encode()).decode().rstrip("=")


def _decode(cursor: str, by_rank: bool) -> tuple[Any, int, tuple[datetime, int]]:
    """(key, id) of the last row shown and, by relevance, the (sort_date, id) edge of the window."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(values, list) or len(values) != (4 if by_rank else 2):
            raise ValueError("cursor shape")
        key, article_id, *edge = values
        parsed = float(key) if by_rank else datetime.fromisoformat(key)
        edge_date, edge_id = (datetime.fromisoformat(edge[0]), edge[1]) if by_rank else (datetime.min, 0)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as error:
        raise CursorError("invalid cursor: pass the `next` value of the previous page") from error
    if not all(_an_id(value) for value in (article_id, edge_id)) or _naive(parsed) or (by_rank and _naive(edge_date)):
        raise CursorError("invalid cursor: pass the `next` value of the previous page")
    return parsed, article_id, (edge_date, edge_id)


def _an_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < _MAX_BIGINT


def _naive(value: Any) -> bool:
    return isinstance(value, datetime) and value.tzinfo is None
