"""Golden cases for HTML pages: tests/golden/html/NAME.html against NAME.expected.json.

The expected files use the WCXB gold shape (url, title, author, publish_date, main_content), so
`bench/parse.py` scores them by default, plus the fields only newsingest reports.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from schemas import ParsedArticle, RawArticle
from worker.pipeline.parse import parse

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "html"
CASES = sorted(path.stem for path in GOLDEN.glob("*.html"))
NOW = datetime(2026, 3, 16, tzinfo=UTC)


def _parse(name: str) -> tuple[ParsedArticle, dict[str, object]]:
    expected = json.loads((GOLDEN / f"{name}.expected.json").read_text(encoding="utf-8"))
    raw = RawArticle(content=(GOLDEN / f"{name}.html").read_text(encoding="utf-8"), url=str(expected["url"]))
    parsed = parse(raw, uuid.uuid4(), NOW)
    assert isinstance(parsed, ParsedArticle), parsed
    return parsed, expected


@pytest.mark.parametrize("name", CASES)
def test_fields(name: str) -> None:
    parsed, expected = _parse(name)
    assert parsed.published is not None
    found = {
        "title": parsed.title,
        "authors": parsed.authors,
        "agency": parsed.agency,
        "section": parsed.section,
        "site_name": parsed.site_name,
        "description": parsed.description,
        "image_url": parsed.image_url,
        "publish_date": parsed.published.local_day,
        "published_source": parsed.published.source,
        "published_precision": parsed.published.precision,
        "published_timezone": parsed.published.timezone,
        "modified_source": parsed.modified.source if parsed.modified else None,
    }
    assert found == {key: expected[key] for key in found}


@pytest.mark.parametrize("name", CASES)
def test_body(name: str) -> None:
    parsed, expected = _parse(name)
    assert parsed.body == expected["main_content"]
    assert "Most read" not in parsed.body
    assert "Subscribe" not in parsed.body
