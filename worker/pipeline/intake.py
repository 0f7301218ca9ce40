"""Intake: an inbound record, whatever a producer sent, -> a valid RawArticle or a Rejection."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from schemas import RawArticle, Rejection
from worker.pipeline.clean import scrub

_MAX_REPORTED_ERRORS = 5


def validate_record(record: Any, max_content_bytes: int) -> RawArticle | Rejection:
    """Check a record against the inbound schema and the content size limit."""
    record = scrub(record)
    if not isinstance(record, dict):
        return Rejection(
            stage="ingest", reason="invalid record", detail=f"expected a JSON object, got {type(record).__name__}"
        )
    content = record.get("content")
    if isinstance(content, str) and len(content) > max_content_bytes // 4 and _utf8_size(content) > max_content_bytes:
        return Rejection(
            stage="ingest",
            reason="content too large",
            detail=f"{_utf8_size(content)} bytes of content, the limit is {max_content_bytes}",
        )
    try:
        return RawArticle.model_validate(record)
    except ValidationError as error:
        return Rejection(stage="ingest", reason="invalid record", detail=describe(error))


def describe(error: ValidationError) -> str:
    """The first few schema violations as one readable line ("url: must be ...; content: ...")."""
    problems = [
        f"{'.'.join(str(part) for part in item['loc']) or 'record'}: {item['msg']}"
        for item in error.errors(include_url=False)[:_MAX_REPORTED_ERRORS]
    ]
    return "; ".join(problems)


def _utf8_size(text: str) -> int:
    return len(text.encode("utf-8", errors="surrogatepass"))
