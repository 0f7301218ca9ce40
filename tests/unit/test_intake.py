"""Intake: arbitrary inbound records -> a valid RawArticle or an ingest Rejection."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from schemas import RawArticle, Rejection
from worker.pipeline.intake import validate_record

LIMIT = 1000


def good(**fields: Any) -> dict[str, Any]:
    return {"url": "https://www.example.com/news/1", "content": "Some article text."} | fields


def rejected(record: Any, limit: int = LIMIT) -> Rejection:
    result = validate_record(record, limit)
    assert isinstance(result, Rejection), result
    assert result.stage == "ingest"
    return result


def accepted(record: Any, limit: int = LIMIT) -> RawArticle:
    result = validate_record(record, limit)
    assert isinstance(result, RawArticle), result
    return result


@pytest.mark.parametrize(("record", "type_name"), [([1, 2], "list"), ("text", "str"), (None, "NoneType"), (3, "int")])
def test_non_dict_is_invalid_record(record: Any, type_name: str) -> None:
    rejection = rejected(record)
    assert rejection.reason == "invalid record"
    assert rejection.detail == f"expected a JSON object, got {type_name}"


def test_valid_record_is_accepted() -> None:
    raw = accepted(good(title="A title", authors=["Jane Mwangi"]))
    assert raw.url == "https://www.example.com/news/1"
    assert raw.content == "Some article text."
    assert raw.title == "A title"
    assert raw.authors == ["Jane Mwangi"]
    assert raw.schema_version == 1


def test_missing_content_names_the_field() -> None:
    record = good()
    del record["content"]
    rejection = rejected(record)
    assert rejection.reason == "invalid record"
    assert rejection.detail.startswith("content:")
    assert "required" in rejection.detail.lower()


def test_empty_content_is_rejected() -> None:
    rejection = rejected(good(content=""))
    assert rejection.reason == "invalid record"
    assert "content:" in rejection.detail


def test_unknown_field_is_rejected() -> None:
    rejection = rejected(good(colour="red"))
    assert rejection.reason == "invalid record"
    assert rejection.detail.startswith("colour:")
    assert "extra" in rejection.detail.lower()


@pytest.mark.parametrize("url", ["ftp://example.com/a", "example.com/a", "https://", "not a url"])
def test_bad_url_is_rejected(url: str) -> None:
    rejection = rejected(good(url=url, source="example.com"))
    assert rejection.reason == "invalid record"
    assert rejection.detail.startswith("url:")
    assert "http(s) URL" in rejection.detail


def test_url_is_stripped() -> None:
    assert accepted(good(url="  https://example.com/a  ")).url == "https://example.com/a"


def test_naive_fetched_at_is_rejected() -> None:
    rejection = rejected(good(fetched_at="2024-05-04T10:00:00"))
    assert rejection.reason == "invalid record"
    assert rejection.detail.startswith("fetched_at:")
    assert "timezone" in rejection.detail


def test_aware_fetched_at_is_accepted() -> None:
    raw = accepted(good(fetched_at="2024-05-04T13:00:00+03:00"))
    assert raw.fetched_at == datetime(2024, 5, 4, 10, 0, tzinfo=UTC)


def test_naive_published_at_is_rejected() -> None:
    assert rejected(good(published_at="2024-05-04 10:00")).detail.startswith("published_at:")


def test_source_is_url_host_without_www() -> None:
    assert accepted(good(url="https://WWW.Example.COM/a")).source == "example.com"


def test_given_source_wins_over_url_host() -> None:
    assert accepted(good(source="Daily Example")).source == "Daily Example"


def test_no_source_and_no_url_names_source() -> None:
    rejection = rejected({"content": "Some text."})
    assert rejection.detail.startswith("source:")


def test_several_problems_are_all_named() -> None:
    rejection = rejected({"content": "", "colour": "red"})
    for field in ("source:", "content:", "colour:"):
        assert field in rejection.detail
    assert rejection.detail.count("; ") == 2


def test_content_at_the_byte_limit_is_accepted() -> None:
    assert accepted(good(content="e" * LIMIT)).content == "e" * LIMIT


def test_content_over_the_byte_limit_is_too_large() -> None:
    rejection = rejected(good(content="e" * (LIMIT + 1)))
    assert rejection.reason == "content too large"
    assert rejection.detail == f"{LIMIT + 1} bytes of content, the limit is {LIMIT}"


def test_multibyte_content_counts_bytes_not_characters() -> None:
    # 600 characters, 1200 bytes in UTF-8: under the limit in characters, over it in bytes.
    rejection = rejected(good(content="é" * 600))
    assert rejection.reason == "content too large"
    assert rejection.detail.startswith("1200 bytes")


def test_four_byte_characters_count_four_bytes() -> None:
    # 251 emoji are 1004 bytes: over the limit; 250 are exactly 1000 bytes: at it.
    rejection = rejected(good(content="\U0001f600" * 251))
    assert rejection.reason == "content too large"
    assert rejection.detail.startswith("1004 bytes")
    assert accepted(good(content="\U0001f600" * 250)).content == "\U0001f600" * 250


def test_size_is_checked_before_the_schema() -> None:
    record = {"content": "x" * (LIMIT + 1), "colour": "red"}
    assert rejected(record).reason == "content too large"
