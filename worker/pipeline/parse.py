"""The parse stage: one RawArticle -> a ParsedArticle, or a Rejection with its reason."""

from __future__ import annotations

import re
from datetime import datetime
from uuid import UUID

from lxml import etree

from schemas import ParsedArticle, RawArticle, Rejection
from schemas.article import ContentType
from worker.pipeline.agencies import find_agency, is_agency_only
from worker.pipeline.clean import clean_text
from worker.pipeline.dates import from_producer
from worker.pipeline.dedupe import canonical_url
from worker.pipeline.html import read_html
from worker.pipeline.text import TextParts, read_text

PARSER_VERSION = "1"

_HTML_SNIFF = re.compile(r"^\s*(<!doctype html|<html|<head|<body|<\?xml|<!--)|<(p|div|article|br)[\s>/]", re.IGNORECASE)
# Fewer words than this is a page fragment (a menu, a caption, a paywall stub), not an article.
MIN_BODY_WORDS = 10
# "BEIJING (AFP) -", "Nairobi, Sept 4 (Reuters) -": a dateline credits the agency.
_DATELINE = re.compile(r"^[^()\n]{2,60}\(([^()]{2,40})\)\s*[-–—:]")


def sniff(content: str) -> ContentType:
    """Guess whether content is HTML or plain text from its first characters."""
    return "text/html" if _HTML_SNIFF.search(content[:4096]) else "text/plain"


def parse(raw: RawArticle, submission_id: UUID, now: datetime) -> ParsedArticle | Rejection:
    """Read the fields and clean body of one submission; producer hints win over the page."""
    content_type = raw.content_type or sniff(raw.content)
    page_canonical: str | None = None
    content = clean_text(raw.content)
    try:
        if content_type == "text/html":
            parts, page_canonical = read_html(content, raw.url, now)
        else:
            parts = read_text(content)
    except (RecursionError, ValueError, etree.LxmlError) as error:  # pathological markup
        return Rejection(stage="parse", reason="unparseable content", detail=f"{type(error).__name__}: {error}")
    if not parts.paragraphs:
        return Rejection(stage="parse", reason="empty body", detail=f"no article text found in {content_type}")
    words = sum(len(paragraph.split()) for paragraph in parts.paragraphs)
    if words < MIN_BODY_WORDS:
        return Rejection(stage="parse", reason="body too short", detail=f"{words} words, fewer than {MIN_BODY_WORDS}")
    return ParsedArticle(
        submission_id=submission_id,
        url=raw.url,
        canonical_url=canonical_url(raw.url) or canonical_url(page_canonical),
        source=raw.source,
        producer_id=raw.id,
        content_type=content_type,
        fetched_at=raw.fetched_at,
        title=_clean(raw.title or parts.title),
        section=_clean(raw.section or parts.section),
        authors=[clean_text(name) for name in raw.authors or parts.authors if not is_agency_only(name)],
        agency=_agency(parts, raw.authors),
        published=from_producer(raw.published_at) if raw.published_at else parts.published,
        language_hint=raw.language,
        body="\n\n".join(parts.paragraphs),
        parser_version=PARSER_VERSION,
    )


def _clean(text: str | None) -> str | None:
    return (clean_text(text).strip() or None) if text else None


def _agency(parts: TextParts, hinted_authors: list[str]) -> str | None:
    """The agency credited in the byline, the producer's authors or the dateline."""
    if parts.agency:
        return parts.agency
    for author in [*hinted_authors, *parts.authors]:
        if agency := find_agency(author):
            return agency
    dateline = _DATELINE.match(parts.paragraphs[0]) if parts.paragraphs else None
    return find_agency(dateline.group(1)) if dateline else None
