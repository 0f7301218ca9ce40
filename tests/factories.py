"""Test helpers: real articles built through the real pure pipeline, unique per call."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from schemas import EnrichedArticle, ParsedArticle, RawArticle
from worker.pipeline.dedupe import fingerprint
from worker.pipeline.enrich import enrich
from worker.pipeline.parse import parse

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def story_text(token: str, title: str = "Council approves new harbour bridge") -> str:
    """A plain-text article whose body carries a token, so its fingerprint is its own."""
    return (
        f"{title}\nLocal\nBy Jane Mwangi\n| Mar 03, 2026\n"
        f"The city council approved the construction of a new bridge across the harbour on Tuesday, "
        f"ending a debate that lasted almost a decade (ref {token}).\n"
        "Supporters said the bridge would cut commuting times by half for people living on the "
        "northern shore, while opponents warned about the cost.\n"
        '"This is the most important decision this council has taken in years," the mayor said.\n'
    )


def record(token: str | None = None, **fields: Any) -> dict[str, Any]:
    token = token or uuid.uuid4().hex
    return {"source": "test.example", "content": story_text(token), "content_type": "text/plain"} | fields


def enriched(token: str | None = None, **fields: Any) -> EnrichedArticle:
    """An article as the store stage receives it."""
    parsed = parse(RawArticle.model_validate(record(token, **fields)), uuid.uuid4(), NOW)
    assert isinstance(parsed, ParsedArticle)
    return enrich(fingerprint(parsed))
