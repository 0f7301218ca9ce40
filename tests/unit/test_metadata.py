"""What a page declares about itself in JSON-LD, read into fields."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from schemas import ParsedArticle, RawArticle
from worker.pipeline.metadata import text_of
from worker.pipeline.parse import parse

NOW = datetime(2026, 3, 16, 12, tzinfo=UTC)
BODY = (
    "<p>The harbour board approved a second ferry berth on Tuesday after two years of surveys, and"
    " said the work would start once the summer sailing season ends in late September.</p>"
    "<p>Ferry operators welcomed the decision, saying the single berth had caused delays of up to"
    " forty minutes on busy weekends when two boats arrived within the same quarter hour.</p>"
)


def test_an_object_reads_as_its_name_before_its_address() -> None:
    publisher = {"@type": "NewsMediaOrganization", "url": "https://harbour-gazette.example/", "name": "Harbour Gazette"}
    assert text_of(publisher) == "Harbour Gazette"
    assert text_of([{"@id": "https://harbour-gazette.example/#org"}]) == "https://harbour-gazette.example/#org"
    assert text_of({"name": "  ", "url": "https://harbour-gazette.example/"}) == "https://harbour-gazette.example/"


def test_the_publisher_names_the_site_and_the_image_is_an_address() -> None:
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": "Second ferry berth approved",
        "datePublished": "2025-06-03T09:00:00+01:00",
        "publisher": {
            "@type": "NewsMediaOrganization",
            "url": "https://harbour-gazette.example/",
            "name": "Harbour Gazette",
        },
        "image": {
            "@type": "ImageObject",
            "name": "The ferry at dawn",
            "url": "https://harbour-gazette.example/ferry.jpg",
        },
    }
    html = (
        f'<html><head><title>Second ferry berth approved</title><script type="application/ld+json">{json.dumps(ld)}'
        f"</script></head><body><article><h1>Second ferry berth approved</h1>{BODY}</article></body></html>"
    )
    raw = RawArticle(content=html, url="https://harbour-gazette.example/ferry-berth", content_type="text/html")
    parsed = parse(raw, uuid.uuid4(), NOW)
    assert isinstance(parsed, ParsedArticle), parsed
    assert parsed.site_name == "Harbour Gazette"
    assert parsed.image_url == "https://harbour-gazette.example/ferry.jpg"
