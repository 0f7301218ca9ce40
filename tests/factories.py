"""Test helpers: real articles built through the real pure pipeline, unique per call."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

from schemas import EnrichedArticle, ParsedArticle, RawArticle
from worker.pipeline.dedupe import fingerprint
from worker.pipeline.enrich import enrich
from worker.pipeline.parse import parse

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


# Words for the paragraphs a token draws: stories of different tokens share too few runs of
# words to be near duplicates of each other, so each test article is a story of its own.
VOCABULARY = (
    "harbour",
    "council",
    "ferry",
    "budget",
    "tunnel",
    "mayor",
    "vote",
    "engineers",
    "residents",
    "toll",
    "river",
    "shore",
    "traffic",
    "contract",
    "bridge",
    "steel",
    "cost",
    "delay",
    "survey",
    "port",
    "island",
    "cyclists",
    "buses",
    "opposition",
    "report",
    "schools",
    "fishermen",
    "tide",
    "planning",
    "court",
    "appeal",
    "funding",
    "minister",
    "district",
    "workers",
    "summer",
    "winter",
    "crossing",
)


def story_text(token: str, title: str = "Council approves new harbour bridge") -> str:
    """A plain-text article whose body is drawn from a token, so its fingerprints are its own."""
    draw = random.Random(token)
    paragraphs = [" ".join(draw.choices(VOCABULARY, k=30)).capitalize() + "." for _ in range(3)]
    return (
        f"{title}\nLocal\nBy Jane Mwangi\n| Mar 03, 2026\n"
        f"The city council approved a new bridge across the harbour on Tuesday (ref {token}).\n"
        + "".join(paragraph + "\n" for paragraph in paragraphs)
    )


def record(token: str | None = None, **fields: Any) -> dict[str, Any]:
    token = token or uuid.uuid4().hex
    return {"source": "test.example", "content": story_text(token), "content_type": "text/plain"} | fields


def parsed(body: str, **fields: Any) -> ParsedArticle:
    """A parsed plain-text article with the given body and fields, the rest empty."""
    empty: dict[str, Any] = {
        "submission_id": uuid.uuid4(),
        "url": None,
        "canonical_url": None,
        "source": "news.example",
        "producer_id": None,
        "content_type": "text/plain",
        "fetched_at": None,
        "title": None,
        "section": None,
        "authors": [],
        "agency": None,
        "published": None,
        "language_hint": None,
        "parser_version": "1",
    }
    return ParsedArticle(**(empty | fields), body=body)


def enriched(token: str | None = None, **fields: Any) -> EnrichedArticle:
    """An article as the store stage receives it."""
    parsed = parse(RawArticle.model_validate(record(token, **fields)), uuid.uuid4(), NOW)
    assert isinstance(parsed, ParsedArticle)
    return enrich(fingerprint(parsed))


def insert_row(db: Any, source: str, body: str, **columns: Any) -> int:
    """A stored article written straight into its table (with the submission it needs), not
    through the pipeline: for tests of what queries and migrations make of given column values.
    `db` is a Session or a Connection; `columns` are further columns of articles."""
    submission = uuid.uuid4()
    db.execute(text("INSERT INTO submissions (id, record) VALUES (:s, '{}')"), {"s": submission})
    values = {
        "submission_id": submission,
        "source": source,
        "content_type": "text/plain",
        "body": body,
        "word_count": 1,
        "reading_time_s": 1,
        "content_hash": f"{source}/{uuid.uuid4().hex}",
        "parser_version": "1",
        "enricher_version": "1",
        "status": "stored",
    } | columns
    names = ", ".join(values)
    placeholders = ", ".join(f":{name}" for name in values)
    return int(db.scalar(text(f"INSERT INTO articles ({names}) VALUES ({placeholders}) RETURNING id"), values))
