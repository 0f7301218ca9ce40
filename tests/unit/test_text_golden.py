"""Golden cases for the plain-text reader: tests/golden/text/NAME.txt against NAME.expected.json."""

from __future__ import annotations

import json
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest

from worker.pipeline.text import TextParts, read_text

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "text"
CASES = sorted(path.name for path in GOLDEN.glob("*.txt"))


def load(name: str) -> tuple[TextParts, dict[str, Any]]:
    text = (GOLDEN / name).read_text(encoding="utf-8")
    expected = json.loads((GOLDEN / name).with_suffix(".expected.json").read_text(encoding="utf-8"))
    return read_text(text), expected


def test_golden_cases_are_complete() -> None:
    assert len(CASES) >= 9
    assert "seed_article.txt" in CASES
    for name in CASES:
        assert (GOLDEN / name).with_suffix(".expected.json").is_file(), name
    assert len(list(GOLDEN.glob("*.expected.json"))) == len(CASES)


@pytest.mark.parametrize("name", CASES)
def test_header_fields(name: str) -> None:
    parts, expected = load(name)
    assert parts.title == expected["title"]
    assert parts.section == expected["section"]
    assert parts.authors == expected["authors"]
    assert parts.agency == expected["agency"]


@pytest.mark.parametrize("name", CASES)
def test_published(name: str) -> None:
    parts, expected = load(name)
    want = expected["published"]
    if want is None:
        assert parts.published is None
        return
    assert parts.published is not None
    value = parts.published.value.astimezone(UTC)
    assert value.date().isoformat() == want["date"]
    assert parts.published.precision == want["precision"]
    assert parts.published.timezone == want["timezone"]
    assert parts.published.source == "text"
    if "time_utc" in want:
        assert value.strftime("%H:%M") == want["time_utc"]


@pytest.mark.parametrize("name", CASES)
def test_paragraphs(name: str) -> None:
    parts, expected = load(name)
    assert parts.paragraphs == expected["paragraphs"]


@pytest.mark.parametrize("name", CASES)
def test_body_leaves_out_what_is_not_the_story(name: str) -> None:
    parts, expected = load(name)
    body = "\n\n".join(parts.paragraphs)
    assert expected["must_not_contain"]
    leaked = [text for text in expected["must_not_contain"] if text in body]
    assert leaked == []
